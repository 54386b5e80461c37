"""Hostile numbers and patterns given to the FHIRPath evaluator: each gives an answer or "cannot
evaluate" (None), never an exception out of the engine.

Each test cites the FHIRPath N1 rule (http://hl7.org/fhirpath/N1/) or the JSON/FHIR rule it rests on.
"""

from __future__ import annotations

from typing import Any

import pytest

from nhsstd.conformance._fhirpath import InvariantEngine

ENGINE = InvariantEngine()
PATIENT: dict[str, Any] = {"resourceType": "Patient", "id": "p"}


def check(expression: str, node: Any = PATIENT, type_name: str = "Patient") -> bool | None:
    return ENGINE.check("test", expression, node, resource=node, root=node, type_name=type_name)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # 5.7.9 power(): "If the power cannot be represented ... the result is empty"; 10^10^7
        # is past what a Decimal holds
        ("(10).power(10000000).empty()", True),
        ("(10.0).power(10000000).empty()", True),
        # an Integer power is an Integer (N1 2.1.1: -2^31 to 2^31-1); 2^40 is not one
        ("(2).power(40).empty()", True),
        ("(2).power(30) = 1073741824", True),
        # 5.7.3 exp(): e^100000000 cannot be represented either
        ("(100000000).exp().empty()", True),
        # 5.7.6 ln(0) has no value
        ("(0.0).ln().empty()", True),
        # 5.7.11 round(): the number rounded, however many digits it has or the precision asks
        ("(123456789012345678901234567890.5).round() = 123456789012345678901234567891.0", True),
        ("(1.5).round(100) = 1.5", True),
        ("(3.14159).round(3) = 3.142", True),
    ],
)
def test_math_past_what_can_be_represented_is_empty(expression: str, expected: bool) -> None:
    assert check(expression) is expected


@pytest.mark.parametrize(
    "expression",
    [
        # N1 2.1.1: Integer is "whole numbers in the range -2^31 to 2^31-1": a literal outside it
        # (and one of 5,000 digits, which Python's int() refuses) is an error
        "9" * 5000 + " > 1",
        "2147483648 > 1",
        # ... and so is arithmetic leaving it (which would otherwise grow without bound)
        "2147483647 + 1 > 0",
        "(1 | 2 | 3 | 4 | 5 | 6 | 7).aggregate($total * $total * 1000, 10) > 0",
        # 5.6.14 replaceMatches(): $9 names a group '(a)' does not have
        "'a'.replaceMatches('(a)', '$9') = 'a'",
    ],
)
def test_errors_past_the_integer_range_and_bad_substitutions_cannot_be_evaluated(expression: str) -> None:
    assert check(expression) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # 5.5.4 toInteger(): a string converts when it is an Integer; outside N1 2.1.1's range it is not
        ("2147483647", True),
        ("-2147483648", True),
        ("2147483648", False),
        ("9" * 5000, False),
        ("0" * 5000 + "7", True),
    ],
)
def test_to_integer_converts_only_strings_in_the_integer_range(text: str, expected: bool) -> None:
    assert check(f"'{text}'.convertsToInteger() = {'true' if expected else 'false'}") is True
    assert check(f"'{text}'.toInteger().exists() = {'true' if expected else 'false'}") is True


@pytest.mark.parametrize("number", [float("nan"), float("inf"), float("-inf")])
def test_a_number_json_cannot_hold_cannot_be_evaluated(number: float) -> None:
    # RFC 8259 section 6: "Numeric values that cannot be represented ... (such as Infinity and NaN)
    # are not permitted"; Python's json module and a caller's dict can still hold them.
    quantity = {"value": number, "unit": "kg"}
    assert check("value > 0", quantity, "Quantity") is None
    assert check("value = value", quantity, "Quantity") is None
    observation = {"resourceType": "Observation", "valueQuantity": quantity}
    assert check("value > 1 'kg'", observation, "Observation") is None


def test_a_decimal_as_a_string_is_written_without_an_exponent() -> None:
    # 5.5.8 toString(): a Decimal is written as a decimal number (FHIR decimal's form), not 1E-8
    assert check("(0.00000001).toString() = '0.00000001'") is True
    assert check("(1.50).toString() = '1.50'") is True


def test_descendants_of_data_nested_deep_or_in_a_loop_are_each_element_below() -> None:
    # N1 5.8.2 descendants(): "all descendant nodes of all items in the input collection"; a
    # caller's dicts nested 50,000 deep (no JSON parser makes them, validate() takes dicts) are
    # walked once, in time proportional to the data.
    deep: dict[str, Any] = {"resourceType": "Patient"}
    inner = deep
    for _ in range(50_000):
        inner["extension"] = [{"url": "http://example.org/nested"}]
        inner = inner["extension"][0]
    assert check("descendants().ofType(Extension).count() = 50000", deep) is True
    assert check("descendants().url.distinct().count() = 1", deep) is True
    # a dict that contains itself is listed where it is met and not walked again below itself
    loop: dict[str, Any] = {"resourceType": "Patient", "id": "loop"}
    loop["contained"] = [loop]
    assert check("descendants().count() = 2 and descendants().id.distinct() = 'loop'", loop) is True


@pytest.mark.parametrize(
    "expression",
    [
        # A pattern from a user's package that backtracks exponentially (two ways to match each
        # 'a', then a '!' that fails them all): each function stops at its deadline.
        "'" + "a" * 40 + "!'.matches('^(a|aa)+$')",
        "'" + "a" * 40 + "!'.matchesFull('(a|a)+')",
        "'" + "a" * 40 + "!'.replaceMatches('^(a|aa)+$', 'b') = 'b'",
    ],
)
def test_a_regular_expression_that_backtracks_forever_cannot_be_evaluated(expression: str) -> None:
    assert check(expression) is None


def test_the_unicode_letter_class_of_fhir_patterns_is_understood() -> None:
    # Patterns in FHIR definitions are written for Java's engine; \p{L} (any letter) is common.
    assert check("'Élan'.matches('^\\\\p{L}+$')") is True
    assert check("'3lan'.matches('^\\\\p{L}+$')") is False


def test_repeat_that_computes_a_new_value_every_time_cannot_be_evaluated() -> None:
    # N1 5.2.3 repeat() goes on "until no new items are found"; $this + 'a' is always new.
    assert check("'a'.repeat($this + 'a').count() > 0") is None
    # ... while repeat over the data ends when the data does
    node = {"item": [{"linkId": "1", "item": [{"linkId": "1.1", "item": [{"linkId": "1.1.1"}]}]}]}
    assert check("repeat(item).count() = 3", node, "Questionnaire") is True

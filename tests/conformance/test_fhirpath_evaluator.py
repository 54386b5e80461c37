"""Rules of FHIRPath N1 (http://hl7.org/fhirpath/N1/) that the suite does not reach through invariants.

Each test quotes or cites the rule; the engine is the one the validator uses.
"""

from __future__ import annotations

from typing import Any

import pytest

from nhsstd.conformance._fhirpath import InvariantEngine

ENGINE = InvariantEngine()
PATIENT: dict[str, Any] = {
    "resourceType": "Patient",
    "name": [{"given": ["Ann", "Bea"], "family": "Smith"}],
    "birthDate": "1990-05-17",
    "_birthDate": {
        "extension": [{"url": "http://example.org/time", "valueDateTime": "1990-05-17T08:30:00Z"}]
    },
    "telecom": [{"system": "phone", "value": "01632 960000"}, {"system": "email", "value": "a@example.org"}],
}


def check(expression: str, node: Any = PATIENT, type_name: str = "Patient") -> bool | None:
    return ENGINE.check("test", expression, node, resource=node, root=node, type_name=type_name)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # 6.5.2 or: "true or {}" is true; an operand already deciding the result is enough, so the
        # other side's error (comparing a collection of two, 6.2) is never reached.
        ("true or name.given > 'A'", True),
        ("false and name.given > 'A'", False),
        ("false implies name.given > 'A'", True),
        # 6.5: three-valued logic with empty operands
        ("({} or false).empty()", True),
        ("({} and false) = false", True),
        ("({} implies true) = true", True),
        ("(true xor {}).empty()", True),
        # 6.1.1 / 6.1.3: equality of strings is exact, equivalence ignores case and spacing
        ("'Ann  Smith' = 'ann smith'", False),
        ("'Ann  Smith' ~ 'ann smith'", True),
        # 6.6: decimal arithmetic is exact (no binary floating point)
        ("0.1 + 0.2 = 0.3", True),
        ("(7 / 2) = 3.5 and (7 div 2) = 3 and (7 mod 2) = 1", True),
        # 6.1.1: dates of different precision are neither equal nor unequal when the common part matches
        ("(birthDate = @1990-05).empty()", True),
        ("birthDate = @1990-05-17", True),
        ("birthDate > @1989", True),
        # a primitive and its _name extensions are one element (FHIR R4 json.html)
        ("birthDate.count() = 1 and birthDate.extension.count() = 1", True),
        ("birthDate.extension('http://example.org/time').value > @1990-05-17T08:00:00Z", True),
        # 6.1.3 / 6.2: quantities compare in one unit, or not at all
        ("1 week = 7 days", True),
        ("(1 'kg' > 1 'm').empty()", True),
        ("1000 'mg' = 1 'g'", True),
        # 6.4.1 union removes duplicates, combine() keeps them (5.4)
        ("(name.given | name.given).count() = 2 and name.given.combine(name.given).count() = 4", True),
        ("'Ann' in name.given and name.given contains 'Bea'", True),
        # 5.2: $index in where() and select()
        ("telecom.where($index = 1).system = 'email'", True),
        ("telecom.select($index).last() = 1", True),
        # FHIR R4 fhirpath.html 2.1.9.2: %`vs-name` and %`ext-name` constants
        ("%`vs-administrative-gender` = 'http://hl7.org/fhir/ValueSet/administrative-gender'", True),
        ("%`ext-data-absent-reason`.endsWith('StructureDefinition/data-absent-reason')", True),
        # 6.3: types of the FHIR model and of System
        ("birthDate is date and birthDate.is(FHIR.date) and (birthDate is System.Date).not()", True),
        ("name.given.first() is string and ('x' is String)", True),
        ("children().ofType(HumanName).count() = 1", True),
        # 5.9: today() and now() are one instant in one evaluation
        ("now() = now() and today() = today()", True),
        # 5.5: iif only evaluates the branch it takes
        ("iif(true, 1, name.given > 'A') = 1", True),
    ],
)
def test_fhirpath_rules(expression: str, expected: bool) -> None:
    assert check(expression) is expected


@pytest.mark.parametrize(
    "expression",
    [
        "name.given > 'A'",  # 6.2: a comparison of a collection of two is an error
        "name.family.startsWith(1)",  # 5.6: a string function given a number
        "conformsTo('http://hl7.org/fhir/StructureDefinition/Patient')",  # not provided
        "name.unknownFunction()",  # not a function of N1 or FHIR
        "name.given.matches('(')",  # a regular expression that cannot be read
        "birthDate.as(notAType)",  # an unknown type
        "(" * 2000 + "true" + ")" * 2000,  # nested past what the parser can hold
    ],
)
def test_errors_and_the_unsupported_cannot_be_evaluated(expression: str) -> None:
    assert check(expression) is None


def test_a_choice_element_is_read_by_its_name_and_typed_by_its_suffix() -> None:
    # FHIR R4 formats.html, choice elements: value[x] is valueQuantity in JSON; FHIRPath reads it
    # as value, and its type is the suffix's.
    observation = {
        "resourceType": "Observation",
        "valueQuantity": {"value": 72.5, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"},
    }
    assert check("value.is(Quantity) and value > 70 'kg' and value < 73000 'g'", observation, "Observation")
    assert check("value.as(string).empty() and value.ofType(Quantity).exists()", observation, "Observation")


def test_a_string_where_an_object_belongs_is_not_navigated() -> None:
    # Data a caller gives may be wrong: a string where HumanName belongs has no children.
    broken = {"resourceType": "Patient", "name": ["Ann Smith"]}
    assert check("name.exists() and name.given.empty()", broken) is True

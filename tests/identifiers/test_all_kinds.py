"""Properties every identifier kind must satisfy, run over the whole registry.

Kind-specific rules live in the per-kind test modules; this module checks the
shared contract: the published vectors, the python-stdnum interface, the
normalisation policy's invariants, hostile input and personal-data hygiene.
"""

from __future__ import annotations

import pickle
import sys
import unicodedata
from typing import Any

import pytest
import stdnum.exceptions
from hypothesis import example, given
from hypothesis import strategies as st

from nhsstd import exceptions, identifiers
from tests.conftest import load_vectors

VECTORS = load_vectors()
VECTOR_CASES = [
    pytest.param(kind, case, id=f"{kind}:{case['input']!r}")
    for kind, cases in VECTORS.items()
    for case in cases
]
PATIENT_KINDS = ("nhs_number", "chi_number", "hc_number")

# Characters a hostile or merely unlucky input may carry: every Unicode decimal
# digit, space and dash look-alikes, controls, NUL, lone surrogates.
_UNICODE_DIGITS = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Nd"]
_LOOK_ALIKES = [
    *"\u00a0\u2007\u202f\u2009\u200b\u3000\u2010\u2011\u2012\u2013\u2014\u2212\ufe63\uff0d",
    *"\t\n\r\x0b\x0c\x00\x1c\x1d\x1e\x1f\x85\u2028\u2029\ufeff./_,",
    "\ud800",
    "\udfff",
]
hostile_chars = st.one_of(
    st.sampled_from(_UNICODE_DIGITS),
    st.sampled_from(_LOOK_ALIKES),
    st.characters(codec=None, exclude_categories=()),
    st.sampled_from("0123456789 -ABCDEFGHJKLMNPQRSTUVWXYZabcz"),
)
hostile_text = st.text(hostile_chars, max_size=40)


# Valid samples for the kinds the shared vectors do not cover.
EXTRA_VALID = {
    "consultant_code": "C9999998",
    "gdp_code": "D3345122",
    "gdc_number": "12345",
    "gphc_number": "2012345",
    "nhs_pseudo_postcode": "ZZ99 3VZ",
}


def _valid_inputs() -> list[str]:
    vector_inputs = [case["input"] for cases in VECTORS.values() for case in cases if case["valid"]]
    return vector_inputs + list(EXTRA_VALID.values())


@st.composite
def perturbed_valid(draw: st.DrawFn) -> str:
    """A valid vector input with a few hostile characters spliced in."""
    base = draw(st.sampled_from(_valid_inputs()))
    for _ in range(draw(st.integers(0, 3))):
        position = draw(st.integers(0, len(base)))
        base = base[:position] + draw(hostile_chars) + base[position:]
    return base


any_input = st.one_of(hostile_text, perturbed_valid(), st.sampled_from(_valid_inputs()))


def test_registry_lists_every_kind_of_the_issue() -> None:
    assert set(identifiers.KINDS) == {
        "nhs_number", "chi_number", "hc_number", "sctid", "ods_code", "gmc_number", "gmp_code",
        "postcode", "nmc_pin", "hcpc_number", "uprn", "consultant_code", "gdp_code", "gdc_number",
        "gphc_number", "nhs_pseudo_postcode",
    }  # fmt: skip
    for kind in identifiers.KINDS:
        module = identifiers.module_for(kind)
        assert kind == module.KIND
        assert identifiers.value_class(kind).kind == kind
        assert identifiers.label(kind)


@pytest.mark.parametrize(("kind", "case"), VECTOR_CASES)
def test_vector(kind: str, case: dict[str, Any]) -> None:
    module = identifiers.module_for(kind)
    value = case["input"]
    assert module.is_valid(value) is case["valid"]
    if case["valid"]:
        assert module.validate(value) == case["compact"]
        assert module.compact(value) == case["compact"]
        assert module.format(value) == case["formatted"]
        parsed = identifiers.value_class(kind).parse(value)
        assert parsed.compact == case["compact"]
        assert str(parsed) == parsed.formatted == case["formatted"]
    else:
        with pytest.raises(exceptions.ValidationError) as caught:
            module.validate(value)
        assert isinstance(caught.value, stdnum.exceptions.ValidationError)
        assert isinstance(caught.value.reason, exceptions.Reason)
        assert caught.value.kind == kind
        # format reformats without validating, as python-stdnum's does (issue 11).
        assert module.compact(module.format(value)) == module.compact(value)


def test_every_kind_has_vectors_or_own_tests() -> None:
    # The shared vectors cover eleven kinds; the other five are exercised by
    # their own modules' tests.  This pins the list so a new kind is noticed.
    assert set(VECTORS) <= set(identifiers.KINDS)


@pytest.mark.parametrize("kind", identifiers.KINDS)
@given(value=any_input)
@example(value="")
@example(value="\x00")
@example(value="\ud800")
def test_contract_on_any_input(kind: str, value: str) -> None:
    module = identifiers.module_for(kind)
    compacted = module.compact(value)
    assert isinstance(compacted, str)
    assert module.compact(compacted) == compacted, "compact must be idempotent"
    try:
        result = module.validate(value)
    except exceptions.ValidationError as error:
        assert isinstance(error, stdnum.exceptions.ValidationError)
        assert isinstance(error.reason, exceptions.Reason)
        assert module.is_valid(value) is False
        # format reformats without validating (python-stdnum's contract): it never raises for
        # a str, and its result normalises back to the same compact form.
        assert module.compact(module.format(value)) == module.compact(value)
        return
    assert isinstance(result, str)
    assert module.is_valid(value) is True
    assert module.validate(result) == result
    assert module.validate(module.format(value)) == result
    assert module.compact(value) == result or module.validate(module.compact(value)) == result
    parsed = identifiers.value_class(kind).parse(value)
    # parse() wraps validate()'s result without validating it again: the value must be
    # indistinguishable from one the (validating) constructor builds.
    assert type(parsed) is identifiers.value_class(kind)
    assert parsed.compact == result
    assert parsed == identifiers.value_class(kind)(result)
    assert pickle.loads(pickle.dumps(parsed)) == parsed
    assert hash(parsed) == hash(identifiers.value_class(kind)(result))
    assert str(parsed) == module.format(value)


@pytest.mark.parametrize("kind", identifiers.KINDS)
@pytest.mark.parametrize("value", [None, 9434765919, 9434765919.0, True, b"9434765919", ["9434765919"]])
def test_non_str_input_is_a_typed_error(kind: str, value: object) -> None:
    module = identifiers.module_for(kind)
    with pytest.raises(exceptions.InvalidFormat) as caught:
        module.validate(value)  # type: ignore[arg-type]
    assert caught.value.reason is exceptions.Reason.NOT_A_STRING
    assert module.is_valid(value) is False  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", identifiers.KINDS)
@pytest.mark.parametrize(
    "value",
    [
        "9" * 10_000_000,
        " " * 5_000_000 + "9434765919" + " " * 5_000_000,
        "\x00" * 10_000_000,
        "\ud800" * 1_000_000,
        "-" * 10_000_000,
        "A1" * 5_000_000,
    ],
    ids=["10MB-digits", "10MB-spaces", "10MB-NUL", "surrogates", "10MB-hyphens", "10MB-alnum"],
)
def test_huge_hostile_input_gives_a_value_or_a_typed_error(kind: str, value: str) -> None:
    module = identifiers.module_for(kind)
    try:
        result = module.validate(value)
    except exceptions.ValidationError as error:
        assert isinstance(error.reason, exceptions.Reason)
        assert module.is_valid(value) is False
    else:
        assert module.is_valid(value) is True
        assert len(result) < 20


@pytest.mark.parametrize("kind", PATIENT_KINDS)
@given(
    digits=st.text("0123456789", min_size=10, max_size=10),
    noise=st.sampled_from(["", " ", "x", "\u00a0"]),
)
def test_patient_numbers_never_echoed_in_errors(kind: str, digits: str, noise: str) -> None:
    module = identifiers.module_for(kind)
    value = digits[:3] + noise + digits[3:]
    try:
        module.validate(value)
    except exceptions.ValidationError as error:
        for text in (str(error), repr(error), repr(error.args), str(error.__dict__)):
            assert digits not in text
            assert digits[:6] not in text
            assert value not in text
        reloaded = pickle.loads(pickle.dumps(error))
        assert type(reloaded) is type(error)
        assert reloaded.reason == error.reason
        assert str(reloaded) == str(error)
    else:
        parsed = identifiers.value_class(kind).parse(value)
        assert digits not in repr(parsed)
        assert parsed.compact[-4:] in repr(parsed)


def test_error_classes_extend_python_stdnum() -> None:
    assert issubclass(exceptions.InvalidFormat, stdnum.exceptions.InvalidFormat)
    assert issubclass(exceptions.InvalidLength, stdnum.exceptions.InvalidLength)
    assert issubclass(exceptions.InvalidLength, exceptions.InvalidFormat)
    assert issubclass(exceptions.InvalidChecksum, stdnum.exceptions.InvalidChecksum)
    assert issubclass(exceptions.InvalidComponent, stdnum.exceptions.InvalidComponent)
    for cls in (
        exceptions.InvalidFormat,
        exceptions.InvalidLength,
        exceptions.InvalidChecksum,
        exceptions.InvalidComponent,
    ):
        assert issubclass(cls, exceptions.ValidationError)
        assert issubclass(cls, ValueError)
        assert issubclass(cls, exceptions.NhsStdError)


def test_reason_is_a_str_enum() -> None:
    assert exceptions.Reason.CHECKSUM == "checksum"
    assert str(exceptions.Reason.CHECKSUM) == "checksum"
    assert len({reason.value for reason in exceptions.Reason}) == len(exceptions.Reason)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("9434765919", "*** *** 5919"),
        (" 943 476 5919 ", "*** *** 5919"),
        ("943-476-5919", "*** *** 5919"),
        ("SW1A 1AA", "***A 1AA"),
        ("C2345678", "****5678"),
        ("1234", "****"),
        ("", ""),
        (None, "***"),
        (9434765919, "***"),
    ],
)
def test_mask(value: object, expected: str) -> None:
    assert identifiers.mask(value) == expected


def test_mask_keeps_chosen_number_of_characters() -> None:
    assert identifiers.mask("ABCDEFGH", visible=2) == "******GH"
    assert identifiers.mask("ABCDEFGH", visible=0) == "********"


@pytest.mark.parametrize("number", ["9434765919", "943 476 5919", "943-476-5919", "1904851231"])
@pytest.mark.parametrize("visible", [0, 1, 2, 3, 5])
def test_mask_of_a_patient_number_shows_exactly_visible_digits(number: str, visible: int) -> None:
    """Issue 11: ``mask(number, visible=0)`` on a ten-digit number must hide every digit (the
    helper's rule: all but the last *visible* letters and digits become ``*``)."""
    masked = identifiers.mask(number, visible=visible)
    ten_digits = number.replace(" ", "").replace("-", "")
    assert "".join(char for char in masked if char.isdigit()) == ten_digits[10 - visible :]
    assert masked.count("*") == 10 - visible
    with pytest.raises(ValueError, match="visible"):
        identifiers.mask("ABC", visible=-1)


@pytest.mark.parametrize("kind", identifiers.KINDS)
def test_value_classes_are_frozen_and_slotted(kind: str) -> None:
    cls = identifiers.value_class(kind)
    sample = next((c["input"] for c in VECTORS.get(kind, []) if c["valid"]), None) or EXTRA_VALID[kind]
    valid = identifiers.module_for(kind).validate(sample)
    value = cls(valid)
    assert not hasattr(value, "__dict__")
    with pytest.raises(AttributeError):
        value.compact = valid  # type: ignore[misc]
    with pytest.raises(exceptions.ValidationError):
        cls(" " + valid + " ")

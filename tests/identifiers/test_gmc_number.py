"""GMC reference numbers and the values found under the gmc-number FHIR system."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nhsstd.exceptions import InvalidComponent, InvalidFormat, InvalidLength, Reason, ValidationError
from nhsstd.identifiers import gmc_number
from nhsstd.identifiers.consultant_code import ConsultantCode
from nhsstd.identifiers.gmc_number import FHIRValue, GMCNumber, GMCValueShape


def reason_of(value: object) -> Reason:
    with pytest.raises(ValidationError) as caught:
        gmc_number.validate(value)  # type: ignore[arg-type]
    assert caught.value.kind == "gmc_number"
    return caught.value.reason


@given(st.text("0123456789", min_size=7, max_size=7))
def test_any_seven_digits_are_valid_and_kept_as_written(value: str) -> None:
    assert gmc_number.validate(value) == value
    assert gmc_number.format(value) == value


def test_leading_zeros_are_kept() -> None:
    assert gmc_number.validate("0012345") == "0012345"
    assert GMCNumber.parse(" 0000001 ").compact == "0000001"


@pytest.mark.parametrize(("value", "length"), [("234567", 6), ("23456789", 8), ("1", 1)])
def test_wrong_length(value: str, length: int) -> None:
    with pytest.raises(InvalidLength) as caught:
        gmc_number.validate(value)
    assert caught.value.reason is Reason.LENGTH
    assert str(length) in str(caught.value)


def test_consultant_code_vector_is_not_a_gmc_number() -> None:
    # Policy-dependent vector: C2345678 is a consultant code, its own kind.
    assert not gmc_number.is_valid("C2345678")
    assert reason_of("C2345678") is Reason.INVALID_PREFIX
    with pytest.raises(InvalidComponent):
        gmc_number.validate("c2345678")


@pytest.mark.parametrize("value", ["L123456", "GMC1234567", "C234567", "CD123456"])
def test_letter_prefixes_are_invalid_prefixes(value: str) -> None:
    assert reason_of(value) is Reason.INVALID_PREFIX


@pytest.mark.parametrize(
    "value",
    [
        "12A4567",
        "2345678C",
        "234 5678",
        "234-5678",
        "2345678.0",
        "ABC",
        "１２３４５６７",
        "123456\u0667",
        "C\u00a02345678",
    ],
)
def test_other_characters_are_invalid(value: str) -> None:
    assert reason_of(value) is Reason.INVALID_CHARACTER
    with pytest.raises(InvalidFormat):
        gmc_number.validate(value)


@pytest.mark.parametrize("value", ["", "   "])
def test_empty(value: str) -> None:
    assert reason_of(value) is Reason.EMPTY


def test_only_surrounding_ascii_whitespace_is_stripped() -> None:
    assert gmc_number.compact("\t2345678 \n") == "2345678"
    assert gmc_number.compact("\u00a02345678") == "\u00a02345678"
    assert not gmc_number.is_valid("\u00a02345678")


# --------------------------------------------------------------------------- FHIR values


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2345678", FHIRValue(GMCValueShape.GMC_NUMBER, "2345678")),
        (" 0123456 ", FHIRValue(GMCValueShape.GMC_NUMBER, "0123456")),
        ("C2345678", FHIRValue(GMCValueShape.CONSULTANT_CODE, "C2345678")),
        ("c2345678", FHIRValue(GMCValueShape.CONSULTANT_CODE, "C2345678")),
        ("C9999998", FHIRValue(GMCValueShape.CONSULTANT_CODE, "C9999998")),
        ("L123456", FHIRValue(GMCValueShape.LIMITED_REGISTRATION, "L123456")),
        ("\tl012345", FHIRValue(GMCValueShape.LIMITED_REGISTRATION, "L012345")),
    ],
)
def test_classify_fhir_value(value: str, expected: FHIRValue) -> None:
    assert gmc_number.classify_fhir_value(value) == expected


def test_classified_values_wrap_in_their_classes() -> None:
    shape, value = gmc_number.classify_fhir_value("2345678")
    assert shape is GMCValueShape.GMC_NUMBER
    assert GMCNumber(value).consultant_code == "C2345678"
    shape, value = gmc_number.classify_fhir_value("c9999998")
    assert shape is GMCValueShape.CONSULTANT_CODE
    assert ConsultantCode(value).is_pseudo_code


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("CD123456", Reason.INVALID_PREFIX),  # GDC-derived consultant code: not under gmc-number
        ("L1234567", Reason.INVALID_PREFIX),  # L + 7
        ("C234567", Reason.INVALID_PREFIX),  # C + 6
        ("234567", Reason.LENGTH),
        ("C23456789", Reason.INVALID_PREFIX),
        ("C 2345678", Reason.INVALID_CHARACTER),
        ("", Reason.EMPTY),
    ],
)
def test_classify_fhir_value_refuses_other_shapes(value: str, reason: Reason) -> None:
    with pytest.raises(ValidationError) as caught:
        gmc_number.classify_fhir_value(value)
    assert caught.value.reason is reason


def test_classify_fhir_value_refuses_non_str() -> None:
    with pytest.raises(InvalidFormat) as caught:
        gmc_number.classify_fhir_value(2345678)  # type: ignore[arg-type]
    assert caught.value.reason is Reason.NOT_A_STRING


@given(st.text("0123456789", min_size=7, max_size=7))
def test_every_gmc_number_classifies_as_itself_and_its_consultant_code_as_a_consultant_code(
    value: str,
) -> None:
    assert gmc_number.classify_fhir_value(value) == (GMCValueShape.GMC_NUMBER, value)
    code = GMCNumber(value).consultant_code
    assert gmc_number.classify_fhir_value(code) == (GMCValueShape.CONSULTANT_CODE, code)


# --------------------------------------------------------------------------- constants, value class


def test_constants() -> None:
    assert gmc_number.FHIR_SYSTEM == "https://fhir.hl7.org.uk/Id/gmc-number"
    assert gmc_number.OID == "2.16.840.1.113883.2.1.3.2.4.16.63"
    assert gmc_number.HL7V2_ASSIGNING_AUTHORITY == "GMC"
    assert gmc_number.FHIR_SYSTEM_REFERENCE_NUMBER == "https://fhir.nhs.uk/Id/gmc-reference-number"
    assert gmc_number.OID_REFERENCE_NUMBER == "2.16.840.1.113883.2.1.3.2.4.18.29"


def test_value_class() -> None:
    parsed = GMCNumber.parse(" 2345678 ")
    assert parsed == GMCNumber("2345678")
    assert hash(parsed) == hash(GMCNumber("2345678"))
    assert str(parsed) == "2345678"
    assert repr(parsed) == "GMCNumber('2345678')"
    assert parsed.fhir_system == gmc_number.FHIR_SYSTEM
    assert parsed.personal is False
    assert parsed.consultant_code == "C2345678"
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        parsed.compact = "1234567"  # type: ignore[misc]
    with pytest.raises(InvalidComponent):
        GMCNumber.parse("C2345678")

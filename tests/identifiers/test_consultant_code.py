"""Consultant codes: the accepted shapes, the HES pseudo codes and the derived numbers."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nhsstd.exceptions import InvalidComponent, InvalidFormat, InvalidLength, Reason, ValidationError
from nhsstd.identifiers import consultant_code
from nhsstd.identifiers.consultant_code import PSEUDO_CODES, CodeType, ConsultantCode


def reason_of(value: object) -> Reason:
    with pytest.raises(ValidationError) as caught:
        consultant_code.validate(value)  # type: ignore[arg-type]
    assert caught.value.kind == "consultant_code"
    return caught.value.reason


@pytest.mark.parametrize(
    ("value", "code_type"),
    [
        ("C2345678", CodeType.GMC),
        ("C0000001", CodeType.GMC),
        ("CD012345", CodeType.GDC),
        ("CD000123", CodeType.GDC),
        ("CD123456", CodeType.GDC),
        ("D3345122", CodeType.DENTAL_DPB),
        ("D1234567", CodeType.DENTAL_DPB),
    ],
)
def test_real_code_shapes(value: str, code_type: CodeType) -> None:
    assert consultant_code.validate(value) == value
    parsed = ConsultantCode.parse(value)
    assert parsed.code_type is code_type
    assert not parsed.is_pseudo_code
    assert parsed.pseudo_code_meaning is None
    assert not consultant_code.is_pseudo_code(value)


EXPECTED_PSEUDO_CODES = {
    "C9999998": "consultant code (GMC code) not known",
    "CD999998": "dental consultant: GMC number / GDC number not known",
    "D9999998": "dentist code (Dental Practice Board code) not known",
    "H9999998": "other health care professional",
    "M9999998": "not applicable: midwife episode",
    "N9999998": "nurse episode",
}


def test_pseudo_code_table() -> None:
    assert PSEUDO_CODES == EXPECTED_PSEUDO_CODES


@pytest.mark.parametrize(("value", "meaning"), sorted(EXPECTED_PSEUDO_CODES.items()))
def test_pseudo_codes(value: str, meaning: str) -> None:
    assert consultant_code.validate(value.lower()) == value
    assert consultant_code.is_pseudo_code(value)
    parsed = ConsultantCode.parse(value)
    assert parsed.code_type is CodeType.PSEUDO
    assert parsed.is_pseudo_code
    assert parsed.pseudo_code_meaning == meaning
    assert parsed.gmc_number is None
    assert parsed.gdc_number is None


@pytest.mark.parametrize("value", ["H1234567", "M1234567", "N1234567", "N9999999", "M9999981"])
def test_h_m_n_prefixes_only_in_pseudo_codes(value: str) -> None:
    assert reason_of(value) is Reason.INVALID_PREFIX
    with pytest.raises(InvalidComponent):
        consultant_code.validate(value)


@pytest.mark.parametrize(
    "value", ["G1234569", "G9999998", "R9999981", "X9999998", "A9999998", "P9999981", "12345678"]
)
def test_other_prefixes_are_refused(value: str) -> None:
    assert reason_of(value) is Reason.INVALID_PREFIX


@pytest.mark.parametrize("value", ["C234567A", "CD12345A", "CDA12345", "DD123456", "C12D4567", "CDD12345"])
def test_letters_after_the_prefix_are_a_format_error(value: str) -> None:
    assert reason_of(value) is Reason.FORMAT
    with pytest.raises(InvalidFormat):
        consultant_code.validate(value)


@pytest.mark.parametrize("value", ["C234567", "C23456789", "CD12345", "C", "CD9999998"])
def test_length_must_be_eight(value: str) -> None:
    assert reason_of(value) is Reason.LENGTH
    with pytest.raises(InvalidLength):
        consultant_code.validate(value)


@pytest.mark.parametrize("value", ["C 2345678", "C-2345678", "C\u00a02345678", "C２345678", "Ç2345678"])
def test_invalid_characters(value: str) -> None:
    assert reason_of(value) is Reason.INVALID_CHARACTER


@pytest.mark.parametrize("value", ["", "  "])
def test_empty(value: str) -> None:
    assert reason_of(value) is Reason.EMPTY


def test_normalisation() -> None:
    assert consultant_code.compact("\tcd012345 \n") == "CD012345"
    assert consultant_code.compact(" c 2345678 ") == "C 2345678"
    assert consultant_code.format(" c2345678") == "C2345678"


# --------------------------------------------------------------------------- derived numbers


def test_gmc_number_accessor() -> None:
    assert ConsultantCode.parse("C0123456").gmc_number == "0123456"
    assert ConsultantCode.parse("CD012345").gmc_number is None
    assert ConsultantCode.parse("D3345122").gmc_number is None


@pytest.mark.parametrize(
    ("value", "gdc"),
    [
        ("CD012345", "12345"),
        ("CD000123", "123"),
        ("CD123456", "123456"),
        ("CD000012", "012"),
        ("CD000000", "000"),
    ],
)
def test_gdc_number_accessor_drops_zero_fill_but_keeps_three_digits(value: str, gdc: str) -> None:
    assert ConsultantCode.parse(value).gdc_number == gdc
    assert ConsultantCode.parse("C2345678").gdc_number is None


def test_from_gmc_number() -> None:
    assert consultant_code.from_gmc_number(" 0123456 ") == "C0123456"
    with pytest.raises(ValidationError) as caught:
        consultant_code.from_gmc_number("123456")
    assert caught.value.kind == "gmc_number"


def test_from_gdc_number() -> None:
    assert consultant_code.from_gdc_number("123") == "CD000123"
    assert consultant_code.from_gdc_number("123456") == "CD123456"
    with pytest.raises(ValidationError) as caught:
        consultant_code.from_gdc_number("12")
    assert caught.value.kind == "gdc_number"


@given(st.text("0123456789", min_size=7, max_size=7))
def test_gmc_round_trip(gmc: str) -> None:
    code = consultant_code.from_gmc_number(gmc)
    assert consultant_code.validate(code) == code
    parsed = ConsultantCode(code)
    if code == "C9999998":
        assert parsed.is_pseudo_code
    else:
        assert parsed.gmc_number == gmc


@given(st.integers(100, 999_999).map(str))
def test_gdc_round_trip(gdc: str) -> None:
    code = consultant_code.from_gdc_number(gdc)
    assert len(code) == 8
    parsed = ConsultantCode(code)
    if code == "CD999998":
        assert parsed.is_pseudo_code
    else:
        assert parsed.code_type is CodeType.GDC
        assert parsed.gdc_number == gdc


def test_value_class() -> None:
    parsed = ConsultantCode.parse(" c2345678 ")
    assert parsed == ConsultantCode("C2345678")
    assert hash(parsed) == hash(ConsultantCode("C2345678"))
    assert str(parsed) == "C2345678"
    assert repr(parsed) == "ConsultantCode('C2345678')"
    assert parsed.fhir_system is None
    assert parsed.personal is False
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        parsed.compact = "C1234567"  # type: ignore[misc]

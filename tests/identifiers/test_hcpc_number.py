"""HCPC registration numbers: profession code + up to six digits; prescribing form."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nhsstd.exceptions import InvalidComponent, InvalidFormat, InvalidLength, Reason, ValidationError
from nhsstd.identifiers import hcpc_number
from nhsstd.identifiers.hcpc_number import HCPCNumber, Profession

CODES = ["AS", "BS", "CH", "CS", "DT", "HAD", "ODP", "OR", "OT", "PA", "PH", "PO", "PYL", "RA", "SL"]


def reason_of(value: object) -> Reason:
    with pytest.raises(ValidationError) as caught:
        hcpc_number.validate(value)  # type: ignore[arg-type]
    assert caught.value.kind == "hcpc_number"
    return caught.value.reason


def test_the_fifteen_profession_codes() -> None:
    assert sorted(p.value for p in Profession) == sorted(CODES)
    assert len({p.label for p in Profession}) == 15
    assert Profession("PH").label == "Physiotherapist"
    assert Profession("ODP").label == "Operating department practitioner"
    assert Profession("HAD").label == "Hearing aid dispenser"


@given(st.sampled_from(CODES), st.text("0123456789", min_size=1, max_size=6), st.booleans())
def test_every_code_with_one_to_six_digits_is_valid(code: str, digits: str, lower: bool) -> None:
    written = (code + digits).lower() if lower else code + digits
    assert hcpc_number.validate(written) == code + digits
    parsed = HCPCNumber.parse(written)
    assert parsed.profession is Profession(code)
    assert parsed.digits == digits
    assert parsed.number == int(digits)


@pytest.mark.parametrize("value", ["PH123456", "PYL123456", "ODP12345", "HAD1", "CH029821", "PH095159"])
def test_examples(value: str) -> None:
    assert hcpc_number.validate(value) == value
    assert hcpc_number.format(value) == value


def test_social_workers_left_the_register() -> None:
    assert reason_of("SW123456") is Reason.INVALID_PREFIX
    with pytest.raises(InvalidComponent):
        hcpc_number.validate("sw123456")


@pytest.mark.parametrize("value", ["XX123456", "P123456", "PHY12345", "ODPX1234", "SW", "ABCDEFGHI"])
def test_unknown_profession_codes(value: str) -> None:
    assert reason_of(value) is Reason.INVALID_PREFIX


@pytest.mark.parametrize("value", ["PH", "PH1234567", "ODP", "AS0000000", "PYL"])
def test_digit_count(value: str) -> None:
    assert reason_of(value) is Reason.LENGTH
    with pytest.raises(InvalidLength):
        hcpc_number.validate(value)


def test_more_than_nine_characters_is_a_length_error() -> None:
    assert reason_of("PYL1234567") is Reason.LENGTH
    assert reason_of("PH12345678") is Reason.LENGTH


@pytest.mark.parametrize("value", ["12PH", "123456", "PH12A", "P1H234", "PH1234X"])
def test_not_letters_then_digits(value: str) -> None:
    assert reason_of(value) is Reason.FORMAT
    with pytest.raises(InvalidFormat):
        hcpc_number.validate(value)


@pytest.mark.parametrize("value", ["PH 95159", "PH-95159", "PH９５１５９", "ÖDP12345", "PH95159\x00"])
def test_invalid_characters(value: str) -> None:
    assert reason_of(value) is Reason.INVALID_CHARACTER


def test_empty_and_normalisation() -> None:
    assert reason_of("") is Reason.EMPTY
    assert hcpc_number.compact(" ph95159\n") == "PH95159"
    assert hcpc_number.compact("PH 95159") == "PH 95159"


# --------------------------------------------------------------------------- prescribing form


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("PH95159", "PH095159"),
        ("PH095159", "PH095159"),
        ("CH29821", "CH029821"),
        ("PA1", "PA000001"),
        ("PH123456", "PH123456"),
        ("ODP12345", "ODP12345"),
        ("ODP123", "ODP00123"),
        ("PYL012345", "PYL12345"),
        ("PYL123456", None),
        ("HAD999999", None),
        ("PH0", "PH000000"),
    ],
)
def test_prescribing_form(value: str, expected: str | None) -> None:
    assert hcpc_number.prescribing_form(value) == expected
    assert HCPCNumber.parse(value).prescribing_form == expected


def test_prescribing_form_validates_first() -> None:
    with pytest.raises(ValidationError):
        hcpc_number.prescribing_form("SW123456")


def test_written_and_prescribing_forms_stay_distinct_values_with_one_registrant_key() -> None:
    written, padded = HCPCNumber.parse("PH95159"), HCPCNumber.parse("PH095159")
    assert written.compact == "PH95159"
    assert padded.compact == "PH095159"
    assert written != padded
    assert written.registrant_key == padded.registrant_key == (Profession.PHYSIOTHERAPIST, 95159)
    assert written.prescribing_form == padded.prescribing_form


@given(st.sampled_from(CODES), st.integers(0, 999_999))
def test_prescribing_form_is_a_valid_eight_character_number_for_the_same_registrant(
    code: str, number: int
) -> None:
    parsed = HCPCNumber.parse(f"{code}{number}")
    form = parsed.prescribing_form
    if form is None:
        assert len(code) == 3
        assert number >= 100_000
        return
    assert len(form) == 8
    again = HCPCNumber.parse(form)
    assert again.registrant_key == parsed.registrant_key
    assert again.prescribing_form == form


def test_value_class() -> None:
    parsed = HCPCNumber.parse(" odp12345 ")
    assert parsed == HCPCNumber("ODP12345")
    assert hash(parsed) == hash(HCPCNumber("ODP12345"))
    assert parsed.profession is Profession.OPERATING_DEPARTMENT_PRACTITIONER
    assert str(parsed) == "ODP12345"
    assert repr(parsed) == "HCPCNumber('ODP12345')"
    assert parsed.fhir_system == hcpc_number.FHIR_SYSTEM == "https://fhir.hl7.org.uk/Id/hcpc-number"
    assert parsed.personal is False
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        parsed.compact = "PH1"  # type: ignore[misc]

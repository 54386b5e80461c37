"""GDC registration numbers: three to six digits."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nhsstd.exceptions import InvalidFormat, InvalidLength, Reason, ValidationError
from nhsstd.identifiers import gdc_number
from nhsstd.identifiers.gdc_number import GDCNumber


def reason_of(value: object) -> Reason:
    with pytest.raises(ValidationError) as caught:
        gdc_number.validate(value)  # type: ignore[arg-type]
    assert caught.value.kind == "gdc_number"
    return caught.value.reason


@given(st.text("0123456789", min_size=3, max_size=6))
def test_three_to_six_digits_are_valid_as_written(value: str) -> None:
    assert gdc_number.validate(value) == value
    assert gdc_number.format(f" {value}\t") == value


@pytest.mark.parametrize("value", ["12", "1", "1234567", "12345678"])
def test_length_boundaries(value: str) -> None:
    assert reason_of(value) is Reason.LENGTH
    with pytest.raises(InvalidLength):
        gdc_number.validate(value)


@pytest.mark.parametrize("value", ["12A45", "ABC", "123 45", "123-45", "１２３", "12\u0663", "+123"])
def test_digits_only(value: str) -> None:
    assert reason_of(value) is Reason.INVALID_CHARACTER
    with pytest.raises(InvalidFormat):
        gdc_number.validate(value)


def test_empty() -> None:
    assert reason_of("\t") is Reason.EMPTY


def test_leading_zeros_are_kept() -> None:
    assert gdc_number.validate("0123") == "0123"
    assert GDCNumber.parse("0123") != GDCNumber.parse("123")


def test_value_class() -> None:
    parsed = GDCNumber.parse(" 52816 ")
    assert parsed == GDCNumber("52816")
    assert hash(parsed) == hash(GDCNumber("52816"))
    assert str(parsed) == "52816"
    assert repr(parsed) == "GDCNumber('52816')"
    assert parsed.fhir_system == gdc_number.FHIR_SYSTEM == "https://fhir.hl7.org.uk/Id/gdc-number"
    assert parsed.personal is False
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        parsed.compact = "123"  # type: ignore[misc]

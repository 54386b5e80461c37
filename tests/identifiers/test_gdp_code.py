"""GDP codes: D + DPD practitioner identifier + 1-3-7 check digit."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nhsstd.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    Reason,
    ValidationError,
)
from nhsstd.identifiers import gdp_code
from nhsstd.identifiers.gdp_code import GDPCode


def oracle_check(dpd: str) -> int:
    return sum(int(digit) * weight for digit, weight in zip(dpd, (1, 3, 7, 1, 3, 7), strict=True)) % 10


def reason_of(value: object) -> Reason:
    with pytest.raises(ValidationError) as caught:
        gdp_code.validate(value)  # type: ignore[arg-type]
    assert caught.value.kind == "gdp_code"
    return caught.value.reason


def test_nhs_wales_example() -> None:
    # DPD 334512: 3 + 9 + 28 + 5 + 3 + 14 = 62 -> check digit 2.
    assert gdp_code.validate("D3345122") == "D3345122"
    assert gdp_code.build("334512") == "D3345122"
    assert reason_of("D3345123") is Reason.CHECKSUM
    with pytest.raises(InvalidChecksum):
        gdp_code.validate("D3345120")


def test_hes_default_code_passes() -> None:
    assert gdp_code.is_valid("D9999998")


@given(st.text("0123456789", min_size=6, max_size=6))
def test_exactly_one_check_digit_is_accepted(dpd: str) -> None:
    accepted = [d for d in "0123456789" if gdp_code.is_valid(f"D{dpd}{d}")]
    assert accepted == [str(oracle_check(dpd))]
    assert GDPCode(gdp_code.build(dpd)).dpd_identifier == dpd


@pytest.mark.parametrize("value", ["G3345122", "C3345122", "93345122"])
def test_prefix(value: str) -> None:
    assert reason_of(value) is Reason.INVALID_PREFIX
    with pytest.raises(InvalidComponent):
        gdp_code.validate(value)


@pytest.mark.parametrize("value", ["D33451A2", "DD345122"])
def test_format(value: str) -> None:
    assert reason_of(value) is Reason.FORMAT
    with pytest.raises(InvalidFormat):
        gdp_code.validate(value)


@pytest.mark.parametrize("value", ["D334512", "D33451220"])
def test_length(value: str) -> None:
    assert reason_of(value) is Reason.LENGTH
    with pytest.raises(InvalidLength):
        gdp_code.validate(value)


@pytest.mark.parametrize("value", ["D 3345122", "D3345122.", "D３３４５１２２"])
def test_invalid_characters(value: str) -> None:
    assert reason_of(value) is Reason.INVALID_CHARACTER


def test_empty_and_normalisation() -> None:
    assert reason_of("") is Reason.EMPTY
    assert gdp_code.compact(" d3345122\n") == "D3345122"
    assert gdp_code.format("d3345122") == "D3345122"


def test_build_refuses_bad_input() -> None:
    with pytest.raises(ValidationError):
        gdp_code.build("33451")
    with pytest.raises(InvalidFormat):
        gdp_code.build(334512)  # type: ignore[arg-type]


def test_value_class() -> None:
    parsed = GDPCode.parse("d3345122")
    assert parsed == GDPCode("D3345122")
    assert hash(parsed) == hash(GDPCode("D3345122"))
    assert parsed.dpd_identifier == "334512"
    assert parsed.check_digit == 2
    assert repr(parsed) == "GDPCode('D3345122')"
    assert parsed.fhir_system is None
    assert parsed.personal is False
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        parsed.compact = "D0000000"  # type: ignore[misc]

"""GPhC registration numbers (pharmacists): 2 + six digits."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nhsstd.exceptions import InvalidComponent, InvalidFormat, InvalidLength, Reason, ValidationError
from nhsstd.identifiers import gphc_number
from nhsstd.identifiers.gphc_number import GPhCNumber


def reason_of(value: object) -> Reason:
    with pytest.raises(ValidationError) as caught:
        gphc_number.validate(value)  # type: ignore[arg-type]
    assert caught.value.kind == "gphc_number"
    return caught.value.reason


@given(st.text("0123456789", min_size=6, max_size=6))
def test_two_followed_by_six_digits_is_valid(rest: str) -> None:
    assert gphc_number.validate("2" + rest) == "2" + rest


@pytest.mark.parametrize("first", "013456789")
def test_other_first_digits_are_invalid_prefixes(first: str) -> None:
    assert reason_of(first + "033467") is Reason.INVALID_PREFIX
    with pytest.raises(InvalidComponent):
        gphc_number.validate(first + "033467")


@pytest.mark.parametrize("value", ["203346", "20334677", "2"])
def test_length(value: str) -> None:
    assert reason_of(value) is Reason.LENGTH
    with pytest.raises(InvalidLength):
        gphc_number.validate(value)


@pytest.mark.parametrize("value", ["2033 467", "203-3467", "２033467", "P2033467", "2033467."])
def test_invalid_characters(value: str) -> None:
    assert reason_of(value) is Reason.INVALID_CHARACTER
    with pytest.raises(InvalidFormat):
        gphc_number.validate(value)


def test_empty_and_normalisation() -> None:
    assert reason_of("  ") is Reason.EMPTY
    assert gphc_number.compact("\t2033467 ") == "2033467"
    assert gphc_number.format(" 2033467") == "2033467"


def test_value_class() -> None:
    parsed = GPhCNumber.parse("2033467")
    assert parsed == GPhCNumber("2033467")
    assert hash(parsed) == hash(GPhCNumber("2033467"))
    assert repr(parsed) == "GPhCNumber('2033467')"
    assert parsed.fhir_system == gphc_number.FHIR_SYSTEM == "https://fhir.hl7.org.uk/Id/gphc-number"
    assert parsed.personal is False
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        parsed.compact = "2000000"  # type: ignore[misc]

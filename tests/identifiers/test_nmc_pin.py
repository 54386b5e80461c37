"""NMC PINs: NNANNNNA."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nhsstd.exceptions import InvalidFormat, InvalidLength, Reason, ValidationError
from nhsstd.identifiers import nmc_pin
from nhsstd.identifiers.nmc_pin import NMCPin

DIGITS = "0123456789"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def reason_of(value: object) -> Reason:
    with pytest.raises(ValidationError) as caught:
        nmc_pin.validate(value)  # type: ignore[arg-type]
    assert caught.value.kind == "nmc_pin"
    return caught.value.reason


@pytest.mark.parametrize("value", ["71A2998E", "12A3456B", "01A2345N", "99Z0000Z"])
def test_examples(value: str) -> None:
    assert nmc_pin.validate(value) == value
    assert nmc_pin.format(value.lower()) == value


@st.composite
def pins(draw: st.DrawFn) -> str:
    def pick(alphabet: str) -> str:
        return draw(st.sampled_from(alphabet))

    return "".join(pick(a) for a in (DIGITS, DIGITS, LETTERS, DIGITS, DIGITS, DIGITS, DIGITS, LETTERS))


@given(pins(), st.booleans())
def test_every_pin_of_the_shape_is_valid(pin: str, lower: bool) -> None:
    written = pin.lower() if lower else pin
    assert nmc_pin.validate(written) == pin


@given(pins(), st.integers(0, 7))
def test_a_wrong_kind_of_character_in_any_position_is_a_format_error(pin: str, position: int) -> None:
    replacement = "A" if pin[position].isdigit() else "0"
    changed = pin[:position] + replacement + pin[position + 1 :]
    assert reason_of(changed) is Reason.FORMAT


def test_vector_letter_in_wrong_position() -> None:
    assert reason_of("1A23456N") is Reason.FORMAT
    with pytest.raises(InvalidFormat):
        nmc_pin.validate("1A23456N")


@pytest.mark.parametrize("value", ["71A2998", "71A2998EE", "7", "71A29988E"])
def test_length(value: str) -> None:
    assert reason_of(value) is Reason.LENGTH
    with pytest.raises(InvalidLength):
        nmc_pin.validate(value)


@pytest.mark.parametrize("value", ["71A 2998E", "71-A2998E", "71Á2998E", "７1A2998E", "71A2998E."])
def test_invalid_characters(value: str) -> None:
    assert reason_of(value) is Reason.INVALID_CHARACTER


def test_empty_and_normalisation() -> None:
    assert reason_of(" ") is Reason.EMPTY
    assert nmc_pin.compact("\t71a2998e\n") == "71A2998E"
    assert nmc_pin.compact("71A 2998E") == "71A 2998E"


def test_value_class() -> None:
    parsed = NMCPin.parse(" 71a2998e ")
    assert parsed == NMCPin("71A2998E")
    assert hash(parsed) == hash(NMCPin("71A2998E"))
    assert parsed.year_digits == "71"
    assert str(parsed) == "71A2998E"
    assert repr(parsed) == "NMCPin('71A2998E')"
    assert parsed.fhir_system == nmc_pin.FHIR_SYSTEM == "https://fhir.hl7.org.uk/Id/nmc-number"
    assert parsed.personal is False
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        parsed.compact = "12A3456B"  # type: ignore[misc]

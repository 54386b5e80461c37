"""UPRNs: 1 to 12 digits, value at least 1, compact without leading zeros."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nhsstd.exceptions import InvalidComponent, InvalidFormat, InvalidLength, Reason, ValidationError
from nhsstd.identifiers import uprn
from nhsstd.identifiers.uprn import UPRN

uprn_ints = st.integers(1, 999_999_999_999)


def reason_of(value: object) -> Reason:
    with pytest.raises(ValidationError) as caught:
        uprn.validate(value)  # type: ignore[arg-type]
    assert caught.value.kind == "uprn"
    return caught.value.reason


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("906700", "906700"),
        ("1", "1"),
        ("999999999999", "999999999999"),
        ("100023336956", "100023336956"),
        ("000000199356", "199356"),
        ("000000000001", "1"),
        ("0199356", "199356"),
        (" 000000199356\n", "199356"),
    ],
)
def test_valid(value: str, expected: str) -> None:
    assert uprn.validate(value) == expected
    assert uprn.compact(value) == expected
    assert uprn.format(value) == expected


@given(uprn_ints)
def test_plain_and_padded_renderings_agree(value: int) -> None:
    plain, padded = str(value), f"{value:012d}"
    assert uprn.validate(plain) == plain
    assert uprn.validate(padded) == plain
    assert uprn.padded(plain) == padded
    assert uprn.from_int(value) == plain
    assert UPRN.parse(padded) == UPRN.parse(plain)
    assert UPRN.parse(padded).as_int == value


@pytest.mark.parametrize("value", ["0", "000000000000", "00"])
def test_zero_is_out_of_range(value: str) -> None:
    assert reason_of(value) is Reason.OUT_OF_RANGE
    with pytest.raises(InvalidComponent):
        uprn.validate(value)


@pytest.mark.parametrize("value", ["1000000000000", "0000000199356", "9999999999999", "0" * 13])
def test_more_than_twelve_digits(value: str) -> None:
    assert reason_of(value) is Reason.LENGTH
    with pytest.raises(InvalidLength):
        uprn.validate(value)


def test_leading_zeros_are_removed_only_within_twelve_digits() -> None:
    assert uprn.compact("000000199356") == "199356"
    assert uprn.compact("0000000199356") == "0000000199356"


@pytest.mark.parametrize(
    "value", ["-5", "+5", "12.0", "1e5", "199 356", "199,356", "１９９３５６", "19935\u0666", "0x1F", "UPRN1"]
)
def test_invalid_characters(value: str) -> None:
    assert reason_of(value) is Reason.INVALID_CHARACTER
    with pytest.raises(InvalidFormat):
        uprn.validate(value)


def test_empty() -> None:
    assert reason_of("") is Reason.EMPTY
    assert reason_of(" \t") is Reason.EMPTY


@pytest.mark.parametrize("value", [0, -1, 1_000_000_000_000])
def test_from_int_out_of_range(value: int) -> None:
    with pytest.raises(InvalidComponent) as caught:
        uprn.from_int(value)
    assert caught.value.reason is Reason.OUT_OF_RANGE


@pytest.mark.parametrize("value", [True, 199356.0, "199356", None])
def test_from_int_refuses_non_int(value: object) -> None:
    with pytest.raises(InvalidFormat) as caught:
        uprn.from_int(value)  # type: ignore[arg-type]
    assert caught.value.reason is Reason.NOT_A_STRING


def test_padded_validates_first() -> None:
    with pytest.raises(ValidationError):
        uprn.padded("0")


def test_value_class() -> None:
    parsed = UPRN.parse("000000199356")
    assert parsed == UPRN("199356") == UPRN.from_int(199356)
    assert hash(parsed) == hash(UPRN("199356"))
    assert parsed.as_int == int(parsed) == 199356
    assert parsed.padded == "000000199356"
    assert str(parsed) == "199356"
    assert repr(parsed) == "UPRN('199356')"
    assert parsed.fhir_system is None
    assert parsed.personal is False
    with pytest.raises(ValidationError):
        UPRN("000000199356")  # not in compact form
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        parsed.compact = "1"  # type: ignore[misc]

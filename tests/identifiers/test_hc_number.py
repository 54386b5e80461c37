"""Health and Care Number (Northern Ireland): range bounds, check digit, value class."""

from __future__ import annotations

import random
import re

import attrs
import pytest
import stdnum.exceptions
from hypothesis import example, given
from hypothesis import strategies as st

from nhsstd.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    Reason,
    ValidationError,
)
from nhsstd.identifiers import hc_number, nhs_number
from nhsstd.identifiers.hc_number import HCNumber
from nhsstd.identifiers.nhs_number import IssuingBlock, NHSNumber


def mod11_check(payload: str) -> int | None:
    """Data Dictionary Modulus 11, written out independently of the module."""
    check = 11 - sum((10 - i) * int(d) for i, d in enumerate(payload)) % 11
    return {11: 0, 10: None}.get(check, check)


def with_check_digit(first_nine: int) -> str:
    payload = f"{first_nine:09d}"
    check = mod11_check(payload)
    assert check is not None
    return f"{payload}{check}"


def issuable(low: int, high: int) -> st.SearchStrategy[int]:
    return st.integers(low, high).filter(lambda value: mod11_check(f"{value:09d}") is not None)


ni_numbers = issuable(320_000_001, 399_999_999).map(with_check_digit)
any_mod11_numbers = issuable(0, 999_999_999).map(with_check_digit)


# --------------------------------------------------------------------------- range


def test_lowest_valid_number() -> None:
    assert hc_number.validate("3200000015") == "3200000015"
    assert HCNumber("3200000015").formatted == "320 000 0015"


def test_first_nine_320000000_is_outside_the_range() -> None:
    # 3200000007 passes Modulus 11 (an NHS Number) but first nine 320 000 000 is
    # one below the Northern Ireland block.
    assert nhs_number.is_valid("3200000007")
    with pytest.raises(InvalidComponent) as caught:
        hc_number.validate("3200000007")
    assert caught.value.reason is Reason.OUT_OF_RANGE
    assert caught.value.kind == "hc_number"
    assert isinstance(caught.value, stdnum.exceptions.InvalidComponent)


def test_highest_valid_number_and_the_next_block() -> None:
    assert hc_number.validate("3999999993") == "3999999993"
    assert with_check_digit(399_999_999) == "3999999993"
    above = with_check_digit(400_000_000)
    assert nhs_number.is_valid(above)
    with pytest.raises(InvalidComponent) as caught:
        hc_number.validate(above)
    assert caught.value.reason is Reason.OUT_OF_RANGE


def test_range_constants() -> None:
    assert hc_number.FIRST_NINE_LOW == 320_000_001
    assert hc_number.FIRST_NINE_HIGH == 399_999_999


@given(any_mod11_numbers)
@example("3200000007")
@example("3200000015")
@example("3999999993")
@example("4000000004")
def test_a_modulus_11_number_is_valid_exactly_inside_the_block(number: str) -> None:
    inside = 320_000_001 <= int(number[:9]) <= 399_999_999
    assert hc_number.is_valid(number) is inside
    if not inside:
        with pytest.raises(InvalidComponent) as caught:
            hc_number.validate(number)
        assert caught.value.reason is Reason.OUT_OF_RANGE


@given(issuable(0, 320_000_000))
def test_nothing_below_3200000015_is_valid(first_nine: int) -> None:
    assert not hc_number.is_valid(with_check_digit(first_nine))


@given(ni_numbers)
def test_valid_hc_numbers_are_nhs_numbers_in_the_northern_ireland_block(number: str) -> None:
    assert hc_number.validate(number) == number
    assert nhs_number.issuing_block(number) is IssuingBlock.NORTHERN_IRELAND


@given(any_mod11_numbers)
def test_the_northern_ireland_block_and_hc_validity_coincide(number: str) -> None:
    in_block = nhs_number.issuing_block(number) is IssuingBlock.NORTHERN_IRELAND
    assert hc_number.is_valid(number) is in_block


# --------------------------------------------------------------------------- check digit


def test_checksum_is_checked_before_the_range() -> None:
    # Outside the block AND a wrong check digit: the check digit is reported.
    with pytest.raises(InvalidChecksum) as caught:
        hc_number.validate("9990215188")
    assert caught.value.reason is Reason.CHECKSUM


@pytest.mark.parametrize("last", "0123456789")
def test_payload_with_check_value_ten_in_range_is_never_valid(last: str) -> None:
    payload = next(f"{v:09d}" for v in range(320_000_001, 320_001_000) if mod11_check(f"{v:09d}") is None)
    with pytest.raises(InvalidChecksum) as caught:
        hc_number.validate(payload + last)
    assert caught.value.reason is Reason.CHECK_DIGIT_TEN


@given(ni_numbers)
@example("3462950622")
def test_every_single_digit_substitution_is_rejected(number: str) -> None:
    for position in range(10):
        for digit in "0123456789":
            if digit != number[position]:
                changed = number[:position] + digit + number[position + 1 :]
                assert not hc_number.is_valid(changed)
                # Modulus 11 catches every substitution, whatever the range says.
                assert not nhs_number.is_valid(changed)


@given(ni_numbers)
@example("3588061231")
def test_every_adjacent_transposition_of_distinct_digits_is_rejected(number: str) -> None:
    for position in range(9):
        left, right = number[position], number[position + 1]
        if left != right:
            swapped = number[:position] + right + left + number[position + 2 :]
            with pytest.raises(ValidationError):
                hc_number.validate(swapped)
            assert not nhs_number.is_valid(swapped)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("value", "error", "reason"),
    [
        ("", InvalidLength, Reason.EMPTY),
        ("  ", InvalidLength, Reason.EMPTY),
        ("346295062x", InvalidFormat, Reason.INVALID_CHARACTER),
        ("346\u00a0295\u00a00622", InvalidFormat, Reason.INVALID_CHARACTER),
        ("346\u2013295\u20130622", InvalidFormat, Reason.INVALID_CHARACTER),
        ("".join(chr(0xFF10 + int(d)) for d in "3462950622"), InvalidFormat, Reason.INVALID_CHARACTER),
        ("346295062", InvalidLength, Reason.LENGTH),
        ("34629506220", InvalidLength, Reason.LENGTH),
        ("3908173428", InvalidChecksum, Reason.CHECKSUM),
        ("9990215189", InvalidComponent, Reason.OUT_OF_RANGE),
        ("4000000632", InvalidComponent, Reason.OUT_OF_RANGE),
    ],
)
def test_each_failure_has_its_typed_error_and_reason(
    value: str, error: type[ValidationError], reason: Reason
) -> None:
    with pytest.raises(error) as caught:
        hc_number.validate(value)
    assert caught.value.reason is reason
    assert caught.value.kind == "hc_number"
    assert not hc_number.is_valid(value)
    # format reformats without validating, as python-stdnum's does (issue 11).
    assert hc_number.compact(hc_number.format(value)) == hc_number.compact(value)


@pytest.mark.parametrize("value", [None, 3462950622, b"3462950622", 3462950622.0, True])
def test_non_str_input_is_refused(value: object) -> None:
    with pytest.raises(InvalidFormat) as caught:
        hc_number.validate(value)  # type: ignore[arg-type]
    assert caught.value.reason is Reason.NOT_A_STRING
    assert hc_number.is_valid(value) is False  # type: ignore[arg-type]


@given(any_mod11_numbers, st.integers(0, 9))
def test_messages_never_contain_the_number(number: str, position: int) -> None:
    wrong = number[:position] + str((int(number[position]) + 3) % 10) + number[position + 1 :]
    for candidate in (number, wrong, wrong[:8], f"{wrong}0"):
        try:
            hc_number.validate(candidate)
        except ValidationError as error:
            text = f"{error} {error!r} {error.args}"
            assert number[:6] not in text
            assert wrong[:6] not in text
            assert re.search(r"\d{4,}", text) is None


# --------------------------------------------------------------------------- display


@pytest.mark.parametrize(
    "value", ["3588061231", " 358 806 1231 ", "358-806-1231", "35 88 06 12 31", "\t3588061231\r\n"]
)
def test_normalisation_and_3_3_4_display(value: str) -> None:
    assert hc_number.compact(value) == "3588061231"
    assert hc_number.validate(value) == "3588061231"
    assert hc_number.format(value) == "358 806 1231"


# --------------------------------------------------------------------------- generate


@given(st.integers(0, 2**64))
def test_generate_always_gives_a_valid_number(seed: int) -> None:
    number = hc_number.generate(random.Random(seed))
    assert hc_number.validate(number) == number


def test_generate_is_reproducible() -> None:
    assert hc_number.generate(random.Random(5)) == hc_number.generate(random.Random(5))
    assert hc_number.is_valid(hc_number.generate())


# --------------------------------------------------------------------------- value class and constants


def test_value_class_behaviour() -> None:
    number = HCNumber.parse("346-295-0622")
    assert number == HCNumber("3462950622")
    assert hash(number) == hash(HCNumber.parse(" 346 295 0622 "))
    assert number.compact == "3462950622"
    assert number.formatted == str(number) == "346 295 0622"
    assert repr(number) == "HCNumber('*** *** 0622')"
    assert "346" not in repr(number)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        number.compact = "3588061231"  # type: ignore[misc]
    with pytest.raises(InvalidFormat) as caught:
        HCNumber("346 295 0622")
    assert caught.value.reason is Reason.FORMAT
    with pytest.raises(InvalidComponent):
        HCNumber("3200000007")


def test_value_class_differs_from_an_nhs_number_with_the_same_digits() -> None:
    assert HCNumber("3462950622") != NHSNumber("3462950622")


def test_constants_and_metadata() -> None:
    assert HCNumber.fhir_system is None
    assert HCNumber.kind == hc_number.KIND == "hc_number"
    assert HCNumber.personal is True
    assert hc_number.HL7V2_ASSIGNING_AUTHORITY == "HSNI"
    assert isinstance(hc_number.KNOWN_FHIR_SYSTEMS, tuple)
    assert set(hc_number.KNOWN_FHIR_SYSTEMS) == {
        "https://fhir.nhs.uk/Id/hsc-number",
        "urn:uuid:1479257a-ce8f-482a-89fa-429ac066c158",
    }
    assert not hasattr(hc_number, "FHIR_SYSTEM")

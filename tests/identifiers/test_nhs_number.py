"""NHS Number: kind-specific rules, boundaries, helpers and the value class.

The Modulus 11 oracle used here (:func:`reference_check_digit`) is written out
from the Data Dictionary steps independently of ``nhsstd.identifiers._checksums``
so that the tests do not merely re-run the code under test.
"""

from __future__ import annotations

import random
import re

import attrs
import pytest
import stdnum.exceptions
import stdnum.gb.nhs
from hypothesis import example, given
from hypothesis import strategies as st

from nhsstd.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, Reason, ValidationError
from nhsstd.identifiers import nhs_number
from nhsstd.identifiers.nhs_number import IssuingBlock, NHSNumber

# --------------------------------------------------------------------------- oracle


def reference_check_digit(payload: str) -> int | None:
    """Data Dictionary steps 1-5, spelled out: weights 10..2, 11 -> 0, 10 -> None."""
    total = sum((10 - index) * int(digit) for index, digit in enumerate(payload))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def _weighted_sum(payload: str) -> int:
    return sum((10 - index) * int(digit) for index, digit in enumerate(payload))


def with_check_digit(first_nine: int) -> str:
    """The valid NHS Number whose first nine digits are *first_nine*."""
    payload = f"{first_nine:09d}"
    check = reference_check_digit(payload)
    assert check is not None, f"payload {payload} has no valid check digit"
    return f"{payload}{check}"


issuable_payloads = st.integers(0, 999_999_999).filter(
    lambda value: reference_check_digit(f"{value:09d}") is not None
)
valid_numbers = issuable_payloads.map(with_check_digit)
FULLWIDTH_9434765919 = "".join(chr(0xFF10 + int(digit)) for digit in "9434765919")
ten_digit_strings = st.text(alphabet="0123456789", min_size=10, max_size=10)


# --------------------------------------------------------------------------- check digit


@given(ten_digit_strings)
@example("9434765919")
@example("9876543210")
@example("1234567890")
def test_validity_matches_the_data_dictionary_algorithm(number: str) -> None:
    expected = reference_check_digit(number[:9]) == int(number[9])
    assert nhs_number.is_valid(number) is expected
    if expected:
        assert nhs_number.validate(number) == number
    else:
        with pytest.raises(InvalidChecksum):
            nhs_number.validate(number)


def test_worked_example_from_the_data_dictionary_steps() -> None:
    # 943 476 591: weighted sum 299, 299 mod 11 = 2, 11 - 2 = 9.
    assert reference_check_digit("943476591") == 9
    assert nhs_number.validate("9434765919") == "9434765919"
    assert not nhs_number.is_valid("9434765918")


@pytest.mark.parametrize("last", "0123456789")
def test_check_value_ten_is_never_issued_whatever_the_last_digit(last: str) -> None:
    # 123456789 weighs 210; 210 mod 11 = 1; 11 - 1 = 10.
    with pytest.raises(InvalidChecksum) as caught:
        nhs_number.validate("123456789" + last)
    assert caught.value.reason is Reason.CHECK_DIGIT_TEN


@given(st.integers(0, 999_999_000))
def test_every_payload_with_check_ten_is_rejected_with_check_digit_ten(start: int) -> None:
    # Walk forward to the next payload whose check value is 10 (about one in
    # eleven are) rather than filtering, which trips hypothesis's health check.
    candidates = (f"{value:09d}" for value in range(start, start + 1000))
    payload = next(p for p in candidates if reference_check_digit(p) is None)
    for last in "0123456789":
        with pytest.raises(InvalidChecksum) as caught:
            nhs_number.validate(payload + last)
        assert caught.value.reason is Reason.CHECK_DIGIT_TEN
        assert not nhs_number.is_valid(payload + last)


def test_check_value_eleven_maps_to_zero() -> None:
    # 987654321 weighs 330 = 30 * 11, so 11 - 0 = 11 -> check digit 0.
    assert _weighted_sum("987654321") == 330
    assert nhs_number.validate("9876543210") == "9876543210"
    for last in "123456789":
        with pytest.raises(InvalidChecksum) as caught:
            nhs_number.validate("987654321" + last)
        assert caught.value.reason is Reason.CHECKSUM


def _divisible_by_eleven(first_eight: int) -> int | None:
    """The nine-digit payload starting with *first_eight* whose weighted sum divides by 11, if any.

    The ninth digit has weight 2, and 6 is the inverse of 2 modulo 11, so it must be -6 times the
    first eight digits' sum (mod 11); a 10 there means no such payload.  Drawing the first eight
    and computing the ninth reaches every such payload without rejecting ten draws in eleven.
    """
    ninth = -6 * _weighted_sum(f"{first_eight:08d}") % 11
    return first_eight * 10 + ninth if ninth < 10 else None


@given(st.integers(0, 99_999_999).map(_divisible_by_eleven).filter(lambda value: value is not None))
def test_payloads_divisible_by_eleven_take_check_digit_zero(first_nine: int) -> None:
    payload = f"{first_nine:09d}"
    assert _weighted_sum(payload) % 11 == 0
    assert nhs_number.is_valid(payload + "0")
    assert not any(nhs_number.is_valid(payload + last) for last in "123456789")


@pytest.mark.parametrize("digit", "0123456789")
def test_repdigits_are_valid(digit: str) -> None:
    # 54 * d with 54 = -1 (mod 11) gives check digit d: policy keeps them valid.
    assert nhs_number.validate(digit * 10) == digit * 10


# --------------------------------------------------------------------------- error detection


@given(valid_numbers)
def test_every_single_digit_substitution_is_rejected(number: str) -> None:
    for position in range(10):
        for digit in "0123456789":
            if digit == number[position]:
                continue
            changed = number[:position] + digit + number[position + 1 :]
            with pytest.raises(InvalidChecksum) as caught:
                nhs_number.validate(changed)
            assert caught.value.reason in {Reason.CHECKSUM, Reason.CHECK_DIGIT_TEN}


@given(valid_numbers)
@example("9434765919")
def test_every_adjacent_transposition_of_distinct_digits_is_rejected(number: str) -> None:
    for position in range(9):
        left, right = number[position], number[position + 1]
        if left == right:
            continue
        swapped = number[:position] + right + left + number[position + 2 :]
        with pytest.raises(InvalidChecksum):
            nhs_number.validate(swapped)


# --------------------------------------------------------------------------- errors and reasons


@pytest.mark.parametrize(
    ("value", "error", "reason"),
    [
        ("", InvalidLength, Reason.EMPTY),
        ("   ", InvalidLength, Reason.EMPTY),
        ("\t\r\n", InvalidLength, Reason.EMPTY),
        (" - - ", InvalidLength, Reason.EMPTY),
        ("943476591a", InvalidFormat, Reason.INVALID_CHARACTER),
        ("943.476.5919", InvalidFormat, Reason.INVALID_CHARACTER),
        ("943/476/5919", InvalidFormat, Reason.INVALID_CHARACTER),
        ("943\u00a0476\u00a05919", InvalidFormat, Reason.INVALID_CHARACTER),
        ("943\u2013476\u20135919", InvalidFormat, Reason.INVALID_CHARACTER),
        ("943\t476\t5919", InvalidFormat, Reason.INVALID_CHARACTER),
        (FULLWIDTH_9434765919, InvalidFormat, Reason.INVALID_CHARACTER),
        ("9434765919.0", InvalidFormat, Reason.INVALID_CHARACTER),
        ("99900013", InvalidLength, Reason.LENGTH),
        ("943476591", InvalidLength, Reason.LENGTH),
        ("94347659190", InvalidLength, Reason.LENGTH),
        ("9434765918", InvalidChecksum, Reason.CHECKSUM),
        ("1234567890", InvalidChecksum, Reason.CHECK_DIGIT_TEN),
        ("0000000060", InvalidChecksum, Reason.CHECK_DIGIT_TEN),
    ],
)
def test_each_failure_has_its_typed_error_and_reason(
    value: str, error: type[ValidationError], reason: Reason
) -> None:
    with pytest.raises(error) as caught:
        nhs_number.validate(value)
    assert caught.value.reason is reason
    assert caught.value.kind == "nhs_number"
    assert isinstance(caught.value, stdnum.exceptions.ValidationError)
    assert not nhs_number.is_valid(value)
    # format reformats without validating, as python-stdnum's does (issue 11).
    assert nhs_number.compact(nhs_number.format(value)) == nhs_number.compact(value)


def test_invalid_checksum_is_also_the_stdnum_exception() -> None:
    with pytest.raises(stdnum.exceptions.InvalidChecksum):
        nhs_number.validate("9434765918")


@pytest.mark.parametrize("value", [None, 9434765919, 9434765919.0, b"9434765919", True, ["9434765919"]])
def test_non_str_input_is_refused(value: object) -> None:
    with pytest.raises(InvalidFormat) as caught:
        nhs_number.validate(value)  # type: ignore[arg-type]
    assert caught.value.reason is Reason.NOT_A_STRING
    with pytest.raises(InvalidFormat):
        nhs_number.compact(value)  # type: ignore[arg-type]
    assert nhs_number.is_valid(value) is False  # type: ignore[arg-type]


@given(valid_numbers, st.integers(0, 9))
def test_messages_never_contain_the_number(number: str, corrupt_position: int) -> None:
    replacement = str((int(number[corrupt_position]) + 1) % 10)
    wrong = number[:corrupt_position] + replacement + number[corrupt_position + 1 :]
    candidates = [wrong, wrong + "1", wrong[:9], f"{wrong[:3]} {wrong[3:6]}.{wrong[6:]}"]
    for candidate in candidates:
        with pytest.raises(ValidationError) as caught:
            nhs_number.validate(candidate)
        text = f"{caught.value} {caught.value!r} {caught.value.args}"
        assert wrong[:9] not in text
        assert re.search(r"\d{4,}", text) is None


# --------------------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    "value",
    [
        "9434765919",
        " 943 476 5919 ",
        "943-476-5919",
        "\t943 476-5919\n",
        "9 4 3 4 7 6 5 9 1 9",
        "-943-4765919-",
    ],
)
def test_ascii_spaces_and_hyphens_anywhere_are_removed(value: str) -> None:
    assert nhs_number.compact(value) == "9434765919"
    assert nhs_number.validate(value) == "9434765919"
    assert nhs_number.format(value) == "943 476 5919"


# --------------------------------------------------------------------------- issuing blocks

# (last first-nine value of the lower block, its block, block starting at the next value)
BOUNDARIES = [
    (10_099_999, IssuingBlock.UNRESERVED, IssuingBlock.SCOTLAND_CHI),
    (311_299_999, IssuingBlock.SCOTLAND_CHI, IssuingBlock.UNRESERVED),
    (320_000_000, IssuingBlock.UNRESERVED, IssuingBlock.NORTHERN_IRELAND),
    (399_999_999, IssuingBlock.NORTHERN_IRELAND, IssuingBlock.ENGLAND_WALES_IOM),
    (499_999_999, IssuingBlock.ENGLAND_WALES_IOM, IssuingBlock.NOT_ISSUED_5XX),
    (599_999_999, IssuingBlock.NOT_ISSUED_5XX, IssuingBlock.ENGLAND_WALES_IOM),
    (799_999_999, IssuingBlock.ENGLAND_WALES_IOM, IssuingBlock.REPUBLIC_OF_IRELAND_IHI),
    (859_999_999, IssuingBlock.REPUBLIC_OF_IRELAND_IHI, IssuingBlock.UNALLOCATED),
    (899_999_999, IssuingBlock.UNALLOCATED, IssuingBlock.NOT_ISSUED_TEST_9XX),
]


@pytest.mark.parametrize(("last_below", "below", "above"), BOUNDARIES)
def test_issuing_block_on_both_sides_of_each_boundary(
    last_below: int, below: IssuingBlock, above: IssuingBlock
) -> None:
    lower, upper = with_check_digit(last_below), with_check_digit(last_below + 1)
    assert nhs_number.issuing_block(lower) is below
    assert nhs_number.issuing_block(upper) is above
    assert NHSNumber(lower).issuing_block is below
    assert NHSNumber(upper).issuing_block is above


def test_issuing_block_at_the_ends_of_the_number_space() -> None:
    assert nhs_number.issuing_block("0000000000") is IssuingBlock.UNRESERVED
    assert nhs_number.issuing_block("9999999999") is IssuingBlock.NOT_ISSUED_TEST_9XX


def test_issuing_block_table_examples() -> None:
    assert nhs_number.issuing_block("400 000 0632") is IssuingBlock.ENGLAND_WALES_IOM
    assert nhs_number.issuing_block("3462950622") is IssuingBlock.NORTHERN_IRELAND
    assert nhs_number.issuing_block("8888888888") is IssuingBlock.UNALLOCATED
    assert nhs_number.issuing_block("1111111111") is IssuingBlock.SCOTLAND_CHI


def _reference_block(first_nine: int) -> IssuingBlock:
    # The brief's table, written as a cascade independent of the module's tuple.
    if first_nine >= 900_000_000:
        return IssuingBlock.NOT_ISSUED_TEST_9XX
    if first_nine >= 860_000_000:
        return IssuingBlock.UNALLOCATED
    if first_nine >= 800_000_000:
        return IssuingBlock.REPUBLIC_OF_IRELAND_IHI
    if first_nine >= 600_000_000:
        return IssuingBlock.ENGLAND_WALES_IOM
    if first_nine >= 500_000_000:
        return IssuingBlock.NOT_ISSUED_5XX
    if first_nine >= 400_000_000:
        return IssuingBlock.ENGLAND_WALES_IOM
    if first_nine >= 320_000_001:
        return IssuingBlock.NORTHERN_IRELAND
    if first_nine >= 311_300_000:
        return IssuingBlock.UNRESERVED
    if first_nine >= 10_100_000:
        return IssuingBlock.SCOTLAND_CHI
    return IssuingBlock.UNRESERVED


@given(issuable_payloads)
def test_issuing_block_matches_the_table_everywhere(first_nine: int) -> None:
    assert nhs_number.issuing_block(with_check_digit(first_nine)) is _reference_block(first_nine)


def test_issuing_block_validates_first() -> None:
    with pytest.raises(InvalidChecksum):
        nhs_number.issuing_block("9434765918")


# --------------------------------------------------------------------------- test range


def test_is_test_number_boundary() -> None:
    # 999000000 itself has check value 10, so 999 000 001x is the first test number.
    assert all(not nhs_number.is_valid("999000000" + last) for last in "0123456789")
    assert nhs_number.is_test_number(with_check_digit(999_000_001))
    assert not nhs_number.is_test_number(with_check_digit(998_999_999))
    assert nhs_number.is_test_number("9999999999")
    assert NHSNumber(with_check_digit(999_000_001)).is_test_number
    assert not NHSNumber(with_check_digit(998_999_999)).is_test_number


def test_is_test_number_examples_and_validation() -> None:
    assert nhs_number.is_test_number("999 021 2007")
    assert not nhs_number.is_test_number("9434765919")
    with pytest.raises(InvalidChecksum):
        nhs_number.is_test_number("9990213596")


@given(valid_numbers)
def test_test_numbers_are_exactly_the_999_prefix(number: str) -> None:
    assert nhs_number.is_test_number(number) is number.startswith("999")


# --------------------------------------------------------------------------- from_int


def test_from_int_zero_pads_to_ten_digits() -> None:
    assert nhs_number.from_int(0) == "0000000000"
    assert nhs_number.from_int(101_000_006) == "0101000006"
    assert nhs_number.from_int(9_876_543_210) == "9876543210"
    assert NHSNumber.from_int(101_000_006) == NHSNumber("0101000006")


@given(valid_numbers)
def test_from_int_round_trips_every_valid_number(number: str) -> None:
    assert nhs_number.from_int(int(number)) == number


@pytest.mark.parametrize("value", [True, False, 9434765919.0, "9434765919", None, b"9434765919"])
def test_from_int_refuses_non_int(value: object) -> None:
    with pytest.raises(InvalidFormat) as caught:
        nhs_number.from_int(value)  # type: ignore[arg-type]
    assert caught.value.reason is Reason.NOT_A_STRING


@pytest.mark.parametrize("value", [-1, -9_434_765_919, 10_000_000_000, 94_347_659_190])
def test_from_int_refuses_values_outside_ten_digits(value: int) -> None:
    with pytest.raises(InvalidFormat) as caught:
        nhs_number.from_int(value)
    assert caught.value.reason is Reason.LENGTH


def test_from_int_checks_the_check_digit() -> None:
    with pytest.raises(InvalidChecksum) as caught:
        nhs_number.from_int(9_434_765_918)
    assert caught.value.reason is Reason.CHECKSUM
    with pytest.raises(InvalidChecksum) as caught:
        nhs_number.from_int(1_234_567_890)
    assert caught.value.reason is Reason.CHECK_DIGIT_TEN


# --------------------------------------------------------------------------- generate


@given(st.integers(0, 2**64))
def test_generate_gives_valid_test_range_numbers_by_default(seed: int) -> None:
    number = nhs_number.generate(random.Random(seed))
    assert nhs_number.validate(number) == number
    assert nhs_number.is_test_number(number)
    assert nhs_number.issuing_block(number) is IssuingBlock.NOT_ISSUED_TEST_9XX


@given(st.integers(0, 2**64))
def test_generate_outside_the_test_range_is_still_valid(seed: int) -> None:
    number = nhs_number.generate(random.Random(seed), test_range=False)
    assert nhs_number.validate(number) == number


def test_generate_is_reproducible_with_a_seeded_rng() -> None:
    assert nhs_number.generate(random.Random(42)) == nhs_number.generate(random.Random(42))
    assert nhs_number.is_test_number(nhs_number.generate())


def test_generate_without_test_range_reaches_other_blocks() -> None:
    rng = random.Random(3)
    blocks = {nhs_number.issuing_block(nhs_number.generate(rng, test_range=False)) for _ in range(500)}
    assert IssuingBlock.ENGLAND_WALES_IOM in blocks
    assert IssuingBlock.SCOTLAND_CHI in blocks


# --------------------------------------------------------------------------- value class


def test_value_class_equality_and_hash_use_the_compact_form() -> None:
    spaced, hyphenated = NHSNumber.parse("943 476 5919"), NHSNumber.parse("943-476-5919")
    assert spaced == hyphenated
    assert hash(spaced) == hash(hyphenated)
    assert len({spaced, hyphenated, NHSNumber("9434765919")}) == 1
    assert spaced != NHSNumber("9876543210")
    assert spaced != "9434765919"


def test_value_class_repr_is_masked_and_str_is_formatted() -> None:
    number = NHSNumber.parse("9434765919")
    assert repr(number) == "NHSNumber('*** *** 5919')"
    assert "9434765919" not in repr(number)
    assert "943 476" not in repr(number)
    assert str(number) == "943 476 5919"
    assert number.formatted == "943 476 5919"
    assert number.compact == "9434765919"
    assert number.masked() == "*** *** 5919"


def test_value_class_is_frozen() -> None:
    number = NHSNumber("9434765919")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        number.compact = "9876543210"  # type: ignore[misc]


def test_value_class_constructor_requires_a_valid_compact_form() -> None:
    with pytest.raises(InvalidFormat) as caught:
        NHSNumber("943 476 5919")
    assert caught.value.reason is Reason.FORMAT
    with pytest.raises(InvalidChecksum):
        NHSNumber("9434765918")
    with pytest.raises(InvalidChecksum):
        NHSNumber.parse("943 476 5918")


def test_value_class_metadata() -> None:
    assert NHSNumber.kind == "nhs_number"
    assert NHSNumber.fhir_system == "https://fhir.nhs.uk/Id/nhs-number" == nhs_number.FHIR_SYSTEM
    assert NHSNumber.personal is True
    assert nhs_number.OID == "2.16.840.1.113883.2.1.4.1"
    assert nhs_number.HL7V2_ASSIGNING_AUTHORITY == "NHS"


@given(valid_numbers)
def test_value_class_round_trips_through_its_display_form(number: str) -> None:
    value = NHSNumber.parse(number)
    assert NHSNumber.parse(str(value)) == value
    assert value.formatted == f"{number[:3]} {number[3:6]} {number[6:]}"
    assert value.masked().endswith(number[6:])
    assert number[:6] not in repr(value)


@given(value=st.text(alphabet="0123456789 -AZ.", max_size=16))
@example(value="943 476 5918")  # a wrong check digit
@example(value="94347")  # too short
@example(value="943.476.5919")  # a separator neither library removes
def test_format_is_a_drop_in_for_stdnum(value: str) -> None:
    """Issue 11: ``format`` reformats without validating, exactly as ``stdnum.gb.nhs.format`` does,
    so code that swaps python-stdnum for nhsstd keeps working (inputs within the characters both
    normalisation policies treat alike: ASCII digits, letters, space, hyphen, full stop)."""
    assert nhs_number.format(value) == stdnum.gb.nhs.format(value)


# --------------------------------------------------------------------------- is_valid beside validate

# is_valid decides without raising (a second implementation of validate's verdict), so it is
# compared with validate on every kind of input: arbitrary text, ten-digit strings, and near
# misses of valid numbers -- separators (ASCII and not), non-ASCII digits, a digit more or less.
_separators = st.sampled_from([" ", "-", "\t", "\n", "\u00a0", "\u2009", "_", "/"])
_near_misses = st.one_of(
    st.tuples(valid_numbers, st.integers(0, 10), _separators).map(
        lambda t: t[0][: t[1]] + t[2] + t[0][t[1] :]
    ),
    valid_numbers.map(lambda number: "".join(chr(0xFF10 + int(digit)) for digit in number)),
    st.tuples(valid_numbers, st.integers(0, 9)).map(lambda t: t[0][: t[1]] + "\u0660" + t[0][t[1] + 1 :]),
    valid_numbers.map(lambda number: number[:-1]),
    st.tuples(valid_numbers, st.sampled_from("0123456789")).map(lambda t: t[0] + t[1]),
    valid_numbers.map(lambda number: f" {number[:3]} {number[3:6]}-{number[6:]} "),
)


@given(st.one_of(st.text(max_size=14), ten_digit_strings, _near_misses))
@example(FULLWIDTH_9434765919)
def test_is_valid_agrees_with_validate_on_every_input(value: str) -> None:
    try:
        nhs_number.validate(value)
    except ValidationError:
        accepted = False
    else:
        accepted = True
    assert nhs_number.is_valid(value) is accepted


def test_a_str_subclass_is_read_as_its_text() -> None:
    # Ten ASCII digits are their own compact form; a str subclass still comes back as a plain str.
    class Text(str):
        pass

    for value in (Text("9434765919"), Text(" 943 476-5919 ")):
        assert nhs_number.is_valid(value)
        assert type(nhs_number.validate(value)) is str
        assert nhs_number.validate(value) == "9434765919"
    assert not nhs_number.is_valid(Text("9434765918"))

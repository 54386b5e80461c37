"""SNOMED CT identifiers: structure, partitions, Verhoeff, accessors, helpers.

The Verhoeff oracle below is written out from the tables in the SNOMED CT
release file specification (section 6.4.2), independently of python-stdnum,
which the module under test reuses; a separate differential test compares
the module's verdicts with :func:`stdnum.verhoeff.is_valid`.
"""

from __future__ import annotations

import random

import attrs
import pytest
import stdnum.exceptions
import stdnum.verhoeff
from hypothesis import assume, example, given
from hypothesis import strategies as st

from nhsstd.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    Reason,
    ValidationError,
)
from nhsstd.identifiers import sctid
from nhsstd.identifiers.sctid import SCTID, ComponentType, Partition

# --------------------------------------------------------------------------- oracle

_D = ["0123456789", "1234067895", "2340178956", "3401289567", "4012395678",
      "5987604321", "6598710432", "7659821043", "8765932104", "9876543210"]  # fmt: skip
_P = ["0123456789", "1576283094", "5803796142", "8916043527",
      "9453126870", "4286573901", "2793806415", "7046913258"]  # fmt: skip
_INV = "0432156789"
VALID_PARTITIONS = {"00", "01", "02", "10", "11", "12", "16"}


def oracle_verhoeff_ok(number: str) -> bool:
    check = 0
    for position, char in enumerate(reversed(number)):
        check = int(_D[check][int(_P[position % 8][int(char)])])
    return check == 0


def oracle_check_digit(payload: str) -> str:
    check = 0
    for position, char in enumerate(reversed(payload), start=1):
        check = int(_D[check][int(_P[position % 8][int(char)])])
    return _INV[check]


def with_check(payload: str) -> str:
    return payload + oracle_check_digit(payload)


def reason_of(value: object) -> Reason:
    with pytest.raises(ValidationError) as caught:
        sctid.validate(value)  # type: ignore[arg-type]
    assert caught.value.kind == "sctid"
    return caught.value.reason


# --------------------------------------------------------------------------- valid examples


@pytest.mark.parametrize(
    "value",
    [
        "22298006",
        "73211009",
        "404684003",
        "138875005",
        "38341003",
        "900000000000207008",
        "900000000000003001",
        "100005",
        "999000011000000103",
        "17960711000001109",
        "826501000000100",
        "7654321019",
    ],
)
def test_published_examples_are_valid(value: str) -> None:
    assert sctid.validate(value) == value
    assert sctid.is_valid(value)
    assert sctid.format(value) == value
    assert oracle_verhoeff_ok(value)


def test_oracle_agrees_with_the_spec_tables_on_a_known_value() -> None:
    assert oracle_check_digit("2229800") == "6"
    assert oracle_check_digit("99900001100000010") == "3"


# --------------------------------------------------------------------------- normalisation


@pytest.mark.parametrize("value", [" 22298006", "22298006 ", "\t22298006\n", "\r\n22298006\x0b\x0c"])
def test_surrounding_ascii_whitespace_is_stripped(value: str) -> None:
    assert sctid.compact(value) == "22298006"
    assert sctid.validate(value) == "22298006"


@pytest.mark.parametrize(
    "value",
    [
        "22 298 006",
        "22298-006",
        "22,298,006",
        "22298006.0",
        "+22298006",
        "-38341003",
        "\u00a022298006",
        "22298006\u200b",
        "".join(chr(0xFF10 + int(d)) for d in "22298006"),
        "".join(chr(0x0660 + int(d)) for d in "22298006"),
        "2229800\U0001d7d6",
        "22298OO6",
    ],
)
def test_anything_but_ascii_digits_is_an_invalid_character(value: str) -> None:
    assert reason_of(value) is Reason.INVALID_CHARACTER
    with pytest.raises(InvalidFormat):
        sctid.validate(value)


def test_compact_does_not_remove_inner_spaces() -> None:
    assert sctid.compact(" 22 298 006 ") == "22 298 006"


@pytest.mark.parametrize("value", ["", "   ", "\t\n"])
def test_empty(value: str) -> None:
    assert reason_of(value) is Reason.EMPTY


# --------------------------------------------------------------------------- length, leading zero, range


def test_length_boundaries() -> None:
    assert reason_of("10000") is Reason.LENGTH  # five digits
    assert sctid.is_valid("100005")  # six digits: smallest valid
    eighteen = "900000000000207008"
    assert sctid.is_valid(eighteen)
    assert reason_of(eighteen + "0") is Reason.LENGTH  # nineteen digits
    with pytest.raises(InvalidLength):
        sctid.validate("1" * 19)


def test_leading_zero_is_refused_even_when_the_rest_is_valid() -> None:
    assert reason_of("0038341003") is Reason.LEADING_ZERO
    assert reason_of("022298006") is Reason.LEADING_ZERO
    with pytest.raises(InvalidFormat):
        sctid.validate("0101291009")


def test_one_hundred_thousand_is_out_of_range() -> None:
    # Not > 10^5; it also fails Verhoeff, but range is checked first.
    assert reason_of("100000") is Reason.OUT_OF_RANGE
    with pytest.raises(InvalidComponent):
        sctid.validate("100000")
    assert not oracle_verhoeff_ok("100000")


# --------------------------------------------------------------------------- partition


def test_vector_with_reserved_partition_05() -> None:
    assert oracle_verhoeff_ok("3834051")
    assert reason_of("3834051") is Reason.INVALID_PARTITION


@pytest.mark.parametrize("partition", [f"{value:02d}" for value in range(100)])
def test_every_partition_value(partition: str) -> None:
    number = with_check("12345" + partition)
    if partition in VALID_PARTITIONS:
        assert sctid.validate(number) == number
        assert SCTID.parse(number).partition.value == partition
    else:
        assert reason_of(number) is Reason.INVALID_PARTITION
        with pytest.raises(InvalidComponent):
            sctid.validate(number)


def test_partition_is_checked_before_the_check_digit() -> None:
    number = with_check("1234505")
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert reason_of(wrong) is Reason.INVALID_PARTITION


def test_partition_enum() -> None:
    assert [p.value for p in Partition] == ["00", "01", "02", "10", "11", "12", "16"]
    assert [p.is_long_format for p in Partition] == [False] * 3 + [True] * 4
    assert [p.component_type for p in Partition] == [
        ComponentType.CONCEPT,
        ComponentType.DESCRIPTION,
        ComponentType.RELATIONSHIP,
        ComponentType.CONCEPT,
        ComponentType.DESCRIPTION,
        ComponentType.RELATIONSHIP,
        ComponentType.EXPRESSION,
    ]
    assert Partition("16") is Partition.LONG_EXPRESSION
    assert isinstance(Partition.SHORT_CONCEPT, str)
    assert sorted(Partition)[0] is Partition.SHORT_CONCEPT


# --------------------------------------------------------------------------- check digit


def test_wrong_check_digit() -> None:
    assert reason_of("38341004") is Reason.CHECKSUM
    with pytest.raises(InvalidChecksum):
        sctid.validate("22298007")
    with pytest.raises(stdnum.exceptions.InvalidChecksum):
        sctid.validate("22298007")


@given(st.sampled_from(["22298006", "404684003", "900000000000207008", "17960711000001109"]), st.data())
def test_every_single_digit_substitution_is_detected(value: str, data: st.DataObject) -> None:
    position = data.draw(st.integers(0, len(value) - 1))
    replacement = data.draw(st.sampled_from([d for d in "0123456789" if d != value[position]]))
    changed = value[:position] + replacement + value[position + 1 :]
    assert not sctid.is_valid(changed)


@given(st.sampled_from(["22298006", "404684003", "900000000000207008", "17960711000001109"]), st.data())
def test_every_adjacent_transposition_is_detected(value: str, data: st.DataObject) -> None:
    position = data.draw(st.integers(0, len(value) - 2))
    assume(value[position] != value[position + 1])
    swapped = value[:position] + value[position + 1] + value[position] + value[position + 2 :]
    assert not sctid.is_valid(swapped)


digit_strings = st.text("0123456789", min_size=6, max_size=18)


@given(digit_strings)
@example("38341003")
@example("38341004")
@example("3834051")
@example("100005")
def test_differential_against_stdnum_verhoeff(value: str) -> None:
    structural_ok = value[0] != "0" and int(value) > 10**5 and value[-3:-1] in VALID_PARTITIONS
    if not structural_ok:
        assert not sctid.is_valid(value)
        return
    ours = sctid.is_valid(value)
    assert ours is stdnum.verhoeff.is_valid(value)
    assert ours is oracle_verhoeff_ok(value)
    if not ours:
        assert reason_of(value) is Reason.CHECKSUM


@given(
    st.integers(100, 10**15 - 1),
    st.sampled_from(sorted(VALID_PARTITIONS)),
    st.sampled_from("0123456789"),
)
def test_differential_on_structurally_valid_strings(head: int, partition: str, last: str) -> None:
    # Every string built this way passes the structural rules, so only the
    # check digit decides: exactly one of the ten last digits is accepted.
    value = f"{head}{partition}{last}"
    assert sctid.is_valid(value) is stdnum.verhoeff.is_valid(value)
    accepted = [d for d in "0123456789" if sctid.is_valid(f"{head}{partition}{d}")]
    assert accepted == [stdnum.verhoeff.calc_check_digit(f"{head}{partition}")]


# --------------------------------------------------------------------------- build / generate


def test_build_short_and_long() -> None:
    assert sctid.build(22298, Partition.SHORT_CONCEPT) == "22298006"
    assert sctid.build(22298, "00") == "22298006"
    assert sctid.build(99900001, "10", namespace="1000000") == "999000011000000103"
    assert sctid.build(1796071, Partition.LONG_CONCEPT, "1000001") == "17960711000001109"


def test_build_with_item_zero_in_long_format_gives_ten_digits() -> None:
    number = sctid.build(0, Partition.LONG_CONCEPT, "1000000")
    assert len(number) == 10
    parsed = SCTID(number)
    assert parsed.item_identifier == 0
    assert parsed.namespace == "1000000"


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ((1, "10"), ValueError),  # long format without namespace
        ((1, "10", "123"), ValueError),  # namespace too short
        ((1, "10", "１２３４５６７"), ValueError),  # non-ASCII namespace digits
        ((1, "00", "1000000"), ValueError),  # short format with namespace
        ((1, "05"), ValueError),  # reserved partition
        ((-1, "00"), ValueError),
        ((True, "00"), TypeError),
        (("22298", "00"), TypeError),
    ],
)
def test_build_misuse(args: tuple[object, ...], error: type[Exception]) -> None:
    with pytest.raises(error):
        sctid.build(*args)  # type: ignore[arg-type]


def test_build_of_a_too_small_or_too_large_value_is_a_validation_error() -> None:
    with pytest.raises(ValidationError):
        sctid.build(1, "00")  # "1000x": five digits
    with pytest.raises(ValidationError):
        sctid.build(10**15, "00")  # nineteen digits


@given(
    st.sampled_from(list(Partition)),
    st.integers(0, 2**32),
    st.integers(0, 10**7 - 1).map(lambda n: f"{n:07d}"),
)
def test_build_round_trips_through_the_accessors(partition: Partition, seed: int, namespace: str) -> None:
    rng = random.Random(seed)
    if partition.is_long_format:
        item = rng.randint(0, 99_999_999)
        number = sctid.build(item, partition, namespace)
        parsed = SCTID(number)
        assert parsed.namespace == namespace
    else:
        item = rng.randint(1_000, 999_999_999_999_999)
        number = sctid.build(item, partition)
        parsed = SCTID(number)
        assert parsed.namespace is None
    assert parsed.item_identifier == item
    assert parsed.partition is partition
    assert oracle_verhoeff_ok(number)
    assert number[-1] == oracle_check_digit(number[:-1])


@given(st.integers(0, 2**32), st.sampled_from(list(Partition)))
def test_generate_gives_valid_identifiers_in_the_partition(seed: int, partition: Partition) -> None:
    number = sctid.generate(random.Random(seed), partition=partition)
    assert sctid.is_valid(number)
    assert SCTID(number).partition is partition


def test_generate_keeps_a_given_namespace_and_is_reproducible() -> None:
    first = sctid.generate(random.Random(7), partition="11", namespace="1000001")
    assert SCTID(first).namespace == "1000001"
    assert first == sctid.generate(random.Random(7), partition="11", namespace="1000001")
    assert sctid.is_valid(sctid.generate())


# --------------------------------------------------------------------------- from_int


def test_from_int() -> None:
    assert sctid.from_int(22298006) == "22298006"
    assert SCTID.from_int(900000000000207008) == SCTID("900000000000207008")
    with pytest.raises(InvalidChecksum):
        sctid.from_int(22298007)


@pytest.mark.parametrize("value", [100000, 0, -22298006, 10**18, 10**19])
def test_from_int_out_of_range(value: int) -> None:
    with pytest.raises(InvalidComponent) as caught:
        sctid.from_int(value)
    assert caught.value.reason is Reason.OUT_OF_RANGE


@pytest.mark.parametrize("value", [True, 22298006.0, "22298006", None])
def test_from_int_refuses_non_int(value: object) -> None:
    with pytest.raises(InvalidFormat) as caught:
        sctid.from_int(value)  # type: ignore[arg-type]
    assert caught.value.reason is Reason.NOT_A_STRING


# --------------------------------------------------------------------------- value class


@pytest.mark.parametrize(
    ("value", "partition", "component", "long", "namespace", "item"),
    [
        ("38341003", Partition.SHORT_CONCEPT, ComponentType.CONCEPT, False, None, 38341),
        ("7654321019", Partition.SHORT_DESCRIPTION, ComponentType.DESCRIPTION, False, None, 7654321),
        ("100005", Partition.SHORT_CONCEPT, ComponentType.CONCEPT, False, None, 100),
        ("17960711000001109", Partition.LONG_CONCEPT, ComponentType.CONCEPT, True, "1000001", 1796071),
        ("826501000000100", Partition.LONG_CONCEPT, ComponentType.CONCEPT, True, "1000000", 82650),
        ("999000011000000103", Partition.LONG_CONCEPT, ComponentType.CONCEPT, True, "1000000", 99900001),
    ],
)
def test_accessors(
    value: str,
    partition: Partition,
    component: ComponentType,
    long: bool,
    namespace: str | None,
    item: int,
) -> None:
    parsed = SCTID.parse(value)
    assert parsed.partition is partition
    assert parsed.component_type is component
    assert parsed.is_long_format is long
    assert parsed.namespace == namespace
    assert parsed.item_identifier == item
    assert parsed.check_digit == int(value[-1])
    assert int(parsed) == int(value)


def test_relationship_and_expression_partitions() -> None:
    relationship = SCTID(sctid.build(4567, "12", "1000000"))
    assert relationship.component_type is ComponentType.RELATIONSHIP
    expression = SCTID(sctid.build(4567, "16", "1000000"))
    assert expression.component_type is ComponentType.EXPRESSION
    assert expression.is_long_format


def test_value_class() -> None:
    parsed = SCTID.parse(" 22298006\n")
    assert parsed == SCTID("22298006")
    assert hash(parsed) == hash(SCTID("22298006"))
    assert str(parsed) == parsed.formatted == "22298006"
    assert repr(parsed) == "SCTID('22298006')"
    assert parsed.fhir_system == sctid.FHIR_SYSTEM == "http://snomed.info/sct"
    assert parsed.kind == sctid.KIND == "sctid"
    assert parsed.personal is False
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        parsed.compact = "73211009"  # type: ignore[misc]
    with pytest.raises(InvalidChecksum):
        SCTID("22298007")


def test_constants() -> None:
    assert sctid.DMD_SYSTEM == "https://dmd.nhs.uk"
    assert set(sctid.__all__) <= set(dir(sctid))

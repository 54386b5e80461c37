"""CHI Number: date rule, Modulus 11 / Modulus 10, parity, accessors, value class.

The oracles below (calendar via :mod:`datetime`, Modulus 11 and Luhn written
out from the phsmethods description) are independent of the module under test.
"""

from __future__ import annotations

import datetime
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
from nhsstd.identifiers import chi_number, nhs_number
from nhsstd.identifiers.chi_number import CHINumber, EmbeddedDate, Parity
from nhsstd.identifiers.nhs_number import IssuingBlock

# --------------------------------------------------------------------------- oracles


def is_real_ddmmyy(six: str) -> bool:
    """DDMMYY is a calendar date; 2000 + YY is a leap year exactly when YY % 4 == 0."""
    try:
        datetime.date(2000 + int(six[4:6]), int(six[2:4]), int(six[0:2]))
    except ValueError:
        return False
    return True


def mod11_check(payload: str) -> int | None:
    check = 11 - sum((10 - i) * int(d) for i, d in enumerate(payload)) % 11
    return {11: 0, 10: None}.get(check, check)


def mod10_check(payload: str) -> int:
    # phsmethods: double digits 1, 3, 5, 7, 9; subtract 9 from doubled values over 9.
    total = 0
    for index, char in enumerate(payload):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return (10 - total % 10) % 10


def real_dates() -> st.SearchStrategy[str]:
    every_yy = st.dates(datetime.date(1969, 1, 1), datetime.date(2068, 12, 31))
    return every_yy.map(lambda day: day.strftime("%d%m%y"))


serials = st.text("0123456789", min_size=3, max_size=3)
payloads = st.builds(lambda six, rest: six + rest, real_dates(), serials)
mod11_valid = payloads.filter(lambda p: mod11_check(p) is not None).map(lambda p: f"{p}{mod11_check(p)}")
mod10_only = payloads.filter(lambda p: mod11_check(p) != mod10_check(p)).map(lambda p: f"{p}{mod10_check(p)}")


def chi_with_date(six: str) -> str:
    """The first Modulus-11-valid number with date digits *six*."""
    for serial in range(1000):
        payload = f"{six}{serial:03d}"
        check = mod11_check(payload)
        if check is not None:
            return f"{payload}{check}"
    raise AssertionError("unreachable: some serial always works")


# --------------------------------------------------------------------------- phsmethods examples


@pytest.mark.parametrize("number", ["1904851231", "2902201230", "0101201234", "2210741505"])
def test_phsmethods_valid_examples(number: str) -> None:
    assert chi_number.validate(number) == number
    assert chi_number.is_valid(number)


@pytest.mark.parametrize("number", ["3201201234", "0113209999", "2902191230", "0000000000"])
def test_phsmethods_invalid_date_examples(number: str) -> None:
    with pytest.raises(InvalidComponent) as caught:
        chi_number.validate(number)
    assert caught.value.reason is Reason.INVALID_DATE
    assert caught.value.kind == "chi_number"
    assert isinstance(caught.value, stdnum.exceptions.InvalidComponent)
    with pytest.raises(InvalidComponent):
        chi_number.validate(number, check_digit="mod11")


@pytest.mark.parametrize("number", ["0101201233", "0909934400"])
def test_examples_failing_both_check_digits(number: str) -> None:
    for mode in ("mod11_or_mod10", "mod11"):
        with pytest.raises(InvalidChecksum) as caught:
            chi_number.validate(number, check_digit=mode)  # type: ignore[arg-type]
        assert caught.value.reason is Reason.CHECKSUM


def test_0101201234_passes_only_modulus_10() -> None:
    assert mod11_check("010120123") == 0
    assert mod10_check("010120123") == 4
    assert chi_number.check_digit_algorithm("0101201234") == "mod10"
    assert not chi_number.is_valid("0101201234", check_digit="mod11")
    with pytest.raises(InvalidChecksum) as caught:
        chi_number.validate("0101201234", check_digit="mod11")
    assert caught.value.reason is Reason.CHECKSUM


# --------------------------------------------------------------------------- date rule


@pytest.mark.parametrize(
    ("six", "valid"),
    [
        ("290200", True),  # 29 Feb (20)00: YY 00 counts as leap, as 2000 was
        ("290201", False),
        ("290204", True),
        ("290296", True),
        ("290297", False),
        ("290268", True),
        ("290269", False),
        ("290100", True),  # 29 January: a real date in every year
        ("290104", True),
        ("280199", True),
        ("300200", False),
        ("310100", True),
        ("320100", False),
        ("000100", False),
        ("010000", False),
        ("011300", False),
        ("311299", True),
        ("300400", True),
        ("310400", False),
        ("310600", False),
        ("310900", False),
        ("311100", False),
        ("310700", True),
        ("310800", True),
        ("991299", False),
    ],
)
def test_date_rule(six: str, valid: bool) -> None:
    number = chi_with_date(six)
    assert chi_number.is_valid(number) is valid
    if not valid:
        with pytest.raises(InvalidComponent) as caught:
            chi_number.validate(number)
        assert caught.value.reason is Reason.INVALID_DATE


@pytest.mark.parametrize("month", range(1, 13))
def test_last_day_of_every_month_and_the_day_after(month: int) -> None:
    for yy in ("00", "01", "96", "99"):
        first_of_next = datetime.date(2000 + int(yy) + month // 12, month % 12 + 1, 1)
        last = (first_of_next - datetime.timedelta(days=1)).day
        assert chi_number.is_valid(chi_with_date(f"{last:02d}{month:02d}{yy}"))
        assert not chi_number.is_valid(chi_with_date(f"{last + 1:02d}{month:02d}{yy}"))


@given(st.integers(0, 99), st.integers(0, 99), st.integers(0, 99))
@example(29, 2, 0)
@example(29, 2, 1)
def test_date_rule_matches_the_calendar_for_every_ddmmyy(day: int, month: int, yy: int) -> None:
    six = f"{day:02d}{month:02d}{yy:02d}"
    number = chi_with_date(six)
    assert chi_number.is_valid(number) is is_real_ddmmyy(six)


def test_date_is_checked_before_the_check_digit() -> None:
    # 32/01/20 with a wrong check digit still reports the date.
    with pytest.raises(InvalidComponent):
        chi_number.validate("3201201230")


# --------------------------------------------------------------------------- check digits


@given(mod11_valid)
def test_modulus_11_numbers_are_valid_in_both_modes_and_reported_as_mod11(number: str) -> None:
    assert chi_number.validate(number) == number
    assert chi_number.validate(number, check_digit="mod11") == number
    assert chi_number.check_digit_algorithm(number) == "mod11"
    assert chi_number.check_digit_algorithm(number, check_digit="mod11") == "mod11"


@given(mod10_only)
@example("0101201234")
def test_modulus_10_only_numbers_are_valid_by_default_only(number: str) -> None:
    assert chi_number.validate(number) == number
    assert chi_number.check_digit_algorithm(number) == "mod10"
    assert CHINumber.parse(number).check_digit_algorithm == "mod10"
    with pytest.raises(InvalidChecksum) as caught:
        chi_number.validate(number, check_digit="mod11")
    expected = Reason.CHECK_DIGIT_TEN if mod11_check(number[:9]) is None else Reason.CHECKSUM
    assert caught.value.reason is expected
    with pytest.raises(InvalidChecksum):
        chi_number.check_digit_algorithm(number, check_digit="mod11")


@given(payloads)
def test_exactly_the_two_check_digits_are_accepted(payload: str) -> None:
    accepted = {mod10_check(payload)} | ({mod11_check(payload)} - {None})
    legacy = {mod11_check(payload)} - {None}
    for last in range(10):
        number = f"{payload}{last}"
        assert chi_number.is_valid(number) is (last in accepted)
        assert chi_number.is_valid(number, check_digit="mod11") is (last in legacy)
        if last not in accepted:
            with pytest.raises(InvalidChecksum) as caught:
                chi_number.validate(number)
            # In the default mode a payload with Modulus 11 value 10 can still be
            # valid through Modulus 10, so the reason is always "checksum".
            assert caught.value.reason is Reason.CHECKSUM


def test_both_algorithms_matching_reports_mod11() -> None:
    assert mod11_check("010120012") == mod10_check("010120012") == 9
    assert chi_number.check_digit_algorithm("0101200129") == "mod11"
    assert CHINumber("0101200129").check_digit_algorithm == "mod11"


def test_payload_with_modulus_11_value_ten_is_valid_only_through_modulus_10() -> None:
    assert mod11_check("010120003") is None
    assert mod10_check("010120003") == 8
    assert chi_number.check_digit_algorithm("0101200038") == "mod10"
    for last in "0123456789":
        with pytest.raises(InvalidChecksum) as caught:
            chi_number.validate("010120003" + last, check_digit="mod11")
        assert caught.value.reason is Reason.CHECK_DIGIT_TEN


@pytest.mark.parametrize("mode", ["mod10", "MOD11", "", "luhn", None, 11])
def test_unknown_check_digit_mode_is_a_type_error(mode: object) -> None:
    calls = [
        lambda: chi_number.validate("1904851231", check_digit=mode),  # type: ignore[arg-type]
        lambda: chi_number.is_valid("1904851231", check_digit=mode),  # type: ignore[arg-type]
        lambda: chi_number.is_valid("not a number", check_digit=mode),  # type: ignore[arg-type]
        lambda: chi_number.format("1904851231", check_digit=mode),  # type: ignore[arg-type]
        lambda: chi_number.check_digit_algorithm("1904851231", check_digit=mode),  # type: ignore[arg-type]
        lambda: CHINumber.parse("1904851231", check_digit=mode),  # type: ignore[arg-type]
        lambda: chi_number.embedded_date("1904851231", check_digit=mode),  # type: ignore[arg-type]
        lambda: chi_number.sex_at_registration_parity("1904851231", check_digit=mode),  # type: ignore[arg-type]
    ]
    for call in calls:
        with pytest.raises(TypeError, match="check_digit"):
            call()


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("value", "error", "reason"),
    [
        ("", InvalidLength, Reason.EMPTY),
        (" \t ", InvalidLength, Reason.EMPTY),
        ("190485123a", InvalidFormat, Reason.INVALID_CHARACTER),
        ("190485\u00a01231", InvalidFormat, Reason.INVALID_CHARACTER),
        ("190485.1231", InvalidFormat, Reason.INVALID_CHARACTER),
        ("".join(chr(0x0660 + int(d)) for d in "1904851231"), InvalidFormat, Reason.INVALID_CHARACTER),
        ("101201234", InvalidLength, Reason.LENGTH),  # leading zero lost: not restored
        ("19048512310", InvalidLength, Reason.LENGTH),
        ("3201201234", InvalidComponent, Reason.INVALID_DATE),
        ("1904851232", InvalidChecksum, Reason.CHECKSUM),
    ],
)
def test_each_failure_has_its_typed_error_and_reason(
    value: str, error: type[ValidationError], reason: Reason
) -> None:
    with pytest.raises(error) as caught:
        chi_number.validate(value)
    assert caught.value.reason is reason
    assert caught.value.kind == "chi_number"
    assert not chi_number.is_valid(value)
    # format reformats without validating, as python-stdnum's does (issue 11).
    assert chi_number.compact(chi_number.format(value)) == chi_number.compact(value)


@pytest.mark.parametrize("value", [None, 1904851231, b"1904851231", 1904851231.0])
def test_non_str_input_is_refused(value: object) -> None:
    with pytest.raises(InvalidFormat) as caught:
        chi_number.validate(value)  # type: ignore[arg-type]
    assert caught.value.reason is Reason.NOT_A_STRING
    assert chi_number.is_valid(value) is False  # type: ignore[arg-type]


@given(payloads, st.integers(0, 9))
def test_messages_never_contain_the_number(payload: str, last: int) -> None:
    candidates = [f"{payload}{last}", f"32{payload[2:]}{last}", payload, f"{payload}{last}x"]
    for candidate in candidates:
        for mode in ("mod11_or_mod10", "mod11"):
            try:
                chi_number.validate(candidate, check_digit=mode)  # type: ignore[arg-type]
            except ValidationError as error:
                text = f"{error} {error!r} {error.args}"
                assert payload[:6] not in text
                assert re.search(r"\d{4,}", text) is None


# --------------------------------------------------------------------------- normalisation and display


@pytest.mark.parametrize(
    "value", ["1904851231", " 190485 1231 ", "190485-1231", "190-485-1231", "\t1904851231\n"]
)
def test_normalisation_and_unseparated_display(value: str) -> None:
    assert chi_number.compact(value) == "1904851231"
    assert chi_number.validate(value) == "1904851231"
    assert chi_number.format(value) == "1904851231"


def test_format_does_not_validate() -> None:
    """Issue 11: like python-stdnum's ``format``, the display form whatever the check digit."""
    assert chi_number.format("010120 1234") == "0101201234"
    with pytest.raises(InvalidChecksum):
        chi_number.validate("0101201234", check_digit="mod11")


# --------------------------------------------------------------------------- accessors


def test_parity_accessor_and_values() -> None:
    assert chi_number.sex_at_registration_parity("1904851231") is Parity.ODD
    assert chi_number.sex_at_registration_parity("2210741505") is Parity.EVEN
    assert CHINumber("2210741505").sex_at_registration_parity is Parity.EVEN
    assert {member.value for member in Parity} == {"odd", "even"}
    assert str(Parity.ODD) == "odd"
    assert Parity.EVEN == "even"


@given(st.one_of(mod11_valid, mod10_only))
def test_parity_is_the_parity_of_the_ninth_digit(number: str) -> None:
    expected = Parity.ODD if int(number[8]) % 2 else Parity.EVEN
    assert chi_number.sex_at_registration_parity(number) is expected
    assert CHINumber(number).sex_at_registration_parity is expected


def test_parity_is_never_a_sex_or_gender_label() -> None:
    labels = {"male", "female", "m", "f", "man", "woman", "unknown", "other"}
    assert not labels & {member.value.lower() for member in Parity}
    assert not labels & {member.name.lower() for member in Parity}


def test_embedded_date_parts_without_a_century() -> None:
    assert chi_number.embedded_date("1904851231") == EmbeddedDate(day=19, month=4, two_digit_year=85)
    assert chi_number.embedded_date("2902201230") == (29, 2, 20)
    assert chi_number.embedded_date("0101201234").two_digit_year == 20
    assert EmbeddedDate._fields == ("day", "month", "two_digit_year")
    with pytest.raises(InvalidComponent):
        chi_number.embedded_date("3201201234")


@given(st.one_of(mod11_valid, mod10_only))
def test_embedded_date_matches_the_first_six_digits(number: str) -> None:
    parts = CHINumber(number).embedded_date
    assert f"{parts.day:02d}{parts.month:02d}{parts.two_digit_year:02d}" == number[:6]
    assert chi_number.embedded_date(number) == parts


@given(mod11_valid)
def test_every_modulus_11_chi_is_an_nhs_number_in_the_scotland_block(number: str) -> None:
    assert nhs_number.issuing_block(number) is IssuingBlock.SCOTLAND_CHI


# --------------------------------------------------------------------------- value class


def test_value_class_behaviour() -> None:
    number = CHINumber.parse(" 190485-1231 ")
    assert number == CHINumber("1904851231")
    assert hash(number) == hash(CHINumber("1904851231"))
    assert number.compact == number.formatted == str(number) == "1904851231"
    assert repr(number) == "CHINumber('*** *** 1231')"
    assert "190485" not in repr(number)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        number.compact = "2210741505"  # type: ignore[misc]
    with pytest.raises(InvalidFormat) as caught:
        CHINumber("190485 1231")
    assert caught.value.reason is Reason.FORMAT
    with pytest.raises(InvalidComponent):
        CHINumber("3201201234")


def test_value_class_parse_modes() -> None:
    assert CHINumber.parse("0101201234") == CHINumber("0101201234")
    assert CHINumber.parse("1904851231", check_digit="mod11").check_digit_algorithm == "mod11"
    with pytest.raises(InvalidChecksum):
        CHINumber.parse("0101201234", check_digit="mod11")


def test_value_class_is_not_equal_to_an_nhs_number_with_the_same_digits() -> None:
    assert CHINumber("1904851231") != nhs_number.NHSNumber("1904851231")


def test_constants_and_metadata() -> None:
    assert chi_number.FHIR_SYSTEM == "urn:oid:2.16.840.1.113883.2.1.3.2.4.16.53"
    assert chi_number.OID == "2.16.840.1.113883.2.1.3.2.4.16.53"
    assert chi_number.HL7V2_ASSIGNING_AUTHORITY == "CHI"
    assert CHINumber.fhir_system == chi_number.FHIR_SYSTEM
    assert CHINumber.kind == chi_number.KIND == "chi_number"
    assert CHINumber.personal is True

"""Differential tests: NHS, CHI and H&C Numbers against python-stdnum and nhs-number.

Reference libraries: python-stdnum's ``stdnum.gb.nhs`` and nhs-number 2.2.0
(``nhs_number``, pinned in the ``test`` extra).  On ASCII input in the usual
written forms the three agree; every known disagreement
(``research/identifiers.md`` sections 2-4 and 11) has its own
``test_divergence_*`` test below that pins down what each side does, and the
agreement tests exclude exactly those cases -- nothing else.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import re
import sys
import unicodedata

import nhs_number as nhs_number_pkg
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from stdnum.gb import nhs as stdnum_nhs

from nhsstd.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, Reason
from nhsstd.identifiers import chi_number, hc_number
from nhsstd.identifiers import nhs_number as nhsstd_nhs
from nhsstd.identifiers.nhs_number import IssuingBlock

SCOTLAND = nhs_number_pkg.REGION_SCOTLAND
NORTHERN_IRELAND = nhs_number_pkg.REGION_NORTHERN_IRELAND

# --------------------------------------------------------------------------- oracles and strategies


def mod11_check(payload: str) -> int | None:
    check = 11 - sum((10 - i) * int(d) for i, d in enumerate(payload)) % 11
    return {11: 0, 10: None}.get(check, check)


def luhn_check(payload: str) -> int:
    total = 0
    for index, char in enumerate(payload):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10


def is_real_ddmmyy(six: str) -> bool:
    try:
        datetime.date(2000 + int(six[4:6]), int(six[2:4]), int(six[0:2]))
    except ValueError:
        return False
    return True


def pkg_date_checks_and_rejects(digits: str) -> bool:
    """nhs-number 2.2.0 date-checks its Scotland range 0100000000-3112999999."""
    return 100_000_000 <= int(digits) <= 3_112_999_999 and not is_real_ddmmyy(digits[:6])


def is_mod10_only(digits: str) -> bool:
    return int(digits[9]) == luhn_check(digits[:9]) != mod11_check(digits[:9])


def pkg_accepts_shape(text: str) -> bool:
    """The shapes nhs-number accepts after ``str.strip()`` (ASCII digits here)."""
    return re.fullmatch(r"[0-9]{3}([ -]?)[0-9]{3}\1[0-9]{4}", text.strip()) is not None


def with_check_digit(first_nine: int) -> str:
    payload = f"{first_nine:09d}"
    return f"{payload}{mod11_check(payload)}"


def issuable(low: int, high: int) -> st.SearchStrategy[str]:
    return (
        st.integers(low, high)
        .filter(lambda value: mod11_check(f"{value:09d}") is not None)
        .map(with_check_digit)
    )


ASCII_WHITESPACE = " \t\n\r\f\v"
ten_digits = st.text("0123456789", min_size=10, max_size=10)
valid_nhs = issuable(0, 999_999_999)
nhs_candidates = st.one_of(ten_digits, valid_nhs)
pads = st.text(ASCII_WHITESPACE, max_size=3)
separators = st.sampled_from(["", " ", "-"])

chi_payloads = st.builds(
    lambda day, rest: day.strftime("%d%m%y") + rest,
    st.dates(datetime.date(1969, 1, 1), datetime.date(2068, 12, 31)),
    st.text("0123456789", min_size=3, max_size=3),
)
chi_candidates = st.one_of(
    ten_digits,
    chi_payloads.filter(lambda p: mod11_check(p) is not None).map(lambda p: f"{p}{mod11_check(p)}"),
    chi_payloads.map(lambda p: f"{p}{luhn_check(p)}"),
    st.builds(lambda p, last: f"{p}{last}", chi_payloads, st.integers(0, 9)),
)
hc_candidates = st.one_of(
    ten_digits,
    issuable(300_000_000, 420_000_000),
    issuable(319_999_000, 320_001_000),
    issuable(399_999_000, 400_001_000),
)


def three_three_four(digits: str, separator: str) -> str:
    return f"{digits[:3]}{separator}{digits[3:6]}{separator}{digits[6:]}"


@st.composite
def sprinkled(draw: st.DrawFn, digits: st.SearchStrategy[str]) -> str:
    """Digits with ASCII spaces and hyphens inserted at arbitrary positions."""
    text = draw(digits)
    for _ in range(draw(st.integers(0, 4))):
        position = draw(st.integers(0, len(text)))
        text = text[:position] + draw(st.sampled_from([" ", "-", "  ", "--", " - "])) + text[position:]
    return text


printable_ascii = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=14)


@st.composite
def one_char_spliced(draw: st.DrawFn) -> str:
    text = draw(valid_nhs)
    position = draw(st.integers(0, 10))
    return text[:position] + draw(st.characters(min_codepoint=0x20, max_codepoint=0x7E)) + text[position:]


@st.composite
def ascii_candidates(draw: st.DrawFn) -> str:
    """ASCII input: ASCII-whitespace padding around digits/separators/printable junk."""
    core = draw(st.one_of(sprinkled(nhs_candidates), printable_ascii, one_char_spliced()))
    return draw(pads) + core + draw(pads)


def test_reference_library_versions() -> None:
    # The divergences below were established against these releases.
    assert importlib.metadata.version("nhs-number") == "2.2.0"
    assert importlib.metadata.version("python-stdnum").split(".")[0] == "2"


# --------------------------------------------------------------------------- agreement


@given(ascii_candidates())
@example("943-476-5870")
@example("9434765871")
@example(" 987 654 3210 ")
@example("9 8 7 6 5 4 3 2 1 0")
def test_nhs_number_agrees_with_stdnum_on_ascii_input(text: str) -> None:
    ours = nhsstd_nhs.is_valid(text)
    assert ours is stdnum_nhs.is_valid(text)
    if ours:
        assert nhsstd_nhs.validate(text) == stdnum_nhs.validate(text)
        assert nhsstd_nhs.format(text) == stdnum_nhs.format(text)
        assert nhsstd_nhs.compact(text) == stdnum_nhs.compact(text)


@given(nhs_candidates, separators, pads, pads)
@example("9876543210", " ", "", "")
@example("4000000632", "-", "\t", "\n")
def test_nhs_number_agrees_with_nhs_number_package_on_its_accepted_shapes(
    digits: str, separator: str, left: str, right: str
) -> None:
    assume(not pkg_date_checks_and_rejects(digits))  # test_divergence_..._date_checks_the_scotland_block
    text = left + three_three_four(digits, separator) + right
    ours = nhsstd_nhs.is_valid(text)
    assert ours is nhs_number_pkg.is_valid(text)
    if ours:
        assert nhsstd_nhs.validate(text) == nhs_number_pkg.standardise_format(text) == digits


@given(chi_candidates, separators, pads, pads)
@example("1904851231", "", "", "")
@example("2902191230", "", "", "")
@example("0000000000", "", "", "")
def test_chi_legacy_mode_agrees_with_nhs_number_package_scotland_region(
    digits: str, separator: str, left: str, right: str
) -> None:
    text = left + three_three_four(digits, separator) + right
    ours = chi_number.is_valid(text, check_digit="mod11")
    assert ours is nhs_number_pkg.is_valid(text, for_region=SCOTLAND)


@given(chi_candidates)
@example("1904851231")
@example("2210741505")
@example("0101201233")
def test_chi_default_mode_agrees_with_nhs_number_package_except_modulus_10(digits: str) -> None:
    assume(not is_mod10_only(digits))  # test_divergence_chi_modulus_10_...
    assert chi_number.is_valid(digits) is nhs_number_pkg.is_valid(digits, for_region=SCOTLAND)


@given(hc_candidates, separators, pads, pads)
@example("3462950622", "", "", "")
@example("3588061231", " ", "", "")
@example("3908173428", "", "", "")
@example("9990215189", "", "", "")
@example("3200000015", "", "", "")
@example("3999999993", "", "", "")
def test_hc_number_agrees_with_nhs_number_package_northern_ireland_region(
    digits: str, separator: str, left: str, right: str
) -> None:
    assume(not digits.startswith("320000000"))  # test_divergence_northern_ireland_lower_bound_...
    text = left + three_three_four(digits, separator) + right
    assert hc_number.is_valid(text) is nhs_number_pkg.is_valid(text, for_region=NORTHERN_IRELAND)


@pytest.mark.parametrize("text", ["\t9876543210", "9876543210\n", "\r\n987 654 3210\t", "\v\f987-654-3210 "])
def test_ascii_whitespace_at_the_ends_is_stripped_by_all_three(text: str) -> None:
    assert nhsstd_nhs.validate(text) == "9876543210"
    assert stdnum_nhs.validate(text) == "9876543210"
    assert nhs_number_pkg.is_valid(text)


# --------------------------------------------------------------------------- divergences


@pytest.mark.parametrize(
    "text",
    [
        "987 654 32 10",
        "987  654  3210",
        "9876 543 210",
        "987 654-3210",
        "-9876543210",
        "98765-43210",
        "987 6543210",
    ],
)
def test_divergence_irregular_ascii_spacing_is_rejected_only_by_nhs_number_package(text: str) -> None:
    assert nhsstd_nhs.validate(text) == "9876543210"
    assert stdnum_nhs.validate(text) == "9876543210"
    assert nhs_number_pkg.is_valid(text) is False


@given(sprinkled(issuable(400_000_000, 999_999_999)))
def test_divergence_irregular_ascii_spacing_property(text: str) -> None:
    # Outside the Scotland block, so only the shape decides for nhs-number.
    assert nhsstd_nhs.is_valid(text)
    assert stdnum_nhs.is_valid(text)
    assert nhs_number_pkg.is_valid(text) is pkg_accepts_shape(text)


def _digit_scripts() -> list[str]:
    """9876543210 spelt in every Unicode decimal-digit script other than ASCII."""
    zeros = [
        code
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) == "Nd" and unicodedata.digit(chr(code)) == 0 and code != 0x30
    ]
    return ["".join(chr(zero + int(d)) for d in "9876543210") for zero in zeros]


@pytest.mark.parametrize("text", _digit_scripts(), ids=lambda text: unicodedata.name(text[-1]))
def test_divergence_non_ascii_digits_are_accepted_by_nhs_number_package(text: str) -> None:
    with pytest.raises(InvalidFormat) as caught:
        nhsstd_nhs.validate(text)
    assert caught.value.reason is Reason.INVALID_CHARACTER
    assert nhs_number_pkg.is_valid(text) is True
    # ...and nhs-number hands the non-ASCII digits back as its "standard" form.
    assert nhs_number_pkg.standardise_format(text) == text


@pytest.mark.parametrize(
    ("zero", "stdnum_accepts"),
    [
        (0xFF10, True),  # FULLWIDTH: python-stdnum maps to ASCII
        (0x1D7CE, True),  # MATHEMATICAL BOLD: mapped
        (0x1D7F6, True),  # MATHEMATICAL MONOSPACE: mapped
        (0x0660, False),  # ARABIC-INDIC: not mapped
        (0x0966, False),  # DEVANAGARI (the vectors' example): not mapped
    ],
)
def test_divergence_non_ascii_digits_in_stdnum(zero: int, stdnum_accepts: bool) -> None:
    text = "".join(chr(zero + int(d)) for d in "9876543210")
    assert nhsstd_nhs.is_valid(text) is False
    assert stdnum_nhs.is_valid(text) is stdnum_accepts
    if stdnum_accepts:
        assert stdnum_nhs.validate(text) == "9876543210"
    assert nhs_number_pkg.is_valid(text) is True


@pytest.mark.parametrize(
    "separator",
    list("\u00a0\u2007\u2009\u202f\u3000\u2013\u2014\u2010\u2011\u2212\uff0d"),
    ids=unicodedata.name,
)
def test_divergence_nbsp_and_dash_look_alike_separators_are_accepted_by_stdnum(separator: str) -> None:
    text = three_three_four("9876543210", separator)
    with pytest.raises(InvalidFormat) as caught:
        nhsstd_nhs.validate(text)
    assert caught.value.reason is Reason.INVALID_CHARACTER
    assert stdnum_nhs.validate(text) == "9876543210"
    assert nhs_number_pkg.is_valid(text) is False


def test_divergence_nhs_number_package_date_checks_the_scotland_block() -> None:
    # 2222222222 passes Modulus 11 (a repdigit) but 22/22/22 is not a date.
    assert nhsstd_nhs.validate("2222222222") == "2222222222"
    assert nhsstd_nhs.issuing_block("2222222222") is IssuingBlock.SCOTLAND_CHI
    assert stdnum_nhs.is_valid("2222222222") is True
    assert nhs_number_pkg.is_valid("2222222222") is False
    with pytest.raises(InvalidComponent) as caught:
        chi_number.validate("2222222222")
    assert caught.value.reason is Reason.INVALID_DATE
    # 11/11/11 is a real date, so the package accepts that repdigit...
    assert nhs_number_pkg.is_valid("1111111111") is True
    # ...and below its Scotland range (0100000000) it does not date-check at all.
    assert nhs_number_pkg.is_valid("0000000000") is True
    assert nhsstd_nhs.is_valid("0000000000") is True


@given(issuable(10_000_000, 311_299_999).filter(lambda digits: not is_real_ddmmyy(digits[:6])))
def test_divergence_scotland_block_date_check_property(digits: str) -> None:
    assert nhsstd_nhs.is_valid(digits)
    assert stdnum_nhs.is_valid(digits)
    assert nhs_number_pkg.is_valid(digits) is False
    assert not chi_number.is_valid(digits)


def test_divergence_northern_ireland_lower_bound_3200000007() -> None:
    assert nhs_number_pkg.is_valid("3200000007", for_region=NORTHERN_IRELAND) is True
    with pytest.raises(InvalidComponent) as caught:
        hc_number.validate("3200000007")
    assert caught.value.reason is Reason.OUT_OF_RANGE
    # As an NHS Number it is valid everywhere; its block is unreserved here.
    assert nhsstd_nhs.issuing_block("3200000007") is IssuingBlock.UNRESERVED
    assert stdnum_nhs.is_valid("3200000007") is True
    assert nhs_number_pkg.is_valid("3200000007") is True
    # 3200000007 is the only Modulus-11-valid number with first nine 320000000.
    assert [last for last in "0123456789" if nhs_number_pkg.is_valid("320000000" + last)] == ["7"]


def test_divergence_chi_modulus_10_0101201234() -> None:
    assert chi_number.validate("0101201234") == "0101201234"
    assert chi_number.check_digit_algorithm("0101201234") == "mod10"
    assert chi_number.is_valid("0101201234", check_digit="mod11") is False
    assert nhs_number_pkg.is_valid("0101201234", for_region=SCOTLAND) is False
    assert nhs_number_pkg.is_valid("0101201234") is False
    assert stdnum_nhs.is_valid("0101201234") is False


@given(chi_payloads.filter(lambda p: luhn_check(p) != mod11_check(p)).map(lambda p: f"{p}{luhn_check(p)}"))
def test_divergence_chi_modulus_10_property(digits: str) -> None:
    assert chi_number.check_digit_algorithm(digits) == "mod10"
    assert chi_number.is_valid(digits, check_digit="mod11") is False
    assert nhs_number_pkg.is_valid(digits, for_region=SCOTLAND) is False


@pytest.mark.parametrize(
    "end",
    ["\u00a0", "\u2028", "\u2029", "\u3000", "\u0085", "\u2003", "\x1c", "\x1d", "\x1e", "\x1f"],
    ids=lambda char: f"U+{ord(char):04X}",
)
def test_divergence_unicode_whitespace_at_the_ends_is_stripped_by_both_libraries(end: str) -> None:
    # Python's str.strip() also treats the ASCII information separators
    # U+001C-U+001F as whitespace; our policy strips only space, TAB, LF, CR, FF, VT.
    for text in (end + "9876543210", "9876543210" + end, end + "987 654 3210" + end):
        with pytest.raises(InvalidFormat) as caught:
            nhsstd_nhs.validate(text)
        assert caught.value.reason is Reason.INVALID_CHARACTER
        assert stdnum_nhs.validate(text) == "9876543210"
        assert nhs_number_pkg.is_valid(text) is True
    assert not chi_number.is_valid(end + "1904851231")
    assert not hc_number.is_valid(end + "3462950622")


@pytest.mark.parametrize("text", ["-\t9876543210", "9876543210\n-", " -\r987 654 3210- \f", "-\v-9876543210"])
def test_divergence_stdnum_strips_whitespace_uncovered_by_removing_hyphens(text: str) -> None:
    # python-stdnum deletes spaces and hyphens *before* stripping, so a TAB/LF
    # hidden behind an outer hyphen still counts as an end; we strip first.
    with pytest.raises(InvalidFormat) as caught:
        nhsstd_nhs.validate(text)
    assert caught.value.reason is Reason.INVALID_CHARACTER
    assert stdnum_nhs.validate(text) == "9876543210"
    assert nhs_number_pkg.is_valid(text) is False


@pytest.mark.parametrize(("value", "padded"), [(9876543210, "9876543210"), (101000006, "0101000006")])
def test_divergence_integer_input_is_zero_padded_only_by_nhs_number_package(value: int, padded: str) -> None:
    assert nhs_number_pkg.is_valid(value) is True  # type: ignore[arg-type]
    assert nhs_number_pkg.standardise_format(value) == padded
    assert stdnum_nhs.is_valid(value) is False  # type: ignore[arg-type]
    assert nhsstd_nhs.is_valid(value) is False  # type: ignore[arg-type]
    with pytest.raises(InvalidFormat) as caught:
        nhsstd_nhs.validate(value)  # type: ignore[arg-type]
    assert caught.value.reason is Reason.NOT_A_STRING
    assert nhsstd_nhs.from_int(value) == padded


def test_divergence_check_value_ten_reason_is_ours_alone() -> None:
    # All three reject 1234567890; only nhsstd says why (check value 10).
    assert stdnum_nhs.is_valid("1234567890") is False
    assert nhs_number_pkg.is_valid("1234567890") is False
    with pytest.raises(InvalidChecksum) as caught:
        nhsstd_nhs.validate("1234567890")
    assert caught.value.reason is Reason.CHECK_DIGIT_TEN

"""GMP codes: G + DIN + NHSBSA 1-3-7 check digit.

The oracle below follows the NHSBSA wording literally (keep the last digit of
each product, add, keep the last digit of the total), independently of
``nhsstd.identifiers._checksums.check_digit_137``.
"""

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
from nhsstd.identifiers import gmp_code
from nhsstd.identifiers.gmp_code import GMPCode


def oracle_check(din: str) -> int:
    products = [int(digit) * weight for digit, weight in zip(din, (1, 3, 7, 1, 3, 7), strict=True)]
    return sum(product % 10 for product in products) % 10


def reason_of(value: object) -> Reason:
    with pytest.raises(ValidationError) as caught:
        gmp_code.validate(value)  # type: ignore[arg-type]
    assert caught.value.kind == "gmp_code"
    return caught.value.reason


dins = st.text("0123456789", min_size=6, max_size=6)


@pytest.mark.parametrize("value", ["G1234569", "G9999998", "G0000000", "G2468107", "G5555550"])
def test_valid_examples(value: str) -> None:
    assert gmp_code.validate(value) == value
    assert gmp_code.format(value) == value


def test_brief_example_g1234567_fails_the_check_digit() -> None:
    # Used as an example in third-party FHIR test data; DIN 123456 needs 9.
    assert reason_of("G1234567") is Reason.CHECKSUM
    with pytest.raises(InvalidChecksum):
        gmp_code.validate("G1234567")


def test_brief_example_g9999999_fails_the_check_digit() -> None:
    # Seen in a public FHIR Patient.generalPractitioner example; DIN 999999 needs 8.
    assert reason_of("G9999999") is Reason.CHECKSUM


def test_check_digit_is_the_units_digit_not_ten_minus_it() -> None:
    # DIN 123456: 1 + 6 + 21 + 4 + 15 + 42 = 89 -> 9 (10 - 9 would be 1).
    assert gmp_code.build("123456") == "G1234569"
    assert not gmp_code.is_valid("G1234561")


@given(dins)
def test_exactly_one_check_digit_is_accepted(din: str) -> None:
    accepted = [d for d in "0123456789" if gmp_code.is_valid(f"G{din}{d}")]
    assert accepted == [str(oracle_check(din))]
    assert gmp_code.build(din) == f"G{din}{oracle_check(din)}"


@given(dins, st.data())
def test_single_digit_errors_in_the_din_are_detected(din: str, data: st.DataObject) -> None:
    code = gmp_code.build(din)
    position = data.draw(st.integers(1, 6))
    replacement = data.draw(st.sampled_from([d for d in "0123456789" if d != code[position]]))
    changed = code[:position] + replacement + code[position + 1 :]
    # Weights 1, 3 and 7 are coprime to 10, so every substitution changes the check.
    assert reason_of(changed) is Reason.CHECKSUM


def test_vector_with_consultant_prefix_is_an_invalid_prefix() -> None:
    assert reason_of("C2468100") is Reason.INVALID_PREFIX
    with pytest.raises(InvalidComponent):
        gmp_code.validate("C2468100")


@pytest.mark.parametrize("value", ["D3345122", "X1234569", "11234569"])
def test_other_prefixes(value: str) -> None:
    assert reason_of(value) is Reason.INVALID_PREFIX


@pytest.mark.parametrize("value", ["G12345A9", "GG234569", "G123456X"])
def test_letters_after_the_prefix(value: str) -> None:
    assert reason_of(value) is Reason.FORMAT
    with pytest.raises(InvalidFormat):
        gmp_code.validate(value)


@pytest.mark.parametrize("value", ["G123456", "G12345690", "G", "123456"])
def test_length(value: str) -> None:
    assert reason_of(value) is Reason.LENGTH
    with pytest.raises(InvalidLength):
        gmp_code.validate(value)


@pytest.mark.parametrize("value", ["G 1234569", "G-1234569", "G１２３４５６９", "G123456\u0669", "G1234569."])
def test_invalid_characters(value: str) -> None:
    assert reason_of(value) is Reason.INVALID_CHARACTER


def test_empty() -> None:
    assert reason_of(" ") is Reason.EMPTY


def test_normalisation() -> None:
    assert gmp_code.compact(" g1234569\t") == "G1234569"
    assert gmp_code.validate("g1234569") == "G1234569"
    assert gmp_code.compact("G 1234569") == "G 1234569"


def test_second_character_is_not_restricted() -> None:
    # A programme profile's regex excludes 6 and 7 (and its prose 0); the DD does not.
    for second in "0123456789":
        assert gmp_code.is_valid(gmp_code.build(second + "12345"))


@pytest.mark.parametrize("value", ["12345", "1234567", "12345A", "", " 12345 6"])
def test_build_refuses_bad_dins(value: str) -> None:
    with pytest.raises(ValidationError):
        gmp_code.build(value)


def test_build_strips_and_requires_str() -> None:
    assert gmp_code.build(" 123456 ") == "G1234569"
    with pytest.raises(InvalidFormat) as caught:
        gmp_code.build(123456)  # type: ignore[arg-type]
    assert caught.value.reason is Reason.NOT_A_STRING


def test_constants() -> None:
    assert gmp_code.FHIR_SYSTEM == "https://fhir.hl7.org.uk/Id/gmp-number"
    assert gmp_code.OID == "2.16.840.1.113883.2.1.3.2.4.16.62"
    assert gmp_code.HL7V2_ASSIGNING_AUTHORITY == "GMP"
    assert gmp_code.FHIR_SYSTEM_DIN == "https://fhir.hl7.org.uk/Id/din-number"
    assert gmp_code.FHIR_SYSTEM_WRONG == "https://fhir.nhs.uk/Id/gmp-number"


def test_value_class() -> None:
    parsed = GMPCode.parse(" g2468107 ")
    assert parsed == GMPCode("G2468107")
    assert hash(parsed) == hash(GMPCode("G2468107"))
    assert parsed.din == "246810"
    assert parsed.check_digit == 7
    assert str(parsed) == "G2468107"
    assert repr(parsed) == "GMPCode('G2468107')"
    assert parsed.fhir_system == gmp_code.FHIR_SYSTEM
    assert parsed.personal is False
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        parsed.compact = "G1234569"  # type: ignore[misc]
    with pytest.raises(InvalidChecksum):
        GMPCode("G1234567")

"""ODS organisation and site codes: format rule, normalisation, pattern hints."""

from __future__ import annotations

import re

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nhsstd.exceptions import InvalidFormat, InvalidLength, Reason, ValidationError
from nhsstd.identifiers import ods_code
from nhsstd.identifiers.ods_code import CodePattern, ODSCode

ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def reason_of(value: object) -> Reason:
    with pytest.raises(ValidationError) as caught:
        ods_code.validate(value)  # type: ignore[arg-type]
    assert caught.value.kind == "ods_code"
    return caught.value.reason


@pytest.mark.parametrize(
    "value",
    ["8HA03", "LSP01", "EE134290", "TAK", "LSP0101", "TAK01", "RH802", "7A101", "000AA", "A81001", "7A4",
     "B82005", "RR8", "RR801", "00Q"],
)  # fmt: skip
def test_data_dictionary_examples_are_valid(value: str) -> None:
    assert ods_code.validate(value) == value
    assert ods_code.format(value) == value
    assert ODSCode.parse(value).compact == value


@pytest.mark.parametrize(
    ("value", "expected"), [(" rr8 ", "RR8"), ("\ta81001\n", "A81001"), ("Lsp0101", "LSP0101")]
)
def test_strip_and_upper_case(value: str, expected: str) -> None:
    assert ods_code.compact(value) == expected
    assert ods_code.validate(value) == expected


def test_length_boundaries() -> None:
    assert reason_of("RR") is Reason.LENGTH
    assert ods_code.is_valid("RR8")
    assert ods_code.is_valid("ABCDE1234")  # nine: longest site frame
    assert reason_of("ABCDE12345") is Reason.LENGTH
    with pytest.raises(InvalidLength):
        ods_code.validate("A")


@pytest.mark.parametrize(
    "value",
    ["R$8", "RR 8", "RR-8", "RR8.", "RR\u00a08", "RÉ8", "ＲＲ８", "RR\u0668", "ßA1", "RR8\x00", "RR\t801"],
)
def test_invalid_characters(value: str) -> None:
    assert reason_of(value) is Reason.INVALID_CHARACTER
    with pytest.raises(InvalidFormat):
        ods_code.validate(value)


def test_only_ascii_letters_are_upper_cased() -> None:
    # str.upper() would turn "ß" into "SS" and make this a valid-looking code.
    assert ods_code.compact("ßa1") == "ßA1"
    assert not ods_code.is_valid("ßa1")


def test_inner_whitespace_is_not_removed() -> None:
    assert ods_code.compact(" RR 8 ") == "RR 8"
    assert not ods_code.is_valid("RR 8")


@pytest.mark.parametrize("value", ["", " ", "\r\n"])
def test_empty(value: str) -> None:
    assert reason_of(value) is Reason.EMPTY


@given(st.text(ALNUM + "abcxyz", min_size=3, max_size=9))
def test_any_three_to_nine_ascii_alphanumerics_are_valid(value: str) -> None:
    assert ods_code.validate(value) == value.upper()


@pytest.mark.parametrize(
    ("value", "pattern"),
    [
        ("A81001", CodePattern.GP_PRACTICE_PATTERN),
        ("B82005", CodePattern.GP_PRACTICE_PATTERN),
        ("R12345", CodePattern.GP_PRACTICE_PATTERN),
        ("RR8", CodePattern.NHS_TRUST),
        ("R1A", CodePattern.NHS_TRUST),
        ("RH802", CodePattern.NHS_TRUST_SITE),
        ("RR801", CodePattern.NHS_TRUST_SITE),
        ("7A4", CodePattern.OTHER),
        ("00Q", CodePattern.OTHER),
        ("8HA03", CodePattern.OTHER),
        ("EE134290", CodePattern.OTHER),
        ("AB1234", CodePattern.OTHER),
        ("RR8012", CodePattern.OTHER),
    ],
)
def test_code_pattern(value: str, pattern: CodePattern) -> None:
    assert ods_code.code_pattern(value) is pattern
    assert ods_code.code_pattern(value.lower()) is pattern
    assert ODSCode.parse(value).code_pattern is pattern


@given(st.text(ALNUM, min_size=3, max_size=9))
def test_code_pattern_matches_the_documented_regexes(value: str) -> None:
    expected = {
        CodePattern.GP_PRACTICE_PATTERN: re.fullmatch(r"[A-Z][0-9]{5}", value),
        CodePattern.NHS_TRUST: re.fullmatch(r"R[A-Z0-9]{2}", value),
        CodePattern.NHS_TRUST_SITE: re.fullmatch(r"R[A-Z0-9]{4}", value),
    }
    matched = [pattern for pattern, match in expected.items() if match]
    assert len(matched) <= 1  # the hints are disjoint
    assert ods_code.code_pattern(value) is (matched[0] if matched else CodePattern.OTHER)


def test_code_pattern_validates_first() -> None:
    with pytest.raises(ValidationError):
        ods_code.code_pattern("R$8")


def test_fhir_constants() -> None:
    assert ods_code.FHIR_SYSTEM == "https://fhir.nhs.uk/Id/ods-organization-code"
    assert ods_code.FHIR_SYSTEM_SITE == "https://fhir.nhs.uk/Id/ods-site-code"
    assert ods_code.FHIR_SYSTEM_ORGANISATION_MISSPELT == "https://fhir.nhs.uk/Id/ods-organisation-code"
    assert {
        ods_code.FHIR_SYSTEM,
        ods_code.FHIR_SYSTEM_ORGANISATION_MISSPELT,
    } == ods_code.ORGANISATION_SYSTEMS_READ
    assert ods_code.OID == "2.16.840.1.113883.2.1.3.2.4.18.48"
    assert ODSCode.fhir_system == ods_code.FHIR_SYSTEM


def test_value_class() -> None:
    parsed = ODSCode.parse(" rh802 ")
    assert parsed == ODSCode("RH802")
    assert hash(parsed) == hash(ODSCode("RH802"))
    assert str(parsed) == "RH802"
    assert repr(parsed) == "ODSCode('RH802')"
    assert parsed.personal is False
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        parsed.compact = "RR8"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        ODSCode("rh802")  # not in compact form

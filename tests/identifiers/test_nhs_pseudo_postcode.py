"""NHS pseudo-postcodes (ZZ99): pattern, named table, renderings, relation to postcodes."""

from __future__ import annotations

import string

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from nhsstd.exceptions import InvalidFormat, InvalidLength, Reason, ValidationError
from nhsstd.identifiers import nhs_pseudo_postcode, postcode
from nhsstd.identifiers.nhs_pseudo_postcode import NHSPseudoPostcode

pseudo_postcodes = st.builds(
    lambda digit, letter: f"ZZ99{digit}{letter}Z",
    st.sampled_from(string.digits),
    st.sampled_from(string.ascii_uppercase),
)

# research/identifiers.md section 8 (HES list and the Data Dictionary example).
NAMED = {
    "ZZ99 3CZ": "England, Great Britain or United Kingdom (not otherwise stated)",
    "ZZ99 3VZ": "No fixed abode",
    "ZZ99 3WZ": "Not known",
    "ZZ99 2WZ": "Northern Ireland",
    "ZZ99 1WZ": "Scotland",
    "ZZ99 3GZ": "Wales",
    "ZZ99 6CZ": "India",
}


@pytest.mark.parametrize(("written", "label"), NAMED.items())
def test_named_pseudo_postcodes(written: str, label: str) -> None:
    compact = written.replace(" ", "")
    assert nhs_pseudo_postcode.validate(written) == compact
    assert nhs_pseudo_postcode.format(compact) == written
    assert nhs_pseudo_postcode.meaning(written) == label
    parsed = NHSPseudoPostcode.parse(written.lower())
    assert parsed.meaning == label
    assert parsed.is_no_fixed_abode is (written == "ZZ99 3VZ")
    assert parsed.is_not_known is (written == "ZZ99 3WZ")


def test_table_holds_exactly_the_named_codes() -> None:
    assert dict(nhs_pseudo_postcode.MEANINGS) == {k.replace(" ", ""): v for k, v in NAMED.items()}
    assert nhs_pseudo_postcode.NO_FIXED_ABODE == "ZZ993VZ"
    assert nhs_pseudo_postcode.NOT_KNOWN == "ZZ993WZ"
    with pytest.raises(TypeError):
        nhs_pseudo_postcode.MEANINGS["ZZ999ZZ"] = "changed"  # type: ignore[index]


@given(value=pseudo_postcodes)
def test_every_code_of_the_pattern_is_valid(value: str) -> None:
    parsed = NHSPseudoPostcode.parse(value)
    assert parsed.compact == value
    assert parsed.outward == "ZZ99"
    assert parsed.inward == value[4:]
    assert parsed.formatted == f"ZZ99 {value[4:]}"
    assert parsed.meaning == nhs_pseudo_postcode.MEANINGS.get(value)
    # ... and never a Royal Mail postcode.
    assert not postcode.is_valid(value)


def test_country_codes_outside_the_table_have_no_meaning() -> None:
    assert nhs_pseudo_postcode.meaning("ZZ99 9XZ") is None
    assert NHSPseudoPostcode.parse("ZZ99 4AZ").meaning is None


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", Reason.EMPTY),
        ("  ", Reason.EMPTY),
        ("ZZ99 3V", Reason.LENGTH),
        ("ZZ99 3VZZ", Reason.LENGTH),
        ("ZZ99", Reason.LENGTH),
        ("ZZ99 3VA", Reason.FORMAT),  # must end in Z
        ("ZZ98 3VZ", Reason.FORMAT),
        ("ZY99 3VZ", Reason.FORMAT),
        ("ZZ99 AVZ", Reason.FORMAT),  # digit first in the inward code
        ("ZZ99 33Z", Reason.FORMAT),  # then a letter
        ("SW1A 1AA", Reason.FORMAT),  # a Royal Mail postcode is not a pseudo-postcode
        ("ZZ99\t3VZ", Reason.INVALID_CHARACTER),
        ("ZZ99\u00a03VZ", Reason.INVALID_CHARACTER),
        ("ZZ99-3VZ", Reason.INVALID_CHARACTER),
        ("ZZ99 ３VZ", Reason.INVALID_CHARACTER),
        ("ZZ99 3VZ\u00a0", Reason.INVALID_CHARACTER),
    ],
)
def test_invalid(value: str, reason: Reason) -> None:
    expected_class = InvalidLength if reason in (Reason.LENGTH, Reason.EMPTY) else InvalidFormat
    with pytest.raises(expected_class) as caught:
        nhs_pseudo_postcode.validate(value)
    assert caught.value.reason is reason
    assert caught.value.kind == "nhs_pseudo_postcode"
    assert not nhs_pseudo_postcode.is_valid(value)
    if value.strip():
        assert value.strip() not in str(caught.value)


@pytest.mark.parametrize("value", [None, 993, b"ZZ993VZ"])
def test_non_str(value: object) -> None:
    for function in (
        nhs_pseudo_postcode.compact,
        nhs_pseudo_postcode.validate,
        nhs_pseudo_postcode.format,
        nhs_pseudo_postcode.meaning,
        nhs_pseudo_postcode.pc7,
    ):
        with pytest.raises(InvalidFormat) as caught:
            function(value)  # type: ignore[arg-type]
        assert caught.value.reason is Reason.NOT_A_STRING
    assert nhs_pseudo_postcode.is_valid(value) is False  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [" zz99 3vz ", "ZZ993VZ", "Z Z 9 9 3 V Z", "\tzZ99  3Vz\n"])
def test_normalisation(value: str) -> None:
    assert nhs_pseudo_postcode.compact(value) == "ZZ993VZ"
    assert nhs_pseudo_postcode.validate(value) == "ZZ993VZ"


@given(value=st.text(string.ascii_letters + string.digits + " \t\u00a0ß", max_size=12))
@example(value="zz99 3vz")
@example(value=" straße ")
def test_normalisation_matches_the_postcode_module(value: str) -> None:
    assert nhs_pseudo_postcode.compact(value) == postcode.compact(value)


@given(value=pseudo_postcodes)
def test_renderings(value: str) -> None:
    parsed = NHSPseudoPostcode(value)
    assert parsed.pc7 == nhs_pseudo_postcode.pc7(value) == value
    assert len(parsed.pc7) == 7
    assert parsed.pc8 == nhs_pseudo_postcode.pc8(value) == parsed.formatted
    assert parsed.hes == nhs_pseudo_postcode.hes(value)
    assert len(parsed.hes) == 8
    assert parsed.hes[5:] == parsed.inward  # inward code from character 6
    # Same definitions as for a 7-character Royal Mail postcode.
    assert parsed.pc7 == parsed.outward.ljust(4) + parsed.inward
    assert parsed.hes == parsed.outward.ljust(5) + parsed.inward
    for form in (parsed.pc7, parsed.pc8, parsed.hes):
        assert NHSPseudoPostcode.parse(form) == parsed


def test_renderings_validate_first() -> None:
    for function in (nhs_pseudo_postcode.pc7, nhs_pseudo_postcode.pc8, nhs_pseudo_postcode.hes):
        with pytest.raises(ValidationError):
            function("SW1A 1AA")


def test_value_class_behaviour() -> None:
    value = NHSPseudoPostcode.parse("zz99 3vz")
    assert value == NHSPseudoPostcode("ZZ993VZ")
    assert hash(value) == hash(NHSPseudoPostcode("ZZ993VZ"))
    assert value != NHSPseudoPostcode("ZZ993WZ")
    assert str(value) == "ZZ99 3VZ"
    assert repr(value) == "NHSPseudoPostcode('ZZ99 3VZ')"
    assert (value.kind, value.fhir_system, value.personal) == ("nhs_pseudo_postcode", None, False)
    for not_compact in ("ZZ99 3VZ", "zz993vz", "ZZ993VA"):
        with pytest.raises(InvalidFormat):
            NHSPseudoPostcode(not_compact)


@given(value=st.text(string.ascii_uppercase + string.digits + " ", max_size=9))
def test_no_value_is_both_kinds(value: str) -> None:
    assert not (postcode.is_valid(value) and nhs_pseudo_postcode.is_valid(value))

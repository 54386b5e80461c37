"""Mappings between code lists: every row, and the mappings that must not exist."""

from __future__ import annotations

import inspect

import pytest

from nhsstd import codes
from nhsstd.codes import (
    ADMINISTRATIVE_GENDER_TO_STATED_GENDER,
    PERSON_GENDER_CODE_TO_STATED_GENDER,
    STATED_GENDER_TO_ADMINISTRATIVE_GENDER,
    AdministrativeGender,
    GenderIdentityCode,
    PersonGenderCode,
    PersonPhenotypicSex,
    PersonStatedGenderCode,
    UnknownCodeError,
    administrative_gender_to_stated_gender,
    person_gender_code_to_stated_gender,
    stated_gender_to_administrative_gender,
)
from nhsstd.identifiers.chi_number import CHINumber, Parity

# UK Core ConceptMap-UKCore-AdministrativeGender (research/datadictionary.md section 5).
ADMINISTRATIVE_ROWS = [
    ("male", "1"),
    ("female", "2"),
    ("other", "9"),
    ("unknown", "X"),
]

# Retired PERSON GENDER CODE -> PERSON STATED GENDER CODE (section 3): 1->1, 2->2, 9->9, 0->X.
PERSON_GENDER_ROWS = [("0", "X"), ("1", "1"), ("2", "2"), ("9", "9")]


@pytest.mark.parametrize(("administrative", "stated"), ADMINISTRATIVE_ROWS)
def test_administrative_gender_to_stated_gender(administrative: str, stated: str) -> None:
    expected = PersonStatedGenderCode.from_code(stated)
    assert administrative_gender_to_stated_gender(administrative) is expected
    assert administrative_gender_to_stated_gender(AdministrativeGender.from_code(administrative)) is expected


@pytest.mark.parametrize(("administrative", "stated"), ADMINISTRATIVE_ROWS)
def test_stated_gender_to_administrative_gender(administrative: str, stated: str) -> None:
    expected = AdministrativeGender.from_code(administrative)
    assert stated_gender_to_administrative_gender(stated) is expected
    assert stated_gender_to_administrative_gender(PersonStatedGenderCode.from_code(stated)) is expected


@pytest.mark.parametrize(("retired", "stated"), PERSON_GENDER_ROWS)
def test_person_gender_code_to_stated_gender(retired: str, stated: str) -> None:
    expected = PersonStatedGenderCode.from_code(stated)
    assert person_gender_code_to_stated_gender(retired) is expected
    assert person_gender_code_to_stated_gender(PersonGenderCode.from_code(retired)) is expected


def test_tables_cover_every_code_exactly_once() -> None:
    assert set(ADMINISTRATIVE_GENDER_TO_STATED_GENDER) == set(AdministrativeGender)
    assert set(ADMINISTRATIVE_GENDER_TO_STATED_GENDER.values()) == set(PersonStatedGenderCode)
    assert set(STATED_GENDER_TO_ADMINISTRATIVE_GENDER) == set(PersonStatedGenderCode)
    assert set(PERSON_GENDER_CODE_TO_STATED_GENDER) == set(PersonGenderCode)
    assert len(ADMINISTRATIVE_ROWS) == len(AdministrativeGender)
    assert len(PERSON_GENDER_ROWS) == len(PersonGenderCode)


@pytest.mark.parametrize("member", list(PersonStatedGenderCode))
def test_round_trip_through_administrative_gender(member: PersonStatedGenderCode) -> None:
    assert administrative_gender_to_stated_gender(stated_gender_to_administrative_gender(member)) is member


def test_strings_are_looked_up_strictly() -> None:
    with pytest.raises(UnknownCodeError):
        administrative_gender_to_stated_gender("Male")
    with pytest.raises(UnknownCodeError):
        stated_gender_to_administrative_gender("0")  # the retired "not known" is not a stated gender code
    with pytest.raises(UnknownCodeError):
        person_gender_code_to_stated_gender("X")


# -- the mappings that must not exist --------------------------------------------

REFUSED = [
    *[pytest.param(member, id=f"phenotypic-{member.code}") for member in PersonPhenotypicSex],
    *[pytest.param(member, id=f"gender-identity-{member.code}") for member in GenderIdentityCode],
    *[pytest.param(parity, id=f"chi-parity-{parity.value}") for parity in Parity],
    pytest.param(CHINumber.parse("1904851231").sex_at_registration_parity, id="chi-number-parity"),
    pytest.param(1, id="int"),
]


@pytest.mark.parametrize("value", REFUSED)
def test_phenotypic_sex_and_chi_sex_digit_never_map_to_administrative_gender(value: object) -> None:
    with pytest.raises(TypeError, match="never phenotypic sex or the CHI sex digit"):
        stated_gender_to_administrative_gender(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", REFUSED)
def test_other_mappings_refuse_those_types_too(value: object) -> None:
    with pytest.raises(TypeError):
        administrative_gender_to_stated_gender(value)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        person_gender_code_to_stated_gender(value)  # type: ignore[arg-type]


def test_no_function_maps_from_phenotypic_sex_or_chi() -> None:
    """The public API has exactly the three published mappings, none from sex or CHI parity."""
    functions = {
        name for name, value in vars(codes).items() if inspect.isfunction(value) and not name.startswith("_")
    }
    assert functions == {
        "administrative_gender_to_stated_gender",
        "stated_gender_to_administrative_gender",
        "person_gender_code_to_stated_gender",
    }
    for name in dir(codes):
        lowered = name.lower()
        assert not ("phenotypic" in lowered and "gender" in lowered), name
        assert "parity" not in lowered, name
        assert "chi" not in lowered.split("_"), name
    for member in PersonPhenotypicSex:
        assert not hasattr(member, "to_administrative_gender")
        assert not hasattr(member, "administrative_gender")

"""Every code list against the ground truth (research/datadictionary.md), code by code."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nhsstd import codes
from nhsstd.codes import (
    AdministrativeGender,
    CodedEnum,
    CodeError,
    CodeKind,
    EthnicCategoryEngland,
    EthnicCategoryScotland,
    EthnicCategoryWales,
    GenderIdentityCode,
    NHSNumberStatusIndicatorCode,
    NHSNumberStatusIndicatorCodeMentalHealthAndMaternity,
    PersonGenderCode,
    PersonMaritalStatus,
    PersonMaritalStatusScotland,
    PersonPhenotypicSex,
    PersonStatedGenderCode,
    RetiredCodeError,
    UnknownCodeError,
)
from nhsstd.exceptions import InvalidComponent, Reason, ValidationError

N, D, R = CodeKind.NATIONAL, CodeKind.DEFAULT, CodeKind.RETIRED
UKCORE = "https://fhir.hl7.org.uk/CodeSystem/"

# (code, label, kind, in the FHIR CodeSystem) for every code of every list.
EXPECTED: dict[type[CodedEnum], tuple[str | None, list[tuple[str, str, CodeKind, bool]]]] = {
    PersonStatedGenderCode: (
        UKCORE + "NHSDataModelAndDictionary-PersonStatedGenderCode",
        [
            ("1", "Male", N, True),
            ("2", "Female", N, True),
            ("9", "Indeterminate (unable to be classified as either male or female)", N, True),
            ("X", "Not Known (not recorded)", D, True),
        ],
    ),
    PersonPhenotypicSex: (
        None,
        [
            ("1", "Male", N, False),
            ("2", "Female", N, False),
            ("9", "Indeterminate (unable to be classified as either male or female)", N, False),
        ],
    ),
    PersonGenderCode: (
        None,
        [
            ("0", "Not known", R, False),
            ("1", "Male", R, False),
            ("2", "Female", R, False),
            ("9", "Not specified", R, False),
        ],
    ),
    GenderIdentityCode: (
        None,
        [
            ("1", "Male (including trans man)", N, False),
            ("2", "Female (including trans woman)", N, False),
            ("3", "Non-binary", N, False),
            ("4", "Other (not listed)", N, False),
            ("Z", "Not Stated (PERSON asked but declined to provide a response)", N, False),
            ("X", "Not Known (not recorded)", D, False),
        ],
    ),
    AdministrativeGender: (
        "http://hl7.org/fhir/administrative-gender",
        [
            ("male", "Male", N, True),
            ("female", "Female", N, True),
            ("other", "Other", N, True),
            ("unknown", "Unknown", N, True),
        ],
    ),
    EthnicCategoryEngland: (
        UKCORE + "UKCore-EthnicCategoryEngland",
        [
            ("A", "White - British", N, True),
            ("B", "White - Irish", N, True),
            ("C", "White - Any other White background", N, True),
            ("D", "Mixed - White and Black Caribbean", N, True),
            ("E", "Mixed - White and Black African", N, True),
            ("F", "Mixed - White and Asian", N, True),
            ("G", "Mixed - Any other mixed background", N, True),
            ("H", "Asian or Asian British - Indian", N, True),
            ("J", "Asian or Asian British - Pakistani", N, True),
            ("K", "Asian or Asian British - Bangladeshi", N, True),
            ("L", "Asian or Asian British - Any other Asian background", N, True),
            ("M", "Black or Black British - Caribbean", N, True),
            ("N", "Black or Black British - African", N, True),
            ("P", "Black or Black British - Any other Black background", N, True),
            ("R", "Other Ethnic Groups - Chinese", N, True),
            ("S", "Other Ethnic Groups - Any other ethnic group", N, True),
            ("Z", "Not stated", N, True),
            ("99", "Not known", D, True),
        ],
    ),
    EthnicCategoryWales: (
        UKCORE + "UKCore-EthnicCategoryWales",
        [
            (
                "A",
                "Any White Background, including Welsh, English, Scottish, Northern Irish, Irish, British",
                N,
                True,
            ),
            ("B", "Gypsy or Irish Traveller", N, True),
            ("D", "White and Black Caribbean", N, True),
            ("E", "White and Black African", N, True),
            ("F", "White and Asian", N, True),
            ("G", "Any other mixed background / multiple ethnic background", N, True),
            ("H", "Indian", N, True),
            ("J", "Pakistani", N, True),
            ("K", "Bangladeshi", N, True),
            ("L", "Any other Asian background", N, True),
            ("M", "Caribbean", N, True),
            ("N", "African", N, True),
            ("P", "Any other Black background", N, True),
            ("R", "Chinese", N, True),
            ("S", "Any other ethnic group", N, True),
            ("T", "Arab", N, True),
            ("Z", "Not stated", N, True),
        ],
    ),
    EthnicCategoryScotland: (
        UKCORE + "UKCore-EthnicCategoryScotland",
        [
            ("1A", "Scottish", N, True),
            ("1B", "Other British", N, True),
            ("1C", "Irish", N, True),
            ("1K", "Gypsy/ Traveller", N, True),
            ("1L", "Polish", N, True),
            ("1Z", "Other white ethnic group", N, True),
            ("2A", "Any mixed or multiple ethnic groups", N, True),
            ("3F", "Pakistani, Pakistani Scottish or Pakistani British", N, True),
            ("3G", "Indian, Indian Scottish or Indian British", N, True),
            ("3H", "Bangladeshi, Bangladeshi Scottish or Bangladeshi British", N, True),
            ("3J", "Chinese, Chinese Scottish or Chinese British", N, True),
            ("3Z", "Other Asian, Asian Scottish or Asian British", N, True),
            ("4D", "African, African Scottish or African British", N, True),
            ("4Y", "Other African", N, True),
            ("5C", "Caribbean, Caribbean Scottish or Caribbean British", N, True),
            ("5D", "Black, Black Scottish or Black British", N, True),
            ("5Y", "Other Caribbean or Black", N, True),
            ("6A", "Arab, Arab Scottish or Arab British", N, True),
            ("6Z", "Other ethnic group", N, True),
            ("98", "Refused/Not provided by patient", N, True),
            ("99", "Not Known", D, True),
        ],
    ),
    PersonMaritalStatus: (
        UKCORE + "UKCore-PersonMaritalStatusEngland",
        [
            ("S", "Single", N, True),
            ("M", "Married/Civil Partner", N, True),
            ("D", "Divorced/Person whose Civil Partnership has been dissolved", N, True),
            ("W", "Widowed/Surviving Civil Partner", N, True),
            ("P", "Separated", N, True),
            ("N", "Not disclosed", N, True),
            ("8", "Not applicable", D, True),
            ("9", "Not known", D, True),
            ("1", "Single (Retired 1 October 2006)", R, False),
            ("2", "Married/separated (Retired 1 October 2006)", R, False),
            ("3", "Divorced (Retired 1 October 2006)", R, False),
            ("4", "Widowed (Retired 1 October 2006)", R, False),
        ],
    ),
    PersonMaritalStatusScotland: (
        UKCORE + "UKCore-PersonMaritalStatusScotland",
        [
            ("A", "Never married nor registered civil partnership", N, True),
            ("B", "Married", N, True),
            ("C", "Registered civil partnership", N, True),
            ("D", "Separated, but still married", N, True),
            ("E", "Separated, but still in civil partnership", N, True),
            ("F", "Divorced", N, True),
            ("G", "Dissolved civil partnership", N, True),
            ("H", "Widowed", N, True),
            ("J", "Surviving civil partner", N, True),
            ("Y", "Other", N, True),
            ("Z", "Not known", D, True),
        ],
    ),
    NHSNumberStatusIndicatorCode: (
        UKCORE + "UKCore-NHSNumberVerificationStatusEngland",
        [
            ("01", "Number present and verified", N, True),
            ("02", "Number present but not traced", N, True),
            ("03", "Trace required", N, True),
            ("04", "Trace attempted - No match or multiple match found", N, True),
            ("05", "Trace needs to be resolved - (NHS NUMBER or PATIENT detail conflict)", N, True),
            ("06", "Trace in progress", N, True),
            ("07", "Number not present and trace not required", N, True),
            ("08", "Trace postponed (baby under six weeks old)", N, True),
        ],
    ),
    NHSNumberStatusIndicatorCodeMentalHealthAndMaternity: (
        UKCORE + "UKCore-NHSNumberVerificationStatusEngland",
        [
            ("01", "Number present and verified", N, True),
            ("02", "Number present but not traced", N, True),
            ("03", "Trace required", N, True),
            ("04", "Trace attempted - No match or multiple match found", N, True),
            ("05", "Trace needs to be resolved - (NHS NUMBER or PATIENT detail conflict)", N, True),
            ("06", "Trace in progress", N, True),
            ("07", "Number not present and trace not required", N, True),
        ],
    ),
}

ROWS = [
    pytest.param(code_list, code, label, kind, in_fhir, id=f"{code_list.__name__}-{code}")
    for code_list, (_, rows) in EXPECTED.items()
    for code, label, kind, in_fhir in rows
]


def test_every_code_list_is_checked() -> None:
    assert set(EXPECTED) == set(codes.CODE_LISTS)


@pytest.mark.parametrize("code_list", list(EXPECTED), ids=lambda cls: cls.__name__)
def test_list_has_exactly_the_expected_codes_in_order(code_list: type[CodedEnum]) -> None:
    assert code_list.codes() == tuple(row[0] for row in EXPECTED[code_list][1])


@pytest.mark.parametrize(("code_list", "code", "label", "kind", "in_fhir"), ROWS)
def test_member(code_list: type[CodedEnum], code: str, label: str, kind: CodeKind, in_fhir: bool) -> None:
    member = code_list.from_code(code)
    assert member is code_list(code)
    assert member is code_list.parse(code)
    assert member.code == code
    assert member.value == code
    assert str(member) == code
    assert member.label == label
    assert member.kind is kind
    assert (member.is_national, member.is_default, member.is_retired) == (kind is N, kind is D, kind is R)
    assert member.fhir_system == (EXPECTED[code_list][0] if in_fhir else None)
    assert pickle.loads(pickle.dumps(member)) is member


@pytest.mark.parametrize("code_list", list(EXPECTED), ids=lambda cls: cls.__name__)
def test_code_system_metadata(code_list: type[CodedEnum]) -> None:
    system = code_list.code_system
    assert system.name
    assert system.key.isidentifier()
    assert system.key == system.key.lower()
    assert system.sources
    assert system.fhir_system == EXPECTED[code_list][0]


def test_code_system_keys_are_unique() -> None:
    keys = [code_list.code_system.key for code_list in codes.CODE_LISTS]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize(
    ("code_list", "near_miss"),
    [
        (NHSNumberStatusIndicatorCode, "1"),
        (NHSNumberStatusIndicatorCode, "001"),
        (NHSNumberStatusIndicatorCode, " 01"),
        (NHSNumberStatusIndicatorCode, "01 "),
        (NHSNumberStatusIndicatorCode, "0１"),
        (NHSNumberStatusIndicatorCode, "NSTS01"),
        (PersonStatedGenderCode, "x"),
        (PersonStatedGenderCode, "01"),
        (PersonStatedGenderCode, "0"),
        (PersonStatedGenderCode, "M"),
        (PersonMaritalStatus, "s"),
        (PersonMaritalStatus, "5"),
        (EthnicCategoryEngland, "a"),
        (EthnicCategoryEngland, "T"),
        (EthnicCategoryEngland, "A1"),
        (EthnicCategoryEngland, "I"),
        (EthnicCategoryWales, "C"),
        (EthnicCategoryScotland, "1a"),
        (EthnicCategoryScotland, "A"),
        (AdministrativeGender, "Male"),
        (AdministrativeGender, "M"),
        (GenderIdentityCode, "5"),
    ],
)
def test_lookup_is_exact(code_list: type[CodedEnum], near_miss: str) -> None:
    with pytest.raises(UnknownCodeError) as caught:
        code_list.from_code(near_miss)
    error = caught.value
    assert error.code_system == code_list.code_system.name
    assert error.kind == code_list.code_system.key
    assert error.reason is Reason.UNKNOWN_CODE
    assert str(error).startswith(code_list.code_system.name + ": ")
    with pytest.raises(UnknownCodeError):
        code_list(near_miss)


def test_unknown_code_error_is_a_typed_validation_error() -> None:
    with pytest.raises(UnknownCodeError) as caught:
        PersonStatedGenderCode.from_code("7")
    assert isinstance(caught.value, CodeError)
    assert isinstance(caught.value, InvalidComponent)
    assert isinstance(caught.value, ValidationError)
    assert isinstance(caught.value, ValueError)
    copy = pickle.loads(pickle.dumps(caught.value))
    assert type(copy) is UnknownCodeError
    assert (copy.code_system, copy.kind, copy.reason, str(copy)) == (
        caught.value.code_system,
        caught.value.kind,
        caught.value.reason,
        str(caught.value),
    )


@pytest.mark.parametrize(
    ("value", "reason"),
    [(1, Reason.NOT_A_STRING), (None, Reason.NOT_A_STRING), (b"1", Reason.NOT_A_STRING), ("", Reason.EMPTY)],
)
def test_non_strings_and_empty_are_refused(value: object, reason: Reason) -> None:
    with pytest.raises(UnknownCodeError) as caught:
        PersonStatedGenderCode.from_code(value)  # type: ignore[arg-type]
    assert caught.value.reason is reason


def test_str_enum_of_another_list_is_refused() -> None:
    # chi_number.Parity is a str enum; its value must not be looked up as a code.
    from nhsstd.identifiers.chi_number import Parity

    with pytest.raises(UnknownCodeError) as caught:
        PersonStatedGenderCode.from_code(Parity.ODD)  # type: ignore[arg-type]
    assert caught.value.reason is Reason.NOT_A_STRING


def test_plain_str_subclass_is_looked_up_by_its_characters() -> None:
    class Code(str):
        pass

    assert PersonStatedGenderCode.from_code(Code("1")) is PersonStatedGenderCode.MALE


@given(st.text(max_size=50))
def test_any_text_gives_a_member_or_a_code_error_without_the_value(text: str) -> None:
    for code_list in codes.CODE_LISTS:
        try:
            member = code_list.from_code(text)
        except UnknownCodeError as error:
            assert text not in code_list.codes()
            # The message does not depend on the rejected value at all.
            reference = "" if not text else "\x00never a code\x00"
            with pytest.raises(UnknownCodeError) as other:
                code_list.from_code(reference)
            assert str(error) == str(other.value)
        else:
            assert member.code == text


def test_huge_input_is_refused_quickly() -> None:
    with pytest.raises(UnknownCodeError):
        NHSNumberStatusIndicatorCode.from_code("0" * 10_000_000)


# -- retired codes -------------------------------------------------------------


@pytest.mark.parametrize("code", ["1", "2", "3", "4"])
def test_retired_marital_status_parses_flagged(code: str) -> None:
    member = PersonMaritalStatus.from_code(code)
    assert member.is_retired
    assert member.fhir_system is None
    with pytest.raises(RetiredCodeError) as caught:
        PersonMaritalStatus.from_code(code, allow_retired=False)
    assert caught.value.code_system == "PERSON MARITAL STATUS"
    assert caught.value.reason is Reason.RETIRED_CODE


def test_current_codes_pass_when_retired_are_refused() -> None:
    assert (
        PersonMaritalStatus.from_code("M", allow_retired=False)
        is PersonMaritalStatus.MARRIED_OR_CIVIL_PARTNER
    )


@pytest.mark.parametrize("member", list(PersonGenderCode))
def test_person_gender_code_is_entirely_retired(member: PersonGenderCode) -> None:
    assert member.is_retired
    with pytest.raises(RetiredCodeError):
        PersonGenderCode.from_code(member.code, allow_retired=False)


def test_members_filter_by_kind() -> None:
    assert [m.code for m in PersonMaritalStatus.members(CodeKind.RETIRED)] == ["1", "2", "3", "4"]
    assert [m.code for m in PersonMaritalStatus.members(CodeKind.DEFAULT)] == ["8", "9"]
    assert len(list(PersonMaritalStatus.members())) == 12


# -- nations -------------------------------------------------------------------


def test_nation_lists_are_separate_types() -> None:
    england = EthnicCategoryEngland.from_code("B")
    wales = EthnicCategoryWales.from_code("B")
    assert england != wales
    assert england.label == "White - Irish"
    assert wales.label == "Gypsy or Irish Traveller"
    assert hash(england) != hash(wales) or england != wales
    assert len({england, wales}) == 2
    assert england != "B"
    assert PersonMaritalStatus.from_code("D").label.startswith("Divorced")
    assert PersonMaritalStatusScotland.from_code("D").label == "Separated, but still married"
    assert PersonMaritalStatus.from_code("D") != PersonMaritalStatusScotland.from_code("D")


# -- ethnic category an2 -------------------------------------------------------


@pytest.mark.parametrize("national", [m for m in EthnicCategoryEngland if len(m.code) == 1])
@pytest.mark.parametrize("local", ["1", "9", "A", "z"])
def test_ethnic_category_local_subcode_groups_to_national(
    national: EthnicCategoryEngland, local: str
) -> None:
    assert EthnicCategoryEngland.parse(national.code + local) is national
    assert EthnicCategoryEngland.parse_local(national.code + local) == (national, local)
    with pytest.raises(UnknownCodeError):
        EthnicCategoryEngland.from_code(national.code + local)


def test_ethnic_category_parse_national_codes() -> None:
    assert EthnicCategoryEngland.parse("99") is EthnicCategoryEngland.NOT_KNOWN
    assert EthnicCategoryEngland.parse_local("99") == (EthnicCategoryEngland.NOT_KNOWN, None)
    assert EthnicCategoryEngland.parse_local("A") == (EthnicCategoryEngland.WHITE_BRITISH, None)


@pytest.mark.parametrize("bad", ["A ", "A-", "A١", "I1", "T1", "9X", "a1", "A12", " A", ""])
def test_ethnic_category_bad_an2(bad: str) -> None:
    with pytest.raises(UnknownCodeError):
        EthnicCategoryEngland.parse(bad)


# -- mental health and maternity -------------------------------------------------


def test_mental_health_variant_forbids_08() -> None:
    variant = NHSNumberStatusIndicatorCodeMentalHealthAndMaternity
    with pytest.raises(UnknownCodeError):
        variant.from_code("08")
    with pytest.raises(UnknownCodeError) as caught:
        variant.from_general(NHSNumberStatusIndicatorCode.TRACE_POSTPONED)
    assert "08" in str(caught.value)
    for general in NHSNumberStatusIndicatorCode:
        if general.code != "08":
            converted = variant.from_general(general)
            assert converted.code == general.code
            assert converted.to_general() is general
    with pytest.raises(TypeError):
        variant.from_general("01")  # type: ignore[arg-type]


def test_nhs_number_status_hl7v2_form() -> None:
    assert [m.hl7v2_code for m in NHSNumberStatusIndicatorCode] == [f"NSTS0{n}" for n in range(1, 9)]

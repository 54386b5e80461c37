"""NHS Data Dictionary coded values as typed enums.

Each code list is an enum whose values are the codes, as strings.  Every
member carries its :attr:`~CodedEnum.code`, its Data Dictionary
:attr:`~CodedEnum.label`, its :attr:`~CodedEnum.kind` (national, default or
retired) and the FHIR CodeSystem URL where one exists:

>>> from nhsstd.codes import NHSNumberStatusIndicatorCode, PersonMaritalStatus
>>> status = NHSNumberStatusIndicatorCode.from_code("01")
>>> status.label, status.kind, status.fhir_system
('Number present and verified', <CodeKind.NATIONAL: 'national'>, \
'https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland')

Lookup is exact and strict -- ``"01"`` is not ``"1"`` -- and an unknown code
raises :class:`UnknownCodeError`, which names the code system:

>>> NHSNumberStatusIndicatorCode.from_code("1")
Traceback (most recent call last):
    ...
nhsstd.codes.UnknownCodeError: NHS NUMBER STATUS INDICATOR CODE: not a code of this list \
(expected one of 01, 02, 03, 04, 05, 06, 07, 08)

Retired codes still parse but are flagged:

>>> PersonMaritalStatus.from_code("3").is_retired
True

The nations' lists are separate types, and members of different lists never
compare equal, even with the same code:

>>> from nhsstd.codes import EthnicCategoryEngland, EthnicCategoryWales
>>> EthnicCategoryEngland.from_code("B").label, EthnicCategoryWales.from_code("B").label
('White - Irish', 'Gypsy or Irish Traveller')
>>> EthnicCategoryEngland.from_code("B") == EthnicCategoryWales.from_code("B")
False

Mappings are plain functions; only published (or directly implied) mappings
exist.  There is no mapping from phenotypic sex or the CHI Number sex digit
to administrative gender.

>>> from nhsstd.codes import stated_gender_to_administrative_gender, PersonStatedGenderCode
>>> stated_gender_to_administrative_gender(PersonStatedGenderCode.NOT_KNOWN)
<AdministrativeGender.UNKNOWN: 'unknown'>
"""

from __future__ import annotations

from nhsstd.codes._administrative_gender import AdministrativeGender
from nhsstd.codes._base import (
    CodedEnum,
    CodeError,
    CodeInfo,
    CodeKind,
    CodeSystem,
    RetiredCodeError,
    UnknownCodeError,
)
from nhsstd.codes._ethnic_category_england import EthnicCategoryEngland
from nhsstd.codes._ethnic_category_scotland import EthnicCategoryScotland
from nhsstd.codes._ethnic_category_wales import EthnicCategoryWales
from nhsstd.codes._gender_identity import GenderIdentityCode
from nhsstd.codes._mappings import (
    ADMINISTRATIVE_GENDER_TO_STATED_GENDER,
    PERSON_GENDER_CODE_TO_STATED_GENDER,
    STATED_GENDER_TO_ADMINISTRATIVE_GENDER,
    administrative_gender_to_stated_gender,
    person_gender_code_to_stated_gender,
    stated_gender_to_administrative_gender,
)
from nhsstd.codes._marital_status_england import PersonMaritalStatus
from nhsstd.codes._marital_status_scotland import PersonMaritalStatusScotland
from nhsstd.codes._nhs_number_status import NHSNumberStatusIndicatorCode
from nhsstd.codes._nhs_number_status_mhm import NHSNumberStatusIndicatorCodeMentalHealthAndMaternity
from nhsstd.codes._ods_role import ODSRole
from nhsstd.codes._person_gender_code import PersonGenderCode
from nhsstd.codes._person_phenotypic_sex import PersonPhenotypicSex
from nhsstd.codes._person_stated_gender import PersonStatedGenderCode

__all__ = [
    "ADMINISTRATIVE_GENDER_TO_STATED_GENDER",
    "CODE_LISTS",
    "PERSON_GENDER_CODE_TO_STATED_GENDER",
    "STATED_GENDER_TO_ADMINISTRATIVE_GENDER",
    "AdministrativeGender",
    "CodeError",
    "CodeInfo",
    "CodeKind",
    "CodeSystem",
    "CodedEnum",
    "EthnicCategory",
    "EthnicCategoryEngland",
    "EthnicCategoryScotland",
    "EthnicCategoryWales",
    "GenderIdentityCode",
    "MaritalStatus",
    "NHSNumberStatusIndicatorCode",
    "NHSNumberStatusIndicatorCodeMentalHealthAndMaternity",
    "ODSRole",
    "PersonGenderCode",
    "PersonMaritalStatus",
    "PersonMaritalStatusScotland",
    "PersonPhenotypicSex",
    "PersonStatedGenderCode",
    "RetiredCodeError",
    "UnknownCodeError",
    "administrative_gender_to_stated_gender",
    "person_gender_code_to_stated_gender",
    "stated_gender_to_administrative_gender",
]

#: An ethnic category from any nation's list (the lists are separate types).
EthnicCategory = EthnicCategoryEngland | EthnicCategoryWales | EthnicCategoryScotland

#: A marital status from the England or the Scotland list.
MaritalStatus = PersonMaritalStatus | PersonMaritalStatusScotland

#: Every enum code list, in documentation order.
CODE_LISTS: tuple[type[CodedEnum], ...] = (
    PersonStatedGenderCode,
    PersonPhenotypicSex,
    GenderIdentityCode,
    PersonGenderCode,
    AdministrativeGender,
    EthnicCategoryEngland,
    EthnicCategoryWales,
    EthnicCategoryScotland,
    PersonMaritalStatus,
    PersonMaritalStatusScotland,
    NHSNumberStatusIndicatorCode,
    NHSNumberStatusIndicatorCodeMentalHealthAndMaternity,
)

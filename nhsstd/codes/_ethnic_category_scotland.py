"""Ethnic group, Scotland (private module; import from :mod:`nhsstd.codes`)."""

from __future__ import annotations

from nhsstd.codes._base import CodedEnum, CodeInfo, CodeKind, CodeSystem, code_list

__all__ = ["EthnicCategoryScotland"]

_SYSTEM = CodeSystem(
    name="ETHNIC GROUP (Scotland)",
    key="ethnic_category_scotland",
    fhir_system="https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryScotland",
    sources=(
        "NHSDigital/FHIR-R4-UKCORE-STAGING-MAIN: codesystems/CodeSystem-UKCore-EthnicCategoryScotland.xml",
        "https://www.ndc.scot.nhs.uk/Dictionary-A-Z/Definitions/index.asp?Search=E&ID=243&Title=Ethnic%20Group",
    ),
    notes=(
        "Two-character codes from the NHS Scotland Data Dictionary, copied into UK Core (status draft). "
        "99 'Not Known' is flagged as a default code by analogy with the England list; 98 "
        "'Refused/Not provided by patient' is kept national, like England's Z."
    ),
)


@code_list(
    _SYSTEM,
    {
        "1A": CodeInfo("Scottish"),
        "1B": CodeInfo("Other British"),
        "1C": CodeInfo("Irish"),
        "1K": CodeInfo("Gypsy/ Traveller"),
        "1L": CodeInfo("Polish"),
        "1Z": CodeInfo("Other white ethnic group"),
        "2A": CodeInfo("Any mixed or multiple ethnic groups"),
        "3F": CodeInfo("Pakistani, Pakistani Scottish or Pakistani British"),
        "3G": CodeInfo("Indian, Indian Scottish or Indian British"),
        "3H": CodeInfo("Bangladeshi, Bangladeshi Scottish or Bangladeshi British"),
        "3J": CodeInfo("Chinese, Chinese Scottish or Chinese British"),
        "3Z": CodeInfo("Other Asian, Asian Scottish or Asian British"),
        "4D": CodeInfo("African, African Scottish or African British"),
        "4Y": CodeInfo("Other African"),
        "5C": CodeInfo("Caribbean, Caribbean Scottish or Caribbean British"),
        "5D": CodeInfo("Black, Black Scottish or Black British"),
        "5Y": CodeInfo("Other Caribbean or Black"),
        "6A": CodeInfo("Arab, Arab Scottish or Arab British"),
        "6Z": CodeInfo("Other ethnic group"),
        "98": CodeInfo("Refused/Not provided by patient"),
        "99": CodeInfo("Not Known", CodeKind.DEFAULT),
    },
)
class EthnicCategoryScotland(CodedEnum):
    """Ethnic group as coded in Scotland.

    >>> EthnicCategoryScotland.from_code("1A").label
    'Scottish'
    """

    __module__ = "nhsstd.codes"

    SCOTTISH = "1A"
    OTHER_BRITISH = "1B"
    IRISH = "1C"
    GYPSY_TRAVELLER = "1K"
    POLISH = "1L"
    WHITE_OTHER = "1Z"
    MIXED = "2A"
    PAKISTANI = "3F"
    INDIAN = "3G"
    BANGLADESHI = "3H"
    CHINESE = "3J"
    ASIAN_OTHER = "3Z"
    AFRICAN = "4D"
    AFRICAN_OTHER = "4Y"
    CARIBBEAN = "5C"
    BLACK = "5D"
    CARIBBEAN_OR_BLACK_OTHER = "5Y"
    ARAB = "6A"
    OTHER = "6Z"
    REFUSED = "98"
    NOT_KNOWN = "99"

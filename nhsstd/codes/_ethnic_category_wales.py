"""ETHNIC CATEGORY, Wales (private module; import from :mod:`nhsstd.codes`)."""

from __future__ import annotations

from nhsstd.codes._base import CodedEnum, CodeInfo, CodeSystem, code_list

__all__ = ["EthnicCategoryWales"]

_SYSTEM = CodeSystem(
    name="ETHNIC CATEGORY (Wales)",
    key="ethnic_category_wales",
    fhir_system="https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryWales",
    sources=(
        "NHSDigital/FHIR-R4-UKCORE-STAGING-MAIN: codesystems/CodeSystem-UKCore-EthnicCategoryWales.xml",
    ),
    notes=(
        "The Welsh list. Trap: B is 'Gypsy or Irish Traveller' here but 'White - Irish' in England; "
        "there is no C, and T is 'Arab'. Never convert between the nations' lists by code."
    ),
)


@code_list(
    _SYSTEM,
    {
        "A": CodeInfo(
            "Any White Background, including Welsh, English, Scottish, Northern Irish, Irish, British"
        ),
        "B": CodeInfo("Gypsy or Irish Traveller"),
        "D": CodeInfo("White and Black Caribbean"),
        "E": CodeInfo("White and Black African"),
        "F": CodeInfo("White and Asian"),
        "G": CodeInfo("Any other mixed background / multiple ethnic background"),
        "H": CodeInfo("Indian"),
        "J": CodeInfo("Pakistani"),
        "K": CodeInfo("Bangladeshi"),
        "L": CodeInfo("Any other Asian background"),
        "M": CodeInfo("Caribbean"),
        "N": CodeInfo("African"),
        "P": CodeInfo("Any other Black background"),
        "R": CodeInfo("Chinese"),
        "S": CodeInfo("Any other ethnic group"),
        "T": CodeInfo("Arab"),
        "Z": CodeInfo("Not stated"),
    },
)
class EthnicCategoryWales(CodedEnum):
    """Ethnic category as coded in Wales.

    >>> EthnicCategoryWales.from_code("B").label
    'Gypsy or Irish Traveller'
    >>> from nhsstd.codes import EthnicCategoryEngland
    >>> EthnicCategoryWales.from_code("B") == EthnicCategoryEngland.from_code("B")
    False
    """

    __module__ = "nhsstd.codes"

    WHITE = "A"
    GYPSY_OR_IRISH_TRAVELLER = "B"
    WHITE_AND_BLACK_CARIBBEAN = "D"
    WHITE_AND_BLACK_AFRICAN = "E"
    WHITE_AND_ASIAN = "F"
    MIXED_OTHER = "G"
    INDIAN = "H"
    PAKISTANI = "J"
    BANGLADESHI = "K"
    ASIAN_OTHER = "L"
    CARIBBEAN = "M"
    AFRICAN = "N"
    BLACK_OTHER = "P"
    CHINESE = "R"
    OTHER = "S"
    ARAB = "T"
    NOT_STATED = "Z"

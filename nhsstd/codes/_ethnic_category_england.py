"""ETHNIC CATEGORY, England (private module; import from :mod:`nhsstd.codes`)."""

from __future__ import annotations

from nhsstd.codes._base import CodedEnum, CodeInfo, CodeKind, CodeSystem, UnknownCodeError, code_list
from nhsstd.exceptions import Reason

__all__ = ["EthnicCategoryEngland"]

_SYSTEM = CodeSystem(
    name="ETHNIC CATEGORY",
    key="ethnic_category_england",
    fhir_system="https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryEngland",
    sources=(
        "https://www.datadictionary.nhs.uk/data_elements/ethnic_category.html",
        "NHSDigital/FHIR-R4-UKCORE-STAGING-MAIN: codesystems/CodeSystem-UKCore-EthnicCategoryEngland.xml",
    ),
    notes=(
        "The 2001 census categories (16 + 'not stated') used in England. Format an2: the national code is "
        "the first character and the second character is optional, for local use, and groups to the "
        "national code (A1 is reported as A); 99 is the only two-character national-level value. There "
        "are no codes I, O, Q or T. Wales and Scotland have their own lists (B means something else in "
        "Wales), so they are separate types."
    ),
)


@code_list(
    _SYSTEM,
    {
        "A": CodeInfo("White - British"),
        "B": CodeInfo("White - Irish"),
        "C": CodeInfo("White - Any other White background"),
        "D": CodeInfo("Mixed - White and Black Caribbean"),
        "E": CodeInfo("Mixed - White and Black African"),
        "F": CodeInfo("Mixed - White and Asian"),
        "G": CodeInfo("Mixed - Any other mixed background"),
        "H": CodeInfo("Asian or Asian British - Indian"),
        "J": CodeInfo("Asian or Asian British - Pakistani"),
        "K": CodeInfo("Asian or Asian British - Bangladeshi"),
        "L": CodeInfo("Asian or Asian British - Any other Asian background"),
        "M": CodeInfo("Black or Black British - Caribbean"),
        "N": CodeInfo("Black or Black British - African"),
        "P": CodeInfo("Black or Black British - Any other Black background"),
        "R": CodeInfo("Other Ethnic Groups - Chinese"),
        "S": CodeInfo("Other Ethnic Groups - Any other ethnic group"),
        "Z": CodeInfo("Not stated"),
        "99": CodeInfo("Not known", CodeKind.DEFAULT),
    },
)
class EthnicCategoryEngland(CodedEnum):
    """ETHNIC CATEGORY (England, 2001 census categories).

    :meth:`from_code` accepts the national codes only; :meth:`parse` also
    accepts a local second character and groups it to the national code:

    >>> EthnicCategoryEngland.from_code("A")
    <EthnicCategoryEngland.WHITE_BRITISH: 'A'>
    >>> EthnicCategoryEngland.parse("A1")
    <EthnicCategoryEngland.WHITE_BRITISH: 'A'>
    >>> EthnicCategoryEngland.parse_local("N7")
    (<EthnicCategoryEngland.BLACK_AFRICAN: 'N'>, '7')
    >>> EthnicCategoryEngland.parse("99").is_default
    True
    """

    __module__ = "nhsstd.codes"

    WHITE_BRITISH = "A"
    WHITE_IRISH = "B"
    WHITE_OTHER = "C"
    MIXED_WHITE_AND_BLACK_CARIBBEAN = "D"
    MIXED_WHITE_AND_BLACK_AFRICAN = "E"
    MIXED_WHITE_AND_ASIAN = "F"
    MIXED_OTHER = "G"
    ASIAN_INDIAN = "H"
    ASIAN_PAKISTANI = "J"
    ASIAN_BANGLADESHI = "K"
    ASIAN_OTHER = "L"
    BLACK_CARIBBEAN = "M"
    BLACK_AFRICAN = "N"
    BLACK_OTHER = "P"
    CHINESE = "R"
    OTHER = "S"
    NOT_STATED = "Z"
    NOT_KNOWN = "99"

    @classmethod
    def parse(cls, code: str) -> EthnicCategoryEngland:
        """Parse an an2 ETHNIC CATEGORY, grouping a local sub-code to its national code."""
        return cls.parse_local(code)[0]

    @classmethod
    def parse_local(cls, code: str) -> tuple[EthnicCategoryEngland, str | None]:
        """Parse an an2 value into the national code and the local sub-code (or ``None``).

        The first character must be a single-character national code and the
        second, if any, an ASCII letter or digit.  Nothing is normalised:
        lower case and surrounding spaces are rejected.
        """
        if type(code) is str and len(code) == 2 and code != "99":
            member = cls._value2member_map_.get(code[0])
            local = code[1]
            if member is not None and local.isascii() and local.isalnum():
                return member, local  # type: ignore[return-value]
            if member is not None:
                raise UnknownCodeError(
                    cls.code_system,
                    reason=Reason.INVALID_CHARACTER,
                    detail="the local sub-code must be an ASCII letter or digit",
                )
        return cls._lookup(code), None

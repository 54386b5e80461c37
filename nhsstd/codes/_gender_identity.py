"""GENDER IDENTITY CODE (private module; import from :mod:`nhsstd.codes`)."""

from __future__ import annotations

from nhsstd.codes._base import CodedEnum, CodeInfo, CodeKind, CodeSystem, code_list

__all__ = ["GenderIdentityCode"]

_SYSTEM = CodeSystem(
    name="GENDER IDENTITY CODE",
    key="gender_identity_code",
    fhir_system=None,
    sources=(
        "https://archive.datadictionary.nhs.uk/DD%20Release%20June%202026/data_elements/gender_identity_code.html",
    ),
    notes="Format an1. The list is identical in the November 2024 release.",
)


@code_list(
    _SYSTEM,
    {
        "1": CodeInfo("Male (including trans man)"),
        "2": CodeInfo("Female (including trans woman)"),
        "3": CodeInfo("Non-binary"),
        "4": CodeInfo("Other (not listed)"),
        "Z": CodeInfo("Not Stated (PERSON asked but declined to provide a response)"),
        "X": CodeInfo("Not Known (not recorded)", CodeKind.DEFAULT),
    },
)
class GenderIdentityCode(CodedEnum):
    """GENDER IDENTITY CODE: the gender a person identifies with.

    >>> GenderIdentityCode.from_code("3").label
    'Non-binary'
    >>> [member.code for member in GenderIdentityCode.members(CodeKind.DEFAULT)]
    ['X']
    """

    __module__ = "nhsstd.codes"

    MALE = "1"
    FEMALE = "2"
    NON_BINARY = "3"
    OTHER = "4"
    NOT_STATED = "Z"
    NOT_KNOWN = "X"

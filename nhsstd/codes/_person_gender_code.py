"""PERSON GENDER CODE, retired (private module; import from :mod:`nhsstd.codes`)."""

from __future__ import annotations

from nhsstd.codes._base import CodedEnum, CodeInfo, CodeKind, CodeSystem, code_list

__all__ = ["PersonGenderCode"]

_SYSTEM = CodeSystem(
    name="PERSON GENDER CODE",
    key="person_gender_code",
    fhir_system=None,
    sources=(
        "https://data.developer.nhs.uk/dms/mim/6.3.01/Vocabulary/Sex.htm",
        "https://archive.datadictionary.nhs.uk/DD%20Release%20May%202013/change_packages/cr1378/"
        "old.COSD-v3-0Final_XMLSchemaSpecificationsPack.zip",
        "http://www.datadictionary.nhs.uk/data_dictionary/data_field_notes/p/pers/"
        "person_gender_code_current_de.asp?shownav=0",
        "uk-fci/nhs-number: docs/sex-and-gender.md",
    ),
    notes=(
        "Retired: replaced by PERSON STATED GENDER CODE or PERSON PHENOTYPIC SEX. Supported for reading "
        "old records only, so every code is flagged retired. Trap: 'not known' is 0 here but X in "
        "PERSON STATED GENDER CODE; use person_gender_code_to_stated_gender() to convert."
    ),
)


@code_list(
    _SYSTEM,
    {
        "0": CodeInfo("Not known", CodeKind.RETIRED, in_fhir=False),
        "1": CodeInfo("Male", CodeKind.RETIRED, in_fhir=False),
        "2": CodeInfo("Female", CodeKind.RETIRED, in_fhir=False),
        "9": CodeInfo("Not specified", CodeKind.RETIRED, in_fhir=False),
    },
)
class PersonGenderCode(CodedEnum):
    """The retired PERSON GENDER CODE (``0``, ``1``, ``2``, ``9``): parse only.

    >>> code = PersonGenderCode.from_code("0")
    >>> code, code.is_retired
    (<PersonGenderCode.NOT_KNOWN: '0'>, True)
    """

    __module__ = "nhsstd.codes"

    NOT_KNOWN = "0"
    MALE = "1"
    FEMALE = "2"
    NOT_SPECIFIED = "9"

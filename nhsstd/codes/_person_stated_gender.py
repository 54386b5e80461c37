"""PERSON STATED GENDER CODE (private module; import from :mod:`nhsstd.codes`)."""

from __future__ import annotations

from nhsstd.codes._base import CodedEnum, CodeInfo, CodeKind, CodeSystem, code_list

__all__ = ["PersonStatedGenderCode"]

_SYSTEM = CodeSystem(
    name="PERSON STATED GENDER CODE",
    key="person_stated_gender_code",
    fhir_system="https://fhir.hl7.org.uk/CodeSystem/NHSDataModelAndDictionary-PersonStatedGenderCode",
    sources=(
        "https://www.datadictionary.nhs.uk/data_elements/person_stated_gender_code.html",
        "NHSDigital/FHIR-R4-UKCORE-STAGING-MAIN: "
        "codesystems/CodeSystem-NHSDataModelAndDictionary-PersonStatedGenderCode.xml",
        "https://project-wildfyre.github.io/uk-testcore-r4/ValueSet-UKCore-NHSDataDictionary-PersonStatedGender.html",
    ),
    notes=(
        "The gender of a person, self-declared or inferred by observation for those unable to declare it. "
        "It replaces the retired PERSON GENDER CODE, in which 'not known' was 0 (here X). "
        "UK Core retired its copy of the code system in favour of FHIR administrative-gender; "
        "use the mapping functions to convert."
    ),
)


@code_list(
    _SYSTEM,
    {
        "1": CodeInfo("Male"),
        "2": CodeInfo("Female"),
        "9": CodeInfo("Indeterminate (unable to be classified as either male or female)"),
        "X": CodeInfo("Not Known (not recorded)", CodeKind.DEFAULT),
    },
)
class PersonStatedGenderCode(CodedEnum):
    """PERSON STATED GENDER CODE: the gender a person states (or is observed to have).

    >>> PersonStatedGenderCode.from_code("X")
    <PersonStatedGenderCode.NOT_KNOWN: 'X'>
    >>> PersonStatedGenderCode.FEMALE.label, PersonStatedGenderCode.NOT_KNOWN.is_default
    ('Female', True)
    """

    __module__ = "nhsstd.codes"

    MALE = "1"
    FEMALE = "2"
    INDETERMINATE = "9"
    NOT_KNOWN = "X"

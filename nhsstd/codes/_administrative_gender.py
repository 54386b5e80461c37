"""FHIR administrative-gender (private module; import from :mod:`nhsstd.codes`)."""

from __future__ import annotations

from nhsstd.codes._base import CodedEnum, CodeInfo, CodeSystem, code_list

__all__ = ["AdministrativeGender"]

_SYSTEM = CodeSystem(
    name="AdministrativeGender (FHIR)",
    key="administrative_gender",
    fhir_system="http://hl7.org/fhir/administrative-gender",
    sources=(
        "http://hl7.org/fhir/R4/valueset-administrative-gender.html",
        "NHSDigital/FHIR-R4-UKCORE-STAGING-MAIN: conceptmaps/ConceptMap-UKCore-AdministrativeGender.xml",
    ),
    notes=(
        "Not a Data Dictionary list: the FHIR value set used by Patient.gender (PDS, UK Core). It is "
        "administrative gender and must not be conflated with sex at birth; convert to and from PERSON "
        "STATED GENDER CODE with the mapping functions only."
    ),
)


@code_list(
    _SYSTEM,
    {
        "male": CodeInfo("Male"),
        "female": CodeInfo("Female"),
        "other": CodeInfo("Other"),
        "unknown": CodeInfo("Unknown"),
    },
)
class AdministrativeGender(CodedEnum):
    """FHIR ``administrative-gender`` (``Patient.gender``).

    >>> AdministrativeGender.from_code("female")
    <AdministrativeGender.FEMALE: 'female'>
    """

    __module__ = "nhsstd.codes"

    MALE = "male"
    FEMALE = "female"
    OTHER = "other"
    UNKNOWN = "unknown"

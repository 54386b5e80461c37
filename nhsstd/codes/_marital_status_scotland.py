"""Marital status, Scotland (private module; import from :mod:`nhsstd.codes`)."""

from __future__ import annotations

from nhsstd.codes._base import CodedEnum, CodeInfo, CodeKind, CodeSystem, code_list

__all__ = ["PersonMaritalStatusScotland"]

_SYSTEM = CodeSystem(
    name="PERSON MARITAL STATUS (Scotland)",
    key="person_marital_status_scotland",
    fhir_system="https://fhir.hl7.org.uk/CodeSystem/UKCore-PersonMaritalStatusScotland",
    sources=(
        "NHSDigital/FHIR-R4-UKCORE-STAGING-MAIN: "
        "codesystems/CodeSystem-UKCore-PersonMaritalStatusScotland.xml",
    ),
    notes=(
        "The Scottish letter set. Trap: D is 'Separated, but still married' here but 'Divorced' in "
        "England. Z 'Not known' is flagged as a default code by analogy with the England list."
    ),
)


@code_list(
    _SYSTEM,
    {
        "A": CodeInfo("Never married nor registered civil partnership"),
        "B": CodeInfo("Married"),
        "C": CodeInfo("Registered civil partnership"),
        "D": CodeInfo("Separated, but still married"),
        "E": CodeInfo("Separated, but still in civil partnership"),
        "F": CodeInfo("Divorced"),
        "G": CodeInfo("Dissolved civil partnership"),
        "H": CodeInfo("Widowed"),
        "J": CodeInfo("Surviving civil partner"),
        "Y": CodeInfo("Other"),
        "Z": CodeInfo("Not known", CodeKind.DEFAULT),
    },
)
class PersonMaritalStatusScotland(CodedEnum):
    """Marital status as coded in Scotland.

    >>> PersonMaritalStatusScotland.from_code("D").label
    'Separated, but still married'
    """

    __module__ = "nhsstd.codes"

    NEVER_MARRIED = "A"
    MARRIED = "B"
    CIVIL_PARTNERSHIP = "C"
    SEPARATED_MARRIED = "D"
    SEPARATED_CIVIL_PARTNERSHIP = "E"
    DIVORCED = "F"
    DISSOLVED_CIVIL_PARTNERSHIP = "G"
    WIDOWED = "H"
    SURVIVING_CIVIL_PARTNER = "J"
    OTHER = "Y"
    NOT_KNOWN = "Z"

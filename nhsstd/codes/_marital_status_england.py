"""PERSON MARITAL STATUS, England (private module; import from :mod:`nhsstd.codes`)."""

from __future__ import annotations

from nhsstd.codes._base import CodedEnum, CodeInfo, CodeKind, CodeSystem, code_list

__all__ = ["PersonMaritalStatus"]

_SYSTEM = CodeSystem(
    name="PERSON MARITAL STATUS",
    key="person_marital_status",
    fhir_system="https://fhir.hl7.org.uk/CodeSystem/UKCore-PersonMaritalStatusEngland",
    sources=(
        "https://archive.datadictionary.nhs.uk/DD%20Release%20June%202026/data_elements/person_marital_status.html",
        "NHSDigital/FHIR-R4-UKCORE-STAGING-MAIN: "
        "codesystems/CodeSystem-UKCore-PersonMaritalStatusEngland.xml",
    ),
    notes=(
        "Format an1. The numeric codes 1-4 were retired on 1 October 2006: they still parse, flagged "
        "retired, and are not in the UK Core code system. Scotland uses a different letter set "
        "(PersonMaritalStatusScotland): D means 'Divorced' here but 'Separated, but still married' there."
    ),
)


@code_list(
    _SYSTEM,
    {
        "S": CodeInfo("Single"),
        "M": CodeInfo("Married/Civil Partner"),
        "D": CodeInfo("Divorced/Person whose Civil Partnership has been dissolved"),
        "W": CodeInfo("Widowed/Surviving Civil Partner"),
        "P": CodeInfo("Separated"),
        "N": CodeInfo("Not disclosed"),
        "8": CodeInfo("Not applicable", CodeKind.DEFAULT),
        "9": CodeInfo("Not known", CodeKind.DEFAULT),
        "1": CodeInfo("Single (Retired 1 October 2006)", CodeKind.RETIRED, in_fhir=False),
        "2": CodeInfo("Married/separated (Retired 1 October 2006)", CodeKind.RETIRED, in_fhir=False),
        "3": CodeInfo("Divorced (Retired 1 October 2006)", CodeKind.RETIRED, in_fhir=False),
        "4": CodeInfo("Widowed (Retired 1 October 2006)", CodeKind.RETIRED, in_fhir=False),
    },
)
class PersonMaritalStatus(CodedEnum):
    """PERSON MARITAL STATUS (England), with the retired codes 1-4 parseable and flagged.

    >>> PersonMaritalStatus.from_code("M").label
    'Married/Civil Partner'
    >>> old = PersonMaritalStatus.from_code("2")
    >>> old.is_retired, old.fhir_system
    (True, None)
    >>> PersonMaritalStatus.from_code("2", allow_retired=False)
    Traceback (most recent call last):
        ...
    nhsstd.codes.RetiredCodeError: PERSON MARITAL STATUS: the code is retired
    """

    __module__ = "nhsstd.codes"

    SINGLE = "S"
    MARRIED_OR_CIVIL_PARTNER = "M"
    DIVORCED_OR_DISSOLVED = "D"
    WIDOWED_OR_SURVIVING_CIVIL_PARTNER = "W"
    SEPARATED = "P"
    NOT_DISCLOSED = "N"
    NOT_APPLICABLE = "8"
    NOT_KNOWN = "9"
    RETIRED_SINGLE = "1"
    RETIRED_MARRIED_OR_SEPARATED = "2"
    RETIRED_DIVORCED = "3"
    RETIRED_WIDOWED = "4"

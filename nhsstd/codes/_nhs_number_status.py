"""NHS NUMBER STATUS INDICATOR CODE (private module; import from :mod:`nhsstd.codes`)."""

from __future__ import annotations

from nhsstd.codes._base import CodedEnum, CodeInfo, CodeSystem, code_list

__all__ = ["NHSNumberStatusIndicatorCode"]

FHIR_SYSTEM = "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland"

_SYSTEM = CodeSystem(
    name="NHS NUMBER STATUS INDICATOR CODE",
    key="nhs_number_status_indicator_code",
    fhir_system=FHIR_SYSTEM,
    sources=(
        "https://archive.datadictionary.nhs.uk/DD%20Release%20December%202019/data_dictionary/attributes/n/nhs/"
        "nhs_number_status_indicator_code_de.asp@shownav=1.html",
        "NHSDigital/FHIR-R4-UKCORE-STAGING-MAIN: "
        "codesystems/CodeSystem-UKCore-NHSNumberVerificationStatusEngland.xml",
        "NHSDigital/FHIR-R4-UKCORE-STAGING-MAIN: valuesets/ValueSet-UKCore-NHSNumberVerificationStatus.xml",
    ),
    notes=(
        "Format an2: the codes are two characters, so 1 is not 01. In FHIR it is the NHS Number "
        "verification status extension; in HL7 v2 PID-32 carries it as NSTS01..NSTS08. 08 is not valid "
        "in the Maternity and Mental Health Services Data Sets: use "
        "NHSNumberStatusIndicatorCodeMentalHealthAndMaternity there."
    ),
)

_TABLE = {
    "01": CodeInfo("Number present and verified"),
    "02": CodeInfo("Number present but not traced"),
    "03": CodeInfo("Trace required"),
    "04": CodeInfo("Trace attempted - No match or multiple match found"),
    "05": CodeInfo("Trace needs to be resolved - (NHS NUMBER or PATIENT detail conflict)"),
    "06": CodeInfo("Trace in progress"),
    "07": CodeInfo("Number not present and trace not required"),
    "08": CodeInfo("Trace postponed (baby under six weeks old)"),
}


@code_list(_SYSTEM, _TABLE)
class NHSNumberStatusIndicatorCode(CodedEnum):
    """NHS NUMBER STATUS INDICATOR CODE: how far an NHS Number has been verified.

    >>> NHSNumberStatusIndicatorCode.from_code("01").label
    'Number present and verified'
    >>> NHSNumberStatusIndicatorCode.VERIFIED.hl7v2_code
    'NSTS01'
    """

    __module__ = "nhsstd.codes"

    VERIFIED = "01"
    NOT_TRACED = "02"
    TRACE_REQUIRED = "03"
    TRACE_NO_MATCH = "04"
    TRACE_TO_BE_RESOLVED = "05"
    TRACE_IN_PROGRESS = "06"
    NOT_PRESENT_TRACE_NOT_REQUIRED = "07"
    TRACE_POSTPONED = "08"

    @property
    def hl7v2_code(self) -> str:
        """The HL7 v2 PID-32 (table 0445) form, ``NSTS`` + the code."""
        return "NSTS" + self._value_

"""NHS NUMBER STATUS INDICATOR CODE (MENTAL HEALTH AND MATERNITY) (private module)."""

from __future__ import annotations

from nhsstd.codes._base import CodedEnum, CodeSystem, UnknownCodeError, code_list
from nhsstd.codes._nhs_number_status import _TABLE, FHIR_SYSTEM, NHSNumberStatusIndicatorCode

__all__ = ["NHSNumberStatusIndicatorCodeMentalHealthAndMaternity"]

_SYSTEM = CodeSystem(
    name="NHS NUMBER STATUS INDICATOR CODE (MENTAL HEALTH AND MATERNITY)",
    key="nhs_number_status_indicator_code_mental_health_and_maternity",
    fhir_system=FHIR_SYSTEM,
    sources=(
        "https://archive.datadictionary.nhs.uk/DD%20Release%20June%202026/data_elements/"
        "nhs_number_status_indicator_code_mental_health_and_maternity.html",
    ),
    notes=(
        "The variant used by the Mental Health Services and Maternity Services Data Sets: codes 01-07; "
        "08 'Trace postponed (baby under six weeks old)' is not valid."
    ),
)


@code_list(_SYSTEM, {code: info for code, info in _TABLE.items() if code != "08"})
class NHSNumberStatusIndicatorCodeMentalHealthAndMaternity(CodedEnum):
    """The mental health and maternity variant: as NHS NUMBER STATUS INDICATOR CODE without ``08``.

    >>> NHSNumberStatusIndicatorCodeMentalHealthAndMaternity.from_code("07").label
    'Number not present and trace not required'
    >>> NHSNumberStatusIndicatorCodeMentalHealthAndMaternity.from_code("08")
    Traceback (most recent call last):
        ...
    nhsstd.codes.UnknownCodeError: NHS NUMBER STATUS INDICATOR CODE (MENTAL HEALTH AND MATERNITY): \
not a code of this list (expected one of 01, 02, 03, 04, 05, 06, 07)
    """

    __module__ = "nhsstd.codes"

    VERIFIED = "01"
    NOT_TRACED = "02"
    TRACE_REQUIRED = "03"
    TRACE_NO_MATCH = "04"
    TRACE_TO_BE_RESOLVED = "05"
    TRACE_IN_PROGRESS = "06"
    NOT_PRESENT_TRACE_NOT_REQUIRED = "07"

    @classmethod
    def from_general(
        cls, code: NHSNumberStatusIndicatorCode
    ) -> NHSNumberStatusIndicatorCodeMentalHealthAndMaternity:
        """Convert from the general list; ``08`` raises :class:`~nhsstd.codes.UnknownCodeError`.

        >>> NHSNumberStatusIndicatorCodeMentalHealthAndMaternity.from_general(
        ...     NHSNumberStatusIndicatorCode.VERIFIED)
        <NHSNumberStatusIndicatorCodeMentalHealthAndMaternity.VERIFIED: '01'>
        """
        if not isinstance(code, NHSNumberStatusIndicatorCode):
            raise TypeError(f"expected NHSNumberStatusIndicatorCode, got {type(code).__name__}")
        member = cls._value2member_map_.get(code.code)
        if member is None:
            raise UnknownCodeError(
                cls.code_system, detail="08 (trace postponed) is not valid in this data set"
            )
        return member  # type: ignore[return-value]

    def to_general(self) -> NHSNumberStatusIndicatorCode:
        """The same code in the general NHS NUMBER STATUS INDICATOR CODE list."""
        return NHSNumberStatusIndicatorCode(self._value_)

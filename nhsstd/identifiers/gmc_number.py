"""General Medical Council (GMC) reference numbers.

The GMC allocates each registered doctor a unique seven-digit reference
number.  It has had no check digit for a long time, and may begin with ``0``.

Rule: exactly 7 ASCII digits, ``^[0-9]{7}$``, kept as a string (leading zeros
are part of the number).

Values found under the FHIR system ``https://fhir.hl7.org.uk/Id/gmc-number``
are not always GMC numbers: UK Core guidance allows "7 digits OR L + 6
digits" (``L`` for the historic limited registrations), and an NHS England
profile constrains the same system to a consultant code (``C`` + 7 digits).
:func:`validate` accepts only the seven-digit GMC number and refuses the
others with ``invalid_prefix``; :func:`classify_fhir_value` reads any of the
three shapes and says which one it saw.

Normalisation: surrounding ASCII whitespace is stripped; nothing else (a GMC
number has no letters).

Sources:

* GMC LRMP specification ("unique seven digit reference number"):
  https://hee-tis.atlassian.net/wiki/spaces/NTCS/pages/1346699276/GMC+LRMP
* "7 numeric characters (may have leading 0)":
  https://help.cegedim-healthcare.co.uk/ManagementTools/Content/Control_Panel/File_Maintenance/Organisations/Codes_QR.htm
* No check digit: https://v2.datadictionary.nhs.uk/web_site_content/pages/codes/administrative_codes/practitioner_codes.asp@shownav=0.html
* UK Core (7 digits or L + 6 digits):
  https://simplifier.net/guide/uk-core-implementation-guide-stu3-sequence/Home/ProfilesandExtensions/Profile-UKCore-Practitioner/identifier-duplicate-2?version=1.6.0
* NHS England consultant-code profile of the same system:
  https://get-ig.org/canonicals/3a5960a6-8ff4-4660-9eb8-355647b289f5?tab=FHIR+Schema
* OID, HL7 v2 code and the ``gmc-reference-number`` system:
  https://nw-gmsa.github.io/R4/StructureDefinition-PractitionerIdentifier.html

>>> validate(" 0123456 ")
'0123456'
>>> is_valid("C2345678")
False
>>> classify_fhir_value("C2345678")
FHIRValue(shape=<GMCValueShape.CONSULTANT_CODE: 'consultant_code'>, value='C2345678')
>>> GMCNumber.parse("2345678")
GMCNumber('2345678')
"""

from __future__ import annotations

import enum
from typing import NamedTuple

import attrs

from nhsstd.exceptions import InvalidComponent, Reason
from nhsstd.identifiers import _common, consultant_code

__all__ = [
    "FHIR_SYSTEM",
    "FHIR_SYSTEM_REFERENCE_NUMBER",
    "HL7V2_ASSIGNING_AUTHORITY",
    "OID",
    "OID_REFERENCE_NUMBER",
    "FHIRValue",
    "GMCNumber",
    "GMCValueShape",
    "classify_fhir_value",
    "compact",
    "format",
    "is_valid",
    "validate",
]

KIND = "gmc_number"

#: FHIR ``Identifier.system`` for GMC numbers (see :func:`classify_fhir_value`
#: for the value shapes found under it).
FHIR_SYSTEM = "https://fhir.hl7.org.uk/Id/gmc-number"
#: HL7 OID of the ``gmc-number`` system.
OID = "2.16.840.1.113883.2.1.3.2.4.16.63"
#: HL7 v2 code listed for the ``gmc-number`` system.
HL7V2_ASSIGNING_AUTHORITY = "GMC"
#: A second system seen for the seven-digit GMC reference number.
FHIR_SYSTEM_REFERENCE_NUMBER = "https://fhir.nhs.uk/Id/gmc-reference-number"
#: OID of :data:`FHIR_SYSTEM_REFERENCE_NUMBER`.
OID_REFERENCE_NUMBER = "2.16.840.1.113883.2.1.3.2.4.18.29"

LENGTH = 7


class GMCValueShape(str, enum.Enum):
    """Which shape a value found under the ``gmc-number`` system has."""

    #: Seven digits: a GMC reference number (:class:`GMCNumber`).
    GMC_NUMBER = "gmc_number"
    #: ``C`` + seven digits: a consultant code
    #: (:class:`~nhsstd.identifiers.consultant_code.ConsultantCode`),
    #: possibly the pseudo code ``C9999998``.
    CONSULTANT_CODE = "consultant_code"
    #: ``L`` + six digits: the historic limited-registration form (UK Core
    #: guidance).  No value class: it is not a current GMC reference number.
    LIMITED_REGISTRATION = "limited_registration"


class FHIRValue(NamedTuple):
    """Result of :func:`classify_fhir_value`: the shape and the compact value."""

    shape: GMCValueShape
    value: str


def compact(number: str) -> str:
    """Normalise *number* without validating it: strip surrounding ASCII whitespace.

    >>> compact(" 2345678\\n")
    '2345678'
    """
    return _common.compact_stripped(number, KIND)


def _validate_compact(number: str) -> str:
    # ASCII letters followed by digits only: a consultant code or an L-prefixed value.
    digits = number.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
    if digits != number and _common.is_ascii_digits(digits):
        _common.fail(
            InvalidComponent,
            Reason.INVALID_PREFIX,
            KIND,
            "a GMC number has no letter prefix (consultant codes and L-prefixed values are other kinds)",
        )
    return _common.check_digit_string(number, LENGTH, KIND)


def validate(number: str) -> str:
    """Return the compact form of *number* or raise a :class:`~nhsstd.exceptions.ValidationError`.

    >>> validate("234567")
    Traceback (most recent call last):
        ...
    nhsstd.exceptions.InvalidLength: GMC number: expected 7 digits, got 6
    """
    return _validate_compact(compact(number))


def is_valid(number: str) -> bool:
    """True if *number* is a well-formed GMC number; never raises."""
    return _common.passes(validate, number)


def format(number: str) -> str:
    """Return *number* in its display form (the seven digits).

    Like python-stdnum's ``format``, this reformats without validating: the
    value is normalised by :func:`compact` and laid out, whether or not it is a
    valid number; check it with :func:`validate` or :func:`is_valid`.

    >>> format(" 2345678")
    '2345678'
    """
    return _format_compact(compact(number))


def _format_compact(number: str) -> str:
    return number


def classify_fhir_value(value: str) -> FHIRValue:
    """Read a value found under the ``gmc-number`` FHIR system.

    Accepts, after stripping ASCII whitespace and upper-casing ASCII letters:

    * 7 digits -> :attr:`GMCValueShape.GMC_NUMBER`;
    * ``C`` + 7 digits (a consultant code) -> :attr:`GMCValueShape.CONSULTANT_CODE`;
    * ``L`` + 6 digits -> :attr:`GMCValueShape.LIMITED_REGISTRATION`.

    Anything else raises the error :func:`validate` gives for it.  Wrap the
    value in the class its shape names when you need one.

    >>> classify_fhir_value("0123456")
    FHIRValue(shape=<GMCValueShape.GMC_NUMBER: 'gmc_number'>, value='0123456')
    >>> classify_fhir_value(" l123456").shape
    <GMCValueShape.LIMITED_REGISTRATION: 'limited_registration'>
    >>> from nhsstd.identifiers.consultant_code import ConsultantCode
    >>> ConsultantCode(classify_fhir_value("c9999998").value).is_pseudo_code
    True
    """
    normalised = _common.compact_upper(value, KIND)
    rest = normalised[1:]
    if normalised[:1] == "C" and len(rest) == LENGTH and _common.is_ascii_digits(rest):
        return FHIRValue(GMCValueShape.CONSULTANT_CODE, consultant_code.validate(normalised))
    if normalised[:1] == "L" and len(rest) == LENGTH - 1 and _common.is_ascii_digits(rest):
        return FHIRValue(GMCValueShape.LIMITED_REGISTRATION, normalised)
    return FHIRValue(GMCValueShape.GMC_NUMBER, _validate_compact(normalised))


@attrs.frozen(repr=False)
class GMCNumber(_common.Identifier):
    """A GMC reference number: frozen, hashable, compared on its digits.

    >>> GMCNumber.parse("0123456").consultant_code
    'C0123456'
    """

    kind = KIND
    fhir_system = FHIR_SYSTEM
    personal = False

    _validate = staticmethod(validate)
    _format_compact = staticmethod(_format_compact)

    @property
    def consultant_code(self) -> str:
        """The consultant code derived from this number (``C`` + the digits)."""
        return "C" + self.compact

"""General Dental Council (GDC) registration numbers.

Every dentist and dental care professional on the GDC registers has a
registration number of three to six digits.  There is no check digit.

Rule: 3 to 6 ASCII digits, ``^[0-9]{3,6}$``, kept exactly as written (a
leading zero, if one is ever written, is kept: the number is an identifier,
not a quantity).

Why digits only: the ODS dental-consultant page says GDC numbers "vary in
length from 3 to 6 characters" and are *zero-filled* to build the ``CD``
consultant code, which only makes sense for numbers; the GDC's own guidance
says the registration number "will be between three and six digits".

Normalisation: surrounding ASCII whitespace is stripped; nothing else.

Sources:

* https://www.odsdatasearchandexport.nhs.uk/referenceDataCatalogue/Dental-Consultant_587367123.html
* https://contactus.gdc-uk.org/Concern/Complaint/DentalProfessional?showPopup=True
* FHIR system: UK NamingSystems index,
  https://simplifier.net/guide/UKNamingSystems/Home/Identifiersystems/IndexofIdentifierNamingsystems?version=current

>>> validate(" 52816 ")
'52816'
>>> is_valid("12"), is_valid("1234567"), is_valid("12A45")
(False, False, False)
>>> GDCNumber.parse("101234")
GDCNumber('101234')
"""

from __future__ import annotations

import attrs

from nhsstd.identifiers import _common

__all__ = ["FHIR_SYSTEM", "GDCNumber", "compact", "format", "is_valid", "validate"]

KIND = "gdc_number"

#: FHIR ``Identifier.system`` for GDC registration numbers.
FHIR_SYSTEM = "https://fhir.hl7.org.uk/Id/gdc-number"

MIN_LENGTH = 3
MAX_LENGTH = 6


def compact(number: str) -> str:
    """Normalise *number* without validating it: strip surrounding ASCII whitespace.

    >>> compact(" 1234\\t")
    '1234'
    """
    return _common.compact_stripped(number, KIND)


def _validate_compact(number: str) -> str:
    _common.check_digits(number, KIND)
    _common.check_length(number, KIND, MIN_LENGTH, MAX_LENGTH, "digits")
    return number


def validate(number: str) -> str:
    """Return the compact form of *number* or raise a :class:`~nhsstd.exceptions.ValidationError`.

    >>> validate("1234567")
    Traceback (most recent call last):
        ...
    nhsstd.exceptions.InvalidLength: GDC number: expected 3 to 6 digits, got 7
    """
    return _validate_compact(compact(number))


def is_valid(number: str) -> bool:
    """True if *number* is a well-formed GDC number; never raises."""
    return _common.passes(validate, number)


def format(number: str) -> str:
    """Return *number* in its display form (the digits as written).

    Like python-stdnum's ``format``, this reformats without validating: the
    value is normalised by :func:`compact` and laid out, whether or not it is a
    valid number; check it with :func:`validate` or :func:`is_valid`.

    >>> format("0123")
    '0123'
    """
    return _format_compact(compact(number))


def _format_compact(number: str) -> str:
    return number


@attrs.frozen(repr=False)
class GDCNumber(_common.Identifier):
    """A GDC registration number: frozen, hashable, compared on its digits.

    >>> GDCNumber.parse("52816").compact
    '52816'
    """

    kind = KIND
    fhir_system = FHIR_SYSTEM
    personal = False

    _validate = staticmethod(validate)
    _format_compact = staticmethod(_format_compact)

"""Nursing and Midwifery Council (NMC) PINs.

Every nurse, midwife and nursing associate on the NMC register has an
8-character Personal Identification Number: two digits, a letter, four
digits, a letter (``NNANNNNA``), for example ``71A2998E`` or ``12A3456B``.
A public explainer describes the first two digits as the year of
registration.  No check digit is known.

Rule: after normalisation, ``^[0-9]{2}[A-Z][0-9]{4}[A-Z]$``.  Checks run in
this order: ``empty``, ``invalid_character`` (anything but ASCII letters and
digits), ``length``, ``format`` (a letter or digit in the wrong place).

Normalisation: surrounding ASCII whitespace is stripped and ASCII letters
upper-cased.  Inner whitespace is not removed.

Sources:

* Format and examples: https://nw-gmsa.github.io/R4/StructureDefinition-PractitionerIdentifier.html ;
  https://help.cegedim-healthcare.co.uk/ManagementTools/Content/Control_Panel/File_Maintenance/Organisations/Codes_QR.htm
* Structure explained: https://medicwatch.co.uk/check/nmc-pin
* FHIR system: UK NamingSystems index,
  https://simplifier.net/guide/UKNamingSystems/Home/Identifiersystems/IndexofIdentifierNamingsystems?version=current

>>> validate(" 71a2998e ")
'71A2998E'
>>> is_valid("1A23456N")
False
>>> NMCPin.parse("01A2345N").year_digits
'01'
"""

from __future__ import annotations

import re

import attrs

from nhsstd.exceptions import InvalidFormat, Reason
from nhsstd.identifiers import _common

__all__ = ["FHIR_SYSTEM", "NMCPin", "compact", "format", "is_valid", "validate"]

KIND = "nmc_pin"

#: FHIR ``Identifier.system`` for NMC PINs.
FHIR_SYSTEM = "https://fhir.hl7.org.uk/Id/nmc-number"

LENGTH = 8
_PATTERN = re.compile(r"[0-9]{2}[A-Z][0-9]{4}[A-Z]")


def compact(pin: str) -> str:
    """Normalise *pin* without validating it: strip ASCII whitespace, upper-case ASCII letters.

    >>> compact("12a3456b\\n")
    '12A3456B'
    """
    return _common.compact_upper(pin, KIND)


def _validate_compact(pin: str) -> str:
    _common.check_alnum(pin, KIND)
    _common.check_length(pin, KIND, LENGTH)
    if not _PATTERN.fullmatch(pin):
        _common.fail(
            InvalidFormat,
            Reason.FORMAT,
            KIND,
            "expected two digits, a letter, four digits and a letter",
        )
    return pin


def validate(pin: str) -> str:
    """Return the compact form of *pin* or raise a :class:`~nhsstd.exceptions.ValidationError`.

    >>> validate("1A23456N")
    Traceback (most recent call last):
        ...
    nhsstd.exceptions.InvalidFormat: NMC PIN: expected two digits, a letter, four digits and a letter
    """
    return _validate_compact(compact(pin))


def is_valid(pin: str) -> bool:
    """True if *pin* is a well-formed NMC PIN; never raises."""
    return _common.passes(validate, pin)


def format(pin: str) -> str:
    """Return *pin* in its display form (the compact PIN).

    Like python-stdnum's ``format``, this reformats without validating: the
    value is normalised by :func:`compact` and laid out, whether or not it is a
    valid pin; check it with :func:`validate` or :func:`is_valid`.

    >>> format("01a2345n")
    '01A2345N'
    """
    return _format_compact(compact(pin))


def _format_compact(pin: str) -> str:
    return pin


@attrs.frozen(repr=False)
class NMCPin(_common.Identifier):
    """An NMC PIN: frozen, hashable, compared on its compact form.

    >>> NMCPin.parse("12a3456b")
    NMCPin('12A3456B')
    """

    kind = KIND
    fhir_system = FHIR_SYSTEM
    personal = False

    _validate = staticmethod(validate)
    _format_compact = staticmethod(_format_compact)

    @property
    def year_digits(self) -> str:
        """The first two digits, described by a public explainer as the year
        of registration.  Returned as written: the century is not known."""
        return self.compact[:2]

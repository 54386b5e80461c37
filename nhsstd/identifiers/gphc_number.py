"""General Pharmaceutical Council (GPhC) registration numbers for pharmacists.

UK Core Practitioner.identifier guidance gives the pharmacist's GPhC
registration number as a "7 digit number starting with the number 2", for
example ``2033467``.  No check digit is known.

Rule: ``^2[0-9]{6}$``.  Checks run in this order: ``empty``,
``invalid_character``, ``length``, then ``invalid_prefix`` when the first
digit is not ``2``.

Normalisation: surrounding ASCII whitespace is stripped; nothing else.

Sources:

* UK Core Practitioner.identifier guidance:
  https://simplifier.net/guide/uk-core-implementation-guide-stu3-sequence/Home/ProfilesandExtensions/Profile-UKCore-Practitioner/identifier-duplicate-2?version=1.6.0
* Example ``2033467``: https://nw-gmsa.github.io/R4/StructureDefinition-PractitionerIdentifier.html
* FHIR system: UK NamingSystems index,
  https://simplifier.net/guide/UKNamingSystems/Home/Identifiersystems/IndexofIdentifierNamingsystems?version=current

>>> validate(" 2033467 ")
'2033467'
>>> is_valid("1033467")
False
>>> GPhCNumber.parse("2033467")
GPhCNumber('2033467')
"""

from __future__ import annotations

import attrs

from nhsstd.exceptions import InvalidComponent, Reason
from nhsstd.identifiers import _common

__all__ = ["FHIR_SYSTEM", "GPhCNumber", "compact", "format", "is_valid", "validate"]

KIND = "gphc_number"

#: FHIR ``Identifier.system`` for GPhC registration numbers.
FHIR_SYSTEM = "https://fhir.hl7.org.uk/Id/gphc-number"

LENGTH = 7


def compact(number: str) -> str:
    """Normalise *number* without validating it: strip surrounding ASCII whitespace.

    >>> compact("2033467\\r\\n")
    '2033467'
    """
    return _common.compact_stripped(number, KIND)


def _validate_compact(number: str) -> str:
    _common.check_digit_string(number, LENGTH, KIND)
    if number[0] != "2":
        _common.fail(InvalidComponent, Reason.INVALID_PREFIX, KIND, "a GPhC number starts with 2")
    return number


def validate(number: str) -> str:
    """Return the compact form of *number* or raise a :class:`~nhsstd.exceptions.ValidationError`.

    >>> validate("5033467")
    Traceback (most recent call last):
        ...
    nhsstd.exceptions.InvalidComponent: GPhC number: a GPhC number starts with 2
    """
    return _validate_compact(compact(number))


def is_valid(number: str) -> bool:
    """True if *number* is a well-formed GPhC number; never raises."""
    return _common.passes(validate, number)


def format(number: str) -> str:
    """Return *number* in its display form (the seven digits).

    Like python-stdnum's ``format``, this reformats without validating: the
    value is normalised by :func:`compact` and laid out, whether or not it is a
    valid number; check it with :func:`validate` or :func:`is_valid`.

    >>> format("2033467")
    '2033467'
    """
    return _format_compact(compact(number))


def _format_compact(number: str) -> str:
    return number


@attrs.frozen(repr=False)
class GPhCNumber(_common.Identifier):
    """A GPhC registration number: frozen, hashable, compared on its digits.

    >>> GPhCNumber.parse(" 2033467").compact
    '2033467'
    """

    kind = KIND
    fhir_system = FHIR_SYSTEM
    personal = False

    _validate = staticmethod(validate)
    _format_compact = staticmethod(_format_compact)

"""GDP codes (General Dental Practitioner codes).

A dental practitioner registered with the General Dental Council who
practises in the NHS in England or Wales is issued a practitioner identifier
by the NHSBSA Dental Practice Division (DPD).  The GDP code is ``D``, the six
digits of that identifier and a check digit: 8 characters, ``^D[0-9]{7}$``.

Check digit: the same "137137" rule as GMP codes -- weight the six DPD
digits 1, 3, 7, 1, 3, 7, add, keep the units digit.  DPD ``334512`` gives
62, so ``D3345122``.

Checks run in this order: ``empty``, ``invalid_character``, ``length``,
``invalid_prefix`` (first character not ``D``), ``format``, ``checksum``.
The HES default code ``D9999998`` ("dentist code not known") passes these
rules.

There is no agreed FHIR ``Identifier.system`` for GDP codes.

Normalisation: surrounding ASCII whitespace is stripped and ASCII letters
upper-cased.  Inner whitespace is not removed.

Source: NHS Wales Data Dictionary, GDP Registration Number,
https://www.datadictionary.wales.nhs.uk/worddocuments/gdpregistrationnumber.htm

>>> validate("d3345122")
'D3345122'
>>> build("334512")
'D3345122'
>>> GDPCode.parse("D3345122").dpd_identifier
'334512'
>>> is_valid("D3345123")
False
"""

from __future__ import annotations

import attrs

from nhsstd.identifiers import _common, _prefixed_137

__all__ = ["GDPCode", "build", "compact", "format", "is_valid", "validate"]

KIND = "gdp_code"

PREFIX = "D"
LENGTH = _prefixed_137.LENGTH


def compact(code: str) -> str:
    """Normalise *code* without validating it: strip ASCII whitespace, upper-case ASCII letters.

    >>> compact(" d3345122")
    'D3345122'
    """
    return _common.compact_upper(code, KIND)


def validate(code: str) -> str:
    """Return the compact form of *code* or raise a :class:`~nhsstd.exceptions.ValidationError`.

    >>> validate("G3345122")
    Traceback (most recent call last):
        ...
    nhsstd.exceptions.InvalidComponent: GDP code: a GDP code starts with D
    """
    return _prefixed_137.validate_compact(compact(code), KIND, PREFIX)


def is_valid(code: str) -> bool:
    """True if *code* is a valid GDP code; never raises."""
    return _common.passes(validate, code)


def format(code: str) -> str:
    """Return *code* in its display form (the compact code).

    Like python-stdnum's ``format``, this reformats without validating: the
    value is normalised by :func:`compact` and laid out, whether or not it is a
    valid code; check it with :func:`validate` or :func:`is_valid`.

    >>> format(" D3345122 ")
    'D3345122'
    """
    return _format_compact(compact(code))


def _format_compact(code: str) -> str:
    return code


def build(dpd_identifier: str) -> str:
    """The GDP code of a six-digit DPD practitioner identifier.

    >>> build("000000")
    'D0000000'
    """
    return _prefixed_137.build(dpd_identifier, KIND, PREFIX)


@attrs.frozen(repr=False)
class GDPCode(_common.Identifier):
    """A GDP code: frozen, hashable, compared on its compact form.

    >>> GDPCode.parse("d3345122")
    GDPCode('D3345122')
    """

    kind = KIND
    fhir_system = None
    personal = False

    _validate = staticmethod(validate)
    _format_compact = staticmethod(_format_compact)

    @property
    def dpd_identifier(self) -> str:
        """The six-digit Dental Practice Division practitioner identifier."""
        return self.compact[1:7]

    @property
    def check_digit(self) -> int:
        """The 1-3-7 check digit (the last character)."""
        return ord(self.compact[7]) - 48

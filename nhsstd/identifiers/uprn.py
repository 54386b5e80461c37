"""Unique Property Reference Numbers (UPRN).

The UPRN is the unique and persistent identifier of every addressable
location in the UK, allocated by local authorities through GeoPlace.  It is
an integer of up to 12 digits, from 1 to 999 999 999 999, with no check
digit.

Rules: 1 to 12 ASCII digits with a value of at least 1.  The compact form is
the decimal integer without leading zeros, so the zero-padded 12-character
rendering found in some datasets (``000000199356``) is accepted and compacts
to ``199356``.  Leading zeros are removed only from renderings of at most 12
digits: a 13-digit string is refused with ``length`` even if it starts with
``0``.  Checks run in this order: ``empty``, ``invalid_character`` (signs,
separators, decimal points, non-ASCII digits), ``length``, ``out_of_range``
(zero).

Normalisation: surrounding ASCII whitespace is stripped, then leading zeros
of a 1-12 digit value removed.  ``9.0``-style spreadsheet damage is refused,
not repaired.

There is no agreed FHIR ``Identifier.system`` for UPRNs.

Sources:

* OS Open UPRN technical specification (integer, size 12):
  https://docs.os.uk/os-downloads/products/addresses-and-names-portfolio/os-open-uprn/os-open-uprn-technical-specification/feature-type/os-open-uprn
* Range 1 to 999,999,999,999: https://geo.fyi/2021/07/27/uniquely-identifying-scottish-properties
* Zero-padded renderings: https://iiab.me/kiwix/content/wikipedia_en_all_maxi_2023-10/A/ONS_UPRN_Directory
* Definition: https://owenboswarva.com/blog/post-addr2.htm

>>> validate("000000199356")
'199356'
>>> UPRN.parse("100023336956").as_int
100023336956
>>> UPRN.from_int(199356).padded
'000000199356'
>>> is_valid("0")
False
"""

from __future__ import annotations

import attrs

from nhsstd.exceptions import InvalidComponent, Reason
from nhsstd.identifiers import _common

__all__ = ["UPRN", "compact", "format", "from_int", "is_valid", "padded", "validate"]

KIND = "uprn"

MAX_LENGTH = 12
MAX_VALUE = 999_999_999_999


def compact(number: str) -> str:
    """Normalise *number* without validating it.

    Strips surrounding ASCII whitespace and, when what is left is 1 to 12
    ASCII digits, removes leading zeros (keeping a single ``0`` for zero).

    >>> compact(" 000000199356 ")
    '199356'
    >>> compact("12.0")
    '12.0'
    """
    value = _common.compact_stripped(number, KIND)
    if 0 < len(value) <= MAX_LENGTH and _common.is_ascii_digits(value):
        return value.lstrip("0") or "0"
    return value


def validate(number: str) -> str:
    """Return the compact form of *number* or raise a :class:`~nhsstd.exceptions.ValidationError`.

    >>> validate("906700")
    '906700'
    >>> validate("000000000000")
    Traceback (most recent call last):
        ...
    nhsstd.exceptions.InvalidComponent: UPRN: a UPRN is at least 1
    """
    value = compact(number)
    _common.check_digits(value, KIND)
    _common.check_length(value, KIND, 1, MAX_LENGTH, "digits")
    if value == "0":
        _common.fail(InvalidComponent, Reason.OUT_OF_RANGE, KIND, "a UPRN is at least 1")
    return value


def is_valid(number: str) -> bool:
    """True if *number* is a valid UPRN; never raises."""
    return _common.passes(validate, number)


def format(number: str) -> str:
    """Return *number* in its display form (the integer, no leading zeros).

    Like python-stdnum's ``format``, this reformats without validating: the
    value is normalised by :func:`compact` and laid out, whether or not it is a
    valid number; check it with :func:`validate` or :func:`is_valid`.

    >>> format("000000199356")
    '199356'
    """
    return _format_compact(compact(number))


def _format_compact(number: str) -> str:
    return number


def padded(number: str) -> str:
    """Validate *number* and return the zero-padded 12-character rendering.

    >>> padded("199356")
    '000000199356'
    """
    return validate(number).rjust(MAX_LENGTH, "0")


def from_int(value: int) -> str:
    """Validate a UPRN held as an integer; return its compact form.

    ``bool`` and other non-``int`` values are refused
    (``not_a_string``); integers outside 1 to 999 999 999 999 raise
    ``out_of_range``.

    >>> from_int(906700)
    '906700'
    """
    value = _common.require_int(value, KIND)
    if not 1 <= value <= MAX_VALUE:
        raise InvalidComponent(Reason.OUT_OF_RANGE, kind=KIND, detail="integer outside 1 to 999999999999")
    return str(value)


@attrs.frozen(repr=False)
class UPRN(_common.Identifier):
    """A UPRN: frozen, hashable, compared on its integer value.

    >>> UPRN.parse("000000199356") == UPRN("199356")
    True
    >>> UPRN.parse("000000199356")
    UPRN('199356')
    """

    kind = KIND
    fhir_system = None
    personal = False

    _validate = staticmethod(validate)
    _format_compact = staticmethod(_format_compact)

    @classmethod
    def from_int(cls, value: int) -> UPRN:
        """Wrap an integer UPRN (see :func:`from_int`)."""
        return cls(from_int(value))

    def __int__(self) -> int:
        return int(self.compact)

    @property
    def as_int(self) -> int:
        """The UPRN as an ``int``."""
        return int(self.compact)

    @property
    def padded(self) -> str:
        """The zero-padded 12-character rendering."""
        return self.compact.rjust(MAX_LENGTH, "0")

"""NHS pseudo-postcodes (``ZZ99 ...``).

NHS data sets record a *pseudo-postcode* where a patient has no usable Royal
Mail postcode: no fixed abode, an unknown address, a usual address elsewhere in
the UK that was not stated, or a usual address overseas.  Every one has the
outward code ``ZZ99`` and an inward code of a digit, a letter and ``Z``:
``ZZ99 3VZ`` is *no fixed abode*, ``ZZ99 6CZ`` is an overseas visitor from
India.

Pseudo-postcodes never satisfy the Royal Mail letter rules (``Z`` is not used
in the second position and ``C`` and ``V`` are not used in the inward code), so
:mod:`nhsstd.identifiers.postcode` rejects them with
:attr:`~nhsstd.exceptions.Reason.PSEUDO_POSTCODE` and they are a separate
kind here.  An NHS address field that accepts either uses
:func:`nhsstd.identifiers.postcode.parse_address_postcode`.

Rule: after normalisation the value must be exactly ``ZZ99``, an ASCII digit,
an ASCII letter and ``Z`` (``^ZZ99[0-9][A-Z]Z$``).  The named codes in
:data:`MEANINGS` are the ones the sources list; other country codes are valid
but have no label here (:attr:`NHSPseudoPostcode.meaning` is ``None``).

Normalisation (the same as for Royal Mail postcodes): surrounding ASCII
whitespace is stripped, ASCII letters are upper-cased and every ASCII space is
removed, so the fixed-width forms read back.  Any other character (TAB inside
the value, NBSP, hyphen, non-ASCII letters or digits) is rejected.

Display form ``ZZ99 3VZ``.  As every pseudo-postcode has seven characters, the
fixed-width renderings are simple: ``pc7`` is the compact form, ``pc8`` and
the HES 8-character form (inward code from character 6) equal the display form.

Sources:

* NHS Data Dictionary, POSTCODE OF USUAL ADDRESS (``ZZ99 3VZ`` no fixed abode,
  ``ZZ99`` + digit + letter + ``Z`` for overseas visitors, ``ZZ99 6CZ`` India):
  https://archive.datadictionary.nhs.uk/DD%20Release%20May%202010/data_dictionary/data_field_notes/p/plan/postcode_of_usual_address_de.asp@shownav=0.html
* HES list of pseudo-postcodes (``3CZ``, ``3VZ``, ``3WZ``, ``2WZ``, ``1WZ``,
  ``3GZ``):
  https://www.hesonline.org.uk/Ease/servlet/ContentServer_siteID-1937-categoryID-571-dirID-110582
* UK Renal Registry ``Address.xsd`` relaxes its postcode pattern for ``ZZ99``:
  https://renalregistry.atlassian.net/wiki/download/attachments/2006450149/Address.xsd

>>> validate("zz99 3vz")
'ZZ993VZ'
>>> format("ZZ993VZ")
'ZZ99 3VZ'
>>> meaning("ZZ99 6CZ")
'India'
>>> is_valid("SW1A 1AA")
False
>>> NHSPseudoPostcode.parse("ZZ99 3VZ").is_no_fixed_abode
True
"""

from __future__ import annotations

import re
import types
from collections.abc import Mapping
from typing import NoReturn

import attrs

from nhsstd.exceptions import InvalidFormat, Reason
from nhsstd.identifiers import _common, _postcodes

__all__ = [
    "MEANINGS",
    "NOT_KNOWN",
    "NO_FIXED_ABODE",
    "OUTWARD",
    "PATTERN",
    "NHSPseudoPostcode",
    "compact",
    "format",
    "hes",
    "is_valid",
    "meaning",
    "pc7",
    "pc8",
    "validate",
]

KIND = "nhs_pseudo_postcode"

#: Outward code shared by every NHS pseudo-postcode.
OUTWARD = "ZZ99"
#: Compact form of the *no fixed abode* pseudo-postcode, ``ZZ99 3VZ``.
NO_FIXED_ABODE = "ZZ993VZ"
#: Compact form of the *not known* pseudo-postcode, ``ZZ99 3WZ``.
NOT_KNOWN = "ZZ993WZ"

#: The named pseudo-postcodes (compact form -> meaning) given by the sources.
#: Country codes not listed here are valid; their meaning is ``None``.
MEANINGS: Mapping[str, str] = types.MappingProxyType(
    {
        "ZZ993CZ": "England, Great Britain or United Kingdom (not otherwise stated)",
        "ZZ993VZ": "No fixed abode",
        "ZZ993WZ": "Not known",
        "ZZ992WZ": "Northern Ireland",
        "ZZ991WZ": "Scotland",
        "ZZ993GZ": "Wales",
        "ZZ996CZ": "India",
    }
)

#: The compact form: ``ZZ99``, a digit, a letter, ``Z``.  Use it with
#: ``fullmatch`` (a ``$`` anchor would also accept a trailing newline).
PATTERN = re.compile(r"ZZ99[0-9][A-Z]Z")

_LENGTH = 7


def compact(postcode: str) -> str:
    """Normalise *postcode* without validating it.

    Strips surrounding ASCII whitespace, upper-cases ASCII letters and removes
    every ASCII space.

    >>> compact(" zz99  3vz ")
    'ZZ993VZ'
    """
    return _postcodes.normalise(_common.require_str(postcode, KIND))


def _diagnose(value: str) -> NoReturn:
    """Raise the error that explains why *value* (compact) does not match."""
    _postcodes.check_characters(value, KIND, _LENGTH)
    _common.fail(
        InvalidFormat,
        Reason.FORMAT,
        KIND,
        "expected ZZ99 followed by a digit, a letter and Z",
    )


def validate(postcode: str) -> str:
    """Return the compact form of *postcode* or raise a :class:`~nhsstd.exceptions.ValidationError`.

    >>> validate("ZZ99 6CZ")
    'ZZ996CZ'
    >>> validate("ZZ99 3VA")
    Traceback (most recent call last):
        ...
    nhsstd.exceptions.InvalidFormat: NHS pseudo-postcode: expected ZZ99 followed by a digit, a letter and Z
    """
    value = compact(postcode)
    if PATTERN.fullmatch(value) is None:
        _diagnose(value)
    return value


def is_valid(postcode: str) -> bool:
    """True if *postcode* is an NHS pseudo-postcode; never raises.

    >>> is_valid("ZZ99 3WZ"), is_valid("ZZ99 3W")
    (True, False)
    """
    return _postcodes.matches(PATTERN, postcode)


def format(postcode: str) -> str:
    """Return *postcode* in its display form, ``ZZ99 3VZ``.

    Like python-stdnum's ``format``, this reformats without validating: the
    value is normalised by :func:`compact` and laid out, whether or not it is a
    valid postcode; check it with :func:`validate` or :func:`is_valid`.

    >>> format("zz993gz")
    'ZZ99 3GZ'
    """
    return _format_compact(compact(postcode))


_format_compact = _postcodes.display


def pc7(postcode: str) -> str:
    """Validate *postcode* and return the 7-character form (no space).

    >>> pc7("ZZ99 3VZ")
    'ZZ993VZ'
    """
    return _postcodes.pc7(validate(postcode))


def pc8(postcode: str) -> str:
    """Validate *postcode* and return the ``pc8`` form (one space before the inward code).

    >>> pc8("ZZ993VZ")
    'ZZ99 3VZ'
    """
    return _format_compact(validate(postcode))


def hes(postcode: str) -> str:
    """Validate *postcode* and return the HES 8-character form (inward code from character 6).

    For a pseudo-postcode this is the display form.

    >>> hes("ZZ993VZ").replace(" ", "_")
    'ZZ99_3VZ'
    """
    return _postcodes.hes(validate(postcode))


def meaning(postcode: str) -> str | None:
    """Validate *postcode* and return its meaning, or ``None`` if it is not in :data:`MEANINGS`.

    >>> meaning("ZZ99 3WZ")
    'Not known'
    >>> meaning("ZZ99 9XZ") is None
    True
    """
    return MEANINGS.get(validate(postcode))


@attrs.frozen(repr=False)
class NHSPseudoPostcode(_common.Identifier):
    """An NHS pseudo-postcode: frozen, hashable, compared on its compact form.

    >>> code = NHSPseudoPostcode.parse("zz99 1wz")
    >>> code.compact, code.formatted, code.meaning
    ('ZZ991WZ', 'ZZ99 1WZ', 'Scotland')
    >>> code.outward, code.inward, code.pc7
    ('ZZ99', '1WZ', 'ZZ991WZ')
    >>> code
    NHSPseudoPostcode('ZZ99 1WZ')
    """

    kind = KIND
    fhir_system = None
    personal = False

    _validate = staticmethod(validate)
    _format_compact = staticmethod(_format_compact)

    @property
    def outward(self) -> str:
        """The outward code, always ``"ZZ99"``."""
        return self.compact[:4]

    @property
    def inward(self) -> str:
        """The inward code: digit, letter, ``Z`` (``"3VZ"``)."""
        return self.compact[4:]

    @property
    def meaning(self) -> str | None:
        """The label from :data:`MEANINGS`, or ``None`` for codes not listed there."""
        return MEANINGS.get(self.compact)

    @property
    def is_no_fixed_abode(self) -> bool:
        """True for ``ZZ99 3VZ``."""
        return self.compact == NO_FIXED_ABODE

    @property
    def is_not_known(self) -> bool:
        """True for ``ZZ99 3WZ``."""
        return self.compact == NOT_KNOWN

    @property
    def pc7(self) -> str:
        """The 7-character form, which for a pseudo-postcode is the compact form."""
        return _postcodes.pc7(self.compact)

    @property
    def pc8(self) -> str:
        """One space before the inward code (the display form)."""
        return self.formatted

    @property
    def hes(self) -> str:
        """The HES 8-character form; for a pseudo-postcode, the display form."""
        return _postcodes.hes(self.compact)

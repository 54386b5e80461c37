"""What Royal Mail postcodes and NHS pseudo-postcodes share (private).

Both kinds normalise the same way, diagnose the characters and length the
same way and render the same fixed-width forms, here once.  Kept apart from
:mod:`nhsstd.identifiers.postcode` so that
:mod:`nhsstd.identifiers.nhs_pseudo_postcode` need not import it (postcode
imports the pseudo-postcode module).
"""

from __future__ import annotations

import re

from nhsstd.identifiers import _common


def normalise(value: str) -> str:
    """Strip surrounding ASCII whitespace, upper-case ASCII letters, remove every ASCII space."""
    value = value.strip(_common.ASCII_WHITESPACE)
    # str.upper() equals ASCII upper-casing only for ASCII text; anything else
    # goes through the ASCII-only table so that no non-ASCII letter (such as
    # "ß" -> "SS") is folded into ASCII ones.
    value = value.upper() if value.isascii() else _common.ascii_upper(value)
    return value.replace(" ", "")


def matches(pattern: re.Pattern[str], value: object) -> bool:
    """True if *value* is a ``str`` whose normal form fully matches *pattern*; never raises."""
    return isinstance(value, str) and pattern.fullmatch(normalise(value)) is not None


def check_characters(value: str, kind: str, low: int, high: int | None = None) -> None:
    """Raise ``empty``, ``invalid_character`` or ``length`` for a compact *value*, in that order."""
    _common.check_alnum(value, kind, "only ASCII letters, digits and spaces are allowed")
    _common.check_length(value, kind, low, high, "letters and digits (spaces ignored)")


def display(compact: str) -> str:
    """One space before the inward code (the display and ``pc8`` form)."""
    return f"{compact[:-3]} {compact[-3:]}"


def pc7(compact: str) -> str:
    """Seven characters: the outward code padded with spaces to four."""
    return compact[:-3].ljust(4) + compact[-3:]


def hes(compact: str) -> str:
    """Eight characters: the inward code from character 6 (HES, NHS Postcode Directory)."""
    return compact[:-3].ljust(5) + compact[-3:]

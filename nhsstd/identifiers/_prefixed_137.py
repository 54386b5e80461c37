"""The NHSBSA "letter + six digits + 1-3-7 check digit" codes (private).

GMP codes (``G``) and GDP codes (``D``) are the same scheme with a different
prefix letter: 8 characters, ``^<prefix>[0-9]{7}$``, the last digit the 1-3-7
check digit of the six before it (:func:`nhsstd.identifiers._checksums.check_digit_137`).
Each kind's module supplies its ``KIND`` and prefix letter.
"""

from __future__ import annotations

from nhsstd.exceptions import _KIND_LABELS, InvalidChecksum, InvalidComponent, InvalidFormat, Reason
from nhsstd.identifiers import _checksums, _common

LENGTH = 8


def validate_compact(code: str, kind: str, prefix: str) -> str:
    """Check an upper-cased candidate; return it.

    Reasons in this order: ``empty``, ``invalid_character``, ``length``,
    ``invalid_prefix``, ``format`` (a letter after the prefix), ``checksum``.
    """
    _common.check_alnum(code, kind)
    _common.check_length(code, kind, LENGTH)
    if code[0] != prefix:
        label = _KIND_LABELS[kind]
        _common.fail(InvalidComponent, Reason.INVALID_PREFIX, kind, f"a {label} starts with {prefix}")
    if not code[1:].isdigit():
        _common.fail(InvalidFormat, Reason.FORMAT, kind, f"{prefix} must be followed by seven digits")
    if _checksums.check_digit_137(code[1:7]) != ord(code[7]) - 48:
        _common.fail(InvalidChecksum, Reason.CHECKSUM, kind)
    return code


def build(payload: object, kind: str, prefix: str) -> str:
    """The code of a six-digit *payload* (surrounding ASCII whitespace stripped)."""
    digits = _common.check_digit_string(_common.compact_stripped(payload, kind), 6, kind)
    return f"{prefix}{digits}{_checksums.check_digit_137(digits)}"

"""JSON text in: the one policy for every JSON text nhsstd reads (private).

Used by :func:`nhsstd.json.from_json`, :func:`nhsstd.fhir.loads` (and the FHIR residual
kept in ``extras``) and the register clients' response bodies.  One library (orjson) reads
it all, under one policy (RFC 8259).  The conformance validator reads JSON text more exactly
(``nhsstd.conformance._parse``) but takes the encoding rule from here (:func:`json_text`) and
the same nesting limit (:data:`MAX_DEPTH`):

* **UTF-8 only** (RFC 8259 section 8.1; FHIR JSON is UTF-8 too).  UTF-16, UTF-32, a byte
  order mark or bytes that are not UTF-8 are refused with :class:`JSONNotUTF8`, which
  says which of these it is.
* **Numbers as orjson reads them.**  An integer within 64 bits (``-2**63`` to ``2**64 - 1``)
  is an exact ``int``; any other number -- an integer beyond 64 bits, a fraction, an
  exponent -- is an IEEE 754 double (``float``), as RFC 8259 section 6 permits.  A number
  beyond the double range (``1e400``), ``NaN`` and ``Infinity`` are refused.
  :func:`nhsstd.json.to_json` and :func:`nhsstd.fhir.dumps` agree: they refuse to write an
  integer beyond 64 bits (:func:`wide_integers` says where), which would not read back as
  written.
* **Nesting** deeper than 1024 arrays and objects is refused with :class:`JSONTooDeep`,
  never ``RecursionError``.
* An escaped unpaired surrogate (``"\\ud800"``) is refused: it is not Unicode text (RFC 8259
  section 8.2).  A repeated object key keeps its last value (section 4 leaves it open).

Every refusal is a :class:`json.JSONDecodeError` (so a ``ValueError``) with ``msg``,
``lineno`` and ``colno``; its message never quotes the text.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable
from typing import Any, Final

import orjson

__all__ = [
    "EXACT_INTEGERS",
    "MAX_DEPTH",
    "WIDE_INTEGER",
    "JSONNotUTF8",
    "JSONTooDeep",
    "exact_integer",
    "json_text",
    "load_json",
    "wide_integers",
]

#: The deepest nesting of arrays and objects read (orjson's limit, pinned by the tests).
MAX_DEPTH: Final = 1024

#: The integers JSON text holds exactly under the policy: signed and unsigned 64 bits.
EXACT_INTEGERS: Final = range(-(2**63), 2**64)
#: Why an integer beyond them is not written.
WIDE_INTEGER: Final = "integer beyond 64 bits: JSON readers disagree on it (write it as a string)"


def exact_integer(value: int) -> bool:
    """True when the integer *value* is one JSON text holds exactly under the policy.

    Compared with the bounds, not ``in EXACT_INTEGERS``: ``range`` answers that by walking
    itself for an ``int`` subclass (an ``IntEnum`` built in code).
    """
    return EXACT_INTEGERS.start <= value < EXACT_INTEGERS.stop


def wide_integers(value: object, path: str, member: Callable[[str, str], str]) -> list[str]:
    """The paths of the integers in *value* that the policy cannot write (beyond 64 bits).

    *path* is where *value* is; ``member(path, key)`` spells the path of an object's member
    (each caller has its own rule for keys that are not element names).

    >>> wide_integers({"a": [1, 2**64]}, "$", lambda path, key: f"{path}.{key}")
    ['$.a[1]']
    """
    if isinstance(value, dict):
        return [
            found for key, item in value.items() for found in wide_integers(item, member(path, key), member)
        ]
    if isinstance(value, (list, tuple)):
        return [
            found
            for index, item in enumerate(value)
            for found in wide_integers(item, f"{path}[{index}]", member)
        ]
    return [path] if type(value) is int and not exact_integer(value) else []


class _Refused(json.JSONDecodeError):
    """JSON text refused under the policy, told apart from a plain syntax error."""

    def __init__(self, msg: str, pos: int = 0, lineno: int = 1, colno: int = 1) -> None:
        # No ``doc``: the text may be personal data, and the exception may be kept or logged.
        ValueError.__init__(self, f"{msg}: line {lineno} column {colno} (char {pos})")
        self.msg, self.doc, self.pos, self.lineno, self.colno = msg, "", pos, lineno, colno

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (self.msg, self.pos, self.lineno, self.colno)


class JSONTooDeep(_Refused):
    """The JSON is nested more than 1024 arrays and objects deep."""


class JSONNotUTF8(_Refused):
    """The JSON text is not UTF-8 (UTF-16, UTF-32, a byte order mark, or bytes that are not UTF-8)."""


#: orjson's message for nesting beyond its limit (pinned by the tests, in case it changes).
_TOO_DEEP = "depth limit exceeded"


def load_json(content: str | bytes | bytearray) -> Any:
    """Parse JSON text under the module's policy: UTF-8, orjson's numbers, at most 1024 levels.

    >>> load_json(b'{"total": 18446744073709551615, "big": 18446744073709551616}')
    {'total': 18446744073709551615, 'big': 1.8446744073709552e+19}
    >>> load_json('{}'.encode("utf-16"))
    Traceback (most recent call last):
    ...
    nhsstd._json_text.JSONNotUTF8: JSON text must be UTF-8, not UTF-16 or UTF-32: line 1 column 1 (char 0)
    >>> load_json(b"[" * 100_000)
    Traceback (most recent call last):
    ...
    nhsstd._json_text.JSONTooDeep: depth limit exceeded: line 1 column 1026 (char 1025)
    """
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError as error:
        # Only a refusal is looked at again, to say why; what orjson reads is never second-guessed.
        if error.msg == _TOO_DEEP:
            raise JSONTooDeep(error.msg, error.pos, error.lineno, error.colno) from None
        not_utf8 = _not_utf8(content)
        if not_utf8 is not None:
            raise not_utf8 from None
        raise


def json_text(content: str | bytes | bytearray) -> str:
    """*content* as text, when it is in the encoding the policy allows; else :class:`JSONNotUTF8`.

    The encoding rule alone, for a reader that parses the text another way (the conformance
    validator); :func:`load_json` applies the same rule to the text orjson refuses.

    >>> json_text(b'{"a": "\\xc3\\xa9"}')
    '{"a": "\xe9"}'
    >>> json_text(b'\\xef\\xbb\\xbf{}')
    Traceback (most recent call last):
    ...
    nhsstd._json_text.JSONNotUTF8: JSON text must be UTF-8 without a byte order mark: line 1 column 1 (char 0)
    """
    if isinstance(content, str):
        if content[:1] == "\ufeff":
            raise JSONNotUTF8("JSON text must not start with a byte order mark")
        try:
            content.encode()
        except UnicodeEncodeError as error:
            message = "JSON text must be Unicode (it has an unpaired surrogate)"
            raise _at(content, error.start, message) from None
        return content
    head = bytes(content[:4])
    if head.startswith(codecs.BOM_UTF8):
        raise JSONNotUTF8("JSON text must be UTF-8 without a byte order mark")
    # JSON text starts with ASCII, so a NUL among its first bytes (or a UTF-16 byte order mark)
    # is the sign of another Unicode encoding (RFC 4627 section 3).
    if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) or b"\x00" in head:
        raise JSONNotUTF8("JSON text must be UTF-8, not UTF-16 or UTF-32")
    try:
        return codecs.decode(content, "utf-8")
    except UnicodeDecodeError as error:
        raise _at(content, error.start, "JSON text must be UTF-8 (it has bytes that are not)") from None


def _not_utf8(content: str | bytes | bytearray) -> JSONNotUTF8 | None:
    """Why *content*, which orjson has refused, is not UTF-8 text; None when it is."""
    try:
        json_text(content)
    except JSONNotUTF8 as error:
        return error
    return None


def _at(content: str | bytes | bytearray, pos: int, msg: str) -> JSONNotUTF8:
    """The error *msg* at *pos* of *content*, with its line and column."""
    newline: Any = "\n" if isinstance(content, str) else b"\n"
    return JSONNotUTF8(msg, pos, content.count(newline, 0, pos) + 1, pos - content.rfind(newline, 0, pos))

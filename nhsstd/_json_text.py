"""JSON text in, exactly as the standard library reads it, at orjson's speed (private).

Shared by the readers that take JSON text from outside: the register clients'
response bodies and :func:`nhsstd.fhir.loads`.
"""

from __future__ import annotations

import json
from typing import Any, Final

import orjson

__all__ = ["JSONTooDeep", "load_json"]

# Maps ASCII digits to "0" and every other byte to a space, so that a run of 19 digits
# (an integer orjson would read as a float) is found with one C-speed substring search.
_DIGIT_RUNS: Final = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
_LONG_DIGIT_RUN: Final = b"0" * 19


class JSONTooDeep(ValueError):
    """The JSON is nested deeper than the standard library can follow."""


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def load_json(content: bytes | bytearray) -> Any:
    """Parse JSON text (a response body, a FHIR resource) as :func:`json.loads` would, refusing NaN.

    orjson does it in about half the time of the standard library.  It is used only where
    it reads the same: not where a run of 19 digits could be an integer beyond 64 bits
    (orjson would make it a float), nor where it refuses the body (UTF-16, a BOM,
    unpaired surrogates), which then goes to the standard library.  Nesting deeper than
    the standard library can follow is refused with :class:`JSONTooDeep` (a ``ValueError``),
    never ``RecursionError``.

    >>> load_json(b'{"total": 12345678901234567890123}')
    {'total': 12345678901234567890123}
    >>> load_json(b"[" * 100_000)
    Traceback (most recent call last):
    ...
    nhsstd._json_text.JSONTooDeep: the JSON is nested too deeply
    """
    if _LONG_DIGIT_RUN not in content.translate(_DIGIT_RUNS):
        try:
            return orjson.loads(content)
        except orjson.JSONDecodeError:
            pass  # the standard library decides, so that both read and refuse the same
    try:
        return json.loads(content, parse_constant=_refuse_constant)
    except RecursionError:
        raise JSONTooDeep("the JSON is nested too deeply") from None

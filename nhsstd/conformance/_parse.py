"""The validator's reading of resource text: FHIR JSON or FHIR XML, into what the walker checks.

JSON text follows nhsstd's one JSON text policy (:mod:`nhsstd._json_text`) where it speaks
of the text itself: UTF-8 only -- UTF-16, UTF-32, a byte order mark or bytes that are not
UTF-8 are a fatal ``nhsstd-parse`` issue naming the cause, decided by the policy's own
:func:`~nhsstd._json_text.json_text` -- no escaped unpaired surrogate (``"\\ud800"``), and at
most 1024 levels of arrays and objects, deeper being a fatal issue, never ``RecursionError``.

It reads more exactly than the model reader (:func:`nhsstd.fhir.loads`), on purpose: a
validator must report what the text says, not what a model keeps of it.

* **Numbers are exact**: a fraction or exponent is a :class:`~decimal.Decimal`, any integer an
  ``int``, so that ``1.50`` keeps its precision and an integer beyond 64 bits is seen as
  written when the rules (decimal, integer ranges, fixed and pattern values) are checked.
  ``NaN`` and ``Infinity`` are not JSON numbers (RFC 8259 section 6): a fatal issue.
* **A repeated key is a fatal issue**: the model reader keeps the last value (RFC 8259
  section 4 leaves it open), which would hide the first value from every check; the
  validator says that the text is ambiguous instead.

So the parse is the standard library's, with those two hooks, on the text the policy has
decoded.  Its recursion stops at the interpreter's recursion limit (about 1000 levels on
Python 3.10 and 3.11), which the text may reach within the policy's 1024 levels: that text is
a fatal issue too (the walker would stop far above, at 100 levels of elements).

XML text (first non-blank character ``<``) is read by :mod:`nhsstd.fhir.xml`, which notes
the elements out of order; XML declares its own encoding, and a byte order mark before it
is allowed there (XML 1.0 section 4.3.3).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from nhsstd._json_text import MAX_DEPTH, JSONNotUTF8, JSONTooDeep, json_text, load_json
from nhsstd.conformance._outcome import Issue
from nhsstd.conformance._xml_order import order_issues

__all__ = ["parse"]


def parse(text: str | bytes) -> tuple[Mapping[str, Any], tuple[Issue, ...]] | Issue:
    """JSON or XML text -> a resource and the XML elements out of order, or the fatal issue."""
    xml_start = _XML_START_BYTES.match(text) if isinstance(text, bytes) else _XML_START.match(text)
    if xml_start is not None:
        return _parse_xml(text)
    try:
        decoded = json_text(text)
    except JSONNotUTF8 as error:  # the policy's cause, and where, when not at the start
        unit = "byte" if isinstance(text, bytes) else "character"
        return _fatal(f"not readable as JSON: {error.msg}" + (f" at {unit} {error.pos}" if error.pos else ""))
    try:
        loaded = _DECODER.decode(decoded)
    except RecursionError:
        return _too_deep(decoded)
    except _DuplicateKey as error:
        return _fatal(f"the JSON object repeats the key {error.key}")
    except ValueError as error:  # JSONDecodeError, and a NaN or Infinity
        return _fatal(f"not readable as JSON: {_reason(error)}")
    if "\\" in decoded and _SURROGATE_ESCAPE.search(decoded):  # rare: checked where it may be
        unpaired = _unpaired_surrogate(decoded)
        if unpaired is not None:
            return _fatal(f"not readable as JSON: {_UNPAIRED} at character {unpaired}")
    if not isinstance(loaded, dict):
        return _fatal("the JSON is not an object")
    return loaded, ()


#: The policy refuses an escaped surrogate without its other half: it is not Unicode text
#: (RFC 8259 section 8.2), as the standard library's reader would keep it.
_UNPAIRED = "JSON text must be Unicode (it escapes an unpaired surrogate)"

#: The escape of a UTF-16 surrogate, high or low (JSON spells the escape ``\\u`` only).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")

#: One escape in a string: ``\\u`` and four hex digits, or a backslash and one character.
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|.)", re.DOTALL)


def _unpaired_surrogate(text: str) -> int | None:
    """Where JSON *text* (read without error) escapes a surrogate without its other half.

    Every backslash of JSON text is in a string and starts an escape, so reading the escapes
    from the start tells them apart (``\\\\ud800`` escapes a backslash, not a surrogate).
    A high surrogate is paired only by a low one escaped right after it, as readers join them.
    """
    high: tuple[int, int] | None = None  # where an unpaired high surrogate's escape starts, ends
    for escape in _ESCAPE.finditer(text):
        unit = int(escape[1], 16) if escape[1] else -1
        if high is not None:
            if escape.start() == high[1] and 0xDC00 <= unit <= 0xDFFF:
                high = None
                continue
            return high[0]
        if 0xD800 <= unit <= 0xDBFF:
            high = (escape.start(), escape.end())
        elif 0xDC00 <= unit <= 0xDFFF:
            return escape.start()
    return None if high is None else high[0]


#: XML text: blanks, perhaps after a byte order mark, then ``<``.
_XML_START = re.compile("\ufeff?\\s*<")
_XML_START_BYTES = re.compile(rb"(?:\xef\xbb\xbf)?\s*<")


def _parse_xml(text: str | bytes) -> tuple[Mapping[str, Any], tuple[Issue, ...]] | Issue:
    from nhsstd.fhir import xml  # the XML reader is only needed for XML text

    text = text.removeprefix(b"\xef\xbb\xbf") if isinstance(text, bytes) else text.removeprefix("\ufeff")
    try:
        loaded, out_of_order = xml._loads_noting_order(text)
    except ValueError as error:
        return _fatal(f"not readable as FHIR XML: {_reason(error)}")
    return loaded, order_issues(loaded["resourceType"], out_of_order)


def _fatal(message: str) -> Issue:
    return Issue("fatal", "structure", "$", message, "nhsstd-parse")


def _too_deep(text: str) -> Issue:
    """The issue for text the exact reader recursed out of: past the policy's limit, or not."""
    try:
        load_json(text)
    except JSONTooDeep as error:
        return _fatal(f"the JSON is nested more than {MAX_DEPTH} levels deep (at character {error.pos})")
    except ValueError:
        pass
    return _fatal("the JSON is nested too deeply to check")


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__()
        # named only when it looks like an element name: a key can be anything (an NHS Number...)
        self.key = json.dumps(key) if re.fullmatch(r"_?[A-Za-z][A-Za-z0-9]{0,63}", key) else "(unnamed)"


def _no_constant(name: str) -> Any:
    # NaN, Infinity and -Infinity are accepted by Python's json but are not JSON (RFC 8259 6).
    raise ValueError(f"{name} is not a JSON number")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return result


#: One decoder for every call (``json.loads`` with hooks builds one a call): Decimal fractions,
#: no NaN or Infinity, each object's members checked for a repeated key.
_DECODER = json.JSONDecoder(
    parse_float=Decimal, parse_constant=_no_constant, object_pairs_hook=_no_duplicate_keys
)


def _reason(error: ValueError) -> str:
    problems = getattr(error, "problems", None)
    if problems:  # the XML reader's problems: a path and what is wrong there, never a value
        return str(problems[0])
    # json's messages give a position, never the text; the XML reader's give paths only.
    reason = getattr(error, "msg", None) or type(error).__name__
    position = getattr(error, "pos", None)
    return f"{reason} at character {position}" if position is not None else str(reason)

"""A small ER7 (pipe-and-hat) reader and writer (private module; import from :mod:`nhsstd.hl7v2`).

Policy, in one place:

* The delimiters come from MSH-1 and MSH-2 of each message; a segment read on
  its own uses the ones passed in (default ``|^~\\&``).  Delimiters must be
  distinct, printable, non-alphanumeric ASCII characters other than ``"``
  (``""`` is the explicit null).
* Segments are separated by CR; LF and CR LF are accepted on read (files and
  logs often convert them), and MLLP framing (VT ... FS CR) is removed.
  Control characters other than TAB, and unpaired surrogates, are refused:
  inside a field they must be written as ``\\Xhh\\``.
* Fields keep their escapes until a value is asked for (:meth:`Segment.value`),
  so reading and writing a segment you have not changed gives it back as it
  was.  Escapes (syntax, and hex bytes in the message character set) are
  checked when the message is read, so a :class:`Message` is always
  decodable.  MSH-1 and MSH-2 are the delimiters themselves and are never
  decoded.
* Escapes: ``\\F\\ \\S\\ \\T\\ \\R\\ \\E\\`` (and ``\\P\\`` where MSH-2 declares
  a truncation character), ``\\Xhh..\\`` in the message character set
  (MSH-18; UTF-8 when MSH-18 is empty), ``\\.br\\`` as a line feed, and the
  highlighting pair ``\\H\\``/``\\N\\``, which carry no text and are dropped.
  Anything else (``\\C..\\``, ``\\M..\\``, ``\\Z..\\``, other formatting
  commands, an unterminated or empty sequence, odd or non-hex digits) is an
  :class:`EscapeError`.
* ``""`` (a value made of exactly two double quotes) is the explicit null
  :data:`NULL`; an empty value is "not present".  They are different.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Final

import attrs

from nhsstd.exceptions import Reason
from nhsstd.hl7v2._errors import DelimiterError, EscapeError, FieldTooLongError, HL7v2Error, SegmentError

__all__ = [
    "DEFAULT_DELIMITERS",
    "DEFAULT_MAX_FIELD_LENGTH",
    "NULL",
    "Delimiters",
    "Message",
    "Null",
    "Segment",
    "escape",
    "join_components",
    "parse_message",
    "parse_segment",
    "unescape",
]

#: The longest field (in characters) read by default: generous for
#: demographics, small enough that a hostile 1 MB field is refused early.
DEFAULT_MAX_FIELD_LENGTH: Final = 65_536

#: Segments whose fields 1 and 2 are the delimiters (HL7 v2.5.1 chapter 2, 2.14.9 MSH, 2.15.2 BHS,
#: 2.15.6 FHS): written literally, never escaped or split.
_HEADER_SEGMENTS: Final = frozenset({"MSH", "BHS", "FHS"})

_BAD_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_SEGMENT_SPLIT = re.compile("\r\n|\r|\n")
_SEGMENT_NAME = re.compile("[A-Z][A-Z0-9]{2}")
_HEX = re.compile("[0-9A-Fa-f]+")
# Characters that are always written as \Xhh\ (they cannot appear raw in ER7).
_CONTROL_ESCAPES = {c: f"X{c:02X}" for c in [*range(0x00, 0x09), *range(0x0A, 0x20), 0x7F]}

#: MSH-18 values -> Python codecs used to decode \Xhh\ escapes.
_CHARSETS: Final = {
    "": "utf-8",
    "ASCII": "ascii",
    "8859/1": "latin-1",
    "8859/2": "iso8859-2",
    "8859/15": "iso8859-15",
    "UNICODE UTF-8": "utf-8",
}


class Null:
    """The type of :data:`NULL`, HL7's explicit null (``""``): "delete this value"."""

    __slots__ = ()
    _instance: Null | None = None

    def __new__(cls) -> Null:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NULL"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "NULL"


#: HL7's explicit null, written ``""``: present and blank.  Distinct from an
#: empty value, which means "not sent".
NULL: Final = Null()

_RAW_NULL: Final = '""'


def _is_delimiter_character(char: str) -> bool:
    return (
        len(char) == 1 and char.isascii() and char.isprintable() and not char.isalnum() and char not in ' "'
    )


@attrs.frozen
class Delimiters:
    """The five (or six) ER7 delimiters.

    >>> Delimiters().encoding_characters
    '^~\\\\&'
    >>> Delimiters(component="|")
    Traceback (most recent call last):
        ...
    nhsstd.hl7v2.DelimiterError: HL7 v2 MSH-2: the delimiters must be distinct
    """

    field: str = "|"
    component: str = "^"
    repetition: str = "~"
    escape: str = "\\"
    subcomponent: str = "&"
    #: The v2.7 truncation character (fifth character of MSH-2), if declared.
    truncation: str | None = None

    _escapes: dict[int, str] = attrs.field(init=False, repr=False, eq=False, hash=False)
    _unescapes: dict[str, str] = attrs.field(init=False, repr=False, eq=False, hash=False)

    def __attrs_post_init__(self) -> None:
        chars = [self.field, self.component, self.repetition, self.escape, self.subcomponent]
        if self.truncation is not None:
            chars.append(self.truncation)
        for char in chars:
            if not isinstance(char, str) or not _is_delimiter_character(char):
                raise DelimiterError(
                    Reason.INVALID_CHARACTER,
                    "MSH-2",
                    "a delimiter must be one printable ASCII character that is not a letter, digit, "
                    "space or double quote",
                )
        if len(set(chars)) != len(chars):
            raise DelimiterError(Reason.FORMAT, "MSH-2", "the delimiters must be distinct")
        e = self.escape
        codes = {"F": self.field, "S": self.component, "R": self.repetition, "E": e, "T": self.subcomponent}
        if self.truncation is not None:
            codes["P"] = self.truncation
        escapes = {ord(char): f"{e}{code}{e}" for code, char in codes.items()}
        escapes.update({c: f"{e}{body}{e}" for c, body in _CONTROL_ESCAPES.items()})
        unescapes = {code: char for code, char in codes.items()}
        unescapes.update({"H": "", "N": "", ".br": "\n"})
        object.__setattr__(self, "_escapes", escapes)
        object.__setattr__(self, "_unescapes", unescapes)

    @property
    def encoding_characters(self) -> str:
        """MSH-2: component, repetition, escape, subcomponent (and truncation) characters."""
        return self.component + self.repetition + self.escape + self.subcomponent + (self.truncation or "")

    @classmethod
    def from_msh(cls, segment: str) -> Delimiters:
        """Read the delimiters from the start of an MSH segment.

        >>> Delimiters.from_msh("MSH#$*@%#SENDER").field
        '#'
        >>> Delimiters.from_msh("MSH|^~|")
        Traceback (most recent call last):
            ...
        nhsstd.hl7v2.DelimiterError: HL7 v2 MSH-2: expected 4 or 5 encoding characters, got 2
        """
        if not isinstance(segment, str):
            raise DelimiterError(Reason.NOT_A_STRING, "MSH", f"expected str, got {type(segment).__name__}")
        name = segment[:3]
        if name not in _HEADER_SEGMENTS:
            raise SegmentError(Reason.FORMAT, "segment 1", "a message must start with an MSH segment")
        if len(segment) < 4:
            raise DelimiterError(
                Reason.LENGTH, f"{name}-1", "the header is truncated before the field delimiter"
            )
        field = segment[3]
        end = segment.find(field, 4)
        encoding = segment[4:] if end < 0 else segment[4:end]
        if len(encoding) not in (4, 5):
            raise DelimiterError(
                Reason.LENGTH,
                f"{name}-2",
                f"expected 4 or 5 encoding characters, got {min(len(encoding), 99)}",
            )
        return cls(
            field=field,
            component=encoding[0],
            repetition=encoding[1],
            escape=encoding[2],
            subcomponent=encoding[3],
            truncation=encoding[4] if len(encoding) == 5 else None,
        )


#: ``|^~\&``, the delimiters nearly every message uses.
DEFAULT_DELIMITERS: Final = Delimiters()


def escape(text: str, delimiters: Delimiters = DEFAULT_DELIMITERS) -> str:
    """Escape *text* for use as one ER7 value (component or subcomponent).

    The escape character is escaped first (by construction: every character
    is mapped once, so no generated sequence is escaped again).  Control
    characters become ``\\Xhh\\``, and a value that is exactly ``""`` is
    written so that it does not read back as the explicit null.

    >>> print(escape("Obstetrics & Gynaecology | A^B ~ C \\\\ D"))
    Obstetrics \\T\\ Gynaecology \\F\\ A\\S\\B \\R\\ C \\E\\ D
    >>> print(escape("line 1\\nline 2"))
    line 1\\X0A\\line 2
    >>> print(escape('""'))
    \\X22\\"
    """
    out = text.translate(delimiters._escapes)
    if out == _RAW_NULL:
        out = f"{delimiters.escape}X22{delimiters.escape}" + '"'
    return out


def unescape(
    raw: str,
    delimiters: Delimiters = DEFAULT_DELIMITERS,
    *,
    charset: str | None = "utf-8",
    location: str = "value",
) -> str:
    """Decode the escape sequences of one ER7 value.

    *charset* is the Python codec for ``\\Xhh\\`` bytes (``None`` when MSH-18
    names a character set nhsstd does not know: hex escapes are then refused).
    Consecutive hex escapes are decoded together, so multi-byte characters
    may be split across them.

    >>> unescape("Obstetrician \\\\T\\\\ Gynaecologist")
    'Obstetrician & Gynaecologist'
    >>> unescape("caf\\\\XC3A9\\\\ \\\\.br\\\\next")
    'café \\nnext'
    >>> unescape("\\\\Q\\\\")
    Traceback (most recent call last):
        ...
    nhsstd.hl7v2.EscapeError: HL7 v2 value: unsupported escape sequence
    """
    e = delimiters.escape
    if e not in raw:
        return raw
    parts = raw.split(e)
    if len(parts) % 2 == 0:
        raise EscapeError(Reason.FORMAT, location, "unterminated escape sequence")
    table = delimiters._unescapes
    out: list[str] = []
    pending = bytearray()
    for index, part in enumerate(parts):
        if index % 2 == 0:
            if part:
                if pending:
                    out.append(_decode_hex(pending, charset, location))
                    pending.clear()
                out.append(part)
            continue
        if part[:1] == "X":
            digits = part[1:]
            if not digits or len(digits) % 2 or _HEX.fullmatch(digits) is None:
                raise EscapeError(Reason.FORMAT, location, "a hex escape needs an even number of hex digits")
            pending += bytes.fromhex(digits)
            continue
        if pending:
            out.append(_decode_hex(pending, charset, location))
            pending.clear()
        decoded = table.get(part)
        if decoded is None:
            if not part:
                raise EscapeError(Reason.FORMAT, location, "empty escape sequence")
            raise EscapeError(Reason.FORMAT, location, "unsupported escape sequence")
        out.append(decoded)
    if pending:
        out.append(_decode_hex(pending, charset, location))
    return "".join(out)


def _decode_hex(data: bytearray, charset: str | None, location: str) -> str:
    if charset is None:
        raise EscapeError(
            Reason.FORMAT, location, "a hex escape cannot be decoded: MSH-18 names an unknown character set"
        )
    try:
        return bytes(data).decode(charset)
    except UnicodeDecodeError:
        raise EscapeError(
            Reason.INVALID_CHARACTER, location, "a hex escape is not valid in the message character set"
        ) from None


def _check_escapes(raw: str, delimiters: Delimiters, location: str, charset: str | None = "utf-8") -> None:
    """Decode *raw* once and throw the text away: a message that is read can always be decoded
    later (escape syntax and hex bytes in the message character set alike)."""
    if delimiters.escape in raw:
        unescape(raw, delimiters, charset=charset, location=location)


def join_components(values: Sequence[str], separator: str) -> str:
    """Join already-escaped values, dropping trailing empty ones.

    >>> join_components(["SMITH", "Jane", "", "", ""], "^")
    'SMITH^Jane'
    """
    end = len(values)
    while end and not values[end - 1]:
        end -= 1
    return separator.join(values[:end])


@attrs.frozen
class Segment:
    """One segment: its name and the raw (still escaped) text of each field.

    ``fields[0]`` is field 1 (``PID-1``).  For MSH, field 1 is the field
    delimiter and field 2 the encoding characters, as in the standard.

    >>> pid = parse_segment("PID|||9434765919^^^NHS^NH~12345^^^RR8^MR||SMITH^Jane||19700911|F")
    >>> pid.get(3, repetition=2, component=4)
    'RR8'
    >>> pid.value(5, component=2), pid.value(7)
    ('Jane', '19700911')
    """

    name: str
    fields: tuple[str, ...]
    delimiters: Delimiters = DEFAULT_DELIMITERS
    charset: str | None = "utf-8"

    def field(self, number: int) -> str:
        """The raw text of field *number* (1-based); ``""`` when the segment is shorter."""
        if number < 1:
            raise ValueError("HL7 v2 fields are numbered from 1")
        return self.fields[number - 1] if number <= len(self.fields) else ""

    def repetitions(self, number: int) -> list[str]:
        """The raw repetitions of field *number* (``[]`` when empty)."""
        raw = self.field(number)
        return raw.split(self.delimiters.repetition) if raw else []

    def get(
        self, number: int, *, repetition: int = 1, component: int = 1, subcomponent: int | None = None
    ) -> str:
        """The raw text at ``field[repetition].component(.subcomponent)``; ``""`` if absent.

        Without *subcomponent* the whole component is returned (subcomponent
        delimiters included).
        """
        if number <= 2 and self.name in _HEADER_SEGMENTS:
            # MSH-1 and MSH-2 are the delimiters themselves: one atomic value, never escaped.
            whole = repetition == component == 1 and subcomponent in (None, 1)
            return self.field(number) if whole else ""
        reps = self.repetitions(number)
        if not 1 <= repetition <= len(reps):
            return ""
        return _pick(reps[repetition - 1], self.delimiters, component, subcomponent)

    def value(
        self, number: int, *, repetition: int = 1, component: int = 1, subcomponent: int | None = None
    ) -> str | Null:
        """The decoded value at that position: text, ``""`` if absent, or :data:`NULL`."""
        raw = self.get(number, repetition=repetition, component=component, subcomponent=subcomponent)
        if number <= 2 and self.name in _HEADER_SEGMENTS:
            return raw
        if raw == _RAW_NULL:
            return NULL
        location = f"{self.name}-{number}[{repetition}].{component}"
        if subcomponent is not None:
            location += f".{subcomponent}"
        return unescape(raw, self.delimiters, charset=self.charset, location=location)

    def to_er7(self) -> str:
        """The segment as ER7 text (no terminator)."""
        d = self.delimiters
        if self.name in _HEADER_SEGMENTS:
            rest = self.fields[2:]
            head = f"{self.name}{d.field}{d.encoding_characters}"
            return head + "".join(d.field + f for f in rest)
        return self.name + "".join(d.field + f for f in _trim(self.fields))

    def __str__(self) -> str:
        return self.to_er7()

    def __repr__(self) -> str:
        # Field texts may hold an NHS Number, a name or an address: a repr shows the shape only.
        return f"<Segment {self.name}, {len(self.fields)} fields>"


def _trim(fields: Sequence[str]) -> Sequence[str]:
    end = len(fields)
    while end and not fields[end - 1]:
        end -= 1
    return fields[:end]


def _pick(raw: str, d: Delimiters, component: int, subcomponent: int | None) -> str:
    components = raw.split(d.component)
    if not 1 <= component <= len(components):
        return ""
    chosen = components[component - 1]
    if subcomponent is None:
        return chosen
    subs = chosen.split(d.subcomponent)
    return subs[subcomponent - 1] if 1 <= subcomponent <= len(subs) else ""


@attrs.frozen
class Message:
    """A parsed ER7 message: its segments, delimiters and character set."""

    segments: tuple[Segment, ...]
    delimiters: Delimiters = DEFAULT_DELIMITERS
    #: Python codec used for ``\\Xhh\\`` escapes (from MSH-18), ``None`` if unknown.
    charset: str | None = "utf-8"

    def segment(self, name: str) -> Segment | None:
        """The first segment called *name*, or ``None``."""
        for segment in self.segments:
            if segment.name == name:
                return segment
        return None

    def segments_named(self, name: str) -> tuple[Segment, ...]:
        """Every segment called *name*, in order."""
        return tuple(s for s in self.segments if s.name == name)

    def to_er7(self, *, terminator: str = "\r") -> str:
        """The message as ER7 text, segments separated by *terminator* (CR by default)."""
        return terminator.join(s.to_er7() for s in self.segments)

    def __str__(self) -> str:
        return self.to_er7()

    def __repr__(self) -> str:
        """The segment names only: the field texts may hold personal data.

        >>> parse_message("MSH|^~\\\\&|PAS|RR8\\rPID|||9434765919^^^NHS^NH||SMITH")
        <Message MSH PID>
        """
        return f"<Message {' '.join(segment.name for segment in self.segments)}>"


def _strip_framing(text: str) -> str:
    # MLLP: <VT> message <FS><CR>.  Surrounding blank lines are also tolerated.
    if text[:1] == "\x0b":
        text = text[1:]
    text = text.rstrip("\r\n")
    if text[-1:] == "\x1c":
        text = text[:-1].rstrip("\r\n")
    return text.lstrip("\r\n")


def _require_text(text: object, what: str) -> str:
    if not isinstance(text, str):
        raise HL7v2Error(Reason.NOT_A_STRING, what, f"expected str, got {type(text).__name__}")
    return text


def _split_segments(
    text: str, delimiters: Delimiters, charset: str | None, max_field_length: int | None
) -> tuple[Segment, ...]:
    bad = _BAD_CHARACTER.search(text)
    if bad is not None:
        line_number = text.count("\n", 0, bad.start()) + text.count("\r", 0, bad.start()) + 1
        raise HL7v2Error(
            Reason.INVALID_CHARACTER,
            f"near line {line_number}",
            "a control character or unpaired surrogate must be written as a hex escape",
        )
    segments: list[Segment] = []
    f = delimiters.field
    for number, line in enumerate(_SEGMENT_SPLIT.split(text), start=1):
        if not line:
            continue
        name = line[:3]
        if len(line) < 3 or _SEGMENT_NAME.fullmatch(name) is None:
            raise SegmentError(
                Reason.FORMAT, f"segment {number}", "a segment must start with a three-character name"
            )
        if len(line) > 3 and line[3] != f:
            raise SegmentError(
                Reason.FORMAT, f"segment {number}", "the segment name must be followed by the field delimiter"
            )
        if name in _HEADER_SEGMENTS:
            here = Delimiters.from_msh(line)
            if here != delimiters:
                raise DelimiterError(
                    Reason.FORMAT, f"segment {number}", f"an {name} segment declares different delimiters"
                )
            rest = line[4 + len(here.encoding_characters) :]
            if rest and rest[0] != f:
                raise DelimiterError(
                    Reason.FORMAT,
                    f"{name}-2",
                    "the encoding characters must be followed by the field delimiter",
                )
            fields = (f, here.encoding_characters, *(rest[1:].split(f) if rest else ()))
            first = 3
        else:
            fields = tuple(line[4:].split(f)) if len(line) > 3 else ()
            first = 1
        for index in range(first - 1, len(fields)):
            raw = fields[index]
            location = f"{name}-{index + 1}"
            if max_field_length is not None and len(raw) > max_field_length:
                raise FieldTooLongError(
                    Reason.LENGTH, location, f"the field is longer than {max_field_length} characters"
                )
            _check_escapes(raw, delimiters, location, charset)
        segments.append(Segment(name, fields, delimiters, charset))
    return tuple(segments)


def parse_message(text: str, *, max_field_length: int | None = DEFAULT_MAX_FIELD_LENGTH) -> Message:
    """Read an ER7 message; the delimiters come from its MSH segment.

    >>> message = parse_message("MSH|^~\\\\&|PAS|RR8|||20240101||ADT^A28|1|P|2.4\\rPID|||9434765919^^^NHS^NH")
    >>> message.segment("PID").get(3, component=4)
    'NHS'
    >>> parse_message("MSH|^~\\\\&|A\\rPID|1\\rP")
    Traceback (most recent call last):
        ...
    nhsstd.hl7v2.SegmentError: HL7 v2 segment 3: a segment must start with a three-character name
    """
    text = _strip_framing(_require_text(text, "message"))
    if not text:
        raise SegmentError(Reason.EMPTY, "message", "the message is empty")
    first_line = _SEGMENT_SPLIT.split(text, maxsplit=1)[0]
    if first_line[:3] != "MSH":
        batch = " (a batch file is read with iter_batch)" if first_line[:3] in _HEADER_SEGMENTS else ""
        raise SegmentError(Reason.FORMAT, "segment 1", f"a message must start with an MSH segment{batch}")
    delimiters = Delimiters.from_msh(first_line)
    charset = _charset(first_line, delimiters)
    return Message(_split_segments(text, delimiters, charset, max_field_length), delimiters, charset)


def parse_segment(
    text: str,
    delimiters: Delimiters = DEFAULT_DELIMITERS,
    *,
    charset: str | None = "utf-8",
    max_field_length: int | None = DEFAULT_MAX_FIELD_LENGTH,
) -> Segment:
    """Read one segment (no MSH needed) with the given *delimiters*.

    >>> parse_segment("PD1|||SAUGHALL PRACTICE^^81123|G9991234^Mister GP^GP").value(4, component=2)
    'Mister GP'
    """
    text = _require_text(text, "segment").strip("\r\n")
    if not text:
        raise SegmentError(Reason.EMPTY, "segment 1", "the segment is empty")
    segments = _split_segments(text, delimiters, charset, max_field_length)
    if len(segments) != 1:
        raise SegmentError(Reason.FORMAT, "segment 2", "expected one segment, got several")
    return segments[0]


def _charset(msh: str, delimiters: Delimiters) -> str | None:
    fields = msh.split(delimiters.field)
    # fields[0] is "MSH", fields[1] MSH-2, so MSH-n is fields[n - 1].
    raw = fields[17] if len(fields) > 17 else ""
    first = raw.split(delimiters.repetition)[0].split(delimiters.component)[0].strip()
    return _CHARSETS.get(first.upper())


def build_segment(name: str, fields: Iterable[str], delimiters: Delimiters = DEFAULT_DELIMITERS) -> Segment:
    """A segment from already-escaped field texts (checked like a parsed one)."""
    built = tuple(fields)
    if _SEGMENT_NAME.fullmatch(name) is None or name in _HEADER_SEGMENTS:
        raise SegmentError(Reason.FORMAT, name[:3] or "segment", "not a segment name nhsstd can build")
    for index, raw in enumerate(built, start=1):
        location = f"{name}-{index}"
        if _BAD_CHARACTER.search(raw) is not None or delimiters.field in raw or "\r" in raw or "\n" in raw:
            raise SegmentError(Reason.INVALID_CHARACTER, location, "the field text is not escaped")
        _check_escapes(raw, delimiters, location)
    return Segment(name, built, delimiters)

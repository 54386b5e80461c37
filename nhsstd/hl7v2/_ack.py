"""Original-mode acknowledgements: ACK with MSA (AA/AE/AR) and ERR (private module; import from
:mod:`nhsstd.hl7v2`).

HL7 v2.4 chapter 2, 2.13.1 (original acknowledgement rules) and 2.16.8 (MSA); ERR after v2.5
chapter 2, 2.15.5, with ERR-1 (the v2.4 form) filled as well so that receivers of either version
find the location and the code.  Error codes are HL7 table 0357.
"""

from __future__ import annotations

import datetime
import re
from typing import Final, Literal

from nhsstd._serialisation import Problem, SerialisationError
from nhsstd.exceptions import Reason
from nhsstd.hl7v2._adt import format_timestamp
from nhsstd.hl7v2._er7 import (
    _SEGMENT_NAME,
    _SEGMENT_SPLIT,
    Delimiters,
    Message,
    Segment,
    _trim,
    escape,
    join_components,
    parse_message,
)
from nhsstd.hl7v2._errors import HL7v2Error

__all__ = ["AcknowledgmentCode", "acknowledge"]

#: MSA-1 (table 0008, original mode): application accept, error, reject.
AcknowledgmentCode = Literal["AA", "AE", "AR"]
_CODES: Final = frozenset({"AA", "AE", "AR"})

# HL7 table 0357 (message error condition codes).
_ERROR_TEXT: Final = {
    "100": "Segment sequence error",
    "101": "Required field missing",
    "102": "Data type error",
    "103": "Table value not found",
    "200": "Unsupported message type",
    "201": "Unsupported event code",
    "202": "Unsupported processing id",
    "203": "Unsupported version id",
}
_PATH_ERRORS: Final = {"MSH-9.1": "200", "MSH-9.2": "201", "MSH-11": "202", "MSH-12": "203"}
_REASON_ERRORS: Final = {Reason.EMPTY: "101", Reason.UNKNOWN_CODE: "103", Reason.RETIRED_CODE: "103"}
_DATA_TYPE_ERROR: Final = "102"
_SEGMENT_MISSING: Final = "100"

#: MSA-3 is at most 80 characters (HL7 v2.4 chapter 2, 2.16.8.3).
_TEXT_LENGTH: Final = 80

_LOCATION: Final = re.compile(
    r"([A-Z][A-Z0-9]{2})(?:-([0-9]+)(?:\[([0-9]+)\])?(?:\.([0-9]+))?(?:\.([0-9]+))?)?"
)


def _error_code(problem: Problem) -> str:
    if problem.path in _PATH_ERRORS:
        return _PATH_ERRORS[problem.path]
    if _SEGMENT_NAME.fullmatch(problem.path) and problem.reason is Reason.EMPTY:
        return _SEGMENT_MISSING
    return _REASON_ERRORS.get(problem.reason, _DATA_TYPE_ERROR)


def _problems(error: HL7v2Error | SerialisationError | None) -> tuple[Problem, ...]:
    if error is None:
        return ()
    if isinstance(error, SerialisationError):
        return error.problems
    if isinstance(error, HL7v2Error):
        detail = str(error).removeprefix(f"HL7 v2 {error.location}: ")
        return (Problem(error.location, detail, error.reason),)
    raise TypeError(f"expected an HL7v2Error or a SerialisationError, got {type(error).__name__}")


def _err(problem: Problem, d: Delimiters) -> Segment:
    code = _error_code(problem)
    table = (code, _ERROR_TEXT[code], "HL70357")
    match = _LOCATION.fullmatch(problem.path)
    # ERL: segment ID ^ sequence ^ field ^ repetition ^ component ^ subcomponent.
    where = [match.group(1), "1", *(group or "" for group in match.groups()[1:])] if match is not None else []
    eld = [*where[:3], d.subcomponent.join(escape(part, d) for part in table)]
    return Segment(
        "ERR",
        (
            join_components(eld, d.component) if where else "",
            join_components(where, d.component),
            join_components([escape(part, d) for part in table], d.component),
            "E",
        ),
        d,
    )


def acknowledge(
    received: Message | str,
    code: AcknowledgmentCode | None = None,
    *,
    control_id: str,
    error: HL7v2Error | SerialisationError | None = None,
    timestamp: datetime.datetime | None = None,
) -> Message:
    """The ACK for *received*: ``AA`` (accept), ``AE`` (error) or ``AR`` (reject).

    *code* defaults to ``AA``, or ``AE`` when an *error* is given; each problem of *error*
    becomes an ERR segment (location and table 0357 code, never the value) and the first one
    the MSA-3 text.  *received* may be text that :func:`parse_message` refuses: its MSH is
    then read on its own and the parse error is what is acknowledged.  *control_id* is the
    ACK's own MSH-10; *timestamp* its MSH-7 (now, in UTC, to the second, by default).

    >>> ack = acknowledge("MSH|^~\\\\&|PAS|RR8|TIE|RR8|20240101120000||ADT^A28|MSG0001|P|2.4",
    ...                   control_id="ACK0001",
    ...                   timestamp=datetime.datetime(2024, 1, 1, 12, 0, 1))
    >>> print(ack.to_er7(terminator="\\n"))
    MSH|^~\\&|TIE|RR8|PAS|RR8|20240101120001||ACK^A28^ACK|ACK0001|P|2.4
    MSA|AA|MSG0001

    :raises HL7v2Error: not even the MSH segment of *received* can be read.
    """
    message = received
    if isinstance(received, str):
        try:
            message = parse_message(received)
        except HL7v2Error as refused:
            # What cannot be parsed is what is acknowledged, from the MSH read on its own.
            error = refused if error is None else error
            message = parse_message(_SEGMENT_SPLIT.split(received.lstrip("\x0b\r\n"), maxsplit=1)[0])
    if not isinstance(message, Message):
        raise TypeError(f"expected ER7 text or a Message, got {type(received).__name__}")
    if code is None:
        code = "AA" if error is None else "AE"
    if code not in _CODES:
        raise ValueError('code must be "AA", "AE" or "AR"')
    if code == "AA" and error is not None:
        raise ValueError('an error cannot be acknowledged with "AA"')
    if not isinstance(control_id, str) or not control_id:
        raise ValueError("control_id must be a non-empty str (the ACK's MSH-10)")
    msh = message.segments[0]
    d = message.delimiters
    if timestamp is None:
        timestamp = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    trigger = msh.get(9, component=2)
    header = [
        d.field,
        d.encoding_characters,
        msh.field(5),
        msh.field(6),
        msh.field(3),
        msh.field(4),
        format_timestamp(timestamp),
        "",
        join_components(["ACK", trigger, "ACK"], d.component),
        escape(control_id, d),
        msh.field(11),
        msh.field(12),
        *([""] * 5),
        msh.field(18),
    ]
    problems = _problems(error)
    text = escape(str(problems[0])[:_TEXT_LENGTH], d) if problems else ""
    segments: list[Segment] = [
        Segment("MSH", (*header[:2], *_trim(header[2:])), d),
        Segment("MSA", (code, msh.field(10), text), d),
    ]
    segments.extend(_err(problem, d) for problem in problems)
    return Message(tuple(segments), d, message.charset)

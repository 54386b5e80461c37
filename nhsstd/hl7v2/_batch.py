"""Batch files: FHS/BHS ... MSH ... BTS/FTS, read message by message (private module; import
from :mod:`nhsstd.hl7v2`).

HL7 v2.5.1 chapter 2, 2.10.3 (batch protocol): a file is ``[FHS] {[BHS] {message} [BTS]} [FTS]``.
FHS-1/FHS-2 and BHS-1/BHS-2 are the delimiters, as MSH-1/MSH-2 are.  BTS-1 (batch message count)
and FTS-1 (file batch count), when sent, are checked against what was read.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from nhsstd.exceptions import Reason
from nhsstd.hl7v2._er7 import (
    _SEGMENT_SPLIT,
    DEFAULT_DELIMITERS,
    DEFAULT_MAX_FIELD_LENGTH,
    Delimiters,
    Message,
    Segment,
    _require_text,
    _strip_framing,
    parse_message,
    parse_segment,
)
from nhsstd.hl7v2._errors import HL7v2Error, SegmentError

__all__ = ["iter_batch"]

_FILE_HEADER: Final = "FHS"
_BATCH_HEADER: Final = "BHS"
_BATCH_TRAILER: Final = "BTS"
_FILE_TRAILER: Final = "FTS"
_ENVELOPE: Final = frozenset({_FILE_HEADER, _BATCH_HEADER, _BATCH_TRAILER, _FILE_TRAILER})


def iter_batch(text: str, *, max_field_length: int | None = DEFAULT_MAX_FIELD_LENGTH) -> Iterator[Message]:
    """The messages of a batch file, one at a time (each read by :func:`parse_message`).

    A malformed message raises when it is reached, after the ones before it were given; a
    file of bare messages (no FHS/BHS) is read the same way.

    >>> batch = ("FHS|^~\\\\&|PAS|RR8\\rBHS|^~\\\\&|PAS|RR8\\r"
    ...          "MSH|^~\\\\&|PAS|RR8|||20240101||ADT^A28|1|P|2.4\\rPID|||9434765919^^^NHS^NH\\r"
    ...          "MSH|^~\\\\&|PAS|RR8|||20240101||ADT^A31|2|P|2.4\\rPID|||9434765919^^^NHS^NH\\r"
    ...          "BTS|2\\rFTS|1")
    >>> [message.segment("MSH").get(10) for message in iter_batch(batch)]
    ['1', '2']

    :raises HL7v2Error: a message, header or trailer is malformed, or a count does not match.
    """
    lines = [line for line in _SEGMENT_SPLIT.split(_strip_framing(_require_text(text, "batch"))) if line]
    messages_in_batch = batches = 0
    delimiters = DEFAULT_DELIMITERS
    current: list[str] = []

    def finish() -> Message | None:
        if not current:
            return None
        message = parse_message("\r".join(current), max_field_length=max_field_length)
        current.clear()
        return message

    for number, line in enumerate(lines, start=1):
        name = line[:3]
        if name != "MSH" and name not in _ENVELOPE:
            if not current:
                raise SegmentError(Reason.FORMAT, f"line {number}", "a segment outside a message")
            current.append(line)
            continue
        message = finish()
        if message is not None:
            messages_in_batch += 1
            yield message
        if name == "MSH":
            current.append(line)
        elif name in (_FILE_HEADER, _BATCH_HEADER):
            # The envelope's own delimiters (FHS-1/2, BHS-1/2) also govern its trailers.
            delimiters = Delimiters.from_msh(line)
            parse_segment(line, delimiters, max_field_length=max_field_length)
            if name == _BATCH_HEADER:
                batches += 1
                messages_in_batch = 0
        else:
            trailer = parse_segment(line, delimiters, max_field_length=max_field_length)
            counted = messages_in_batch if name == _BATCH_TRAILER else batches
            _check_count(trailer, counted)
    message = finish()
    if message is not None:
        yield message


def _check_count(trailer: Segment, counted: int) -> None:
    sent = trailer.get(1)
    if sent and (not sent.isdigit() or int(sent) != counted):
        what = "messages in the batch" if trailer.name == _BATCH_TRAILER else "batches in the file"
        raise HL7v2Error(Reason.INCONSISTENT, f"{trailer.name}-1", f"the count does not match the {what}")

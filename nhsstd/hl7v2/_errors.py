"""Errors raised by the ER7 layer (private module; import from :mod:`nhsstd.hl7v2`)."""

from __future__ import annotations

from nhsstd.exceptions import InvalidFormat, InvalidLength, Reason

__all__ = ["DelimiterError", "EscapeError", "FieldTooLongError", "HL7v2Error", "SegmentError"]


class HL7v2Error(InvalidFormat):
    """An HL7 v2 message (or segment) cannot be read.

    :attr location: where the problem is, e.g. ``"MSH-2"``, ``"segment 3"``,
        ``"PID-11[1].5"``; never the content.
    """

    __module__ = "nhsstd.hl7v2"

    message = "the message is not valid ER7"

    location: str

    def __init__(self, reason: Reason, location: str, detail: str) -> None:
        self.location = location
        super().__init__(reason, kind=None, detail=f"HL7 v2 {location}: {detail}")
        self.kind = "hl7v2"

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (type(self), self.reason, self.location, str(self)))


class DelimiterError(HL7v2Error):
    """MSH-1/MSH-2 do not define a usable set of delimiters."""

    __module__ = "nhsstd.hl7v2"


class SegmentError(HL7v2Error):
    """A segment is truncated, misnamed, or not separated by the field delimiter."""

    __module__ = "nhsstd.hl7v2"


class EscapeError(HL7v2Error):
    """An escape sequence is unterminated, unknown or malformed."""

    __module__ = "nhsstd.hl7v2"


class FieldTooLongError(HL7v2Error, InvalidLength):
    """A field is longer than the parser's ``max_field_length``."""

    __module__ = "nhsstd.hl7v2"


def _rebuild(cls: type[HL7v2Error], reason: Reason, location: str, text: str) -> HL7v2Error:
    error = cls.__new__(cls)
    error.reason = reason
    error.location = location
    error.kind = "hl7v2"
    Exception.__init__(error, text)
    return error

"""MLLP framing for sockets (private module; import from :mod:`nhsstd.hl7v2`).

The Minimal Lower Layer Protocol (HL7 v2.5.1 Appendix C, "MLLP Release 1"): each message is sent
as a start block (VT, 0x0B), the message bytes, an end block (FS, 0x1C) and a carriage return
(0x0D).  Nothing may come between frames.
"""

from __future__ import annotations

import codecs
from typing import Final, NoReturn

from nhsstd.exceptions import Reason
from nhsstd.hl7v2._er7 import Message
from nhsstd.hl7v2._errors import HL7v2Error

__all__ = [
    "DEFAULT_MAX_FRAME_BYTES",
    "END_BLOCK",
    "START_BLOCK",
    "MLLPDecoder",
    "MLLPError",
    "mllp_decode",
    "mllp_encode",
]

START_BLOCK: Final = b"\x0b"
END_BLOCK: Final = b"\x1c"
CARRIAGE_RETURN: Final = b"\r"
_TRAILER: Final = END_BLOCK + CARRIAGE_RETURN

#: The largest frame a :class:`MLLPDecoder` buffers by default (a hostile peer that never sends
#: an end block is refused rather than let fill memory).
DEFAULT_MAX_FRAME_BYTES: Final = 16 * 1024 * 1024


class MLLPError(HL7v2Error):
    """The bytes are not MLLP frames: data outside a frame, a missing end block or carriage
    return, a frame too large, or message bytes that are not in the expected encoding."""

    __module__ = "nhsstd.hl7v2"


def mllp_encode(message: str | Message, *, encoding: str = "utf-8") -> bytes:
    """One MLLP frame for *message* (ER7 text or a :class:`Message`).

    >>> mllp_encode("MSH|^~\\\\&|PAS\\rPID|1")
    b'\\x0bMSH|^~\\\\&|PAS\\rPID|1\\x1c\\r'
    """
    text = message.to_er7() if isinstance(message, Message) else message
    if not isinstance(text, str):
        raise MLLPError(
            Reason.NOT_A_STRING, "message", f"expected str or a Message, got {type(text).__name__}"
        )
    data = text.encode(encoding)
    if START_BLOCK in data or END_BLOCK in data:
        raise MLLPError(
            Reason.INVALID_CHARACTER, "message", "a message cannot contain the start or end block character"
        )
    return START_BLOCK + data + _TRAILER


def mllp_decode(frame: bytes, *, encoding: str = "utf-8") -> str:
    """The message text of exactly one MLLP frame.

    >>> mllp_decode(b"\\x0bMSH|^~\\\\&|PAS\\x1c\\r")
    'MSH|^~\\\\&|PAS'
    """
    decoder = MLLPDecoder(encoding=encoding, max_frame_bytes=None)
    messages = decoder.feed(frame)
    decoder.close()
    if len(messages) != 1:
        raise MLLPError(Reason.FORMAT, "frame", f"expected one frame, got {min(len(messages), 99)}")
    return messages[0]


class MLLPDecoder:
    """Frames from a byte stream that arrives in pieces (for a socket's ``recv``).

    :meth:`feed` takes whatever bytes arrived and returns the messages completed by them (as
    text); a partial frame is kept for the next call.  After an :class:`MLLPError` the stream
    cannot be trusted: the buffer is emptied and the connection should be closed.

    >>> decoder = MLLPDecoder()
    >>> decoder.feed(b"\\x0bMSH|^~\\\\&|A\\x1c\\r\\x0bMSH|^~")
    ['MSH|^~\\\\&|A']
    >>> decoder.feed(b"\\\\&|B\\x1c"), decoder.feed(b"\\r")
    ([], ['MSH|^~\\\\&|B'])
    """

    __slots__ = ("_buffer", "_encoding", "_max_frame_bytes")

    def __init__(
        self, *, encoding: str = "utf-8", max_frame_bytes: int | None = DEFAULT_MAX_FRAME_BYTES
    ) -> None:
        codecs.lookup(encoding)  # an unknown codec is a LookupError now, not at the first frame
        self._encoding = encoding
        self._max_frame_bytes = max_frame_bytes
        self._buffer = bytearray()

    @property
    def pending(self) -> int:
        """How many bytes of an unfinished frame are held."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[str]:
        """Add *data*; return the messages of every frame it completes, in order."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"expected bytes, got {type(data).__name__}")
        buffer = self._buffer
        buffer += data
        messages: list[str] = []
        while buffer:
            if buffer[:1] != START_BLOCK:
                self._fail(Reason.FORMAT, "a frame must begin with the start block (0x0B)")
            end = buffer.find(END_BLOCK)
            if end < 0:
                if START_BLOCK in buffer[1:]:
                    self._fail(Reason.FORMAT, "a start block (0x0B) inside a frame")
                if self._max_frame_bytes is not None and len(buffer) > self._max_frame_bytes:
                    self._fail(Reason.LENGTH, f"a frame is longer than {self._max_frame_bytes} bytes")
                break
            if end + 1 == len(buffer):
                break  # the carriage return has not arrived yet
            if buffer[end + 1 : end + 2] != CARRIAGE_RETURN:
                self._fail(Reason.FORMAT, "the end block (0x1C) must be followed by a carriage return (0x0D)")
            body = bytes(buffer[1:end])
            del buffer[: end + 2]
            if START_BLOCK in body:
                self._fail(Reason.FORMAT, "a start block (0x0B) inside a frame")
            try:
                messages.append(body.decode(self._encoding))
            except UnicodeDecodeError:
                self._fail(Reason.INVALID_CHARACTER, f"a message is not valid {self._encoding}")
        return messages

    def close(self) -> None:
        """At the end of the stream: refuse a frame left unfinished."""
        if self._buffer:
            self._fail(Reason.LENGTH, "the stream ended inside a frame")

    def _fail(self, reason: Reason, detail: str) -> NoReturn:
        self._buffer.clear()
        raise MLLPError(reason, "MLLP", detail)

"""HL7 v2 (ER7) for NHS demographics: PID and PD1 to and from the nhsstd models.

>>> from nhsstd import hl7v2
>>> patient = hl7v2.patient_from_hl7("PID|||9434765919^^^NHS^NH||SMITH^Ann||19700911|F")
>>> patient.names[0].given, str(patient.birth_date)
(('Ann',), '1970-09-11')
>>> hl7v2.patient_to_hl7(patient)
'PID|||9434765919^^^NHS^NH||SMITH^Ann||19700911|F'

Whole ADT messages (A01, A03, A04, A08, A28, A31, A40) are read and written with
:func:`adt_from_hl7` and :func:`adt_to_hl7`, acknowledged with :func:`acknowledge`, framed for a
socket with :func:`mllp_encode` and :class:`MLLPDecoder`, and read from batch files with
:func:`iter_batch`.

The ER7 layer (:func:`parse_message`, :func:`escape`, :func:`unescape`...) needs no other
package; a python-hl7 ``Message`` is accepted too where that package is installed.
See ``docs/hl7v2.rst``.
"""

from __future__ import annotations

from nhsstd._serialisation import Problem, SerialisationError
from nhsstd.hl7v2._ack import AcknowledgmentCode, acknowledge
from nhsstd.hl7v2._adt import (
    ADT_EVENTS,
    ADTMessage,
    EventType,
    MergePatient,
    MessageHeader,
    PatientVisit,
    adt_from_hl7,
    adt_to_hl7,
    format_timestamp,
    parse_timestamp,
)
from nhsstd.hl7v2._batch import iter_batch
from nhsstd.hl7v2._er7 import (
    DEFAULT_DELIMITERS,
    DEFAULT_MAX_FIELD_LENGTH,
    NULL,
    Delimiters,
    Message,
    Null,
    Segment,
    build_segment,
    escape,
    join_components,
    parse_message,
    parse_segment,
    unescape,
)
from nhsstd.hl7v2._errors import DelimiterError, EscapeError, FieldTooLongError, HL7v2Error, SegmentError
from nhsstd.hl7v2._mllp import (
    DEFAULT_MAX_FRAME_BYTES,
    END_BLOCK,
    START_BLOCK,
    MLLPDecoder,
    MLLPError,
    mllp_decode,
    mllp_encode,
)
from nhsstd.hl7v2._pid import patient_from_hl7, patient_to_hl7, patient_to_segments

__all__ = [
    "ADT_EVENTS",
    "DEFAULT_DELIMITERS",
    "DEFAULT_MAX_FIELD_LENGTH",
    "DEFAULT_MAX_FRAME_BYTES",
    "END_BLOCK",
    "NULL",
    "START_BLOCK",
    "ADTMessage",
    "AcknowledgmentCode",
    "DelimiterError",
    "Delimiters",
    "EscapeError",
    "EventType",
    "FieldTooLongError",
    "HL7v2Error",
    "MLLPDecoder",
    "MLLPError",
    "MergePatient",
    "Message",
    "MessageHeader",
    "Null",
    "PatientVisit",
    "Problem",
    "Segment",
    "SegmentError",
    "SerialisationError",
    "acknowledge",
    "adt_from_hl7",
    "adt_to_hl7",
    "build_segment",
    "escape",
    "format_timestamp",
    "iter_batch",
    "join_components",
    "mllp_decode",
    "mllp_encode",
    "parse_message",
    "parse_segment",
    "parse_timestamp",
    "patient_from_hl7",
    "patient_to_hl7",
    "patient_to_segments",
    "unescape",
]

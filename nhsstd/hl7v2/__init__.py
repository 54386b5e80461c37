"""HL7 v2 (ER7) for NHS demographics: PID and PD1 to and from the nhsstd models.

>>> from nhsstd import hl7v2
>>> patient = hl7v2.patient_from_hl7("PID|||9434765919^^^NHS^NH||SMITH^Ann||19700911|F")
>>> patient.names[0].given, str(patient.birth_date)
(('Ann',), '1970-09-11')
>>> hl7v2.patient_to_hl7(patient)
'PID|||9434765919^^^NHS^NH||SMITH^Ann||19700911|F'

The ER7 layer (:func:`parse_message`, :func:`escape`, :func:`unescape`...) needs no other
package; a python-hl7 ``Message`` is accepted too where that package is installed.
See ``docs/hl7v2.rst``.
"""

from __future__ import annotations

from nhsstd._serialisation import Problem, SerialisationError
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
from nhsstd.hl7v2._pid import patient_from_hl7, patient_to_hl7, patient_to_segments

__all__ = [
    "DEFAULT_DELIMITERS",
    "DEFAULT_MAX_FIELD_LENGTH",
    "NULL",
    "DelimiterError",
    "Delimiters",
    "EscapeError",
    "FieldTooLongError",
    "HL7v2Error",
    "Message",
    "Null",
    "Problem",
    "Segment",
    "SegmentError",
    "SerialisationError",
    "build_segment",
    "escape",
    "join_components",
    "parse_message",
    "parse_segment",
    "patient_from_hl7",
    "patient_to_hl7",
    "patient_to_segments",
    "unescape",
]

"""Whole ADT messages: MSH, EVN, PID, PD1, PV1 and MRG <-> typed models (private module; import
from :mod:`nhsstd.hl7v2`).

The events NHS trusts exchange, with their HL7 v2.4 message structures (chapter 3, 3.3):

=======  ==============================  ===========  ====================================
Event    Meaning                         Structure    Segments read and written
=======  ==============================  ===========  ====================================
A01      admit / visit notification      ADT_A01      MSH EVN PID [PD1] PV1
A03      discharge / end visit           ADT_A03      MSH EVN PID [PD1] PV1
A04      register a patient              ADT_A01      MSH EVN PID [PD1] PV1
A08      update patient information      ADT_A01      MSH EVN PID [PD1] PV1
A28      add person information          ADT_A05      MSH EVN PID [PD1] PV1
A31      update person information       ADT_A05      MSH EVN PID [PD1] PV1
A40      merge patient: identifier list  ADT_A39      MSH EVN PID [PD1] MRG [PV1]
=======  ==============================  ===========  ====================================

Each modelled segment maps a few fields to attributes (tables ``_MSH``, ``_EVN``, ``_PV1``,
``_MRG`` below); every other field, and every other segment (NK1, AL1, Z-segments...), is kept
through :attr:`ADTMessage.source`.  The writer starts from the source: a field whose modelled
value is unchanged is written back exactly as it was read, so reading and writing a message gives
the same text; a changed value is written in its canonical form.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

import attrs

from nhsstd._serialisation import SerialisationError
from nhsstd.exceptions import Reason, ValidationError
from nhsstd.fhir._context import IdentifierMode, WarningHandler, check_handler, deliver
from nhsstd.hl7v2._er7 import (
    DEFAULT_DELIMITERS,
    Delimiters,
    Message,
    Null,
    Segment,
    escape,
    join_components,
    parse_message,
)
from nhsstd.hl7v2._errors import HL7v2Error
from nhsstd.hl7v2._pid import (
    _CX_WRITERS,
    _ERROR,
    _classify_cx,
    _decode,
    _read,
    _Reader,
    _render,
    patient_to_segments,
)
from nhsstd.identifiers.chi_number import CHINumber
from nhsstd.identifiers.hc_number import HCNumber
from nhsstd.identifiers.nhs_number import NHSNumber
from nhsstd.models import LocalIdentifier, Patient
from nhsstd.models import _checks as check
from nhsstd.models._errors import InvariantError
from nhsstd.models._privacy import masks_patient_numbers

__all__ = [
    "ADT_EVENTS",
    "ADTMessage",
    "EventType",
    "MergePatient",
    "MessageHeader",
    "PatientVisit",
    "adt_from_hl7",
    "adt_to_hl7",
    "format_timestamp",
    "parse_timestamp",
]

#: A prior identifier in MRG-1: a national number or a local one (as PID-3).
PriorIdentifier = NHSNumber | CHINumber | HCNumber | LocalIdentifier


@attrs.frozen
class _Event:
    structure: str
    visit_required: bool
    merge: bool


# HL7 v2.4 chapter 3, 3.3.1 (A01), 3.3.3 (A03), 3.3.4 (A04), 3.3.8 (A08), 3.3.28 (A28),
# 3.3.31 (A31), 3.3.40 (A40): the abstract message syntax of each event.
_EVENTS: Final = {
    "A01": _Event("ADT_A01", visit_required=True, merge=False),
    "A03": _Event("ADT_A03", visit_required=True, merge=False),
    "A04": _Event("ADT_A01", visit_required=True, merge=False),
    "A08": _Event("ADT_A01", visit_required=True, merge=False),
    "A28": _Event("ADT_A05", visit_required=True, merge=False),
    "A31": _Event("ADT_A05", visit_required=True, merge=False),
    "A40": _Event("ADT_A39", visit_required=False, merge=True),
}

#: The trigger events :func:`adt_from_hl7` reads, with their message structures (MSH-9.3).
ADT_EVENTS: Final = {event: spec.structure for event, spec in _EVENTS.items()}

# --- timestamps ---------------------------------------------------------------------------------

# DTM (HL7 v2.5.1 chapter 2A.22; TS.1 in v2.4): YYYYMMDDHHMM[SS[.S[S[S[S]]]]][+/-ZZZZ].  A message
# header and an event need the time of day, so minute precision is the least read.
_DTM: Final = re.compile(
    r"([0-9]{4})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})(?:([0-9]{2})(?:\.([0-9]{1,4}))?)?"
    r"(?:([+-])([0-9]{2})([0-9]{2}))?"
)
_DTM_EXPECTED: Final = "expected a date and time YYYYMMDDHHMM[SS[.SSSS]][+/-ZZZZ]"


def parse_timestamp(text: str) -> datetime.datetime:
    """Read an HL7 v2 DTM with at least minute precision (``YYYYMMDDHHMM[SS[.SSSS]][+/-ZZZZ]``).

    >>> parse_timestamp("20240101120000+0000")
    datetime.datetime(2024, 1, 1, 12, 0, tzinfo=datetime.timezone.utc)
    >>> parse_timestamp("2024-01-01")
    Traceback (most recent call last):
        ...
    nhsstd.hl7v2.HL7v2Error: HL7 v2 timestamp: expected a date and time YYYYMMDDHHMM[SS[.SSSS]][+/-ZZZZ]
    """
    if not isinstance(text, str):
        raise HL7v2Error(Reason.NOT_A_STRING, "timestamp", f"expected str, got {type(text).__name__}")
    match = _DTM.fullmatch(text)
    found = None
    if match is not None:
        year, month, day, hour, minute, second, fraction, sign, tz_hours, tz_minutes = match.groups()
        tz = None
        if sign is not None:
            offset = datetime.timedelta(hours=int(tz_hours), minutes=int(tz_minutes))
            tz = datetime.timezone(-offset if sign == "-" else offset)
        micro = int((fraction or "0").ljust(6, "0"))
        try:
            found = datetime.datetime(
                int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micro, tz
            )
        except ValueError:
            found = None
    if found is None:
        raise HL7v2Error(Reason.INVALID_DATE, "timestamp", _DTM_EXPECTED)
    return found


def format_timestamp(moment: datetime.datetime) -> str:
    """Write a DTM to the second (with the fraction and offset when *moment* has them).

    Nothing is rounded: a time finer than 1/10 000 s, or an offset with seconds, is refused.

    >>> format_timestamp(datetime.datetime(2024, 1, 1, 12, 0, tzinfo=datetime.timezone.utc))
    '20240101120000+0000'
    >>> format_timestamp(datetime.datetime(2024, 1, 1, 12, 0, 0, 123456))
    Traceback (most recent call last):
        ...
    nhsstd.hl7v2.HL7v2Error: HL7 v2 timestamp: a DTM carries 1/10 000 s and whole-minute offsets
    """
    if not isinstance(moment, datetime.datetime):
        raise TypeError(f"expected a datetime.datetime, got {type(moment).__name__}")
    offset = moment.utcoffset()
    if moment.microsecond % 100 or (offset is not None and offset.seconds % 60):
        raise HL7v2Error(
            Reason.OUT_OF_RANGE,
            "timestamp",
            "a DTM carries 1/10 000 s and whole-minute offsets",
        )
    text = moment.strftime("%Y%m%d%H%M%S")
    if moment.microsecond:
        text += f".{moment.microsecond // 100:04d}"
    if offset is not None:
        text += moment.strftime("%z")
    return text


# --- the segment models -------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class MessageHeader:
    """MSH: who sent the message, to whom, when, and what it is.

    >>> header = MessageHeader(sending_application="PAS", sending_facility="RR8",
    ...                        timestamp=datetime.datetime(2024, 1, 1, 12, 0),
    ...                        message_code="ADT", trigger_event="A28", control_id="MSG0001")
    >>> header.version, header.processing_id
    ('2.4', 'P')
    """

    #: MSH-3.1 and MSH-4.1 (ITK: the sender's ODS code in MSH-4).
    sending_application: str | None = None
    sending_facility: str | None = None
    #: MSH-5.1 and MSH-6.1.
    receiving_application: str | None = None
    receiving_facility: str | None = None
    #: MSH-7, the time the message was created.
    timestamp: datetime.datetime
    #: MSH-9.1 (table 0076: ``ADT``, ``ACK``...), MSH-9.2 (table 0003) and MSH-9.3 (table 0354).
    message_code: str
    trigger_event: str
    message_structure: str | None = None
    #: MSH-10, echoed in MSA-2 of the acknowledgement.
    control_id: str
    #: MSH-11.1 (table 0103: ``P`` production, ``T`` training, ``D`` debugging).
    processing_id: str = "P"
    #: MSH-12.1.
    version: str = "2.4"

    def __attrs_post_init__(self) -> None:
        _check_header(self)


@attrs.frozen(kw_only=True)
class EventType:
    """EVN: when the event was recorded (EVN-2) and when it happened (EVN-6).

    >>> EventType(recorded=datetime.datetime(2024, 1, 1, 12, 0)).occurred is None
    True
    """

    recorded: datetime.datetime
    occurred: datetime.datetime | None = None

    def __attrs_post_init__(self) -> None:
        _check_event(self)


@masks_patient_numbers  # a visit (spell) number can be a patient number
@attrs.frozen(kw_only=True)
class PatientVisit:
    """PV1: the visit (encounter).  Codes are kept as sent: their tables are local to each trust.

    >>> PatientVisit(patient_class="I", ward="WARD 5", hospital_service="300").ward
    'WARD 5'
    """

    #: PV1-2 (table 0004: ``I`` inpatient, ``O`` outpatient, ``E`` emergency, ``N`` not applicable...).
    patient_class: str
    #: PV1-3: point of care (ward), room, bed and facility (PL.1, .2, .3, .4).
    ward: str | None = None
    room: str | None = None
    bed: str | None = None
    facility: str | None = None
    #: PV1-4 (table 0007).
    admission_type: str | None = None
    #: PV1-7.1: the attending doctor's identifier (a consultant code in NHS feeds).
    attending_doctor: str | None = None
    #: PV1-10: the hospital service (in NHS feeds the treatment function code).
    hospital_service: str | None = None
    #: PV1-14 (table 0023).
    admit_source: str | None = None
    #: PV1-19.1: the visit (spell) number.
    visit_number: str | None = None
    #: PV1-36 (table 0112).
    discharge_disposition: str | None = None
    #: PV1-44 and PV1-45.
    admitted: datetime.datetime | None = None
    discharged: datetime.datetime | None = None

    def __attrs_post_init__(self) -> None:
        _check_visit(self)


def _prior_identifiers(value: Iterable[PriorIdentifier]) -> tuple[PriorIdentifier, ...]:
    return check.to_tuple(value, "identifier")  # type: ignore[return-value]


@masks_patient_numbers  # a prior visit number can be a patient number
@attrs.frozen(kw_only=True)
class MergePatient:
    """MRG (A40): the identifiers of the record merged into the patient in PID.

    >>> MergePatient(prior_identifiers=[NHSNumber.parse("943 476 5919")])
    MergePatient(prior_identifiers=(NHSNumber('*** *** 5919'),), prior_visit_number=None)
    """

    #: MRG-1, in order (CX as in PID-3).
    prior_identifiers: tuple[PriorIdentifier, ...] = attrs.field(converter=_prior_identifiers)
    #: MRG-5.1.
    prior_visit_number: str | None = None

    def __attrs_post_init__(self) -> None:
        _check_merge(self)
        if not self.prior_identifiers:
            raise InvariantError(
                "MergePatient", ("prior_identifiers",), "MRG-1 needs at least one identifier"
            )


@attrs.frozen(kw_only=True)
class ADTMessage:
    """An ADT message: header, event, patient (PID/PD1), visit (PV1) and, for A40, the merge (MRG).

    The repr shows the header only: the patient and the merged identifiers are personal data.
    :attr:`source` is the message it was read from (not compared, not shown): the writer keeps
    its segments and field texts wherever the model still holds what was read.

    >>> from nhsstd.models import HumanName
    >>> when = datetime.datetime(2024, 1, 1, 12, 0)
    >>> message = ADTMessage(
    ...     header=MessageHeader(timestamp=when, message_code="ADT", trigger_event="A28",
    ...                          message_structure="ADT_A05", control_id="1"),
    ...     event=EventType(recorded=when),
    ...     patient=Patient(names=[HumanName(family="SMITH")]),
    ...     visit=PatientVisit(patient_class="N"))
    >>> print(message.to_er7(terminator="\\n"))
    MSH|^~\\&|||||20240101120000||ADT^A28^ADT_A05|1|P|2.4
    EVN|A28|20240101120000
    PID|||||SMITH
    PV1||N
    """

    header: MessageHeader
    event: EventType
    patient: Patient = attrs.field(repr=False)
    visit: PatientVisit | None = attrs.field(default=None, repr=False)
    merge: MergePatient | None = attrs.field(default=None, repr=False)
    source: Message | None = attrs.field(default=None, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        _check_message(self)
        header = self.header
        spec = _EVENTS.get(header.trigger_event)
        if header.message_code != "ADT" or spec is None:
            raise InvariantError(
                "ADTMessage",
                ("header",),
                f"nhsstd reads and writes ADT {', '.join(_EVENTS)}",
                reason=Reason.UNKNOWN_CODE,
            )
        if spec.visit_required and self.visit is None:
            raise InvariantError("ADTMessage", ("visit",), f"ADT^{header.trigger_event} needs a PV1 (visit)")
        if spec.merge != (self.merge is not None):
            needs = "needs" if spec.merge else "has no place for"
            raise InvariantError(
                "ADTMessage", ("merge",), f"ADT^{header.trigger_event} {needs} an MRG (merge)"
            )

    def to_er7(self, *, terminator: str = "\r") -> str:
        """The message as ER7 text (see :func:`adt_to_hl7`)."""
        return adt_to_hl7(self, terminator=terminator)


_check_header = check.type_checker(MessageHeader)
_check_event = check.type_checker(EventType)
_check_visit = check.type_checker(PatientVisit)
_check_merge = check.type_checker(MergePatient)
_check_message = check.type_checker(ADTMessage)


# --- field maps ---------------------------------------------------------------------------------

#: Reads the attributes of one field from a segment (problems go to the reader).
FieldReader = Callable[[Segment, _Reader], dict[str, Any]]
#: Writes one field's raw text from the attribute values.
FieldWriter = Callable[[Mapping[str, Any], Delimiters], str]


@attrs.frozen
class _Field:
    number: int
    attributes: tuple[str, ...]
    read: FieldReader
    write: FieldWriter


def _text(value: str | Null) -> str | None:
    return value if isinstance(value, str) and value else None


def _components(number: int, attributes: Mapping[int, str]) -> _Field:
    """A field whose components (``{component: attribute}``) are plain text."""

    def read(segment: Segment, r: _Reader) -> dict[str, Any]:
        # The first subcomponent: HD.1, CX.1, XCN.1... (the rest is kept through the source).
        return {
            name: _text(segment.value(number, component=c, subcomponent=1)) for c, name in attributes.items()
        }

    def write(values: Mapping[str, Any], d: Delimiters) -> str:
        texts = [""] * max(attributes)
        for c, name in attributes.items():
            if values[name] is not None:
                texts[c - 1] = escape(values[name], d)
        return join_components(texts, d.component)

    return _Field(number, tuple(attributes.values()), read, write)


def _timestamp(number: int, attribute: str, *, required: bool) -> _Field:
    def read(segment: Segment, r: _Reader) -> dict[str, Any]:
        text = _text(segment.value(number))
        if text is None:
            if required:
                r.problem(f"{segment.name}-{number}", "a date and time is required", Reason.EMPTY)
            return {attribute: None}
        try:
            return {attribute: parse_timestamp(text)}
        except HL7v2Error:
            r.problem(f"{segment.name}-{number}", _DTM_EXPECTED, Reason.INVALID_DATE)
            return {attribute: None}

    def write(values: Mapping[str, Any], d: Delimiters) -> str:
        moment = values[attribute]
        return "" if moment is None else format_timestamp(moment)

    return _Field(number, (attribute,), read, write)


def _required(field: _Field, attribute: str, segment_field: str) -> _Field:
    """*field*, with a problem when *attribute* is empty."""

    def read(segment: Segment, r: _Reader) -> dict[str, Any]:
        values = field.read(segment, r)
        if values[attribute] is None:
            r.problem(segment_field, "a value is required", Reason.EMPTY)
        return values

    return _Field(field.number, field.attributes, read, field.write)


_TAG_CLASSES: Final = {"nhs": NHSNumber, "chi": CHINumber, "hc": HCNumber, "local": LocalIdentifier}


def _read_prior_identifiers(segment: Segment, r: _Reader) -> dict[str, Any]:
    found: list[PriorIdentifier] = []
    for index, rep in enumerate(_decode(segment, 1), start=1):
        path = f"MRG-1[{index}]"
        result = _classify_cx(r, rep, path) if rep else None
        if result is None:
            r.problem(
                path, "not a prior identifier nhsstd reads (a valid NHS, CHI or HSNI number, or an MR number)"
            )
        elif result is not _ERROR:
            found.append(result[1])
    if not found and not r.problems:
        r.problem("MRG-1", "a prior identifier is required", Reason.EMPTY)
    return {"prior_identifiers": tuple(found)}


def _write_prior_identifiers(values: Mapping[str, Any], d: Delimiters) -> str:
    tags = {cls: tag for tag, cls in _TAG_CLASSES.items()}
    reps = [_CX_WRITERS[tags[type(value)]](value) for value in values["prior_identifiers"]]
    return _render(reps, d)


# HL7 v2.4 chapter 2, 2.16.9 (MSH); chapter 3, 3.4.1 (EVN), 3.4.3 (PV1), 3.4.9 (MRG).
_MSH: Final = (
    _components(3, {1: "sending_application"}),
    _components(4, {1: "sending_facility"}),
    _components(5, {1: "receiving_application"}),
    _components(6, {1: "receiving_facility"}),
    _timestamp(7, "timestamp", required=True),
    _components(9, {1: "message_code", 2: "trigger_event", 3: "message_structure"}),
    _required(_components(10, {1: "control_id"}), "control_id", "MSH-10"),
    _required(_components(11, {1: "processing_id"}), "processing_id", "MSH-11"),
    _required(_components(12, {1: "version"}), "version", "MSH-12"),
)
_EVN: Final = (_timestamp(2, "recorded", required=True), _timestamp(6, "occurred", required=False))
_PV1: Final = (
    _required(_components(2, {1: "patient_class"}), "patient_class", "PV1-2"),
    _components(3, {1: "ward", 2: "room", 3: "bed", 4: "facility"}),
    _components(4, {1: "admission_type"}),
    _components(7, {1: "attending_doctor"}),
    _components(10, {1: "hospital_service"}),
    _components(14, {1: "admit_source"}),
    _components(19, {1: "visit_number"}),
    _components(36, {1: "discharge_disposition"}),
    _timestamp(44, "admitted", required=False),
    _timestamp(45, "discharged", required=False),
)
_MRG: Final = (
    _Field(1, ("prior_identifiers",), _read_prior_identifiers, _write_prior_identifiers),
    _components(5, {1: "prior_visit_number"}),
)


def _read_fields(segment: Segment, fields: Iterable[_Field], r: _Reader) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field in fields:
        values.update(field.read(segment, r))
    return values


def _write_fields(
    name: str, model: Any, fields: Iterable[_Field], source: Segment | None, d: Delimiters
) -> Segment:
    """The segment for *model*: the source's field texts, with each modelled field rewritten
    unless the model still holds what the source says."""
    header = name == "MSH"
    texts = (
        list(source.fields) if source is not None else ([d.field, d.encoding_characters] if header else [])
    )
    for field in fields:
        values = {attribute: getattr(model, attribute) for attribute in field.attributes}
        if source is not None and field.read(source, _Reader("preserve", False)) == values:
            continue
        while len(texts) < field.number:
            texts.append("")
        texts[field.number - 1] = field.write(values, d)
    return Segment(name, tuple(texts), d)


# --- reading ------------------------------------------------------------------------------------


def adt_from_hl7(
    source: str | Message,
    *,
    identifiers: IdentifierMode = "strict",
    keep_unknown: bool = True,
    on_warning: WarningHandler | None = None,
) -> ADTMessage:
    """Read an ADT message (A01, A03, A04, A08, A28, A31, A40) into an :class:`ADTMessage`.

    *identifiers*, *keep_unknown* and *on_warning* work as in :func:`patient_from_hl7`;
    with ``keep_unknown=False`` the message keeps no :attr:`~ADTMessage.source` either, so
    unmodelled fields and segments are not written back.

    >>> message = adt_from_hl7(
    ...     "MSH|^~\\\\&|PAS|RR8|TIE|RR8|20240101120000||ADT^A28^ADT_A05|MSG0001|P|2.4\\r"
    ...     "EVN|A28|20240101120000\\r"
    ...     "PID|||9434765919^^^NHS^NH||SMITH^Jane||19700911|F\\r"
    ...     "PV1||N")
    >>> message
    ADTMessage(header=MessageHeader(sending_application='PAS', sending_facility='RR8', \
receiving_application='TIE', receiving_facility='RR8', \
timestamp=datetime.datetime(2024, 1, 1, 12, 0), message_code='ADT', trigger_event='A28', \
message_structure='ADT_A05', control_id='MSG0001', processing_id='P', version='2.4'), \
event=EventType(recorded=datetime.datetime(2024, 1, 1, 12, 0), occurred=None))
    >>> message.patient.nhs_number, message.visit.patient_class
    (NHSNumber('*** *** 5919'), 'N')

    :raises HL7v2Error: the text is not valid ER7.
    :raises SerialisationError: listing every problem (missing segments or fields, an event
        nhsstd does not read, bad timestamps, identifiers, codes) with its segment-field path.
    """
    check_handler(on_warning)
    message = parse_message(source) if isinstance(source, str) else source
    if not isinstance(message, Message):
        raise HL7v2Error(
            Reason.NOT_A_STRING, "message", f"expected ER7 text or a Message, got {type(source).__name__}"
        )
    r = _Reader(identifiers, keep_unknown)
    if not message.segments or message.segments[0].name != "MSH":
        raise HL7v2Error(Reason.FORMAT, "segment 1", "a message must start with an MSH segment")
    msh = message.segments[0]
    header = _read_fields(msh, _MSH, r)
    spec = _EVENTS.get(header["trigger_event"] or "")
    if header["message_code"] != "ADT":
        r.problem("MSH-9.1", "not an ADT message", Reason.UNKNOWN_CODE)
    elif spec is None:
        r.problem("MSH-9.2", f"nhsstd reads ADT {', '.join(_EVENTS)}", Reason.UNKNOWN_CODE)
    found: dict[str, Segment] = {}
    for name in ("EVN", "PID", "PD1", "PV1", "MRG"):
        segments = message.segments_named(name)
        if len(segments) > 1:
            r.problem(name, f"more than one {name} segment (one patient per message is read)")
        if segments:
            found[name] = segments[0]
    required = ["EVN", "PID"]
    if spec is not None and spec.visit_required:
        required.append("PV1")
    if spec is not None and spec.merge:
        required.append("MRG")
    for name in required:
        if name not in found:
            r.problem(name, f"the {name} segment is missing", Reason.EMPTY)
    if spec is not None and not spec.merge and "MRG" in found:
        r.problem("MRG", "an MRG segment belongs to a merge (A40)")
    event = _read_fields(found["EVN"], _EVN, r) if "EVN" in found else {}
    visit = _read_fields(found["PV1"], _PV1, r) if "PV1" in found else None
    merge = _read_fields(found["MRG"], _MRG, r) if "MRG" in found else None
    patient = _read(r, found["PID"], found.get("PD1")) if "PID" in found else None
    deliver(r.notes, on_warning, 2)
    built: dict[str, Any] = {}
    for key, name, cls, values in (
        ("header", "MSH", MessageHeader, header),
        ("event", "EVN", EventType, event),
        ("visit", "PV1", PatientVisit, visit),
        ("merge", "MRG", MergePatient, merge),
    ):
        if r.problems or values is None:
            continue
        try:
            built[key] = cls(**values)
        except ValidationError as error:  # text a model refuses (blank, control characters)
            r.error(name, error)
    if r.problems or patient is None:
        raise SerialisationError("HL7 v2 ADT", r.problems)
    # keep_unknown=False: nothing the model does not hold is kept, other segments included.
    return ADTMessage(**built, patient=patient, source=message if keep_unknown else None)


# --- writing ------------------------------------------------------------------------------------

# The order of the modelled segments (HL7 v2.4 chapter 3: ADT_A01/A03/A05 and ADT_A39).
_ORDER: Final = {
    False: ("MSH", "EVN", "PID", "PD1", "PV1"),
    True: ("MSH", "EVN", "PID", "PD1", "MRG", "PV1"),
}


def adt_to_hl7(message: ADTMessage, *, terminator: str = "\r") -> str:
    """Write an :class:`ADTMessage` as ER7 text (segments separated by *terminator*).

    A message read by :func:`adt_from_hl7` and not changed is written back exactly; segments
    nhsstd does not model (NK1, AL1, Z-segments...) keep their place.

    :raises SerialisationError: what PID/PD1 cannot carry (see :func:`patient_to_hl7`).
    """
    if not isinstance(message, ADTMessage):
        raise TypeError(f"expected an ADTMessage, got {type(message).__name__}")
    source = message.source
    d = source.delimiters if source is not None else DEFAULT_DELIMITERS

    def kept(name: str) -> Segment | None:
        return source.segment(name) if source is not None else None

    built: dict[str, Segment | None] = {
        "MSH": _write_fields("MSH", message.header, _MSH, kept("MSH"), d),
        "EVN": _write_evn(message, source, d),
        "PV1": _write_fields("PV1", message.visit, _PV1, kept("PV1"), d)
        if message.visit is not None
        else None,
        "MRG": _write_fields("MRG", message.merge, _MRG, kept("MRG"), d)
        if message.merge is not None
        else None,
    }
    built.update(_write_patient(message.patient, kept("PID"), kept("PD1"), d))
    order = _ORDER[message.merge is not None]
    out: list[Segment] = []
    if source is not None:
        for segment in source.segments:
            if segment.name in built:
                replacement = built.pop(segment.name)
                if replacement is not None:
                    out.append(replacement)
            else:
                out.append(segment)
    for name in order:
        missing = built.pop(name, None)
        if missing is None:
            continue
        # A modelled segment the source did not have goes after the one before it in the order.
        before = order[: order.index(name)]
        place = max((i + 1 for i, s in enumerate(out) if s.name in before), default=len(out))
        out.insert(place, missing)
    return terminator.join(segment.to_er7() for segment in out)


def _write_evn(message: ADTMessage, source: Message | None, d: Delimiters) -> Segment:
    evn = source.segment("EVN") if source is not None else None
    segment = _write_fields("EVN", message.event, _EVN, evn, d)
    trigger = message.header.trigger_event
    # EVN-1 (event type code, deprecated) repeats MSH-9.2 in v2.4 messages: it follows a changed
    # trigger event, and is left as sent otherwise.
    sent = evn.value(1) if evn is not None else None
    if source is None or (sent and sent == source.segments[0].value(9, component=2) != trigger):
        segment = Segment("EVN", (escape(trigger, d), *segment.fields[1:]), d)
    return segment


def _write_patient(
    patient: Patient, pid: Segment | None, pd1: Segment | None, d: Delimiters
) -> dict[str, Segment | None]:
    if pid is not None:
        r = _Reader("preserve", True)
        read = _read(r, pid, pd1)
        if not r.problems and read == patient:
            return {"PID": pid, "PD1": pd1}
    segments = {segment.name: segment for segment in patient_to_segments(patient, delimiters=d)}
    return {"PID": segments["PID"], "PD1": segments.get("PD1")}

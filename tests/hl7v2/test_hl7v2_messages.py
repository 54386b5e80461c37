"""Whole ADT messages, acknowledgements, MLLP framing and batch files (issue 11)."""

from __future__ import annotations

import datetime
import socket
import threading

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nhsstd.codes import PersonStatedGenderCode
from nhsstd.exceptions import Reason
from nhsstd.fhir import SerialisationError
from nhsstd.hl7v2 import (
    ADT_EVENTS,
    ADTMessage,
    EventType,
    HL7v2Error,
    MergePatient,
    MessageHeader,
    MLLPDecoder,
    MLLPError,
    PatientVisit,
    acknowledge,
    adt_from_hl7,
    adt_to_hl7,
    iter_batch,
    mllp_decode,
    mllp_encode,
    parse_message,
    parse_segment,
)
from nhsstd.identifiers.nhs_number import NHSNumber
from nhsstd.identifiers.ods_code import ODSCode
from nhsstd.models import HumanName, InvariantError, LocalIdentifier, Patient

NHS_NUMBER = "9434765919"
PRIOR_NHS_NUMBER = "4010232137"
UTC = datetime.timezone.utc
WHEN = datetime.datetime(2024, 1, 1, 12, 0, tzinfo=UTC)


def msh(event: str, control_id: str = "MSG0001", structure: str | None = None) -> str:
    structure = structure or ADT_EVENTS[event]
    return (
        f"MSH|^~\\&|PAS|RR8|TIE|RR8|20240101120000+0000||ADT^{event}^{structure}|{control_id}|P|2.4|||AL|NE"
    )


PID = (
    f"PID|||8000002^^^RR8^MR~{NHS_NUMBER}^^^NHS^NH||SMITH^Jane^^^Mrs||19581119|F|||"
    "1 MY AVENUE^^LEEDS^^LS1 6AE"
)
PD1 = "PD1|||SAUGHALL PRACTICE^^A81123|G1234569^Mister GP^GP^^^Dr"
PV1 = "PV1|1|I|WARD5^B1^3^RR8||||C1234567^JONES^A|||300||||19|||||V123456"


def adt(event: str, *segments: str) -> str:
    return "\r".join([msh(event), f"EVN|{event}|20240101115900", *segments])


# --- reading and writing whole messages ----------------------------------------------------------


@pytest.mark.parametrize("event", ["A01", "A03", "A04", "A08", "A28", "A31"])
def test_each_event_reads_and_writes_back_exactly(event: str) -> None:
    """HL7 v2.4 chapter 3, 3.3: ADT_A01 (A01, A04, A08), ADT_A03, ADT_A05 (A28, A31)."""
    text = adt(event, PID, PD1, "NK1|1|SMITH^John|SPO", PV1, "ZU1|1|local")
    message = adt_from_hl7(text)
    assert message.header.trigger_event == event
    assert message.header.message_structure == ADT_EVENTS[event]
    assert message.header.timestamp == WHEN
    assert message.event.recorded == datetime.datetime(2024, 1, 1, 11, 59)
    assert message.patient.nhs_number == NHSNumber(NHS_NUMBER)
    assert message.patient.registered_gp is not None
    assert message.visit == PatientVisit(
        patient_class="I",
        ward="WARD5",
        room="B1",
        bed="3",
        facility="RR8",
        attending_doctor="C1234567",
        hospital_service="300",
        admit_source="19",
        visit_number="V123456",
    )
    assert adt_to_hl7(message) == text
    assert message.to_er7(terminator="\n") == text.replace("\r", "\n")


def test_a40_merge_reads_the_prior_identifiers() -> None:
    """HL7 v2.4 chapter 3, 3.3.40 (ADT_A39: PID [PD1] MRG [PV1]) and 3.4.9 (MRG-1, CX)."""
    text = adt("A40", PID, f"MRG|{PRIOR_NHS_NUMBER}^^^NHS^NH~7000001^^^RR8^MR||||V1")
    message = adt_from_hl7(text)
    assert message.merge == MergePatient(
        prior_identifiers=[
            NHSNumber(PRIOR_NHS_NUMBER),
            LocalIdentifier(value="7000001", assigner=ODSCode("RR8")),
        ],
        prior_visit_number="V1",
    )
    assert message.visit is None
    assert adt_to_hl7(message) == text


def test_a_message_built_in_code_is_written_in_order_and_reads_back_equal() -> None:
    message = ADTMessage(
        header=MessageHeader(
            sending_application="PAS",
            sending_facility="RR8",
            timestamp=WHEN,
            message_code="ADT",
            trigger_event="A40",
            message_structure="ADT_A39",
            control_id="42",
        ),
        event=EventType(recorded=WHEN, occurred=datetime.datetime(2024, 1, 1, 11, 0, 30, 250000)),
        patient=Patient(nhs_number=NHSNumber(NHS_NUMBER), names=[HumanName(family="O'Brien & Sons")]),
        merge=MergePatient(prior_identifiers=[NHSNumber(PRIOR_NHS_NUMBER)]),
        visit=PatientVisit(patient_class="N"),
    )
    text = adt_to_hl7(message)
    assert text.split("\r") == [
        "MSH|^~\\&|PAS|RR8|||20240101120000+0000||ADT^A40^ADT_A39|42|P|2.4",
        "EVN|A40|20240101120000+0000||||20240101110030.2500",
        f"PID|||{NHS_NUMBER}^^^NHS^NH||O'Brien \\T\\ Sons",
        f"MRG|{PRIOR_NHS_NUMBER}^^^NHS^NH",
        "PV1||N",
    ]
    assert adt_from_hl7(text) == message


def test_changed_values_are_written_and_everything_else_is_kept() -> None:
    text = adt("A01", PID, PD1, "NK1|1|SMITH^John|SPO", PV1, "ZU1|1|local")
    message = adt_from_hl7(text)
    discharged = datetime.datetime(2024, 1, 2, 10, 0)
    changed = attrs.evolve(
        message,
        header=attrs.evolve(message.header, trigger_event="A03", message_structure="ADT_A03"),
        visit=attrs.evolve(message.visit, ward="WARD6", discharged=discharged),
        patient=attrs.evolve(message.patient, stated_gender=PersonStatedGenderCode.MALE),
    )
    lines = adt_to_hl7(changed).split("\r")
    assert lines[0] == msh("A03")
    assert lines[1] == "EVN|A03|20240101115900"  # EVN-1 follows the trigger event
    assert "|19581119|M|" in lines[2]
    assert lines[3:5] == [PD1, "NK1|1|SMITH^John|SPO"]
    assert lines[5].startswith("PV1|1|I|WARD6^B1^3^RR8|")
    assert lines[5].endswith("|20240102100000")
    assert lines[6] == "ZU1|1|local"
    assert adt_from_hl7(adt_to_hl7(changed)) == changed


def test_a_segment_added_to_a_read_message_goes_in_its_place() -> None:
    message = adt_from_hl7(adt("A28", PID, "NK1|1|X", "PV1||N"))
    gp = Patient(nhs_number=NHSNumber(NHS_NUMBER))
    assert adt_to_hl7(attrs.evolve(message, patient=gp)).split("\r")[2:] == [
        f"PID|||{NHS_NUMBER}^^^NHS^NH",
        "NK1|1|X",
        "PV1||N",
    ]


@pytest.mark.parametrize(
    ("text", "paths"),
    [
        (adt("A01", PID), ["PV1"]),
        (adt("A40", PID), ["MRG"]),
        (msh("A01") + "\r" + PID + "\r" + PV1, ["EVN"]),
        (adt("A01", PID, PV1).replace("ADT^A01^ADT_A01", "ORU^R01"), ["MSH-9.1"]),
        (adt("A01", PID, PV1).replace("ADT^A01^ADT_A01", "ADT^A02"), ["MSH-9.2"]),
        (adt("A01", PID, PV1).replace("|MSG0001|", "||"), ["MSH-10"]),
        (adt("A01", PID, PV1).replace("20240101115900", "2024-01-01"), ["EVN-2"]),
        (adt("A01", PID, PV1).replace("20240101115900", "20240230115900"), ["EVN-2"]),
        (adt("A01", PID, "PV1|1"), ["PV1-2"]),
        (adt("A01", PID, PV1, "MRG|1^^^RR8^MR"), ["MRG"]),
        (adt("A40", PID, "MRG|1^^^XX^XX"), ["MRG-1[1]"]),
        (adt("A40", PID, "MRG|9434765918^^^NHS^NH"), ["MRG-1[1].1"]),
        (adt("A01", PID, PID, PV1), ["PID"]),
    ],
)
def test_what_an_adt_message_needs(text: str, paths: list[str]) -> None:
    """HL7 v2.4 chapter 3, 3.3 (segments each event needs) and 2.16.9 (MSH-9, MSH-10 required)."""
    with pytest.raises(SerialisationError) as raised:
        adt_from_hl7(text)
    assert [problem.path for problem in raised.value.problems] == paths


def test_model_rules() -> None:
    header = MessageHeader(timestamp=WHEN, message_code="ADT", trigger_event="A01", control_id="1")
    event = EventType(recorded=WHEN)
    with pytest.raises(InvariantError, match="needs a PV1"):
        ADTMessage(header=header, event=event, patient=Patient())
    with pytest.raises(InvariantError, match="has no place for an MRG"):
        ADTMessage(
            header=header,
            event=event,
            patient=Patient(),
            visit=PatientVisit(patient_class="I"),
            merge=MergePatient(prior_identifiers=[NHSNumber(NHS_NUMBER)]),
        )
    with pytest.raises(InvariantError, match="reads and writes ADT"):
        ADTMessage(header=attrs.evolve(header, trigger_event="A02"), event=event, patient=Patient())
    with pytest.raises(InvariantError, match="at least one"):
        MergePatient(prior_identifiers=[])
    with pytest.raises(TypeError):
        EventType(recorded="20240101")  # type: ignore[arg-type]


def test_reprs_show_no_personal_data() -> None:
    text = adt("A40", PID, f"MRG|{PRIOR_NHS_NUMBER}^^^NHS^NH")
    message = adt_from_hl7(text)
    shown = repr(message) + repr(parse_message(text)) + repr(parse_message(text).segments)
    shown += repr(message.merge) + repr(parse_segment(PID))
    for secret in (NHS_NUMBER, PRIOR_NHS_NUMBER, "SMITH", "Jane", "19581119", "MY AVENUE", "LS1 6AE"):
        assert secret not in shown
    assert "*** *** 2137" in repr(message.merge)


def test_errors_show_no_personal_data() -> None:
    with pytest.raises(SerialisationError) as raised:
        adt_from_hl7(adt("A40", PID, "MRG|9434765918^^^NHS^NH"))
    assert "9434765918" not in str(raised.value)


# --- acknowledgements ------------------------------------------------------------------------------


ACK_TIME = datetime.datetime(2024, 1, 1, 12, 0, 1)


def test_aa_swaps_sender_and_receiver_and_echoes_the_control_id() -> None:
    """HL7 v2.4 chapter 2, 2.13.1 and 2.16.8: MSA-1 AA, MSA-2 the MSH-10 of the message."""
    ack = acknowledge(adt("A01", PID, PV1), control_id="ACK1", timestamp=ACK_TIME)
    assert ack.to_er7().split("\r") == [
        "MSH|^~\\&|TIE|RR8|PAS|RR8|20240101120001||ACK^A01^ACK|ACK1|P|2.4",
        "MSA|AA|MSG0001",
    ]


def test_ae_lists_every_problem_with_its_location_and_table_0357_code() -> None:
    text = adt("A01", PID.replace(NHS_NUMBER, "9434765918"), "PV1|1").replace("|MSG0001|", "|M2|")
    with pytest.raises(SerialisationError) as raised:
        adt_from_hl7(text)
    ack = acknowledge(text, error=raised.value, control_id="ACK2", timestamp=ACK_TIME)
    lines = ack.to_er7().split("\r")
    assert lines[1] == "MSA|AE|M2|PV1-2: a value is required"
    assert lines[2:] == [
        "ERR|PV1^1^2^101&Required field missing&HL70357|PV1^1^2|101^Required field missing^HL70357|E",
        "ERR|PID^1^3^102&Data type error&HL70357|PID^1^3^2^1|102^Data type error^HL70357|E",
    ]
    assert "9434765918" not in ack.to_er7()


@pytest.mark.parametrize(
    ("change", "code"),
    [("ADT^A01^ADT_A01", "200"), ("ADT^A01^ADT_A01", "201")],
)
def test_unsupported_type_and_event_codes(change: str, code: str) -> None:
    """Table 0357: 200 unsupported message type, 201 unsupported event code."""
    replacement = "ORU^R01" if code == "200" else "ADT^A02"
    text = adt("A01", PID, PV1).replace(change, replacement)
    with pytest.raises(SerialisationError) as raised:
        adt_from_hl7(text)
    ack = acknowledge(text, "AR", error=raised.value, control_id="ACK3", timestamp=ACK_TIME)
    assert ack.segments[1].get(1) == "AR"
    assert ack.segments[2].get(3) == code


def test_text_that_does_not_parse_is_acknowledged_with_the_parse_error() -> None:
    text = msh("A01") + "\rPID|||\\Q\\"
    ack = acknowledge(text, control_id="ACK4", timestamp=ACK_TIME)
    assert [segment.name for segment in ack.segments] == ["MSH", "MSA", "ERR"]
    assert ack.segments[1].get(1) == "AE"
    assert ack.segments[2].field(2) == "PID^1^3"
    with pytest.raises(HL7v2Error):
        acknowledge("PID|1", control_id="ACK5")


def test_acknowledge_refuses_contradictions() -> None:
    with pytest.raises(ValueError, match="AA"):
        acknowledge(msh("A01"), "AA", error=HL7v2Error(Reason.FORMAT, "PID-3", "x"), control_id="A")
    with pytest.raises(ValueError, match="code"):
        acknowledge(msh("A01"), "CA", control_id="A")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="control_id"):
        acknowledge(msh("A01"), control_id="")
    ack = acknowledge(parse_message(msh("A01")), control_id="A|B")
    assert ack.segments[0].value(10) == "A|B"
    assert ack.segments[0].get(7)


# --- MLLP --------------------------------------------------------------------------------------------


def test_mllp_frame_is_start_block_message_end_block_carriage_return() -> None:
    """HL7 v2.5.1 Appendix C (MLLP): <VT> message <FS><CR>."""
    text = adt("A01", PID, PV1)
    frame = mllp_encode(text)
    assert frame == b"\x0b" + text.encode() + b"\x1c\r"
    assert mllp_decode(frame) == text
    assert mllp_encode(parse_message(text)) == frame
    assert parse_message(mllp_decode(frame)).to_er7() == text


@pytest.mark.parametrize(
    "data",
    [
        b"MSH|^~\\&\x1c\r",  # no start block
        b"\x0bMSH\x1cX",  # no carriage return after the end block
        b"\x0bMSH\x0bPID\x1c\r",  # a start block inside a frame
        b"\x0b\xff\xfe\x1c\r",  # not UTF-8
        b"\x0bMSH\x1c\r\n",  # something between frames
    ],
)
def test_mllp_decoder_refuses_what_is_not_a_frame(data: bytes) -> None:
    decoder = MLLPDecoder()
    with pytest.raises(MLLPError):
        decoder.feed(data)
    assert decoder.pending == 0


def test_mllp_decoder_limits_and_end_of_stream() -> None:
    decoder = MLLPDecoder(max_frame_bytes=10)
    with pytest.raises(MLLPError) as raised:
        decoder.feed(b"\x0b" + b"A" * 20)
    assert raised.value.reason is Reason.LENGTH
    unfinished = MLLPDecoder()
    assert unfinished.feed(b"\x0bMSH") == []
    with pytest.raises(MLLPError):
        unfinished.close()
    with pytest.raises(MLLPError):
        mllp_decode(mllp_encode("MSH|^~\\&|A") * 2)
    with pytest.raises(MLLPError):
        mllp_encode("MSH|^~\\&|A\x1c")
    with pytest.raises(TypeError):
        MLLPDecoder().feed("text")  # type: ignore[arg-type]


@settings(max_examples=100)
@given(st.lists(st.integers(1, 40), min_size=1, max_size=30))
def test_mllp_decoder_gives_the_same_messages_however_the_bytes_are_split(cuts: list[int]) -> None:
    texts = [adt("A01", PID, PV1), "MSH|^~\\&|PAS|café", adt("A28", PID, "PV1||N")]
    stream = b"".join(mllp_encode(text) for text in texts)
    decoder = MLLPDecoder()
    got: list[str] = []
    position = 0
    for cut in cuts:
        got.extend(decoder.feed(stream[position : position + cut]))
        position += cut
    got.extend(decoder.feed(stream[position:]))
    decoder.close()
    assert got == texts


def test_mllp_over_a_real_socket_with_acknowledgements() -> None:
    """A receiver on 127.0.0.1 reads frames as they arrive (split across recv calls) and answers
    each message with its ACK, framed."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    received: list[str] = []

    def receiver() -> None:
        connection, _ = server.accept()
        with connection:
            decoder = MLLPDecoder()
            while True:
                data = connection.recv(7)  # small reads: frames arrive in pieces
                if not data:
                    decoder.close()
                    return
                for text in decoder.feed(data):
                    received.append(text)
                    ack = acknowledge(text, control_id=f"ACK{len(received)}", timestamp=ACK_TIME)
                    connection.sendall(mllp_encode(ack))

    thread = threading.Thread(target=receiver)
    thread.start()
    messages = [adt("A01", PID, PV1), adt("A28", PID, "PV1||N").replace("MSG0001", "MSG0002")]
    acks: list[str] = []
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
            decoder = MLLPDecoder()
            for count, text in enumerate(messages, start=1):
                client.sendall(mllp_encode(text))
                while len(acks) < count:
                    data = client.recv(5)
                    assert data, "the receiver closed the connection"
                    acks.extend(decoder.feed(data))
    finally:
        thread.join(timeout=10)
        server.close()
    assert received == messages
    assert [parse_message(ack).segments[1].to_er7() for ack in acks] == ["MSA|AA|MSG0001", "MSA|AA|MSG0002"]


# --- batch files ---------------------------------------------------------------------------------------


def test_a_batch_file_is_read_message_by_message() -> None:
    """HL7 v2.5.1 chapter 2, 2.10.3: [FHS] {[BHS] {message} [BTS]} [FTS]; BHS-2 is the encoding
    characters (not an escaped value), as MSH-2 is."""
    first, second = adt("A28", PID, "PV1||N"), adt("A31", PID, "PV1||N").replace("MSG0001", "MSG0002")
    batch = "\r".join(["FHS|^~\\&|PAS|RR8", "BHS|^~\\&|PAS|RR8|||20240101", first, second, "BTS|2", "FTS|1"])
    messages = list(iter_batch(batch))
    assert [message.to_er7() for message in messages] == [first, second]
    assert [adt_from_hl7(message).header.control_id for message in messages] == ["MSG0001", "MSG0002"]
    assert parse_segment("BHS|^~\\&|PAS").value(2) == "^~\\&"
    assert [m.to_er7() for m in iter_batch(first + "\n" + second)] == [first, second]


def test_a_batch_with_its_own_delimiters() -> None:
    batch = "FHS#$*@%#PAS\rMSH#$*@%#PAS#RR8\rPID###943$$$NHS$NH\rFTS#0"
    assert [m.segment("PID").field(3) for m in iter_batch(batch)] == ["943$$$NHS$NH"]  # type: ignore[union-attr]


def test_batch_errors_come_when_they_are_reached() -> None:
    good = adt("A28", PID, "PV1||N")
    reader = iter_batch("\r".join(["BHS|^~\\&", good, "MSH|^~\\&|A\rPID|||\\Q\\", "BTS|2"]))
    assert next(reader).to_er7() == good
    with pytest.raises(HL7v2Error):
        next(reader)
    with pytest.raises(HL7v2Error) as raised:
        list(iter_batch("\r".join(["BHS|^~\\&", good, "BTS|3"])))
    assert raised.value.location == "BTS-1"
    with pytest.raises(HL7v2Error):
        list(iter_batch("PID|1\r" + good))
    with pytest.raises(HL7v2Error, match="MSH"):
        parse_message("BHS|^~\\&\r" + good)


def test_keep_unknown_false_keeps_no_source() -> None:
    message = adt_from_hl7(adt("A28", PID, "NK1|1|X", "PV1||N"), keep_unknown=False)
    assert message.source is None
    assert [line[:3] for line in adt_to_hl7(message).split("\r")] == ["MSH", "EVN", "PID", "PV1"]


# --- properties -------------------------------------------------------------------------------------

damage_text = st.text(alphabet=st.sampled_from('|^~\\&" \tANHSMRIO0123456789+-.\r'), max_size=25)


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(["A01", "A28", "A40"]),
    st.lists(st.tuples(st.integers(0, 5), st.integers(1, 46), damage_text), max_size=4),
)
def test_damaged_messages_give_a_message_or_a_typed_error_and_read_back_exactly(
    event: str, damage: list[tuple[int, int, str]]
) -> None:
    segments = [msh(event), f"EVN|{event}|20240101115900", PID, PD1, PV1]
    if event == "A40":
        segments.insert(4, f"MRG|{PRIOR_NHS_NUMBER}^^^NHS^NH||||V1")
    lines = [segment.split("|") for segment in segments]
    for index, number, value in damage:
        fields = lines[index % len(lines)]
        if index % len(lines) == 0 and number < 3:
            continue  # MSH-1 and MSH-2 are the delimiters
        fields.extend([""] * (number + 1 - len(fields)))
        fields[number] = value
    text = "\r".join("|".join(fields) for fields in lines)
    try:
        message = adt_from_hl7(text)
    except (HL7v2Error, SerialisationError) as error:
        assert error.kind in ("hl7v2", "serialisation")
        return
    written = adt_to_hl7(message)
    assert written == parse_message(text).to_er7()
    assert adt_from_hl7(written) == message


times = st.datetimes(min_value=datetime.datetime(1900, 1, 1), max_value=datetime.datetime(2100, 1, 1)).map(
    lambda moment: moment.replace(microsecond=moment.microsecond // 100 * 100)
)
offsets = st.none() | st.integers(-14 * 60, 14 * 60).map(
    lambda minutes: datetime.timezone(datetime.timedelta(minutes=minutes))
)
codes = st.text(
    alphabet=st.characters(exclude_categories=("Cs", "Cc")) | st.sampled_from("|^~&\\"), min_size=1
)
codes = codes.filter(lambda value: value.strip() != "")


@settings(max_examples=100, deadline=None)
@given(
    st.tuples(times, offsets).map(lambda t: t[0].replace(tzinfo=t[1])),
    st.none() | times,
    st.builds(
        PatientVisit,
        patient_class=codes,
        ward=st.none() | codes,
        bed=st.none() | codes,
        visit_number=st.none() | codes,
        admitted=st.none() | times,
    ),
    st.sampled_from(["A01", "A03", "A04", "A08", "A28", "A31"]),
    codes,
)
def test_messages_built_in_code_read_back_equal(
    when: datetime.datetime,
    occurred: datetime.datetime | None,
    visit: PatientVisit,
    event: str,
    control_id: str,
) -> None:
    message = ADTMessage(
        header=MessageHeader(
            sending_facility="RR8",
            timestamp=when,
            message_code="ADT",
            trigger_event=event,
            message_structure=ADT_EVENTS[event],
            control_id=control_id,
        ),
        event=EventType(recorded=when, occurred=occurred),
        patient=Patient(nhs_number=NHSNumber(NHS_NUMBER)),
        visit=visit,
    )
    assert adt_from_hl7(adt_to_hl7(message)) == message

"""The ER7 layer: delimiters, escapes, nulls, and hostile messages."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nhsstd.exceptions import InvalidFormat, InvalidLength
from nhsstd.hl7v2 import (
    NULL,
    DelimiterError,
    Delimiters,
    EscapeError,
    FieldTooLongError,
    HL7v2Error,
    SegmentError,
    build_segment,
    escape,
    parse_message,
    parse_segment,
    unescape,
)

MSH = "MSH|^~\\&|PAS|RR8|TIE|RR8|20240101120000||ADT^A28|MSG0001|P|2.4"


# --- delimiters ----------------------------------------------------------------------------------


def test_delimiters_come_from_msh() -> None:
    message = parse_message("MSH#$*@%#PAS#RR8\rPID###943$$$NHS$NH*1$$$RR8$MR##SMITH$Ann@T@Mary|Jo")
    d = message.delimiters
    assert (d.field, d.component, d.repetition, d.escape, d.subcomponent) == ("#", "$", "*", "@", "%")
    pid = message.segment("PID")
    assert pid is not None
    assert pid.get(3, repetition=2, component=4) == "RR8"
    # "@" is the escape character and "%" the subcomponent delimiter; "|" is plain text here.
    assert pid.value(5, component=2) == "Ann%Mary|Jo"


def test_msh_fields_are_numbered_as_in_the_standard() -> None:
    msh = parse_message(MSH).segment("MSH")
    assert msh is not None
    assert msh.field(1) == "|"
    assert msh.field(2) == "^~\\&"
    assert msh.field(9) == "ADT^A28"
    assert msh.to_er7() == MSH


def test_truncation_character_of_v27() -> None:
    message = parse_message("MSH|^~\\&#|A\rPID|||a\\P\\b")
    assert message.delimiters.truncation == "#"
    assert message.segment("PID").value(3) == "a#b"  # type: ignore[union-attr]
    assert escape("a#b", message.delimiters) == "a\\P\\b"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("MSH|^~|A", DelimiterError),  # too few encoding characters
        ("MSH|^~\\&&|A", DelimiterError),  # repeated
        ("MSH|^~\\^|A", DelimiterError),
        ("MSH|^~\\&^~|A", DelimiterError),  # six
        ("MSHA^~\\&A", DelimiterError),  # a letter as field delimiter
        ("MSH ^~\\& A", DelimiterError),  # space
        ('MSH|"~\\&|A', DelimiterError),  # the null quote
        ("MSH", DelimiterError),
        ("MSH|", DelimiterError),
        ("PID|1", SegmentError),  # no MSH
        ("", SegmentError),
        ("\r\n", SegmentError),
        ("MSH|^~\\&|A\rPID^1", SegmentError),  # segment name not followed by the field delimiter
        ("MSH|^~\\&|A\rPI", SegmentError),  # truncated segment
        ("MSH|^~\\&|A\rpid|1", SegmentError),
        ("MSH|^~\\&|A\r|||", SegmentError),
        ("MSH|^~\\&|A\rMSH|^~\\#|A", DelimiterError),  # a second MSH with other delimiters
        ("MSH|^~\\&X|A", DelimiterError),  # the fifth character must be followed by the field delimiter
    ],
)
def test_wrong_delimiters_and_truncated_segments(text: str, error: type[HL7v2Error]) -> None:
    with pytest.raises(error) as raised:
        parse_message(text)
    assert isinstance(raised.value, InvalidFormat)
    assert isinstance(raised.value, ValueError)
    assert raised.value.kind == "hl7v2"


# --- escapes -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("a\\F\\b", "a|b"),
        ("a\\S\\b", "a^b"),
        ("a\\T\\b", "a&b"),
        ("a\\R\\b", "a~b"),
        ("a\\E\\b", "a\\b"),
        ("Obstetrician \\T\\ Gynaecologist", "Obstetrician & Gynaecologist"),
        ("line 1\\.br\\line 2", "line 1\nline 2"),
        ("\\X0D\\\\X0A\\", "\r\n"),
        ("caf\\XC3A9\\", "café"),
        ("caf\\XC3\\\\XA9\\", "café"),  # one character split over two hex escapes
        ("\\H\\bold\\N\\", "bold"),
        ("\\E\\F\\E\\", "\\F\\"),
        ("plain", "plain"),
    ],
)
def test_every_escape_sequence(raw: str, text: str) -> None:
    assert unescape(raw) == text


@pytest.mark.parametrize(
    "raw",
    [
        "a\\F",
        "\\",
        "a\\\\b",
        "\\Q\\",
        "\\X\\",
        "\\X0\\",
        "\\XZZ\\",
        "\\.sp\\",
        "\\Zlocal\\",
        "\\C2842\\",
        "\\f\\",
    ],
)
def test_invalid_escapes(raw: str) -> None:
    with pytest.raises(EscapeError):
        unescape(raw)
    with pytest.raises(EscapeError):
        parse_message(f"MSH|^~\\&|A\rPID|||{raw}")


def test_hex_escape_in_the_message_character_set() -> None:
    header = "MSH|^~\\&" + "|" * 16
    latin = parse_message(header + "8859/1\rPID|||\\XA3\\5")
    assert latin.segment("PID").value(3) == "£5"  # type: ignore[union-attr]
    # Undecodable hex is refused when the message is read, never later when a value is asked for.
    with pytest.raises(EscapeError):
        parse_message("MSH|^~\\&|A\rPID|||\\XA3\\5")
    with pytest.raises(EscapeError):
        parse_message(header + "ISO IR87\rPID|||\\X41\\|\\F\\")
    unknown = parse_message(header + "ISO IR87\rPID|||\\F\\")
    assert unknown.segment("PID").value(3) == "|"  # type: ignore[union-attr]


def test_escape_character_is_escaped_first() -> None:
    assert escape("\\F\\") == "\\E\\F\\E\\"
    assert escape("|^~&\\") == "\\F\\\\S\\\\R\\\\T\\\\E\\"
    assert unescape(escape("\\E\\")) == "\\E\\"


def test_escape_with_other_delimiters() -> None:
    d = Delimiters(field="#", component="$", repetition="*", escape="@", subcomponent="%")
    assert escape("a#b$c*d@e%f|g^h", d) == "a@F@b@S@c@R@d@E@e@T@f|g^h"
    assert unescape("a@F@b@S@c@R@d@E@e@T@f|g^h", d) == "a#b$c*d@e%f|g^h"


@given(st.text(alphabet=st.characters(exclude_categories=("Cs",))))
def test_escape_round_trips(text: str) -> None:
    escaped = escape(text)
    assert unescape(escaped) == text
    for char in "|^~&\r\n":
        assert char not in escaped


# --- null and empty ------------------------------------------------------------------------------


def test_explicit_null_is_not_empty() -> None:
    pid = parse_segment('PID|1||""|||""^Ann')
    assert pid.value(3) is NULL
    assert pid.value(4) == ""
    assert pid.value(6) is NULL
    assert pid.value(6, component=2) == "Ann"
    assert repr(NULL) == "NULL"
    assert not NULL
    assert pickle.loads(pickle.dumps(NULL)) is NULL


def test_text_that_is_two_quotes_is_not_written_as_null() -> None:
    escaped = escape('""')
    assert escaped != '""'
    assert parse_segment(f"PID|||{escaped}").value(3) == '""'


# --- framing and line ends -----------------------------------------------------------------------


def test_mllp_framing_and_line_feeds_are_accepted() -> None:
    for text in (f"\x0b{MSH}\rPID|1\r\x1c\r", f"{MSH}\nPID|1\n", f"{MSH}\r\nPID|1\r\n\r\n"):
        message = parse_message(text)
        assert [s.name for s in message.segments] == ["MSH", "PID"]
    assert parse_message(f"{MSH}\nPID|1").to_er7() == f"{MSH}\rPID|1"


# --- hostile input -------------------------------------------------------------------------------


def test_a_one_megabyte_field_is_refused() -> None:
    with pytest.raises(FieldTooLongError) as raised:
        parse_message(f"{MSH}\rPID|||{'9' * 1_000_000}")
    assert isinstance(raised.value, InvalidLength)
    assert raised.value.location == "PID-3"
    assert "9999" not in str(raised.value)
    assert parse_message(f"{MSH}\rPID|||{'9' * 1_000_000}", max_field_length=None).segment("PID") is not None


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x0b", "\x1c", "\x7f", "\ud800"])
def test_control_characters_are_refused(char: str) -> None:
    with pytest.raises(HL7v2Error):
        parse_message(f"{MSH}\rPID|||a{char}b")


@pytest.mark.parametrize("value", [None, 42, b"MSH|^~\\&|A", ["MSH"]])
def test_not_a_string(value: object) -> None:
    with pytest.raises(HL7v2Error):
        parse_message(value)  # type: ignore[arg-type]


@given(st.text())
def test_any_text_gives_a_message_or_a_typed_error(text: str) -> None:
    for candidate in (text, MSH + "\r" + text, "MSH|^~\\&|" + text):
        try:
            message = parse_message(candidate)
        except HL7v2Error as error:
            assert error.kind == "hl7v2"
            continue
        for segment in message.segments:
            for number in range(1, len(segment.fields) + 1):
                if segment.name == "MSH" and number <= 2:
                    continue
                try:
                    value = segment.value(number)
                except HL7v2Error as error:
                    assert error.kind == "hl7v2"
                else:
                    assert value is NULL or isinstance(value, str)


def test_message_text_round_trips_unchanged() -> None:
    text = (
        f"{MSH}\rEVN|A28|20240101\r"
        "PID|1||8000002^^^RMW00^MR~9434765919^^^NHS^NH||O'BRIEN \\T\\ SONS^Ann||19581119|F|||"
        '1 MY AVENUE^^WAKEFIELD^WEST YORKS^WF1 1XX||""|||||||||||||||||||NSTS02'
    )
    assert parse_message(text).to_er7() == text


def test_errors_pickle() -> None:
    with pytest.raises(HL7v2Error) as raised:
        parse_message("MSH|^~|A")
    copy = pickle.loads(pickle.dumps(raised.value))
    assert type(copy) is DelimiterError
    assert copy.location == "MSH-2"
    assert str(copy) == str(raised.value)


def test_build_segment_checks_its_fields() -> None:
    assert build_segment("ZNS", ["a\\T\\b"]).value(1) == "a&b"
    with pytest.raises(SegmentError):
        build_segment("ZNS", ["a|b"])
    with pytest.raises(EscapeError):
        build_segment("ZNS", ["a\\b"])


# --- issue 11: what parse_message accepts stays readable --------------------------------------


def test_msh_1_and_msh_2_are_the_delimiters_not_escaped_text() -> None:
    """HL7 v2.5.1 chapter 2, 2.14.9.1-2: MSH-1 is the field separator and MSH-2 the encoding
    characters, taken literally; MSH-2 holds the escape character itself, so it is never decoded."""
    msh = parse_message("MSH|^~\\&|PAS|RR8\rPID|1").segment("MSH")
    assert msh is not None
    assert (msh.value(1), msh.value(2), msh.get(2)) == ("|", "^~\\&", "^~\\&")
    assert msh.value(2, component=2) == ""
    seven = parse_message("MSH|^~\\&#|PAS").segment("MSH")
    assert seven is not None
    assert seven.value(2) == "^~\\&#"


@given(st.text(alphabet=st.sampled_from('|^~\\&XF0123456789ABCDEFT.br"'), max_size=30))
@settings(max_examples=200)
def test_every_value_of_an_accepted_message_decodes(field: str) -> None:
    """HL7 v2.5.1 chapter 2, 2.7 (escape sequences): once parse_message accepts a message, asking
    for any value (MSH fields included) never raises."""
    header = "MSH|^~\\&|" + field
    try:
        message = parse_message(f"{header}\rPID|||{field}")
    except HL7v2Error:
        return
    for segment in message.segments:
        for number in range(1, len(segment.fields) + 1):
            for r_index, rep in enumerate(segment.repetitions(number) or [""], start=1):
                for c_index in range(1, rep.count("^") + 2):
                    assert segment.value(number, repetition=r_index, component=c_index) is not None

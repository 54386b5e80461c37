"""How the validator reads JSON text: nhsstd's one JSON text policy where it speaks, exact beyond.

The policy (nhsstd._json_text, docs/fhir.rst): UTF-8 only, without a byte order mark, at most
1024 levels of nesting.  The validator reads JSON text under it -- a refusal is one fatal
``nhsstd-parse`` issue naming the cause, and ``nhsstd conform`` exits 2 -- and then reads more
exactly than fhir.loads: Decimal fractions, a repeated key refused (nhsstd.conformance._parse).
"""

from __future__ import annotations

import codecs
import json
import re
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nhsstd import conformance, fhir
from nhsstd._json_text import JSONNotUTF8, json_text, load_json
from nhsstd.cli import main
from nhsstd.conformance._parse import parse

PATIENT = '{"resourceType": "Patient", "gender": "female"}'
SECRET = "9434765919"

#: Texts the policy refuses for their encoding, and the cause the refusal names.
NOT_UTF8: list[tuple[str | bytes, str]] = [
    (codecs.BOM_UTF8 + PATIENT.encode(), "without a byte order mark"),
    ("\ufeff" + PATIENT, "must not start with a byte order mark"),
    (PATIENT.encode("utf-16"), "not UTF-16 or UTF-32"),  # with its byte order mark
    (PATIENT.encode("utf-16-le"), "not UTF-16 or UTF-32"),
    (PATIENT.encode("utf-16-be"), "not UTF-16 or UTF-32"),
    (PATIENT.encode("utf-32"), "not UTF-16 or UTF-32"),
    (PATIENT.encode("utf-32-be"), "not UTF-16 or UTF-32"),
    (b'{"resourceType": "Patient", "id": "a\xff"}', "bytes that are not"),
    (b'{"resourceType": "Patient", "id": "a\xed\xa0\x80"}', "bytes that are not"),  # a surrogate
    ('{"resourceType": "Patient", "id": "a\ud800"}', "unpaired surrogate"),
]


def _fatal(outcome: conformance.Outcome) -> list[tuple[str, str]]:
    return [(issue.severity, issue.rule) for issue in outcome.issues]


@pytest.mark.parametrize(("text", "cause"), NOT_UTF8)
def test_text_that_is_not_utf8_is_one_fatal_issue_naming_the_cause(text: str | bytes, cause: str) -> None:
    outcome = conformance.validate(text)
    assert _fatal(outcome) == [("fatal", "nhsstd-parse")]
    assert cause in outcome.issues[0].message
    # the policy's own words, as fhir.loads and nhsstd.json refuse the same text
    with pytest.raises(JSONNotUTF8) as refused:
        json_text(text)
    assert refused.value.msg in outcome.issues[0].message
    with pytest.raises(JSONNotUTF8):
        load_json(text)
    with pytest.raises(fhir.SerialisationError, match="not valid JSON"):
        fhir.loads(text)


def test_where_bad_bytes_are_is_said_and_what_they_are_is_not() -> None:
    text = b'{"resourceType": "Patient", "id": "' + SECRET.encode() + b'\xff"}'
    (issue,) = conformance.validate(text).issues
    assert (
        issue.message
        == "not readable as JSON: JSON text must be UTF-8 (it has bytes that are not) at byte 45"
    )
    assert SECRET not in str(issue)


def test_utf8_text_beyond_ascii_is_read() -> None:
    text = '{"resourceType": "Patient", "name": [{"family": "Ó Briain", "given": ["Zoë"]}]}'
    assert conformance.validate(text.encode()).ok
    assert conformance.validate(text).ok


def _nested(depth: int) -> str:
    # an extension's value nested in arrays: the array levels, the object and its members
    return '{"resourceType": "Patient", "extension": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}"


@pytest.mark.parametrize("depth", [1025, 1026, 5000, 100_000])
def test_nesting_beyond_1024_levels_is_one_fatal_issue_naming_the_limit(depth: int) -> None:
    outcome = conformance.validate(_nested(depth))
    assert _fatal(outcome) == [("fatal", "nhsstd-parse")]
    assert "nested more than 1024 levels deep" in outcome.issues[0].message


@pytest.mark.parametrize("depth", [900, 1000, 1024])
def test_nesting_within_1024_levels_never_raises(depth: int) -> None:
    # The standard library's recursion may end below 1024 levels (Python 3.10, 3.11): then a
    # fatal issue too, never RecursionError.  Either way such content is not valid FHIR.
    outcome = conformance.validate(_nested(depth))
    assert not outcome.ok
    assert all("1024" not in issue.message for issue in outcome.issues)


def test_deep_text_read_deep_in_the_callers_stack_is_a_fatal_issue() -> None:
    # RecursionError comes sooner when the caller is itself deep in its stack.
    def at_depth(levels: int, call: Callable[[], conformance.Outcome]) -> conformance.Outcome:
        return call() if levels == 0 else at_depth(levels - 1, call)

    room = sys.getrecursionlimit() - 150
    outcome = at_depth(room, lambda: conformance.validate(_nested(300)))
    assert [issue.severity for issue in outcome.issues if issue.rule == "nhsstd-parse"] == ["fatal"]


def test_shallow_nesting_is_read_and_checked() -> None:
    outcome = conformance.validate(_nested(20))
    assert "nhsstd-parse" not in {issue.rule for issue in outcome.issues}


# --- nhsstd conform: unreadable input exits 2 ---------------------------------------------------


@pytest.mark.parametrize(
    ("data", "cause"),
    [
        (codecs.BOM_UTF8 + PATIENT.encode(), "JSON text must be UTF-8 without a byte order mark"),
        (PATIENT.encode("utf-16"), "JSON text must be UTF-8, not UTF-16 or UTF-32"),
        (_nested(1025).encode(), "the JSON is nested more than 1024 levels deep"),
    ],
)
def test_conform_exits_2_on_text_the_policy_refuses(
    data: bytes, cause: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "patient.json"
    path.write_bytes(data)
    assert main(["conform", str(path)]) == 2
    out = capsys.readouterr().out
    assert out.startswith(f"{path}: invalid (1 error, 0 warnings)\n  fatal $: ")
    assert f"{cause}" in out.splitlines()[1]


def test_conform_checks_the_other_lines_of_an_ndjson_file_with_a_byte_order_mark(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "patients.ndjson"
    path.write_bytes(codecs.BOM_UTF8 + (PATIENT + "\n").encode() * 2)
    assert main(["conform", "--format", "json", str(path)]) == 2
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["line"], r["valid"]) for r in records] == [(1, False), (2, True)]
    assert "byte order mark" in records[0]["issues"][0]["message"]


def test_conform_reads_xml_with_a_byte_order_mark(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "patient.xml"
    path.write_bytes(
        codecs.BOM_UTF8 + b'<Patient xmlns="http://hl7.org/fhir"><gender value="female"/></Patient>'
    )
    assert main(["conform", "--base-only", str(path)]) == 0


# --- beyond the policy: exact numbers and repeated keys, as before ------------------------------


def _reference(text: str) -> Any:
    """The validator's exact reading, written out plainly: Decimal fractions, repeated keys refused."""

    def no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        if len({key for key, _ in pairs}) != len(pairs):
            raise ValueError("repeated key")
        return dict(pairs)

    def no_constant(name: str) -> Any:
        raise ValueError(name)

    return json.loads(text, parse_float=Decimal, parse_constant=no_constant, object_pairs_hook=no_repeats)


_KEYS = st.sampled_from(["a", "b", "resourceType", "id", "_a", "é", ""])
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.text(max_size=5),
)


def _objects(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    # members as text, so that a key may be repeated
    member = st.tuples(_KEYS, children).map(lambda kv: json.dumps(kv[0]) + ":" + kv[1])
    return st.lists(member, max_size=4).map(lambda members: "{" + ",".join(members) + "}")


_VALUES = st.recursive(
    _SCALARS.map(lambda v: str(v) if isinstance(v, Decimal) else json.dumps(v)),
    lambda children: st.one_of(
        st.lists(children, max_size=4).map(lambda items: "[" + ",".join(items) + "]"), _objects(children)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(_objects(_VALUES), st.sampled_from(["", " ", "\n", "\t\r\n "]), st.booleans())
def test_the_exact_reading_is_unchanged(text: str, blank: str, as_bytes: bool) -> None:
    text = blank + text + blank
    try:
        expected: Any = _reference(text)
    except ValueError:
        expected = None
    parsed = parse(text.encode() if as_bytes else text)
    if expected is None:
        assert isinstance(parsed, conformance.Issue)
        assert (parsed.severity, parsed.rule) == ("fatal", "nhsstd-parse")
    else:
        assert not isinstance(parsed, conformance.Issue)
        assert parsed == (expected, ())
        # exact: the same types throughout (a Decimal stays a Decimal, 1 is no 1.0)
        assert json.dumps(parsed[0], default=repr) == json.dumps(expected, default=repr)


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=40),
        st.text(max_size=20)
        .map(lambda t: json.dumps({"resourceType": t}))
        .flatmap(
            lambda t: st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-32"]).map(
                lambda encoding: t.encode(encoding)
            )
        ),
    )
)
def test_the_encoding_verdict_is_the_policys(data: bytes) -> None:
    # One rule, two readers: the validator refuses for the encoding exactly what load_json does.
    try:
        load_json(data)
        policy = None
    except JSONNotUTF8 as error:
        policy = error.msg
    except ValueError:
        policy = None
    try:
        json_text(data)
        shared = None
    except JSONNotUTF8 as error:
        shared = error.msg
    parsed = parse(data)
    encoding_issue = isinstance(parsed, conformance.Issue) and parsed.message.startswith(
        "not readable as JSON: JSON text must"
    )
    if re.match(rb"(?:\xef\xbb\xbf)?\s*<", data):
        return  # XML text: read by the XML reader
    assert shared == policy
    assert encoding_issue == (shared is not None)


# --- escaped surrogates: a pair is one character, one alone is refused ----------------------------

_PIECES = st.sampled_from(
    [
        "a",
        "é",
        "\\ud800",
        "\\udbff",
        "\\udc00",
        "\\uDFFF",
        "\\ud83d\\ude00",
        "\\\\",
        "\\\\ud800",
        "\\u0041",
        '\\"',
        "\\n",
    ]
)


def _strings_text(pieces: list[str]) -> str:
    return (
        '{"resourceType": "Patient", "k": "' + "".join(pieces) + '", "' + "".join(reversed(pieces)) + '": 1}'
    )


@pytest.mark.parametrize(
    "escaped", ["\\ud800", "\\udc00", "\\ud800\\ud800", "\\udc00\\ud800", "\\ud800x\\udc00", "\\uD83D"]
)
def test_an_escaped_unpaired_surrogate_is_one_fatal_issue(escaped: str) -> None:
    outcome = conformance.validate('{"resourceType": "Patient", "name": [{"family": "a' + escaped + '"}]}')
    assert _fatal(outcome) == [("fatal", "nhsstd-parse")]
    assert outcome.issues[0].message.startswith(
        "not readable as JSON: JSON text must be Unicode (it escapes an unpaired surrogate) at character 50"
    )


@pytest.mark.parametrize("escaped", ["\\ud83d\\ude00", "\\\\ud800", "\\u00e9", "\\\\\\ud83d\\ude00"])
def test_escaped_pairs_and_escaped_backslashes_are_read(escaped: str) -> None:
    outcome = conformance.validate('{"resourceType": "Patient", "name": [{"family": "a' + escaped + '"}]}')
    assert "nhsstd-parse" not in {issue.rule for issue in outcome.issues}


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=8))
def test_escaped_surrogates_are_refused_as_the_policy_refuses_them(pieces: list[str]) -> None:
    text = _strings_text(pieces)
    refused_by_policy = True
    try:
        load_json(text)
        refused_by_policy = False
    except ValueError:
        pass
    unencodable = not _encodable(_reference(text))  # the standard library keeps a lone one
    parsed = parse(text)
    refused = isinstance(parsed, conformance.Issue) and "unpaired surrogate" in parsed.message
    assert refused == refused_by_policy == unencodable


def _encodable(value: Any) -> bool:
    try:
        json.dumps(value, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return False
    return True

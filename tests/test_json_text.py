"""The one JSON text policy (nhsstd._json_text), and the readers that share it.

nhsstd.json.from_json, nhsstd.fhir.loads and the register clients read JSON text with
``load_json``: UTF-8 only, integers within 64 bits exact and any other number a double, at
most 1024 levels of nesting.  Each rule is checked through every reader.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nhsstd import fhir
from nhsstd._json_text import JSONNotUTF8, JSONTooDeep, load_json
from nhsstd.json import DocumentError, from_json, to_json
from nhsstd.models import Patient
from nhsstd.registers import MalformedResponse
from nhsstd.registers._core import parse_json

SECRET = "9434765919"

#: The integers the policy reads exactly: signed and unsigned 64 bits.
EXACT = range(-(2**63), 2**64)


def policy_number(value: int) -> int | float:
    return value if value in EXACT else float(value)


def through_nhsstd_json(number: int) -> object:
    text = f'{{"schema_version": 1, "model": "Patient", "extras": {{"n": {number}}}}}'
    return from_json(text, Patient).extras["n"]


def through_fhir(number: int) -> object:
    text = f'{{"resourceType": "Patient", "multipleBirthInteger": {number}}}'
    return fhir.to_fhir(fhir.loads(text))["multipleBirthInteger"]


def through_registers(number: int) -> object:
    return parse_json(httpx.Response(200, content=b'{"total": %d}' % number), "request-id")["total"]


def through_load_json(number: int) -> object:
    return load_json(b"[%d]" % number)[0]


READERS: list[Callable[[int], object]] = [
    through_load_json, through_nhsstd_json, through_fhir, through_registers
]  # fmt: skip


@pytest.mark.parametrize("read", READERS, ids=lambda read: read.__name__)
@pytest.mark.parametrize(
    "number",
    [0, -1, 2**53 + 1, 2**63, -(2**63), 2**64 - 1, 2**64, 2**64 + 1, -(2**63) - 1, 10**30, -(10**40)],
)
def test_every_reader_has_the_same_integer_policy(read: Callable[[int], object], number: int) -> None:
    value = read(number)
    assert value == policy_number(number)
    assert type(value) is type(policy_number(number))


@given(st.integers(min_value=-(10**40), max_value=10**40))
def test_integers_within_64_bits_are_exact_and_others_the_nearest_double(number: int) -> None:
    for read in (through_load_json, through_nhsstd_json):
        value = read(number)
        assert value == policy_number(number)
        assert type(value) is type(policy_number(number))


def test_the_writers_refuse_what_the_policy_would_round() -> None:
    # nhsstd.json writes exactly what it reads back: 64-bit integers, and nothing beyond them.
    assert from_json(to_json(Patient(extras={"n": 2**64 - 1})), Patient).extras["n"] == 2**64 - 1
    with pytest.raises(DocumentError, match="beyond 64 bits"):
        to_json(Patient(extras={"n": 2**64}))


@pytest.mark.parametrize(
    "body",
    [
        '{"a": "x"}'.encode("utf-16"),
        '{"a": "x"}'.encode("utf-16-le"),
        '{"a": "x"}'.encode("utf-16-be"),
        '{"a": "x"}'.encode("utf-32"),
        '{"a": "x"}'.encode("utf-32-le"),
        b'\xef\xbb\xbf{"a": "x"}',
        b'{"a": "\xe9"}',  # Latin-1
        b'{"a": "\xed\xa0\x80"}',  # a surrogate encoded as if it were a character (CESU-8)
        b'{"a": "\xc0\xaf"}',  # an overlong form
        "\ufeff{}",
        '{"a": "\ud800"}',
    ],
)
def test_text_that_is_not_utf8_is_refused_with_its_own_error(body: str | bytes) -> None:
    with pytest.raises(JSONNotUTF8) as caught:
        load_json(body)
    assert isinstance(caught.value, json.JSONDecodeError)  # a ValueError with msg, lineno and colno
    assert "JSON text must" in caught.value.msg
    assert caught.value.doc == ""  # the text is not kept in the exception
    with pytest.raises(DocumentError, match="JSON text must"):
        from_json(body, Patient)
    with pytest.raises(fhir.SerialisationError, match="not valid JSON"):
        fhir.loads(body)


def test_an_escaped_unpaired_surrogate_is_refused() -> None:
    with pytest.raises(json.JSONDecodeError, match="surrogate"):
        load_json(b'{"a": "\\ud800 9434765919"}')
    assert load_json(b'"\\ud83d\\ude00"') == "\N{GRINNING FACE}"  # a pair is one character


@pytest.mark.parametrize("body", [b"NaN", b"[Infinity]", b"[-Infinity]", b"[1e400]", b"[-1e400]", b"", b"{"])
def test_what_is_not_json_is_refused(body: bytes) -> None:
    with pytest.raises(json.JSONDecodeError):
        load_json(body)
    with pytest.raises(MalformedResponse, match="not valid JSON"):
        parse_json(httpx.Response(200, content=body), "request-id")


@pytest.mark.parametrize(("opening", "closing"), [("[", "]"), ('{"a":', "}")])
def test_nesting_beyond_1024_levels_is_too_deep(opening: str, closing: str) -> None:
    assert load_json((opening * 1024 + "0" + closing * 1024).encode()) is not None
    for depth in (1025, 100_000):
        with pytest.raises(JSONTooDeep) as caught:
            load_json((opening * depth + "0" + closing * depth).encode())
        assert isinstance(caught.value, ValueError)
    with pytest.raises(fhir.SerialisationError, match="nested too deeply"):
        fhir.loads('{"resourceType": "Patient", "x": ' + opening * 2000)
    with pytest.raises(DocumentError, match="depth limit exceeded"):
        from_json(opening * 2000, Patient)


def test_the_policy_errors_pickle_and_quote_nothing() -> None:
    for body in (b'{"nhs": "\xff' + SECRET.encode() + b'"}', b"[" * 2000 + SECRET.encode()):
        with pytest.raises(json.JSONDecodeError) as caught:
            load_json(body)
        error: Any = caught.value
        assert SECRET not in str(error) + repr(error)
        copy = pickle.loads(pickle.dumps(error))
        assert (type(copy), copy.msg, copy.lineno, copy.colno, str(copy)) == (
            type(error), error.msg, error.lineno, error.colno, str(error)
        )  # fmt: skip


def test_repeated_keys_keep_the_last_value() -> None:
    assert load_json(b'{"a": 1, "a": 2}') == {"a": 2}



def test_fhir_dumps_refuses_integers_beyond_64_bits_as_to_json_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """One integer policy for both writers: an integer beyond 64 bits in what ``to_fhir`` gives
    is refused, naming where it is, never written.  Kept content is read under the policy, so no
    model read from FHIR holds one: the resource is handed to ``dumps`` directly."""
    from nhsstd.fhir import _api

    patient = fhir.from_fhir({"resourceType": "Patient", "gender": "male"})
    wide = {"resourceType": "Patient", "gender": "male", "count": [1, 2**64]}
    monkeypatch.setattr(_api, "to_fhir", lambda model: wide)
    with pytest.raises(fhir.SerialisationError) as caught:
        fhir.dumps(patient)
    assert [(problem.path, problem.reason.value) for problem in caught.value.problems] == [
        ("$.count[1]", "out_of_range")
    ]
    monkeypatch.setattr(_api, "to_fhir", lambda model: {**wide, "count": [1, 2**64 - 1]})
    assert fhir.dumps(patient).endswith('"count":[1,18446744073709551615]}')

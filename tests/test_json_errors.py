"""nhsstd.json: bad documents give one error listing every problem, never a partial object."""

from __future__ import annotations

import copy
import json
import pickle
from typing import Any

import attrs
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nhsstd.exceptions import InvalidFormat, Reason, ValidationError
from nhsstd.json import DocumentError, Problem, from_dict, from_json, to_dict
from nhsstd.models import MODELS, Patient
from nhsstd.testing import strategies

SECRET = "9434765919"

GOOD: dict[str, Any] = {
    "schema_version": 1,
    "model": "Patient",
    "nhs_number": "9434765919",
    "nhs_number_status": "01",
    "names": [
        {"use": "official", "family": "Smith", "given": ["Richard"], "period": {"start": "2000-01-01"}},
        {"use": "old", "family": "Smyth", "period": {"end": "1999-12-31"}},
    ],
    "birth_date": "1970-09-16",
    "stated_gender": "1",
    "ethnic_category": {"code_system": "ethnic_category_england", "code": "A"},
    "marital_status": {"code_system": "person_marital_status", "code": "M"},
    "addresses": [
        {"lines": ["1 Trevelyan Square"], "postcode": "LS16AE", "uprn": "100023336956"},
        {"postcode": "ZZ993VZ"},
    ],
    "telecom": [
        {"system": "phone", "value": "01632 960587", "rank": 1},
        {"system": "email", "value": "a@example.com"},
    ],
    "registered_gp": {"practice": "B82005", "general_practitioner": "G1234569"},
}


def problems_of(document: Any, cls: type = Patient) -> dict[str, str]:
    with pytest.raises(DocumentError) as caught:
        from_dict(document, cls)
    error = caught.value
    assert error.problems
    assert str(error).startswith(f"{cls.__name__} document: ")
    return {problem.path: problem.message for problem in error.problems}


def test_good_document_reads() -> None:
    patient = from_dict(GOOD, Patient)
    assert to_dict(patient) == GOOD


def test_every_problem_is_listed_with_its_path() -> None:
    bad = copy.deepcopy(GOOD)
    bad["nhs_number"] = "943 476 5919"
    bad["names"][0]["given"] = "Richard"
    bad["names"][1]["period"] = {"start": "2020-01-01", "end": "2019-01-01"}
    bad["birth_date"] = None
    bad["stated_gender"] = "01"
    bad["ethnic_category"] = {"code_system": "ethnic_category_england", "code": "T"}
    bad["marital_status"] = "M"
    bad["addresses"][0]["postcode"] = "ZZ993CA"
    bad["addresses"][1] = 5
    bad["telecom"][0]["rank"] = "1"
    del bad["telecom"][1]["value"]
    bad["registered_gp"]["colour"] = "blue"
    bad["extras"] = {"a": [1, {"b": "\ud800"}]}
    found = problems_of(bad)
    assert found == {
        "$.nhs_number": "NHS Number: not in compact form; use parse() for user input",
        "$.names[0].given": "expected an array, got a string",
        "$.names[1].period": "Period: end is before start",
        "$.birth_date": "null is not allowed: leave the field out instead "
        "(expected a date string (YYYY, YYYY-MM or YYYY-MM-DD))",
        "$.stated_gender": "PERSON STATED GENDER CODE: not a code of this list (expected one of 1, 2, 9, X)",
        "$.ethnic_category": "ETHNIC CATEGORY: not a code of this list "
        "(expected one of A, B, C, D, E, F, G, H, J, K, L, M, N, P, R, S, Z, 99)",
        "$.marital_status": "expected an object with code_system and code, got a string",
        "$.addresses[0].postcode": "NHS pseudo-postcode: expected ZZ99 followed by a digit, a letter and Z",
        "$.addresses[1]": "expected an object, got a number",
        "$.telecom[0].rank": "expected an integer, got a string",
        "$.telecom[1].value": "required field missing",
        "$.registered_gp.colour": "unexpected field",
        "$.extras": "Extras: text contains an unpaired surrogate",
    }


def test_model_rules_are_reported_at_the_object() -> None:
    bad = copy.deepcopy(GOOD)
    bad["death_date"] = "1960"
    assert problems_of(bad) == {"$": "Patient: death_date is before birth_date"}
    bad = copy.deepcopy(GOOD)
    del bad["nhs_number"]
    assert problems_of(bad) == {"$": "Patient: nhs_number_status 01 needs an nhs_number"}


def test_field_problems_come_before_rules() -> None:
    bad = copy.deepcopy(GOOD)
    bad["death_date"] = "1960"
    bad["stated_gender"] = 1
    # The rule needs valid fields, so only the field problem can be seen.
    assert problems_of(bad) == {"$.stated_gender": "expected a code (string), got a number"}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"schema_version": 2}, {"$.schema_version": "unsupported version (written by a newer nhsstd)"}),
        ({"schema_version": 0}, {"$.schema_version": "unsupported version (format version 1 is the first)"}),
        ({"schema_version": "1"}, {"$.schema_version": "expected an integer"}),
        ({"schema_version": True}, {"$.schema_version": "expected an integer"}),
        ({"model": "Practitioner"}, {"$.model": "this is a Practitioner document, not a Patient document"}),
        ({"model": "patient"}, {"$.model": "expected 'Patient'"}),
    ],
)
def test_header_problems(change: dict[str, Any], expected: dict[str, str]) -> None:
    assert problems_of({**GOOD, **change}) == expected


def test_missing_header_fields_are_listed_with_the_rest() -> None:
    bad = {key: value for key, value in GOOD.items() if key not in ("schema_version", "model")}
    bad["stated_gender"] = "7"
    assert set(problems_of(bad)) == {"$.schema_version", "$.model", "$.stated_gender"}


@pytest.mark.parametrize("version", [-1, 0, 2, 3, 10**6])
def test_unknown_format_versions_are_refused_with_a_typed_error(version: int) -> None:
    """Format version 1 is the only one there has been (docs/json.rst, "Versions"): a document of
    any other version is refused as a whole, before its fields are read, never guessed at."""
    old = {**GOOD, "schema_version": version, "gender": "1", "stated_gender": 5}
    for read in (lambda: from_dict(old, Patient), lambda: from_json(json.dumps(old), Patient)):
        with pytest.raises(DocumentError) as caught:
            read()
        assert caught.value.reason is Reason.OUT_OF_RANGE
        assert [problem.path for problem in caught.value.problems] == ["$.schema_version"]
        assert caught.value.problems[0].message.startswith("unsupported version (")


def test_unexpected_keys_are_named_only_when_they_look_like_field_names() -> None:
    found = problems_of({**GOOD, "colour": 1, SECRET: 2, "Smith": 3, "x9434765919": 4})
    assert found == {"$.colour": "unexpected field", "$": "unexpected field"}
    with pytest.raises(DocumentError) as caught:
        from_dict({**GOOD, SECRET: 2}, Patient)
    assert SECRET not in str(caught.value)
    assert SECRET not in repr(caught.value)


@pytest.mark.parametrize(
    "path",
    [
        ("nhs_number",),
        ("names", 0, "family"),
        ("names", 0, "given", 0),
        ("stated_gender",),
        ("birth_date",),
        ("addresses", 0, "postcode"),
        ("addresses", 0, "uprn"),
        ("registered_gp", "practice"),
        ("ethnic_category", "code"),
        ("ethnic_category", "code_system"),
        ("telecom", 0, "system"),
    ],
)
@pytest.mark.parametrize("secret", [SECRET, "943 476 5918", "Zoë \x00 Smith", "\ud800" + SECRET])
def test_messages_never_contain_the_rejected_value(path: tuple[Any, ...], secret: str) -> None:
    bad = copy.deepcopy(GOOD)
    target = bad
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = secret
    try:
        patient = from_dict(bad, Patient)
    except DocumentError as error:
        text = str(error) + repr(error) + "".join(str(problem) for problem in error.problems)
        assert secret not in text
        assert SECRET not in text
    else:
        # Some secrets are valid where they were put (a name, a UPRN...): then they are kept.
        assert secret in json.dumps(to_dict(patient), ensure_ascii=False)


def test_non_string_keys_from_python_dicts() -> None:
    found = problems_of({**GOOD, 1: "x", None: 2, ("a",): 3})
    assert found == {"$": "unexpected field"}
    found = problems_of({**GOOD, "names": [{"family": "Smith", 5: 1}]})
    assert found == {"$.names[0]": "unexpected field"}


def test_document_error_is_typed_and_pickles() -> None:
    with pytest.raises(DocumentError) as caught:
        from_json('{"schema_version": 1, "model": "Patient", "nhs_number": "1"}', Patient)
    error = caught.value
    assert isinstance(error, InvalidFormat)
    assert isinstance(error, ValidationError)
    assert isinstance(error, ValueError)
    assert error.reason is Reason.FORMAT
    assert error.kind == "json_document"
    assert error.model == "Patient"
    assert error.problems == (Problem("$.nhs_number", "NHS Number: expected 10 digits, got 1"),)
    copy_ = pickle.loads(pickle.dumps(error))
    assert (type(copy_), copy_.problems, str(copy_), copy_.reason) == (
        DocumentError,
        error.problems,
        str(error),
        error.reason,
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "$: not valid JSON: Input is a zero-length, empty document at line 1 column 1"),
        ("{", "$: not valid JSON: unexpected end of data at line 1 column 2"),
        ("[]", "$: expected an object, got an array"),
        ("null", "$: expected an object, got null"),
        ('"Patient"', "$: expected an object, got a string"),
        ("NaN", "$: not valid JSON: unexpected character, expected a JSON value at line 1 column 1"),
        (
            '{"schema_version": 1, "model": "Patient", "extras": {"a": Infinity}}',
            "$: not valid JSON: unexpected character, expected a JSON value at line 1 column 59",
        ),
        ("[1e400]", "$: not valid JSON: number is infinity when parsed as double at line 1 column 2"),
        # Not UTF-8: the policy of nhsstd._json_text says why (orjson said "surrogates not allowed").
        (
            b"\xff\xfe\xfd",
            "$: not valid JSON: JSON text must be UTF-8, not UTF-16 or UTF-32 at line 1 column 1",
        ),
        (
            b'\xef\xbb\xbf{"schema_version": 1}',
            "$: not valid JSON: JSON text must be UTF-8 without a byte order mark at line 1 column 1",
        ),
        (
            b'{"schema_version": 1,\n "extras": {"a": "\xe9"}}',
            "$: not valid JSON: JSON text must be UTF-8 (it has bytes that are not) at line 2 column 19",
        ),
        ("[" * 100_000 + "]" * 100_000, "$: not valid JSON: depth limit exceeded at line 1 column 1026"),
        ('{"a": 1} x', "$: not valid JSON: unexpected content after document at line 1 column 10"),
    ],
)
def test_text_that_is_not_a_document(text: str | bytes, message: str) -> None:
    with pytest.raises(DocumentError) as caught:
        from_json(text, Patient)
    assert [str(problem) for problem in caught.value.problems] == [message]


def test_non_text_input() -> None:
    with pytest.raises(DocumentError) as caught:
        from_json(123, Patient)  # type: ignore[arg-type]
    assert caught.value.reason is Reason.NOT_A_STRING
    with pytest.raises(DocumentError):
        from_dict([GOOD], Patient)  # type: ignore[arg-type]


def test_huge_document_fails_cleanly() -> None:
    bad = {**GOOD, "names": [{"family": "x" * 10_000_000}] * 3, "nhs_number": "1" * 10_000_000}
    found = problems_of(bad)
    assert found == {"$.nhs_number": "NHS Number: expected 10 digits, got 10000000"}


def test_many_problems_are_all_kept_but_the_message_stays_short() -> None:
    bad = {**GOOD, "names": [{"family": 1}] * 1000}
    with pytest.raises(DocumentError) as caught:
        from_dict(bad, Patient)
    assert len(caught.value.problems) == 1000
    assert caught.value.problems[999] == Problem("$.names[999].family", "expected a string, got a number")
    assert str(caught.value).endswith("; and 980 more (see .problems)")
    assert len(str(caught.value)) < 2000


def test_deeply_nested_extras_fail_cleanly() -> None:
    deep: Any = 1
    for _ in range(500):
        deep = [deep]
    found = problems_of({**GOOD, "extras": {"a": deep}})
    assert found == {"$.extras": "Extras: nested deeper than 64 levels"}


def test_duplicate_keys_keep_the_last_value() -> None:
    text = '{"schema_version": 1, "model": "Patient", "stated_gender": "7", "stated_gender": "1"}'
    assert str(from_json(text, Patient).stated_gender) == "1"


# -- the fast and the detailed readers agree on everything ------------------------------

JSON_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=12),
        st.sampled_from(
            ["01", "1", "X", "A", "M", "2020-01-01", "1970", "9434765919", "LS16AE", "ZZ993VZ", "RO76"]
        ),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_paths(item, (*prefix, index)))
    return found


@st.composite
def mutated_documents(draw: st.DrawFn, mutations: int) -> tuple[type, dict[str, Any], tuple[Any, ...]]:
    """A model's document with up to *mutations* changes, and the path of the last change."""
    model = draw(strategies.models())
    document = to_dict(model)
    changed: tuple[Any, ...] = ()
    for _ in range(draw(st.integers(min_value=1, max_value=mutations))):
        paths = [
            path for path in _paths(document) if len(path) >= 1 and path[0] not in ("schema_version", "model")
        ]
        if not paths:
            document["extra_field"] = draw(JSON_VALUES)
            changed = ("extra_field",)
            continue
        path = draw(st.sampled_from(paths))
        parent: Any = document
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(JSON_VALUES)
            changed = path
        elif action == "delete":
            del parent[path[-1]]
            # A deleted array item shifts the ones after it: the change is to the array.
            changed = path if isinstance(parent, dict) else path[:-1]
        elif isinstance(parent, dict):
            key = draw(st.text(max_size=8))
            parent[key] = draw(JSON_VALUES)
            changed = (*path[:-1], key)
        else:
            parent.append(draw(JSON_VALUES))
            changed = (*path[:-1], len(parent) - 1)
    return type(model), document, changed


def _path_text(path: tuple[Any, ...]) -> str:
    return "$" + "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in path)


def _on_the_line_of(problem_path: str, changed: str) -> bool:
    """Whether *problem_path* is *changed*, an object holding it, or a value inside it."""
    shorter, longer = sorted((problem_path, changed), key=len)
    return longer.startswith(shorter) and longer[len(shorter) : len(shorter) + 1] in ("", ".", "[")


def _without_empty_arrays(value: Any) -> Any:
    """A document as nhsstd writes it back: no empty arrays, no empty ``extras`` (the format leaves
    out absent values); what ``extras`` holds is kept exactly."""
    if isinstance(value, dict):
        return {
            key: item if key == "extras" else _without_empty_arrays(item)
            for key, item in value.items()
            if item != [] and not (key == "extras" and item == {})
        }
    if isinstance(value, list):
        return [_without_empty_arrays(item) for item in value]
    return value


@settings(max_examples=100)
@given(mutated_documents(mutations=1))
def test_a_changed_document_gives_its_model_or_problems_where_it_changed(
    case: tuple[type, dict[str, Any], tuple[Any, ...]],
) -> None:
    """One change to a valid document: either the document is still valid, and reads as the
    model the constructors build from its values, written back unchanged -- or every problem
    reported is at the changed value, at an object holding it (a model rule; an unexpected key
    that is not named) or inside it (docs/json.rst, "Reading is strict")."""
    cls, document, changed = case
    try:
        model = from_dict(document, cls)
    except DocumentError as error:
        assert error.problems
        for problem in error.problems:
            assert _on_the_line_of(problem.path, _path_text(changed)), (problem, changed)
        outcome: object = error.problems
    else:
        assert type(model) is cls
        assert attrs.evolve(model) == model  # the constructor accepts every value read
        written = to_dict(model)
        if cls is Patient and model.death_date is not None and "deceased" not in document:
            document = {**document, "deceased": True}  # the model's rule completes it
        assert written == _without_empty_arrays(document)
        outcome = model
    try:
        text = orjson.dumps(document)
    except TypeError:  # integers beyond 64 bits: not JSON text that nhsstd reads or writes
        return
    try:
        from_text: object = from_json(text, cls)
    except DocumentError as error:
        from_text = error.problems
    assert from_text == outcome


@settings(max_examples=50)
@given(mutated_documents(mutations=3))
def test_every_changed_document_gives_a_model_or_a_document_error(
    case: tuple[type, dict[str, Any], tuple[Any, ...]],
) -> None:
    cls, document, _ = case
    try:
        model = from_dict(document, cls)
    except DocumentError as error:
        assert error.problems
        assert all(problem.path.startswith("$") for problem in error.problems)
    else:
        assert from_dict(to_dict(model), cls) == model


@pytest.mark.parametrize(
    "text",
    [
        '{"schema_version": 1, "model": "Patient", "nhs_number": 9434765919x}',
        '{"schema_version": 1, "model": "Patient", "nhs_number": "9434765919',
        '{"9434765919": 1,}',
        "9434765919 9434765919",
        '["9434765919\x00"]',
        '{"a": "\\ud800 9434765919"}',
    ],
)
def test_text_errors_never_contain_the_text(text: str) -> None:
    with pytest.raises(DocumentError) as caught:
        from_json(text, Patient)
    assert SECRET not in str(caught.value) + repr(caught.value)


@settings(max_examples=300)
@given(st.sampled_from(MODELS), st.text(max_size=200))
def test_any_text_gives_a_model_or_a_document_error(cls: type, text: str) -> None:
    try:
        from_json(text, cls)
    except DocumentError as error:
        assert error.problems
    try:
        from_json(text.encode("utf-8", "surrogatepass"), cls)
    except DocumentError as error:
        assert error.problems


@settings(max_examples=300)
@given(st.sampled_from(MODELS), JSON_VALUES)
def test_any_json_value_gives_a_model_or_a_document_error(cls: type, value: Any) -> None:
    document = {"schema_version": 1, "model": cls.__name__, **value} if isinstance(value, dict) else value
    try:
        result = from_dict(document, cls)
    except DocumentError as error:
        assert error.problems
    else:
        assert type(result) is cls

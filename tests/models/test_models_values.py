"""PartialDate and Extras: the value types of the models."""

from __future__ import annotations

import datetime
import math
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nhsstd.exceptions import InvalidFormat, Reason
from nhsstd.models import DatePrecision, Extras, InvariantError, PartialDate
from nhsstd.models._extras import MAX_DEPTH
from nhsstd.testing import strategies


@pytest.mark.parametrize(
    ("text", "parts", "precision"),
    [
        ("1970", (1970, None, None), DatePrecision.YEAR),
        ("1970-09", (1970, 9, None), DatePrecision.MONTH),
        ("1970-09-16", (1970, 9, 16), DatePrecision.DAY),
        ("0001", (1, None, None), DatePrecision.YEAR),
        ("9999-12-31", (9999, 12, 31), DatePrecision.DAY),
        ("2000-02-29", (2000, 2, 29), DatePrecision.DAY),
        ("2024-02-29", (2024, 2, 29), DatePrecision.DAY),
    ],
)
def test_partial_date_parse(
    text: str, parts: tuple[int, int | None, int | None], precision: DatePrecision
) -> None:
    value = PartialDate.parse(text)
    assert (value.year, value.month, value.day) == parts
    assert value.precision is precision
    assert value.isoformat() == text
    assert str(value) == text
    assert repr(value) == f"PartialDate({text!r})"
    assert value == PartialDate(*parts)
    assert value.is_complete is (precision is DatePrecision.DAY)


@pytest.mark.parametrize(
    "text",
    ["0000", "1900-02-29", "2023-02-29", "1970-13", "1970-00", "1970-04-31", "1970-01-00", "1970-01-32"],
)
def test_partial_date_impossible_dates(text: str) -> None:
    with pytest.raises(InvariantError) as caught:
        PartialDate.parse(text)
    assert caught.value.reason is Reason.INVALID_DATE


@pytest.mark.parametrize(
    "text",
    [
        "",
        "70",
        "19700",
        "1970-9",
        "1970-09-1",
        "1970/09/16",
        "19700916",
        " 1970",
        "1970 ",
        "1970-09-16T00:00",
        "1970-09-16Z",
        "+1970",
        "-1970",
        "197O",
        "١٩٧٠",
        "1970-W01",
        "1970-09-16\n",
        "9" * 1_000_000,
    ],
)
def test_partial_date_bad_formats(text: str) -> None:
    with pytest.raises(InvalidFormat) as caught:
        PartialDate.parse(text)
    assert caught.value.reason is Reason.FORMAT
    if len(text) > 4:
        assert text not in str(caught.value)


def test_partial_date_parse_refuses_non_strings() -> None:
    with pytest.raises(InvalidFormat) as caught:
        PartialDate.parse(1970)  # type: ignore[arg-type]
    assert caught.value.reason is Reason.NOT_A_STRING


def test_partial_date_construction_rules() -> None:
    with pytest.raises(InvariantError):
        PartialDate(1970, None, 1)
    with pytest.raises(TypeError):
        PartialDate(True)
    with pytest.raises(TypeError):
        PartialDate(1970.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        PartialDate(1970, "9")  # type: ignore[arg-type]
    with pytest.raises(InvariantError):
        PartialDate(10000)


def test_partial_date_bounds_and_order() -> None:
    year = PartialDate(2024)
    assert year.earliest() == datetime.date(2024, 1, 1)
    assert year.latest() == datetime.date(2024, 12, 31)
    february = PartialDate(2024, 2)
    assert february.latest() == datetime.date(2024, 2, 29)
    assert PartialDate(2023, 2).latest() == datetime.date(2023, 2, 28)
    assert PartialDate(2023).is_definitely_before(datetime.date(2024, 1, 1))
    assert not PartialDate(2024).is_definitely_before(datetime.date(2024, 1, 1))
    with pytest.raises(TypeError):
        _ = PartialDate(2023) < PartialDate(2024)  # type: ignore[operator]
    with pytest.raises(ValueError, match="not complete"):
        year.to_date()
    assert PartialDate(2024, 2, 3).to_date() == datetime.date(2024, 2, 3)


def test_partial_date_from_date() -> None:
    assert PartialDate.from_date(datetime.date(2001, 2, 3)) == PartialDate(2001, 2, 3)
    with pytest.raises(TypeError):
        PartialDate.from_date(datetime.datetime(2001, 2, 3))


@given(strategies.partial_dates())
def test_partial_date_text_round_trip(value: PartialDate) -> None:
    assert PartialDate.parse(value.isoformat()) == value
    assert value.earliest() <= value.latest()
    assert pickle.loads(pickle.dumps(value)) == value


@given(st.dates())
def test_partial_date_fast_path_matches_date(day: datetime.date) -> None:
    parsed = PartialDate.parse(day.isoformat())
    assert parsed == PartialDate(day.year, day.month, day.day)
    assert parsed.to_date() == day


@given(st.text(max_size=12))
def test_partial_date_any_text_gives_a_value_or_a_typed_error(text: str) -> None:
    try:
        value = PartialDate.parse(text)
    except (InvalidFormat, InvariantError):
        return
    assert value.isoformat() == text


# -- Extras ----------------------------------------------------------------------------


def test_extras_are_frozen_json() -> None:
    source = {"a": [1, 2, {"b": None}], "c": True, "d": 1.5, "e": "x"}
    extras = Extras(source)
    assert extras == source
    assert extras.thaw() == source
    assert isinstance(extras["a"], tuple)
    assert isinstance(extras["a"][2], Extras)  # type: ignore[index]
    source["a"].append(3)  # type: ignore[attr-defined]
    assert extras["a"] == (1, 2, Extras({"b": None}))
    with pytest.raises(AttributeError):
        extras.x = 1  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        extras["z"] = 1  # type: ignore[index]
    assert hash(extras) == hash(Extras(extras.thaw()))
    assert Extras() == {}
    assert len(Extras()) == 0
    assert Extras({"a": 1}) != {"a": 2}
    assert Extras({"a": 1}) != {1: 2}
    assert Extras({"a": 1}) != [1]
    assert repr(Extras({"a": [1]})) == "<Extras with 1 key: 'a'>"
    assert repr(Extras()) == "Extras()"


@pytest.mark.parametrize(
    "bad",
    [
        {1: "a"},
        {"a": math.nan},
        {"a": math.inf},
        {"a": {1, 2}},
        {"a": b"x"},
        {"a": object()},
        {"a": "\ud800"},
        {"\udfff": 1},
    ],
)
def test_extras_refuse_what_is_not_json(bad: dict[object, object]) -> None:
    with pytest.raises((InvariantError, TypeError)):
        Extras(bad)  # type: ignore[arg-type]


def test_extras_refuse_deep_nesting() -> None:
    deep: object = 1
    for _ in range(MAX_DEPTH + 5):
        deep = [deep]
    with pytest.raises(InvariantError, match="nested deeper"):
        Extras({"a": deep})
    nested: dict[str, object] = {}
    for _ in range(MAX_DEPTH + 5):
        nested = {"a": nested}
    with pytest.raises(InvariantError):
        Extras(nested)


@given(strategies.extras())
def test_extras_thaw_round_trip(extras: Extras) -> None:
    assert Extras(extras.thaw()) == extras
    assert pickle.loads(pickle.dumps(extras)) == extras
    assert hash(Extras(extras.thaw())) == hash(extras)

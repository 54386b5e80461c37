"""Extras: a repr that never shows values, and the private trusted-construction path."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nhsstd.identifiers import nhs_number
from nhsstd.identifiers.nhs_number import NHSNumber
from nhsstd.models import Extras, HumanName, Patient
from nhsstd.testing import strategies

TEN_DIGITS = re.compile(r"[0-9]{10}")
PDS_FIXTURES = Path(__file__).parent.parent / "fixtures" / "fhir" / "pds"


def ten_digit_runs(value: Any) -> set[str]:
    """Every run of ten digits in the keys and values of a JSON value (as text)."""
    return set(TEN_DIGITS.findall(json.dumps(value, ensure_ascii=False)))


def test_repr_shows_keys_never_values() -> None:
    extras = Extras({"id": "9434765919", "meta": {"versionId": "2"}, "text": "lives at 1 High St"})
    assert repr(extras) == "<Extras with 3 keys: 'id', 'meta', 'text'>"
    assert str(extras) == repr(extras)
    assert repr(Extras({"column_19": "x"})) == "<Extras with 1 key: 'column_19'>"
    assert repr(Extras()) == "Extras()"


@pytest.mark.parametrize("key", ["9434765919", "a9434765919", "nhs 9434765919", "x" * 70, "é", "", "a.b"])
def test_keys_that_could_hold_data_are_hidden(key: str) -> None:
    text = repr(Extras({key: 1, "id": 2}))
    assert text == "<Extras with 2 keys: ?, 'id'>"


def test_many_keys_are_cut_short() -> None:
    extras = Extras({f"k{n}": n for n in range(20)})
    assert repr(extras) == ("<Extras with 20 keys: 'k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', ...>")


@pytest.mark.parametrize(
    "name", ["Patient.json", "Minimal_Patient.json", "PatientSearch.json", "PatientCompoundName.json"]
)
def test_a_pds_resource_in_extras_does_not_leak_the_nhs_number(name: str) -> None:
    resource = json.loads((PDS_FIXTURES / name).read_text(encoding="utf-8"))
    if resource["resourceType"] == "Bundle":
        resource = resource["entry"][0]["resource"]
    numbers = ten_digit_runs(resource)
    assert numbers  # the NHS Number is in the resource's id and identifier
    extras = Extras({"fhir": resource, **resource})
    number = NHSNumber.parse(resource["id"]) if nhs_number.is_valid(resource["id"]) else None
    patient = Patient(nhs_number=number, names=[HumanName(family="Smith")], extras=extras)
    for text in (repr(extras), str(extras), repr(patient), str(patient)):
        assert not TEN_DIGITS.search(text), text


@given(
    strategies.extras(empty=False),
    st.lists(st.from_regex(r"[0-9]{10}", fullmatch=True), min_size=1, max_size=3),
)
def test_no_ten_digit_number_from_a_payload_reaches_repr(extras: Extras, numbers: list[str]) -> None:
    data = extras.thaw()
    data["id"] = numbers[0]
    data[numbers[-1]] = {"value": numbers}
    payload = Extras(data)
    patient = Patient(names=[HumanName(family="Smith")], extras=payload)
    for text in (repr(payload), str(payload), repr(patient), str(patient)):
        for number in ten_digit_runs(data):
            assert number not in text


@given(strategies.extras())
def test_trusted_construction_equals_checked_construction(extras: Extras) -> None:
    checked = Extras(extras.thaw())
    trusted = Extras._from_frozen(checked._data)
    assert trusted == checked
    assert hash(trusted) == hash(checked)
    assert trusted.thaw() == extras.thaw()
    assert Extras(trusted) == checked


def test_trusted_construction_takes_the_dict_as_it_is() -> None:
    data: dict[str, Any] = {"source": "extract:epraccur", "status_code": "A"}
    extras = Extras._from_frozen(data)
    assert extras._data is data
    assert extras == Extras(data)
    assert "source" in extras
    assert "nothing" not in extras

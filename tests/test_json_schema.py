"""The published JSON Schema: generated from the models, shipped, and agreeing with nhsstd.json."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest
from hypothesis import given

from nhsstd.json import DocumentError, from_dict, to_dict
from nhsstd.models import MODELS, Patient
from nhsstd.schema import SCHEMA_FILE, generate_schema, load_schema, render_schema, schema_text
from nhsstd.schema.__main__ import main
from nhsstd.testing import strategies

SCHEMA = load_schema()
VALIDATOR = jsonschema.Draft202012Validator(
    SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)


def document_validator(cls: type) -> jsonschema.Draft202012Validator:
    """A validator for one document type (clearer errors than the top-level oneOf)."""
    schema = {"$ref": f"#/$defs/{cls.__name__}Document", "$defs": SCHEMA["$defs"]}
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def test_schema_is_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert SCHEMA["$id"] == "urn:nhsstd:json-schema:document:1"


def test_regenerating_gives_the_shipped_file() -> None:
    assert render_schema() == schema_text()
    assert generate_schema() == SCHEMA
    assert main(["--check"]) == 0


def test_cli_prints_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    assert capsys.readouterr().out == schema_text()


def test_schema_file_ships_in_the_package() -> None:
    from importlib import resources

    assert resources.files("nhsstd.schema").joinpath(SCHEMA_FILE).is_file()


def test_every_model_has_a_document_definition() -> None:
    for cls in MODELS:
        definition = SCHEMA["$defs"][f"{cls.__name__}Document"]
        assert definition["properties"]["model"] == {"const": cls.__name__}
        assert definition["properties"]["schema_version"] == {"const": 1}
        assert definition["additionalProperties"] is False
        assert {"schema_version", "model"} <= set(definition["required"])
    assert len(SCHEMA["oneOf"]) == len(MODELS)


@given(strategies.models())
def test_every_written_document_is_valid(model: object) -> None:
    document = json.loads(json.dumps(to_dict(model)))
    errors = [error.message for error in document_validator(type(model)).iter_errors(document)]
    assert errors == []
    assert VALIDATOR.is_valid(document)


BASE = {
    "schema_version": 1,
    "model": "Patient",
    "nhs_number": "9434765919",
    "names": [{"family": "Smith"}],
    "ethnic_category": {"code_system": "ethnic_category_england", "code": "A"},
}


@pytest.mark.parametrize(
    "change",
    [
        {"schema_version": 2},
        {"model": "Practitioner"},
        {"nhs_number": "943 476 5919"},
        {"nhs_number": 9434765919},
        {"nhs_number": None},
        {"names": [{"family": "   "}]},
        {"names": [{"family": "Smi\x00th"}]},
        {"names": {"family": "Smith"}},
        {"names": [{"given": "Ann"}]},
        {"stated_gender": "01"},
        {"stated_gender": "x"},
        {"birth_date": "1970-9"},
        {"birth_date": "1970-13"},
        {"ethnic_category": "A"},
        {"ethnic_category": {"code_system": "ethnic_category_wales", "code": "C"}},
        {"ethnic_category": {"code_system": "ethnic_category_england", "code": "A", "extra": 1}},
        {"marital_status": {"code_system": "ethnic_category_england", "code": "A"}},
        {"addresses": [{"postcode": "LS1 6AE"}]},
        {"addresses": [{"uprn": "000000199356"}]},
        {"telecom": [{"system": "phone", "value": "1", "rank": 0}]},
        {"telecom": [{"system": "fax"}]},
        {"registered_gp": {"period": {"start": "2020-01-01"}}},
        {"colour": "blue"},
    ],
)
def test_schema_and_reader_both_reject(change: dict[str, Any]) -> None:
    document = copy.deepcopy({**BASE, **change})
    assert not VALIDATOR.is_valid(document)
    with pytest.raises(DocumentError):
        from_dict(document, Patient)


@pytest.mark.parametrize(
    "change",
    [
        {"nhs_number": "9434765918"},  # check digit
        {"birth_date": "1970-02-30"},  # calendar
        {"birth_date": "1970", "death_date": "1969"},  # model rule
        {"addresses": [{"postcode": "QA11AA"}]},  # letter rules
    ],
)
def test_what_only_the_reader_catches(change: dict[str, Any]) -> None:
    """The schema checks shapes; check digits, calendars and rules need from_json."""
    document = {**BASE, **change}
    assert VALIDATOR.is_valid(document)
    with pytest.raises(DocumentError):
        from_dict(document, Patient)


def test_base_document_is_valid() -> None:
    assert VALIDATOR.is_valid(BASE)
    assert from_dict(BASE, Patient).names[0].family == "Smith"

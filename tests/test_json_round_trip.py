"""nhsstd.json: exact round trips and the documented document format."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from typing import Any

import attrs
import cattrs
import hypothesis
import pytest
from cattrs.gen import make_dict_unstructure_fn
from hypothesis import given, settings
from hypothesis import strategies as st

from nhsstd.codes import (
    EthnicCategoryWales,
    NHSNumberStatusIndicatorCode,
    ODSRole,
    PersonMaritalStatusScotland,
    PersonStatedGenderCode,
)
from nhsstd.exceptions import Reason
from nhsstd.identifiers.gmp_code import GMPCode
from nhsstd.identifiers.nhs_number import NHSNumber
from nhsstd.identifiers.ods_code import ODSCode
from nhsstd.identifiers.postcode import parse_address_postcode
from nhsstd.identifiers.uprn import UPRN
from nhsstd.json import SCHEMA_VERSION, DocumentError, from_dict, from_json, make_converter, to_dict, to_json
from nhsstd.models import (
    MODELS,
    Address,
    AddressUse,
    Coding,
    ContactPoint,
    ContactPointSystem,
    GPRegistration,
    HumanName,
    LocalIdentifier,
    NameUse,
    Organisation,
    PartialDate,
    Patient,
    Period,
    Practitioner,
    PractitionerRole,
    Reference,
)
from nhsstd.testing import strategies


def sample_patient() -> Patient:
    return Patient(
        nhs_number=NHSNumber.parse("943 476 5919"),
        nhs_number_status=NHSNumberStatusIndicatorCode.VERIFIED,
        names=[
            HumanName(
                use=NameUse.OFFICIAL,
                family="Smith",
                given=["Zoë", "Ann"],
                period=Period(datetime.date(2001, 2, 3)),
            )
        ],
        birth_date=PartialDate.parse("1970-09"),
        stated_gender=PersonStatedGenderCode.NOT_KNOWN,
        ethnic_category=EthnicCategoryWales.GYPSY_OR_IRISH_TRAVELLER,
        marital_status=PersonMaritalStatusScotland.SEPARATED_MARRIED,
        addresses=[
            Address(
                use=AddressUse.HOME,
                lines=["1 Trevelyan Square"],
                postcode=parse_address_postcode("LS1 6AE"),
                uprn=UPRN.parse("000000199356"),
            ),
            Address(postcode=parse_address_postcode("ZZ99 3VZ")),
        ],
        telecom=[ContactPoint(system=ContactPointSystem.PHONE, value="01632 960587", rank=1)],
        registered_gp=GPRegistration(
            practice=ODSCode.parse("b82005"), general_practitioner=GMPCode.parse("G1234569")
        ),
        extras={"contact": [{"relationship": "mother", "n": 2**70, "x": -0.0}]},
    )


def test_documented_format() -> None:
    document = to_dict(sample_patient())
    assert list(document)[:2] == ["schema_version", "model"]
    assert document == {
        "schema_version": 1,
        "model": "Patient",
        "nhs_number": "9434765919",
        "nhs_number_status": "01",
        "names": [
            {"use": "official", "family": "Smith", "given": ["Zoë", "Ann"], "period": {"start": "2001-02-03"}}
        ],
        "birth_date": "1970-09",
        "stated_gender": "X",
        "ethnic_category": {"code_system": "ethnic_category_wales", "code": "B"},
        "marital_status": {"code_system": "person_marital_status_scotland", "code": "D"},
        "addresses": [
            {"use": "home", "lines": ["1 Trevelyan Square"], "postcode": "LS16AE", "uprn": "199356"},
            {"postcode": "ZZ993VZ"},
        ],
        "telecom": [{"system": "phone", "value": "01632 960587", "rank": 1}],
        "registered_gp": {"practice": "B82005", "general_practitioner": "G1234569"},
        "extras": {"contact": [{"relationship": "mother", "n": 2**70, "x": -0.0}]},
    }


def test_documented_format_of_the_identifier_and_role_fields() -> None:
    patient = Patient(
        local_identifiers=[
            LocalIdentifier(value="12067204", assigner=ODSCode("R0A")),
            LocalIdentifier(value="E1", system="urn:oid:1.2.3"),
        ],
        deceased=True,
    )
    assert to_dict(patient) == {
        "schema_version": 1,
        "model": "Patient",
        "local_identifiers": [
            {"value": "12067204", "assigner": "R0A"},
            {"value": "E1", "system": "urn:oid:1.2.3"},
        ],
        "deceased": True,
    }
    assert (
        to_dict(Organisation(ods_code=ODSCode("RR8"), ods_site_code=ODSCode("RR813")))["ods_site_code"]
        == "RR813"
    )
    assert to_dict(Practitioner(sds_user_id="123456789012"))["sds_user_id"] == "123456789012"
    role = PractitionerRole(
        sds_role_profile_id="100334993514",
        practitioner=Reference(sds_user_id="123456789012", display="Dr Jones"),
        organisation=Reference(ods_code=ODSCode("B82005")),
        codes=[Coding(system="http://snomed.info/sct", code="62247001", display="General practitioner")],
        period=Period(start=datetime.date(2020, 4, 1)),
    )
    assert to_dict(role) == {
        "schema_version": 1,
        "model": "PractitionerRole",
        "sds_role_profile_id": "100334993514",
        "period": {"start": "2020-04-01"},
        "practitioner": {"sds_user_id": "123456789012", "display": "Dr Jones"},
        "organisation": {"ods_code": "B82005"},
        "codes": [
            {"system": "http://snomed.info/sct", "code": "62247001", "display": "General practitioner"}
        ],
    }
    assert from_dict(to_dict(role), PractitionerRole) == role


def test_documents_from_before_the_deceased_field_still_read() -> None:
    """Format version 1 documents with a death date and no "deceased" (written before the field
    existed) read as deceased, through from_json and through make_converter alike."""
    text = '{"schema_version": 1, "model": "Patient", "death_date": "2020-01-02"}'
    patient = from_json(text, Patient)
    assert patient.deceased is True
    assert patient == Patient(death_date=PartialDate(2020, 1, 2))
    assert make_converter().structure({"death_date": "2020-01-02"}, Patient) == patient
    with pytest.raises(DocumentError) as caught:
        from_json(
            '{"schema_version": 1, "model": "Patient", "death_date": "2020", "deceased": false}', Patient
        )
    assert [str(problem) for problem in caught.value.problems] == [
        "$: Patient: deceased is False but there is a death_date"
    ]


def _walk(value: Any) -> Iterator[Any]:
    yield value
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


@given(strategies.models())
def test_documents_have_no_nulls_or_empty_containers_and_snake_case_keys(model: object) -> None:
    document = to_dict(model)
    assert document["schema_version"] == SCHEMA_VERSION
    assert document["model"] == type(model).__name__
    for key, value in document.items():
        if key == "extras":
            continue  # unmodelled data is kept exactly as it came
        for item in _walk(value):
            assert item is not None
            assert item != []
            assert item != {}
        assert key == key.lower()
        assert key.isidentifier()
    field_names = {field.name for field in attrs.fields(type(model))}
    assert set(document) - {"schema_version", "model"} <= field_names


@given(model=strategies.models())
def test_round_trip_is_exact_for_every_model(model: object) -> None:
    check_round_trip(model)


#: Integers that JSON text holds exactly: signed and unsigned 64 bits (RFC 8259 section 6 leaves
#: the range to the reader; orjson reads anything beyond as a float).
EXACT_INTEGERS = range(-(2**63), 2**64)


def beyond_64_bits(value: object) -> bool:
    if isinstance(value, dict):
        return any(beyond_64_bits(item) for item in value.values())
    if isinstance(value, list):
        return any(beyond_64_bits(item) for item in value)
    return type(value) is int and value not in EXACT_INTEGERS


def check_round_trip(model: object) -> None:
    assert from_dict(to_dict(model), type(model)) == model
    if beyond_64_bits(to_dict(model)):  # the strategies' extras hold any integer
        with pytest.raises(DocumentError) as caught:
            to_json(model)
        assert caught.value.reason is Reason.OUT_OF_RANGE
        return
    text = to_json(model)
    assert from_json(text, type(model)) == model
    assert from_json(text.encode("utf-8"), type(model)) == model
    assert from_dict(to_dict(model), type(model)) == model
    assert from_dict(json.loads(text), type(model)) == model
    assert json.loads(text) == to_dict(model)


@settings(max_examples=100)
@given(patient=strategies.patients(test_range=False))
def test_round_trip_patients(patient: Patient) -> None:
    check_round_trip(patient)


@pytest.mark.parametrize("model_class", MODELS, ids=lambda cls: cls.__name__)
def test_every_model_class_has_a_round_trip_strategy(model_class: type) -> None:
    # Searched for class by class: collecting the classes a run happens to draw missed one now
    # and then (one branch of twelve, some of whose draws are rejected).
    found = hypothesis.find(
        strategies.models(),
        lambda model: type(model) is model_class,
        settings=hypothesis.settings(
            max_examples=2000, database=None, deadline=None, phases=[hypothesis.Phase.generate]
        ),
    )
    assert type(found) is model_class


def test_sample_round_trip() -> None:
    patient = attrs.evolve(sample_patient(), extras={"contact": [{"relationship": "mother", "x": -0.0}]})
    assert from_json(to_json(patient), Patient) == patient
    assert from_json(to_json(patient, indent=2), Patient) == patient
    assert "\n" in to_json(patient, indent=2)
    assert "Zoë" in to_json(patient)


def test_output_is_the_compact_document() -> None:
    """The text is the document with no whitespace between tokens and non-ASCII kept (the format)."""
    patient = attrs.evolve(sample_patient(), extras={"a": [1, "é", None, True, 2.5]})
    assert to_json(patient) == json.dumps(
        to_dict(patient), ensure_ascii=False, allow_nan=False, separators=(",", ":")
    )
    assert to_json(patient, indent=2) == json.dumps(to_dict(patient), ensure_ascii=False, indent=2)
    with pytest.warns(DeprecationWarning, match="indent=2"):
        assert to_json(patient, indent=4) == to_json(patient, indent=2)


def test_64_bit_integers_in_extras_survive_exactly() -> None:
    # Signed and unsigned 64-bit integers are what JSON readers (orjson among them) hold exactly.
    patient = Patient(extras={"big": 2**64 - 1, "list": [-(2**63), 2**53 + 1]})
    copy = from_json(to_json(patient), Patient)
    assert copy.extras["big"] == 2**64 - 1
    assert type(copy.extras["big"]) is int
    assert copy == patient


def test_larger_integers_in_extras_are_refused_not_rounded() -> None:
    # Beyond 64 bits a reader would round the number to a float; writing it is refused instead.
    patient = Patient(extras={"big": 2**64, "list": [1, -(2**63) - 1], "id": "x"})
    with pytest.raises(DocumentError) as caught:
        to_json(patient)
    assert caught.value.reason is Reason.OUT_OF_RANGE
    assert [problem.path for problem in caught.value.problems] == ["$.extras.big", "$.extras.list[1]"]
    assert to_dict(patient)["extras"]["big"] == 2**64  # the dict holds it as it is


def _cattrs_reference() -> cattrs.Converter:
    reference = make_converter()
    for cls in MODELS:
        reference.register_unstructure_hook(
            cls, make_dict_unstructure_fn(cls, reference, _cattrs_omit_if_default=True)
        )
    return reference


REFERENCE = _cattrs_reference()


@given(model=strategies.models())
def test_compiled_writer_matches_cattrs(model: object) -> None:
    """The precompiled writers give exactly what cattrs' omit-if-default functions give."""
    expected = REFERENCE.unstructure(model)
    assert {k: v for k, v in to_dict(model).items() if k not in ("schema_version", "model")} == expected


@given(model=strategies.models())
def test_the_reader_builds_what_the_constructors_build(model: object) -> None:
    """The reader builds models without their ``__init__``: what it builds must be what the
    constructor builds from the same values (same fields, same types, every check passed)."""
    document = to_dict(model)
    body = {k: v for k, v in document.items() if k not in ("schema_version", "model")}
    cls = type(model)
    read = from_dict(document, cls)
    rebuilt = attrs.evolve(read)  # runs the constructor and every check on the read values
    assert read == rebuilt == model
    assert attrs.asdict(read, recurse=False) == attrs.asdict(model, recurse=False)
    for field in attrs.fields(cls):
        assert type(getattr(read, field.name)) is type(getattr(model, field.name))
    assert make_converter().structure(body, cls) == model


def test_make_converter_embeds_models_in_other_attrs_classes() -> None:
    @attrs.frozen
    class Referral:
        patient: Patient
        practice: Organisation
        received: datetime.date

    converter = make_converter()
    referral = Referral(
        patient=sample_patient(),
        practice=Organisation(ods_code=ODSCode.parse("B82005"), roles=[ODSRole.GP_PRACTICE]),
        received=datetime.date(2024, 1, 31),
    )
    data = converter.unstructure(referral)
    assert data["practice"] == {"ods_code": "B82005", "roles": ["RO76"]}
    assert data["received"] == "2024-01-31"
    assert converter.structure(json.loads(json.dumps(data)), Referral) == referral
    assert make_converter() is not make_converter()


def test_non_models_are_refused() -> None:
    with pytest.raises(TypeError):
        to_json({"a": 1})
    with pytest.raises(TypeError):
        to_dict(PartialDate(1970))
    with pytest.raises(TypeError):
        from_json("{}", dict)
    with pytest.raises(TypeError):
        from_dict({}, PartialDate)

    @attrs.frozen
    class Patient2:
        name: str

    Patient2.__name__ = "Patient"
    with pytest.raises(TypeError):
        from_json("{}", Patient2)


@given(st.sampled_from(MODELS))
def test_minimal_documents(cls: type) -> None:
    minimal = {
        Patient: Patient(),
        Practitioner: Practitioner(),
        Organisation: Organisation(name="x"),
        PractitionerRole: PractitionerRole(),
        GPRegistration: GPRegistration(practice=ODSCode("RR8")),
        LocalIdentifier: LocalIdentifier(value="x", assigner=ODSCode("RR8")),
        HumanName: HumanName(text="x"),
        Address: Address(city="x"),
        ContactPoint: ContactPoint(system=ContactPointSystem.URL, value="x"),
        Reference: Reference(display="x"),
        Coding: Coding(system="x", code="x"),
        Period: Period(end=datetime.date(2000, 1, 1)),
    }[cls]
    assert from_json(to_json(minimal), cls) == minimal

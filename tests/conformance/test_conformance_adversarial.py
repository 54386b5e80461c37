"""Adversarial tests of nhsstd.conformance: personal data, hostile input, primitive forms, profiles.

Personal data (house rule, and issue 15: "a message with no patient number in it"): whatever a
resource holds and however it is broken, no issue, outcome text, OperationOutcome or CLI report
repeats a patient's NHS Number, name, birth date, telecom or address.

Hostile input always gives a typed result: an Outcome with a fatal or error issue (or the
documented TypeError/KeyError of the API), never an exception from deep inside the validator.

Primitive forms are the regular expressions of FHIR R4 datatypes.html (section 2.24.0.1), one
table row per edge of each expression.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nhsstd import conformance
from nhsstd.cli import main
from nhsstd.conformance import Outcome, PackageError, Validator

Resource = dict[str, Any]

NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
ETHNIC_CATEGORY = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory"
VERIFICATION_STATUS = (
    "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus"
)


def renderings(outcome: Outcome) -> list[str]:
    """Every form in which an outcome reaches a user or a log."""
    return [
        str(outcome),
        repr(outcome),
        json.dumps(outcome.to_operation_outcome()),
        *(str(issue) for issue in outcome.issues),
        *(repr(issue) for issue in outcome.issues),
    ]


def assert_nothing_repeated(outcome: Outcome, secrets: list[str]) -> None:
    texts = renderings(outcome)
    for secret in secrets:
        assert not any(secret in text for text in texts), "a patient's value is repeated in the outcome"


# --- personal data ----------------------------------------------------------------------------------

# Values no message, location or rule id can contain by chance: letters from a set English words
# here do not use, digits in runs of ten, dates and postcodes of their own shapes.
NAMES = st.text(alphabet="QXZJVKW", min_size=8, max_size=12)
NUMBERS = st.from_regex(r"[0-9]{10}", fullmatch=True)
DATES = st.from_regex(r"(19|20)[0-9]{2}-(0[0-9]|1[0-4])-[0-3][0-9]", fullmatch=True)
PHONES = st.from_regex(r"07[0-9]{9}", fullmatch=True)
POSTCODES = st.from_regex(r"Q[XZ][0-9] [0-9]XZ", fullmatch=True)


def _patient(
    nhs: str, family: str, given_name: str, born: str, phone: str, postcode: str, line: str
) -> Resource:
    return {
        "resourceType": "Patient",
        "identifier": [{"system": NHS_NUMBER, "value": nhs}],
        "name": [{"use": "official", "family": family, "given": [given_name]}],
        "telecom": [{"system": "phone", "value": phone, "use": "home"}],
        "gender": "female",
        "birthDate": born,
        "address": [{"line": [line], "postalCode": postcode}],
        "contact": [{"name": {"family": family}, "telecom": [{"system": "phone", "value": phone}]}],
    }


# Each breaks one rule while a patient's value sits at, or next to, the element broken.
def _family_as_array(patient: Resource, value: dict[str, str]) -> None:
    patient["name"][0]["family"] = [value["family"]]


def _given_not_an_array(patient: Resource, value: dict[str, str]) -> None:
    patient["name"][0]["given"] = value["given"]


def _name_in_a_code(patient: Resource, value: dict[str, str]) -> None:
    patient["gender"] = value["family"]


def _phone_in_a_code(patient: Resource, value: dict[str, str]) -> None:
    patient["telecom"][0]["system"] = value["phone"]


def _postcode_in_a_code(patient: Resource, value: dict[str, str]) -> None:
    patient["address"][0]["use"] = value["postcode"]


def _birth_date_as_number(patient: Resource, value: dict[str, str]) -> None:
    patient["birthDate"] = int(value["nhs"])


def _birth_date_in_extras(patient: Resource, value: dict[str, str]) -> None:
    patient["_birthDate"] = {"id": value["born"]}


def _name_in_an_unknown_extension(patient: Resource, value: dict[str, str]) -> None:
    patient["extension"] = [{"url": "http://example.org/unknown", "valueString": value["family"]}]


def _name_as_the_wrong_extension_value_type(patient: Resource, value: dict[str, str]) -> None:
    patient["modifierExtension"] = [{"url": ETHNIC_CATEGORY, "valueString": value["given"]}]


def _address_line_in_an_extension_code(patient: Resource, value: dict[str, str]) -> None:
    coding = {"system": value["line"], "code": value["line"]}
    patient["identifier"][0]["extension"] = [
        {"url": VERIFICATION_STATUS, "valueCodeableConcept": {"coding": [coding]}}
    ]


def _contact_without_details(patient: Resource, value: dict[str, str]) -> None:
    # pat-1 fails; the contact's details go into an element pat-1 does not count.
    patient["contact"][0] = {"gender": "male", "period": {"start": value["born"]}}


def _number_as_a_reference(patient: Resource, value: dict[str, str]) -> None:
    patient["generalPractitioner"] = [{"reference": value["nhs"]}]


def _number_as_an_id(patient: Resource, value: dict[str, str]) -> None:
    patient["id"] = value["nhs"] + "_" + value["family"]


def _number_with_spaces(patient: Resource, value: dict[str, str]) -> None:
    number = value["nhs"]
    patient["identifier"][0]["value"] = f"{number[:3]} {number[3:6]} {number[6:]}"


BREAKS: list[Callable[[Resource, dict[str, str]], None]] = [
    _family_as_array,
    _given_not_an_array,
    _name_in_a_code,
    _phone_in_a_code,
    _postcode_in_a_code,
    _birth_date_as_number,
    _birth_date_in_extras,
    _name_in_an_unknown_extension,
    _name_as_the_wrong_extension_value_type,
    _address_line_in_an_extension_code,
    _contact_without_details,
    _number_as_a_reference,
    _number_as_an_id,
    _number_with_spaces,
]


@settings(max_examples=60, deadline=None)
@given(
    nhs=NUMBERS, family=NAMES, given_name=NAMES, born=DATES, phone=PHONES, postcode=POSTCODES,
    line=NAMES, breaks=st.lists(st.sampled_from(BREAKS), max_size=4, unique=True),
)  # fmt: skip
def test_no_outcome_repeats_a_patients_details(
    nhs: str, family: str, given_name: str, born: str, phone: str, postcode: str, line: str,
    breaks: list[Callable[[Resource, dict[str, str]], None]],
) -> None:  # fmt: skip
    patient = _patient(nhs, family, given_name, born, phone, postcode, line)
    value = {"nhs": nhs, "family": family, "given": given_name, "born": born, "phone": phone}
    value |= {"postcode": postcode, "line": line}
    for broken in breaks:
        broken(patient, value)
    outcome = conformance.validate(patient)
    assert_nothing_repeated(outcome, list(value.values()))
    # The same resource as JSON text reads the same and says the same.
    assert conformance.validate(json.dumps(patient)) == outcome


def test_every_broken_value_is_reported_without_its_value() -> None:
    # One patient with every kind of bad value of issue 15 at once: each is found, none repeated.
    patient = _patient("9434765918", "QXZJVKWQ", "JVKWQXZJ", "1970-02-30", "07700900123", "QX1 9XZ", "ZZQXJV")
    patient["gender"] = "QXZJVKWQ"
    patient["telecom"][0]["use"] = "07700900123"
    patient["address"][0]["use"] = "QX1 9XZ"
    patient["contact"].append({"gender": "male"})
    outcome = conformance.validate(patient)
    assert sorted((issue.location, issue.rule) for issue in outcome.errors) == [
        ("Patient.address[0].use", "nhsstd-binding"),
        ("Patient.birthDate", "nhsstd-format"),
        ("Patient.contact[1]", "pat-1"),
        ("Patient.gender", "nhsstd-binding"),
        ("Patient.identifier[0].value", "nhsstd-identifier"),
        ("Patient.telecom[0].use", "nhsstd-binding"),
    ]
    assert_nothing_repeated(
        outcome, ["9434765918", "QXZJVKWQ", "JVKWQXZJ", "1970-02-30", "07700900123", "QX1 9XZ"]
    )


XML_PATIENT = (
    '<Patient xmlns="http://hl7.org/fhir">'
    '<identifier><system value="https://fhir.nhs.uk/Id/nhs-number"/><value value="9434765918"/></identifier>'
    '<active value="QXZJVKWQ"/>'
    '<name><family value="QXZJVKWQ"/></name>'
    '<gender value="JVKWQXZJ"/><birthDate value="1970-13-01"/>'
    "</Patient>"
)


def test_xml_input_is_reported_without_its_values() -> None:
    # A boolean that is no boolean is kept by the XML reader for the validator to report.
    outcome = conformance.validate(XML_PATIENT)
    assert sorted((issue.location, issue.rule) for issue in outcome.errors) == [
        ("Patient.active", "nhsstd-type"),
        ("Patient.birthDate", "nhsstd-format"),
        ("Patient.gender", "nhsstd-binding"),
        ("Patient.identifier[0].value", "nhsstd-identifier"),
    ]
    assert_nothing_repeated(outcome, ["9434765918", "QXZJVKWQ", "JVKWQXZJ", "1970-13-01"])


@pytest.mark.parametrize("format", ["text", "json", "operationoutcome"])
def test_cli_reports_are_without_values(
    tmp_path: Path, format: str, capsys: pytest.CaptureFixture[str]
) -> None:
    patient = _patient("9434765918", "QXZJVKWQ", "JVKWQXZJ", "1970-02-30", "07700900123", "QX1 9XZ", "ZZQXJV")
    patient["gender"] = "QXZJVKWQ"
    (tmp_path / "patient.json").write_text(json.dumps(patient), encoding="utf-8")
    (tmp_path / "patient.xml").write_text(XML_PATIENT, encoding="utf-8")
    assert main(["conform", "--format", format, str(tmp_path)]) == 1
    printed = capsys.readouterr()
    for secret in [
        "9434765918",
        "QXZJVKWQ",
        "JVKWQXZJ",
        "1970-02-30",
        "1970-13-01",
        "07700900123",
        "QX1 9XZ",
    ]:
        assert secret not in printed.out
        assert secret not in printed.err
    assert "nhsstd-identifier" in printed.out


# --- hostile input ----------------------------------------------------------------------------------


def fatal_rules(outcome: Outcome) -> list[tuple[str, str]]:
    return [(issue.severity, issue.rule) for issue in outcome.issues if issue.severity == "fatal"]


@pytest.mark.parametrize(
    "text",
    [
        "null",
        "42",
        '"Patient"',
        "[]",
        "[{}]",
        "true",
        "",
        "   ",
        "\x00",
        b"\x80\x81",
        '{"resourceType": "Patient", "name": [{"family": "a"}], }',  # trailing comma: not JSON
        '{"resourceType": "Patient", "gender": "male", "gender": "female"}',  # json.html: no repeats
        '{"resourceType": "Patient", "name": [{"family": "a", "family": "b"}]}',
    ],
)
def test_text_that_is_no_json_resource_is_one_fatal_issue(text: str | bytes) -> None:
    outcome = conformance.validate(text)
    assert fatal_rules(outcome) == [("fatal", "nhsstd-parse")]
    assert len(outcome.issues) == 1
    assert not outcome.ok


@pytest.mark.parametrize(
    "text",
    [
        # DTDs, internal and external entities, billion laughs (issue 15: a typed error, never expanded)
        '<!DOCTYPE Patient [<!ENTITY a "b">]><Patient xmlns="http://hl7.org/fhir"/>',
        '<!DOCTYPE Patient SYSTEM "http://127.0.0.1:9/x.dtd"><Patient xmlns="http://hl7.org/fhir"/>',
        '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<Patient xmlns="http://hl7.org/fhir"><name><family value="&x;"/></name></Patient>',
        '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
        '<Patient xmlns="http://hl7.org/fhir"><name><family value="&d;"/></name></Patient>',
        '<Patient xmlns="http://hl7.org/fhir"><name><family value="&undeclared;"/></name></Patient>',
        # not well-formed, deep, no resource
        '<Patient xmlns="http://hl7.org/fhir"><name></Patient>',
        "<Patient xmlns='http://hl7.org/fhir'>" + "<name>" * 100_000 + "</name>" * 100_000 + "</Patient>",
        '<Unicorn xmlns="http://hl7.org/fhir"/>',
        b'<Patient xmlns="http://hl7.org/fhir"><name><family value="\xff"/></name></Patient>',
    ],
)
def test_hostile_xml_is_one_fatal_issue(text: str | bytes) -> None:
    outcome = conformance.validate(text)
    assert fatal_rules(outcome) == [("fatal", "nhsstd-parse")]
    assert len(outcome.issues) == 1


def test_a_hundred_megabytes_of_xml_text_is_refused() -> None:
    text = (
        '<Patient xmlns="http://hl7.org/fhir"><name><family value="'
        + "a" * (100 * 1024 * 1024)
        + '"/></name></Patient>'
    )
    assert fatal_rules(conformance.validate(text)) == [("fatal", "nhsstd-parse")]


@pytest.mark.parametrize(
    ("resource", "location"),
    [
        ({}, "Resource"),
        ({"gender": "female"}, "Resource"),
        ({"resourceType": "Unicorn"}, "Unicorn"),
        ({"resourceType": "DomainResource"}, "DomainResource"),  # abstract (R4 resource list)
        ({"resourceType": "HumanName"}, "HumanName"),  # a datatype, not a resource
        ({"resourceType": "patient"}, "patient"),  # names are case-sensitive
    ],
)
def test_a_resource_without_a_known_concrete_type_is_an_error(resource: Resource, location: str) -> None:
    outcome = conformance.validate(resource)
    assert [(i.severity, i.location, i.rule) for i in outcome.issues] == [
        ("error", location, "nhsstd-resource-type")
    ]


def test_contained_resources_that_refer_to_each_other_terminate() -> None:
    # references.html 2.3.0.4: contained resources may refer to each other; resolving must not loop.
    patient = {
        "resourceType": "Patient",
        "contained": [
            {"resourceType": "Organization", "id": "a", "name": "A", "partOf": {"reference": "#b"}},
            {"resourceType": "Organization", "id": "b", "name": "B", "partOf": {"reference": "#a"}},
        ],
        "managingOrganization": {"reference": "#a"},
    }
    outcome = conformance.validate(patient, uk_core=False)
    assert [issue.rule for issue in outcome.errors] == []


def test_bundle_entries_that_refer_to_each_other_terminate() -> None:
    a, b = "urn:uuid:11111111-1111-4111-8111-111111111111", "urn:uuid:22222222-2222-4222-8222-222222222222"
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": a,
                "resource": {"resourceType": "Organization", "name": "A", "partOf": {"reference": b}},
            },
            {
                "fullUrl": b,
                "resource": {"resourceType": "Organization", "name": "B", "partOf": {"reference": a}},
            },
        ],
    }
    assert conformance.validate(bundle, uk_core=False).errors == ()


def test_a_reference_to_itself_in_a_bundle_terminates() -> None:
    url = "urn:uuid:33333333-3333-4333-8333-333333333333"
    entry = {"resourceType": "Organization", "name": "A", "partOf": {"reference": url}}
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"fullUrl": url, "resource": entry}]}
    assert conformance.validate(bundle, uk_core=False).errors == ()


def test_many_repeats_are_validated_item_by_item() -> None:
    # json.html 2.6.2: an empty string is not a value (ele-1), wherever it sits in a long array.
    patient = {"resourceType": "Patient", "name": [{"given": ["Ann"] * 2_000, "family": "x"}] * 10}
    patient["name"][9] = {"given": ["Ann"] * 1_999 + [""]}
    outcome = conformance.validate(patient, uk_core=False)
    assert [(issue.location, issue.rule) for issue in outcome.errors] == [
        ("Patient.name[9].given[1999]", "ele-1")
    ]


def test_a_string_longer_than_fhir_allows_is_an_error_at_its_place() -> None:
    # datatypes.html, string: "strings SHALL NOT exceed 1MB (1024*1024 characters) in size".
    patient = {"resourceType": "Patient", "name": [{"family": "a" * (1024 * 1024 + 1)}]}
    outcome = conformance.validate(patient, uk_core=False)
    assert [(issue.location, issue.rule) for issue in outcome.errors] == [
        ("Patient.name[0].family", "nhsstd-format")
    ]
    at_limit = {"resourceType": "Patient", "name": [{"family": "a" * (1024 * 1024)}]}
    assert conformance.validate(at_limit, uk_core=False).errors == ()


# --- primitive forms (datatypes.html, the regex of each primitive) --------------------------------

PRIMITIVE_FORMS: list[tuple[str, Any, bool]] = [
    # date: YYYY, YYYY-MM or YYYY-MM-DD, year 0001 up, real calendar dates
    ("Date", "2024", True),
    ("Date", "0001-01-01", True),
    ("Date", "2024-02-29", True),
    ("Date", "0000", False),
    ("Date", "2023-02-29", False),
    ("Date", "2024-2-01", False),
    ("Date", "2024-13", False),
    ("Date", "2024-00", False),
    ("Date", "20240101", False),
    ("Date", " 2024", False),
    ("Date", "2024-01-01T00:00:00Z", False),
    # dateTime: a time needs seconds and a zone; zones -14:00..+14:00; 60 for leap seconds
    ("DateTime", "2024", True),
    ("DateTime", "2024-01-01T10:00:00Z", True),
    ("DateTime", "2024-01-01T10:00:60Z", True),
    ("DateTime", "2024-01-01T10:00:00+14:00", True),
    ("DateTime", "2024-01-01T10:00:00-00:00", True),
    ("DateTime", "2024-01-01T10:00:00.123456789Z", True),
    ("DateTime", "2024-01-01T10:00:00", False),
    ("DateTime", "2024-01-01T10:00Z", False),
    ("DateTime", "2024-01-01T24:00:00Z", False),
    ("DateTime", "2024-01-01T10:00:00+14:01", False),
    ("DateTime", "2024-01-01T10:00:00z", False),
    ("DateTime", "2024-02-30T10:00:00Z", False),
    # instant: always to the second, always with a zone
    ("Instant", "2024-01-01T10:00:00Z", True),
    ("Instant", "2024-01-01T10:00:00.5+01:00", True),
    ("Instant", "2024-01-01", False),
    ("Instant", "2024-01-01T10:00:00", False),
    # time: hh:mm:ss, no zone
    ("Time", "10:00:00", True),
    ("Time", "23:59:60", True),
    ("Time", "24:00:00", False),
    ("Time", "10:00", False),
    ("Time", "10:00:00Z", False),
    # decimal: a JSON number (json.html); Decimal keeps "1.50" and "1E+3" exact
    ("Decimal", Decimal("1.50"), True),
    ("Decimal", Decimal("1E+3"), True),
    ("Decimal", 1e3, True),
    ("Decimal", 0, True),
    ("Decimal", Decimal("NaN"), False),
    ("Decimal", Decimal("Infinity"), False),
    ("Decimal", True, False),
    ("Decimal", "1.5", False),
    # integer: 32-bit signed; positiveInt from 1; unsignedInt from 0
    ("Integer", 2**31 - 1, True),
    ("Integer", -(2**31), True),
    ("Integer", 2**31, False),
    ("Integer", 1.0, False),
    ("Integer", True, False),
    ("Integer", "1", False),
    ("PositiveInt", 1, True),
    ("PositiveInt", 0, False),
    ("UnsignedInt", 0, True),
    ("UnsignedInt", -1, False),
    # id: [A-Za-z0-9\-\.]{1,64}
    ("Id", "A-.1", True),
    ("Id", "a" * 64, True),
    ("Id", "a" * 65, False),
    ("Id", "a_b", False),
    ("Id", "", False),
    # uri: \S* (and, as every primitive, not empty)
    ("Uri", "urn:x", True),
    ("Uri", "http://x y", False),
    ("Uri", "x\ty", False),
    ("Uri", "", False),
    # code: [^\s]+(\s[^\s]+)*
    ("Code", "a b", True),
    ("Code", "a  b", False),
    ("Code", " a", False),
    ("Code", "a ", False),
    # base64Binary: (\s*([0-9a-zA-Z\+/=]){4}\s*)+
    ("Base64Binary", "AAAA", True),
    ("Base64Binary", "AAA=", True),
    ("Base64Binary", "A/+a", True),
    ("Base64Binary", "AAAA AAAA", True),
    ("Base64Binary", "AA", False),
    ("Base64Binary", "AAA*", False),
    # oid: urn:oid:[0-2](\.(0|[1-9][0-9]*))+
    ("Oid", "urn:oid:1.2.3", True),
    ("Oid", "urn:oid:1.02.3", False),
    ("Oid", "urn:oid:3.1", False),
    ("Oid", "urn:oid:1", False),
    # uuid: urn:uuid: and lower-case hex
    ("Uuid", "urn:uuid:c757873d-ec9a-4326-a141-556f43239520", True),
    ("Uuid", "urn:uuid:C757873D-EC9A-4326-A141-556F43239520", False),
    ("Uuid", "c757873d-ec9a-4326-a141-556f43239520", False),
    # string: not empty, any characters; boolean: a JSON boolean
    ("String", "  ", True),
    ("String", "", False),
    ("Boolean", False, True),
    ("Boolean", "true", False),
    ("Boolean", 1, False),
]


@pytest.mark.parametrize(("type_name", "value", "valid"), PRIMITIVE_FORMS, ids=repr)
def test_primitive_forms(type_name: str, value: Any, valid: bool) -> None:
    # Parameters.parameter.value[x] takes every primitive type: one probe for each.
    parameters = {"resourceType": "Parameters", "parameter": [{"name": "p", f"value{type_name}": value}]}
    outcome = conformance.validate(parameters, uk_core=False)
    assert outcome.ok is valid
    if not valid:
        assert {issue.location for issue in outcome.errors} == {
            f"Parameters.parameter[0].value.ofType({type_name[0].lower()}{type_name[1:]})"
        }


# --- profiles ---------------------------------------------------------------------------------------


def test_an_unknown_declared_profile_is_a_warning_where_it_is_named() -> None:
    patient = {"resourceType": "Patient", "meta": {"profile": ["https://example.org/Nope", "http://x|1"]}}
    outcome = conformance.validate(patient)
    assert outcome.ok
    assert [(i.severity, i.location) for i in outcome.issues if i.rule == "nhsstd-profile"] == [
        ("warning", "Patient.meta.profile[0]"),
        ("warning", "Patient.meta.profile[1]"),
    ]


def test_a_declared_profile_that_is_not_a_canonical_string_is_a_shape_error() -> None:
    patient = {"resourceType": "Patient", "meta": {"profile": [42]}}
    outcome = conformance.validate(patient)
    assert [(i.location, i.rule) for i in outcome.errors] == [("Patient.meta.profile[0]", "nhsstd-type")]


def test_an_unknown_caller_profile_is_a_key_error_naming_no_value() -> None:
    with pytest.raises(KeyError, match="unknown profile"):
        conformance.validate({"resourceType": "Patient"}, profiles=["https://example.org/Nope"])


def test_uk_core_false_leaves_out_only_uk_core() -> None:
    # UKCore-Patient: extension:ethnicCategory 0..1; R4 Patient allows any number of extensions.
    extension = {
        "url": ETHNIC_CATEGORY,
        "valueCodeableConcept": {
            "coding": [
                {"system": "https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryEngland", "code": "A"}
            ]
        },
    }
    patient = {
        "resourceType": "Patient",
        "extension": [extension, copy.deepcopy(extension)],
        "gender": "woman",
    }
    with_uk_core = {(i.location, i.rule) for i in conformance.validate(patient).errors}
    base_only = {(i.location, i.rule) for i in conformance.validate(patient, uk_core=False).errors}
    assert base_only == {("Patient.gender", "nhsstd-binding")}
    assert with_uk_core - base_only == {("Patient.extension", "nhsstd-slice")}


# --- one Validator, many threads, every input form ---------------------------------------------------


def test_shared_validator_gives_each_thread_its_own_outcome_for_text_input() -> None:
    patient = _patient("9434765918", "QXZJVKWQ", "JVKWQXZJ", "1970-02-30", "07700900123", "QX1 9XZ", "ZZQXJV")
    inputs: list[Any] = [
        patient,
        json.dumps(patient),
        json.dumps(patient).encode(),
        XML_PATIENT,
        "{not json",
        {"resourceType": "Unicorn"},
    ] * 4
    alone = [Validator().validate(item) for item in inputs]
    shared = Validator()
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(shared.validate, inputs))
    assert together == alone
    assert all(outcome.issues for outcome in alone)


# --- regressions from this review (each built from the rule it enforces) ------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"resourceType": "Patient", "extension": ' + "[" * 100_000 + "]" * 100_000 + "}",
        # json.html: JSON numbers only; NaN and Infinity are not JSON
        '{"resourceType": "Observation", "valueQuantity": {"value": NaN}}',
        '{"resourceType": "Observation", "valueQuantity": {"value": -Infinity}}',
    ],
)
def test_json_text_too_deep_or_not_json_numbers_is_one_fatal_issue(text: str) -> None:
    outcome = conformance.validate(text)
    assert [(i.severity, i.rule) for i in outcome.issues] == [("fatal", "nhsstd-parse")]


@pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf])
def test_a_float_that_is_no_number_is_no_decimal(number: float) -> None:
    observation = {"resourceType": "Parameters", "parameter": [{"name": "p", "valueDecimal": number}]}
    outcome = conformance.validate(observation, uk_core=False)
    assert [(i.location, i.rule) for i in outcome.errors] == [
        ("Parameters.parameter[0].value.ofType(decimal)", "nhsstd-type")
    ]


def _nested(depth: int, make: Callable[[Resource], Resource], inner: Resource) -> Resource:
    for _ in range(depth):
        inner = make(inner)
    return inner


NESTINGS: list[Resource] = [
    {
        "resourceType": "Questionnaire",
        "status": "active",
        "item": [
            _nested(
                150,
                lambda i: {"linkId": "g", "type": "group", "item": [i]},
                {"linkId": "s", "type": "string"},
            )
        ],
    },
    {"resourceType": "Patient", "name": [_nested(100_000, lambda e: {"extension": [e]}, {})]},
    _nested(
        500,
        lambda r: {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r}]},
        {"resourceType": "Patient"},
    ),
    {
        "resourceType": "Parameters",
        "parameter": [
            _nested(3_000, lambda p: {"name": "p", "part": [p]}, {"name": "p", "valueString": "v"})
        ],
    },
]


@pytest.mark.parametrize("resource", NESTINGS, ids=lambda r: r["resourceType"])
def test_content_nested_beyond_the_limit_is_one_fatal_issue_not_a_crash(resource: Resource) -> None:
    outcome = conformance.validate(resource, uk_core=False)
    assert [issue.rule for issue in outcome.issues if issue.severity == "fatal"] == ["nhsstd-shape"]


def test_no_invariant_is_evaluated_once_content_is_nested_beyond_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # dom-3 reads %resource.descendants(): evaluated at each of 150 levels of contained resources
    # it walked the whole chain again and again (seconds to minutes). The walk stops at the limit
    # with a fatal issue, and nothing above the over-deep content is evaluated either.
    chain = _nested(150, lambda r: {"resourceType": "Patient", "contained": [r]}, {"resourceType": "Patient"})
    validator = Validator()
    evaluated: list[str] = []
    check = validator._walker.invariants.check

    def counting(key: str, *args: Any, **kwargs: Any) -> bool | None:
        evaluated.append(key)
        return check(key, *args, **kwargs)

    monkeypatch.setattr(validator._walker.invariants, "check", counting)
    outcome = validator.validate(chain, uk_core=False)
    assert [(issue.severity, issue.rule) for issue in outcome.issues] == [("fatal", "nhsstd-shape")]
    assert evaluated == []
    # the same validator still evaluates invariants on content within the limit
    shallow = _nested(3, lambda r: {"resourceType": "Patient", "contained": [r]}, {"resourceType": "Patient"})
    assert "dom-2" in {issue.rule for issue in validator.validate(shallow, uk_core=False).errors}
    assert evaluated


@pytest.mark.parametrize("system", [["https://fhir.nhs.uk/Id/nhs-number"], {"a": 1}, 5])
def test_an_identifier_system_that_is_no_string_is_a_type_error_not_a_crash(system: Any) -> None:
    # found by test_any_json_value_in_any_element_gives_an_outcome: a list as Identifier.system
    # reached the identifier-rule table lookup (TypeError: unhashable type)
    patient = {"resourceType": "Patient", "identifier": [{"system": system, "value": "9434765918"}]}
    outcome = conformance.validate(patient, uk_core=False)
    assert not outcome.ok
    assert "nhsstd-identifier" not in {issue.rule for issue in outcome.issues}
    assert_nothing_repeated(outcome, ["9434765918"])


def test_a_resource_that_contains_itself_ends() -> None:
    patient: Resource = {"resourceType": "Patient"}
    patient["contained"] = [patient]
    outcome = conformance.validate(patient, uk_core=False)
    assert "nhsstd-shape" in {issue.rule for issue in outcome.issues if issue.severity == "fatal"}


@pytest.mark.parametrize(
    ("resource", "location"),
    [
        ({"resourceType": "Patient", 5: "x"}, "Patient"),
        ({"resourceType": "Patient", "name": [{("family",): "x"}]}, "Patient.name[0]"),
        ({"resourceType": "Patient", "": "x"}, "Patient"),
    ],
)
def test_a_property_name_that_is_no_string_is_a_shape_error(resource: Resource, location: str) -> None:
    outcome = conformance.validate(resource, uk_core=False)
    assert [(i.location, i.rule) for i in outcome.errors] == [(location, "nhsstd-shape")]


@pytest.mark.parametrize("resource_type", [5, ["Patient"], {"a": 1}, None, "9434765918"])
def test_a_resource_type_that_is_no_type_name_is_not_echoed(resource_type: Any) -> None:
    outcome = conformance.validate({"resourceType": resource_type})
    assert [(i.location, i.rule) for i in outcome.errors] == [("Resource", "nhsstd-resource-type")]


@pytest.mark.parametrize(
    "resource",
    [
        {"resourceType": "Patient", "9434765918": "x"},
        {"resourceType": "Patient", "name": [{"QXZJ VKWQ": "x"}]},
        '{"resourceType": "Patient", "9434765918": 1, "9434765918": 2}',
    ],
)
def test_a_key_that_is_no_element_name_is_not_echoed(resource: Resource | str) -> None:
    outcome = conformance.validate(resource)
    assert not outcome.ok
    assert_nothing_repeated(outcome, ["9434765918", "QXZJ VKWQ"])


@pytest.mark.parametrize(
    "text",
    [
        '\ufeff<Patient xmlns="http://hl7.org/fhir"><gender value="woman"/></Patient>',
        b'\xef\xbb\xbf<Patient xmlns="http://hl7.org/fhir"><gender value="woman"/></Patient>',
    ],
)
def test_a_byte_order_mark_changes_nothing_in_xml(text: str | bytes) -> None:
    assert [(i.location, i.rule) for i in conformance.validate(text).errors] == [
        ("Patient.gender", "nhsstd-binding")
    ]


@pytest.mark.parametrize(
    "text",
    [
        '\ufeff{"resourceType": "Patient", "gender": "woman"}',
        b'\xef\xbb\xbf{"resourceType": "Patient", "gender": "woman"}',
    ],
)
def test_a_byte_order_mark_before_json_is_one_fatal_issue(text: str | bytes) -> None:
    # JSON text is UTF-8 without a byte order mark (nhsstd._json_text, as fhir.loads reads it)
    outcome = conformance.validate(text)
    assert [(i.severity, i.rule) for i in outcome.issues] == [("fatal", "nhsstd-parse")]
    assert "byte order mark" in outcome.issues[0].message


@pytest.mark.parametrize(
    ("system", "value"),
    [
        (NHS_NUMBER, "943 476 5919"),
        (NHS_NUMBER, "943-476-5919"),
        (NHS_NUMBER, " 9434765919"),
        (NHS_NUMBER, "9434765919\n"),
        ("https://fhir.nhs.uk/Id/ods-organization-code", "rr8"),
    ],
)
def test_an_identifier_value_must_be_in_its_wire_form(system: str, value: str) -> None:
    # nhsstd's identifier rule: the value is the exact form, nothing silently compacted.
    outcome = conformance.validate(
        {"resourceType": "Patient", "identifier": [{"system": system, "value": value}]}
    )
    assert [(i.location, i.rule) for i in outcome.errors] == [
        ("Patient.identifier[0].value", "nhsstd-identifier")
    ]
    assert_nothing_repeated(outcome, [value.strip()])


def test_base64_with_spaces_that_does_not_match_is_refused_at_once() -> None:
    # The R4 base64Binary regex backtracks exponentially on this in a backtracking engine;
    # forty groups would take hours that way.
    patient = {
        "resourceType": "Patient",
        "photo": [{"contentType": "image/png", "data": "QUFB " * 40 + "QU"}],
    }
    outcome = conformance.validate(patient, uk_core=False)
    assert [(i.location, i.rule) for i in outcome.errors] == [("Patient.photo[0].data", "nhsstd-format")]


def test_base64_data_may_exceed_the_string_limit() -> None:
    # datatypes.html sets the 1 MB limit for string; base64Binary is no string (an embedded PDF).
    patient = {
        "resourceType": "Patient",
        "photo": [{"contentType": "application/pdf", "data": "QUFB" * 400_000}],
    }
    assert conformance.validate(patient, uk_core=False).errors == ()


def test_an_element_outside_the_fhir_namespace_is_unknown() -> None:
    # xml.html: FHIR elements are in http://hl7.org/fhir; a prefix bound elsewhere is no FHIR element.
    text = '<Patient xmlns="http://hl7.org/fhir"><name xmlns:x="urn:x"><x:family value="a"/></name></Patient>'
    assert [(i.location, i.rule) for i in conformance.validate(text).errors] == [
        ("Patient.name[0]", "nhsstd-unknown-element")
    ]


def test_an_unknown_xml_encoding_is_one_fatal_issue() -> None:
    text = b'<?xml version="1.0" encoding="bogus"?><Patient xmlns="http://hl7.org/fhir"/>'
    assert [(i.severity, i.rule) for i in conformance.validate(text).issues] == [("fatal", "nhsstd-parse")]


def _structure_definition(**changes: Any) -> Resource:
    definition: Resource = {
        "resourceType": "StructureDefinition",
        "url": "https://example.org/fhir/StructureDefinition/Bad",
        "name": "Bad",
        "status": "draft",
        "kind": "resource",
        "abstract": False,
        "type": "Patient",
        "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient",
        "derivation": "constraint",
        "differential": {"element": [{"id": "Patient.gender", "path": "Patient.gender", "min": 1}]},
    }
    definition.update(changes)
    return {key: value for key, value in definition.items() if value is not None}


@pytest.mark.parametrize(
    "content",
    [
        json.dumps(_structure_definition(type=None)),
        json.dumps(_structure_definition(kind=None)),
        json.dumps(_structure_definition(differential={"element": [{"id": "Patient.gender", "min": 1}]})),
        json.dumps(_structure_definition(differential={"element": [{"path": "Patient.gender", "min": "1"}]})),
        "{not json",
        "[" * 100_000 + "]" * 100_000,
    ],
)
def test_a_malformed_package_is_a_package_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str
) -> None:
    monkeypatch.setenv("NHSSTD_CACHE_DIR", str(tmp_path / "cache"))
    package = tmp_path / "package"
    package.mkdir()
    (package / "package.json").write_text('{"name": "bad", "version": "0.1.0"}', encoding="utf-8")
    (package / "StructureDefinition-Bad.json").write_text(content, encoding="utf-8")
    with pytest.raises(PackageError) as error:
        Validator(packages=[package])
    assert isinstance(error.value, ValueError)


def test_a_file_that_is_no_package_archive_is_a_package_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NHSSTD_CACHE_DIR", str(tmp_path / "cache"))
    archive = tmp_path / "package.tgz"
    archive.write_bytes(b"not a tar archive")
    with pytest.raises(PackageError):
        Validator(packages=[archive])


# --- any JSON value anywhere: always an Outcome ------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                ["url", "valueString", "extension", "id", "system", "code", "coding", "reference"]
            ),
            inner,
            max_size=3,
        )
    ),
    max_leaves=12,
)
PATIENT_ELEMENTS = st.sampled_from(
    [
        "name",
        "identifier",
        "telecom",
        "gender",
        "birthDate",
        "_birthDate",
        "address",
        "contact",
        "extension",
        "modifierExtension",
        "contained",
        "meta",
        "text",
        "generalPractitioner",
        "photo",
        "deceasedBoolean",
    ]
)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(PATIENT_ELEMENTS, JSON_VALUES, max_size=4))
def test_any_json_value_in_any_element_gives_an_outcome(elements: Resource) -> None:
    outcome = conformance.validate({"resourceType": "Patient", **elements})
    assert all(isinstance(issue.location, str) and isinstance(issue.message, str) for issue in outcome.issues)
    json.dumps(outcome.to_operation_outcome())  # always serialisable

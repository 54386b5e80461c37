"""Issue 11: what published FHIR resources exposed (each test is built from the rule it cites)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from nhsstd import fhir
from nhsstd.codes import NHSNumberStatusIndicatorCode
from nhsstd.fhir import FHIRWarning, LegacyURLWarning, SerialisationError

NHS = "https://fhir.nhs.uk/Id/nhs-number"
EXT_VERIFICATION = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus"
ENGLAND = "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland"
RETIRED = "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatus"
VALID = "9434765919"

# The retired UK Core NHSNumberVerificationStatus code system (v2.1.0) coded the statuses as
# text: the England display lower-cased and hyphenated (05 and 08 cut before their bracket).
RETIRED_CODES = [
    ("number-present-and-verified", "01"),
    ("number-present-but-not-traced", "02"),
    ("trace-required", "03"),
    ("trace-attempted-no-match-or-multiple-match-found", "04"),
    ("trace-needs-to-be-resolved", "05"),
    ("trace-in-progress", "06"),
    ("number-not-present-and-trace-not-required", "07"),
    ("trace-postponed", "08"),
]


def patient_with_status(system: str, code: str, *, value: str | None = VALID) -> dict[str, Any]:
    identifier: dict[str, Any] = {
        "system": NHS,
        "extension": [
            {
                "url": EXT_VERIFICATION,
                "valueCodeableConcept": {"coding": [{"system": system, "version": "2.1.0", "code": code}]},
            }
        ],
    }
    if value is not None:
        identifier["value"] = value
    return {"resourceType": "Patient", "identifier": [identifier]}


def slug(display: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", display.lower()).strip("-")


@pytest.mark.parametrize(("retired", "status"), RETIRED_CODES)
def test_retired_textual_verification_codes_read_as_the_england_status(retired: str, status: str) -> None:
    member = NHSNumberStatusIndicatorCode.from_code(status)
    # The table above follows the rule: each retired code starts the slug of the England display.
    assert slug(fhir._urls.NHS_NUMBER_VERIFICATION_DISPLAY[status]).startswith(retired)
    # 07 forbids an NHS Number in the model (Data Dictionary); the rest are read with one.
    value = None if status == "07" else VALID
    caught: list[FHIRWarning] = []
    for mode in ("strict", "preserve"):
        caught.clear()
        patient = fhir.from_fhir(
            patient_with_status(RETIRED, retired, value=value), identifiers=mode, on_warning=caught.append
        )
        assert patient.nhs_number_status is member
        assert [type(w) for w in caught] == [LegacyURLWarning]
    coding = fhir.to_fhir(patient)["identifier"][0]["extension"][0]["valueCodeableConcept"]["coding"][0]
    assert (coding["system"], coding["code"]) == (ENGLAND, status)
    assert "version" not in coding


def test_retired_textual_codes_only_under_the_retired_system() -> None:
    with pytest.raises(SerialisationError, match="not a code of this list"):
        fhir.from_fhir(patient_with_status(ENGLAND, "number-present-and-verified"))
    with pytest.raises(SerialisationError, match="not a code of this list"):
        fhir.from_fhir(patient_with_status(RETIRED, "number-present-and-checked"))


def test_retired_textual_codes_are_refused_in_strict_mode() -> None:
    with pytest.raises(SerialisationError, match="strict mode"):
        fhir.from_fhir(
            patient_with_status(RETIRED, "number-present-and-verified"), strict=True, on_warning=print
        )


# --- the NHS Number OID system (research/identifiers.md section 2: OID 2.16.840.1.113883.2.1.4.1) --


def test_nhs_number_under_its_oid_system_is_the_nhs_number() -> None:
    resource = {
        "resourceType": "Patient",
        "identifier": [{"system": "urn:oid:2.16.840.1.113883.2.1.4.1", "value": "943 476 5919"}],
    }
    caught: list[FHIRWarning] = []
    patient = fhir.from_fhir(resource, on_warning=caught.append)
    assert patient.nhs_number is not None
    assert patient.nhs_number.compact == VALID
    assert patient.local_identifiers == ()
    assert VALID not in repr(patient)
    assert LegacyURLWarning in {type(w) for w in caught}
    assert fhir.to_fhir(patient)["identifier"] == [{"system": NHS, "value": VALID}]
    with pytest.raises(SerialisationError, match="check digit"):
        fhir.from_fhir({**resource, "identifier": [{**resource["identifier"][0], "value": "9434765918"}]})


# --- Organization identified only by a non-ODS identifier (FHIR R4 Organization, org-1) -----------


def test_organisation_identified_only_by_a_non_ods_identifier() -> None:
    """org-1: an Organization SHALL have at least a name or an identifier -- any identifier."""
    resource = {
        "resourceType": "Organization",
        "identifier": [{"system": "https://register-of-charities.example/id", "value": "1234567"}],
    }
    organisation = fhir.from_fhir(resource)
    assert organisation.ods_code is None
    assert organisation.name is None
    assert [(local.system, local.value) for local in organisation.local_identifiers] == [
        ("https://register-of-charities.example/id", "1234567")
    ]
    assert fhir.to_fhir(organisation) == resource
    assert fhir.from_fhir(fhir.to_fhir(organisation)) == organisation


def test_organisation_ods_and_other_identifiers_keep_their_order() -> None:
    resource = {
        "resourceType": "Organization",
        "identifier": [
            {"system": "https://local.example/id", "value": "A1"},
            {"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "RR8"},
        ],
    }
    organisation = fhir.from_fhir(resource)
    assert organisation.ods_code is not None
    assert organisation.ods_code.compact == "RR8"
    assert len(organisation.local_identifiers) == 1
    assert fhir.to_fhir(organisation) == resource


def test_organisation_with_neither_name_nor_identifier_is_still_refused() -> None:
    with pytest.raises(SerialisationError, match="local identifier or a name"):
        fhir.from_fhir({"resourceType": "Organization", "active": True})


# --- primitive arrays with extensions (FHIR R4 JSON, "Representing primitive elements") -----------

NAME_EXTENSION = {
    "extension": [{"url": "http://example.org/StructureDefinition/name-source", "valueString": "x"}]
}


@pytest.mark.parametrize(
    ("element", "values", "extensions"),
    [
        ("given", [None, "James"], [NAME_EXTENSION, None]),
        ("given", ["Ann", None], [None, NAME_EXTENSION]),
        ("given", ["Ann", "May"], [NAME_EXTENSION, None]),
        ("prefix", [None], [NAME_EXTENSION]),
    ],
)
def test_primitive_arrays_with_extensions_round_trip(
    element: str, values: list[str | None], extensions: list[Any]
) -> None:
    """A null item in a primitive array is valid where its _element partner has an extension there."""
    name = {"family": "Smith", element: values, "_" + element: extensions}
    resource = {"resourceType": "Patient", "name": [name]}
    patient = fhir.from_fhir(resource)
    assert getattr(patient.names[0], element) == tuple(v for v in values if v is not None)
    assert fhir.to_fhir(patient) == resource


def test_primitive_array_with_extensions_on_address_lines() -> None:
    resource = {
        "resourceType": "Patient",
        "address": [{"line": ["1 High Street", None], "_line": [None, NAME_EXTENSION], "city": "Leeds"}],
    }
    patient = fhir.from_fhir(resource)
    assert patient.addresses[0].lines == ("1 High Street",)
    assert fhir.to_fhir(patient) == resource


@pytest.mark.parametrize(
    "name",
    [
        {"family": "Smith", "given": [None, "James"]},  # no partner
        {"family": "Smith", "given": [None, "James"], "_given": [None, NAME_EXTENSION]},  # wrong index
        {"family": "Smith", "given": [None, "James"], "_given": [NAME_EXTENSION]},  # lengths differ
        {"family": "Smith", "given": [None], "_given": [{}]},  # an empty object is no extension
    ],
)
def test_null_without_an_extension_at_its_index_is_refused(name: dict[str, Any]) -> None:
    with pytest.raises(SerialisationError, match=r"\$\.name\[0\]\.given\[0\]: null is only allowed"):
        fhir.from_fhir({"resourceType": "Patient", "name": [name]})


# --- nulls and non-string keys: typed errors, not silent loss (FHIR R4 JSON: no null members,
# string keys only) ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "path"),
    [
        ({"resourceType": "Patient", "modifierExtension": None}, "$.modifierExtension"),
        ({"resourceType": "Patient", "active": None}, "$.active"),
        ({"resourceType": "Patient", "meta": {"versionId": None}}, "$.meta.versionId"),
        ({"resourceType": "Patient", "name": [{"family": "Smith", "_family": None}]}, "$.name[0]._family"),
        (
            {"resourceType": "Patient", "address": [{"city": "Leeds", "period": {"start": None}}]},
            "$.address[0].period.start",
        ),
        ({"resourceType": "Patient", "contact": [None]}, "$.contact[0]"),
        ({"resourceType": "Organization", "name": "X", "alias": [None, "Y"]}, "$.alias[0]"),
    ],
)
def test_null_members_are_refused_where_they_are(resource: dict[str, Any], path: str) -> None:
    with pytest.raises(SerialisationError) as caught:
        fhir.from_fhir(resource)
    assert [problem.path for problem in caught.value.problems] == [path]
    assert caught.value.problems[0].reason.value == "format"


def test_a_null_kept_beside_its_extension_round_trips() -> None:
    resource = {
        "resourceType": "Organization",
        "name": "X",
        "alias": [None, "Y"],
        "_alias": [NAME_EXTENSION, None],
    }
    assert fhir.to_fhir(fhir.from_fhir(resource)) == resource


@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize(
    ("resource", "path"),
    [
        ({"resourceType": "Patient", "name": [{"family": "S", 1: "x"}]}, "$.name[0].?"),
        ({"resourceType": "Patient", "address": [{"city": "S", (1, 2): "x"}]}, "$.address[0].?"),
        (
            {"resourceType": "Patient", "identifier": [{"system": "https://x", "value": "1", None: "y"}]},
            "$.identifier[0].?",
        ),
        ({"resourceType": "Patient", "meta": {2: "x"}}, "$.meta.?"),
    ],
)
def test_non_string_keys_built_in_code_are_typed_errors(
    resource: dict[Any, Any], path: str, strict: bool
) -> None:
    with pytest.raises(SerialisationError) as caught:
        fhir.from_fhir(resource, strict=strict)
    assert any(
        problem.path == path and problem.message == "object keys must be strings"
        for problem in caught.value.problems
    )

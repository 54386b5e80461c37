"""nhsstd.conformance: one focused test per check, each asserting where the issue is and which rule fired.

Rules are cited from FHIR R4 (https://hl7.org/fhir/R4/): json.html (JSON representation),
datatypes.html (primitive formats), profiling.html (cardinality, fixed/pattern, slicing),
extensibility.html (extensions), references.html (references), bundle.html (Bundles);
terminologies.html (binding strengths); and UK Core STU2 2.0.2 (UKCore-Patient).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nhsstd import conformance
from nhsstd.conformance import Issue, Outcome, Validator

NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
VALID_NHS_NUMBER = "9434765919"
TEST_PATIENT = "http://example.org/fhir/StructureDefinition/TestPatient"
COLOUR = "http://example.org/fhir/StructureDefinition/colour"


def found(outcome: Outcome, rule: str) -> list[tuple[str, str]]:
    """(severity, location) of every issue of ``rule``."""
    return [(issue.severity, issue.location) for issue in outcome.issues if issue.rule == rule]


def errors(outcome: Outcome) -> list[tuple[str, str]]:
    return [(issue.location, issue.rule) for issue in outcome.errors]


# --- JSON shape and unknown elements (json.html 2.6.2) --------------------------------------------


def test_a_valid_patient_has_no_errors() -> None:
    patient = {
        "resourceType": "Patient",
        "identifier": [{"system": NHS_NUMBER, "value": VALID_NHS_NUMBER}],
        "name": [{"family": "Smith", "given": ["Jo"]}],
        "gender": "female",
        "birthDate": "1970-09-01",
    }
    assert errors(conformance.validate(patient)) == []


def test_unknown_element() -> None:
    outcome = conformance.validate({"resourceType": "Patient", "name": [{"family": "X", "nickname": "Y"}]})
    assert found(outcome, "nhsstd-unknown-element") == [("error", "Patient.name[0].nickname")]


@pytest.mark.parametrize(
    ("patient", "location"),
    [
        ({"gender": ["female"]}, "Patient.gender"),  # 0..1 is a single value
        ({"name": {"family": "X"}}, "Patient.name"),  # 0..* is always an array
        ({"active": None}, "Patient.active"),  # null is not a FHIR value
        ({"name": [None]}, "Patient.name[0]"),
    ],
)
def test_json_shape(patient: dict[str, Any], location: str) -> None:
    outcome = conformance.validate({"resourceType": "Patient", **patient})
    assert found(outcome, "nhsstd-shape") == [("error", location)]


@pytest.mark.parametrize(
    ("patient", "location"),
    [
        ({"gender": ""}, "Patient.gender"),
        ({"name": []}, "Patient.name"),
        ({"name": [{}]}, "Patient.name[0]"),
        ({"_gender": {}}, "Patient.gender"),
    ],
)
def test_empty_values_break_ele_1(patient: dict[str, Any], location: str) -> None:
    outcome = conformance.validate({"resourceType": "Patient", **patient})
    assert found(outcome, "ele-1") == [("error", location)]


def test_primitive_extension_arrays_pair_with_values() -> None:
    # json.html: repeating primitives with extensions use null placeholders in both arrays.
    name = {"given": ["A", None], "_given": [None, {"extension": [{"url": COLOUR, "valueString": "x"}]}]}
    outcome = conformance.validate({"resourceType": "Patient", "name": [name]}, uk_core=False)
    assert found(outcome, "nhsstd-shape") == []
    bad = {"given": ["A", "B"], "_given": [None]}
    outcome = conformance.validate({"resourceType": "Patient", "name": [bad]}, uk_core=False)
    assert found(outcome, "nhsstd-shape") == [("error", "Patient.name[0].given")]


@pytest.mark.parametrize(
    ("name", "ele_1"),
    [
        # json.html: a repeating primitive may have only extensions (its value array left out)
        ({"_given": [{"extension": [{"url": COLOUR, "valueString": "x"}]}]}, []),
        (
            {"_given": [{"extension": [{"url": COLOUR, "valueString": "x"}]}, {}]},
            ["Patient.name[0].given[1]"],
        ),
        # ele-1 and json.html: an array is never empty, the extras' array neither
        ({"given": ["A"], "_given": []}, ["Patient.name[0].given"]),
        ({"given": [], "_given": [None]}, ["Patient.name[0].given"]),
        ({"_given": []}, ["Patient.name[0].given"]),
        ({"given": None}, ["Patient.name[0].given"]),  # a null repeating element is no array of values
    ],
)
def test_primitive_extension_arrays_without_values(name: dict[str, Any], ele_1: list[str]) -> None:
    outcome = conformance.validate({"resourceType": "Patient", "name": [name]}, uk_core=False)
    assert found(outcome, "nhsstd-shape") == []
    assert found(outcome, "ele-1") == [("error", location) for location in ele_1]


# --- primitive formats (datatypes.html 2.24.0.1) --------------------------------------------------


@pytest.mark.parametrize(
    ("element", "value", "rule"),
    [
        ("birthDate", "1970-13-01", "nhsstd-format"),  # month 13: the date regex
        ("birthDate", "2023-02-30", "nhsstd-format"),  # no such day
        ("birthDate", "01/02/1970", "nhsstd-format"),
        ("active", "true", "nhsstd-type"),  # boolean is a JSON boolean
        ("multipleBirthInteger", 2.5, "nhsstd-type"),
        ("multipleBirthInteger", True, "nhsstd-type"),
        ("id", "has spaces", "nhsstd-format"),  # id: [A-Za-z0-9\-\.]{1,64}
        ("deceasedDateTime", "2020-01-01T10:00", "nhsstd-format"),  # a time needs seconds and a zone
    ],
)
def test_primitive_formats(element: str, value: Any, rule: str) -> None:
    outcome = conformance.validate({"resourceType": "Patient", element: value}, uk_core=False)
    location = "Patient.deceased.ofType(dateTime)" if element == "deceasedDateTime" else f"Patient.{element}"
    location = "Patient.multipleBirth.ofType(integer)" if element == "multipleBirthInteger" else location
    assert found(outcome, rule) == [("error", location)]


def test_valid_primitive_forms() -> None:
    patient = {
        "resourceType": "Patient",
        "birthDate": "2024-02-29",
        "deceasedDateTime": "2024-03-01T10:00:00+00:00",
        "multipleBirthInteger": 2,
        "active": True,
    }
    assert errors(conformance.validate(patient, uk_core=False)) == []


def test_decimal_accepts_numbers_only() -> None:
    observation = {"resourceType": "Observation", "status": "final", "code": {"text": "x"}}
    good = conformance.validate({**observation, "valueQuantity": {"value": 1.5}}, uk_core=False)
    bad = conformance.validate({**observation, "valueQuantity": {"value": "1.5"}}, uk_core=False)
    assert found(good, "nhsstd-type") == []
    assert found(bad, "nhsstd-type") == [("error", "Observation.value.ofType(Quantity).value")]


# --- cardinality (profiling.html: min/max) --------------------------------------------------------


def test_missing_required_elements() -> None:
    outcome = conformance.validate({"resourceType": "Observation"}, uk_core=False)
    assert sorted(found(outcome, "nhsstd-cardinality")) == [
        ("error", "Observation.code"),
        ("error", "Observation.status"),
    ]


def test_only_one_type_of_a_choice() -> None:
    outcome = conformance.validate(
        {"resourceType": "Patient", "deceasedBoolean": False, "deceasedDateTime": "2020-01-01"}, uk_core=False
    )
    assert found(outcome, "nhsstd-cardinality") == [("error", "Patient")]


def test_uk_core_slice_maximum() -> None:
    # UKCore-Patient: Patient.identifier:nhsNumber is 0..1.
    two = [{"system": NHS_NUMBER, "value": VALID_NHS_NUMBER}, {"system": NHS_NUMBER, "value": "9434765870"}]
    outcome = conformance.validate({"resourceType": "Patient", "identifier": two})
    assert found(outcome, "nhsstd-slice") == [("error", "Patient.identifier")]
    assert (
        found(
            conformance.validate({"resourceType": "Patient", "identifier": two}, uk_core=False),
            "nhsstd-slice",
        )
        == []
    )


def test_uk_core_slice_minimum_with_the_element_absent() -> None:
    # UKCore-Observation-Lab: Observation.category is 1..* with slice category:laboratory 1..1;
    # profiling.html: a slice's min counts the element's items in it, so none given is 0 found.
    lab = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Observation-Lab"
    observation = {"resourceType": "Observation", "status": "final", "code": {"text": "Haemoglobin"}}
    outcome = conformance.validate(observation, profiles=[lab])
    assert [(i.location, i.message) for i in outcome.errors if i.rule == "nhsstd-slice"] == [
        ("Observation.category", "slice laboratory: at least 1 required, 0 found")
    ]
    laboratory = {
        "coding": [
            {"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}
        ]
    }
    observation["category"] = [laboratory]
    assert found(conformance.validate(observation, profiles=[lab]), "nhsstd-slice") == []


# --- bindings (terminologies.html 4.1.5) ----------------------------------------------------------


def test_required_binding_is_an_error() -> None:
    outcome = conformance.validate({"resourceType": "Patient", "gender": "woman"})
    assert found(outcome, "nhsstd-binding") == [("error", "Patient.gender")]
    assert "woman" not in str(outcome)


def test_extensible_binding_is_a_warning() -> None:
    # Patient.contact.relationship is extensible to v2-0131 in R4.
    contact = {
        "relationship": [{"coding": [{"system": "http://example.org/cs", "code": "x"}]}],
        "name": {"text": "A"},
    }
    outcome = conformance.validate({"resourceType": "Patient", "contact": [contact]}, uk_core=False)
    assert found(outcome, "nhsstd-binding") == [("warning", "Patient.contact[0].relationship[0]")]


def test_code_not_in_its_code_system() -> None:
    coding = {"system": "http://terminology.hl7.org/CodeSystem/v2-0131", "code": "NOT-A-CODE"}
    contact = {"relationship": [{"coding": [coding]}], "name": {"text": "A"}}
    outcome = conformance.validate({"resourceType": "Patient", "contact": [contact]}, uk_core=False)
    assert found(outcome, "nhsstd-code") == [("error", "Patient.contact[0].relationship[0].coding[0]")]


# --- invariants -----------------------------------------------------------------------------------


def test_patient_contact_needs_details_pat_1() -> None:
    contact = {"relationship": [{"text": "neighbour"}]}
    outcome = conformance.validate({"resourceType": "Patient", "contact": [contact]})
    assert found(outcome, "pat-1") == [("error", "Patient.contact[0]")]


def test_extension_value_xor_extensions_ext_1() -> None:
    extension = {"url": COLOUR, "valueString": "red", "extension": [{"url": "a", "valueString": "b"}]}
    outcome = conformance.validate({"resourceType": "Patient", "extension": [extension]}, uk_core=False)
    assert found(outcome, "ext-1") == [("error", "Patient.extension[0]")]


# --- extensions (extensibility.html 2.5.0) --------------------------------------------------------

ETHNIC_CATEGORY = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory"


def test_unknown_extension() -> None:
    outcome = conformance.validate(
        {"resourceType": "Patient", "extension": [{"url": COLOUR, "valueString": "x"}]}
    )
    assert found(outcome, "nhsstd-extension") == [("error", "Patient.extension[0]")]
    # FHIR's generated cross-version extensions have no package to check them against
    xver = {"url": "http://hl7.org/fhir/5.0/StructureDefinition/extension-Patient.x", "valueString": "x"}
    outcome = conformance.validate({"resourceType": "Patient", "extension": [xver]})
    assert found(outcome, "nhsstd-extension") == [("information", "Patient.extension[0]")]
    modifier = {"resourceType": "Patient", "modifierExtension": [{"url": COLOUR, "valueString": "x"}]}
    assert found(conformance.validate(modifier), "nhsstd-extension") == [
        ("error", "Patient.modifierExtension[0]")
    ]


def test_extension_value_of_the_wrong_type() -> None:
    # Extension-UKCore-EthnicCategory: value[x] is a CodeableConcept.
    outcome = conformance.validate(
        {"resourceType": "Patient", "extension": [{"url": ETHNIC_CATEGORY, "valueString": "A"}]}
    )
    assert found(outcome, "nhsstd-type") == [("error", "Patient.extension[0].value.ofType(string)")]


def test_extension_in_a_context_it_does_not_allow() -> None:
    # Extension-UKCore-EthnicCategory's context is Patient.
    ethnic = {"url": ETHNIC_CATEGORY, "valueCodeableConcept": {"text": "A"}}
    outcome = conformance.validate(
        {"resourceType": "Organization", "name": "x", "extension": [ethnic]}, uk_core=False
    )
    assert found(outcome, "nhsstd-extension") == [("error", "Organization.extension[0]")]
    patient = conformance.validate({"resourceType": "Patient", "extension": [ethnic]})
    assert found(patient, "nhsstd-extension") == []


# --- references (references.html 2.3.0) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("reference", "location"),
    [
        ("#nowhere", "Patient.generalPractitioner[0].reference"),  # no contained resource with that id
        ("not a reference", "Patient.generalPractitioner[0].reference"),
        ("Observation/1", "Patient.generalPractitioner[0].reference"),  # not a target type of the element
        ("Unicorn/1", "Patient.generalPractitioner[0].reference"),
    ],
)
def test_bad_references(reference: str, location: str) -> None:
    outcome = conformance.validate(
        {"resourceType": "Patient", "generalPractitioner": [{"reference": reference}]}
    )
    assert found(outcome, "nhsstd-reference") == [("error", location)]


def test_good_references() -> None:
    patient = {
        "resourceType": "Patient",
        "contained": [{"resourceType": "Organization", "id": "gp", "name": "Surgery"}],
        "generalPractitioner": [
            {"reference": "#gp"},
            {"reference": "Practitioner/123"},
            {"reference": "https://example.org/fhir/Organization/RR8"},
        ],
    }
    assert found(conformance.validate(patient), "nhsstd-reference") == []


def test_contained_resource_of_the_wrong_target_type() -> None:
    patient = {
        "resourceType": "Patient",
        "contained": [{"resourceType": "Device", "id": "d"}],
        "generalPractitioner": [{"reference": "#d"}],
    }
    outcome = conformance.validate(patient, uk_core=False)
    assert found(outcome, "nhsstd-reference") == [("error", "Patient.generalPractitioner[0].reference")]


# --- Bundles (bundle.html 2.36.4) -----------------------------------------------------------------


def bundle(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection", "entry": list(entries)}


def test_bundle_entries_are_validated_with_their_locations() -> None:
    outcome = conformance.validate(
        bundle(
            {
                "fullUrl": "urn:uuid:0b5c1b3e-7a0b-4d4a-9b54-0f9f4c0f2a11",
                "resource": {"resourceType": "Patient", "gender": "woman"},
            }
        )
    )
    assert found(outcome, "nhsstd-binding") == [("error", "Bundle.entry[0].resource.gender")]


def test_bundle_references_resolve_by_full_url() -> None:
    patient_url = "urn:uuid:0b5c1b3e-7a0b-4d4a-9b54-0f9f4c0f2a11"
    observation = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"text": "x"},
        "subject": {"reference": patient_url},
    }
    good = bundle(
        {"fullUrl": patient_url, "resource": {"resourceType": "Patient"}},
        {"fullUrl": "urn:uuid:1b5c1b3e-7a0b-4d4a-9b54-0f9f4c0f2a11", "resource": observation},
    )
    assert found(conformance.validate(good, uk_core=False), "nhsstd-reference") == []
    missing = bundle({"fullUrl": "urn:uuid:1b5c1b3e-7a0b-4d4a-9b54-0f9f4c0f2a11", "resource": observation})
    assert found(conformance.validate(missing, uk_core=False), "nhsstd-reference") == [
        ("warning", "Bundle.entry[0].resource.subject.reference")
    ]
    # A document carries everything it refers to (bundle.html 2.36.4.1; the HL7 validator agrees).
    document = {**missing, "type": "document"}
    assert found(conformance.validate(document, uk_core=False), "nhsstd-reference") == [
        ("error", "Bundle.entry[0].resource.subject.reference")
    ]


def test_bundle_full_urls() -> None:
    restful = bundle(
        {"fullUrl": "Patient/1", "resource": {"resourceType": "Patient", "id": "1"}},
        {"fullUrl": "https://example.org/fhir/Patient/2", "resource": {"resourceType": "Patient", "id": "3"}},
    )
    assert found(conformance.validate(restful, uk_core=False), "nhsstd-bundle") == [
        ("error", "Bundle.entry[0]"),  # not absolute
        ("error", "Bundle.entry[1]"),  # a RESTful fullUrl ends with the resource's type and id
    ]


# --- nhsstd identifier rules ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("system", "value"),
    [
        (NHS_NUMBER, "9434765918"),  # check digit
        ("https://fhir.nhs.uk/Id/ods-organization-code", "not an ODS code"),
        ("https://fhir.hl7.org.uk/Id/gmc-number", "12345"),
    ],
)
def test_identifier_rules(system: str, value: str) -> None:
    outcome = conformance.validate(
        {"resourceType": "Patient", "identifier": [{"system": system, "value": value}]}, uk_core=False
    )
    assert found(outcome, "nhsstd-identifier") == [("error", "Patient.identifier[0].value")]
    assert value not in str(outcome)
    assert value not in json.dumps(outcome.to_operation_outcome())


def test_identifier_rules_leave_other_systems_alone() -> None:
    outcome = conformance.validate(
        {"resourceType": "Patient", "identifier": [{"system": "http://example.org/mrn", "value": "123"}]}
    )
    assert found(outcome, "nhsstd-identifier") == []


# --- profiles: selection, fixed and pattern values, slicing (profiling.html 5.1.0) ----------------


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small NPM-format package: a Patient profile and an extension, as a supplier's IG would have."""
    root = tmp_path_factory.mktemp("ig") / "package"
    root.mkdir()
    (root / "package.json").write_text(json.dumps({"name": "example.ig", "version": "0.1.0"}))

    def element(ident: str, **facts: Any) -> dict[str, Any]:
        return {"id": ident, "path": ident.split(":")[0].split(".", 1)[0] + ident_path(ident), **facts}

    profile = {
        "resourceType": "StructureDefinition",
        "url": TEST_PATIENT,
        "name": "TestPatient",
        "status": "draft",
        "kind": "resource",
        "abstract": False,
        "type": "Patient",
        "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient",
        "derivation": "constraint",
        "differential": {
            "element": [
                element(
                    "Patient.identifier",
                    slicing={
                        "discriminator": [{"type": "value", "path": "system"}],
                        "ordered": True,
                        "rules": "closed",
                    },
                ),
                element("Patient.identifier:nhs", sliceName="nhs", min=1, max="1"),
                element("Patient.identifier:nhs.system", fixedUri=NHS_NUMBER),
                element("Patient.identifier:local", sliceName="local", min=0, max="*"),
                element("Patient.identifier:local.system", fixedUri="http://example.org/local"),
                element("Patient.language", fixedCode="en-GB"),
                element("Patient.name"),
                element(
                    "Patient.name.prefix",
                    slicing={"discriminator": [{"type": "value", "path": "$this"}], "rules": "open"},
                ),
                element("Patient.name.prefix:doctor", sliceName="doctor", max="1", fixedString="Dr"),
                element(
                    "Patient.maritalStatus",
                    patternCodeableConcept={
                        "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus"}]
                    },
                ),
                element("Patient.gender", min=1),
                element("Patient.deceased[x]", type=[{"code": "boolean"}]),
                element(
                    "Patient.communication.language",
                    binding={
                        "strength": "required",
                        "valueSet": "http://example.org/fhir/ValueSet/sct-languages",
                    },
                ),
            ]
        },
    }
    extension = {
        "resourceType": "StructureDefinition",
        "url": COLOUR,
        "name": "Colour",
        "status": "draft",
        "kind": "complex-type",
        "abstract": False,
        "context": [{"type": "element", "expression": "Patient"}],
        "type": "Extension",
        "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Extension",
        "derivation": "constraint",
        "differential": {
            "element": [
                {"id": "Extension.extension", "path": "Extension.extension", "max": "0"},
                {"id": "Extension.url", "path": "Extension.url", "fixedUri": COLOUR},
                {"id": "Extension.value[x]", "path": "Extension.value[x]", "type": [{"code": "string"}]},
            ]
        },
    }
    (root / "StructureDefinition-TestPatient.json").write_text(json.dumps(profile))
    (root / "StructureDefinition-colour.json").write_text(json.dumps(extension))
    return root.parent


def ident_path(ident: str) -> str:
    steps = ident.split(".")[1:]
    return "".join("." + step.split(":")[0] for step in steps)


@pytest.fixture(scope="module")
def validator(package: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Validator]:
    cache = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NHSSTD_CACHE_DIR", str(cache))
        yield Validator(packages=[package])


def profiled(**patient: Any) -> dict[str, Any]:
    base = {
        "resourceType": "Patient",
        "gender": "female",
        "identifier": [{"system": NHS_NUMBER, "value": VALID_NHS_NUMBER}],
    }
    return {**base, **patient}


def test_profile_from_meta_and_from_the_caller(validator: Validator) -> None:
    missing_gender = {
        "resourceType": "Patient",
        "identifier": [{"system": NHS_NUMBER, "value": VALID_NHS_NUMBER}],
    }
    assert found(validator.validate(missing_gender), "nhsstd-cardinality") == []
    named = validator.validate(missing_gender, profiles=[TEST_PATIENT])
    assert found(named, "nhsstd-cardinality") == [("error", "Patient.gender")]
    declared = validator.validate({**missing_gender, "meta": {"profile": [TEST_PATIENT]}})
    assert found(declared, "nhsstd-cardinality") == [("error", "Patient.gender")]


def test_unknown_profiles(validator: Validator) -> None:
    outcome = validator.validate(
        {"resourceType": "Patient", "meta": {"profile": ["http://example.org/nope"]}}
    )
    assert found(outcome, "nhsstd-profile") == [("warning", "Patient.meta.profile[0]")]
    with pytest.raises(KeyError, match="unknown profile"):
        validator.validate({"resourceType": "Patient"}, profiles=["http://example.org/nope"])


def test_profile_of_another_type(validator: Validator) -> None:
    outcome = validator.validate({"resourceType": "Organization", "meta": {"profile": [TEST_PATIENT]}})
    assert found(outcome, "nhsstd-profile") == [("error", "Organization")]


def test_fixed_value(validator: Validator) -> None:
    outcome = validator.validate(profiled(language="en-US"), profiles=[TEST_PATIENT])
    assert found(outcome, "nhsstd-fixed") == [("error", "Patient.language")]
    assert (
        found(validator.validate(profiled(language="en-GB"), profiles=[TEST_PATIENT]), "nhsstd-fixed") == []
    )


def test_pattern_value(validator: Validator) -> None:
    married = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus", "code": "M"}]}
    other = {"coding": [{"system": "http://example.org/marital", "code": "M"}]}
    assert (
        found(validator.validate(profiled(maritalStatus=married), profiles=[TEST_PATIENT]), "nhsstd-pattern")
        == []
    )
    outcome = validator.validate(profiled(maritalStatus=other), profiles=[TEST_PATIENT])
    assert found(outcome, "nhsstd-pattern") == [("error", "Patient.maritalStatus")]


def test_choice_narrowed_by_a_profile(validator: Validator) -> None:
    outcome = validator.validate(profiled(deceasedDateTime="2020-01-01"), profiles=[TEST_PATIENT])
    assert found(outcome, "nhsstd-type") == [("error", "Patient.deceased.ofType(dateTime)")]


def test_closed_slicing(validator: Validator) -> None:
    identifiers = [
        {"system": NHS_NUMBER, "value": VALID_NHS_NUMBER},
        {"system": "http://example.org/other", "value": "1"},
    ]
    outcome = validator.validate(profiled(identifier=identifiers), profiles=[TEST_PATIENT])
    assert found(outcome, "nhsstd-slice") == [("error", "Patient.identifier[1]")]


def test_ordered_slicing(validator: Validator) -> None:
    identifiers = [
        {"system": "http://example.org/local", "value": "1"},
        {"system": NHS_NUMBER, "value": VALID_NHS_NUMBER},
    ]
    outcome = validator.validate(profiled(identifier=identifiers), profiles=[TEST_PATIENT])
    assert found(outcome, "nhsstd-slice") == [("error", "Patient.identifier[1]")]


def test_slice_minimum(validator: Validator) -> None:
    outcome = validator.validate(
        profiled(identifier=[{"system": "http://example.org/local", "value": "1"}]), profiles=[TEST_PATIENT]
    )
    assert found(outcome, "nhsstd-slice") == [("error", "Patient.identifier")]


def test_slicing_by_the_value_of_the_item_itself(validator: Validator) -> None:
    # profiling.html#discriminator: a discriminator path of $this tells slices apart by the item's own value.
    outcome = validator.validate(profiled(name=[{"prefix": ["Dr", "Ms", "Dr"]}]), profiles=[TEST_PATIENT])
    assert found(outcome, "nhsstd-slice") == [("error", "Patient.name[0].prefix")]
    once = validator.validate(profiled(name=[{"prefix": ["Ms", "Dr"]}]), profiles=[TEST_PATIENT])
    assert found(once, "nhsstd-slice") == []


def test_binding_to_a_value_set_that_cannot_be_expanded(validator: Validator) -> None:
    communication = [{"language": {"coding": [{"system": "http://snomed.info/sct", "code": "73211009"}]}}]
    # (uk_core=False: UKCore-Patient binds the same element to its own, SNOMED CT-free, value set)
    outcome = validator.validate(
        profiled(communication=communication), profiles=[TEST_PATIENT], uk_core=False
    )
    assert found(outcome, "nhsstd-binding") == [("information", "Patient.communication[0].language")]


def test_package_extension_is_known(validator: Validator) -> None:
    outcome = validator.validate(profiled(extension=[{"url": COLOUR, "valueString": "red"}]))
    assert found(outcome, "nhsstd-extension") == []
    wrong = validator.validate(profiled(extension=[{"url": COLOUR, "valueBoolean": True}]))
    assert found(wrong, "nhsstd-type") == [("error", "Patient.extension[0].value.ofType(boolean)")]


def test_package_is_compiled_once_into_the_cache(
    package: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NHSSTD_CACHE_DIR", str(tmp_path))
    Validator(packages=[package])
    cached = list((tmp_path / "conformance").glob("*.json"))
    assert len(cached) == 1
    stamp = cached[0].stat().st_mtime_ns
    Validator(packages=[package])
    assert cached[0].stat().st_mtime_ns == stamp  # read, not compiled again


# --- input forms and the outcome ------------------------------------------------------------------


def test_json_text_and_bytes() -> None:
    text = '{"resourceType": "Patient", "gender": "woman"}'
    assert (
        errors(conformance.validate(text))
        == errors(conformance.validate(text.encode()))
        == [("Patient.gender", "nhsstd-binding")]
    )


def test_xml_text() -> None:
    xml = '<Patient xmlns="http://hl7.org/fhir"><gender value="woman"/></Patient>'
    assert errors(conformance.validate(xml)) == [("Patient.gender", "nhsstd-binding")]


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", '{"a": 1, "a": 2}', b"\xff\xfe"])
def test_unreadable_text_is_one_fatal_issue(text: str | bytes) -> None:
    outcome = conformance.validate(text)
    assert [(i.severity, i.rule) for i in outcome.issues] == [("fatal", "nhsstd-parse")]
    assert not outcome.ok


def test_wrong_python_type() -> None:
    with pytest.raises(TypeError, match="expected a FHIR resource"):
        conformance.validate(42)  # type: ignore[arg-type]


def test_resource_type_must_be_known() -> None:
    outcome = conformance.validate({"resourceType": "Unicorn"})
    assert found(outcome, "nhsstd-resource-type") == [("error", "Unicorn")]


def test_operation_outcome() -> None:
    outcome = conformance.validate({"resourceType": "Patient", "gender": "woman"})
    resource = outcome.to_operation_outcome()
    assert resource["resourceType"] == "OperationOutcome"
    issue = next(i for i in resource["issue"] if i["severity"] == "error")
    assert issue["code"] == "code-invalid"
    assert issue["expression"] == ["Patient.gender"]
    assert issue["details"]["coding"][0]["code"] == "nhsstd-binding"
    # The OperationOutcome conforms to R4 itself.
    assert errors(conformance.validate(resource, uk_core=False)) == []
    assert Outcome().to_operation_outcome()["issue"][0]["severity"] == "information"


def test_issue_is_plain_data() -> None:
    issue = Issue("error", "value", "Patient.gender", "m", "r")
    assert str(issue) == "error Patient.gender: m [r]"


# --- hostile input: every problem is an issue, never an exception ---------------------------------


def test_deeply_nested_json_text() -> None:
    outcome = conformance.validate("[" * 100_000 + "]" * 100_000)
    assert [(i.severity, i.rule) for i in outcome.issues] == [("fatal", "nhsstd-parse")]


def test_nesting_is_bounded_and_self_containing_dicts_end() -> None:
    from nhsstd.conformance._validator import MAX_DEPTH

    item: dict[str, Any] = {"linkId": "1", "type": "group"}
    questionnaire = {"resourceType": "Questionnaire", "status": "draft", "item": [item]}
    for _ in range(MAX_DEPTH + 5):
        item["item"] = [{"linkId": "1", "type": "group"}]
        item = item["item"][0]
    outcome = conformance.validate(questionnaire, uk_core=False)
    assert [i.severity for i in outcome.issues if i.rule == "nhsstd-shape"] == ["fatal"]
    patient: dict[str, Any] = {"resourceType": "Patient"}
    patient["contained"] = [patient]
    assert not conformance.validate(patient).ok


@pytest.mark.parametrize("text", ['{"resourceType": "Patient", "multipleBirthInteger": NaN}', "Infinity"])
def test_nan_and_infinity_are_not_json(text: str) -> None:
    assert [i.rule for i in conformance.validate(text).issues] == ["nhsstd-parse"]


def test_nan_in_a_dict_is_not_a_decimal() -> None:
    observation = {"resourceType": "Observation", "status": "final", "code": {"text": "x"}}
    outcome = conformance.validate({**observation, "valueQuantity": {"value": float("nan")}}, uk_core=False)
    assert found(outcome, "nhsstd-type") == [("error", "Observation.value.ofType(Quantity).value")]


def test_non_string_property_names() -> None:
    outcome = conformance.validate({"resourceType": "Patient", 5: "x"})  # type: ignore[dict-item]
    assert found(outcome, "nhsstd-shape") == [("error", "Patient")]


@pytest.mark.parametrize("resource_type", [5, ["Patient"], {"a": 1}])
def test_resource_type_that_is_not_a_string(resource_type: Any) -> None:
    outcome = conformance.validate({"resourceType": resource_type})
    assert [(i.location, i.rule) for i in outcome.errors] == [("Resource", "nhsstd-resource-type")]


def test_byte_order_mark_is_ignored_before_xml_and_refused_before_json() -> None:
    xml = '<Patient xmlns="http://hl7.org/fhir"><gender value="female"/></Patient>'
    json_text = '{"resourceType": "Patient", "gender": "female"}'
    assert conformance.validate("\ufeff" + xml).ok
    assert conformance.validate(b"\xef\xbb\xbf" + xml.encode()).ok
    for marked in ("\ufeff" + json_text, b"\xef\xbb\xbf" + json_text.encode()):
        outcome = conformance.validate(marked)
        assert [(i.severity, i.rule) for i in outcome.issues] == [("fatal", "nhsstd-parse")]


# --- rules the HL7 validator applies beyond the definitions ---------------------------------------


def test_versioned_references_to_shared_full_urls() -> None:
    # bundle.html 2.36.4.1: several versions of one resource share a fullUrl; a reference names one.
    base = "https://example.org/fhir"
    versions = [
        {
            "fullUrl": f"{base}/Patient/p",
            "resource": {"resourceType": "Patient", "id": "p", "meta": {"versionId": v}},
        }
        for v in ("1", "2")
    ]

    def with_reference(reference: str) -> dict[str, Any]:
        observation = {
            "resourceType": "Observation",
            "id": "o",
            "status": "final",
            "code": {"text": "x"},
            "subject": {"reference": reference},
        }
        return bundle({"fullUrl": f"{base}/Observation/o", "resource": observation}, *versions)

    assert (
        found(conformance.validate(with_reference("Patient/p/_history/2"), uk_core=False), "nhsstd-reference")
        == []
    )
    for reference in ("Patient/p", "Patient/p/_history/3"):
        outcome = conformance.validate(with_reference(reference), uk_core=False)
        assert found(outcome, "nhsstd-reference") == [("error", "Bundle.entry[0].resource.subject.reference")]


def test_search_results_have_ids_and_links_are_unique() -> None:
    searchset = {
        "resourceType": "Bundle",
        "type": "searchset",
        "link": [{"relation": "self", "url": "https://a/1"}, {"relation": "self", "url": "https://a/2"}],
        "entry": [
            {
                "fullUrl": "urn:uuid:0b5c1b3e-7a0b-4d4a-9b54-0f9f4c0f2a11",
                "resource": {"resourceType": "Patient"},
            }
        ],
    }
    assert sorted(found(conformance.validate(searchset, uk_core=False), "nhsstd-bundle")) == [
        ("error", "Bundle.entry[0].resource"),
        ("error", "Bundle.link[1]"),
    ]


def test_attachment_size_matches_its_data() -> None:
    # datatypes.html Attachment.size: "The number of bytes of data that make up this attachment".
    photo = {"contentType": "text/plain", "data": "aGVsbG8=", "size": 6}  # "hello" is 5 bytes
    outcome = conformance.validate({"resourceType": "Patient", "photo": [photo]}, uk_core=False)
    assert found(outcome, "nhsstd-attachment") == [("error", "Patient.photo[0].size")]
    ok = conformance.validate({"resourceType": "Patient", "photo": [{**photo, "size": 5}]}, uk_core=False)
    assert found(ok, "nhsstd-attachment") == []


def test_absolute_systems_and_canonicals() -> None:
    coding = {"system": "local-codes", "code": "x"}
    outcome = conformance.validate(
        {"resourceType": "Patient", "maritalStatus": {"coding": [coding]}}, uk_core=False
    )
    assert found(outcome, "nhsstd-code") == [("error", "Patient.maritalStatus.coding[0].system")]
    questionnaire = {"resourceType": "Questionnaire", "status": "draft", "derivedFrom": ["Questionnaire/q1"]}
    outcome = conformance.validate(questionnaire, uk_core=False)
    assert found(outcome, "nhsstd-format") == [("error", "Questionnaire.derivedFrom[0]")]


def test_enable_when_names_no_inner_question() -> None:
    inner = {"linkId": "1.1", "type": "boolean"}
    group = {
        "linkId": "1",
        "type": "group",
        "item": [inner],
        "enableWhen": [{"question": "1.1", "operator": "exists", "answerBoolean": True}],
    }
    questionnaire = {"resourceType": "Questionnaire", "status": "draft", "item": [group]}
    outcome = conformance.validate(questionnaire, uk_core=False)
    assert found(outcome, "nhsstd-questionnaire") == [("error", "Questionnaire.item[0]")]


def test_identifier_value_in_another_form_than_the_wire_form() -> None:
    # UK Core Patient.identifier:nhsNumber.value: the 10 digits, without spaces; nothing coerced.
    for value in ("943 476 5919", "9434765919\n"):
        outcome = conformance.validate(
            {"resourceType": "Patient", "identifier": [{"system": NHS_NUMBER, "value": value}]}, uk_core=False
        )
        assert found(outcome, "nhsstd-identifier") == [("error", "Patient.identifier[0].value")]
        assert "9434765919" not in str(outcome)


def test_keys_that_are_not_element_names_stay_out_of_locations() -> None:
    outcome = conformance.validate({"resourceType": "Patient", "9434765918": "x"})
    assert found(outcome, "nhsstd-unknown-element") == [("error", "Patient")]
    assert "9434765918" not in str(
        conformance.validate('{"resourceType": "Patient", "9434765918": 1, "9434765918": 2}')
    )


def test_base64_near_miss_is_checked_in_linear_time() -> None:
    # The R4 base64Binary regex backtracks exponentially in Python's re; a linear equivalent is used.
    # 60 groups would take hours with the regex as written; the rule still rejects the value.
    outcome = conformance.validate({"resourceType": "Patient", "photo": [{"data": "QUFB " * 60 + "QU"}]})
    assert found(outcome, "nhsstd-format") == [("error", "Patient.photo[0].data")]


def test_malformed_package_is_a_typed_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nhsstd.conformance import PackageError

    monkeypatch.setenv("NHSSTD_CACHE_DIR", str(tmp_path / "cache"))
    broken = tmp_path / "ig"
    broken.mkdir()
    (broken / "sd.json").write_text('{"resourceType": "StructureDefinition", "url": "http://x/sd"}')
    with pytest.raises(PackageError, match="FHIR package") as caught:
        Validator(packages=[broken])
    assert caught.value.reason == "format"
    assert isinstance(caught.value, ValueError)
    not_a_tar = tmp_path / "ig.tgz"
    not_a_tar.write_bytes(b"not a tar archive")
    with pytest.raises(PackageError):
        Validator(packages=[not_a_tar])

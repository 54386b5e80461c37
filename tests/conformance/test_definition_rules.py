"""Rules of R4's definitional resources (StructureDefinition, ValueSet, CodeSystem, CapabilityStatement,
SearchParameter) that their definitions state in prose, and R4's own extension contexts.

Each test names the R4 4.0.1 text it checks (the element definitions in ../shared/fhir-packages);
each rule also makes nhsstd agree with the HL7 Java validator on a case of its test suite
(tests/conformance/test_fhir_test_cases.py), named beside it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nhsstd.conformance import Outcome, Validator
from nhsstd.conformance._compile import R4_DIR_NAME, UK_CORE_DIR_NAME, dump, read_package
from nhsstd.conformance._definitions import (
    SEARCH_PARAMETERS_FILE,
    compile_search_parameters,
    search_parameters,
)

FHIR_TYPE = "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type"
REGEX = "http://hl7.org/fhir/StructureDefinition/regex"
SP = "http://hl7.org/fhir/SearchParameter/"


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator()


def found(outcome: Outcome, rule: str) -> list[tuple[str, str]]:
    return [(issue.severity, issue.location) for issue in outcome.issues if issue.rule == rule]


def profile(*elements: dict[str, Any], type_name: str = "Observation") -> dict[str, Any]:
    return {
        "resourceType": "StructureDefinition",
        "url": "http://example.org/fhir/StructureDefinition/test",
        "name": "Test",
        "status": "draft",
        "kind": "resource",
        "abstract": False,
        "type": type_name,
        "baseDefinition": f"http://hl7.org/fhir/StructureDefinition/{type_name}",
        "derivation": "constraint",
        "differential": {"element": list(elements)},
    }


# --- extension contexts that R4's own definitions use (sd: structureDefinition-11179-objectClass-R4) ---


def test_fhir_type_and_regex_are_allowed_on_an_element_type(validator: Validator) -> None:
    # R4 declares structuredefinition-fhir-type on ElementDefinition.type.code and regex on
    # ElementDefinition, yet its own StructureDefinitions put both on ElementDefinition.type.
    kind = {
        "extension": [{"url": FHIR_TYPE, "valueUrl": "string"}, {"url": REGEX, "valueString": "[a-z]+"}],
        "code": "http://hl7.org/fhirpath/System.String",
    }
    sd = profile({"id": "Observation.id", "path": "Observation.id", "type": [kind]})
    assert found(validator.validate(sd, uk_core=False), "nhsstd-extension") == []


def test_fhir_type_stays_out_of_other_elements(validator: Validator) -> None:
    element = {
        "id": "Observation.id",
        "path": "Observation.id",
        "extension": [{"url": FHIR_TYPE, "valueUrl": "x"}],
    }
    outcome = validator.validate(profile(element), uk_core=False)
    assert found(outcome, "nhsstd-extension") == [
        ("error", "StructureDefinition.differential.element[0].extension[0]")
    ]


def test_r4_definitions_use_fhir_type_and_regex_where_they_are_allowed(
    validator: Validator, fhir_packages: Path
) -> None:
    bundle = json.loads((fhir_packages / R4_DIR_NAME / "profiles-types.json").read_bytes())
    misplaced = []
    for entry in bundle["entry"]:
        sd = entry["resource"]
        for issue in validator.validate(sd, uk_core=False).errors:
            if issue.rule == "nhsstd-extension" and ".type[" in issue.location:
                misplaced.append((sd["url"], issue.location))
    assert misplaced == []


# --- StructureDefinition: differential paths name elements (sd: obs-mz) -------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "Observation",
        "Observation.value[x]",
        "Observation.valueQuantity",  # a choice renamed to one of its types
        "Observation.valueQuantity.value",
        "Observation.value[x].unit",  # below a choice: an element of one of its types
        "Observation.code.coding.system",  # into a datatype
        "Observation.component.value[x]",  # into a backbone element
        "Observation.extension.url",
        "Observation.meta.profile",  # inherited from Resource
    ],
)
def test_a_differential_path_of_the_type_is_accepted(validator: Validator, path: str) -> None:
    outcome = validator.validate(profile({"id": path, "path": path}), uk_core=False)
    assert found(outcome, "nhsstd-structuredefinition") == []


def test_a_content_reference_is_followed(validator: Validator) -> None:
    path = "Questionnaire.item.item.linkId"  # Questionnaire.item.item is #Questionnaire.item
    outcome = validator.validate(
        profile({"id": path, "path": path}, type_name="Questionnaire"), uk_core=False
    )
    assert found(outcome, "nhsstd-structuredefinition") == []


@pytest.mark.parametrize(
    "path",
    ["Observation.valueBla", "Observation.code.text.value.x", "Observation.coding", "Observation.value"],
)
def test_a_differential_path_that_names_no_element_is_an_error(validator: Validator, path: str) -> None:
    sd = profile({"id": "Observation.status", "path": "Observation.status"}, {"id": path, "path": path})
    outcome = validator.validate(sd, uk_core=False)
    location = "StructureDefinition.differential.element[1].path"
    assert found(outcome, "nhsstd-structuredefinition") == [("error", location)]


def test_a_specialization_is_not_checked_against_a_base(validator: Validator) -> None:
    sd = profile({"id": "Observation.valueBla", "path": "Observation.valueBla"})
    sd["derivation"] = "specialization"
    assert found(validator.validate(sd, uk_core=False), "nhsstd-structuredefinition") == []


def test_every_r4_and_uk_core_profile_names_elements_of_its_type(
    validator: Validator, fhir_packages: Path
) -> None:
    definitions = list(read_package(fhir_packages / UK_CORE_DIR_NAME / "structuredefinitions"))
    for name in ("profiles-resources.json", "profiles-types.json", "extension-definitions.json"):
        bundle = json.loads((fhir_packages / R4_DIR_NAME / name).read_bytes())
        definitions += [entry["resource"] for entry in bundle["entry"]]
    constraints = [sd for sd in definitions if sd.get("derivation") == "constraint"]
    assert len(constraints) == 473  # 78 UK Core, 395 R4 (profiles and extensions)
    wrong = [
        (sd["url"], issue.location)
        for sd in constraints
        for issue in validator.validate(sd, uk_core=False).issues
        if issue.rule == "nhsstd-structuredefinition"
    ]
    assert wrong == []


# --- ValueSet.compose.include.system: "An absolute URI" (tx: vs-canonical-bad, -bad-2, -urn, -urn-bad) ---


def value_set(*includes: dict[str, Any], exclude: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    compose: dict[str, Any] = {"include": list(includes)}
    if exclude:
        compose["exclude"] = exclude
    return {"resourceType": "ValueSet", "status": "active", "compose": compose}


def test_a_relative_system_in_a_value_set_is_an_error(validator: Validator) -> None:
    vs = value_set(
        {"system": "http://example.org/cs"},
        {"system": "#local"},
        exclude=[{"system": "cs", "concept": [{"code": "a"}]}],
    )
    assert found(validator.validate(vs, uk_core=False), "nhsstd-valueset") == [
        ("error", "ValueSet.compose.include[1].system"),
        ("error", "ValueSet.compose.exclude[0].system"),
    ]


@pytest.mark.parametrize(
    "system", ["http://snomed.info/sct", "urn:oid:2.16.840.1.113883.6.1", "urn:uuid:0b1c"]
)
def test_an_absolute_system_in_a_value_set_is_accepted(validator: Validator, system: str) -> None:
    assert found(validator.validate(value_set({"system": system}), uk_core=False), "nhsstd-valueset") == []


# --- CodeSystem.content and property (tx: cs-bad-oid, supplement-2, cs-bad-props) ---------------------


def code_system(**facts: Any) -> dict[str, Any]:
    return {"resourceType": "CodeSystem", "url": "http://example.org/cs", "status": "active", **facts}


def test_not_present_content_has_no_concepts(validator: Validator) -> None:
    # codesystem-content-mode not-present: "None of the concepts ... are included in the code system resource"
    bad = code_system(content="not-present", concept=[{"code": "a"}])
    assert found(validator.validate(bad, uk_core=False), "nhsstd-codesystem") == [
        ("error", "CodeSystem.concept")
    ]
    good = code_system(content="not-present")
    assert found(validator.validate(good, uk_core=False), "nhsstd-codesystem") == []


def test_a_supplement_has_supplement_content_and_names_what_it_supplements(validator: Validator) -> None:
    wrong_content = code_system(content="complete", supplements="http://loinc.org", concept=[{"code": "a"}])
    no_target = code_system(content="supplement")
    good = code_system(content="supplement", supplements="http://loinc.org")
    assert found(validator.validate(wrong_content, uk_core=False), "nhsstd-codesystem") == [
        ("error", "CodeSystem.content")
    ]
    assert found(validator.validate(no_target, uk_core=False), "nhsstd-codesystem") == [
        ("error", "CodeSystem.content")
    ]
    assert found(validator.validate(good, uk_core=False), "nhsstd-codesystem") == []


def test_a_concept_property_has_the_type_r4_states(validator: Validator) -> None:
    # concept-properties: notSelectable "Property type is boolean"; parent "will be 'code'"
    properties = "http://hl7.org/fhir/concept-properties#"
    cs = code_system(
        content="complete",
        property=[
            {"code": "notSelectable", "uri": properties + "notSelectable", "type": "dateTime"},
            {"code": "parent", "uri": properties + "parent", "type": "code"},
            {"code": "status", "uri": properties + "status", "type": "code"},  # not one R4 defines
            {"code": "local", "uri": "http://example.org/p#notSelectable", "type": "dateTime"},
        ],
    )
    outcome = validator.validate(cs, uk_core=False)
    assert found(outcome, "nhsstd-codesystem") == [("error", "CodeSystem.property[0].type")]


# --- CapabilityStatement searchParam.type "SHALL be the same as the type in the search parameter
# definition" (api: capstmt) ---------------------------------------------------------------------------


def capability_statement(*parameters: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "CapabilityStatement",
        "status": "draft",
        "date": "2026-01-01",
        "kind": "requirements",
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [
            {"mode": "server", "resource": [{"type": "AllergyIntolerance", "searchParam": list(parameters)}]}
        ],
    }


def test_a_search_parameter_of_another_type_than_its_definition(validator: Validator) -> None:
    statement = capability_statement(
        {"name": "code", "definition": SP + "clinical-code", "type": "token"},
        {
            "name": "clinical-status",
            "definition": SP + "AllergyIntolerance-clinical-status|4.0.1",
            "type": "date",
        },
        {"name": "local", "definition": "http://example.org/SearchParameter/local", "type": "date"},
    )
    outcome = validator.validate(statement, uk_core=False)
    location = "CapabilityStatement.rest[0].resource[0].searchParam[1].type"
    assert found(outcome, "nhsstd-capabilitystatement") == [("error", location)]


def test_server_wide_search_parameters_are_checked_too(validator: Validator) -> None:
    statement = capability_statement()
    statement["rest"][0]["searchParam"] = [
        {"name": "code", "definition": SP + "clinical-code", "type": "string"}
    ]
    outcome = validator.validate(statement, uk_core=False)
    assert found(outcome, "nhsstd-capabilitystatement") == [
        ("error", "CapabilityStatement.rest[0].searchParam[0].type")
    ]


# --- SearchParameter.derivedFrom: "must be consistent with the definition from which it is defined"
# (api: sp-diff-type, sp-diff-base) ------------------------------------------------------------------------


def search_parameter(**facts: Any) -> dict[str, Any]:
    return {
        "resourceType": "SearchParameter",
        "url": "http://example.org/SearchParameter/name",
        "name": "Name",
        "status": "active",
        "description": "By name",
        "code": "name",
        "derivedFrom": SP + "Organization-name",
        "base": ["Organization"],
        "type": "string",
        "expression": "Organization.name",
        **facts,
    }


def test_a_derived_search_parameter_keeps_its_type_and_bases(validator: Validator) -> None:
    assert found(validator.validate(search_parameter(), uk_core=False), "nhsstd-searchparameter") == []
    shared = search_parameter(
        derivedFrom=SP + "clinical-code", base=["Observation", "Condition"], type="token"
    )
    assert found(validator.validate(shared, uk_core=False), "nhsstd-searchparameter") == []


def test_a_derived_search_parameter_of_another_type(validator: Validator) -> None:
    outcome = validator.validate(search_parameter(type="token"), uk_core=False)
    assert found(outcome, "nhsstd-searchparameter") == [("error", "SearchParameter.type")]


def test_a_derived_search_parameter_on_another_resource_type(validator: Validator) -> None:
    outcome = validator.validate(search_parameter(base=["Organization", "Patient"]), uk_core=False)
    assert found(outcome, "nhsstd-searchparameter") == [("error", "SearchParameter.base[1]")]


def test_a_search_parameter_derived_from_one_nhsstd_does_not_know(validator: Validator) -> None:
    unknown = search_parameter(derivedFrom="http://example.org/SearchParameter/other", type="token")
    assert found(validator.validate(unknown, uk_core=False), "nhsstd-searchparameter") == []


# --- the search-parameter facts --------------------------------------------------------------------


def test_shipped_search_parameters_equal_a_fresh_compile(fhir_packages: Path) -> None:
    fresh = dump(compile_search_parameters(fhir_packages / R4_DIR_NAME))
    assert SEARCH_PARAMETERS_FILE.read_text(encoding="utf-8") == fresh


def test_search_parameter_facts() -> None:
    facts = search_parameters()
    assert facts[SP + "Organization-name"] == ("string", frozenset({"Organization"}))
    kind, bases = facts[SP + "clinical-code"]
    assert kind == "token"
    assert {"AllergyIntolerance", "Condition", "Observation"} <= bases
    # the server-wide part of R4's base CapabilityStatement (placeholders, a mislabelled _sort) is left out
    assert SP + "id" not in facts
    assert SP + "Resource-source" not in facts
    assert len(facts) == 1366


# --- a ValueSet lists and filters on codes of its systems (tx: vs-bad-code, vs-bad-props) ------------


def test_a_value_set_lists_codes_of_its_systems(validator: Validator) -> None:
    vs = value_set(
        # SCTIDs: 22298006 is one, 2 is too short to be one (SNOMED CT's identifier grammar)
        {"system": "http://snomed.info/sct", "concept": [{"code": "22298006"}, {"code": "2"}]},
        # R4's administrative-gender is complete: "female" is one of its codes, "woman" is not
        {
            "system": "http://hl7.org/fhir/administrative-gender",
            "concept": [{"code": "female"}, {"code": "woman"}],
        },
        {"system": "http://example.org/cs", "concept": [{"code": "2"}]},  # unknown here: not checked
    )
    outcome = validator.validate(vs, uk_core=False)
    assert found(outcome, "nhsstd-code") == [
        ("error", "ValueSet.compose.include[0].concept[1].code"),
        ("error", "ValueSet.compose.include[1].concept[1].code"),
    ]


def test_a_filter_on_a_concept_names_a_code_of_the_system(validator: Validator) -> None:
    # filter-operator is-a: "... with the concept Id provided as the value"
    vs = value_set(
        {
            "system": "http://snomed.info/sct",
            "filter": [
                {"property": "concept", "op": "is-a", "value": "something"},
                {"property": "concept", "op": "is-a", "value": "22298006"},
                {"property": "constraint", "op": "=", "value": "<< 22298006"},  # ECL: not a code
            ],
        },
        {
            "system": "http://hl7.org/fhir/administrative-gender",
            "filter": [{"property": "concept", "op": "descendent-of", "value": "woman"}],
        },
    )
    outcome = validator.validate(vs, uk_core=False)
    assert found(outcome, "nhsstd-code") == [
        ("error", "ValueSet.compose.include[0].filter[0].value"),
        ("error", "ValueSet.compose.include[1].filter[0].value"),
    ]


def test_paths_are_checked_as_deep_as_the_walker_goes(validator: Validator) -> None:
    from nhsstd.conformance._definitions import _MAX_STEPS
    from nhsstd.conformance._validator import MAX_DEPTH

    assert _MAX_STEPS == MAX_DEPTH
    deep = "Observation" + ".extension" * (MAX_DEPTH - 2) + ".bogus"
    deeper = "Observation" + ".value[x].extension" * 50_000  # a 1 MB path costs nothing
    outcome = validator.validate(
        profile({"id": "a", "path": deep}, {"id": "b", "path": deeper}), uk_core=False
    )
    assert found(outcome, "nhsstd-structuredefinition") == [
        ("error", "StructureDefinition.differential.element[0].path")
    ]

"""Deliberately broken variants of valid UK Core examples each give the right error (issue 15).

Each variant breaks one rule of a valid example (tests/fixtures/ukcore-examples) and must give an
error at the element broken, from the rule broken, and no error anywhere else.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from nhsstd.conformance import Validator
from nhsstd.fhir import xml

EXAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "ukcore-examples"
UK_CORE = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-"

Resource = dict[str, Any]


def _example(stem: str) -> Resource:
    # The two Observation examples lack the FHIR namespace (see test_ukcore_examples.py).
    resource: Resource = xml.loads((EXAMPLES / f"{stem}-Example.xml").read_bytes(), require_namespace=False)
    return resource


def wrong_gender_code(patient: Resource) -> None:
    # Patient.gender: required binding to AdministrativeGender (male | female | other | unknown).
    patient["gender"] = "man"


def unknown_element(patient: Resource) -> None:
    # HumanName has no "nickname" element (R4 HumanName); JSON properties must be defined ones.
    patient["name"][0]["nickname"] = "Dick"


def bad_date(patient: Resource) -> None:
    # R4 date: a real calendar date; February has no 30th.
    patient["birthDate"] = "1970-02-30"


def extension_with_wrong_value_type(patient: Resource) -> None:
    # Extension-UKCore-EthnicCategory: value[x] is CodeableConcept only.
    extension = patient["extension"][0]
    del extension["valueCodeableConcept"]
    extension["valueString"] = "G"


def contact_without_details(patient: Resource) -> None:
    # pat-1: "SHALL at least contain a contact's details or a reference to an organization".
    patient["contact"][0] = {"relationship": patient["contact"][0]["relationship"]}


def bad_nhs_number_check_digit(patient: Resource) -> None:
    # NHS Number: the tenth digit is the modulus 11 check digit of the first nine (9912003888 is valid).
    patient["identifier"][0]["value"] = "9912003889"


def nhs_number_slice_exceeded(patient: Resource) -> None:
    # UKCore-Patient: identifier:nhsNumber is 0..1.
    patient["identifier"].append(copy.deepcopy(patient["identifier"][0]))


def reference_range_on_a_panel(panel: Resource) -> None:
    # UKCore-Observation-Group-Lab: Observation.referenceRange is 0..0 on a panel.
    panel["referenceRange"] = [{"text": "normal"}]


def wrong_fixed_system_in_slice(observation: Resource) -> None:
    # UKCore-Observation-Lab: category:laboratory (sliced by coding.code) fixes coding.system to
    # http://terminology.hl7.org/CodeSystem/observation-category.
    observation["category"][0]["coding"][0]["system"] = "http://terminology.hl7.org/CodeSystem/v2-0074"


PATIENT = ("UKCore-Patient-RichardSmith", "Patient")
LAB = ("UKCore-Observation-Lab-RedCellCount", "Observation-Lab")
PANEL = ("UKCore-Observation-Group-FullBloodCount", "Observation-Group-Lab")

VARIANTS: list[tuple[Callable[[Resource], None], tuple[str, str], str, str]] = [
    (wrong_gender_code, PATIENT, "Patient.gender", "nhsstd-binding"),
    (unknown_element, PATIENT, "Patient.name[0].nickname", "nhsstd-unknown-element"),
    (bad_date, PATIENT, "Patient.birthDate", "nhsstd-format"),
    (extension_with_wrong_value_type, PATIENT, "Patient.extension[0].value.ofType(string)", "nhsstd-type"),
    (contact_without_details, PATIENT, "Patient.contact[0]", "pat-1"),
    (bad_nhs_number_check_digit, PATIENT, "Patient.identifier[0].value", "nhsstd-identifier"),
    (nhs_number_slice_exceeded, PATIENT, "Patient.identifier", "nhsstd-slice"),
    (reference_range_on_a_panel, PANEL, "Observation.referenceRange", "nhsstd-cardinality"),
    (wrong_fixed_system_in_slice, LAB, "Observation.category[0].coding[0].system", "nhsstd-fixed"),
]


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator()


@pytest.mark.parametrize(
    ("break_it", "example", "location", "rule"), VARIANTS, ids=[variant[0].__name__ for variant in VARIANTS]
)
def test_broken_variant_gives_the_error(
    validator: Validator,
    break_it: Callable[[Resource], None],
    example: tuple[str, str],
    location: str,
    rule: str,
) -> None:
    stem, profile = example
    resource = _example(stem)
    profiles = [UK_CORE + profile]
    assert validator.validate(resource, profiles=profiles).ok  # valid before it is broken
    break_it(resource)
    errors = validator.validate(resource, profiles=profiles).errors
    assert (location, rule) in {(issue.location, issue.rule) for issue in errors}, errors
    # Nothing else is wrong: every error is at (or inside) the broken element.  The element broken
    # for the fixed system is one coding, whose code the wrong system also no longer defines.
    broken = location.removesuffix(".system").removesuffix(".value.ofType(string)")
    assert all(issue.location.startswith(broken) for issue in errors), errors


def test_messages_never_repeat_the_nhs_number(validator: Validator) -> None:
    patient = _example(PATIENT[0])
    bad_nhs_number_check_digit(patient)
    outcome = validator.validate(patient)
    assert not outcome.ok
    assert "9912003889" not in str(outcome)
    assert "9912003889" not in str(outcome.to_operation_outcome())

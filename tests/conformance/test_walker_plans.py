"""The walker's plans: what is worked out once per element gives the verdict the rule gives.

The walker decides, when it first meets an element of a profile set, which checks can apply
there (by JSON property name, by the JSON type of a primitive's value, by where an extension
is used).  Each test here states a FHIR R4 rule (https://hl7.org/fhir/R4/) in a form where a
plan shared too widely, or a check skipped for a whole element, would give a wrong verdict:
the same validator sees the element more than once, in different places or with values of
different JSON types.
"""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Any

import pytest

from nhsstd.conformance import Outcome, Validator

COLOUR = "http://example.org/fhir/StructureDefinition/colour"
#: Extension-UKCore-EthnicCategory: context Patient, not a modifier.
ETHNIC_CATEGORY = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory"
#: request-doNotPerform (R4 core): a modifier extension, context NutritionOrder.
DO_NOT_PERFORM = "http://hl7.org/fhir/StructureDefinition/request-doNotPerform"


def found(outcome: Outcome, rule: str) -> list[tuple[str, str, str]]:
    return [(i.severity, i.location, i.message) for i in outcome.issues if i.rule == rule]


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator()


# --- JSON property names (json.html 2.6.2) ---------------------------------------------------------


def test_every_kind_of_property_name_in_one_node(validator: Validator) -> None:
    # json.html 2.6.2: a primitive's id and extensions go in "_name" beside (or instead of) "name";
    # only primitives have one; "resourceType" belongs to resources; any other name is unknown.
    extension = {"extension": [{"url": COLOUR, "valueString": "x"}]}
    patient = {
        "resourceType": "Patient",
        "_birthDate": extension,  # extras alone: walked on their own
        "gender": "female",
        "_gender": extension,  # walked with "gender"
        "_name": extension,  # name is not a primitive
        "nickname": "Jo",
        "_nickname": {"id": "n"},  # the extras of an unknown element: one issue, for the element
        "contact": [{"resourceType": "Patient", "name": {"text": "A"}}],  # not a resource
        1: "one",
    }
    for _ in range(2):  # the second time from the node's table
        outcome = validator.validate(patient, uk_core=False)
        assert [(i.location, i.rule) for i in outcome.errors] == [
            ("Patient.birthDate.extension[0]", "nhsstd-extension"),
            ("Patient.gender.extension[0]", "nhsstd-extension"),
            ("Patient._name", "nhsstd-unknown-element"),
            ("Patient.nickname", "nhsstd-unknown-element"),
            ("Patient.contact[0].resourceType", "nhsstd-unknown-element"),
            ("Patient", "nhsstd-shape"),
        ]


# --- primitive values (json.html 2.6.2: the JSON type of each primitive) ---------------------------


class Gender(enum.StrEnum):
    FEMALE = "female"


class Births(enum.IntEnum):
    TWINS = 2


@pytest.mark.parametrize(
    ("element", "value", "valid"),
    [
        ("gender", Gender.FEMALE, True),  # a str subclass is a JSON string
        ("multipleBirthInteger", Births.TWINS, True),  # an int subclass is a JSON number
        ("multipleBirthInteger", True, False),  # a JSON boolean is not a number
        ("multipleBirthInteger", Decimal(2), False),  # integer: no decimal
        ("gender", 1, False),  # a code is a JSON string
        ("gender", Decimal("1"), False),
        ("active", 1, False),
        ("birthDate", ["1970-01-01"], False),
    ],
)
def test_primitive_json_types(validator: Validator, element: str, value: Any, valid: bool) -> None:
    validator.validate({"resourceType": "Patient", element: "x"}, uk_core=False)  # a string first
    outcome = validator.validate({"resourceType": "Patient", element: value}, uk_core=False)
    shape_or_type = [i for i in outcome.errors if i.rule in ("nhsstd-type", "nhsstd-shape")]
    # a choice's location names the type (Patient.multipleBirth.ofType(integer))
    location = (
        "Patient.multipleBirth.ofType(integer)" if element == "multipleBirthInteger" else f"Patient.{element}"
    )
    assert [i.location for i in shape_or_type] == ([] if valid else [location])


# --- extensions (extensibility.html 2.5.0, StructureDefinition.context, isModifier) ---------------


def test_one_extension_judged_by_where_it_is(validator: Validator) -> None:
    # StructureDefinition.context: EthnicCategory may be used on a Patient, not on its contacts;
    # the same extension in the same resource gets both verdicts, in either order.
    ethnic = {"url": ETHNIC_CATEGORY, "valueCodeableConcept": {"text": "A"}}
    contact = {"name": {"text": "B"}, "extension": [ethnic]}
    for patient in (
        {"resourceType": "Patient", "extension": [ethnic], "contact": [contact]},
        {"resourceType": "Patient", "contact": [contact], "extension": [ethnic]},
    ):
        outcome = validator.validate(patient)
        assert found(outcome, "nhsstd-extension") == [
            ("error", "Patient.contact[0].extension[0]", "the extension is not allowed on this element")
        ]


def test_modifier_and_ordinary_extensions_kept_apart(validator: Validator) -> None:
    # extensibility.html 2.5.0: an extension that changes the meaning of its element
    # (isModifier) goes in modifierExtension, and only such an extension may go there.
    ethnic = {"url": ETHNIC_CATEGORY, "valueCodeableConcept": {"text": "A"}}
    do_not_perform = {"url": DO_NOT_PERFORM, "valueBoolean": True}
    order = {
        "resourceType": "NutritionOrder",
        "status": "active",
        "intent": "order",
        "dateTime": "2024-01-01",
        "patient": {"reference": "Patient/1"},
    }
    good = validator.validate({**order, "modifierExtension": [do_not_perform]})
    assert found(good, "nhsstd-extension") == []
    bad = validator.validate({**order, "extension": [do_not_perform]})
    assert found(bad, "nhsstd-extension") == [
        ("error", "NutritionOrder.extension[0]", "this extension must be used as a modifierExtension")
    ]
    patient = validator.validate({"resourceType": "Patient", "modifierExtension": [ethnic]})
    assert found(patient, "nhsstd-extension") == [
        ("error", "Patient.modifierExtension[0]", "this extension must be used as a extension")
    ]


def test_an_extension_with_a_property_name_that_is_not_text(validator: Validator) -> None:
    # json.html 2.6.2: property names are strings; ext-1 still looks for a value[x].
    ethnic = {"url": ETHNIC_CATEGORY, 1: "x", "valueCodeableConcept": {"text": "A"}}
    outcome = validator.validate({"resourceType": "Patient", "extension": [ethnic]})
    assert [(i.location, i.rule) for i in outcome.errors] == [("Patient.extension[0]", "nhsstd-shape")]


def test_extensions_of_unknown_urls_do_not_grow_the_plans(validator: Validator) -> None:
    # Unknown URLs and names are each reported, but plans are only made for what the pack defines,
    # so a stream of made-up extensions or property names does not grow a shared Validator.
    def patient(number: int) -> dict[str, Any]:
        extension = {"url": f"{COLOUR}{number}", "valueString": "x"}
        return {"resourceType": "Patient", f"made{number}": 1, "extension": [extension]}

    def plans() -> tuple[int, int, int]:
        nodes = walker._nodes.values()
        entries = [entry for node in nodes for entry in node.props.values()]
        return len(nodes), len(entries), sum(len(prop.items) for _, prop in entries)

    walker = validator._walker
    validator.validate(patient(0))
    before = plans()
    for number in range(1, 50):
        outcome = validator.validate(patient(number))
        assert found(outcome, "nhsstd-extension") == [
            ("error", "Patient.extension[0]", "the extension is not known")
        ]
        assert [i.location for i in outcome.errors if i.rule == "nhsstd-unknown-element"] == [
            f"Patient.made{number}"
        ]
    assert plans() == before

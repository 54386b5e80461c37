"""The R4 structure model shipped in nhsstd/fhir/_data (facts from the R4 4.0.1 snapshots)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import orjson
import pytest

from nhsstd.fhir._structure import (
    STRUCTURE_FILE,
    ElementInfo,
    R4Model,
    compile_structure,
    dump_structure,
    r4_model,
)

MODEL = r4_model()


def test_the_model_is_loaded_once_and_shared_across_threads() -> None:
    seen: list[R4Model] = []
    threads = [threading.Thread(target=lambda: seen.append(r4_model())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(model is MODEL for model in seen)


def test_types_are_indexed_on_first_use_with_one_answer_for_every_thread() -> None:
    # The model indexes a type when a path into it is first looked up; threads racing to
    # index the same types must all see the same, complete elements.
    data = orjson.loads(STRUCTURE_FILE.read_bytes())
    paths = [row[0] for facts in data["types"].values() for row in facts["elements"]]
    paths += ["Patient.name.given", "Observation.valueQuantity", "Questionnaire.item.item.linkId"]
    shared = R4Model(data)
    seen: list[dict[str, ElementInfo | None]] = []

    def look_up(start: int) -> None:
        order = paths[start:] + paths[:start]
        seen.append({path: shared.element(path) for path in order})

    threads = [threading.Thread(target=look_up, args=(n * len(paths) // 8,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    alone = R4Model(data)
    expected = {path: alone.element(path) for path in paths}
    assert len(seen) == 8
    assert all(found == expected for found in seen)
    assert all(found[path] is seen[0][path] for found in seen for path in paths)
    assert None not in expected.values()


def test_r4_has_its_resources_and_types() -> None:
    abstract = {info.name for info in MODEL.types() if info.abstract}
    assert abstract == {"Resource", "DomainResource", "Element", "BackboneElement"}
    primitives = {info.name for info in MODEL.types() if info.kind == "primitive-type"}
    # the R4 primitives (datatypes.html) and the narrative's xhtml
    assert {
        "boolean",
        "integer",
        "decimal",
        "string",
        "uri",
        "dateTime",
        "positiveInt",
        "xhtml",
    } <= primitives
    assert MODEL.type("Parameters").kind == "resource"  # type: ignore[union-attr]
    assert MODEL.type("Patient") is not None
    assert (MODEL.type("Patient").base, MODEL.type("Patient").abstract) == ("DomainResource", False)  # type: ignore[union-attr]
    assert MODEL.type("DomainResource").abstract  # type: ignore[union-attr]
    assert MODEL.type("HumanName").kind == "complex-type"  # type: ignore[union-attr]
    assert MODEL.type("SimpleQuantity") is None  # a constraint on Quantity, not a type
    assert MODEL.type("NoSuchType") is None
    assert MODEL.is_primitive("dateTime")
    assert not MODEL.is_primitive("HumanName")


@pytest.mark.parametrize(
    ("path", "minimum", "maximum", "types", "is_array"),
    [
        ("Patient.id", 0, "1", ("id",), False),  # Resource.id is an id (resource.html)
        ("Patient.name", 0, "*", ("HumanName",), True),
        ("Patient.contact.name", 0, "1", ("HumanName",), False),
        ("Patient.name.given", 0, "*", ("string",), True),  # walks into HumanName
        ("Extension.url", 1, "1", ("uri",), False),  # a FHIRPath System.String in R4's definitions
        ("Element.id", 0, "1", ("string",), False),
        ("Narrative.div", 1, "1", ("xhtml",), False),
        ("Bundle.entry.resource", 0, "1", ("Resource",), False),
        ("Questionnaire.item.item", 0, "*", ("BackboneElement",), True),
        ("Questionnaire.item.item.linkId", 1, "1", ("string",), False),
        (
            "Questionnaire.item.item.item.answerOption.valueCoding",
            1,
            "1",
            ("integer", "date", "time", "string", "Coding", "Reference"),
            False,
        ),
    ],
)
def test_elements_have_their_cardinality_and_types(
    path: str, minimum: int, maximum: str, types: tuple[str, ...], is_array: bool
) -> None:
    element = MODEL.element(path)
    assert element is not None
    assert (element.min, element.max, element.types, element.is_array) == (minimum, maximum, types, is_array)


def test_content_references_are_resolved() -> None:
    nested = MODEL.element("Questionnaire.item.item")
    assert nested is not None
    assert nested.content_reference == "Questionnaire.item"
    assert MODEL.children_of(nested, "BackboneElement") == "Questionnaire.item"
    assert MODEL.element("Questionnaire.item.item.linkId") is MODEL.element("Questionnaire.item.linkId")


@pytest.mark.parametrize(
    ("parent", "name", "path", "type_code"),
    [
        ("Observation", "valueQuantity", "Observation.value[x]", "Quantity"),
        ("Observation", "valueDateTime", "Observation.value[x]", "dateTime"),
        ("Observation", "effectiveInstant", "Observation.effective[x]", "instant"),
        ("Patient", "deceasedBoolean", "Patient.deceased[x]", "boolean"),
        ("Extension", "valueBase64Binary", "Extension.value[x]", "base64Binary"),
        ("Patient.name", "family", "HumanName.family", "string"),
        ("Patient.contact", "relationship", "Patient.contact.relationship", "CodeableConcept"),
        ("Patient.birthDate", "extension", "date.extension", "Extension"),
        ("date", "value", "date.value", "date"),
    ],
)
def test_child_resolves_json_names(parent: str, name: str, path: str, type_code: str) -> None:
    found = MODEL.child(parent, name)
    assert found is not None
    element, code = found
    assert (element.path, code) == (path, type_code)
    assert element.is_choice == path.endswith("[x]")


@pytest.mark.parametrize(
    ("parent", "name"),
    [
        ("Observation", "value"),
        ("Observation", "valueFoo"),
        ("Observation", "valueHumanName"),
        ("Patient", "nhsNumber"),
        ("NoSuchType", "id"),
        ("Patient.nope", "id"),
        ("Patient.name.family", "nothing"),
    ],
)
def test_unknown_names_are_none(parent: str, name: str) -> None:
    assert MODEL.child(parent, name) is None
    assert MODEL.element(f"{parent}.{name}") is None


def test_xml_attributes_and_definition_order() -> None:
    children = MODEL.children("Extension")
    assert children is not None
    attributes = sorted(name for name, (element, _) in children.items() if element.xml_attribute)
    assert attributes == ["id", "url"]
    patient = MODEL.children("Patient")
    assert patient is not None
    order = [
        name for name in ("id", "meta", "text", "extension", "identifier", "name", "gender", "birthDate")
    ]
    assert [patient[name][0].order for name in order] == sorted(patient[name][0].order for name in order)
    # Resource.id is an element in XML, Element.id an attribute
    assert not patient["id"][0].xml_attribute
    assert MODEL.child("HumanName", "id")[0].xml_attribute  # type: ignore[index]


def test_modifier_and_summary_flags() -> None:
    active = MODEL.element("Patient.active")
    assert active is not None
    assert (active.is_modifier, active.is_summary) == (True, True)
    contact = MODEL.element("Patient.contact")
    assert contact is not None
    assert (contact.is_modifier, contact.is_summary) == (False, False)


def test_compile_structure_keeps_facts_only(tmp_path: Path) -> None:
    definition = {
        "resourceType": "StructureDefinition",
        "kind": "resource",
        "type": "Widget",
        "abstract": False,
        "derivation": "specialization",
        "baseDefinition": "http://hl7.org/fhir/StructureDefinition/DomainResource",
        "description": "prose that must not be shipped",
        "snapshot": {
            "element": [
                {"path": "Widget", "min": 0, "max": "*", "definition": "prose"},
                {
                    "path": "Widget.id",
                    "min": 0,
                    "max": "1",
                    "base": {"path": "Resource.id", "min": 0, "max": "1"},
                    "type": [{"code": "http://hl7.org/fhirpath/System.String"}],
                },
                {
                    "path": "Widget.part",
                    "min": 1,
                    "max": "*",
                    "isModifier": True,
                    "type": [{"code": "BackboneElement"}],
                },
                {"path": "Widget.part.part", "min": 0, "max": "*", "contentReference": "#Widget.part"},
                {
                    "path": "Widget.value[x]",
                    "min": 0,
                    "max": "1",
                    "isSummary": True,
                    "type": [{"code": "string"}, {"code": "Quantity"}],
                },
            ]
        },
    }
    constraint = dict(definition, type="Gadget", derivation="constraint")
    bundle = {"resourceType": "Bundle", "entry": [{"resource": definition}, {"resource": constraint}]}
    (tmp_path / "profiles-resources.json").write_text(json.dumps(bundle), encoding="utf-8")
    (tmp_path / "profiles-types.json").write_text(
        json.dumps({"resourceType": "Bundle", "entry": []}), encoding="utf-8"
    )
    compiled = compile_structure(tmp_path)
    assert compiled == {
        "fhirVersion": "4.0.1",
        "types": {
            "Widget": {
                "kind": "resource",
                "base": "DomainResource",
                "abstract": False,
                "elements": [
                    ["Widget.id", 0, "1", ["id"], "", None],
                    ["Widget.part", 1, "*", ["BackboneElement"], "m", None],
                    ["Widget.part.part", 0, "*", [], "", "Widget.part"],
                    ["Widget.value[x]", 0, "1", ["string", "Quantity"], "s", None],
                ],
            }
        },
    }
    assert b"prose" not in dump_structure(compiled)
    assert dump_structure(compiled) == dump_structure(json.loads(dump_structure(compiled)))
    model = R4Model(orjson.loads(dump_structure(compiled)))
    assert model.element("Widget.part.part.part") == model.element("Widget.part.part")
    assert model.child("Widget", "valueQuantity") == (model.element("Widget.value[x]"), "Quantity")


def test_the_shipped_file_is_a_compact_fact_file() -> None:
    data = orjson.loads(STRUCTURE_FILE.read_bytes())
    assert data["fhirVersion"] == "4.0.1"
    assert STRUCTURE_FILE.read_bytes() == dump_structure(data)  # deterministic form
    assert STRUCTURE_FILE.stat().st_size < 600_000
    assert all(
        isinstance(row[0], str) and len(row) == 6
        for facts in data["types"].values()
        for row in facts["elements"]
    )


def test_element_info_is_immutable() -> None:
    element = MODEL.element("Patient.name")
    assert isinstance(element, ElementInfo)
    with pytest.raises(AttributeError):
        element.min = 1  # type: ignore[misc]
    assert element.name == "name"

"""FHIRPath invariants (nhsstd.conformance._fhirpath) on the constraints of FHIR R4 and UK Core.

Each test takes the constraint's expression from the published definitions
and checks it against data built to meet or break the constraint's human
text (quoted in the test).
"""

from __future__ import annotations

import copy
import json
import threading
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from nhsstd.conformance._fhirpath import InvariantEngine
from nhsstd.conformance._terminology import BoundValueSet, Membership, Terminology

XHTML = "http://www.w3.org/1999/xhtml"
FHIR = "{http://hl7.org/fhir}"


@pytest.fixture(scope="module")
def r4(fhir_packages: Path) -> dict[tuple[str, str], str]:
    """R4 constraint expressions by (element path, key)."""
    found: dict[tuple[str, str], str] = {}
    for name in ("profiles-resources.json", "profiles-types.json"):
        bundle = json.loads((fhir_packages / "hl7.fhir.r4.core-4.0.1" / name).read_bytes())
        for entry in bundle["entry"]:
            for element in entry["resource"].get("snapshot", {}).get("element", []):
                for constraint in element.get("constraint", []):
                    if "expression" in constraint:
                        found.setdefault((element["path"], constraint["key"]), constraint["expression"])
    return found


@pytest.fixture(scope="module")
def engine() -> InvariantEngine:
    return InvariantEngine()


def check(
    engine: InvariantEngine,
    expression: str,
    node: Any,
    type_name: str,
    *,
    resource: Mapping[str, Any] | None = None,
    bundle: Mapping[str, Any] | None = None,
) -> bool | None:
    resource = resource if resource is not None else node
    return engine.check(
        "test", expression, node, resource=resource, root=resource, type_name=type_name, bundle=bundle
    )


def test_pat_1_contact_details(engine: InvariantEngine, r4: dict[tuple[str, str], str]) -> None:
    # pat-1: "SHALL at least contain a contact's details or a reference to an organization".
    pat_1 = r4["Patient.contact", "pat-1"]
    assert check(engine, pat_1, {"relationship": [{"text": "next of kin"}]}, "Patient.contact") is False
    assert check(
        engine, pat_1, {"telecom": [{"system": "phone", "value": "01632 960000"}]}, "Patient.contact"
    )
    assert check(engine, pat_1, {"organization": {"reference": "Organization/x"}}, "Patient.contact")


def test_per_1_start_before_end(engine: InvariantEngine, r4: dict[tuple[str, str], str]) -> None:
    # per-1: "If present, start SHALL have a lower value than end".
    per_1 = r4["Period", "per-1"]
    assert check(engine, per_1, {"start": "2024-01-01", "end": "2023-12-31"}, "Period") is False
    assert check(engine, per_1, {"start": "2023-01-01", "end": "2023-12-31"}, "Period") is True
    assert (
        check(engine, per_1, {"start": "2023-01-01T10:00:00Z", "end": "2023-01-01T09:00:00Z"}, "Period")
        is False
    )
    assert check(engine, per_1, {"end": "2023-12-31"}, "Period") is True
    # A date against a dateTime of the same day cannot be ordered: empty, which is not met
    # (the HL7 validator fails it: fhir-test-cases encounter-period).
    assert check(engine, per_1, {"start": "2023-06-21", "end": "2023-06-21T06:20:00Z"}, "Period") is False


def test_has_value_ignores_extension_only_primitives(engine: InvariantEngine) -> None:
    # FHIR R4 2.1.9.1: hasValue() is true for a single primitive that has a value, "as opposed to
    # not having a value and just having extensions".
    absent = {"url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason", "valueCode": "unknown"}
    assert check(
        engine, "birthDate.hasValue()", {"resourceType": "Patient", "birthDate": "2000-01-01"}, "Patient"
    )
    only_extension = {"resourceType": "Patient", "_birthDate": {"extension": [absent]}}
    assert check(engine, "birthDate.hasValue()", only_extension, "Patient") is False
    assert check(engine, "birthDate.exists()", only_extension, "Patient") is True
    both = {"resourceType": "Patient", "birthDate": "2000-01-01", "_birthDate": {"extension": [absent]}}
    assert check(engine, "birthDate.hasValue()", both, "Patient") is True
    assert (
        check(engine, "name.hasValue()", {"resourceType": "Patient", "name": [{"family": "A"}]}, "Patient")
        is False
    )


def test_primitives_with_extensions_are_one_value(
    engine: InvariantEngine, r4: dict[tuple[str, str], str]
) -> None:
    # A primitive's value and its "_name" extensions are one element (FHIR R4 json.html, "Representing
    # primitive elements"); fhirpathpy yields them as two items.
    absent = {
        "extension": [
            {"url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason", "valueCode": "unknown"}
        ]
    }
    per_1 = r4["Period", "per-1"]
    assert (
        check(engine, per_1, {"start": "2024-01-01", "_start": absent, "end": "2023-12-31"}, "Period")
        is False
    )
    assert (
        check(engine, per_1, {"start": "2022-01-01", "_start": absent, "end": "2023-12-31"}, "Period") is True
    )
    assert check(engine, per_1, {"_start": absent, "end": "2023-12-31"}, "Period") is True  # no start value
    not_done = {"resourceType": "Immunization", "status": "not-done", "_status": absent}
    assert check(engine, "status != 'not-done' or statusReason.exists()", not_done, "Immunization") is False
    assert check(engine, "status.count() = 1", not_done, "Immunization") is True
    names = {"resourceType": "Patient", "name": [{"given": ["A", "B"], "_given": [None, absent]}]}
    assert check(engine, "name.given.count() = 2", names, "Patient") is True


@pytest.mark.parametrize(
    ("div", "expected"),
    [
        (f'<div xmlns="{XHTML}"><p>A <b>summary</b></p></div>', True),
        (f'<div xmlns="{XHTML}"><table><tr><td>1</td></tr></table></div>', True),
        (f'<div xmlns="{XHTML}"><img src="#photo" alt=""/></div>', True),
        (f'<div xmlns="{XHTML}"><a href="http://example.org" style="color: red">link</a></div>', True),
        (f'<div xmlns="{XHTML}"><pre xml:space="preserve">  a  b</pre></div>', True),
        # txt-2: "The narrative SHALL have some non-whitespace content".
        (f'<div xmlns="{XHTML}">  <p> </p> </div>', False),
        # txt-1: only basic formatting elements and attributes; no scripts, forms, event handlers.
        (f'<div xmlns="{XHTML}"><script>alert(1)</script>text</div>', False),
        (f'<div xmlns="{XHTML}"><p onclick="alert(1)">text</p></div>', False),
        (f'<div xmlns="{XHTML}"><form><input/></form>text</div>', False),
        ("<div><p>no XHTML namespace</p></div>", False),
        (f'<p xmlns="{XHTML}">not a div</p>', False),
        (f'<div xmlns="{XHTML}"><p>unclosed</div>', False),
        # A DTD with entities (billion laughs) is refused by the safe parser.
        (f'<!DOCTYPE d [<!ENTITY a "aaaa">]><div xmlns="{XHTML}">&a;</div>', False),
    ],
)
def test_txt_1_and_txt_2_html_checks(
    engine: InvariantEngine, r4: dict[tuple[str, str], str], div: str, expected: bool
) -> None:
    for key in ("txt-1", "txt-2"):
        assert check(engine, r4["Narrative.div", key], div, "xhtml", resource={}) is expected


def test_ref_1_contained_reference(engine: InvariantEngine, r4: dict[tuple[str, str], str]) -> None:
    # ref-1: "SHALL have a contained resource if a local reference is provided".
    ref_1 = r4["Reference", "ref-1"]
    patient = {"resourceType": "Patient", "contained": [{"resourceType": "Organization", "id": "gp"}]}
    assert check(engine, ref_1, {"reference": "#gp"}, "Reference", resource=patient) is True
    assert check(engine, ref_1, {"reference": "#other"}, "Reference", resource=patient) is False
    assert check(engine, ref_1, {"reference": "Organization/gp"}, "Reference", resource=patient) is True
    # A Reference with only a display has no local reference (the HL7 validator accepts it:
    # fhir-test-cases jv-patient-good); "#" alone is the container (R4 references.html).
    assert check(engine, ref_1, {"display": "Dr A"}, "Reference", resource=patient) is True
    gp = patient["contained"][0]
    assert engine.check("ref-1", ref_1, {"reference": "#"}, resource=gp, root=patient, type_name="Reference")


def test_canonical_names_usable_as_identifiers(
    engine: InvariantEngine, r4: dict[tuple[str, str], str]
) -> None:
    # vsd-0 (and the other -0 rules): "Name should be usable as an identifier for the module by
    # machine processing applications such as code generation".
    vsd_0 = r4["ValueSet", "vsd-0"]
    assert check(engine, vsd_0, {"resourceType": "ValueSet", "name": "BodySites"}, "ValueSet") is True
    assert check(engine, vsd_0, {"resourceType": "ValueSet", "name": "bodySites"}, "ValueSet") is False
    assert check(engine, vsd_0, {"resourceType": "ValueSet", "name": "Body sites"}, "ValueSet") is False
    assert check(engine, vsd_0, {"resourceType": "ValueSet", "status": "draft"}, "ValueSet") is True


def test_dom_3_contained_resources_are_referenced(
    engine: InvariantEngine, r4: dict[tuple[str, str], str]
) -> None:
    # dom-3: "If the resource is contained in another resource, it SHALL be referred to from
    # elsewhere in the resource or SHALL refer to the containing resource".  The expression applies
    # as() to all descendants, which fhirpathpy alone refuses for more than one item.
    dom_3 = r4["Patient", "dom-3"]
    gp = {"resourceType": "Organization", "id": "gp", "name": "The Surgery"}
    referenced = {
        "resourceType": "Patient",
        "contained": [gp],
        "name": [{"family": "A"}],
        "generalPractitioner": [{"reference": "#gp"}],
    }
    assert check(engine, dom_3, referenced, "Patient") is True
    unreferenced = {key: value for key, value in referenced.items() if key != "generalPractitioner"}
    assert check(engine, dom_3, unreferenced, "Patient") is False


def test_dom_3_counts_links_from_the_narrative(
    engine: InvariantEngine, r4: dict[tuple[str, str], str]
) -> None:
    # dom-3's "referred to from elsewhere in the resource" includes the narrative: an image
    # shown from a contained Binary (fhir-test-cases binary-ref-internal, valid for the HL7 validator).
    image = {"resourceType": "Binary", "id": "photo", "contentType": "image/png", "data": "iVBORw0KGgo="}
    div = f'<div xmlns="{XHTML}"><img src="#photo" alt="a photo"/></div>'
    patient = {"resourceType": "Patient", "contained": [image], "text": {"status": "generated", "div": div}}
    assert check(engine, r4["Patient", "dom-3"], patient, "Patient") is True
    patient["text"]["div"] = f'<div xmlns="{XHTML}"><p>No image</p></div>'
    assert check(engine, r4["Patient", "dom-3"], patient, "Patient") is False


def test_que_12_more_than_one_enable_when(engine: InvariantEngine, r4: dict[tuple[str, str], str]) -> None:
    # que-12: "If there are more than one enableWhen, enableBehavior must be specified" (the
    # published expression says "> 2").
    que_12 = r4["Questionnaire.item", "que-12"]
    condition = {"question": "q1", "operator": "exists", "answerBoolean": True}
    item = {"linkId": "q2", "type": "boolean", "enableWhen": [condition, condition]}
    assert check(engine, que_12, item, "Questionnaire.item", resource={}) is False
    assert check(engine, que_12, item | {"enableBehavior": "all"}, "Questionnaire.item", resource={}) is True
    assert (
        check(engine, que_12, item | {"enableWhen": [condition]}, "Questionnaire.item", resource={}) is True
    )


def test_trace_prints_nothing(
    engine: InvariantEngine, r4: dict[tuple[str, str], str], capsys: pytest.CaptureFixture[str]
) -> None:
    # ref-1 traces the reference and the contained ids: they must not reach standard output.
    patient = {"resourceType": "Patient", "contained": [{"resourceType": "Organization", "id": "secret-id"}]}
    assert check(engine, r4["Reference", "ref-1"], {"reference": "#secret-id"}, "Reference", resource=patient)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ""


def _care_team_bundle() -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": "urn:uuid:6a1c0f38-1d6b-4c37-9d35-7d0c2f1f2a11",
                "resource": {"resourceType": "Patient", "id": "p"},
            },
            {
                "fullUrl": "https://example.org/fhir/Practitioner/d",
                "resource": {"resourceType": "Practitioner", "id": "d"},
            },
        ],
    }  # fmt: skip


@pytest.mark.parametrize(
    ("member", "expected"),
    [
        ("urn:uuid:6a1c0f38-1d6b-4c37-9d35-7d0c2f1f2a11", False),  # a Patient, by fullUrl
        ("https://example.org/fhir/Practitioner/d", True),  # by fullUrl
        ("Practitioner/d", True),  # by type and id
        ("Practitioner/unknown", True),  # unresolved: resolve() gives nothing, iif(empty(), true, ...)
    ],
)
def test_ctm_1_resolves_within_the_bundle(
    engine: InvariantEngine, r4: dict[tuple[str, str], str], member: str, expected: bool
) -> None:
    # ctm-1: "CareTeam.participant.onBehalfOf can only be populated when CareTeam.participant.member
    # is a Practitioner".
    participant = {"member": {"reference": member}, "onBehalfOf": {"reference": "Organization/o"}}
    care_team = {"resourceType": "CareTeam", "participant": [participant]}
    result = check(
        engine, r4["CareTeam.participant", "ctm-1"], participant, "CareTeam.participant",
        resource=care_team, bundle=_care_team_bundle(),
    )  # fmt: skip
    assert result is expected


def test_bdl_11_document_starts_with_composition(
    engine: InvariantEngine, r4: dict[tuple[str, str], str]
) -> None:
    # bdl-11: "A document must have a Composition as the first resource".
    bundle = _care_team_bundle() | {"type": "document"}
    assert check(engine, r4["Bundle", "bdl-11"], bundle, "Bundle") is False
    bundle["entry"] = [{"resource": {"resourceType": "Composition", "id": "c"}}, *bundle["entry"]]
    assert check(engine, r4["Bundle", "bdl-11"], bundle, "Bundle") is True


def test_ras_2_choice_type(engine: InvariantEngine, r4: dict[tuple[str, str], str]) -> None:
    # ras-2: "Must be <= 100" for probability as a decimal (probability[x] is decimal | Range).
    ras_2 = r4["RiskAssessment.prediction", "ras-2"]
    assert (
        check(engine, ras_2, {"probabilityDecimal": 150}, "RiskAssessment.prediction", resource={}) is False
    )
    assert (
        check(engine, ras_2, {"probabilityDecimal": 40.5}, "RiskAssessment.prediction", resource={}) is True
    )
    ranged = {"probabilityRange": {"low": {"value": 150}}}
    assert check(engine, ras_2, ranged, "RiskAssessment.prediction", resource={}) is True


def _uk_core_constraint(fhir_packages: Path, key: str) -> str:
    for path in sorted((fhir_packages / "uk-core-2.0.2" / "structuredefinitions").glob("*.xml")):
        for constraint in ET.parse(path).getroot().iter(FHIR + "constraint"):
            key_element = constraint.find(FHIR + "key")
            expression = constraint.find(FHIR + "expression")
            if key_element is not None and key_element.get("value") == key and expression is not None:
                return str(expression.get("value"))
    raise AssertionError(f"no UK Core constraint {key}")


def test_uk_core_immunization_not_done_needs_a_reason(engine: InvariantEngine, fhir_packages: Path) -> None:
    # ukcore-imm-001: "If the status is 'not-done', the statusReason SHALL be present".
    expression = _uk_core_constraint(fhir_packages, "ukcore-imm-001")
    not_done = {"resourceType": "Immunization", "status": "not-done"}
    assert check(engine, expression, not_done, "Immunization") is False
    reason = {"coding": [{"system": "http://snomed.info/sct", "code": "281399006"}]}
    assert check(engine, expression, not_done | {"statusReason": reason}, "Immunization") is True
    assert check(engine, expression, {"resourceType": "Immunization", "status": "completed"}, "Immunization")


@pytest.mark.parametrize(
    "expression",
    [
        "name.exists(",  # truncated
        "name.exists() name",  # trailing text: the grammar's entireExpression ends at EOF
        "conformsTo('http://hl7.org/fhir/StructureDefinition/Patient')",  # not provided
        "name.given < 'B'",  # comparing a collection of two: an error in FHIRPath (section 6.2)
        "%undefined.exists()",  # an environment variable no one defines
    ],
)
def test_what_cannot_be_evaluated_is_none(engine: InvariantEngine, expression: str) -> None:
    patient = {"resourceType": "Patient", "name": [{"given": ["A", "B"]}]}
    assert check(engine, expression, patient, "Patient") is None


def test_member_of_uses_the_terminology() -> None:
    gender_vs = "http://hl7.org/fhir/ValueSet/administrative-gender"
    terminology = Terminology(
        {
            "systems": {
                "http://hl7.org/fhir/administrative-gender": {"codes": ["female", "male"], "complete": True}
            },
            "valuesets": {gender_vs: {"http://hl7.org/fhir/administrative-gender": "*"}},
        }
    )
    engine = InvariantEngine(terminology=terminology)
    expression = f"gender.memberOf('{gender_vs}')"
    assert check(engine, expression, {"resourceType": "Patient", "gender": "male"}, "Patient") is True
    assert check(engine, expression, {"resourceType": "Patient", "gender": "M"}, "Patient") is False
    unknown = "maritalStatus.memberOf('http://example.org/ValueSet/unknown')"
    status = {"resourceType": "Patient", "maritalStatus": {"coding": [{"system": "http://x", "code": "M"}]}}
    assert check(engine, unknown, status, "Patient") is None
    assert (
        check(InvariantEngine(), expression, {"resourceType": "Patient", "gender": "male"}, "Patient") is None
    )


class _CountingTerminology(Terminology):
    """A Terminology that counts the value sets bound through it and the one-off checks asked of it."""

    __slots__ = ("bound", "checked")

    def __init__(self, compiled: Mapping[str, Any]) -> None:
        super().__init__(compiled)
        self.bound: list[str] = []
        self.checked = 0

    def valueset(self, valueset_url: str) -> BoundValueSet:
        self.bound.append(valueset_url)
        return super().valueset(valueset_url)

    def check(self, valueset_url: str, system: str | None, code: str) -> Membership:
        self.checked += 1
        return super().check(valueset_url, system, code)


def test_member_of_binds_its_value_set_once_per_call() -> None:
    # memberOf() binds the value set once through Terminology.valueset() and asks each code of the
    # bound value set, rather than resolving the value set again for every coding
    url = "http://example.org/ValueSet/roles"
    terminology = _CountingTerminology(
        {
            "systems": {"http://example.org/roles": {"codes": ["a", "b", "c"], "complete": True}},
            "valuesets": {url: {"http://example.org/roles": ["c"]}},
        }
    )
    engine = InvariantEngine(terminology=terminology)
    codings = [{"system": "http://example.org/roles", "code": code} for code in ("a", "b", "c")]
    concept = {"resourceType": "Patient", "maritalStatus": {"coding": codings}}
    assert check(engine, f"maritalStatus.memberOf('{url}')", concept, "Patient") is True
    assert (terminology.bound, terminology.checked) == ([url], 0)
    coded = {"resourceType": "Patient", "gender": "a"}
    assert check(engine, f"gender.memberOf('{url}')", coded, "Patient") is False
    assert (terminology.bound, terminology.checked) == ([url, url], 0)


def test_shared_across_threads(r4: dict[tuple[str, str], str]) -> None:
    engine = InvariantEngine()
    per_1 = r4["Period", "per-1"]
    periods = [({"start": f"2020-01-{day:02d}", "end": "2020-01-15"}, day <= 15) for day in range(1, 29)]
    failures: list[str] = []

    def work() -> None:
        for _ in range(5):
            for period, expected in periods:
                if check(engine, per_1, period, "Period") is not expected:
                    failures.append(period["start"])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_data_is_not_changed(engine: InvariantEngine, r4: dict[tuple[str, str], str]) -> None:
    # fhirpathpy's evaluate() documents that it may add type information to the resource.
    patient = {
        "resourceType": "Patient",
        "contained": [{"resourceType": "Organization", "id": "gp"}],
        "generalPractitioner": [{"reference": "#gp"}],
        "_birthDate": {"extension": [{"url": "http://example.org/x", "valueString": "y"}]},
    }
    before = copy.deepcopy(patient)
    for key in ("dom-2", "dom-3", "dom-4", "dom-5", "dom-6"):
        assert check(engine, r4["Patient", key], patient, "Patient") is not None
    assert patient == before


def test_descendants_end_on_data_that_contains_itself(
    engine: InvariantEngine, r4: dict[tuple[str, str], str]
) -> None:
    # A caller's dicts can contain themselves (JSON cannot); dom-3 walks %resource.descendants().
    patient: dict[str, Any] = {"resourceType": "Patient", "name": [{"family": "A"}]}
    patient["contained"] = [patient]
    assert check(engine, "descendants().count() = 3", patient, "Patient") is True  # name, family, contained
    assert check(engine, r4["Patient", "dom-3"], patient, "Patient") is not None
    # An object used twice (not its own ancestor) is a descendant twice, as in fhirpathpy.
    coding = {"system": "http://example.org/codes", "code": "1"}
    observation = {
        "resourceType": "Observation",
        "code": {"coding": [coding]},
        "valueCodeableConcept": {"coding": [coding]},
    }
    assert check(engine, "descendants().where(code = '1').count() = 2", observation, "Observation") is True

"""FHIR XML element order: validating XML text reports elements out of order (issue 15 gaps, item 3).

The rule, FHIR R4 XML format (xml.html, "XML Representation of Resources"): "Elements must
always appear in the order documented", and "Infrastructural elements that are common to all
resources ... must appear prior to any other defined child elements".  The order documented is
the order of the elements in the R4 definitions (Patient: identifier, active, name, telecom,
gender, birthDate...; HumanName: use, text, family, given...; Narrative: status, div).  JSON has
no element order, so only XML text is checked; the reader's JSON (``xml.loads``) is unchanged.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nhsstd.conformance import Validator
from nhsstd.fhir import xml
from nhsstd.fhir._structure import r4_model

EXAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "ukcore-examples"
RULE = "nhsstd-xml-order"
FHIR = 'xmlns="http://hl7.org/fhir"'


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator()


def _order_errors(validator: Validator, text: str | bytes) -> list[str]:
    outcome = validator.validate(text, uk_core=False)
    return [issue.location for issue in outcome.errors if issue.rule == RULE]


def test_the_order_is_the_r4_definition_order() -> None:
    # The facts the tests below rely on, read from the R4 model rather than assumed.
    model = r4_model()
    patient = [model.element(f"Patient.{name}").order for name in ("id", "extension", "name", "gender")]
    assert patient == sorted(patient)
    human_name = [model.element(f"HumanName.{name}").order for name in ("family", "given")]
    assert human_name == sorted(human_name)
    narrative = [model.element(f"Narrative.{name}").order for name in ("status", "div")]
    assert narrative == sorted(narrative)


def test_elements_in_definition_order_give_no_order_error(validator: Validator) -> None:
    text = (
        f'<Patient {FHIR}><id value="p"/><name><family value="Smith"/><given value="A"/>'
        '<given value="B"/></name><gender value="male"/><birthDate value="1970-01-01"/></Patient>'
    )
    assert _order_errors(validator, text) == []


def test_a_later_element_first_is_out_of_order(validator: Validator) -> None:
    # gender is defined after name: the name that follows it is out of order.
    text = f'<Patient {FHIR}><gender value="male"/><name><family value="Smith"/></name></Patient>'
    outcome = validator.validate(text, uk_core=False)
    assert [(i.severity, i.location, i.rule) for i in outcome.errors] == [("error", "Patient.name[0]", RULE)]


def test_every_element_out_of_order_is_reported_at_its_own_location(validator: Validator) -> None:
    # HumanName: family before given; Patient: name before gender before birthDate.
    text = (
        f'<Patient {FHIR}><name><given value="A"/><family value="Smith"/></name>'
        '<birthDate value="1970-01-01"/><gender value="male"/><name><text value="B"/></name></Patient>'
    )
    assert _order_errors(validator, text) == ["Patient.name[0].family", "Patient.gender", "Patient.name[1]"]


def test_repeating_items_must_be_together(validator: Validator) -> None:
    # "elements must always appear in the order documented": a repeating element's items are one
    # run; another element between them puts the items after it out of order.
    text = (
        f'<Patient {FHIR}><identifier><value value="1"/></identifier><active value="true"/>'
        '<identifier><value value="2"/></identifier></Patient>'
    )
    assert _order_errors(validator, text) == ["Patient.identifier[1]"]


def test_infrastructure_elements_come_first(validator: Validator) -> None:
    # id, meta ... extension come before Patient's own elements.
    text = (
        f'<Patient {FHIR}><active value="true"/><extension url="http://example.org/x">'
        '<valueBoolean value="true"/></extension><id value="p"/></Patient>'
    )
    assert _order_errors(validator, text) == ["Patient.extension[0]", "Patient.id"]


def test_the_narrative_div_comes_after_status(validator: Validator) -> None:
    text = (
        f'<Patient {FHIR}><text><div xmlns="http://www.w3.org/1999/xhtml">x</div>'
        '<status value="generated"/></text></Patient>'
    )
    assert _order_errors(validator, text) == ["Patient.text.status"]


def test_contained_and_bundled_resources_are_checked_where_they_are(validator: Validator) -> None:
    text = (
        f'<Bundle {FHIR}><type value="collection"/><entry><fullUrl value="urn:uuid:'
        '0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0"/><resource><Patient><contained><Patient>'
        '<id value="c"/><gender value="male"/><active value="true"/></Patient></contained>'
        '<gender value="female"/><active value="true"/></Patient></resource></entry></Bundle>'
    )
    assert _order_errors(validator, text) == [
        "Bundle.entry[0].resource.contained[0].active",
        "Bundle.entry[0].resource.active",
    ]


def test_json_has_no_element_order(validator: Validator) -> None:
    # The same content as JSON text (keys in the "wrong" order) and as a dict: nothing to report.
    resource = {"resourceType": "Patient", "gender": "male", "name": [{"given": ["A"], "family": "S"}]}
    assert _order_errors(validator, json.dumps(resource)) == []
    assert [i for i in validator.validate(resource, uk_core=False).issues if i.rule == RULE] == []


def test_loads_still_reads_out_of_order_xml_to_the_same_json() -> None:
    # Reading is unchanged: the order is a validation finding, not a reading error.
    in_order = f'<Patient {FHIR}><name><family value="S"/></name><gender value="male"/></Patient>'
    swapped = f'<Patient {FHIR}><gender value="male"/><name><family value="S"/></name></Patient>'
    assert xml.loads(swapped) == xml.loads(in_order)


#: UK Core 2.0.2 examples whose XML has elements out of R4 order (their JSON form is valid; see
#: test_ukcore_examples.py).  Reference: reference, type, identifier, display come after the
#: inherited extension; ServiceRequest: status and intent are defined before priority.
UK_CORE_OUT_OF_ORDER = {
    "UKCore-DiagnosticReport-Extension-DeviceReference-Example": [
        "DiagnosticReport.performer[0].extension[0]",
        "DiagnosticReport.resultsInterpreter[0].extension[0]",
    ],
    "UKCore-Extension-PriorityReason-SendingAsText-Example": [
        "ServiceRequest.status",
        "ServiceRequest.intent",
    ],
    "UKCore-ServiceRequest-Extension-PriorityReason-Example": [
        "ServiceRequest.status",
        "ServiceRequest.intent",
    ],
}


def _namespaced_examples() -> list[Path]:
    return [
        path
        for path in sorted(EXAMPLES.glob("UKCore-*-Example.xml"))
        if FHIR.encode() in path.read_bytes()  # the seven without the namespace are not FHIR XML
    ]


@pytest.mark.parametrize("path", _namespaced_examples(), ids=lambda path: path.stem)
def test_uk_core_examples_in_their_xml_form(validator: Validator, path: Path) -> None:
    data = path.read_bytes()
    assert _order_errors(validator, data) == UK_CORE_OUT_OF_ORDER.get(path.stem, [])
    # Written back by xml.dumps (definition order), every example is in order.
    assert _order_errors(validator, xml.dumps(xml.loads(data))) == []


def test_an_element_of_another_namespace_is_unknown_not_out_of_order(validator: Validator) -> None:
    # <x:active> is no FHIR element (FHIR elements are in http://hl7.org/fhir): reported as unknown.
    text = (
        f'<Patient {FHIR} xmlns:x="http://example.org/x"><gender value="male"/>'
        '<x:active value="true"/></Patient>'
    )
    outcome = validator.validate(text, uk_core=False)
    assert [issue.rule for issue in outcome.errors] == ["nhsstd-unknown-element"]

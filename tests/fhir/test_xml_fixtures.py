"""nhsstd.fhir.xml on every published resource in tests/fixtures: UK Core examples and HL7 test cases."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hl7_suite import selected_cases

from nhsstd.fhir.xml import FHIRXMLError, dumps, loads

FIXTURES = Path(__file__).parent.parent / "fixtures"
UK_CORE_EXAMPLES = FIXTURES / "ukcore-examples"

# UK Core 2.0.2 examples whose elements are in no namespace: FHIR XML puts every element in
# http://hl7.org/fhir (R4 xml.html, "XML Representation of Resources": the namespace for all
# FHIR elements), so they are read with require_namespace=False.
WITHOUT_NAMESPACE = {
    "UKCore-Composition-Discharge-Example.xml",
    "UKCore-Observation-Extension-TriggeredBy-Example.xml",
    "UKCore-Observation-FingerJointInflamed-Example.xml",
    "UKCore-Observation-Group-FullBloodCount-Example.xml",
    "UKCore-Observation-Lab-RedCellCount-Example.xml",
    "UKCore-Observation-Lab-Sn-AbsentData-Example.xml",
    "UKCore-Patient-Extension-PreferredDispenserOrganization-Example.xml",
}


def _test_cases(suffix: str) -> list[Any]:
    """The HL7 validator cases selected for the conformance tests, with the Java verdict."""
    return [
        pytest.param(case.file, case.java_invalid, id=case.name)
        for case in selected_cases()
        if case.file.name.endswith(suffix)
    ]


XML_CASES = _test_cases(".xml")
JSON_CASES = _test_cases(".json")


def test_the_fixtures_are_there() -> None:
    assert len(sorted(UK_CORE_EXAMPLES.glob("*.xml"))) == 110
    assert len(XML_CASES) >= 40
    assert len(JSON_CASES) >= 100


@pytest.mark.parametrize("path", sorted(UK_CORE_EXAMPLES.glob("*.xml")), ids=lambda path: path.stem)
def test_every_uk_core_example_reads_and_survives_a_round_trip(path: Path) -> None:
    text = path.read_bytes()
    if path.name in WITHOUT_NAMESPACE:
        with pytest.raises(FHIRXMLError, match="not a FHIR resource in the FHIR namespace"):
            loads(text)
        resource = loads(text, require_namespace=False)
    else:
        resource = loads(text)
    assert resource["resourceType"] == path.name.split("-")[1] or path.name.startswith("UKCore-Extension-")
    assert loads(dumps(resource)) == resource


@pytest.mark.parametrize(("path", "invalid"), XML_CASES)
def test_xml_test_cases_read_unless_the_java_validator_rejects_them(path: Path, invalid: bool) -> None:
    try:
        resource = loads(path.read_bytes())
    except FHIRXMLError:
        # only documents the reference validator finds errors in may be refused
        assert invalid
    else:
        assert loads(dumps(resource)) == resource


@pytest.mark.parametrize(("path", "invalid"), JSON_CASES)
def test_json_to_xml_to_json_is_the_identity_on_the_json_test_cases(path: Path, invalid: bool) -> None:
    try:
        resource = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except ValueError:
        assert invalid  # not JSON at all (bad-json-*, json-no-quotes-*...)
        return
    try:
        text = dumps(resource)
    except FHIRXMLError:
        # only resources the reference validator finds errors in may be refused
        assert invalid
    else:
        assert loads(text) == resource

"""``nhsstd.testing.conformance.assert_conforms``: the pytest helper for suppliers' own suites."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from supplier_ig import PROFILE_URL, write_package

from nhsstd.conformance import Validator
from nhsstd.testing.conformance import assert_conforms

RICHARD_SMITH = (
    Path(__file__).resolve().parent.parent
    / "fixtures"
    / "ukcore-examples"
    / ("UKCore-Patient-RichardSmith-Example.xml")
)
NHS_NUMBER_WITHOUT_VALUE = {
    "resourceType": "Patient",
    "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number"}],
}


def test_a_conforming_resource_passes_and_gives_its_outcome() -> None:
    outcome = assert_conforms(RICHARD_SMITH.read_bytes())
    assert outcome.ok
    assert outcome.errors == ()


def test_json_text_is_accepted() -> None:
    assert assert_conforms(json.dumps({"resourceType": "Patient", "gender": "other"})).ok


def test_failure_lists_every_error_at_its_location() -> None:
    patient = {"resourceType": "Patient", "gender": "woman", "birthDate": "1970-02-30"}
    with pytest.raises(AssertionError) as caught:
        assert_conforms(patient)
    message = str(caught.value)
    assert message.startswith("the Patient does not conform (2 errors):\n")
    assert "  error Patient.gender: " in message
    assert "  error Patient.birthDate: " in message


def test_failure_never_repeats_the_nhs_number() -> None:
    patient = {
        "resourceType": "Patient",
        "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765918"}],
    }
    with pytest.raises(AssertionError) as caught:
        assert_conforms(patient)
    assert "Patient.identifier[0].value" in str(caught.value)
    assert "9434765918" not in str(caught.value)


def test_unreadable_text_fails_as_a_resource() -> None:
    with pytest.raises(AssertionError, match=r"the resource does not conform \(1 error\)"):
        assert_conforms("{not json")


def test_uk_core_can_be_left_out() -> None:
    with pytest.raises(AssertionError, match=r"Patient\.identifier\[0\]\.value"):
        assert_conforms(NHS_NUMBER_WITHOUT_VALUE)
    assert assert_conforms(NHS_NUMBER_WITHOUT_VALUE, uk_core=False).ok


def test_named_profiles_are_checked() -> None:
    observation = {"resourceType": "Observation", "status": "final", "code": {"text": "red cell count"}}
    assert_conforms(observation)
    with pytest.raises(AssertionError, match=r"Observation\.category"):
        assert_conforms(
            observation, profiles=["https://fhir.hl7.org.uk/StructureDefinition/UKCore-Observation-Lab"]
        )


def test_a_validator_with_your_own_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NHSSTD_CACHE_DIR", str(tmp_path / "cache"))
    validator = Validator(packages=[write_package(tmp_path / "package")])
    with pytest.raises(AssertionError, match=r"error Patient\.gender: .*\[nhsstd-cardinality\]"):
        assert_conforms({"resourceType": "Patient"}, profiles=[PROFILE_URL], validator=validator)
    assert_conforms(
        {"resourceType": "Patient", "gender": "unknown"}, profiles=[PROFILE_URL], validator=validator
    )
    with pytest.raises(KeyError):  # the embedded rules do not know the supplier's profile
        assert_conforms({"resourceType": "Patient"}, profiles=[PROFILE_URL])

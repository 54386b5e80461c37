"""Every UK Core 2.0.2 example validates against UK Core (issue 15).

Each example in tests/fixtures/ukcore-examples (copied unedited from the UK Core package) is
checked against the UK Core profile of its resource type and against the profile its file name
names (``UKCore-Observation-Lab-RedCellCount-Example`` names ``UKCore-Observation-Lab``), with
``uk_core=True``.  The examples declare no ``meta.profile``; the extensions they carry are checked
against their UK Core definitions through their URLs.  The few examples that are truly invalid are
listed below with the rule they break and the specification's words.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nhsstd.conformance import Outcome, Validator
from nhsstd.fhir import xml

EXAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "ukcore-examples"
UK_CORE = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-"

#: The resource profiles of UK Core STU2 2.0.2 (StructureDefinition ids without "UKCore-").
UK_CORE_PROFILES = frozenset(
    {
        "AllergyIntolerance", "Appointment", "Composition", "Condition", "DiagnosticReport",
        "DiagnosticReport-Lab", "Encounter", "FamilyMemberHistory", "HealthcareService", "Immunization",
        "List", "Location", "Medication", "MedicationAdministration", "MedicationDispense",
        "MedicationRequest", "MedicationStatement", "Observation", "Observation-Group-Lab",
        "Observation-Lab", "Organization", "Patient", "Practitioner", "PractitionerRole", "Procedure",
        "RelatedPerson", "Schedule", "ServiceRequest", "ServiceRequest-Lab", "Slot", "Specimen",
    }
)  # fmt: skip

#: File names that name a profile by other words than its id: the full blood count example is
#: UK Core's example of a laboratory panel (Observation-Group-Lab).
NAMED_OTHERWISE = {"Observation-Group": "Observation-Group-Lab"}

#: Examples written without the FHIR namespace.  FHIR R4, XML format (xml.html, section 2.6.1):
#: "FHIR elements are always in the namespace http://hl7.org/fhir".  They are read here with
#: ``require_namespace=False``; read as they are, they are not FHIR XML (see the last test).
WITHOUT_NAMESPACE = frozenset(
    {
        "UKCore-Composition-Discharge-Example",
        "UKCore-Observation-Extension-TriggeredBy-Example",
        "UKCore-Observation-FingerJointInflamed-Example",
        "UKCore-Observation-Group-FullBloodCount-Example",
        "UKCore-Observation-Lab-RedCellCount-Example",
        "UKCore-Observation-Lab-Sn-AbsentData-Example",
        "UKCore-Patient-Extension-PreferredDispenserOrganization-Example",
    }
)

#: Examples that break a rule, with the errors (location, rule) they must give and why.
TRULY_INVALID: dict[str, tuple[tuple[str, str], ...]] = {
    # FHIR R4 Reference (datatypes.html#Reference): "References SHALL be a reference to an actual
    # FHIR resource, and SHALL be resolveable"; a relative reference "is relative to the service
    # base URL", where resources live at [base]/[type]/[id] (http.html, read).  The value here is a
    # bare id with no resource type, so it addresses no resource.
    "UKCore-Immunization-InfluenzaVaccine-Example": (
        ("Immunization.location.reference", "nhsstd-reference"),
    ),
    # nhsstd's identifier rule: an SDS user ID (system https://fhir.nhs.uk/Id/sds-user-id,
    # OID 1.2.826.0.1285.0.2.0.65) is numeric (NHS England's identifier NamingSystem; the same check
    # as nhsstd.fhir's Practitioner reader).  These examples use letter-prefixed placeholders.
    "UKCore-Practitioner-ConsultantSandraGose-Example": (
        ("Practitioner.identifier[0].value", "nhsstd-identifier"),
    ),
    "UKCore-Practitioner-PharmacistJimmyChuck-Example": (
        ("Practitioner.identifier[0].value", "nhsstd-identifier"),
    ),
    # Extensions whose URL no StructureDefinition of UK Core 2.0.2 (nor R4) defines.  FHIR R4
    # extensibility.html, 2.5.0.1: the url "is a mandatory attribute ... that refers to an
    # extension definition"; an extension whose definition cannot be found cannot be checked, and
    # the HL7 validator rejects it too ("could not be found so is not allowed here").
    # Canonical URLs are case-sensitive: UK Core defines Extension-UKCore-OutcomeOfAttendance.
    "UKCore-Encounter-Extension-OutcomeofAttendance-Example": (
        ("Encounter.extension[0]", "nhsstd-extension"),
    ),
    "UKCore-Extension-MedicationChangeSummary-Example": (
        ("MedicationStatement.extension[0]", "nhsstd-extension"),
    ),
    "UKCore-Patient-Extension-OverseasVisitorChargingCategory-Example": (
        ("Patient.extension[0]", "nhsstd-extension"),
    ),
    "UKCore-Patient-Extension-PreferredDispenserOrganization-Example": (
        ("Patient.extension[0]", "nhsstd-extension"),
    ),
    "UKCore-RelatedPerson-Extension-EffectivePeriod-Example": (
        ("RelatedPerson.extension[0]", "nhsstd-extension"),
    ),
}


def _examples() -> list[Path]:
    return sorted(EXAMPLES.glob("UKCore-*-Example.xml"))


def profiles_named(stem: str, resource_type: str) -> list[str]:
    """The UK Core profile of the type and the one the file name names (the longest id it starts with)."""
    name = stem.removeprefix("UKCore-").removesuffix("-Example") + "-"
    for words, profile in NAMED_OTHERWISE.items():
        if name.startswith(words + "-"):
            name = profile + "-"
    named = max((p for p in UK_CORE_PROFILES if name.startswith(p + "-")), key=len, default=None)
    return [UK_CORE + p for p in sorted({resource_type, named or resource_type}) if p in UK_CORE_PROFILES]


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator()


def _validate(validator: Validator, path: Path) -> tuple[Outcome, list[str]]:
    resource = xml.loads(path.read_bytes(), require_namespace=path.stem not in WITHOUT_NAMESPACE)
    profiles = profiles_named(path.stem, resource["resourceType"])
    return validator.validate(resource, profiles=profiles), profiles


def test_all_110_examples_are_here() -> None:
    assert len(_examples()) == 110


@pytest.mark.parametrize("path", _examples(), ids=lambda path: path.stem)
def test_example_validates_against_uk_core(validator: Validator, path: Path) -> None:
    outcome, profiles = _validate(validator, path)
    found = tuple((issue.location, issue.rule) for issue in outcome.errors)
    assert found == TRULY_INVALID.get(path.stem, ()), f"{path.stem} against {profiles}:\n{outcome}"


def test_file_names_name_their_profiles() -> None:
    assert profiles_named("UKCore-Observation-Lab-RedCellCount-Example", "Observation") == [
        UK_CORE + "Observation",
        UK_CORE + "Observation-Lab",
    ]
    assert profiles_named("UKCore-Observation-Group-FullBloodCount-Example", "Observation") == [
        UK_CORE + "Observation",
        UK_CORE + "Observation-Group-Lab",
    ]
    assert profiles_named("UKCore-Patient-Extension-BirthSex-Example", "Patient") == [UK_CORE + "Patient"]
    assert profiles_named("UKCore-BodyStructure-MedianCubitalVein-Example", "BodyStructure") == []


@pytest.mark.parametrize("stem", sorted(WITHOUT_NAMESPACE))
def test_examples_without_the_fhir_namespace_are_not_fhir_xml(validator: Validator, stem: str) -> None:
    outcome = validator.validate((EXAMPLES / f"{stem}.xml").read_bytes())
    assert [issue.severity for issue in outcome.issues] == ["fatal"]
    assert outcome.issues[0].rule == "nhsstd-parse"

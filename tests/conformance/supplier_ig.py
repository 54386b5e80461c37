"""A supplier's own implementation guide, as a tiny NPM-format package, for the tests that load one."""

from __future__ import annotations

import json
from pathlib import Path

#: The one profile of the package: a Patient whose gender is required (1..1 instead of 0..1).
PROFILE_URL = "https://example.org/fhir/StructureDefinition/SupplierPatient"


def write_package(directory: Path) -> Path:
    """Write the package into ``directory`` (created) and return it."""
    directory.mkdir(parents=True)
    manifest = {"name": "example.supplier", "version": "0.1.0", "fhirVersions": ["4.0.1"]}
    profile = {
        "resourceType": "StructureDefinition",
        "id": "SupplierPatient",
        "url": PROFILE_URL,
        "name": "SupplierPatient",
        "status": "draft",
        "fhirVersion": "4.0.1",
        "kind": "resource",
        "abstract": False,
        "type": "Patient",
        "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient",
        "derivation": "constraint",
        "differential": {"element": [{"id": "Patient.gender", "path": "Patient.gender", "min": 1}]},
    }
    (directory / "package.json").write_text(json.dumps(manifest), encoding="utf-8")
    (directory / "StructureDefinition-SupplierPatient.json").write_text(json.dumps(profile), encoding="utf-8")
    return directory

"""A supplier's own implementation guide, as a tiny NPM-format package, for the tests that load one.

The package holds one profile, one CodeSystem and three ValueSets (as a supplier's IG would):

* the profile ``SupplierPatient``: a Patient whose gender is required (1..1 instead of 0..1), whose
  contact relationship is bound (required) to the package's ``contact-role`` ValueSet, whose
  marital status is bound (required) to ``marital-status-recorded`` and whose communication
  language is bound (required) to ``clinical-languages``;
* the CodeSystem ``contact-role`` (complete, hierarchical: ``carer`` has the children ``paid-carer``
  and ``family-carer``; ``next-of-kin``; ``neighbour``);
* ``contact-role``: the carers (``is-a carer`` filter) and ``next-of-kin``, less ``paid-carer``;
* ``marital-status-recorded``: R4's marital-status ValueSet (imported) less Polygamous (``P``) and
  Domestic partner (``T``) of v3-MaritalStatus;
* ``clinical-languages``: a SNOMED CT ECL filter, which cannot be expanded offline.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

#: The one profile of the package.
PROFILE_URL = "https://example.org/fhir/StructureDefinition/SupplierPatient"
CONTACT_ROLE_SYSTEM = "https://example.org/fhir/CodeSystem/contact-role"
CONTACT_ROLE_VALUESET = "https://example.org/fhir/ValueSet/contact-role"
MARITAL_VALUESET = "https://example.org/fhir/ValueSet/marital-status-recorded"
LANGUAGE_VALUESET = "https://example.org/fhir/ValueSet/clinical-languages"
V3_MARITAL = "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus"


def _binding(path: str, valueset: str) -> dict[str, Any]:
    return {"id": path, "path": path, "binding": {"strength": "required", "valueSet": valueset}}


PROFILE: dict[str, Any] = {
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
    "differential": {
        "element": [
            {"id": "Patient.gender", "path": "Patient.gender", "min": 1},
            _binding("Patient.maritalStatus", MARITAL_VALUESET),
            _binding("Patient.contact.relationship", CONTACT_ROLE_VALUESET),
            _binding("Patient.communication.language", LANGUAGE_VALUESET),
        ]
    },
}

CODE_SYSTEM: dict[str, Any] = {
    "resourceType": "CodeSystem",
    "id": "contact-role",
    "url": CONTACT_ROLE_SYSTEM,
    "status": "draft",
    "content": "complete",
    "hierarchyMeaning": "is-a",
    "concept": [
        {
            "code": "carer",
            "concept": [{"code": "paid-carer"}, {"code": "family-carer"}],
        },
        {"code": "next-of-kin"},
        {"code": "neighbour"},
    ],
}

VALUESETS: list[dict[str, Any]] = [
    {
        "resourceType": "ValueSet",
        "id": "contact-role",
        "url": CONTACT_ROLE_VALUESET,
        "status": "draft",
        "compose": {
            "include": [
                {
                    "system": CONTACT_ROLE_SYSTEM,
                    "filter": [{"property": "concept", "op": "is-a", "value": "carer"}],
                },
                {"system": CONTACT_ROLE_SYSTEM, "concept": [{"code": "next-of-kin"}]},
            ],
            "exclude": [{"system": CONTACT_ROLE_SYSTEM, "concept": [{"code": "paid-carer"}]}],
        },
    },
    {
        "resourceType": "ValueSet",
        "id": "marital-status-recorded",
        "url": MARITAL_VALUESET,
        "status": "draft",
        "compose": {
            "include": [{"valueSet": ["http://hl7.org/fhir/ValueSet/marital-status"]}],
            "exclude": [{"system": V3_MARITAL, "concept": [{"code": "P"}, {"code": "T"}]}],
        },
    },
    {
        "resourceType": "ValueSet",
        "id": "clinical-languages",
        "url": LANGUAGE_VALUESET,
        "status": "draft",
        "compose": {
            "include": [
                {
                    "system": "http://snomed.info/sct",
                    "filter": [{"property": "constraint", "op": "=", "value": "<< 297289008"}],
                }
            ]
        },
    },
]


def write_package(directory: Path, *extra: dict[str, Any]) -> Path:
    """Write the package (and any *extra* resources) into ``directory`` (created) and return it."""
    directory.mkdir(parents=True)
    manifest = {"name": "example.supplier", "version": "0.1.0", "fhirVersions": ["4.0.1"]}
    (directory / "package.json").write_text(json.dumps(manifest), encoding="utf-8")
    for resource in [PROFILE, CODE_SYSTEM, *VALUESETS, *extra]:
        name = f"{resource['resourceType']}-{resource['id']}.json"
        (directory / name).write_text(json.dumps(resource), encoding="utf-8")
    return directory

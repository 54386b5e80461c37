"""Helpers shared by the FHIR tests (imported by the test modules beside it)."""

from __future__ import annotations

import copy
import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent.parent / "fixtures" / "fhir"

ENGLAND = "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland"
LEGACY_VERIFICATION_SYSTEMS = {
    "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatus",
    "https://fhir.nhs.uk/R4/CodeSystem/UKCore-NHSNumberVerificationStatus",
}
LEGACY_EXTENSION_PREFIX = "https://fhir.nhs.uk/R4/StructureDefinition/"
CANONICAL_EXTENSION_PREFIX = "https://fhir.hl7.org.uk/StructureDefinition/"
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
LEGACY_ODS = {
    "https://fhir.nhs.uk/Id/ods-organisation-code",
    "https://digital.nhs.uk/services/organisation-data-service",
}


def fixture_resources() -> Iterator[tuple[str, dict[str, Any]]]:
    """Every resource in the copied fixtures (Bundle entries one by one), with an id for the test."""
    for path in sorted(FIXTURES.glob("*/*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["resourceType"] == "Bundle":
            for index, entry in enumerate(data["entry"]):
                yield f"{path.parent.name}/{path.stem}#entry{index}", entry["resource"]
        else:
            yield f"{path.parent.name}/{path.stem}", data


def canonicalise(resource: Any) -> Any:
    """The resource with the legacy URLs the brief lists replaced by the canonical ones.

    Written independently of nhsstd (from the serialisers brief, section 6), so that the
    round-trip tests check the library against the brief rather than against itself.
    """
    data = copy.deepcopy(resource)

    def walk(value: Any) -> Any:
        if isinstance(value, list):
            return [walk(item) for item in value]
        if not isinstance(value, dict):
            return value
        out = {key: walk(item) for key, item in value.items()}
        if out.get("system") in LEGACY_VERIFICATION_SYSTEMS:
            out["system"] = ENGLAND
            out.pop("version", None)
        if out.get("system") in LEGACY_ODS:
            out["system"] = ODS
        url = out.get("url")
        if isinstance(url, str) and url.startswith(LEGACY_EXTENSION_PREFIX) and "UKCore" in url:
            out["url"] = CANONICAL_EXTENSION_PREFIX + url[len(LEGACY_EXTENSION_PREFIX) :]
        return out

    return walk(data)


def empties(value: Any, path: str = "$") -> list[str]:
    """Paths of empty strings, arrays and objects (FHIR JSON forbids them)."""
    found: list[str] = []
    if value in ("", [], {}):
        found.append(path)
    elif isinstance(value, dict):
        for key, item in value.items():
            found.extend(empties(item, f"{path}.{key}"))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(empties(item, f"{path}[{index}]"))
    return found


def contained_in(small: Any, big: Any) -> bool:
    """True when every element of *small* is in *big* (objects key by key, arrays item by item in order)."""
    if isinstance(small, dict):
        return isinstance(big, dict) and all(
            key in big and contained_in(value, big[key]) for key, value in small.items()
        )
    if isinstance(small, list):
        if not isinstance(big, list):
            return False
        position = 0
        for item in small:
            while position < len(big) and not contained_in(item, big[position]):
                position += 1
            if position == len(big):
                return False
            position += 1
        return True
    return bool(small == big)


def read_recording(function: Any, *args: Any, **kwargs: Any) -> tuple[Any, list[warnings.WarningMessage]]:
    """Call *function* and return its result and every warning it issued."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = function(*args, **kwargs)
    return result, list(caught)

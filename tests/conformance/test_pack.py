"""The shipped rule pack is exactly what the compiler makes of the sources, and holds facts only."""

from __future__ import annotations

import json
from pathlib import Path

from nhsstd.conformance._compile import (
    R4_DIR_NAME,
    UK_CORE_DIR_NAME,
    compile_pack,
    compile_profiles,
    dump,
    read_package,
)
from nhsstd.conformance._pack import PROFILES_FILE, TERMINOLOGY_FILE
from nhsstd.conformance._terminology import compile_terminology
from nhsstd.fhir._structure import STRUCTURE_FILE, compile_structure, dump_structure

UK_CORE_PATIENT = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient"


def test_shipped_profiles_equal_a_fresh_compile(fhir_packages: Path) -> None:
    fresh = dump(compile_pack(fhir_packages / R4_DIR_NAME, fhir_packages / UK_CORE_DIR_NAME))
    assert PROFILES_FILE.read_text(encoding="utf-8") == fresh


def test_shipped_terminology_equals_a_fresh_compile(fhir_packages: Path) -> None:
    fresh = dump(compile_terminology(fhir_packages / R4_DIR_NAME, fhir_packages / UK_CORE_DIR_NAME))
    assert TERMINOLOGY_FILE.read_text(encoding="utf-8") == fresh


def test_shipped_structure_equals_a_fresh_compile(fhir_packages: Path) -> None:
    assert STRUCTURE_FILE.read_bytes() == dump_structure(compile_structure(fhir_packages / R4_DIR_NAME))


def test_pack_has_every_uk_core_profile_and_extension(fhir_packages: Path) -> None:
    sources = sorted(
        sd["url"] for sd in read_package(fhir_packages / UK_CORE_DIR_NAME / "structuredefinitions")
    )
    structures = json.loads(PROFILES_FILE.read_bytes())["structures"]
    assert len(sources) == 78  # UK Core STU2 2.0.2 (the package README)
    # (a few UK Core extensions have hl7.org/fhir/5.0 URLs: cross-version extensions)
    assert [url for url in sources if url not in structures] == []


def test_pack_keeps_facts_not_prose() -> None:
    pack = json.loads(PROFILES_FILE.read_bytes())
    facts = {"id", "path", "min", "max", "sliceName", "contentReference", "maxLength", "modifier", "types"}
    facts |= {"fixed", "pattern", "binding", "constraints", "slicing", "targets"}
    keys = {key for sd in pack["structures"].values() for element in sd["elements"] for key in element}
    keys |= {key for element in pack["base"].values() for key in element}
    assert keys <= facts  # no short, definition, comment, requirements, mapping...
    assert all(len(row) == 3 for row in pack["constraints"])  # key, severity, expression: no human text
    # An element of UK Core Patient keeps what the validator needs.
    patient = pack["structures"][UK_CORE_PATIENT]
    slices = {e["id"]: e for e in patient["elements"]}
    assert slices["Patient.identifier"]["slicing"] == {
        "discriminator": [["value", "system"]],
        "ordered": False,
        "rules": "open",
    }
    assert slices["Patient.identifier:nhsNumber.system"]["fixed"] == "https://fhir.nhs.uk/Id/nhs-number"


def test_compile_is_deterministic(fhir_packages: Path) -> None:
    # Compiling twice gives the same text (sorted keys, no timestamps), whatever the order of reading.
    definitions = list(read_package(fhir_packages / UK_CORE_DIR_NAME / "structuredefinitions"))
    assert dump(compile_profiles(definitions)) == dump(compile_profiles(reversed(definitions)))

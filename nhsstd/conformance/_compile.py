"""The rule-pack compiler: FHIR definitions in, facts-only pack out (private).

Run ``python -m nhsstd.conformance._compile`` from a clone with ``../shared``
beside it (or ``$NHSSTD_FHIR_PACKAGES`` set) to regenerate every shipped file:
the R4 structure model (:mod:`nhsstd.fhir._structure`), the terminology section
(:mod:`nhsstd.conformance._terminology`), the search parameters
(:mod:`nhsstd.conformance._definitions`) and the profiles (this module).  The
output is deterministic (sorted keys, no timestamps), so a test can prove that
the shipped pack equals a fresh compile.

A compiled StructureDefinition keeps facts only -- paths, types, cardinalities,
fixed and pattern values, slicing, bindings, constraint keys and expressions,
extension contexts -- and none of the prose (short, definition, comment,
constraint ``human`` text).  Base definitions (``derivation`` specialization)
keep their snapshot; profiles and extensions keep their differential, which the
validator applies on top of the base along the ``baseDefinition`` chain.

>>> compiled = compile_structure_definition({
...     "resourceType": "StructureDefinition", "url": "http://example.org/SD/p", "type": "Patient",
...     "kind": "resource", "abstract": False, "derivation": "constraint",
...     "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient",
...     "differential": {"element": [{"id": "Patient.gender", "path": "Patient.gender", "min": 1,
...                                   "short": "prose is dropped"}]}}, {})
>>> [element["id"] for element in compiled["elements"]]
['Patient', 'Patient.gender']
>>> compiled["elements"][1]
{'id': 'Patient.gender', 'path': 'Patient.gender', 'min': 1}
"""

from __future__ import annotations

import json
import os
import re
import sys
import tarfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from nhsstd.conformance._pack import PACK_FORMAT, PROFILES_FILE, TERMINOLOGY_FILE

__all__ = [
    "PACK_FORMAT",
    "compile_pack",
    "compile_profiles",
    "compile_structure_definition",
    "compile_user_package",
    "main",
    "read_package",
    "shared_packages_dir",
]

R4_DIR_NAME = "hl7.fhir.r4.core-4.0.1"
UK_CORE_DIR_NAME = "uk-core-2.0.2"

_FHIR_TYPE_EXTENSION = "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type"
_REGEX_EXTENSION = "http://hl7.org/fhir/StructureDefinition/regex"
#: Checked structurally by the validator's walker (no FHIRPath evaluation needed).
_STRUCTURAL_CONSTRAINTS = frozenset({"ele-1", "ext-1"})
#: The R4 definition bundles that hold StructureDefinitions.
_R4_BUNDLES = ("profiles-types.json", "profiles-resources.json", "extension-definitions.json")


def shared_packages_dir() -> Path | None:
    """Where the source FHIR packages are: ``$NHSSTD_FHIR_PACKAGES`` or ``<repo>/../shared/fhir-packages``.

    ``None`` when neither exists (an installed wheel never needs them).
    """
    configured = os.environ.get("NHSSTD_FHIR_PACKAGES")
    if configured:
        path = Path(configured)
        return path if path.is_dir() else None
    beside_clone = Path(__file__).resolve().parents[3] / "shared" / "fhir-packages"
    return beside_clone if beside_clone.is_dir() else None


# --- reading sources ----------------------------------------------------------------------------


def read_package(path: Path) -> Iterator[dict[str, Any]]:
    """Every FHIR resource of a package: a directory (NPM layout or plain) or an NPM ``.tgz``.

    JSON files, JSON Bundles (their entries) and FHIR XML files are read;
    other files (``package.json``, ``.index.json``, images...) are skipped.
    """
    if path.is_file():
        with tarfile.open(path, "r:*") as archive:
            for member in sorted(archive.getmembers(), key=lambda m: m.name):
                if member.isfile() and member.name.endswith((".json", ".xml")):
                    handle = archive.extractfile(member)
                    if handle is not None:
                        yield from _resources_in(member.name, handle.read())
        return
    for file in sorted(path.rglob("*")):
        if file.is_file() and file.suffix in (".json", ".xml"):
            yield from _resources_in(file.name, file.read_bytes())


def _resources_in(name: str, data: bytes) -> Iterator[dict[str, Any]]:
    if name.endswith(".xml"):
        from nhsstd.fhir import xml  # the XML reader is only needed for XML sources

        resource: Any = xml.loads(data)
    else:
        resource = json.loads(data)
    if not isinstance(resource, dict) or "resourceType" not in resource:
        return  # package.json, .index.json and other non-resources
    if resource["resourceType"] == "Bundle":
        for entry in resource.get("entry", ()):
            if isinstance(entry.get("resource"), dict):
                yield entry["resource"]
    else:
        yield resource


def compile_user_package(path: Path, base_terminology: Mapping[str, Any]) -> dict[str, Any]:
    """A user's package compiled: its profiles, and under ``terminology`` its ValueSets and CodeSystems.

    The ValueSets are expanded over the package's CodeSystems and *base_terminology*'s (the
    shipped R4 and UK Core terminology), see
    :func:`~nhsstd.conformance._terminology.compile_package_terminology`.
    """
    from nhsstd.conformance._terminology import compile_package_terminology

    resources = list(read_package(path))
    compiled = compile_profiles(resources)
    compiled["terminology"] = compile_package_terminology(resources, base_terminology)
    return compiled


def _r4_structure_definitions(r4_dir: Path) -> Iterator[dict[str, Any]]:
    for name in _R4_BUNDLES:
        bundle = json.loads((r4_dir / name).read_bytes())
        for entry in bundle["entry"]:
            yield entry["resource"]


# --- compiling ----------------------------------------------------------------------------------


def compile_structure_definition(
    sd: Mapping[str, Any], constraints: dict[tuple[str, str, str], int]
) -> dict[str, Any]:
    """The facts of one StructureDefinition.

    :param constraints: the pack's constraint table, (key, severity, expression) -> index;
        new constraints are added to it and elements refer to them by index.
    """
    specialization = sd.get("derivation") != "constraint"
    source = sd.get("snapshot") if specialization and "snapshot" in sd else sd.get("differential")
    elements = [_compile_element(element, constraints) for element in (source or {}).get("element", ())]
    compiled: dict[str, Any] = {
        "type": sd["type"],
        "kind": sd["kind"],
        "derivation": "specialization" if specialization else "constraint",
        "elements": _with_ancestors(elements, sd["type"]),
    }
    if sd.get("abstract"):
        compiled["abstract"] = True
    if sd.get("baseDefinition"):
        compiled["base"] = sd["baseDefinition"]
    contexts = [[context["type"], context["expression"]] for context in sd.get("context", ())]
    if contexts:
        compiled["context"] = contexts
    return compiled


def _compile_element(
    element: Mapping[str, Any], constraints: dict[tuple[str, str, str], int]
) -> dict[str, Any]:
    out: dict[str, Any] = {"id": element.get("id") or element["path"], "path": element["path"]}
    for key in ("min", "max", "sliceName", "contentReference", "maxLength"):
        if key in element:
            out[key] = element[key]
    if element.get("isModifier"):
        out["modifier"] = True
    types = [_compile_type(item) for item in element.get("type", ())]
    if types:
        out["types"] = types
    for key, value in element.items():
        if key.startswith("fixed") and key != "fixed":
            out["fixed"] = value
        elif key.startswith("pattern") and key != "pattern":
            out["pattern"] = value
    binding = element.get("binding")
    if binding and binding.get("valueSet"):
        out["binding"] = [binding["strength"], binding["valueSet"]]
    indices = sorted(
        {
            constraints.setdefault((c["key"], c["severity"], c["expression"]), len(constraints))
            for c in element.get("constraint", ())
            if c["key"] not in _STRUCTURAL_CONSTRAINTS and c.get("expression")
        }
    )
    if indices:
        out["constraints"] = indices
    slicing = element.get("slicing")
    if slicing:
        out["slicing"] = {
            "discriminator": [[d["type"], d["path"]] for d in slicing.get("discriminator", ())],
            "ordered": bool(slicing.get("ordered", False)),
            "rules": slicing.get("rules", "open"),
        }
    return out


def _compile_type(item: Mapping[str, Any]) -> dict[str, Any]:
    code = item["code"]
    regex = None
    for extension in item.get("extension", ()):
        if extension.get("url") == _FHIR_TYPE_EXTENSION:
            code = extension.get("valueUrl") or extension.get("valueUri") or code
        elif extension.get("url") == _REGEX_EXTENSION:
            regex = extension.get("valueString")
    out: dict[str, Any] = {"code": code}
    if item.get("profile"):
        out["profile"] = list(item["profile"])
    if item.get("targetProfile"):
        out["targetProfile"] = list(item["targetProfile"])
    if regex is not None:
        out["regex"] = regex
    return out


def _with_ancestors(elements: list[dict[str, Any]], root: str) -> list[dict[str, Any]]:
    """Differentials may skip levels (``Patient.name.family`` without ``Patient.name``): add empty ones."""
    seen = {element["id"] for element in elements}
    out: list[dict[str, Any]] = []
    if root not in seen:
        out.append({"id": root, "path": root})
        seen.add(root)
    for element in elements:
        missing: list[str] = []
        parent = _parent_id(element["id"])
        while parent is not None and parent not in seen:
            missing.append(parent)
            seen.add(parent)
            parent = _parent_id(parent)
        out.extend({"id": ident, "path": _path_of(ident)} for ident in reversed(missing))
        out.append(element)
    return out


def _parent_id(ident: str) -> str | None:
    head, dot, _ = ident.rpartition(".")
    return head if dot else None


_SLICE_NAMES = re.compile(r":[^.]*")


def _path_of(ident: str) -> str:
    return _SLICE_NAMES.sub("", ident)


def compile_profiles(structure_definitions: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The profiles section of a pack.

    ``structures``: every profile and extension (``derivation`` constraint) by URL;
    ``base``: the constraints, bindings, fixed and pattern values of the base
    definitions by element path (the structure itself -- children, types,
    cardinalities -- is :mod:`nhsstd.fhir._structure`'s); ``primitives``: the
    regex of each primitive type; ``constraints``: the table elements refer to.
    """
    constraints: dict[tuple[str, str, str], int] = {}
    structures: dict[str, Any] = {}
    base: dict[str, Any] = {}
    primitives: dict[str, str] = {}
    for sd in structure_definitions:
        if sd.get("resourceType") != "StructureDefinition":
            continue
        missing = [key for key in ("url", "kind", "type") if not isinstance(sd.get(key), str)]
        if missing:
            raise ValueError(f"a StructureDefinition without {', '.join(missing)}")
        if sd["kind"] == "logical":
            continue
        if sd.get("derivation") == "constraint":
            structures[sd["url"]] = compile_structure_definition(sd, constraints)
            continue
        for element in sd.get("snapshot", {}).get("element", ()):
            compiled = _compile_element(element, constraints)
            facts = {key: value for key, value in compiled.items() if key in _BASE_FACTS}
            targets = sorted({t for ref in compiled.get("types", ()) for t in ref.get("targetProfile", ())})
            if targets:
                facts["targets"] = targets  # the structure model has type codes, not reference targets
            if facts:
                base[element["path"]] = facts
            if sd["kind"] == "primitive-type" and element["path"] == sd["type"] + ".value":
                regex = _compile_type(element["type"][0]).get("regex")
                if regex is not None:
                    primitives[sd["type"]] = regex
    # Number the constraints in sorted order, so that the pack does not depend on the reading order.
    table = sorted(constraints)
    renumber = {constraints[c]: index for index, c in enumerate(table)}
    for element in _all_elements(structures, base):
        if "constraints" in element:
            element["constraints"] = sorted(renumber[i] for i in element["constraints"])
    return {
        "format": PACK_FORMAT,
        "base": base,
        "constraints": [list(c) for c in table],
        "primitives": primitives,
        "structures": structures,
    }


def _all_elements(structures: Mapping[str, Any], base: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    for sd in structures.values():
        yield from sd["elements"]
    yield from base.values()


#: What the pack keeps of a base definition's elements (the rest is the structure model's).
_BASE_FACTS = frozenset({"binding", "constraints", "fixed", "pattern", "maxLength"})


def compile_pack(r4_dir: Path, uk_core_dir: Path | None) -> dict[str, Any]:
    """The embedded pack's profiles section: R4 core and (when given) UK Core."""
    definitions: list[dict[str, Any]] = list(_r4_structure_definitions(r4_dir))
    if uk_core_dir is not None:
        definitions.extend(read_package(uk_core_dir / "structuredefinitions"))
    return compile_profiles(definitions)


def dump(data: Any) -> str:
    """The deterministic text of a compiled file (sorted keys, compact, newline at the end)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Regenerate every shipped file from the shared FHIR packages."""
    shared = shared_packages_dir()
    if shared is None:
        print("no FHIR packages: set NHSSTD_FHIR_PACKAGES or put shared/ beside the clone", file=sys.stderr)
        return 2
    from nhsstd.conformance._definitions import SEARCH_PARAMETERS_FILE, compile_search_parameters
    from nhsstd.conformance._terminology import compile_terminology
    from nhsstd.fhir._structure import STRUCTURE_FILE, compile_structure, dump_structure

    r4_dir, uk_core_dir = shared / R4_DIR_NAME, shared / UK_CORE_DIR_NAME
    STRUCTURE_FILE.write_bytes(dump_structure(compile_structure(r4_dir)))
    PROFILES_FILE.parent.mkdir(exist_ok=True)
    PROFILES_FILE.write_text(dump(compile_pack(r4_dir, uk_core_dir)), encoding="utf-8")
    TERMINOLOGY_FILE.write_text(dump(compile_terminology(r4_dir, uk_core_dir)), encoding="utf-8")
    SEARCH_PARAMETERS_FILE.write_text(dump(compile_search_parameters(r4_dir)), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

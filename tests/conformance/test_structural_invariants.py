"""ele-1 and ext-1, checked natively by the validator, agree with their FHIRPath on random shapes.

ele-1 (FHIR R4 Element): "All FHIR elements must have a @value or children",
``hasValue() or (children().count() > id.count())``.
ext-1 (FHIR R4 Extension): "Must have either extensions or value[x], not both",
``extension.exists() != value.exists()``.

The validator checks both while walking the resource, without FHIRPath; this
differential test evaluates the published expressions with fhirpathpy on the
same random elements and expects the same verdict at the same location.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from nhsstd.conformance import Validator
from nhsstd.conformance._fhirpath import InvariantEngine

ELE_1 = "hasValue() or (children().count() > id.count())"
EXT_1 = "extension.exists() != value.exists()"
EXTENSION_URL = "http://example.org/fhir/StructureDefinition/test-extension"

_validator = Validator()
_engine = InvariantEngine()


def extensions(depth: int) -> st.SearchStrategy[dict[str, Any]]:
    """An Extension with any mix of id, value[x] and nested extensions (possibly none)."""
    nested = st.lists(extensions(depth - 1), min_size=1, max_size=2) if depth > 0 else st.nothing()
    return st.fixed_dictionaries(
        {"url": st.just(EXTENSION_URL)},
        optional={
            "id": st.sampled_from(["a", "b1"]),
            "valueString": st.sampled_from(["x", "some text"]),
            "valueBoolean": st.booleans(),
            "extension": nested,
        },
    )


human_names = st.fixed_dictionaries(
    {},
    optional={
        "id": st.just("n1"),
        "family": st.just("Family"),
        "given": st.lists(st.just("Given"), min_size=1, max_size=2),
        "extension": st.lists(extensions(1), min_size=1, max_size=2),
    },
)


def _fhirpath_failures(patient: dict[str, Any]) -> set[tuple[str, str]]:
    """(rule, location) for every element of the generated parts that fails ele-1 or ext-1."""
    failures: set[tuple[str, str]] = set()

    def visit_extension(extension: dict[str, Any], location: str) -> None:
        for rule, expression in (("ele-1", ELE_1), ("ext-1", EXT_1)):
            verdict = _engine.check(
                rule, expression, extension, resource=patient, root=patient, type_name="Extension"
            )
            assert verdict is not None
            if not verdict:
                failures.add((rule, location))
        for index, child in enumerate(extension.get("extension", [])):
            visit_extension(child, f"{location}.extension[{index}]")

    for index, name in enumerate(patient.get("name", [])):
        verdict = _engine.check("ele-1", ELE_1, name, resource=patient, root=patient, type_name="HumanName")
        assert verdict is not None
        if not verdict:
            failures.add(("ele-1", f"Patient.name[{index}]"))
        for position, extension in enumerate(name.get("extension", [])):
            visit_extension(extension, f"Patient.name[{index}].extension[{position}]")
    for index, extension in enumerate(patient.get("extension", [])):
        visit_extension(extension, f"Patient.extension[{index}]")
    return failures


@settings(max_examples=80)
@given(
    st.lists(human_names, min_size=1, max_size=2),
    st.lists(extensions(2), min_size=0, max_size=2),
)
def test_native_ele_1_and_ext_1_agree_with_fhirpath(
    names: list[dict[str, Any]], exts: list[dict[str, Any]]
) -> None:
    patient: dict[str, Any] = {"resourceType": "Patient", "name": names}
    if exts:
        patient["extension"] = exts
    outcome = _validator.validate(patient, uk_core=False)
    native = {(issue.rule, issue.location) for issue in outcome.issues if issue.rule in ("ele-1", "ext-1")}
    assert native == _fhirpath_failures(patient)

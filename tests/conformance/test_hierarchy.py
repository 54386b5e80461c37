"""Code system hierarchies in the rule pack, and the hierarchy filters worked out on them (issue 15).

Rules (FHIR R4):

* codesystem.html: a concept nested in another is its child; the ``parent`` and ``child``
  properties (concept-properties) name a concept's parent and child, "the meaning of 'parent'
  is defined by the hierarchyMeaning attribute";
* filter-operator: ``is-a`` is the code and its descendants, ``descendent-of`` its descendants
  only, ``is-not-a`` every code without an is-a relationship with it, ``generalizes`` the code
  and its ancestors.

The expected expansions are worked out here, from the CodeSystem files themselves.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nhsstd.conformance._compile import R4_DIR_NAME, UK_CORE_DIR_NAME, read_package
from nhsstd.conformance._pack import TERMINOLOGY_FILE
from nhsstd.conformance._terminology import (
    Membership,
    Terminology,
    compile_package_terminology,
    merged_terminology,
)

NULL_FLAVOR = "http://terminology.hl7.org/CodeSystem/v3-NullFlavor"
ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
OPS = ("is-a", "descendent-of", "is-not-a", "generalizes")
SHIPPED: dict[str, Any] = json.loads(TERMINOLOGY_FILE.read_bytes())
HIERARCHIES = sorted(url for url, entry in SHIPPED["systems"].items() if "parents" in entry)


@pytest.fixture(scope="module")
def sources(fhir_packages: Path) -> list[Mapping[str, Any]]:
    """Every R4 and UK Core ValueSet and CodeSystem, as published."""
    found: list[Mapping[str, Any]] = []
    for name in ("valuesets.json", "v2-tables.json", "v3-codesystems.json"):
        bundle = json.loads((fhir_packages / R4_DIR_NAME / name).read_bytes())
        found.extend(entry["resource"] for entry in bundle["entry"])
    for folder in ("codesystems", "valuesets"):
        found.extend(read_package(fhir_packages / UK_CORE_DIR_NAME / folder))
    return [r for r in found if r.get("resourceType") in ("CodeSystem", "ValueSet")]


class Hierarchy:
    """A CodeSystem's codes and parent links, read from its file(s) as the rules above say."""

    def __init__(self, resources: Iterable[Mapping[str, Any]]) -> None:
        self.codes: set[str] = set()
        links: set[tuple[str, str]] = set()  # (parent, child)
        for resource in resources:
            kinds = {"parent": "parent", "child": "child", "subsumedBy": "parent"}
            for prop in resource.get("property", []):
                if prop.get("uri") == "http://hl7.org/fhir/concept-properties#parent":
                    kinds[prop["code"]] = "parent"
                elif prop.get("uri") == "http://hl7.org/fhir/concept-properties#child":
                    kinds[prop["code"]] = "child"
            stack: list[tuple[Mapping[str, Any], str | None]] = [
                (concept, None) for concept in resource.get("concept", [])
            ]
            while stack:
                concept, nesting_parent = stack.pop()
                code = concept["code"]
                self.codes.add(code)
                if nesting_parent is not None:
                    links.add((nesting_parent, code))
                for prop in concept.get("property", []):
                    value = prop.get("valueCode", prop.get("valueString"))
                    if kinds.get(prop["code"]) == "parent":
                        links.add((value, code))
                    elif kinds.get(prop["code"]) == "child":
                        links.add((code, value))
                stack.extend((child, code) for child in concept.get("concept", []))
        # a link to a code the system does not define is no part of its hierarchy
        self.parents: dict[str, set[str]] = {code: set() for code in self.codes}
        for parent, child in links:
            if parent in self.codes and child in self.codes:
                self.parents[child].add(parent)

    def ancestors(self, code: str) -> set[str]:
        found: set[str] = set()
        frontier = set(self.parents.get(code, ()))
        while frontier:
            found |= frontier
            frontier = {p for c in frontier for p in self.parents[c]} - found
        return found

    def expected(self, op: str, value: str) -> set[str]:
        """The codes the filter ``concept <op> value`` selects."""
        if op == "generalizes":
            return {value, *self.ancestors(value)} if value in self.codes else set()
        descendants = {code for code in self.codes if value in self.ancestors(code)}
        if op == "descendent-of":
            return descendants
        is_a = {value, *descendants} if value in self.codes else set()
        return is_a if op == "is-a" else self.codes - is_a


@pytest.fixture(scope="module")
def hierarchies(sources: list[Mapping[str, Any]]) -> dict[str, Hierarchy]:
    by_url: dict[str, list[Mapping[str, Any]]] = {}
    for resource in sources:
        if resource["resourceType"] == "CodeSystem" and resource.get("content") != "not-present":
            by_url.setdefault(resource["url"], []).append(resource)
    return {url: Hierarchy(resources) for url, resources in by_url.items()}


FILTERED = "https://example.org/fhir/ValueSet/filtered"


def _filtered(system: str, op: str, value: str) -> dict[str, Any]:
    """A user's ValueSet: the codes of *system* where ``concept <op> value``."""
    include = {"system": system, "filter": [{"property": "concept", "op": op, "value": value}]}
    return {"resourceType": "ValueSet", "url": FILTERED, "compose": {"include": [include]}}


def _expand(system: str, op: str, value: str, base: Mapping[str, Any] = SHIPPED) -> set[str] | str:
    """The part for *system* of :func:`_filtered`, compiled as a user's package over *base*."""
    compiled = compile_package_terminology([_filtered(system, op, value)], base)
    part = compiled["valuesets"][FILTERED][system]
    if part == "*":  # the whole of a complete system
        return set(base["systems"][system]["codes"])
    return part if isinstance(part, str) else set(part)


def test_the_pack_keeps_every_hierarchy_exactly(hierarchies: dict[str, Hierarchy]) -> None:
    # For each shipped system, each code's parents in the pack are those the CodeSystem states.
    with_hierarchy = 0
    for url, entry in SHIPPED["systems"].items():
        hierarchy = hierarchies[url]
        assert entry["codes"] == sorted(hierarchy.codes), url
        if not any(hierarchy.parents.values()):
            assert "parents" not in entry, url
            continue
        with_hierarchy += 1
        codes, fields = entry["codes"], entry["parents"].split(";")
        compiled = {
            code: {codes[int(i)] for i in field.split(",") if i}
            for code, field in zip(codes, fields, strict=True)
        }
        assert compiled == hierarchy.parents, url
    assert with_hierarchy == 89  # R4 4.0.1 and UK Core 2.0.2: the v3 code systems and a few others


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize(
    ("system", "value"),
    [
        (NULL_FLAVOR, "NI"),  # a root: every code but the other root (NP) is under it
        (NULL_FLAVOR, "NAV"),  # a leaf with two parents (ASKU by nesting, NAVU by ``child``)
        (ROLE_CODE, "FAMMEMB"),  # family members: nesting and ``child`` links
        (ROLE_CODE, "DAUADOPT"),  # adopted daughter: more than one parent
        (ROLE_CODE, "no-such-code"),
    ],
)
def test_each_filter_on_a_real_r4_code_system(
    hierarchies: dict[str, Hierarchy], op: str, system: str, value: str
) -> None:
    expected = hierarchies[system].expected(op, value)
    assert _expand(system, op, value) == expected
    # and the binding's check: every code of the system is a member exactly when expected
    compiled = compile_package_terminology([_filtered(system, op, value)], SHIPPED)
    terminology = Terminology(merged_terminology([SHIPPED, compiled]))
    check = terminology.valueset(FILTERED)
    assert terminology.is_expandable(FILTERED)
    for code in hierarchies[system].codes | {"no-such-code"}:
        assert check.check(system, code) is (Membership.MEMBER if code in expected else Membership.NOT_MEMBER)


def test_the_examples_mean_what_they_say(hierarchies: dict[str, Hierarchy]) -> None:
    # The NullFlavor facts the parametrised test relies on, read from the R4 file.
    null_flavor = hierarchies[NULL_FLAVOR]
    assert null_flavor.parents["NAV"] == {"ASKU", "NAVU"}
    assert null_flavor.expected("is-a", "NI") == null_flavor.codes - {"NP"}
    assert null_flavor.expected("is-not-a", "NI") == {"NP"}
    assert null_flavor.expected("generalizes", "NAV") == {"NAV", "ASKU", "NAVU", "UNK", "NI"}
    assert null_flavor.expected("descendent-of", "UNK") == {"ASKU", "NAV", "NASK", "NAVU", "QS", "TRC"}
    assert len(hierarchies[ROLE_CODE].parents["DAUADOPT"]) > 1


@given(data=st.data())
def test_any_filter_on_any_shipped_hierarchy(hierarchies: dict[str, Hierarchy], data: st.DataObject) -> None:
    # Every shipped system with a hierarchy, any of its codes, any hierarchy filter; the pack
    # holding that system alone (so each example compiles quickly).  A system whose list is not
    # complete (an example or fragment, a v2 table with placeholder codes) cannot be filtered.
    system = data.draw(st.sampled_from(HIERARCHIES))
    entry = SHIPPED["systems"][system]
    value = data.draw(st.sampled_from(entry["codes"]))
    op = data.draw(st.sampled_from(OPS))
    expected = hierarchies[system].expected(op, value) if entry["complete"] else "?"
    assert _expand(system, op, value, {"systems": {system: entry}, "valuesets": {}}) == expected


def test_shipped_valuesets_compiled_over_the_pack_are_the_shipped_expansions(
    sources: list[Mapping[str, Any]],
) -> None:
    # A user's package sees the shipped systems only as the pack keeps them (codes and hierarchy).
    # Given every R4 and UK Core ValueSet, it expands each as the shipped compile (which reads the
    # CodeSystems themselves) did, but where a filter names another property of a held system.
    valuesets = [r for r in sources if r["resourceType"] == "ValueSet"]
    again = compile_package_terminology(valuesets, {"systems": SHIPPED["systems"], "valuesets": {}})
    differ = sorted(url for url, parts in SHIPPED["valuesets"].items() if again["valuesets"][url] != parts)
    compose = {vs["url"]: vs.get("compose", {}) for vs in valuesets}
    by_other_property = sorted(
        {
            url
            for url, parts in compose.items()
            for include in [*parts.get("include", []), *parts.get("exclude", [])]
            for item in include.get("filter", [])
            if item["property"] not in ("concept", "code") and include.get("system") in SHIPPED["systems"]
        }
    )
    assert differ == by_other_property == ["http://hl7.org/fhir/ValueSet/example-filter"]
    assert again["valuesets"]["http://hl7.org/fhir/ValueSet/example-filter"] == {
        "http://hl7.org/fhir/CodeSystem/example": "?"  # acme-plasma = true: properties are not kept
    }


def test_a_users_code_system_states_its_hierarchy_by_any_property_of_that_meaning() -> None:
    # A property is ``parent`` or ``child`` by its declared uri (concept-properties), whatever its
    # code; the hierarchy counts whatever the hierarchyMeaning; a link to a code the system does
    # not define is no part of it.
    system = "https://example.org/fhir/CodeSystem/sites"
    code_system = {
        "resourceType": "CodeSystem",
        "url": system,
        "content": "complete",
        "hierarchyMeaning": "part-of",
        "property": [
            {"code": "broader", "uri": "http://hl7.org/fhir/concept-properties#parent", "type": "code"},
            {"code": "narrower", "uri": "http://hl7.org/fhir/concept-properties#child", "type": "code"},
        ],
        "concept": [
            {"code": "arm", "concept": [{"code": "hand"}]},
            {"code": "finger", "property": [{"code": "broader", "valueCode": "hand"}]},
            {"code": "nail", "property": [{"code": "narrower", "valueCode": "cuticle"}]},  # not defined
            {"code": "thumb", "property": [{"code": "broader", "valueCode": "hand"}]},
            {"code": "hand", "property": [{"code": "narrower", "valueCode": "palm"}]},
            {"code": "palm"},
            {"code": "leg"},
        ],
    }
    base = {"systems": {}, "valuesets": {}}
    expected = {
        "is-a": ["arm", "finger", "hand", "palm", "thumb"],
        "descendent-of": ["finger", "hand", "palm", "thumb"],
        "is-not-a": ["leg", "nail"],
        "generalizes": ["arm"],
    }
    for op, codes in expected.items():
        compiled = compile_package_terminology([code_system, _filtered(system, op, "arm")], base)
        assert compiled["valuesets"][FILTERED][system] == codes, op
    palm = compile_package_terminology([code_system, _filtered(system, "generalizes", "palm")], base)
    assert palm["valuesets"][FILTERED][system] == ["arm", "hand", "palm"]
    # the compiled fact: each code's parents (indices into the sorted codes)
    entry = compiled["systems"][system]
    assert entry["codes"] == ["arm", "finger", "hand", "leg", "nail", "palm", "thumb"]
    assert entry["parents"] == ";2;0;;;2;2"

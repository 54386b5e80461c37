"""Checks that the profiles of a user's package are sound before anything is validated (private).

A profile (a StructureDefinition with ``derivation`` constraint) is applied on top of
its ``baseDefinition``, element by element along its differential.  These faults
make that impossible, and a supplier must hear of each when the package is loaded
rather than find their constraints silently unapplied:

* ``unknown-base``: the ``baseDefinition`` is neither an R4 type's definition nor a
  profile of the loaded packages (R4 core, UK Core, the user's);
* ``base-cycle``: following ``baseDefinition`` comes back to the profile itself;
* ``base-type``: the base is of another type (a ``constraint`` derivation narrows
  its base, so it describes the same type: R4 StructureDefinition.derivation);
* ``unknown-element``: a differential element's ``path`` names no element of the
  type (R4 StructureDefinition.differential: "Differential view of the structure",
  whose element paths are paths of the base definition; a choice element is
  ``value[x]`` or one typed name, ``valueQuantity``);
* ``closed-slicing``: the profile adds a slice to a slicing an ancestor profile closed
  (R4 ElementDefinition.slicing.rules ``closed``: "No additional content is allowed other
  than that described by the slices in this profile"; profiling.html: a derived profile
  cannot add slices to a closed slicing).  A re-slice ``a/b`` is added to the slicing
  declared on slice ``a``, a slice ``b`` to the slicing declared on the element.

>>> from nhsstd.conformance._pack import RulePack
>>> from nhsstd.fhir._structure import r4_model
>>> pack = RulePack([{"format": 1, "constraints": [], "structures": {"http://example.org/SD/p": {
...     "type": "Patient", "kind": "resource", "base": "http://hl7.org/fhir/StructureDefinition/Patient",
...     "elements": [{"id": "Patient", "path": "Patient"},
...                  {"id": "Patient.nickname", "path": "Patient.nickname"}]}}}])
>>> [str(problem) for problem in broken_profiles(pack, r4_model(), ["http://example.org/SD/p"])]
['profile http://example.org/SD/p, element Patient.nickname: no such element in Patient [unknown-element]']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

import attrs

from nhsstd.conformance._pack import RulePack
from nhsstd.fhir._structure import R4Model

__all__ = ["CORE_PREFIX", "ProfileProblem", "broken_profiles"]

#: Where the R4 core definitions of the types live (``.../StructureDefinition/Patient``).
CORE_PREFIX: Final = "http://hl7.org/fhir/StructureDefinition/"


@attrs.frozen
class ProfileProblem:
    """One fault of one profile: which profile, which element path (if any), what is wrong."""

    profile: str
    path: str | None
    problem: str
    message: str

    def __str__(self) -> str:
        where = f", element {self.path}" if self.path else ""
        return f"profile {self.profile}{where}: {self.message} [{self.problem}]"


def broken_profiles(pack: RulePack, model: R4Model, urls: Iterable[str]) -> list[ProfileProblem]:
    """Every fault of the profiles at *urls*, which *pack* holds, in the order of *urls*."""
    problems: list[ProfileProblem] = []
    for url in urls:
        facts = pack.facts(url)
        if facts is None:
            continue
        problems.extend(_base_problems(pack, model, url, facts))
        problems.extend(_path_problems(model, url, facts))
        problems.extend(_slicing_problems(pack, url))
    return problems


def _base_problems(
    pack: RulePack, model: R4Model, url: str, facts: Mapping[str, Any]
) -> list[ProfileProblem]:
    seen = [url]
    current = facts
    while True:
        base = current.get("base")
        if not isinstance(base, str):
            return []  # a profile with no base is the compiler's to refuse
        base = base.partition("|")[0]
        if base in seen:
            chain = " -> ".join([*seen, base])
            return [ProfileProblem(url, None, "base-cycle", f"its baseDefinition chain is a cycle: {chain}")]
        found = pack.facts(base)
        if found is None:
            core_type = base.removeprefix(CORE_PREFIX) if base.startswith(CORE_PREFIX) else None
            if core_type is None or model.type(core_type) is None:
                message = f"its baseDefinition {base} is not loaded (not R4, UK Core nor a given package)"
                return [] if current is not facts else [ProfileProblem(url, None, "unknown-base", message)]
            base_type = core_type
        else:
            base_type = found["type"]
        if current is facts and base_type != facts["type"]:
            message = f"it constrains {facts['type']} but its baseDefinition {base} is a {base_type}"
            return [ProfileProblem(url, None, "base-type", message)]
        if found is None:
            return []
        seen.append(base)
        current = found


def _path_problems(model: R4Model, url: str, facts: Mapping[str, Any]) -> list[ProfileProblem]:
    problems: list[ProfileProblem] = []
    root = facts["type"]
    known: dict[str, bool] = {}
    for element in facts["elements"]:
        path = element["path"]
        if path not in known:
            known[path] = _resolves(model, root, path)
            if not known[path]:
                problems.append(ProfileProblem(url, path, "unknown-element", f"no such element in {root}"))
    return problems


def _resolves(model: R4Model, root: str, path: str) -> bool:
    """Whether every step of a definition path names an element, type by type from *root*."""
    steps = path.split(".")
    if steps[0] != root:
        return False
    containers = {root}
    for step in steps[1:]:
        following: set[str] = set()
        for container in containers:
            for json_name, (element, type_code) in (model.children(container) or {}).items():
                # a choice is named value[x] (any of its types) or by one type (valueQuantity)
                if step in (json_name, element.name):
                    following.add(model.children_of(element, type_code))
        if not following:
            return False
        containers = following
    return True


def _slicing_problems(pack: RulePack, url: str) -> list[ProfileProblem]:
    """The slices a profile adds to slicings its ancestors closed (see ``closed-slicing`` above)."""
    chain = pack.chain(url)
    if len(chain) < 2 or chain[-1].url != url.partition("|")[0]:
        return []  # no ancestor profile (a profile of an R4 type: R4 closes no slicing)
    profile, ancestors = chain[-1], chain[:-1]
    problems: list[ProfileProblem] = []
    for element in profile.by_id.values():
        name = element.slice_name
        sliced_id, colon, own = element.id.rpartition(":")
        if name is None or not colon or own != name:
            continue
        if any(ancestor.element(element.id) is not None for ancestor in ancestors):
            continue  # a slice the ancestor has: restated, not added
        parent, slash, _ = name.rpartition("/")
        if slash:
            sliced_id = f"{sliced_id}:{parent}"  # a re-slice: of the slicing declared on slice ``parent``
        for ancestor in reversed(ancestors):
            definition = ancestor.element(sliced_id)
            slicing = definition.slicing if definition is not None else None
            if slicing is not None and slicing.rules == "closed":
                message = f"it adds slice {name} to the closed slicing of {sliced_id} in {ancestor.url}"
                problems.append(ProfileProblem(url, element.id, "closed-slicing", message))
                break
    return problems

"""Rules of the R4 definitional resources that their StructureDefinitions state in prose only (private).

Each rule below is a ``SHALL`` (or a definition that leaves no other reading) of the R4 4.0.1
definitions in ``../shared/fhir-packages``, checked where the validator's walker meets a
StructureDefinition, ValueSet, CodeSystem, CapabilityStatement or SearchParameter (contained
ones too):

- StructureDefinition: each differential element's ``path`` names an element of the type it
  constrains (ElementDefinition.path: "a "."-separated list of ancestor elements, beginning with
  the name of the resource or extension"; a choice is ``value[x]``, or ``value`` plus one of its
  types where a profile keeps one).
- ValueSet.compose.include.system and exclude.system: "An absolute URI"; the codes of their
  ``concept`` are codes of that system, as a Coding's are (rule ``nhsstd-code``, where the code
  system is known here or has a grammar, such as SNOMED CT's SCTIDs).
- ValueSet.compose.include.filter: with an operator such as ``is-a`` on the ``concept`` (or
  ``code``) property, the value is a concept of the system (R4 filter-operator).
- CodeSystem.property: a ``uri`` naming one of R4's concept properties
  (``http://hl7.org/fhir/concept-properties``) goes with the type R4 states for it.
- CodeSystem.content ``not-present``: "None of the concepts ... are included in the code system
  resource", so it has no ``concept``; ``supplements`` names the code system a supplement "is
  adding designations and properties to", and content ``supplement`` is that kind of resource:
  each implies the other.
- CapabilityStatement.rest(.resource).searchParam.type: "It SHALL be the same as the type in the
  search parameter definition".
- SearchParameter.derivedFrom: "the details in the search parameter must be consistent with the
  definition from which it is defined ... the same meaning": the same type, and bases that the
  original applies to.

The last two need the type and bases of R4's search parameters, which the R4 package lists in its
base CapabilityStatement (``http://hl7.org/fhir/CapabilityStatement/base``, one entry per resource
type and search parameter).  :func:`compile_search_parameters` keeps those facts and
``python -m nhsstd.conformance._compile`` ships them in ``_data/search_parameters.json``; they are
read the first time a CapabilityStatement or SearchParameter is validated.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import orjson

from nhsstd._once import Once

if TYPE_CHECKING:
    from nhsstd.conformance._validator import Walker, _Context, _Node, _Where
    from nhsstd.fhir._structure import R4Model

__all__ = [
    "SEARCH_PARAMETERS_FILE",
    "capability_statement_rule",
    "code_system_rule",
    "compile_search_parameters",
    "search_parameter_rule",
    "search_parameters",
    "structure_definition_rule",
    "value_set_rule",
]

#: The shipped search-parameter facts (written by ``python -m nhsstd.conformance._compile``).
SEARCH_PARAMETERS_FILE: Final = Path(__file__).parent / "_data" / "search_parameters.json"
#: Version of that file's layout.
_FORMAT: Final = 1
#: The R4 CapabilityStatement that lists every search parameter of every resource type.
_BASE_CAPABILITY_STATEMENT: Final = "http://hl7.org/fhir/CapabilityStatement/base"
#: An absolute URI begins with a scheme (RFC 3986, section 3.1).
_ABSOLUTE: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")

#: Most steps of an element path that are checked: the walker's MAX_DEPTH, below which no
#: content is walked (and a bound on the work a hostile path can ask for).
_MAX_STEPS: Final = 100
#: Search parameter URL -> (type, the resource types it applies to).
SearchParameterFacts = Mapping[str, tuple[str, frozenset[str]]]


# --- search-parameter facts ----------------------------------------------------------------------


def compile_search_parameters(r4_dir: Path) -> dict[str, Any]:
    """The type and bases of every search parameter that R4's base CapabilityStatement lists.

    Only the entries under a resource type are read: the server-wide list of that statement
    also holds placeholders (``something``) and a mislabelled ``_sort``.  Raises ValueError
    when the statement is missing or gives one parameter two types.
    """
    bundle = json.loads((r4_dir / "profiles-resources.json").read_bytes())
    statements = [
        entry["resource"]
        for entry in bundle["entry"]
        if entry["resource"].get("url") == _BASE_CAPABILITY_STATEMENT
    ]
    if len(statements) != 1:
        raise ValueError("the R4 package has no base CapabilityStatement")
    types: dict[str, str] = {}
    bases: dict[str, set[str]] = {}
    for rest in statements[0].get("rest", ()):
        for resource in rest.get("resource", ()):
            for parameter in resource.get("searchParam", ()):
                url, kind = parameter["definition"], parameter["type"]
                if types.setdefault(url, kind) != kind:
                    raise ValueError(f"the search parameter {url} has two types")
                bases.setdefault(url, set()).add(resource["type"])
    return {
        "format": _FORMAT,
        "parameters": {url: [types[url], *sorted(bases[url])] for url in sorted(types)},
    }


def _read_search_parameters() -> SearchParameterFacts:
    """The shipped search-parameter facts, read from their file on first use and then shared."""
    data = orjson.loads(SEARCH_PARAMETERS_FILE.read_bytes())
    if data.get("format") != _FORMAT:
        raise ValueError("the search parameters were compiled by another version of nhsstd")
    return {url: (row[0], frozenset(row[1:])) for url, row in data["parameters"].items()}


search_parameters: Final = Once(_read_search_parameters)


def _known(url: Any) -> tuple[str, frozenset[str]] | None:
    """The facts of the search parameter a canonical names (a ``|version`` suffix ignored)."""
    return search_parameters().get(url.partition("|")[0]) if isinstance(url, str) else None


# --- rules ---------------------------------------------------------------------------------------


def _objects(node: Mapping[str, Any], key: str) -> list[tuple[int, Mapping[str, Any]]]:
    values = node.get(key)
    if not isinstance(values, list):
        return []
    return [(index, value) for index, value in enumerate(values) if isinstance(value, Mapping)]


def structure_definition_rule(
    walker: Walker, plan: _Node, node: Mapping[str, Any], here: _Where, ctx: _Context
) -> None:
    """A constraint's differential names only elements of the type it constrains."""
    root = node.get("type")
    differential = node.get("differential")
    if (
        node.get("derivation") != "constraint"
        or not isinstance(root, str)
        or not isinstance(differential, Mapping)
    ):
        return
    if walker.model.type(root) is None:
        return  # a logical model or a type this model does not know: nothing to walk
    for index, element in _objects(differential, "element"):
        path = element.get("path")
        if isinstance(path, str) and path.partition(".")[0] == root and not _path_exists(walker.model, path):
            at = ((((here, "differential"), "element"), index), "path")
            message = f"the path names no element of {root}"
            ctx.add("error", "structure", at, message, "nhsstd-structuredefinition")
    # (a path that does not begin with the type is invariant sdf-8a's)


def _path_exists(model: R4Model, path: str) -> bool:
    """Whether an ElementDefinition path names an element: each step a child's name (``value[x]``)
    or, for a choice, its JSON name (``valueQuantity``), walking into each type's elements."""
    steps = path.split(".", _MAX_STEPS)
    if len(steps) > _MAX_STEPS:
        return True  # deeper than any content the walker follows (MAX_DEPTH): not checked
    containers = {steps[0]}
    for step in steps[1:]:
        found: set[str] = set()
        for container in containers:
            children = model.children(container) or {}
            if not step.endswith("[x]"):  # children are keyed by JSON name: one look-up
                child = children.get(step)
                if child is not None:
                    found.add(model.children_of(*child))
                continue
            for element, type_code in children.values():  # a choice: one entry per type
                if element.name == step:
                    found.add(model.children_of(element, type_code))
        if not found:
            return False
        containers = found
    return True


def value_set_rule(walker: Walker, plan: _Node, node: Mapping[str, Any], here: _Where, ctx: _Context) -> None:
    """ValueSet.compose.include.system and exclude.system are absolute URIs (their R4 definition),
    and the concepts they list are codes of that system."""
    compose = node.get("compose")
    if not isinstance(compose, Mapping):
        return
    for part in ("include", "exclude"):
        for index, include in _objects(compose, part):
            at = (((here, "compose"), part), index)
            system = include.get("system")
            if not isinstance(system, str):
                continue
            if not _ABSOLUTE.match(system):
                message = "the system must be an absolute URI (a contained code system is named by its url)"
                ctx.add("error", "invalid", (at, "system"), message, "nhsstd-valueset")
                continue
            for concept_index, concept in _objects(include, "concept"):
                code = concept.get("code")
                if isinstance(code, str) and walker.terminology.code_in_system(system, code) is False:
                    where = (((at, "concept"), concept_index), "code")
                    message = "the code is not defined by its code system"
                    ctx.add("error", "code-invalid", where, message, "nhsstd-code")
            for filter_index, rule in _objects(include, "filter"):
                value = rule.get("value")
                if (
                    rule.get("property") in ("concept", "code")
                    and rule.get("op") in _CONCEPT_OPERATORS
                    and isinstance(value, str)
                    and walker.terminology.code_in_system(system, value) is False
                ):
                    where = (((at, "filter"), filter_index), "value")
                    message = "the filter's value must be a code of the system"
                    ctx.add("error", "code-invalid", where, message, "nhsstd-code")


#: The concept properties R4 defines (CodeSystem ``http://hl7.org/fhir/concept-properties``) and
#: the type each definition states ("Property type is boolean", "The property type will be 'code'").
_CONCEPT_PROPERTIES: Final = "http://hl7.org/fhir/concept-properties#"
_CONCEPT_PROPERTY_TYPES: Final = {
    "inactive": "boolean",
    "deprecated": "dateTime",
    "notSelectable": "boolean",
    "parent": "code",
    "child": "code",
}
#: Filter operators whose value is a concept of the system (R4 filter-operator: "is-a: Includes all
#: concept ids that have a transitive is-a relationship with the concept Id provided as the value").
_CONCEPT_OPERATORS: Final = frozenset({"is-a", "descendent-of", "is-not-a", "generalizes"})


def code_system_rule(
    walker: Walker, plan: _Node, node: Mapping[str, Any], here: _Where, ctx: _Context
) -> None:
    """Content ``not-present`` has no concepts; ``supplements`` goes with content ``supplement``."""
    content = node.get("content")
    if content == "not-present" and _objects(node, "concept"):
        message = "the content is not-present, but the code system has concepts"
        ctx.add("error", "business-rule", (here, "concept"), message, "nhsstd-codesystem")
    supplements = "supplements" in node
    if supplements and isinstance(content, str) and content != "supplement":
        message = "a code system that supplements another must have the content supplement"
        ctx.add("error", "business-rule", (here, "content"), message, "nhsstd-codesystem")
    elif content == "supplement" and not supplements:
        message = "a supplement must name the code system it supplements"
        ctx.add("error", "business-rule", (here, "content"), message, "nhsstd-codesystem")
    for index, prop in _objects(node, "property"):
        uri, kind = prop.get("uri"), prop.get("type")
        if not (isinstance(uri, str) and uri.startswith(_CONCEPT_PROPERTIES) and isinstance(kind, str)):
            continue
        stated = _CONCEPT_PROPERTY_TYPES.get(uri[len(_CONCEPT_PROPERTIES) :])
        if stated is not None and kind != stated:
            message = f"the property's uri names an R4 concept property of type {stated}"
            ctx.add(
                "error", "business-rule", (((here, "property"), index), "type"), message, "nhsstd-codesystem"
            )


def capability_statement_rule(
    walker: Walker, plan: _Node, node: Mapping[str, Any], here: _Where, ctx: _Context
) -> None:
    """Each search parameter has the type of the R4 search parameter its ``definition`` names."""
    for rest_index, rest in _objects(node, "rest"):
        at_rest = ((here, "rest"), rest_index)
        holders: list[tuple[_Where, Mapping[str, Any]]] = [(at_rest, rest)]
        holders += [
            (((at_rest, "resource"), index), resource) for index, resource in _objects(rest, "resource")
        ]
        for where, holder in holders:
            for index, parameter in _objects(holder, "searchParam"):
                known = _known(parameter.get("definition"))
                kind = parameter.get("type")
                if known is not None and isinstance(kind, str) and kind != known[0]:
                    at = (((where, "searchParam"), index), "type")
                    message = (
                        f"the type must be the type of the search parameter its definition names ({known[0]})"
                    )
                    ctx.add("error", "business-rule", at, message, "nhsstd-capabilitystatement")


def search_parameter_rule(
    walker: Walker, plan: _Node, node: Mapping[str, Any], here: _Where, ctx: _Context
) -> None:
    """A search parameter derived from an R4 one keeps its type and applies to its resource types."""
    known = _known(node.get("derivedFrom"))
    if known is None:
        return
    kind, bases = known
    if isinstance(node.get("type"), str) and node["type"] != kind:
        message = f"the type must be the type of the search parameter it is derived from ({kind})"
        ctx.add("error", "business-rule", (here, "type"), message, "nhsstd-searchparameter")
    values = node.get("base")
    for index, base in enumerate(values if isinstance(values, list) else ()):
        if isinstance(base, str) and base not in bases:
            message = "the search parameter it is derived from does not apply to this resource type"
            ctx.add("error", "business-rule", ((here, "base"), index), message, "nhsstd-searchparameter")

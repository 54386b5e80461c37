"""nhsstd's FHIRPath evaluator against fhirpathpy on the shipped pack's constraints.

Every constraint expression of the pack (R4 core and UK Core) that fhirpathpy
can run by itself is evaluated by both engines on nodes of its context type
taken from the UK Core example fixtures, and on mutated variants of them
(missing elements, strings or numbers where objects belong, extra elements),
so that the comparison is not only on accepted data.  The verdicts must be
the same wherever fhirpathpy gives one (it fails on about 2% of the mutated
nodes).

No difference is left to list on these expressions and nodes.  Where
fhirpathpy is known to break the specifications -- a primitive with ``_name``
extensions seen as two items (FHIR R4 json.html, "Representing primitive
elements"), dates compared as strings (FHIRPath N1 section 6.2, precision),
``as()`` refused on a collection -- the pack's expressions do not meet it on
the example data; test_invariants covers those cases against the rules.
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import fhirpathpy
import orjson
import pytest
from fhirpathpy.models import models
from fhirpathpy.parser import parse as fhirpathpy_parse
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from nhsstd.conformance._fhirpath import _CORRECTED_EXPRESSIONS, InvariantEngine
from nhsstd.conformance._fhirpath._evaluator import descendants
from nhsstd.conformance._fhirpath._model import fhir_types, resource_element
from nhsstd.conformance._fhirpath._parse import parse
from nhsstd.conformance._pack import PROFILES_FILE
from nhsstd.fhir import xml

EXAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "ukcore-examples"
ENGINE = InvariantEngine()
#: Functions FHIR adds that fhirpathpy does not have (tested against their rules in test_invariants).
_FHIR_ONLY = ("hasValue()", "htmlChecks()", "resolve()", "memberOf(", "conformsTo(", "htmlLinks()")


def _pack_constraints() -> list[tuple[str, str, str]]:
    """Every (key, expression, context path) of the shipped pack, base and profiles."""
    pack = orjson.loads(PROFILES_FILE.read_bytes())
    rows = pack["constraints"]
    found: set[tuple[str, str, str]] = set()
    for path, facts in pack["base"].items():
        for index in facts.get("constraints", ()):
            found.add((rows[index][0], rows[index][2], path))
    for profile in pack["structures"].values():
        for element in profile.get("elements", ()):
            for index in element.get("constraints", ()):
                found.add((rows[index][0], rows[index][2], element["path"].replace("[x]", "")))
    return sorted(found)


CONSTRAINTS = _pack_constraints()


@cache
def _nodes_by_context() -> dict[str, list[tuple[Any, Any]]]:
    """Nodes of the example resources by context (type name or backbone path), with their resource."""
    found: dict[str, list[tuple[Any, Any]]] = {}
    types = fhir_types()
    for path in sorted(EXAMPLES.glob("*.xml")):
        data = path.read_bytes()
        resource = xml.loads(data, require_namespace=b'xmlns="http://hl7.org/fhir"' in data)
        found.setdefault(resource["resourceType"], []).append((resource, resource))
        for element in descendants([resource_element(resource)], types):
            if isinstance(element.data, dict):
                for context in {element.type, element.container} - {None}:
                    found.setdefault(str(context), []).append((element.data, resource))
    return found


def _fhirpathpy_verdict(expression: str, node: Any, resource: Any, context: str) -> bool | None:
    """fhirpathpy's verdict read as the engine reads a result; None when fhirpathpy fails."""
    try:
        variables = {"resource": resource, "rootResource": resource, "context": node}
        path = {"base": context, "expression": expression}
        result = fhirpathpy.evaluate(node, path, variables, models["r4"], {"traceFn": lambda *_: None})
    except Exception:
        return None
    if len(result) == 1 and isinstance(result[0], bool):
        return result[0]
    return len(result) > 0


#: The constraints both engines run, with the example nodes of their context.
COMPARABLE = [
    (key, expression, context)
    for key, expression, context in CONSTRAINTS
    if not any(name in _CORRECTED_EXPRESSIONS.get(expression, expression) for name in _FHIR_ONLY)
    and expression not in _CORRECTED_EXPRESSIONS
    and context in _nodes_by_context()
]


def _ours(expression: str, node: Any, resource: Any, context: str) -> bool | None:
    return ENGINE.check("t", expression, node, resource=resource, root=resource, type_name=context)


def _agrees(expression: str, node: Any, resource: Any, context: str) -> bool | None:
    """Whether the verdicts are the same; None when fhirpathpy fails on the data (nothing to compare)."""
    theirs = _fhirpathpy_verdict(expression, node, resource, context)
    if theirs is None:
        return None
    return _ours(expression, node, resource, context) is theirs


def test_every_comparable_constraint_agrees_on_the_example_nodes() -> None:
    compared = 0
    for key, expression, context in COMPARABLE:
        for node, resource in _nodes_by_context()[context][:5]:
            assert _agrees(expression, node, resource, context) is True, (key, context)
            compared += 1
    assert compared > 100


#: What mutations put where an element was: wrong JSON types, empties, objects of another shape.
ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from(["", "x", "#a", "2024-01-01", "2024-01-01T10:00:00Z", "<div/>", "Patient/1"]),
    st.lists(st.sampled_from(["a", 1, {}, {"id": "a"}, {"reference": "#x"}]), max_size=3),
    st.dictionaries(st.sampled_from(["id", "value", "system", "url", "reference", "start", "end"]),
                    st.sampled_from(["a", "2020", 5]), max_size=3),
)  # fmt: skip


def _mutate(node: Any, draw: st.DrawFn) -> Any:
    """*node* with one element dropped, replaced by an odd value, or one element added."""
    mutated = copy.deepcopy(node)
    target = mutated
    for _ in range(draw(st.integers(0, 2))):  # maybe go down into a child object
        children = [key for key, value in target.items() if isinstance(value, dict)]
        if not children:
            break
        target = target[draw(st.sampled_from(sorted(children)))]
    keys = sorted(key for key in target if key != "resourceType")
    action = draw(st.sampled_from(["drop", "replace", "add"] if keys else ["add"]))
    if action == "drop":
        del target[draw(st.sampled_from(keys))]
    elif action == "replace":
        target[draw(st.sampled_from(keys))] = draw(ODD_VALUES)
    else:
        name = draw(
            st.sampled_from(["extra", "start", "end", "value", "text", "system", "reference", "name"])
        )
        target[name] = draw(ODD_VALUES)
    return mutated


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_nodes_get_fhirpathpys_verdict(data: st.DataObject) -> None:
    key, expression, context = data.draw(st.sampled_from(COMPARABLE))
    node, resource = data.draw(st.sampled_from(_nodes_by_context()[context][:5]))
    mutated = data.draw(st.composite(lambda draw: _mutate(node, draw))())
    if node is resource:
        resource = mutated
    agrees = _agrees(expression, mutated, resource, context)
    event("fhirpathpy gives no verdict" if agrees is None else "compared")
    assert agrees is not False, (key, context, mutated)


@pytest.mark.parametrize(
    "expression",
    sorted({_CORRECTED_EXPRESSIONS.get(expression, expression) for _, expression, _ in CONSTRAINTS}),
)
def test_one_parse_gives_fhirpathpys_tree_for_every_pack_expression(expression: str) -> None:
    # The engine checks the grammar's entireExpression (with EOF) and builds fhirpathpy's tree from
    # that same parse; on a valid expression it is the tree fhirpathpy's parse() gives.
    assert parse(expression) == fhirpathpy_parse(expression)


@pytest.mark.parametrize("expression", ["name.exists() or", "name.exists() )", "name.where(", "a b"])
def test_an_expression_that_is_not_fhirpath_is_refused(expression: str) -> None:
    with pytest.raises(ValueError, match="syntax error"):
        parse(expression)

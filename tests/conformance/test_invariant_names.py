"""The element names a constraint reads, and its value on a node that has none of them.

A FHIRPath expression that reaches its context node only by navigating
element names (FHIRPath N1 section 5.1, "Path selection": a name selects the
children of that name, and an empty collection propagates) has the same value
on every node that has none of those names.  The engine derives the names from
the parse tree and uses that value instead of evaluating; these tests prove
the derived value equals a full evaluation for every constraint of the shipped
pack that qualifies, on arbitrary nodes.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from fhirpathpy.parser import parse as fhirpathpy_parse
from hypothesis import given, settings
from hypothesis import strategies as st

from nhsstd.conformance._fhirpath import _CORRECTED_EXPRESSIONS, InvariantEngine, _parse
from nhsstd.conformance._pack import PROFILES_FILE

ENGINE = InvariantEngine()


def _pack_constraints() -> list[tuple[str, str, str]]:
    """Every (key, expression, context type) of the shipped pack, base and profiles."""
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
#: The constraints the engine answers without evaluating when their names are absent.
BY_NAMES = [
    (key, expression, type_name, names)
    for key, expression, type_name in CONSTRAINTS
    if (names := ENGINE._compile(_CORRECTED_EXPRESSIONS.get(expression, expression)).names) is not None
]

#: Values no FHIR element should have, and some it may.
ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", "x", "#a", "2024-01-01", "<div/>", "C", "MORN"]),
    st.lists(st.sampled_from([None, "a", 1, {}, {"id": "a"}]), max_size=3),
    st.dictionaries(
        st.sampled_from(["id", "value", "extension", "url", "reference"]), st.just("a"), max_size=2
    ),
)
#: Keys no R4 element name starts with (so never one a constraint reads), and some common ones.
OTHER_KEYS = st.sampled_from(["zz", "_zz", "Zeta", "id", "resourceType", "é", "1", "z.y"])


def _full(engine: InvariantEngine, expression: str, node: Any, type_name: str) -> bool | None:
    compiled = engine._compile(_CORRECTED_EXPRESSIONS.get(expression, expression))
    return engine._evaluate(compiled.parsed, node, node, node, type_name, None)


def test_most_of_the_pack_qualifies_and_the_names_are_those_navigated() -> None:
    # R4 Timing, tim-1: "if there's a duration, there needs to be duration units"
    tim_1 = "duration.empty() or durationUnit.exists()"
    assert ENGINE._compile(tim_1).names == {"duration", "durationUnit"}
    assert ENGINE._compile(tim_1).vacuous is True
    # R4 Patient.contact, pat-1: "SHALL at least contain a contact's details or a reference to an
    # organization"
    pat_1 = "name.exists() or telecom.exists() or address.exists() or organization.exists()"
    assert ENGINE._compile(pat_1).vacuous is False
    assert len(BY_NAMES) > len(CONSTRAINTS) // 2


@pytest.mark.parametrize(
    "expression",
    [
        "hasValue() or (children().count() > id.count())",  # ele-1: a function on the node itself
        "$this.value.exists()",
        "%resource.contained.exists()",
        "Patient.name.exists()",  # a type name selects the node by its resourceType
        "name.union(telecom).exists()",  # union()'s argument is evaluated at the root
        "name.exists() or coalesce(telecom, address).exists()",
        "reference.resolve().exists()",
        "name.children().exists()",
        "period.exists() implies today() > period.start",
        "name.select($index).exists()",
        "not a FHIRPath expression (",
    ],
)
def test_expressions_that_can_reach_the_node_otherwise_are_always_evaluated(expression: str) -> None:
    assert ENGINE._compile(expression).names is None


#: Type names fhirpathpy appends to a choice element's name (``valueQuantity``).
CHOICE_SUFFIXES = st.sampled_from(
    ["Quantity", "String", "Reference", "Period", "DateTime", "CodeableConcept"]
)


@settings(max_examples=1500, deadline=None)
@given(constraint=st.sampled_from(BY_NAMES), data=st.data())
def test_the_value_without_the_names_equals_full_evaluation(
    constraint: tuple[str, str, str, frozenset[str]], data: st.DataObject
) -> None:
    key, expression, type_name, names = constraint
    read = st.sampled_from(sorted(names))
    # Keys: names the constraint reads (with "_" and choice-type suffixes) and keys it does not.
    keys = st.one_of(
        OTHER_KEYS,
        read,
        read.map(lambda name: "_" + name),
        st.tuples(read, CHOICE_SUFFIXES).map("".join),
    )
    node = data.draw(st.dictionaries(keys, ODD_VALUES, max_size=4))
    result = ENGINE.check(key, expression, node, resource=node, root=node, type_name=type_name)
    assert result == _full(ENGINE, expression, node, type_name)


@settings(max_examples=200, deadline=None)
@given(
    constraint=st.sampled_from(BY_NAMES),
    node=st.dictionaries(OTHER_KEYS, ODD_VALUES, max_size=4),
)
def test_nodes_without_the_names_take_the_derived_value(
    constraint: tuple[str, str, str, frozenset[str]], node: dict[str, Any]
) -> None:
    key, expression, type_name, _ = constraint
    compiled = ENGINE._compile(_CORRECTED_EXPRESSIONS.get(expression, expression))
    assert (
        ENGINE.check(key, expression, node, resource=node, root=node, type_name=type_name) == compiled.vacuous
    )
    assert compiled.vacuous == _full(ENGINE, expression, node, type_name)


@pytest.mark.parametrize(
    "expression",
    sorted({_CORRECTED_EXPRESSIONS.get(expression, expression) for _, expression, _ in CONSTRAINTS}),
)
def test_one_parse_gives_fhirpathpys_tree_for_every_pack_expression(expression: str) -> None:
    # The engine checks the grammar's entireExpression (with EOF) and builds fhirpathpy's tree from
    # that same parse; on a valid expression it is the tree fhirpathpy's parse() gives.
    assert _parse(expression) == fhirpathpy_parse(expression)


@pytest.mark.parametrize("expression", ["name.exists() or", "name.exists() )", "name.where(", "a b"])
def test_an_expression_that_is_not_fhirpath_is_refused(expression: str) -> None:
    with pytest.raises(Exception, match="syntax error"):
        _parse(expression)

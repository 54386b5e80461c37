"""FHIRPath invariants (``ElementDefinition.constraint``) evaluated with fhirpathpy.

fhirpathpy is a maintained FHIRPath engine with an R4 model.  This module
adds what FHIR R4 and UK Core constraints need and fhirpathpy lacks, as
functions of the evaluation context (FHIR R4 section 2.1.9.1 "Additional
functions"):

* ``hasValue()`` -- a single primitive with a value, not only extensions
  (fhirpathpy yields a primitive's ``_name`` extensions as a separate item,
  which is skipped here);
* ``htmlChecks()`` -- txt-1 and txt-2 for ``Narrative.div``: well-formed
  XHTML in a ``div``, only the elements and attributes FHIR R4 Narrative
  allows, and some non-whitespace content (or an image);
* ``resolve()`` -- a reference to a contained resource (``#id``), the
  container itself (``#``), or, when a Bundle is given, an entry by
  ``fullUrl`` or by ``Type/id``; anything else resolves to nothing, as the
  spec says for references that cannot be resolved;
* ``memberOf(url)`` -- through :class:`~nhsstd.conformance._terminology.Terminology`;
* comparisons, equality, ``in``/``contains``, ``count()`` and
  ``distinct()`` see a primitive with extensions once (fhirpathpy yields it
  as two items) and date and dateTime elements as dates, with FHIRPath's
  precision rule (fhirpathpy compares them as strings);
* ``as(type)`` on a collection keeps the items of that type (fhirpathpy
  accepts only one item; R4's dom-3 applies it to ``descendants()``, and the
  HL7 validator filters);
* ``descendants()`` does not go back into an element's own ancestors
  (fhirpathpy's never ends on a dict that contains itself, which a caller's
  data can);
* the environment variables ``%resource``, ``%rootResource``, ``%context``,
  ``%ucum``, ``%sct`` and ``%loinc``.

``conformsTo()`` is not provided: an invariant using it answers "cannot
evaluate" (None), like any expression fhirpathpy cannot evaluate and any
expression that is not valid FHIRPath (checked against the whole grammar:
fhirpathpy's parser silently recovers from syntax errors).

A constraint is met when its expression gives ``true``, or a non-empty
collection that is not a single ``false``; an empty result is not met, as
the HL7 validator reads it.  A few published R4 expressions do not say what
their text says and are evaluated as the text says (``_CORRECTED_EXPRESSIONS``:
ref-1, dom-3, que-12 and the ``-0`` name rules); ``htmlLinks()``, the links
of XHTML narrative, serves the corrected dom-3.

A known limit left: other functions (``first()``, ``select()``...) still
see a primitive with extensions as two items.

``trace()`` is silenced: fhirpathpy prints traced values to standard
output, and R4 constraints (que-1, ref-1, sdf-16...) trace resource content.

fhirpathpy keeps some state in globals (the type model set by ``is``/``as``,
the clock of ``now()``); with the one R4 model used here, sharing an engine
between threads is safe.

A constraint that reads its context node only through element names
(``duration.empty() or durationUnit.exists()``) has the same value on every
node that has none of those elements: the engine derives both facts when it
parses the expression (the names from the parse tree, the value by evaluating
on an empty node) and gives that value without evaluating when none of the
names is present.  Expressions that can reach the node another way
(``$this`` or a function at the root, ``%resource``, type names, ``union()``
and the other functions fhirpathpy evaluates at the root, ``resolve()``,
``children()``, clocks) are always evaluated.

For speed, expressions are parsed once per engine, and each check calls
fhirpathpy's evaluator directly with a small context dict, skipping
``fhirpathpy.evaluate``'s per-call work: re-wrapping the function table and
converting the whole result back to plain data.

>>> engine = InvariantEngine()
>>> contact = {"relationship": [{"text": "Friend"}]}
>>> pat_1 = "name.exists() or telecom.exists() or address.exists() or organization.exists()"
>>> engine.check("pat-1", pat_1, contact, resource={}, root={}, type_name="Patient.contact")
False
>>> engine.check("per-1", "start.hasValue().not() or end.hasValue().not() or (start <= end)",
...              {"start": "2024-01-01", "end": "2023-12-31"}, resource={}, root={}, type_name="Period")
False
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, cast

import fhirpathpy
from antlr4 import CommonTokenStream, InputStream  # type: ignore[import-untyped]
from antlr4.error.ErrorListener import ErrorListener  # type: ignore[import-untyped]
from antlr4.tree.Tree import ParseTreeWalker  # type: ignore[import-untyped]
from defusedxml import ElementTree as SafeElementTree  # type: ignore[import-untyped]
from fhirpathpy.engine import do_eval as _fhirpathpy_eval
from fhirpathpy.engine.invocations import invocation_registry as _fhirpathpy_registry
from fhirpathpy.engine.invocations.constants import constants
from fhirpathpy.engine.invocations.navigation import create_reduce_children as _fhirpathpy_children_fn
from fhirpathpy.engine.invocations.types import as_fn as _fhirpathpy_as_fn
from fhirpathpy.engine.nodes import FP_Type, ResourceNode
from fhirpathpy.parser.ASTPathListener import ASTPathListener
from fhirpathpy.parser.generated.FHIRPathLexer import FHIRPathLexer
from fhirpathpy.parser.generated.FHIRPathParser import FHIRPathParser

from nhsstd.conformance._terminology import Membership, Terminology

__all__ = ["InvariantEngine"]

# fhirpathpy's functions carry no annotations: typed once here.
_evaluate: Callable[[dict[str, Any], list[Any], Any], list[Any]] = _fhirpathpy_eval
_node: Callable[[Any, str | None], ResourceNode] = ResourceNode.create_node
_reset_constants: Callable[[], None] = constants.reset
_typed_value: Callable[[ResourceNode], Any] = ResourceNode.convert_data
_fhirpathpy_children_of: Callable[[dict[str, Any], bool], Callable[[list[Any], Any], list[Any]]] = (
    _fhirpathpy_children_fn
)
_fhirpathpy_functions = cast(Mapping[str, Mapping[str, Any]], _fhirpathpy_registry)
_fhirpathpy_as: Callable[[dict[str, Any], list[Any], Any], list[Any]] = _fhirpathpy_as_fn
#: fhirpathpy's functions and operators that must see each primitive once and dates as dates; the
#: counting ones also count primitives that have only extensions.
_COUNTING_FUNCTIONS: Final = frozenset({"count", "distinct", "isDistinct"})
_VALUE_FUNCTIONS: Final = (
    "=",
    "!=",
    "~",
    "!~",
    "<",
    "<=",
    ">",
    ">=",
    "inOp",
    "containsOp",
    "count",
    "distinct",
    "isDistinct",
)

_XHTML: Final = "{http://www.w3.org/1999/xhtml}"

#: FHIR R4 Narrative: the "basic html formatting elements" of HTML 4.0 chapters 7-11 (without
#: section 9.4), 11.5, ``a`` and ``img``.
_NARRATIVE_ELEMENTS: Final = frozenset(
    [
        "a",
        "abbr",
        "acronym",
        "address",
        "b",
        "big",
        "blockquote",
        "br",
        "caption",
        "cite",
        "code",
        "col",
        "colgroup",
        "dd",
        "del",
        "dfn",
        "div",
        "dl",
        "dt",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "ins",
        "kbd",
        "li",
        "ol",
        "p",
        "pre",
        "q",
        "samp",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "tt",
        "ul",
        "var",
    ]
)
#: The attributes those elements may carry (HTML 4.0 %attrs without the event handlers, plus the
#: element-specific ones of the chapters above; ``style`` is allowed as "internally contained"),
#: and XML's own xml:lang and xml:space.
_NARRATIVE_ATTRIBUTES: Final = frozenset(
    [
        "abbr",
        "accesskey",
        "align",
        "alt",
        "axis",
        "border",
        "cellpadding",
        "cellspacing",
        "char",
        "charoff",
        "charset",
        "cite",
        "class",
        "colspan",
        "compact",
        "dir",
        "frame",
        "headers",
        "height",
        "href",
        "hreflang",
        "id",
        "lang",
        "name",
        "rel",
        "rev",
        "rowspan",
        "rules",
        "scope",
        "shape",
        "span",
        "src",
        "start",
        "style",
        "summary",
        "tabindex",
        "title",
        "type",
        "valign",
        "value",
        "width",
        "{http://www.w3.org/XML/1998/namespace}lang",
        "{http://www.w3.org/XML/1998/namespace}space",
    ]
)

#: Reasons fhirpathpy may fail on an expression or a resource: reported as "cannot evaluate".
_EVALUATION_ERRORS: Final = (Exception, RecursionError)


#: What a constraint that is not valid FHIRPath is parsed into.
_UNPARSABLE: Final = object()


#: Functions whose value may depend on more than their input (the root, the clock, the
#: Bundle), or that walk a whole subtree: a constraint using one is always evaluated.
_NODE_READING_FUNCTIONS: Final = frozenset(
    {"resolve", "children", "descendants", "now", "today", "timeOfDay"}
)
#: Parse-tree node types that cannot read the context node themselves.
_NAVIGATION_FREE_NODES: Final = frozenset(
    {
        "Functn",
        "ParamList",
        "Identifier",
        "NullLiteral",
        "LiteralTerm",
        "NumberLiteral",
        "StringLiteral",
        "BooleanLiteral",
        "QuantityLiteral",
        "DateTimeLiteral",
        "TimeLiteral",
        "ParenthesizedTerm",
        "PolarityExpression",
        "IndexerExpression",
        "MembershipExpression",
        "TermExpression",
        "UnionExpression",
        "InvocationExpression",
        "InequalityExpression",
        "AdditiveExpression",
        "MultiplicativeExpression",
        "TypeExpression",
        "EqualityExpression",
        "OrExpression",
        "ImpliesExpression",
        "AndExpression",
        "XorExpression",
        "TypeSpecifier",
        "QualifiedIdentifier",
    }
)


class _NotByNames(Exception):
    """The expression can read its context node other than through element names."""


class _CannotEvaluate(Exception):
    """The expression needs something this engine does not have (a terminology server...)."""


class _SyntaxErrors(ErrorListener):  # type: ignore[misc]
    """Raises on the first syntax error (fhirpathpy's parser recovers from them silently)."""

    def syntaxError(self, recognizer: Any, symbol: Any, line: int, column: int, msg: str, e: Any) -> None:  # noqa: N802
        raise _CannotEvaluate(f"FHIRPath syntax error at column {column}")


def _parse(expression: str) -> Any:
    """The whole *expression* parsed with FHIRPath's grammar into fhirpathpy's tree form.

    Raises on any syntax error: fhirpathpy's own ``parse`` reads an
    ``expression`` without the trailing EOF of the grammar's
    ``entireExpression`` rule and ignores syntax errors, so a truncated or
    misspelt constraint would otherwise be evaluated as something else.  The
    tree is built by fhirpathpy's listener from the same parse (parsing is
    most of the engine's start-up).
    """
    lexer = FHIRPathLexer(InputStream(expression))
    parser = FHIRPathParser(CommonTokenStream(lexer))
    for recognizer in (lexer, parser):
        recognizer.removeErrorListeners()
        recognizer.addErrorListener(_SyntaxErrors())
    tree = parser.entireExpression()  # type: ignore[no-untyped-call]
    listener = ASTPathListener()  # type: ignore[no-untyped-call]
    ParseTreeWalker().walk(listener, tree.expression())
    return listener.parentStack[0]


def _function_params(function: Mapping[str, Any], name: str, count: int) -> list[str]:
    """The kinds of the *count* parameters fhirpathpy gives *name* (``Expr``: evaluated per item)."""
    if name in _NODE_READING_FUNCTIONS or "variadic" in function:
        raise _NotByNames(name)
    kinds: list[str] = function.get("arity", {}).get(count, [])
    if len(kinds) != count or "AnyAtRoot" in kinds:
        # AnyAtRoot parameters are evaluated on the root (or the last $this), not on the input
        raise _NotByNames(name)
    return kinds


def _element_names(tree: Mapping[str, Any], *, per_item: bool, names: set[str]) -> None:
    """Adds to *names* every element name *tree* navigates by; raises ``_NotByNames`` if it can
    reach the context node any other way.

    At the root of an expression, and in the parameters of functions that are
    not evaluated per item, a path must start with an element name (or a
    literal): ``$this`` and a function without a focus would apply to the
    context node itself.  Inside a per-item parameter (``where()``,
    ``select()``, ``exists()``...) they apply to the items, which come from
    those names.  A capitalised name can be the resource's own type
    (``Patient.name``), which fhirpathpy finds by ``resourceType``.
    """
    kind = tree["type"]
    children: list[Any] = tree.get("children", [])
    if kind == "InvocationTerm":
        (term,) = children
        if term["type"] == "ThisInvocation" and per_item:
            return
        if term["type"] == "FunctionInvocation" and per_item:
            _element_names(term, per_item=per_item, names=names)
            return
        if term["type"] != "MemberInvocation":
            raise _NotByNames(term["type"])  # $this, a function, $index, $total at the root
        _element_names(term, per_item=per_item, names=names)
    elif kind == "MemberInvocation":
        name = children[0]["text"].replace("`", "")
        if not name[:1].islower():
            raise _NotByNames(name)
        names.add(name)
    elif kind == "FunctionInvocation":
        (functn,) = children
        name = functn["children"][0]["text"]
        params = functn["children"][1]["children"] if len(functn["children"]) > 1 else []
        function = _FUNCTIONS.get(name) or _fhirpathpy_functions.get(name)
        if function is None:
            raise _NotByNames(name)
        kinds = _function_params(function, name, len(params))
        for param, param_kind in zip(params, kinds, strict=True):
            if param_kind in ("TypeSpecifier", "Identifier"):
                continue  # a type or a name, not evaluated
            _element_names(param, per_item=per_item or param_kind == "Expr", names=names)
    elif kind in _NAVIGATION_FREE_NODES:
        for child in children:
            _element_names(child, per_item=per_item, names=names)
    else:
        raise _NotByNames(kind)  # %constants and anything this analysis does not know


def _names_read(parsed: Any) -> frozenset[str] | None:
    """The element names through which alone *parsed* reads its context node, or None."""
    names: set[str] = set()
    try:
        _element_names(parsed, per_item=False, names=names)
    except _NotByNames:
        return None
    return frozenset(names)


def _has_any(node: Mapping[Any, Any], names: frozenset[str]) -> bool:
    """Whether *node* has a property fhirpathpy could read for one of *names*.

    It reads ``name``, ``_name`` and, for a choice element, ``name`` + a type
    name (``valueQuantity``): any key that starts with a name counts, and so
    does any key that is not a string.
    """
    for key in node:
        if not isinstance(key, str):
            return True
        bare = key[1:] if key[:1] == "_" else key
        if bare in names or any(bare.startswith(name) for name in names):
            return True
    return False


def _data(item: Any) -> Any:
    return item.data if isinstance(item, ResourceNode) else item


def _is_primitive_value(value: Any) -> bool:
    return (value is not None and not isinstance(value, (Mapping, list))) or isinstance(value, FP_Type)


def _has_value(ctx: dict[str, Any], inputs: list[Any]) -> bool:
    # A primitive's ``_name`` (id/extension only) comes from fhirpathpy as its own item: skip it.
    values = [item for item in inputs if not isinstance(_data(item), Mapping)]
    return len(values) == 1 and _is_primitive_value(_data(values[0]))


def _narrative_is_valid(div: Any) -> bool:
    if not isinstance(div, str):
        return False
    try:
        root = SafeElementTree.fromstring(div)
    except Exception:  # defusedxml raises several types: any of them means not acceptable XHTML
        return False
    if root.tag != _XHTML + "div":
        return False
    has_content = False
    for element in root.iter():
        if not isinstance(element.tag, str) or not element.tag.startswith(_XHTML):
            return False
        if element.tag[len(_XHTML) :] not in _NARRATIVE_ELEMENTS:
            return False
        if any(name not in _NARRATIVE_ATTRIBUTES for name in element.attrib):
            return False
        text = (element.text or "") + (element.tail or "" if element is not root else "")
        has_content = has_content or bool(text.strip()) or element.tag == _XHTML + "img"
    return has_content


def _html_links(ctx: dict[str, Any], inputs: list[Any]) -> list[str]:
    """The ``href`` and ``src`` values in the XHTML items of the input (narrative links)."""
    links: list[str] = []
    for item in inputs:
        if isinstance(item, ResourceNode) and item.path == "xhtml" and isinstance(item.data, str):
            try:
                root = SafeElementTree.fromstring(item.data)
            except Exception:  # defusedxml raises several types; txt-1 reports bad XHTML
                continue
            links.extend(
                value
                for element in root.iter()
                for name, value in element.attrib.items()
                if name in ("href", "src")
            )
    return links


def _html_checks(ctx: dict[str, Any], inputs: list[Any]) -> bool:
    return len(inputs) == 1 and _narrative_is_valid(_data(inputs[0]))


def _reference_text(item: Any) -> str | None:
    data = _data(item)
    if isinstance(data, Mapping):
        data = data.get("reference")
    return data if isinstance(data, str) else None


def _resolve(ctx: dict[str, Any], inputs: list[Any]) -> list[ResourceNode]:
    # The validator's own reference lookups (imported here: the validator imports this module).
    from nhsstd.conformance._validator import _bundle_index, _contained, _resolve_in_bundle

    root, bundle = ctx["vars"]["rootResource"], ctx["bundle"]
    index = _bundle_index(bundle) if isinstance(bundle, Mapping) else {}
    found = []
    for item in inputs:
        reference = _reference_text(item)
        if reference is None:
            continue
        if reference == "#":
            target = root  # the container itself
        elif reference.startswith("#"):
            target = _contained(root, reference[1:]) if isinstance(root, Mapping) else None
        else:
            target = _resolve_in_bundle(index, reference)
        if target is not None:
            found.append(_node(target, None))
    return found


def _member_of(ctx: dict[str, Any], inputs: list[Any], valueset: Any) -> bool | list[bool]:
    terminology: Terminology | None = ctx["terminology"]
    if terminology is None or not isinstance(valueset, str):
        raise _CannotEvaluate("memberOf needs the terminology")
    if len(inputs) != 1:
        return []
    data = _data(inputs[0])
    codings: Sequence[Any]
    if isinstance(data, str):
        answers = {terminology.check(valueset, None, data)}
    else:
        codings = data.get("coding", [data]) if isinstance(data, Mapping) else []
        answers = {
            terminology.check(valueset, coding.get("system"), coding["code"])
            for coding in codings
            if isinstance(coding, Mapping) and isinstance(coding.get("code"), str)
        }
    if Membership.MEMBER in answers:
        return True
    if Membership.UNKNOWN in answers:
        raise _CannotEvaluate("the ValueSet cannot be expanded locally")
    return False


def _as_type(ctx: dict[str, Any], inputs: list[Any], type_info: Any) -> list[Any]:
    # fhirpathpy's as() wants a single item; R4's dom-3 applies it to collections
    # (%resource.descendants().as(canonical)) and the HL7 validator keeps the items of the type.
    return [item for item in inputs if _fhirpathpy_as(ctx, [item], type_info)]


def _is_extensions_of_primitive(item: ResourceNode) -> bool:
    # fhirpathpy types it by the primitive's type name: "date", "string"...
    path = item.path or ""
    return isinstance(item.data, Mapping) and path[:1].islower() and "." not in path


def _values(items: list[Any], *, counting: bool) -> list[Any]:
    """Each primitive once, dates as dates.

    fhirpathpy yields a primitive with ``_name`` extensions as two items (the
    value, then ``{"extension": ...}`` under the same path), and ``null``
    placeholders of ``_name`` arrays as items too: ``count()`` and ``=`` would
    see both.  A primitive with only extensions has no value to compare, but
    still counts.  fhirpathpy also compares date and dateTime values from the
    data as plain strings, where its own date types follow FHIRPath's
    precision rule ("2023-06-21" against "2023-06-21T06:20:00Z" is empty,
    section 6.2); convert_data() gives those types by the element's FHIR type.
    """
    valued = {
        item.propName for item in items if isinstance(item, ResourceNode) and _is_primitive_value(item.data)
    }
    kept = []
    for item in items:
        if isinstance(item, ResourceNode):
            if item.data is None:
                continue
            if _is_extensions_of_primitive(item):
                if item.propName in valued or not counting:
                    continue
            elif not isinstance(item.data, Mapping):
                item = _typed_value(item)
        kept.append(item)
    return kept


def _on_values(name: str) -> Mapping[str, Any]:
    entry = _fhirpathpy_functions[name]
    function: Callable[..., Any] = entry["fn"]
    nullable = "nullable" in entry
    counting = name in _COUNTING_FUNCTIONS

    def invoke(ctx: dict[str, Any], *arguments: Any) -> Any:
        values = [
            _values(argument, counting=counting) if isinstance(argument, list) else argument
            for argument in arguments
        ]
        if nullable and any(isinstance(value, list) and not value for value in values):
            return []
        return function(ctx, *values)

    return {**entry, "fn": invoke}


def _descendants(ctx: dict[str, Any], inputs: list[Any]) -> list[Any]:
    """descendants(), level by level as fhirpathpy gives them, never into an object's own ancestors.

    fhirpathpy's own never ends on data that contains itself (a caller's
    dicts can; JSON cannot) and copies its whole result at every level.
    """
    children_of = _fhirpathpy_children_of(ctx, False)
    found: list[Any] = []
    level = [(item, frozenset({id(_data(item))})) for item in inputs]
    while level:
        below = []
        for item, ancestors in level:
            for child in children_of([], item):
                data = _data(child)
                if isinstance(data, (Mapping, list)):
                    if id(data) in ancestors:
                        continue
                    below.append((child, ancestors | {id(data)}))
                else:
                    below.append((child, ancestors))
        found.extend(child for child, _ in below)
        level = below
    return found


def _ignore_trace(label: str, value: Any) -> None:
    """fhirpathpy's trace() prints resource content; a validator never does."""


#: Published R4 expressions that do not say what their constraint's text says, and the expression
#: evaluated instead:
#: * ref-1, "SHALL have a contained resource if a local reference is provided": a Reference with
#:   no ``reference`` has no local reference, and ``#`` alone is the container (R4 references.html,
#:   "contained resources"), which is not in ``contained``;
#: * the ``-0`` name rules of canonical resources, "Name should be usable as an identifier...":
#:   with no name there is nothing to check, and a name is usable only as a whole;
#: * que-12, "If there are more than one enableWhen, enableBehavior must be specified": more
#:   than one is ``> 1``, not ``> 2``;
#: * dom-3, "If the resource is contained in another resource, it SHALL be referred to from
#:   elsewhere in the resource...": the narrative is part of the resource, so a link to
#:   ``#id`` from it (``<img src="#id">``) counts too.
_R4_DOM_3: Final = (
    "contained.where((('#'+id in (%resource.descendants().reference | "
    "%resource.descendants().as(canonical) | %resource.descendants().as(uri) | "
    "%resource.descendants().as(url))) or descendants().where(reference = '#').exists() or "
    "descendants().where(as(canonical) = '#').exists() or "
    "descendants().where(as(canonical) = '#').exists()).not()).trace('unmatched', id).empty()"
)
_CORRECTED_EXPRESSIONS: Final[Mapping[str, str]] = {
    "reference.startsWith('#').not() or (reference.substring(1).trace('url') in "
    "%rootResource.contained.id.trace('ids'))": (
        "reference.exists() implies (reference = '#' or reference.startsWith('#').not() or "
        "(reference.substring(1) in %rootResource.contained.id))"
    ),
    "name.matches('[A-Z]([A-Za-z0-9_]){0,254}')": (
        "name.exists() implies name.matches('^[A-Z]([A-Za-z0-9_]){0,254}$')"
    ),
    "enableWhen.count() > 2 implies enableBehavior.exists()": (
        "enableWhen.count() > 1 implies enableBehavior.exists()"
    ),
    _R4_DOM_3: _R4_DOM_3.replace(
        "descendants().where(as(canonical) = '#').exists()).not())",
        "descendants().where(as(canonical) = '#').exists() or "
        "('#'+id in %resource.descendants().htmlLinks())).not())",
    ),
}

#: The functions added to fhirpathpy, in its invocation-table form.
_FUNCTIONS: Final[Mapping[str, Mapping[str, Any]]] = {
    "hasValue": {"fn": _has_value},
    "htmlChecks": {"fn": _html_checks},
    "htmlLinks": {"fn": _html_links},
    "descendants": {"fn": _descendants},
    "resolve": {"fn": _resolve},
    "memberOf": {"fn": _member_of, "arity": {1: ["String"]}},
    "as": {"fn": _as_type, "arity": {1: ["TypeSpecifier"]}},
    **{name: _on_values(name) for name in _VALUE_FUNCTIONS},
}

_CODE_SYSTEMS: Final = {
    "ucum": "http://unitsofmeasure.org",
    "sct": "http://snomed.info/sct",
    "loinc": "http://loinc.org",
}


def _r4_model() -> dict[str, Any]:
    # Only the R4 tables: importing fhirpathpy.models would read all four FHIR versions.
    folder = Path(fhirpathpy.__file__).parent / "models" / "r4"
    return {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in folder.glob("*.json")}


def _is_met(result: list[Any]) -> bool:
    """Whether a constraint's result means it is met, as the HL7 validator reads it.

    A single boolean is itself; an empty result is not met (per-1 comparing
    a date with a dateTime on the same day is empty, and fails: fhir-test-cases
    ``encounter-period``); any other non-empty result is met.
    """
    if len(result) == 1:
        value = _data(result[0])
        if isinstance(value, bool):
            return value
    return len(result) > 0


class _Compiled:
    """A parsed constraint expression and what is known of it before any data is seen."""

    __slots__ = ("names", "parsed", "vacuous")

    def __init__(self, parsed: Any, names: frozenset[str] | None, vacuous: bool | None) -> None:
        self.parsed = parsed
        #: the element names through which alone it reads its context node (None: other ways too)
        self.names = names
        #: its value on a node that has none of those names
        self.vacuous = vacuous


class InvariantEngine:
    """Evaluates FHIRPath constraints on FHIR JSON data.

    Thread-safe: compiled expressions are kept in a dict filled under a lock,
    and each evaluation gets its own context.  Give a *terminology* for
    ``memberOf()``.
    """

    def __init__(self, *, terminology: Terminology | None = None) -> None:
        self._terminology = terminology
        self._model = _r4_model()
        # Parsing costs milliseconds per expression and each constraint runs on every resource,
        # so each expression is compiled once per engine: this dict is the compiled form, not a
        # cache of results.
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def _compile(self, expression: str) -> _Compiled:
        """The parsed expression (``_UNPARSABLE`` if it is not FHIRPath) and its derived facts."""
        compiled = self._compiled.get(expression)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(expression)
                if compiled is None:
                    try:
                        parsed = _parse(expression)
                    except _EVALUATION_ERRORS:
                        compiled = _Compiled(_UNPARSABLE, None, None)
                    else:
                        names = _names_read(parsed["children"][0])
                        vacuous = (
                            self._evaluate(parsed, {}, {}, {}, None, None) if names is not None else None
                        )
                        compiled = _Compiled(parsed, names, vacuous)
                    self._compiled[expression] = compiled
        return compiled

    def check(
        self,
        key: str,
        expression: str,
        node: Any,
        *,
        resource: Mapping[str, Any],
        root: Mapping[str, Any],
        type_name: str,
        bundle: Mapping[str, Any] | None = None,
    ) -> bool | None:
        """Whether *node* meets the constraint: True, False, or None when it cannot be evaluated.

        *type_name* is the FHIR type of *node* (``"Period"``, ``"Patient"``)
        or, for a backbone element, its element path (``"Patient.contact"``),
        so that choice elements and types are known to the expression.
        *resource* is ``%resource``, *root* ``%rootResource`` (the container
        of a contained resource) and *bundle* the Bundle in which
        ``resolve()`` looks for entries.  *key* names the constraint in
        errors only.
        """
        compiled = self._compile(_CORRECTED_EXPRESSIONS.get(expression, expression))
        if compiled.parsed is _UNPARSABLE:
            return None
        if compiled.names is not None and isinstance(node, Mapping) and not _has_any(node, compiled.names):
            return compiled.vacuous  # the node has nothing the expression reads
        return self._evaluate(compiled.parsed, node, resource, root, type_name, bundle)

    def _evaluate(
        self, parsed: Any, node: Any, resource: Mapping[str, Any], root: Mapping[str, Any],
        type_name: str | None, bundle: Mapping[str, Any] | None,
    ) -> bool | None:  # fmt: skip
        focus = _node(node, type_name)
        ctx: dict[str, Any] = {
            "dataRoot": [focus],
            "vars": {"context": focus, "resource": resource, "rootResource": root, **_CODE_SYSTEMS},
            "model": self._model,
            "userInvocationTable": _FUNCTIONS,
            "traceFn": _ignore_trace,
            "terminology": self._terminology,
            "bundle": bundle,
        }
        try:
            _reset_constants()  # today() and now() are fixed per evaluation
            result = _evaluate(ctx, ctx["dataRoot"], parsed["children"][0])
        except _EVALUATION_ERRORS:
            return None
        return _is_met(result)

"""FHIRPath invariants (``ElementDefinition.constraint``) evaluated on FHIR JSON data.

Each constraint's expression is parsed once (with fhirpathpy's ANTLR grammar,
refusing any syntax error) and compiled into a tree of Python closures by
:mod:`nhsstd.conformance._fhirpath._evaluator`, which works directly on the
JSON data: a primitive and its ``_name`` sibling are one element, and each
element has its FHIR type from the shipped R4 structure model, so choice
elements (``value[x]``), ``is``/``as``/``ofType`` and the primitive types
(dates compared with FHIRPath's precision rule, decimals exact) follow the
FHIRPath N1 specification.  fhirpathpy's interpreter is not used.

FHIR R4 (section 2.1.9.1 "Additional functions") adds, and this module gives
the evaluator:

* ``hasValue()`` -- a single primitive with a value, not only extensions;
* ``extension(url)`` -- the extensions with that url;
* ``htmlChecks()`` -- txt-1 and txt-2 for ``Narrative.div``: well-formed
  XHTML in a ``div``, only the elements and attributes FHIR R4 Narrative
  allows, and some non-whitespace content (or an image);
* ``resolve()`` -- a reference to a contained resource (``#id``), the
  container itself (``#``), or, when a Bundle is given, an entry by
  ``fullUrl`` or by ``Type/id``; anything else resolves to nothing, as the
  spec says for references that cannot be resolved;
* ``memberOf(url)`` -- through :class:`~nhsstd.conformance._terminology.Terminology`;
* the environment variables ``%resource``, ``%rootResource``, ``%context``,
  ``%ucum``, ``%sct``, ``%loinc``, ``%`vs-name``` and ``%`ext-name```.

``conformsTo()`` is not provided: an invariant using it answers "cannot
evaluate" (None), like any function the evaluator does not have, any
FHIRPath error (comparing a collection of two, a regular expression Python
cannot read) and any expression that is not valid FHIRPath.

A constraint is met when its expression gives ``true``, or a non-empty
collection that is not a single ``false``; an empty result is not met, as
the HL7 validator reads it.  A few published R4 expressions do not say what
their text says and are evaluated as the text says (``_CORRECTED_EXPRESSIONS``:
ref-1, dom-3, que-12 and the ``-0`` name rules); ``htmlLinks()``, the links
of XHTML narrative, serves the corrected dom-3.

``trace()`` is silent: R4 constraints (que-1, ref-1, sdf-16...) trace
resource content.  ``today()`` and ``now()`` are read once per evaluation.
Compiled expressions are shared between threads (they hold no state); each
evaluation has its own scope.

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

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from defusedxml import ElementTree as SafeElementTree  # type: ignore[import-untyped]

from nhsstd.conformance._fhirpath._evaluator import (
    Environment,
    EvaluationError,
    Scope,
    compile_expression,
    value_of,
)
from nhsstd.conformance._fhirpath._model import Element, resource_element
from nhsstd.conformance._fhirpath._parse import FhirPathSyntaxError, parse
from nhsstd.conformance._terminology import Membership, Terminology

__all__ = ["InvariantEngine"]

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


#: What a compiled constraint is: the collection it gives for a node of a type, in an environment.
_Compiled = Callable[[Any, str, Environment], list[Any]]


class _CannotEvaluate(EvaluationError):
    """The expression needs something this engine does not have (a terminology server...)."""


def _html_links(scope: Scope, items: list[Any]) -> list[Any]:
    """The ``href`` and ``src`` values in the XHTML items of the input (narrative links)."""
    links: list[Any] = []
    for item in items:
        if isinstance(item, Element) and item.type == "xhtml" and isinstance(item.data, str):
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


def _html_checks(scope: Scope, items: list[Any]) -> list[Any]:
    return [len(items) == 1 and _narrative_is_valid(value_of(items[0]))]


def _reference_text(item: Any) -> str | None:
    data = item.data if isinstance(item, Element) else item
    if isinstance(data, Mapping):
        data = data.get("reference")
    return data if isinstance(data, str) else None


def _resolve(scope: Scope, items: list[Any]) -> list[Any]:
    # The validator's own reference lookups (imported here: the validator imports this module).
    from nhsstd.conformance._validator import _bundle_index, _contained, _resolve_in_bundle

    root, bundle = scope.environment.root, scope.environment.bundle
    index = _bundle_index(bundle) if isinstance(bundle, Mapping) else {}
    found = []
    for item in items:
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
            found.append(resource_element(target))
    return found


def _member_of(scope: Scope, items: list[Any], valuesets: list[Any]) -> list[Any]:
    terminology: Terminology | None = scope.environment.terminology
    valueset = value_of(valuesets[0]) if len(valuesets) == 1 else None
    if terminology is None or not isinstance(valueset, str):
        raise _CannotEvaluate("memberOf needs the terminology")
    if len(items) != 1:
        return []
    data = items[0].data if isinstance(items[0], Element) else items[0]
    # bound once for all the codes asked about (as a walker plan binds each binding's value set)
    bound = terminology.valueset(valueset)
    codings: Sequence[Any]
    if isinstance(data, str):
        answers = {bound.check(None, data)}
    else:
        codings = data.get("coding", [data]) if isinstance(data, Mapping) else []
        answers = {
            bound.check(coding.get("system"), coding["code"])
            for coding in codings
            if isinstance(coding, Mapping) and isinstance(coding.get("code"), str)
        }
    if Membership.MEMBER in answers:
        return [True]
    if Membership.UNKNOWN in answers:
        raise _CannotEvaluate("the ValueSet cannot be expanded locally")
    return [False]


#: The functions FHIR adds that need more than the data (the root, the Bundle, the terminology).
_FHIR_FUNCTIONS: Final[Mapping[str, Callable[..., list[Any]]]] = {
    "htmlChecks": _html_checks,
    "htmlLinks": _html_links,
    "resolve": _resolve,
    "memberOf": _member_of,
}


def _is_met(result: list[Any]) -> bool:
    """Whether a constraint's result means it is met, as the HL7 validator reads it.

    A single boolean is itself; an empty result is not met (per-1 comparing
    a date with a dateTime on the same day is empty, and fails: fhir-test-cases
    ``encounter-period``); any other non-empty result is met.
    """
    if len(result) == 1:
        value = result[0]
        if value is True or value is False:
            return value
        value = value_of(value)
        if isinstance(value, bool):
            return value
    return len(result) > 0


def _unevaluable(node: Any, type_name: str, environment: Environment) -> list[Any]:
    raise _CannotEvaluate("not valid FHIRPath, or uses what the evaluator does not have")


class InvariantEngine:
    """Evaluates FHIRPath constraints on FHIR JSON data.

    Thread-safe: compiled expressions are kept in a dict filled under a lock,
    and each evaluation gets its own scope.  Give a *terminology* for
    ``memberOf()``.
    """

    def __init__(self, *, terminology: Terminology | None = None) -> None:
        self._terminology = terminology
        # Parsing costs milliseconds per expression and each constraint runs on every resource,
        # so each expression is compiled once per engine: this dict is the compiled form, not a
        # cache of results.
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def _compile(self, expression: str) -> _Compiled:
        """The compiled expression (as corrected; one that always raises if it cannot be compiled)."""
        compiled = self._compiled.get(expression)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(expression)
                if compiled is None:
                    try:
                        compiled = compile_expression(
                            parse(_CORRECTED_EXPRESSIONS.get(expression, expression))
                        )
                    except (FhirPathSyntaxError, EvaluationError, RecursionError):
                        compiled = _unevaluable
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
        compiled = self._compiled.get(expression) or self._compile(expression)
        environment = Environment(resource, root, _FHIR_FUNCTIONS, bundle, self._terminology)
        try:
            result = compiled(node, type_name, environment)
        except (EvaluationError, RecursionError):
            return None
        return _is_met(result)

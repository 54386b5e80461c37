"""The conformance validator: a walker over FHIR JSON driven by per-profile-set plans (private).

For each resource type and set of profiles the validator builds, once, a *plan*:
for every element it meets, the rules that apply there (base structure from
:mod:`nhsstd.fhir._structure`, base constraints and bindings and every
profile's differential from the rule pack).  Plans are built lazily, as deep as
instances go, and kept for the Validator's lifetime, so a second Patient costs
only the walk itself.  Plan nodes are immutable once built except for their
child tables, which are filled with single dict assignments (a race builds a
child twice and keeps either: both are equal), so one Validator serves any
number of threads.
"""

from __future__ import annotations

import base64
import datetime
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Final, TypeAlias

from nhsstd.conformance import _definitions
from nhsstd.conformance._fhirpath import InvariantEngine
from nhsstd.conformance._outcome import Issue, Outcome, Severity
from nhsstd.conformance._pack import MISSING, BaseFacts, Constraint, ElementDef, Profile, RulePack, TypeRef
from nhsstd.conformance._terminology import BoundValueSet, Membership, Terminology
from nhsstd.exceptions import ValidationError
from nhsstd.fhir._structure import ElementInfo, R4Model

__all__ = ["MAX_DEPTH", "Walker"]

#: Deepest nesting of objects walked; real resources stay far below (UK Core Patient: 7).
MAX_DEPTH: Final = 100

#: Profiles an item may be in the middle of being checked against at once, for ``profile``
#: discriminators (a slice whose profile slices by profile again...): a bound on that recursion.
_MAX_PROFILE_NESTING: Final = 8

#: A profile's view of one element: the profile and its definition of the element.
Layer = tuple[Profile, ElementDef]

_RESOURCE_TYPES: Final = frozenset({"Resource", "DomainResource"})
_EXTENSION_KEYS: Final = frozenset({"extension", "modifierExtension"})
_CHECKED_STRENGTHS: Final = frozenset({"required", "extensible"})
_CODED_TYPES: Final = frozenset({"code", "Coding", "CodeableConcept", "Quantity", "string", "uri"})

#: JSON types each primitive takes (FHIR JSON, section 2.6.2: numbers and booleans unquoted;
#: the others are strings).  A decimal may also be a finite Decimal (FHIR XML keeps it exact).
_JSON_TYPES: Final[dict[str, frozenset[type]]] = {
    "boolean": frozenset({bool}),
    "integer": frozenset({int}),
    "positiveInt": frozenset({int}),
    "unsignedInt": frozenset({int}),
    "decimal": frozenset({int, float, Decimal}),
}
#: The Python types a JSON value can have, most specific first (a bool is also an int).
_VALUE_TYPES: Final = (bool, str, int, float, Decimal)
_INTEGER_RANGE: Final = {
    "integer": (-(2**31), 2**31 - 1),
    "positiveInt": (1, 2**31 - 1),
    "unsignedInt": (0, 2**31 - 1),
}
#: Primitives whose regex allows impossible dates (31 February): parsed as calendar dates too.
_DATE_TYPES: Final = frozenset({"date", "dateTime", "instant"})
#: Largest string FHIR allows (R4 datatypes, string: "1,048,576 characters").
_MAX_STRING: Final = 1024 * 1024
#: The types that limit applies to: string and its specialisations (not base64Binary, uri...).
_STRING_TYPES: Final = frozenset({"string", "code", "id", "markdown"})
#: R4 regexes that Python's backtracking engine runs in exponential time on near misses, with a
#: linear regex for the same language: base64Binary's ``\s*`` on both sides of each group.
_LINEAR_EQUIVALENTS: Final = {r"(\s*([0-9a-zA-Z\+/=]){4}\s*)+": r"\s*(?:[0-9a-zA-Z+/=]{4}\s*)+"}


#: Where a node is: the resource's name, or where its parent is and then the step to the node
#: (``.name``, or ``[index]`` for an int), joined into a FHIRPath (``Patient.identifier[0].value``)
#: only when an issue is reported there (:func:`_path`).
_Where: TypeAlias = "str | tuple[_Where, str | int]"


def _path(where: _Where) -> str:
    steps: list[str] = []
    while not isinstance(where, str):
        where, step = where
        steps.append(f"[{step}]" if isinstance(step, int) else f".{step}")
    return where + "".join(reversed(steps))


class _Context:
    """The state of one validation: issues found and the resources around the node."""

    __slots__ = (
        "bundle",
        "bundle_resource",
        "bundle_type",
        "conforming",
        "contained",
        "depth",
        "entry_url",
        "issues",
        "resource",
        "root",
        "source_url",
        "too_deep",
        "versions",
    )

    def __init__(self) -> None:
        self.issues: list[Issue] = []
        #: fullUrl -> meta.versionId of each entry, for fullUrls that several entries share
        self.versions: dict[str, list[Any]] = {}
        #: objects entered and not yet left (a bound on nesting, so on recursion)
        self.depth = 0
        #: the nesting bound was hit: invariants are no longer evaluated, since an expression such
        #: as dom-3's descendants() would walk the whole over-deep content from every level above it
        self.too_deep = False
        self.resource: Mapping[str, Any] = {}
        self.root: Mapping[str, Any] = {}
        self.contained: frozenset[str] = frozenset()
        self.bundle: Mapping[str, Mapping[str, Any]] | None = None
        self.bundle_type: Any = None
        #: the Bundle around the resource being walked (for resolve() in invariants)
        self.bundle_resource: Mapping[str, Any] | None = None
        #: fullUrl of the Bundle entry being walked, and of the entry holding the current resource
        self.entry_url: Any = None
        self.source_url: Any = None
        #: (item, profile URL) pairs being checked for a ``profile`` discriminator, shared with
        #: the scratch contexts of those checks (see :meth:`Walker._conforms_to`)
        self.conforming: set[tuple[int, str]] = set()

    def add(self, severity: Severity, code: str, location: _Where, message: str, rule: str) -> None:
        self.issues.append(Issue(severity, code, _path(location), message, rule))


class _Node:
    """The plan for one instance node: its type and every rule that applies to it.

    Everything that depends only on the element and its profiles is worked out when the plan
    is built, so that walking an instance does no more than the checks that can fail there.
    """

    __slots__ = (
        "bindings",
        "constraints",
        "container",
        "entry",
        "extras_required",
        "fixed",
        "int_range",
        "invariant_type",
        "is_canonical",
        "is_date",
        "is_resource",
        "json_types",
        "layers",
        "max_length",
        "max_text",
        "narrowed",
        "path",
        "patterns",
        "primitive",
        "props",
        "regex",
        "required",
        "resource_types",
        "rules",
        "target_types",
        "type_name",
        "value_rules",
    )

    def __init__(self) -> None:
        self.type_name = ""
        self.path = ""
        self.container: str | None = None
        self.primitive = False
        self.is_resource = False
        #: a Bundle.entry, whose fullUrl the references inside it are resolved against
        self.entry = False
        self.regex: re.Pattern[str] | None = None
        self.layers: tuple[Layer, ...] = ()
        self.constraints: tuple[Constraint, ...] = ()
        #: (strength, value set) of the checked bindings, each value set resolved once
        self.bindings: tuple[tuple[str, BoundValueSet], ...] = ()
        self.fixed: tuple[Any, ...] = ()
        self.patterns: tuple[Any, ...] = ()
        self.max_length: int | None = None
        self.target_types: frozenset[str] | None = None
        self.required: tuple[_Required, ...] = ()
        #: a primitive: what its id and extensions must hold (a required extension or slice of
        #: one), checked as missing when the primitive has no extras at all
        self.extras_required: tuple[_Required, ...] = ()
        #: the type name the invariants are evaluated as (a backbone element's path)
        self.invariant_type = ""
        #: a primitive: the JSON types its value may take, and the checks of its text or number
        self.json_types: frozenset[type] = frozenset()
        self.max_text: int | None = None
        self.is_date = False
        self.is_canonical = False
        self.int_range: tuple[int, int] | None = None
        #: a primitive with a fixed or pattern value, a checked binding or an invariant
        self.value_rules = False
        #: an object: the rules of its type and profiles, in the order they run
        self.rules: tuple[_Rule, ...] = ()
        #: JSON property name -> what it is (see :meth:`Walker._entry`); names that are not
        #: properties of the node are never stored, so the table is bounded by the definitions.
        self.props: dict[str, _Entry] = {}
        #: a resource element (Bundle.entry.resource, contained): per definition that names profiles
        #: for resource types, its types (the resource must conform to one profile of its own type)
        self.resource_types: tuple[tuple[TypeRef, ...], ...] = ()
        #: a resource element: per definition narrowing it to resource types, the types it allows
        self.narrowed: tuple[frozenset[str], ...] = ()


class _Required:
    """An element (or slice) that must appear at least ``minimum`` times.

    A slice's items are counted by :meth:`Walker._slices` when its element is present; its
    requirement here is only checked when the element is absent (``absent_only``), where no
    item can be in it.  ``where`` is the step to the element from the node.
    """

    __slots__ = ("absent_only", "keys", "label", "minimum", "rule", "where")

    def __init__(
        self, keys: frozenset[str], minimum: int, label: str, rule: str, *, where: str | None = None,
        absent_only: bool = False,
    ) -> None:  # fmt: skip
        self.keys = keys
        self.minimum = minimum
        self.label = label
        self.rule = rule
        self.where = label if where is None else where
        self.absent_only = absent_only


#: One discriminator test of a slice: (discriminator type, path steps, what to compare with).
_Test = tuple[str, tuple[str, ...], Any]


class _SliceGroup:
    """One profile's slicing of an element: the slices and how to tell them apart."""

    __slots__ = (
        "by_profile",
        "discriminators",
        "ordered",
        "parent",
        "profile",
        "rules",
        "slices",
        "tests",
        "views",
    )

    def __init__(
        self, profile: Profile, discriminators: tuple[tuple[str, str], ...], rules: str, ordered: bool,
        slices: list[ElementDef],
    ) -> None:  # fmt: skip
        self.profile = profile
        self.discriminators = discriminators
        self.rules = rules
        self.ordered = ordered
        self.slices = slices
        #: per slice, the discriminator tests an item must pass to belong to it.
        self.tests: list[tuple[_Test, ...]] = []
        #: per discriminator, the path whose values its tests look at (the same for every
        #: slice, so an item's values there are found once): None when the tests need none
        self.views: tuple[tuple[str, ...] | None, ...] = ()
        #: a re-slicing (slice names ``a/b``): the index of the group slicing ``a`` among the
        #: property's groups and ``a``'s position there; only ``a``'s items are sliced again
        self.parent: tuple[int, int] | None = None
        #: some discriminator is ``profile``: telling an item's slice walks it against a profile
        self.by_profile = False


class _Prop:
    """The plan for one JSON property of a node (``identifier``, ``valueQuantity``)."""

    __slots__ = (
        "choice",
        "denied",
        "element",
        "extension",
        "extra_key",
        "groups",
        "is_array",
        "items",
        "key",
        "label",
        "layers",
        "maximums",
        "primitive",
        "type_name",
    )

    def __init__(self) -> None:
        self.key = ""
        #: the key of a primitive's id and extensions (``_birthDate``)
        self.extra_key = ""
        self.label = ""
        self.type_name = ""
        self.element: ElementInfo | None = None
        self.is_array = False
        self.primitive = False
        self.layers: tuple[Layer, ...] = ()
        self.maximums: tuple[int, ...] = ()
        self.groups: tuple[_SliceGroup, ...] = ()
        #: a profile does not allow this type here (a choice narrowed to other types)
        self.denied = False
        #: the choice element's name (``deceased[x]``), None for other elements
        self.choice: str | None = None
        #: an ``extension`` or ``modifierExtension`` property
        self.extension = False
        #: item plans by (matched slice of each group, extension URL known to the pack).
        self.items: dict[tuple[Any, ...], _Item] = {}


#: How an item is checked: its plan and, for an extension whose definition the pack holds,
#: that definition and the issues of using it here (wrong kind of extension, wrong context);
#: then, per definition giving its type several profiles, their URLs (it must conform to one of
#: each, and is walked against the first it conforms to: see :meth:`Walker._chosen_item`).
_Item = tuple[_Node, Profile | None, tuple[str, ...], tuple[tuple[str, ...], ...]]

#: What a JSON property name of a node stands for (:meth:`Walker._entry`).
_ELEMENT: Final = 0  # an element of the node
_EXTRAS: Final = 1  # ``_name``: the id and extensions of the primitive element ``name``
_RESOURCE_TYPE: Final = 2  # ``resourceType`` of a resource
_Entry = tuple[int, _Prop]
#: The property a ``resourceType`` entry stands for: none.
_NO_PROP: Final = _Prop()

#: Whether an item, or what a ``profile`` discriminator's path reaches from it, conforms to one of
#: a slice's profiles: (item's value, path steps, the test's data) -> verdict (:meth:`Walker._conforms`).
_Conforms = Callable[[Any, tuple[str, ...], Any], bool]
#: What a ``profile`` discriminator checks: a node (a primitive's value, None when it has only
#: extras), a primitive's extras (its ``_name`` object, else None), its type where a choice key names
#: it, the fullUrl of the Bundle entry holding it, and the resource containing it (a contained resource).
_Reached = tuple[Any, Any, str | None, Any, Mapping[str, Any] | None]

#: A rule of an object node, run after its properties (fixed value, type rule, invariants).
_Rule = Callable[["Walker", _Node, Mapping[str, Any], _Where, "_Context"], None]


def _max_of(text: str) -> int:
    return -1 if text == "*" else int(text)


class Walker:
    """Validates resources against the base definitions and profiles of a rule pack."""

    def __init__(
        self, pack: RulePack, model: R4Model, terminology: Terminology, invariants: InvariantEngine
    ) -> None:
        self.pack = pack
        self.model = model
        self.terminology = terminology
        self.invariants = invariants
        self._roots: dict[tuple[str, tuple[str, ...]], _Node] = {}
        self._nodes: dict[tuple[Any, ...], _Node] = {}
        self._regexes: dict[str, re.Pattern[str]] = {
            name: re.compile(_LINEAR_EQUIVALENTS.get(regex, regex))
            for name, regex in pack.primitive_regex.items()
        }

    # --- entry points ----------------------------------------------------------------------------

    def validate(self, resource: Mapping[str, Any], profiles: Sequence[str], uk_core: bool) -> Outcome:
        ctx = _Context()
        resource_type = resource.get("resourceType")
        location = (
            resource_type if isinstance(resource_type, str) and resource_type.isidentifier() else "Resource"
        )
        self._resource(resource, location, ctx, profiles, uk_core, None)
        return Outcome(tuple(ctx.issues))

    def _resource(
        self, resource: Mapping[str, Any], location: _Where, ctx: _Context, profiles: Sequence[str],
        uk_core: bool, container: Mapping[str, Any] | None, *, declared: bool = True,
    ) -> None:  # fmt: skip
        """Walk a resource against its base definition, ``profiles`` and (when ``declared``) the
        profiles its own ``meta.profile`` names."""
        resource_type = resource.get("resourceType")
        info = self.model.type(resource_type) if isinstance(resource_type, str) else None
        if info is None or info.kind != "resource" or info.abstract:
            what = "has no resourceType" if resource_type is None else "has an unknown resourceType"
            ctx.add("error", "structure", location, f"the resource {what}", "nhsstd-resource-type")
            return
        assert isinstance(resource_type, str)
        wanted = list(profiles)
        meta = resource.get("meta")
        named = meta.get("profile") if declared and isinstance(meta, Mapping) else None
        if isinstance(named, list):
            for index, url in enumerate(named):
                if not isinstance(url, str):
                    continue  # the walker reports the wrong JSON type
                if self.pack.knows(url):
                    wanted.append(url)
                else:
                    ctx.add(
                        "warning", "not-supported", ((location, "meta.profile"), index),
                        "the profile is not known, so the resource was not checked against it",
                        "nhsstd-profile",
                    )  # fmt: skip
        if uk_core:
            uk_profile = self.pack.uk_core_profile(resource_type)
            if uk_profile is not None:
                wanted.append(uk_profile)
        chosen: list[str] = []
        for url in wanted:
            profile = self.pack.profile(url)
            if profile is None:
                continue
            if profile.type != resource_type:
                ctx.add(
                    "error", "structure", location,
                    f"the resource is a {resource_type} but a profile for {profile.type} was asked for",
                    "nhsstd-profile",
                )  # fmt: skip
            elif profile.url not in chosen:
                chosen.append(profile.url)
        plan = self._root_plan(resource_type, tuple(sorted(chosen)))
        saved = (
            ctx.resource,
            ctx.root,
            ctx.contained,
            ctx.bundle,
            ctx.bundle_type,
            ctx.bundle_resource,
            ctx.source_url,
        )
        if container is None:
            ctx.source_url = ctx.entry_url
        ctx.resource = resource
        ctx.root = container if container is not None else resource
        if container is None:
            ctx.contained = _contained_ids(resource)
        if resource_type == "Bundle":
            ctx.bundle = _bundle_index(resource)
            ctx.bundle_type = resource.get("type")
            ctx.bundle_resource = resource
            ctx.versions = _shared_full_urls(resource)
        self._object(plan, resource, location, ctx, uk_core)
        (
            ctx.resource,
            ctx.root,
            ctx.contained,
            ctx.bundle,
            ctx.bundle_type,
            ctx.bundle_resource,
            ctx.source_url,
        ) = saved

    # --- plans -----------------------------------------------------------------------------------

    def _root_plan(self, resource_type: str, profiles: tuple[str, ...]) -> _Node:
        key = (resource_type, profiles)
        plan = self._roots.get(key)
        if plan is None:
            layers: list[Layer] = []
            for url in profiles:
                for profile in self.pack.chain(url):
                    layers.append((profile, profile.root))
            plan = self._node(resource_type, resource_type, resource_type, tuple(layers))
            plan.is_resource = True
            self._roots[key] = plan
        return plan

    def _node(
        self,
        type_name: str,
        path: str,
        container: str | None,
        layers: tuple[Layer, ...],
        *,
        extras: bool = False,
    ) -> _Node:
        """The plan of a node of ``type_name`` at element ``path``, constrained by ``layers``.

        ``extras`` gives the plan of a primitive's ``_name`` object (its id and extensions):
        the primitive's own rules (fixed value, binding...) are not for it.
        """
        key = (type_name, path, container, tuple((p.url, e.id) for p, e in layers), extras)
        plan = self._nodes.get(key)
        if plan is not None:
            return plan
        plan = _Node()
        plan.type_name = type_name
        plan.path = path
        plan.layers = layers
        info = self.model.type(type_name)
        plan.primitive = info is not None and info.kind == "primitive-type" and not extras
        plan.container = None if plan.primitive else container
        if plan.primitive:
            plan.regex = self._regexes.get(type_name)
        facts: list[BaseFacts] = [self.pack.base_facts(path)]
        if path != type_name:
            facts.append(self.pack.base_facts(type_name))
        if extras:
            facts, layers = [], ()
        constraints: dict[tuple[str, str], Constraint] = {}
        bindings: dict[tuple[str, str], None] = {}
        fixed: list[Any] = []
        patterns: list[Any] = []
        lengths: list[int] = []
        sources: list[BaseFacts | ElementDef] = [*facts, *(element for _, element in layers)]
        for source in sources:
            for constraint in source.constraints:
                constraints.setdefault((constraint.key, constraint.expression), constraint)
            if source.binding is not None:
                bindings[source.binding] = None
            if source.fixed is not MISSING:
                fixed.append(source.fixed)
            if source.pattern is not MISSING:
                patterns.append(source.pattern)
            if source.max_length is not None:
                lengths.append(source.max_length)
        plan.constraints = tuple(constraints.values())
        # A profile's binding replaces the base one (it may name a narrower or a wider value set).
        profiled = {element.binding: None for _, element in layers if element.binding is not None}
        # only required and extensible bindings are checked (terminologies.html 4.1.5)
        plan.bindings = tuple(
            (strength, self.terminology.valueset(url))
            for strength, url in (profiled or bindings)
            if strength in _CHECKED_STRENGTHS
        )
        plan.fixed = tuple(fixed)
        plan.patterns = tuple(patterns)
        plan.max_length = min(lengths) if lengths else None
        if type_name == "Reference":
            plan.target_types = self._target_types(facts[0].targets if facts else (), layers)
        if plan.container is not None:
            plan.required = self._required(plan)
        if type_name in _RESOURCE_TYPES and not extras:
            plan.resource_types = tuple(
                element.types for _, element in layers if any(ref.profiles for ref in element.types)
            )
            plan.narrowed = tuple(
                dict.fromkeys(
                    self._with_derived(codes)
                    for _, element in layers
                    if self._narrowed(type_name, codes := {ref.code for ref in element.types})
                )
            )
        plan.entry = path == "Bundle.entry"
        plan.invariant_type = path if plan.container == path and path != type_name else type_name
        if plan.primitive:
            self._plan_primitive(plan)
        else:
            plan.rules = self._rules(plan)
        self._nodes[key] = plan
        return plan

    def _plan_primitive(self, plan: _Node) -> None:
        """Which checks a primitive's value gets, by its type and rules."""
        type_name = plan.type_name
        plan.json_types = _JSON_TYPES.get(type_name, frozenset({str}))
        plan.max_text = _MAX_STRING if type_name in _STRING_TYPES else None
        plan.is_date = type_name in _DATE_TYPES
        plan.is_canonical = type_name == "canonical"
        plan.int_range = _INTEGER_RANGE.get(type_name)
        coded = bool(plan.bindings) and type_name in _CODED_TYPES
        plan.value_rules = bool(plan.fixed or plan.patterns or coded or plan.constraints)
        if any(d.min for _, element in plan.layers for found in element.children.values() for d in found):
            holder = self._node(type_name, plan.path, "Element", plan.layers, extras=True)
            plan.extras_required = holder.required

    @staticmethod
    def _rules(plan: _Node) -> tuple[_Rule, ...]:
        """The rules an object node runs after its properties, in the order they report."""
        rules: list[_Rule] = []
        if plan.fixed:
            rules.append(Walker._fixed)
        if plan.patterns:
            rules.append(Walker._pattern)
        rule = _TYPE_RULES.get(plan.type_name)
        # a CodeableConcept's codes are only looked at for its bindings
        if rule is not None and not (plan.type_name == "CodeableConcept" and not plan.bindings):
            rules.append(rule)
        if plan.constraints:
            rules.append(Walker._invariants)
        return tuple(rules)

    def _target_types(self, base: tuple[str, ...], layers: tuple[Layer, ...]) -> frozenset[str] | None:
        """The resource types a Reference may point to: those every definition allows."""
        allowed: frozenset[str] | None = None
        targets = [base] + [
            tuple(url for ref in element.types if ref.code == "Reference" for url in ref.target_profiles)
            for _, element in layers
        ]
        for urls in targets:
            if not urls:
                continue
            types = set()
            for url in urls:
                profile = self.pack.profile(url)
                types.add(profile.type if profile is not None else url.rpartition("/")[2].partition("|")[0])
            if "Resource" in types:
                continue
            allowed = frozenset(types) if allowed is None else allowed & frozenset(types)
        return allowed

    def _required(self, plan: _Node) -> tuple[_Required, ...]:
        assert plan.container is not None
        children = self.model.children(plan.container) or {}
        keys_of: dict[str, set[str]] = {}  # element name -> the JSON keys that give it
        for json_name, (element, type_code) in children.items():
            keys = keys_of.setdefault(element.name, set())
            keys.add(json_name)
            if self._is_primitive(type_code):
                keys.add("_" + json_name)
        required: list[_Required] = []
        seen_base: set[str] = set()
        for element, _ in children.values():
            if element.min > 0 and element.name not in seen_base:
                seen_base.add(element.name)
                required.append(
                    _Required(
                        frozenset(keys_of[element.name]), element.min, element.name, "nhsstd-cardinality"
                    )
                )
        sliced: dict[str, None] = {}
        for _, layer_element in plan.layers:
            for name, definitions in layer_element.children.items():
                given = frozenset(keys_of.get(name, ()) or self._choice_keys(name, keys_of))
                for definition in definitions:
                    if definition.min and definition.slice_name is None and given:
                        required.append(_Required(given, definition.min, name, "nhsstd-cardinality"))
                    elif definition.min and name.endswith("[x]") and definition.slice_name is not None:
                        typed = self._type_slice_required(definition, keys_of.get(name, set()))
                        if typed is not None:
                            required.append(typed)
                    elif definition.min and name in keys_of.get(name, ()):
                        sliced[name] = None  # a required slice of an element that is not a choice
        for name in sliced:
            required.extend(self._slice_minimums(plan, name, frozenset(keys_of[name])))
        # one issue per requirement, however many definitions state it (a type slice and its shorthand)
        unique = {(r.keys, r.minimum, r.label, r.rule, r.where, r.absent_only): r for r in required}
        return tuple(unique.values())

    def _slice_minimums(self, plan: _Node, name: str, keys: frozenset[str]) -> list[_Required]:
        """The slices of element ``name`` that must have items: reported when the element is absent.

        R4 profiling.html: a slice's cardinality is the number of the element's items in it
        (ElementDefinition.min), so a slice with a minimum needs the element, which the
        element's own (lower) minimum does not say.  The slices are those :meth:`_slices` counts
        when the element is present, with the same message (none of its items is in any).
        """
        entry = self._entry(plan, name)
        if entry is None or entry[0] != _ELEMENT:
            return []
        prop = entry[1]
        required: list[_Required] = []
        for group in prop.groups:
            for slice_def in group.slices:
                if slice_def.min:
                    label = f"slice {slice_def.slice_name}"
                    required.append(
                        _Required(
                            keys, slice_def.min, label, "nhsstd-slice", where=prop.label, absent_only=True
                        )
                    )
        return required

    def _type_slice_required(self, definition: ElementDef, keys: set[str]) -> _Required | None:
        """What a type slice of a choice element with a minimum requires: a value of its type.

        R4 profiling.html, slicing choice elements: ``value[x]:valueQuantity`` 1..1 says the value
        must be a Quantity (as its shorthand ``Observation.valueQuantity`` 1..1 does, with the same
        issue): it is missing when value[x] is absent or given as another type.
        """
        assert definition.min is not None
        named = sorted(k for k in self._type_slice_keys(definition.name, definition) if k in keys)
        if not named:
            return None
        given = frozenset(k for n in named for k in (n, "_" + n))  # as _choice_keys gives a shorthand's
        label = named[0] if len(named) == 1 else definition.name
        return _Required(given, definition.min, label, "nhsstd-cardinality")

    @staticmethod
    def _type_slice_keys(name: str, definition: ElementDef) -> frozenset[str]:
        """The JSON keys a type slice of choice element ``name`` (``value[x]``) stands for: its
        name when that is a type-specific name (``valueQuantity``), and one per type it gives."""
        base = name.removesuffix("[x]")
        keys = {base + t.code[:1].upper() + t.code[1:] for t in definition.types}
        slice_name = definition.slice_name or ""
        if slice_name.startswith(base) and slice_name[len(base) : len(base) + 1].isupper():
            keys.add(slice_name)
        return frozenset(keys)

    @staticmethod
    def _choice_keys(name: str, keys_of: Mapping[str, set[str]]) -> set[str]:
        # A differential may name one choice type as an element (Observation.valueQuantity).
        for base, keys in keys_of.items():
            if base.endswith("[x]") and name in keys:
                return {name, "_" + name}
        return set()

    def _is_primitive(self, type_code: str) -> bool:
        info = self.model.type(type_code)
        return info is not None and info.kind == "primitive-type"

    def _entry(self, plan: _Node, key: Any) -> _Entry | None:
        """What property ``key`` of a node stands for, kept in the node's table; None (and not
        kept, so the table stays bounded by the definitions) for a name the node does not have."""
        if not isinstance(key, str) or not key:
            return None
        entry: _Entry | None = None
        if key[0] == "_":
            value_entry = self._entry(plan, key[1:]) if len(key) > 1 else None
            if value_entry is not None and value_entry[0] == _ELEMENT and value_entry[1].primitive:
                entry = (_EXTRAS, value_entry[1])
        else:
            prop = self._prop(plan, key)
            if prop is not None:
                entry = (_ELEMENT, prop)
            elif key == "resourceType" and plan.is_resource:
                entry = (_RESOURCE_TYPE, _NO_PROP)
        if entry is not None:
            plan.props[key] = entry
        return entry

    def _prop(self, plan: _Node, key: str) -> _Prop | None:
        """The plan for property ``key`` of a node, or None for an element the type does not have."""
        prop = None
        found = self.model.child(plan.container, key) if plan.container is not None else None
        if found is not None:
            element, type_code = found
            prop = _Prop()
            prop.key = key
            prop.extra_key = "_" + key
            prop.element = element
            prop.type_name = type_code
            prop.is_array = element.is_array
            prop.primitive = self._is_primitive(type_code)
            prop.label = f"{element.name[:-3]}.ofType({type_code})" if element.is_choice else element.name
            prop.choice = element.name if element.is_choice else None
            prop.extension = key in _EXTENSION_KEYS
            layers: list[Layer] = []
            groups: list[_SliceGroup] = []
            maximums = [_max_of(element.max)]
            type_sliced = element.is_choice and not element.is_array
            # a closed type slicing of the choice; a type slice (or shorthand) for this key's type
            closed = typed = False
            for profile, layer_element in plan.layers:
                definitions = self._layer_children(layer_element, element.name, key)
                unsliced = [d for d in definitions if d.slice_name is None]
                slices = [d for d in definitions if d.slice_name is not None]
                for definition in unsliced:
                    layers.append((profile, definition))
                    if definition.max is not None:
                        maximums.append(definition.max)
                    allowed = {t.code for t in definition.types}
                    if allowed and type_code not in allowed and not self._narrowed(type_code, allowed):
                        prop.denied = True  # the profile narrows the element's types
                if type_sliced:
                    # R4 profiling.html, slicing choice elements: a type slice (value[x]:valueQuantity, or
                    # its shorthand Observation.valueQuantity) constrains the value when it is of that
                    # type, its max 0 rules the type out, and a closed slicing allows no other type
                    closed = closed or any(
                        d.slicing is not None and d.slicing.rules == "closed" for d in unsliced
                    )
                    typed = typed or any(d.name == key for d in unsliced)
                    for definition in slices:
                        if key in self._type_slice_keys(element.name, definition):
                            typed = True
                            layers.append((profile, definition))
                            if definition.max is not None:
                                maximums.append(definition.max)
                elif slices:
                    groups.extend(self._slice_groups(profile, unsliced, slices, element.name, len(groups)))
            if closed and not typed:
                prop.denied = True
            prop.layers = tuple(layers)
            prop.maximums = tuple(m for m in maximums if m >= 0)
            prop.groups = tuple(groups)
        return prop

    def _narrowed(self, type_code: str, allowed: set[str]) -> bool:
        """A Resource element (Bundle.entry.resource) narrowed to resource types, as a slice does."""
        if type_code not in _RESOURCE_TYPES:
            return False
        kinds = {found.kind if (found := self.model.type(code)) is not None else None for code in allowed}
        return kinds == {"resource"}

    @staticmethod
    def _layer_children(element: ElementDef, name: str, key: str) -> list[ElementDef]:
        found = list(element.children.get(name, ()))
        if name != key and key in element.children:
            found.extend(element.children[key])  # Observation.valueQuantity as an element of its own
        return found

    def _slice_groups(
        self, profile: Profile, unsliced: list[ElementDef], slices: list[ElementDef], name: str, offset: int
    ) -> list[_SliceGroup]:
        """A profile's slicing of an element and, under each slice that is sliced again, its re-slicing.

        R4 profiling.html, "Re-profiling and Re-slicing": a slice may itself be sliced; the slices
        of slice ``a`` are named ``a/b`` and sort the items of ``a`` only.  ``offset`` is the index
        the first group will have among the property's groups.
        """
        named = {s.slice_name: s for s in slices}
        top = [s for s in slices if s.slice_name is not None and "/" not in s.slice_name]
        for definition in slices:
            # a re-slice whose slice this profile does not restate: that slice is the ancestor's
            parent_name = (definition.slice_name or "").rpartition("/")[0]
            while parent_name and parent_name not in named:
                found = self._ancestor_slice(profile, definition.id.rpartition(":")[0], parent_name)
                if found is None:
                    break
                named[parent_name] = found
                if "/" not in parent_name:
                    top.append(found)
                parent_name = parent_name.rpartition("/")[0]
        groups = [self._slice_group(profile, unsliced, top, name)]
        index = 0
        while index < len(groups):
            for position, sliced in enumerate(groups[index].slices):
                prefix = f"{sliced.slice_name}/"
                resliced = [
                    s for s in slices
                    if s.slice_name is not None and s.slice_name.startswith(prefix)
                    and "/" not in s.slice_name[len(prefix):]
                ]  # fmt: skip
                if resliced:
                    group = self._slice_group(profile, [sliced], resliced, name)
                    group.parent = (offset + index, position)
                    groups.append(group)
            index += 1
        return groups

    def _ancestor_slice(self, profile: Profile, element_id: str, slice_name: str) -> ElementDef | None:
        for ancestor in reversed(self.pack.chain(profile.url)):
            found = ancestor.element(f"{element_id}:{slice_name}")
            if found is not None:
                return found
        return None

    def _slice_group(
        self, profile: Profile, unsliced: list[ElementDef], slices: list[ElementDef], name: str
    ) -> _SliceGroup:
        slicing = next((d.slicing for d in unsliced if d.slicing is not None), None)
        # where the slicing may be declared: on the element, or for slices ``a/b`` on slice ``a``
        # (else a re-slicing sorts by the element's own discriminators)
        sliced_ids = [slices[0].id.rpartition(":")[0]] if slices else []
        if slices and "/" in (slices[0].slice_name or ""):
            sliced_ids.insert(0, slices[0].id.rpartition("/")[0])
        for sliced_id in sliced_ids if slicing is None else ():
            for ancestor in reversed(self.pack.chain(profile.url)):
                definition = ancestor.element(sliced_id)
                if definition is not None and definition.slicing is not None:
                    slicing = definition.slicing
                    break
            if slicing is not None:
                break
        if slicing is not None:
            group = _SliceGroup(profile, slicing.discriminators, slicing.rules, slicing.ordered, slices)
        else:
            # the base definition slices every extension by url (R4 Element.extension)
            default = (("value", "url"),) if name in _EXTENSION_KEYS else (("type", "$this"),)
            group = _SliceGroup(profile, default, "open", False, slices)
        group.tests = [self._tests(s, group.discriminators, profile) for s in slices]
        group.views = tuple(_view(kind, path) for kind, path in group.discriminators)
        group.by_profile = any(kind == "profile" for kind, _ in group.discriminators)
        return group

    def _item_plan(
        self, prop: _Prop, parent: _Node, slices: tuple[ElementDef | None, ...], url: str | None,
        chosen: tuple[str, ...] = (),
    ) -> _Item:  # fmt: skip
        """How an item of ``prop`` in these slices (an extension with this URL) is checked; ``chosen``:
        the profiles it conforms to, of those its type may have (see :meth:`_chosen_item`)."""
        known = url.partition("|")[0] if url is not None and self.pack.knows(url) else None
        # an unknown URL is checked like none: plans stay bounded by the pack
        key: tuple[Any, ...] = (slices, known, chosen) if chosen else (slices, known)
        item = prop.items.get(key)
        if item is not None:
            return item
        layers: list[Layer] = list(prop.layers)
        layers.extend(
            (group.profile, s) for group, s in zip(prop.groups, slices, strict=True) if s is not None
        )
        choices: list[tuple[str, ...]] = []
        for _, definition in list(layers):
            for ref in definition.types:
                if ref.code != prop.type_name or not ref.profiles:
                    continue
                if len(ref.profiles) == 1:
                    layers.extend((p, p.root) for p in self.pack.chain(ref.profiles[0]))
                    continue
                if prop.type_name in _RESOURCE_TYPES:
                    continue  # a resource's profile is chosen by _type_profiles
                # several: those the pack holds (one that it does not cannot be checked)
                held = tuple(dict.fromkeys(p.url for u in ref.profiles if (p := self.pack.profile(u))))
                if len(held) == 1:
                    layers.extend((p, p.root) for p in self.pack.chain(held[0]))
                elif held and not chosen and held not in choices:
                    choices.append(held)
        for profile_url in chosen:
            layers.extend((p, p.root) for p in self.pack.chain(profile_url))
        if known is not None:
            for p in self.pack.chain(known):
                if (p, p.root) not in layers:
                    layers.append((p, p.root))
        assert prop.element is not None
        container = None if prop.primitive else self.model.children_of(prop.element, prop.type_name)
        if prop.type_name in _RESOURCE_TYPES:
            container = None
        unique: list[Layer] = []
        for layer in layers:
            if layer not in unique:
                unique.append(layer)
        # an element defined by reference (Questionnaire.item.item) has the rules of the one it names
        path = prop.element.content_reference or prop.element.path
        plan = self._node(prop.type_name, path, container, tuple(unique))
        extension = self.pack.profile(known) if known is not None else None
        misuse = self._misuse(extension, prop, parent) if extension is not None else ()
        item = (plan, extension, misuse, tuple(choices))
        prop.items[key] = item
        return item

    def _chosen_item(
        self, item: _Item, prop: _Prop, parent: _Node, slices: tuple[ElementDef | None, ...], url: str | None,
        value: Any, extra: Any, where: _Where, ctx: _Context,
    ) -> _Item:  # fmt: skip
        """The plan of an item whose type may have one of several profiles: with the first it conforms to.

        R4 ElementDefinition.type.profile: "If any profiles are specified, then the content must
        conform to at least one of them" (as :meth:`_type_profiles` for resources).  Where it
        conforms to none, an error says so and the item is walked without them.
        """
        chosen: list[str] = []
        reached: _Reached = (value, extra, None, ctx.entry_url, None)
        for urls in item[3]:
            found = next((u for u in urls if self._conforms_to(reached, u, ctx)), None)
            if found is None:
                message = "the element conforms to none of the profiles allowed here"
                ctx.add("error", "structure", where, message, "nhsstd-profile")
            elif found not in chosen:
                chosen.append(found)
        return self._item_plan(prop, parent, slices, url, tuple(chosen)) if chosen else item

    def _misuse(self, definition: Profile, prop: _Prop, host: _Node) -> tuple[str, ...]:
        """What is wrong with using this extension in ``prop`` of ``host``: modifier or not, context."""
        problems: list[str] = []
        if definition.root.modifier != (prop.key == "modifierExtension"):
            where = "modifierExtension" if definition.root.modifier else "extension"
            problems.append(f"this extension must be used as a {where}")
        if definition.contexts and not self._context_allows(definition, host):
            problems.append("the extension is not allowed on this element")
        return tuple(problems)

    # --- walking ---------------------------------------------------------------------------------

    def _object(
        self, plan: _Node, node: Mapping[str, Any], location: _Where, ctx: _Context, uk_core: bool
    ) -> None:
        if ctx.depth >= MAX_DEPTH:
            # deeper than any real resource; also ends a structure that contains itself
            message = f"the content is nested more than {MAX_DEPTH} levels deep: not checked further"
            ctx.add("fatal", "structure", location, message, "nhsstd-shape")
            ctx.too_deep = True
            return
        ctx.depth += 1
        try:
            if plan.entry:
                ctx.entry_url = node.get("fullUrl")
            if not node or (len(node) == 1 and "id" in node and not plan.is_resource):
                # ele-1: hasValue() or (children().count() > id.count()) -- an id alone is not content
                ctx.add("error", "invariant", location, "an element must have a value or children", "ele-1")
                if not node:
                    return
            choices: list[str] = []
            props = plan.props
            for key, value in node.items():
                entry = props.get(key) or self._entry(plan, key)
                if entry is None:
                    self._not_a_property(key, node, location, ctx)
                    continue
                role, prop = entry
                if role == _ELEMENT:
                    extra = node.get(prop.extra_key) if prop.primitive else None
                    self._property(plan, prop, value, extra, location, ctx, uk_core)
                elif role == _EXTRAS:
                    if prop.key in node:
                        continue  # walked with its value
                    self._property(plan, prop, None, value, location, ctx, uk_core)
                else:
                    continue  # a resource's resourceType, read when the resource was entered
                if prop.choice is not None:
                    choices.append(prop.choice)
            if len(choices) > 1:
                self._choices(choices, location, ctx)
            if plan.required:
                self._check_required(plan.required, node, location, ctx)
            for rule in plan.rules:
                rule(self, plan, node, location, ctx)
        finally:
            ctx.depth -= 1

    @staticmethod
    def _check_required(
        requirements: tuple[_Required, ...], node: Mapping[str, Any], location: _Where, ctx: _Context
    ) -> None:
        for required in requirements:
            present = 0
            for key, value in node.items():  # a node has fewer keys than a choice has types
                if key in required.keys and value is not None:
                    present = max(present, len(value) if isinstance(value, list) else 1)
            if present < required.minimum and not (present and required.absent_only):
                ctx.add(
                    "error", "required", (location, required.where),
                    f"{required.label}: at least {required.minimum} required, {present} found",
                    required.rule,
                )  # fmt: skip

    @staticmethod
    def _choices(choices: list[str], location: _Where, ctx: _Context) -> None:
        for name in dict.fromkeys(choices):
            if choices.count(name) > 1:
                ctx.add(
                    "error", "structure", location, f"only one type of {name} may be given",
                    "nhsstd-cardinality",
                )  # fmt: skip

    def _not_a_property(self, key: Any, node: Mapping[str, Any], location: _Where, ctx: _Context) -> None:
        """Report a JSON property name that is no property of the node (:meth:`_entry` gave None)."""
        if not isinstance(key, str) or not key:
            message = "a property name must be a non-empty string"
            ctx.add("error", "structure", location, message, "nhsstd-shape")
        elif not (key[0] == "_" and key[1:] in node):  # the extras of an unknown element: reported once
            self._unknown(key, location, ctx)

    def _unknown(self, key: str, location: _Where, ctx: _Context) -> None:
        # Only a name that could be an element name goes into the location: a dict keyed by
        # something else (an NHS Number...) must not put it in logs.
        where: _Where = (location, key) if _ELEMENT_NAME.fullmatch(key) else location
        ctx.add("error", "structure", where, "this element is not defined here", "nhsstd-unknown-element")

    def _property(
        self, parent: _Node, prop: _Prop, value: Any, extra: Any, location: _Where, ctx: _Context,
        uk_core: bool,
    ) -> None:  # fmt: skip
        """One JSON property of a node: its shape and cardinality, its slices, then each item."""
        here = (location, prop.label)
        if prop.denied:
            message = f"the type {prop.type_name} is not allowed here"
            ctx.add("error", "structure", here, message, "nhsstd-type")
        if prop.is_array:
            items = self._array(value, extra, here, ctx)
            if items is None:
                return
            count = len(items)
            for maximum in prop.maximums:
                if count > maximum:
                    ctx.add(
                        "error", "structure", here,
                        f"{prop.label}: at most {maximum} allowed, {count} found", "nhsstd-cardinality",
                    )  # fmt: skip
                    break
        else:
            if isinstance(value, list) or isinstance(extra, list):
                message = f"{prop.label} is a single value, not an array"
                ctx.add("error", "structure", here, message, "nhsstd-shape")
                return
            for maximum in prop.maximums:
                if maximum == 0:
                    message = f"{prop.label} is not allowed here"
                    ctx.add("error", "structure", here, message, "nhsstd-cardinality")
                    break
            if value is None and extra is None:
                ctx.add("error", "structure", here, "null is not a FHIR value", "nhsstd-shape")
                return  # (before slicing: a null is in no slice)
            items = [(value, extra)]
        assignment = self._slices(prop, items, here, ctx) if prop.groups else None
        for index, (value, extra) in enumerate(items):
            where: _Where = (here, index) if prop.is_array else here
            if value is None and extra is None:
                ctx.add("error", "structure", where, "null is not a FHIR value", "nhsstd-shape")
                continue
            slices = assignment[index] if assignment is not None else ()
            url = None
            if prop.extension and isinstance(value, dict):
                url = value.get("url")
                if not isinstance(url, str):
                    url = None
            item = prop.items.get((slices, url)) or self._item_plan(prop, parent, slices, url)
            if item[3] and (prop.primitive or isinstance(value, dict)):
                item = self._chosen_item(item, prop, parent, slices, url, value, extra, where, ctx)
            plan = item[0]
            if prop.primitive:
                if value is not None:
                    self._primitive(plan, value, where, ctx)
                if extra is not None:
                    self._primitive_extras(plan, extra, where, ctx, uk_core)
                elif plan.extras_required:
                    self._check_required(plan.extras_required, {}, where, ctx)
            elif not isinstance(value, dict):
                ctx.add("error", "structure", where, f"{prop.label} must be an object", "nhsstd-shape")
            elif prop.type_name in _RESOURCE_TYPES:
                if plan.narrowed:
                    self._resource_allowed(plan, value, where, ctx)
                container = ctx.root if prop.key == "contained" else None
                profiles = (
                    self._type_profiles(plan, value, container, where, ctx) if plan.resource_types else ()
                )
                self._resource(value, where, ctx, profiles, uk_core, container)
            else:
                if prop.extension:
                    self._extension(item, parent, prop, value, slices, where, ctx)
                self._object(plan, value, where, ctx, uk_core)

    def _resource_allowed(
        self, plan: _Node, resource: Mapping[str, Any], where: _Where, ctx: _Context
    ) -> None:
        """A resource element narrowed to resource types (a profile's Bundle.entry.resource, or a
        slice's) holds one of them: R4 ElementDefinition.type, "the data type or resource that
        the value of this element is permitted to be"."""
        resource_type = resource.get("resourceType")
        info = self.model.type(resource_type) if isinstance(resource_type, str) else None
        if info is None or info.kind != "resource" or info.abstract:
            return  # no resource type to tell (reported when the resource is walked)
        if any(resource_type not in allowed for allowed in plan.narrowed):
            message = f"the type {resource_type} is not allowed here"
            ctx.add("error", "structure", where, message, "nhsstd-type")

    def _type_profiles(
        self, plan: _Node, resource: Mapping[str, Any], container: Mapping[str, Any] | None, where: _Where,
        ctx: _Context,
    ) -> tuple[str, ...]:  # fmt: skip
        """The profiles a resource in this element (a slice's ``resource``, a ``contained`` slice) is
        walked against: those its definitions give its type (ElementDefinition.type.profile).

        R4 ElementDefinition.type.profile: "If any profiles are specified, then the content must
        conform to at least one of them".  Where a definition allows the resource's type with one
        profile of that type, the resource is walked against it (its issues reported); where with
        several, against the first it conforms to; an error says when it can conform to none (none
        of them is a profile of its type, or it breaks each).  A profile the pack does not hold
        cannot be checked, and is left out.
        """
        resource_type = resource.get("resourceType")
        chosen: list[str] = []
        for types in plan.resource_types:
            refs = [ref for ref in types if ref.code == resource_type or ref.code in _RESOURCE_TYPES]
            if not refs or any(not ref.profiles for ref in refs):
                continue  # the type is not allowed here (reported apart), or allowed without a profile
            known = [p for ref in refs for url in ref.profiles if (p := self.pack.profile(url)) is not None]
            if not known:
                continue
            urls = list(dict.fromkeys(p.url for p in known if p.type == resource_type))
            if len(urls) > 1:
                reached: _Reached = (resource, None, None, ctx.entry_url, container)
                urls = [url for url in urls if self._conforms_to(reached, url, ctx)][:1]
            if not urls:
                message = "the resource conforms to none of the profiles allowed here"
                ctx.add("error", "structure", where, message, "nhsstd-profile")
            chosen.extend(url for url in urls if url not in chosen)
        return tuple(chosen)

    def _array(self, value: Any, extra: Any, here: _Where, ctx: _Context) -> list[tuple[Any, Any]] | None:
        if value is not None and not isinstance(value, list):
            ctx.add("error", "structure", here, "this element repeats: it must be an array", "nhsstd-shape")
            return None
        if extra is not None and not isinstance(extra, list):
            ctx.add(
                "error",
                "structure",
                here,
                "this element repeats: its extras must be an array",
                "nhsstd-shape",
            )
            return None
        values = value if value is not None else [None] * len(extra or ())
        extras = extra if extra is not None else [None] * len(values)
        if not values or not extras:
            ctx.add("error", "invariant", here, "an array must not be empty", "ele-1")
            return None
        if len(values) != len(extras):
            ctx.add(
                "error", "structure", here, "the value and extension arrays differ in length", "nhsstd-shape"
            )  # fmt: skip
            return None
        return list(zip(values, extras, strict=True))

    def _primitive_extras(self, plan: _Node, extra: Any, here: _Where, ctx: _Context, uk_core: bool) -> None:
        """A primitive's id and extensions (the ``_name`` object beside its value)."""
        if not isinstance(extra, dict):
            ctx.add("error", "structure", here, "the extras of a primitive must be an object", "nhsstd-shape")
        elif not extra:
            ctx.add("error", "invariant", here, "an element must have a value or children", "ele-1")
        else:
            holder = self._node(plan.type_name, plan.path, "Element", plan.layers, extras=True)
            self._object(holder, extra, here, ctx, uk_core)

    # --- rules -----------------------------------------------------------------------------------

    def _primitive(self, plan: _Node, value: Any, here: _Where, ctx: _Context) -> None:
        kind: type | None = type(value)
        if kind not in plan.json_types:
            kind = _value_type(value)  # a subclass (a StrEnum is a str), or not a JSON value at all
        if (
            kind not in plan.json_types
            or (kind is float and not math.isfinite(value))  # NaN and infinities are not JSON numbers
            or (kind is Decimal and not value.is_finite())
        ):
            ctx.add("error", "structure", here, f"a {plan.type_name} has the wrong JSON type", "nhsstd-type")
            return
        if kind is str:
            if not value:
                ctx.add("error", "invariant", here, "a value must not be empty", "ele-1")
                return
            if plan.max_text is not None and len(value) > plan.max_text:
                ctx.add("error", "value", here, "the value is longer than FHIR allows", "nhsstd-format")
                return
            if plan.regex is not None and plan.regex.fullmatch(value) is None:
                ctx.add("error", "value", here, f"not a valid {plan.type_name}", "nhsstd-format")
                return
            if plan.is_date and not _real_date(value):
                ctx.add(
                    "error", "value", here, f"not a valid {plan.type_name}: no such date", "nhsstd-format"
                )
                return
            if plan.is_canonical and not (value.startswith("#") or _ABSOLUTE.match(value)):
                # references.html 2.3.0.7: canonical URLs are absolute, or #fragments of contained resources
                message = "a canonical URL must be absolute (or a #fragment)"
                ctx.add("error", "value", here, message, "nhsstd-format")
            if plan.max_length is not None and len(value) > plan.max_length:
                ctx.add(
                    "error", "value", here, f"longer than {plan.max_length} characters", "nhsstd-max-length"
                )
        elif plan.int_range is not None:
            low, high = plan.int_range
            if not low <= value <= high:
                ctx.add("error", "value", here, f"out of range for a {plan.type_name}", "nhsstd-format")
        if plan.value_rules:
            self._value_rules(plan, value, kind is str, here, ctx)

    def _value_rules(self, plan: _Node, value: Any, text: bool, here: _Where, ctx: _Context) -> None:
        """A primitive's fixed and pattern values, bindings and invariants."""
        for fixed in plan.fixed:
            if not _same(value, fixed):
                ctx.add("error", "value", here, "the value is not the one the profile fixes", "nhsstd-fixed")
        for pattern in plan.patterns:
            if not _same(value, pattern):
                ctx.add(
                    "error", "value", here, "the value does not match the profile's pattern", "nhsstd-pattern"
                )
        if plan.bindings and text and plan.type_name in _CODED_TYPES:
            for strength, valueset in plan.bindings:
                self._binding(strength, valueset, [(None, value)], here, ctx)
        for constraint in plan.constraints:
            self._invariant(constraint, value, plan, here, ctx)

    def _fixed(self, plan: _Node, node: Mapping[str, Any], here: _Where, ctx: _Context) -> None:
        for fixed in plan.fixed:
            if not _same(node, fixed):
                ctx.add("error", "value", here, "the value is not the one the profile fixes", "nhsstd-fixed")

    def _pattern(self, plan: _Node, node: Mapping[str, Any], here: _Where, ctx: _Context) -> None:
        for pattern in plan.patterns:
            if not _contains(node, pattern):
                ctx.add(
                    "error", "value", here, "the value does not match the profile's pattern", "nhsstd-pattern"
                )

    def _invariants(self, plan: _Node, node: Mapping[str, Any], here: _Where, ctx: _Context) -> None:
        for constraint in plan.constraints:
            self._invariant(constraint, node, plan, here, ctx)

    def _invariant(self, constraint: Constraint, node: Any, plan: _Node, here: _Where, ctx: _Context) -> None:
        if ctx.too_deep:
            return  # the fatal nhsstd-shape issue already says the content was not checked further
        try:
            result = self.invariants.check(
                constraint.key, constraint.expression, node, resource=ctx.resource, root=ctx.root,
                type_name=plan.invariant_type, bundle=ctx.bundle_resource,
            )  # fmt: skip
        except RecursionError:
            result = None  # descendants() of content nested too deeply (reported by the walker)
        if result is False:
            severity: Severity = "error" if constraint.severity == "error" else "warning"
            ctx.add(severity, "invariant", here, f"invariant {constraint.key} failed", constraint.key)
        elif result is None:
            ctx.add(
                "information", "informational", here, f"invariant {constraint.key} could not be evaluated",
                constraint.key,
            )  # fmt: skip

    def _binding(
        self,
        strength: str,
        valueset: BoundValueSet,
        codes: list[tuple[str | None, str]],
        here: _Where,
        ctx: _Context,
    ) -> None:
        if not codes:
            if strength == "required":
                ctx.add(
                    "error", "code-invalid", here, "no code given where one is required", "nhsstd-binding"
                )
            return
        unknown = False
        for system, code in codes:
            result = valueset.check(system, code)
            if result is Membership.MEMBER:
                return  # one code in the value set is enough: the others need not be looked up
            unknown = unknown or result is Membership.UNKNOWN
        if unknown:
            ctx.add(
                "information", "informational", here,
                "the code was not checked: its value set cannot be expanded here", "nhsstd-binding",
            )  # fmt: skip
            return
        severity: Severity = "error" if strength == "required" else "warning"
        ctx.add(
            severity, "code-invalid", here, f"the code is not in the {strength} value set", "nhsstd-binding"
        )

    def _codes(self, plan: _Node, node: Mapping[str, Any], here: _Where, ctx: _Context) -> None:
        """Bindings of Coding, CodeableConcept and Quantity, and codes of known code systems."""
        if plan.type_name == "CodeableConcept":
            codings = node.get("coding")
            pairs = [
                (c.get("system"), c["code"])
                for c in (codings if isinstance(codings, list) else ())
                if isinstance(c, Mapping) and isinstance(c.get("code"), str)
            ]
        elif isinstance(node.get("code"), str):
            pairs = [(node.get("system"), node["code"])]
        else:
            pairs = []
        system_url = node.get("system")
        relative = isinstance(system_url, str) and not _ABSOLUTE.match(system_url)
        if plan.type_name in ("Coding", "Quantity") and relative:
            # datatypes.html Coding.system: "an absolute reference to a code system"
            message = "the system must be an absolute URI"
            ctx.add("error", "value", (here, "system"), message, "nhsstd-code")
        if plan.type_name == "Coding" and pairs:
            system, code = pairs[0]
            if isinstance(system, str) and self.terminology.code_in_system(system, code) is False:
                ctx.add(
                    "error", "code-invalid", here, "the code is not defined by its code system", "nhsstd-code"
                )
        valid = [(s if isinstance(s, str) else None, c) for s, c in pairs]
        for strength, valueset in plan.bindings:
            if (
                plan.type_name == "CodeableConcept"
                and not valid
                and "text" in node
                and strength == "extensible"
            ):
                continue
            self._binding(strength, valueset, valid, here, ctx)

    def _identifier(self, plan: _Node, node: Mapping[str, Any], here: _Where, ctx: _Context) -> None:
        """nhsstd's identifier rules: a value under a known NHS system passes that identifier's check."""
        system = node.get("system")
        value = node.get("value")
        # a system or value of the wrong JSON type is reported by the shape check, not here
        check = _IDENTIFIER_CHECKS.get(system) if isinstance(system, str) else None
        if check is None or not isinstance(value, str):
            return
        try:
            checked = check(value)
        except ValidationError as error:
            ctx.add("error", "value", (here, "value"), str(error), "nhsstd-identifier")
            return
        # A FHIR value is the form on the wire: a valid number written with spaces, dashes or
        # in lower case is not silently accepted (the checks compact first, as python-stdnum does).
        canonical = checked if isinstance(checked, str) else getattr(checked, "value", value)
        if canonical != value:
            system = node.get("system")
            kind = _IDENTIFIER_LABELS.get(system, "identifier") if isinstance(system, str) else "identifier"
            message = f"{kind}: not written in its compact form (no spaces, separators or lower case)"
            ctx.add("error", "value", (here, "value"), message, "nhsstd-identifier")

    def _reference(self, plan: _Node, node: Mapping[str, Any], here: _Where, ctx: _Context) -> None:
        reference = node.get("reference")
        if not isinstance(reference, str) or not reference:
            return
        at = (here, "reference")
        target: Mapping[str, Any] | None = None
        implied: str | None = None
        if reference.startswith("#"):
            if reference != "#" and reference[1:] not in ctx.contained:
                ctx.add("error", "not-found", at, "no contained resource has this id", "nhsstd-reference")
                return
            target = _contained(ctx.root, reference[1:])
        else:
            if ctx.bundle is not None:
                target = _resolve_in_bundle(ctx.bundle, reference, ctx.source_url)
                if target is not None and self._ambiguous(reference, ctx):
                    message = "the reference matches several entries of the Bundle (give the version)"
                    ctx.add("error", "not-found", at, message, "nhsstd-reference")
                    return
                if target is None and self._must_resolve(reference, ctx):
                    # bundle.html 2.36.4.1: a document or message carries what it refers to
                    severity: Severity = "error" if ctx.bundle_type in _SELF_CONTAINED else "warning"
                    message = "the reference does not resolve to an entry of the Bundle"
                    ctx.add(severity, "not-found", at, message, "nhsstd-reference")
            if not reference.startswith(("urn:uuid:", "urn:oid:")):
                match = _LITERAL_REFERENCE.search(reference)
                if match is None:
                    if "/" not in reference or not reference.split("://", 1)[0].isalpha():
                        ctx.add("error", "value", at, "not a valid reference", "nhsstd-reference")
                        return
                else:
                    implied = match.group("type")
                    if self.model.type(implied) is None:
                        ctx.add(
                            "error",
                            "value",
                            at,
                            "the reference names an unknown resource type",
                            "nhsstd-reference",
                        )
                        return
        found = target.get("resourceType") if target is not None else implied
        if target is not None and implied is not None and found != implied:
            message = f"the reference names a {implied} but resolves to a {found}"
            ctx.add("error", "structure", at, message, "nhsstd-reference")
            return
        allowed = plan.target_types
        if allowed is None:
            return
        if isinstance(found, str) and found not in allowed:
            ctx.add("error", "structure", at, f"a {found} is not a valid target here", "nhsstd-reference")

    @staticmethod
    def _ambiguous(reference: str, ctx: _Context) -> bool:
        """Whether a reference names a fullUrl that several entries share, or a version none has."""
        if not ctx.versions:
            return False
        url = reference
        if not _ABSOLUTE.match(reference):
            source = _RESTFUL_URL.match(ctx.source_url) if isinstance(ctx.source_url, str) else None
            if source is None:
                return False
            url = f"{source.group('base')}/{reference}"
        url, _, version = url.partition("/_history/")
        versions = ctx.versions.get(url)
        if versions is None:
            return False
        return not version or version not in versions

    @staticmethod
    def _must_resolve(reference: str, ctx: _Context) -> bool:
        """Whether a reference must name an entry of the Bundle being walked."""
        if reference.startswith(("urn:uuid:", "urn:oid:")):
            return True
        # a document or message holds what its relative references name (resolved against the
        # referring entry's RESTful fullUrl; from a urn:uuid entry they cannot resolve at all)
        return ctx.bundle_type in _SELF_CONTAINED and not _ABSOLUTE.match(reference)

    def _bundle(self, plan: _Node, node: Mapping[str, Any], here: _Where, ctx: _Context) -> None:
        """bundle.html: absolute fullUrls that agree with the resource; search results with ids."""
        entries = node.get("entry")
        for index, entry in enumerate(entries if isinstance(entries, list) else ()):
            if not isinstance(entry, dict):
                continue
            at = ((here, "entry"), index)
            full_url, resource = entry.get("fullUrl"), entry.get("resource")
            if isinstance(full_url, str) and not _ABSOLUTE.match(full_url):
                ctx.add("error", "invalid", at, "the fullUrl must be an absolute URL", "nhsstd-bundle")
            restful = _RESTFUL_URL.match(full_url) if isinstance(full_url, str) else None
            if restful is not None and isinstance(resource, dict):
                same = resource.get("resourceType") == restful.group("type") and resource.get(
                    "id"
                ) == restful.group("id")
                if not same:
                    message = "the fullUrl is a RESTful URL, so it must end with the resource's type and id"
                    ctx.add("error", "invalid", at, message, "nhsstd-bundle")
            outcome = isinstance(resource, dict) and resource.get("resourceType") == "OperationOutcome"
            if (
                node.get("type") == "searchset"
                and isinstance(resource, dict)
                and "id" not in resource
                and not outcome
            ):
                ctx.add("error", "invalid", (at, "resource"), "search results must have ids", "nhsstd-bundle")
        links = node.get("link")
        seen: set[str] = set()
        for index, link in enumerate(links if isinstance(links, list) else ()):
            relation = link.get("relation") if isinstance(link, dict) else None
            if isinstance(relation, str):
                if relation in seen:
                    message = "a link relation may occur only once"
                    ctx.add("error", "invalid", ((here, "link"), index), message, "nhsstd-bundle")
                seen.add(relation)

    def _extension(
        self, item: _Item, parent: _Node, prop: _Prop, node: Mapping[str, Any],
        slices: tuple[ElementDef | None, ...], here: _Where, ctx: _Context,
    ) -> None:  # fmt: skip
        """The extension's URL is known, used in a context it allows, and it has a value or extensions."""
        has_value = False
        for key in node:
            if isinstance(key, str) and key.startswith("value"):
                has_value = True
                break
        if has_value == ("extension" in node):
            ctx.add(
                "error", "invariant", here, "an extension must have either extensions or a value, not both",
                "ext-1",
            )  # fmt: skip
        url = node.get("url")
        if not isinstance(url, str):
            return  # Extension.url is 1..1: the cardinality rule reports it
        _, definition, misuse, _ = item
        if definition is None:
            if parent.type_name == "Extension" and "://" not in url:
                # a part of a complex extension: its parent's definition names the parts it has
                if prop.groups and not any(slices):
                    message = "the extension does not define this part"
                    ctx.add("error", "extension", here, message, "nhsstd-extension")
                return
            if _UNCHECKED_EXTENSIONS.match(url):
                message = "the extension was not checked: its definition is generated, not published"
                ctx.add("information", "informational", here, message, "nhsstd-extension")
                return
            # extensibility.html 2.5.0: an extension's definition must be available to use it
            # (the HL7 validator: "could not be found so is not allowed here")
            ctx.add("error", "extension", here, "the extension is not known", "nhsstd-extension")
            return
        for message in misuse:  # worked out when the plan was built
            ctx.add("error", "extension", here, message, "nhsstd-extension")

    def _context_allows(self, definition: Profile, host: _Node) -> bool:
        names = {host.path, host.type_name, "Element", "Base"}
        info = self.model.type(host.type_name)
        while info is not None and info.base is not None:
            names.add(info.base)
            info = self.model.type(info.base)
        if host.path != host.type_name:
            names.add(host.path)
        for kind, expression in definition.contexts + _CONTEXT_ERRATA.get(definition.url, ()):
            if kind == "fhirpath" or expression in names:
                return True
            if kind == "extension" and host.type_name == "Extension":
                return True
            if kind == "element" and expression.endswith(".extension") and expression[:-10] in names:
                return True
        return False

    # --- slicing ---------------------------------------------------------------------------------

    def _slices(
        self, prop: _Prop, items: list[tuple[Any, Any]], here: _Where, ctx: _Context
    ) -> list[tuple[ElementDef | None, ...]]:
        """Which slice of each group every item belongs to; slice cardinality, closed and ordered rules."""
        per_item: list[list[ElementDef | None]] = [[] for _ in items]
        for group in prop.groups:
            counts = [0] * len(group.slices)
            last = -1
            sliced, outer = None, 0
            if group.parent is not None:  # a re-slicing sorts the items of its slice only
                outer, slot = group.parent
                sliced = prop.groups[outer].slices[slot]
            for index, (value, _) in enumerate(items):
                if sliced is not None and per_item[index][outer] is not sliced:
                    per_item[index].append(None)
                    continue
                location = (here, index) if prop.is_array else here
                conforms = self._profile_test(ctx, location, items[index][1]) if group.by_profile else None
                position = _slice_position(group, prop.type_name, value, conforms)
                matched = group.slices[position] if position >= 0 else None
                per_item[index].append(matched)
                if matched is None:
                    if group.rules == "closed":
                        message = "the item matches none of the slices"
                        ctx.add("error", "structure", location, message, "nhsstd-slice")
                    elif group.rules == "openAtEnd":
                        last = len(group.slices)
                    continue
                counts[position] += 1
                if group.ordered or group.rules == "openAtEnd":
                    if position < last:
                        ctx.add("error", "structure", location, "the slices are out of order", "nhsstd-slice")
                    last = max(last, position)
            for slice_def, count in zip(group.slices, counts, strict=True):
                minimum = slice_def.min or 0
                if count < minimum:
                    ctx.add(
                        "error", "required", here,
                        f"slice {slice_def.slice_name}: at least {minimum} required, {count} found",
                        "nhsstd-slice",
                    )  # fmt: skip
                if slice_def.max is not None and slice_def.max >= 0 and count > slice_def.max:
                    ctx.add(
                        "error", "structure", here,
                        f"slice {slice_def.slice_name}: at most {slice_def.max} allowed, {count} found",
                        "nhsstd-slice",
                    )  # fmt: skip
        return [tuple(matched) for matched in per_item]

    def _profile_test(self, ctx: _Context, location: _Where, extra: Any) -> _Conforms:
        """The ``profile`` test of one item's discriminators (an unresolvable reference warned once);
        ``extra`` is the item's extras when it is a primitive (its ``_name`` object)."""
        warned: set[str] = set()

        def conforms(value: Any, steps: tuple[str, ...], data: Any) -> bool:
            return self._conforms(value, extra, steps, data, ctx, location, warned)

        return conforms

    def _conforms(
        self, value: Any, extra: Any, steps: tuple[str, ...], data: Any, ctx: _Context, location: _Where,
        warned: set[str],
    ) -> bool:  # fmt: skip
        """Whether what the path reaches from the item conforms to one of the slice's profiles.

        R4 profiling.html, discriminator type ``profile``: "the slice is identified by the type of the element
        conforming to the profile"; with ``resolve()`` the element is the referenced resource.
        """
        urls, resolves = data
        reached = _reach([(value, extra, None, ctx.entry_url, None)], steps)
        if resolves:
            reached = [t for node, *_ in reached for t in self._resolved(node, ctx, location, warned)]
        return any(self._conforms_to(found, url, ctx) for found in reached for url in urls)

    def _resolved(self, node: Any, ctx: _Context, location: _Where, warned: set[str]) -> list[_Reached]:
        """The resource a Reference names, if it is in this resource or this Bundle.

        One that cannot be reached (outside the Bundle, or no Bundle) cannot be checked against
        the profile, so the item is in none of the slices by profile; a warning says so, as the
        HL7 Java validator says the slice cannot be determined.
        """
        reference = node.get("reference") if isinstance(node, Mapping) else None
        if not isinstance(reference, str):
            return []
        if reference.startswith("#"):
            target = _contained(ctx.root, reference[1:]) if reference != "#" else ctx.root
            if target is not None:
                return [(target, None, None, ctx.source_url, ctx.root if target is not ctx.root else None)]
        elif ctx.bundle is not None:
            target = _resolve_in_bundle(ctx.bundle, reference, ctx.source_url)
            if target is not None:
                return [(target, None, None, _full_url_of(ctx.bundle_resource, target), None)]
        if reference not in warned:
            warned.add(reference)
            ctx.add(
                "warning", "not-found", location,
                "the reference does not resolve here, so its slice (by profile) cannot be told",
                "nhsstd-slice",
            )  # fmt: skip
        return []

    def _conforms_to(self, reached: _Reached, url: str, ctx: _Context) -> bool:
        """Walk a node against a profile aside (its issues kept apart): conforms when none is an error.

        The profile alone is judged: a resource's own ``meta.profile`` is not applied (R4 profiling.html,
        discriminator ``profile``: the element is told by "conformance ... to a specified profile").
        A primitive (its value, its extras or both) is judged against a profile of a primitive type,
        which R4 allows as any other type's profile (ElementDefinition.type.profile).
        """
        node, extra, type_code, entry_url, container = reached
        profile = self.pack.profile(url)
        if profile is None:
            return False
        if profile.kind == "primitive-type":
            if isinstance(node, (dict, list)) or not (node is not None or isinstance(extra, dict)):
                return False
        elif not isinstance(node, dict):
            return False
        if type_code is not None and profile.type not in (type_code, type_code[:1].lower() + type_code[1:]):
            return False  # value[x] given as another type than the profile's
        key = (id(node), profile.url)
        if key in ctx.conforming or len(ctx.conforming) >= _MAX_PROFILE_NESTING:
            return False  # a profile whose slicing needs the same check again: not decidable, not in
        scratch = _Context()
        for name in _Context.__slots__:
            setattr(scratch, name, getattr(ctx, name))
        scratch.issues = []
        scratch.entry_url = entry_url
        ctx.conforming.add(key)
        try:
            if profile.kind == "resource":
                self._resource(node, profile.type, scratch, (profile.url,), False, container, declared=False)
            else:
                layers = tuple((p, p.root) for p in self.pack.chain(profile.url))
                plan = self._node(profile.type, profile.type, profile.type, layers)
                if not plan.primitive:
                    self._object(plan, node, profile.type, scratch, False)
                else:
                    if node is not None:
                        self._primitive(plan, node, profile.type, scratch)
                    if extra is not None:
                        self._primitive_extras(plan, extra, profile.type, scratch, False)
                    elif plan.extras_required:
                        self._check_required(plan.extras_required, {}, profile.type, scratch)
        finally:
            ctx.conforming.discard(key)
        return Outcome(tuple(scratch.issues)).ok

    def _tests(
        self, slice_def: ElementDef, discriminators: tuple[tuple[str, str], ...], profile: Profile
    ) -> tuple[_Test, ...]:
        """What an item must show to belong to a slice, worked out once per slice."""
        tests: list[_Test] = []
        for kind, path in discriminators:
            steps = () if path == "$this" else tuple(path.split("."))
            resolves = kind == "profile" and steps[-1:] == ("resolve()",)
            if resolves:
                steps = steps[:-1]  # the profile is the referenced resource's (a target profile)
            definition = self._element_at(slice_def, list(steps)) if steps else slice_def
            data: Any
            if kind in ("value", "pattern"):
                found = self._discriminator_value(slice_def, list(steps))
                for ancestor in reversed(self.pack.chain(profile.url)) if found is None else ():
                    # a derived profile restating a slice keeps the value its ancestor gave it
                    inherited = ancestor.element(slice_def.id)
                    if inherited is not None and inherited is not slice_def:
                        found = self._discriminator_value(inherited, list(steps))
                        if found is not None:
                            break
                if found is None:
                    data = None  # nothing fixed at the path: no item can be told to be in the slice
                else:
                    exact, (value, rest) = found
                    data = (exact, tuple(_project([value], rest)))
            elif kind == "exists":
                data = (bool(definition and definition.min), bool(definition and definition.max == 0))
            elif kind == "type":
                types = definition.types if definition is not None else ()
                data = self._with_derived(t.code for t in types)
            elif kind == "profile":
                types = definition.types if definition is not None else ()
                found_urls = (u for t in types for u in (t.target_profiles if resolves else t.profiles))
                urls = tuple(dict.fromkeys(found_urls))
                data = (urls, resolves) if urls else None  # no profile at the path: nothing to conform to
            else:
                data = None
            tests.append((kind, steps, data))
        return tuple(tests)

    def _with_derived(self, codes: Iterable[str]) -> frozenset[str]:
        """Type codes with, for an abstract resource type among them (Resource, DomainResource), every
        resource type derived from it: a resource is of the types its own type specialises."""
        named = frozenset(codes)
        if not named & _RESOURCE_TYPES:
            return named
        derived = set(named)
        for info in self.model.types():
            base = info.base if info.kind == "resource" else None
            while base is not None:
                if base in named:
                    derived.add(info.name)
                    break
                found = self.model.type(base)
                base = found.base if found is not None else None
        return frozenset(derived)

    def _element_at(self, start: ElementDef, steps: list[str]) -> ElementDef | None:
        element: ElementDef | None = start
        for step in steps:
            if element is None:
                return None
            found = element.children.get(step) or element.children.get(step + "[x]")
            if not found:
                nested = self._type_profile_root(element)
                found = nested.children.get(step) if nested is not None else None
            element = found[0] if found else None
        return element

    def _type_profile_root(self, element: ElementDef) -> ElementDef | None:
        for ref in element.types:
            for url in ref.profiles:
                profile = self.pack.profile(url)
                if profile is not None:
                    return profile.root
        return None

    def _discriminator_value(
        self, start: ElementDef, steps: list[str]
    ) -> tuple[bool, tuple[Any, list[str]]] | None:
        """(exact?, (value, remaining steps)): the fixed or pattern value a slice gives at a path."""
        element: ElementDef | None = start
        for index in range(len(steps) + 1):
            if element is None:
                return None
            if element.fixed is not MISSING:
                return True, (element.fixed, steps[index:])
            if element.pattern is not MISSING:
                return False, (element.pattern, steps[index:])
            if index == len(steps):
                break
            step = steps[index]
            found = element.children.get(step)
            if not found:
                nested = self._type_profile_root(element)
                if nested is not None:
                    for profile in self._chain_of(element):
                        candidate = profile.root.children.get(step)
                        if candidate:
                            found = candidate
                if not found:
                    return None
            element = next((f for f in found if f.slice_name is None), found[0])
        return None

    def _chain_of(self, element: ElementDef) -> tuple[Profile, ...]:
        for ref in element.types:
            for url in ref.profiles:
                chain = self.pack.chain(url)
                if chain:
                    return chain
        return ()


def _codes_rule(walker: Walker, plan: _Node, node: Mapping[str, Any], here: _Where, ctx: _Context) -> None:
    walker._codes(plan, node, here, ctx)


def _identifier_rule(
    walker: Walker, plan: _Node, node: Mapping[str, Any], here: _Where, ctx: _Context
) -> None:
    walker._identifier(plan, node, here, ctx)


def _reference_rule(
    walker: Walker, plan: _Node, node: Mapping[str, Any], here: _Where, ctx: _Context
) -> None:
    walker._reference(plan, node, here, ctx)


def _attachment_rule(
    walker: Walker, plan: _Node, node: Mapping[str, Any], here: _Where, ctx: _Context
) -> None:
    """datatypes.html Attachment.size: the number of bytes of the data (before base64 encoding)."""
    data, size = node.get("data"), node.get("size")
    if isinstance(data, str) and isinstance(size, int) and not isinstance(size, bool):
        try:
            actual = len(base64.b64decode(data, validate=False))
        except ValueError:
            return  # the base64Binary format rule reports it
        if actual != size:
            message = "the stated size does not match the size of the data"
            ctx.add("error", "value", (here, "size"), message, "nhsstd-attachment")


def _questionnaire_rule(
    walker: Walker, plan: _Node, node: Mapping[str, Any], here: _Where, ctx: _Context
) -> None:
    """An item's enableWhen names a question outside the item (Questionnaire.item.enableWhen.question:
    the nearest occurrence on the ancestor, then preceding, then following axis -- never its own parts;
    the HL7 validator: "cannot refer to an inner question")."""
    pending = [(item, ((here, "item"), i)) for i, item in enumerate(_items(node))]
    for _ in range(_MAX_ITEMS):  # bounded: content is untrusted and may contain itself
        if not pending:
            break
        item, at = pending.pop()
        inner = {link for part in _descendant_items(item) if isinstance(link := part.get("linkId"), str)}
        conditions = item.get("enableWhen")
        for condition in conditions if isinstance(conditions, list) else ():
            if isinstance(condition, dict) and condition.get("question") in inner:
                message = "enableWhen names a question inside the item it enables"
                ctx.add("error", "business-rule", at, message, "nhsstd-questionnaire")
                break
        pending.extend((child, ((at, "item"), i)) for i, child in enumerate(_items(item)))


#: Most Questionnaire items looked at by the enableWhen rule.
_MAX_ITEMS: Final = 10_000


def _items(node: Mapping[str, Any]) -> list[dict[str, Any]]:
    items = node.get("item")
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _descendant_items(item: Mapping[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    pending = _items(item)
    while pending and len(found) < _MAX_ITEMS:
        part = pending.pop()
        found.append(part)
        pending.extend(_items(part))
    return found


def _bundle_rule(walker: Walker, plan: _Node, node: Mapping[str, Any], here: _Where, ctx: _Context) -> None:
    walker._bundle(plan, node, here, ctx)


#: Rules that belong to one data type, by type name.
_TYPE_RULES: Final[dict[str, _Rule]] = {
    "Identifier": _identifier_rule,
    "Reference": _reference_rule,
    "Bundle": _bundle_rule,
    "Attachment": _attachment_rule,
    "Questionnaire": _questionnaire_rule,
    "StructureDefinition": _definitions.structure_definition_rule,
    "ValueSet": _definitions.value_set_rule,
    "CodeSystem": _definitions.code_system_rule,
    "CapabilityStatement": _definitions.capability_statement_rule,
    "SearchParameter": _definitions.search_parameter_rule,
    "Coding": _codes_rule,
    "CodeableConcept": _codes_rule,
    "Quantity": _codes_rule,
}


def _identifier_checks() -> dict[str, Callable[[str], object]]:
    """Identifier system -> the check its value must pass (nhsstd's identifier rules)."""
    from nhsstd.fhir import _urls as url
    from nhsstd.identifiers import (
        chi_number,
        gdc_number,
        gmc_number,
        gmp_code,
        gphc_number,
        hc_number,
        hcpc_number,
        nhs_number,
        nmc_pin,
        ods_code,
    )
    from nhsstd.models._checks import SDS_ID

    def sds_id(value: str) -> None:
        from nhsstd.exceptions import InvalidFormat, Reason

        if SDS_ID.fullmatch(value) is None:
            raise InvalidFormat(Reason.FORMAT, detail="SDS identifier: expected ASCII digits")

    checks: dict[str, Callable[[str], object]] = {
        url.ID_NHS_NUMBER: nhs_number.validate,
        url.ID_CHI_NUMBER: chi_number.validate,
        url.ID_ODS_ORGANISATION: ods_code.validate,
        url.ID_ODS_SITE: ods_code.validate,
        url.ID_GMC: gmc_number.classify_fhir_value,
        url.ID_GMP: gmp_code.validate,
        url.ID_GDC: gdc_number.validate,
        url.ID_NMC: nmc_pin.validate,
        url.ID_HCPC: hcpc_number.validate,
        url.ID_GPHC: gphc_number.validate,
        url.ID_SDS_USER: sds_id,
        url.ID_SDS_ROLE_PROFILE: sds_id,
    }
    checks.update(dict.fromkeys(hc_number.KNOWN_FHIR_SYSTEMS, hc_number.validate))
    checks.update(dict.fromkeys(url.LEGACY_ODS_SYSTEMS, ods_code.validate))
    return checks


_IDENTIFIER_CHECKS: Final = _identifier_checks()


def _identifier_labels() -> dict[str, str]:
    from nhsstd.identifiers import label

    labels = {
        system: label(getattr(check, "__module__", "").rpartition(".")[2])
        for system, check in _IDENTIFIER_CHECKS.items()
        if getattr(check, "__module__", "").startswith("nhsstd.identifiers.")
    }
    return labels


#: Identifier system -> the people-readable name of its kind ("NHS Number").
_IDENTIFIER_LABELS: Final = _identifier_labels()
#: What an element name looks like (R4 element names; ``_name`` for a primitive's extras).
_ELEMENT_NAME: Final = re.compile(r"_?[A-Za-z][A-Za-z0-9]{0,63}")

_LITERAL_REFERENCE: Final = re.compile(
    r"(?:^|/)(?P<type>[A-Z][A-Za-z]+)/[A-Za-z0-9\-.]{1,64}(?:/_history/[A-Za-z0-9\-.]{1,64})?$"
)


#: An absolute URI (scheme first), and a RESTful fullUrl: [base]/[type]/[id].
_ABSOLUTE: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_RESTFUL_URL: Final = re.compile(
    r"(?P<base>https?://.+?)/(?P<type>[A-Z][A-Za-z]+)/(?P<id>[A-Za-z0-9\-.]{1,64})(?:/_history/[A-Za-z0-9\-.]{1,64})?$"
)
#: Extensions defined by generation rather than by a package: FHIR's cross-version extensions
#: (versions.html#extensions, http://hl7.org/fhir/[version]/StructureDefinition/extension-[path])
#: and the FHIR tooling ones.
#: Contexts that R4's own definitions use beyond the ones their extensions declare: R4 4.0.1 puts
#: ``structuredefinition-fhir-type`` (declared on ElementDefinition.type.code) 1,621 times and
#: ``regex`` (declared on ElementDefinition) 38 times on ElementDefinition.type: R4's own
#: StructureDefinitions could not pass without these contexts.
_CONTEXT_ERRATA: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type": (
        ("element", "ElementDefinition.type"),
    ),
    "http://hl7.org/fhir/StructureDefinition/regex": (("element", "ElementDefinition.type"),),
}
_UNCHECKED_EXTENSIONS: Final = re.compile(
    r"http://hl7\.org/fhir/(?:[0-9]\.[0-9]/StructureDefinition/extension-|tools/StructureDefinition/)"
)
#: Bundle types whose references must resolve inside the Bundle.
_SELF_CONTAINED: Final = frozenset({"document", "message"})


def _bundle_index(bundle: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """fullUrl (and ``Type/id`` for RESTful fullUrls) -> entry resource."""
    index: dict[str, Mapping[str, Any]] = {}
    entries = bundle.get("entry")
    for entry in entries if isinstance(entries, list) else ():
        if not isinstance(entry, Mapping) or not isinstance(entry.get("resource"), Mapping):
            continue
        resource = entry["resource"]
        full_url = entry.get("fullUrl")
        if isinstance(full_url, str):
            index[full_url] = resource
        if isinstance(resource.get("resourceType"), str) and isinstance(resource.get("id"), str):
            index.setdefault(f"{resource['resourceType']}/{resource['id']}", resource)
    return index


def _resolve_in_bundle(
    index: Mapping[str, Mapping[str, Any]], reference: str, source_url: Any = None
) -> Mapping[str, Any] | None:
    """The entry resource a reference names (bundle.html 2.36.4.1).

    With the referring entry's fullUrl (``source_url``) the R4 rules apply: a relative
    reference resolves against the RESTful base of that fullUrl only; without it any
    entry of that type and id is taken.
    """
    if _ABSOLUTE.match(reference):
        return index.get(reference) or index.get(reference.partition("/_history/")[0])
    if isinstance(source_url, str):
        match = _RESTFUL_URL.match(source_url)
        if match is None:
            return None
        resolved = f"{match.group('base')}/{reference}"
        # a versioned reference names an entry whose fullUrl has no version
        return index.get(resolved) or index.get(resolved.partition("/_history/")[0])
    found = index.get(reference)
    if found is None:
        match = _LITERAL_REFERENCE.search(reference)
        if match is not None:
            found = index.get(match.group(0).lstrip("/"))
    return found


def _shared_full_urls(bundle: Mapping[str, Any]) -> dict[str, list[Any]]:
    """fullUrl -> the versionId of each entry, for fullUrls that several entries share."""
    versions: dict[str, list[Any]] = {}
    entries = bundle.get("entry")
    for entry in entries if isinstance(entries, list) else ():
        if isinstance(entry, dict) and isinstance(entry.get("fullUrl"), str):
            resource = entry.get("resource")
            meta = resource.get("meta") if isinstance(resource, dict) else None
            versions.setdefault(entry["fullUrl"], []).append(
                meta.get("versionId") if isinstance(meta, dict) else None
            )
    return {url: found for url, found in versions.items() if len(found) > 1}


def _contained_ids(resource: Mapping[str, Any]) -> frozenset[str]:
    contained = resource.get("contained")
    if not isinstance(contained, list):
        return frozenset()
    return frozenset(c["id"] for c in contained if isinstance(c, Mapping) and isinstance(c.get("id"), str))


def _contained(root: Mapping[str, Any], ident: str) -> Mapping[str, Any] | None:
    for item in root.get("contained", ()):
        if isinstance(item, Mapping) and item.get("id") == ident:
            return item
    return None


def _view(kind: str, path: str) -> tuple[str, ...] | None:
    """The path below an item whose values a discriminator looks at (None: it looks at none)."""
    if kind == "profile":
        return None  # the item's own meta.profile and resourceType
    steps = () if path == "$this" else tuple(path.split("."))
    return steps[:-1] if kind == "type" else steps  # a type discriminator looks at the holder's keys


def _slice_position(group: _SliceGroup, type_name: str, value: Any, conforms: _Conforms | None) -> int:
    """The first slice of a group whose discriminator tests an item passes, or -1."""
    views = [None if steps is None else _project((value,), steps) for steps in group.views]
    for position, tests in enumerate(group.tests):
        if _matches(tests, views, type_name, value, conforms):
            return position
    return -1


def _matches(
    tests: tuple[_Test, ...], views: list[list[Any] | None], type_name: str, value: Any,
    conforms: _Conforms | None,
) -> bool:  # fmt: skip
    """Whether an item passes every discriminator test of a slice (``views``: see _SliceGroup)."""
    for (kind, steps, data), found in zip(tests, views, strict=True):
        if data is None:
            return False
        if kind == "value" or kind == "pattern":
            exact, expected = data
            test = _same if exact else _contains
            for wanted in expected:
                for candidate in found or ():
                    if test(candidate, wanted):
                        break
                else:
                    return False
        elif kind == "exists":
            must, must_not = data
            present = bool(found)
            if (must and not present) or (must_not and present):
                return False
        elif kind == "type":
            # R4 profiling.html, discriminator type: the element's type, which for a resource
            # (Bundle.entry.resource, contained) is its resourceType, not the element's type Resource
            if steps:
                base = steps[-1].removesuffix("[x]")
                actual = {
                    _resource_type(h[k]) if k == base else k[len(base) :]
                    for h in found or ()
                    if isinstance(h, Mapping)
                    for k in h
                    if isinstance(k, str) and k.startswith(base)
                }
                if not any(a[:1].lower() + a[1:] in data or a in data for a in actual):
                    return False
            elif data:
                actual_type = _resource_type(value) if type_name in _RESOURCE_TYPES else type_name
                if actual_type not in data:
                    return False
        elif kind == "profile" and (conforms is None or not conforms(value, steps, data)):
            return False
    return True


def _resource_type(value: Any) -> str:
    """The resourceType of a resource ("" for anything else: no type matches it)."""
    found = value.get("resourceType") if isinstance(value, Mapping) else None
    return found if isinstance(found, str) else ""


def _reach(values: list[_Reached], steps: Sequence[str]) -> list[_Reached]:
    """What a ``profile`` discriminator's path reaches below each value (arrays flattened).

    Unlike :func:`_project` a choice step (``value[x]``) takes any of its types, noting which,
    a primitive keeps its extras (``_name``: with its value, or alone where it has no value), and
    a Bundle entry's ``resource`` keeps the entry's fullUrl (its references resolve against it).
    """
    current = [v for v in values if v[0] is not None or v[1] is not None]
    for step in steps:
        choice = step.removesuffix("[x]") if step.endswith("[x]") else None
        following: list[_Reached] = []
        for value, _, _, entry_url, container in current:
            if not isinstance(value, dict):
                continue
            if step == "resource" and isinstance(value.get("fullUrl"), str):
                entry_url = value["fullUrl"]
            for key in value:
                name = key
                if isinstance(key, str) and key[:1] == "_":
                    name = key[1:]
                    if name in value:
                        continue  # a primitive's extras: taken with its value
                if choice is not None:
                    suffix = name[len(choice) :] if isinstance(name, str) and name.startswith(choice) else ""
                    if not suffix[:1].isupper():
                        continue
                    type_code: str | None = suffix
                elif name == step:
                    type_code = None
                else:
                    continue
                for item, extra in _with_extras(value.get(name), value.get("_" + name)):
                    following.append((item, extra, type_code, entry_url, container))
        current = following
    return current


def _with_extras(child: Any, extra: Any) -> list[tuple[Any, Any]]:
    """The items of a property with their extras (a primitive's ``_name``), paired by position."""
    if not isinstance(child, list) and not isinstance(extra, list):
        return [(child, extra)] if child is not None or extra is not None else []
    children = child if isinstance(child, list) else []
    extras = extra if isinstance(extra, list) else []
    size = max(len(children), len(extras))
    children = children + [None] * (size - len(children))
    extras = extras + [None] * (size - len(extras))
    return [(c, e) for c, e in zip(children, extras, strict=True) if c is not None or e is not None]


def _full_url_of(bundle: Mapping[str, Any] | None, resource: Mapping[str, Any]) -> Any:
    """The fullUrl of the Bundle entry holding ``resource`` (None when there is none)."""
    entries = bundle.get("entry") if bundle is not None else None
    for entry in entries if isinstance(entries, list) else ():
        if isinstance(entry, Mapping) and entry.get("resource") is resource:
            return entry.get("fullUrl")
    return None


def _project(values: Iterable[Any], steps: Sequence[str]) -> list[Any]:
    """The values at a dotted path below each of ``values`` (arrays flattened)."""
    current = [v for v in values if v is not None]
    for step in steps:  # no step: the values themselves
        following: list[Any] = []
        for value in current:
            if isinstance(value, dict) and step in value:
                child = value[step]
                following.extend(child if isinstance(child, list) else [child])
        current = following
    return current


def _value_type(value: Any) -> type | None:
    """The JSON value type ``value`` is an instance of, if any."""
    for kind in _VALUE_TYPES:
        if isinstance(value, kind):
            return kind
    return None


def _same(value: Any, fixed: Any) -> bool:
    """Exactly equal, as FHIR compares fixed values (numbers by value, booleans apart from numbers)."""
    if type(fixed) is str:  # most fixed values (a system, a URL, a code): equal text only
        return bool(value == fixed)
    if isinstance(fixed, bool) or isinstance(value, bool):
        return type(value) is type(fixed) and value == fixed
    if isinstance(fixed, Mapping):
        return (
            isinstance(value, dict)
            and value.keys() == fixed.keys()
            and all(_same(value[k], fixed[k]) for k in fixed)
        )
    if isinstance(fixed, list):
        return isinstance(value, list) and len(value) == len(fixed) and all(map(_same, value, fixed))
    return bool(value == fixed)


def _contains(value: Any, pattern: Any) -> bool:
    """The value has at least what the pattern has (FHIR pattern[x] semantics)."""
    if isinstance(pattern, Mapping):
        return isinstance(value, dict) and all(
            k in value and _contains(value[k], pattern[k]) for k in pattern
        )
    if isinstance(pattern, list):
        if not isinstance(value, list):
            return False
        return all(any(_contains(item, wanted) for item in value) for wanted in pattern)
    return _same(value, pattern)


def _real_date(text: str) -> bool:
    """A date that exists in the calendar (the R4 regex allows 31 February)."""
    if len(text) < 10:
        return True  # year or year-month: the regex is exact
    try:
        datetime.date(int(text[0:4]), int(text[5:7]), int(text[8:10]))
    except ValueError:
        return False
    return True

"""The compiled rule pack at run time: profiles, extensions and base facts (private).

:class:`RulePack` reads the compiled form that :mod:`nhsstd.conformance._compile`
writes (the shipped one, or a user's package compiled on first use) and gives
the validator its profiles as :class:`Profile` objects whose elements are
indexed by id and by child name.  Profiles are built on first use: most
validations touch a handful of the hundreds in the pack.

>>> pack = RulePack.shipped()
>>> patient = pack.profile("https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient")
>>> patient.type, patient.root.id
('Patient', 'Patient')
>>> [e.slice_name for e in patient.root.children["identifier"]]
[None, 'nhsNumber']
>>> pack.base_facts("Patient.gender").binding
('required', 'http://hl7.org/fhir/ValueSet/administrative-gender|4.0.1')
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final

import orjson

__all__ = [
    "MISSING",
    "PACK_FORMAT",
    "PROFILES_FILE",
    "TERMINOLOGY_FILE",
    "USER_PACKAGE_LAYOUT",
    "Constraint",
    "ElementDef",
    "Profile",
    "RulePack",
    "TypeRef",
]

#: Version of the compiled layout; bump when the validator cannot read older packs.
PACK_FORMAT: Final = 1
#: Version of what a compiled user package holds beyond the pack layout (2: its terminology;
#: 3: hierarchy filters on the shipped systems worked out, and the systems' hierarchies kept);
#: part of the cached file's name, so that packages compiled by older versions are compiled again.
USER_PACKAGE_LAYOUT: Final = 3
#: The shipped profiles and terminology (written by ``python -m nhsstd.conformance._compile``).
PROFILES_FILE: Final = Path(__file__).parent / "_data" / "profiles.json"
TERMINOLOGY_FILE: Final = Path(__file__).parent / "_data" / "terminology.json"

#: Stands for "no fixed (or pattern) value"; ``None`` is never a FHIR value but is kept apart anyway.
MISSING: Final[Any] = object()

UK_CORE_PREFIX: Final = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-"


class Constraint:
    """An invariant: its key (``pat-1``), severity and FHIRPath expression."""

    __slots__ = ("expression", "key", "severity")

    def __init__(self, key: str, severity: str, expression: str) -> None:
        self.key = key
        self.severity = severity
        self.expression = expression


class TypeRef:
    """One allowed type of an element, with the profiles it must meet."""

    __slots__ = ("code", "profiles", "target_profiles")

    def __init__(self, facts: Mapping[str, Any]) -> None:
        self.code: str = facts["code"]
        self.profiles: tuple[str, ...] = tuple(facts.get("profile", ()))
        self.target_profiles: tuple[str, ...] = tuple(facts.get("targetProfile", ()))


class ElementDef:
    """The facts one definition gives for one element (any of them may be absent).

    ``children`` maps a child's name (``identifier``, ``value[x]``) to its definitions:
    the unsliced one (if any) first, then the slices in definition order.
    """

    __slots__ = (
        "binding",
        "children",
        "constraints",
        "fixed",
        "id",
        "max",
        "max_length",
        "min",
        "modifier",
        "name",
        "path",
        "pattern",
        "slice_name",
        "slicing",
        "types",
    )

    def __init__(self, facts: Mapping[str, Any], constraints: list[Constraint]) -> None:
        self.id: str = facts.get("id", facts.get("path", ""))
        self.path: str = facts.get("path", self.id)
        self.name: str = self.path.rpartition(".")[2]
        self.min: int | None = facts.get("min")
        if self.min is not None and (not isinstance(self.min, int) or isinstance(self.min, bool)):
            raise TypeError(f"{self.id}: min must be an integer")
        maximum = facts.get("max")
        #: ``None`` when not constrained here, ``-1`` for ``*``.
        self.max: int | None = None if maximum is None else (-1 if maximum == "*" else int(maximum))
        self.slice_name: str | None = facts.get("sliceName")
        self.types: tuple[TypeRef, ...] = tuple(TypeRef(t) for t in facts.get("types", ()))
        self.fixed: Any = facts.get("fixed", MISSING)
        self.pattern: Any = facts.get("pattern", MISSING)
        binding = facts.get("binding")
        self.binding: tuple[str, str] | None = None if binding is None else (binding[0], binding[1])
        self.constraints: tuple[Constraint, ...] = tuple(constraints[i] for i in facts.get("constraints", ()))
        slicing = facts.get("slicing")
        self.slicing: Slicing | None = None if slicing is None else Slicing(slicing)
        self.max_length: int | None = facts.get("maxLength")
        self.modifier: bool = bool(facts.get("modifier"))
        self.children: dict[str, list[ElementDef]] = {}


class Slicing:
    """How the items of a sliced element are told apart (discriminators) and ordered."""

    __slots__ = ("discriminators", "ordered", "rules")

    def __init__(self, facts: Mapping[str, Any]) -> None:
        self.discriminators: tuple[tuple[str, str], ...] = tuple((d[0], d[1]) for d in facts["discriminator"])
        self.ordered: bool = facts["ordered"]
        self.rules: str = facts["rules"]


class Profile:
    """A profile or extension definition (a differential over its base), ready to walk."""

    __slots__ = ("abstract", "base", "by_id", "contexts", "kind", "root", "type", "url")

    def __init__(self, url: str, facts: Mapping[str, Any], constraints: list[Constraint]) -> None:
        self.url = url
        self.type: str = facts["type"]
        self.kind: str = facts["kind"]
        self.abstract: bool = bool(facts.get("abstract"))
        self.base: str | None = facts.get("base")
        self.contexts: tuple[tuple[str, str], ...] = tuple((c[0], c[1]) for c in facts.get("context", ()))
        self.by_id: dict[str, ElementDef] = {}
        for element_facts in facts["elements"]:
            element = ElementDef(element_facts, constraints)
            self.by_id[element.id] = element
            parent, dot, last = element.id.rpartition(".")
            if dot and parent in self.by_id:
                name = last.partition(":")[0]
                self.by_id[parent].children.setdefault(name, []).append(element)
        self.root: ElementDef = self.by_id[self.type] if self.type in self.by_id else ElementDef({}, [])

    def element(self, path: str) -> ElementDef | None:
        """The unsliced element at an id (``Extension.url``), if this profile constrains it."""
        return self.by_id.get(path)


class BaseFacts:
    """What the base definition says about an element beyond its structure."""

    __slots__ = ("binding", "constraints", "fixed", "max_length", "pattern", "targets")

    def __init__(self, facts: Mapping[str, Any], constraints: list[Constraint]) -> None:
        element = ElementDef(facts, constraints)
        #: the target profiles of a Reference element
        self.targets: tuple[str, ...] = tuple(facts.get("targets", ()))
        self.binding = element.binding
        self.constraints = element.constraints
        self.fixed = element.fixed
        self.pattern = element.pattern
        self.max_length = element.max_length


_NO_FACTS: Final = BaseFacts({}, [])


class RulePack:
    """One or more compiled packs, merged: profiles by URL and base facts by path.

    Read-only once built; profiles and base facts are built on first use (profiles
    under a lock), so one pack is safely shared by every thread.
    """

    def __init__(self, sections: Iterable[Mapping[str, Any]]) -> None:
        self._raw: dict[str, tuple[Mapping[str, Any], list[Constraint]]] = {}
        # Base facts, like profiles, are built on first use: a validation reads a few
        # hundred of the thousands of paths, and building them all was a tenth of start-up.
        self._base_raw: dict[str, tuple[Mapping[str, Any], list[Constraint]]] = {}
        self._base: dict[str, BaseFacts] = {}
        self.primitive_regex: dict[str, str] = {}
        #: The profile and extension URLs of each section, in the order given.
        self.section_urls: list[tuple[str, ...]] = []
        #: The terminology compiled with a user's package, for each section that has one.
        self.terminology_sections: list[Mapping[str, Any]] = []
        for section in sections:
            if section.get("format") != PACK_FORMAT:
                raise ValueError("the rule pack was compiled by another version of nhsstd; recompile it")
            constraints = [Constraint(*row) for row in section["constraints"]]
            for url, facts in section["structures"].items():
                self._raw[url] = (facts, constraints)
            self.section_urls.append(tuple(section["structures"]))
            if "terminology" in section:
                self.terminology_sections.append(section["terminology"])
            for path, facts in section.get("base", {}).items():
                self._base_raw[path] = (facts, constraints)
            self.primitive_regex.update(section.get("primitives", {}))
        self._profiles: dict[str, Profile] = {}
        self._lock = threading.Lock()

    @classmethod
    def shipped(cls) -> RulePack:
        """The embedded R4 core and UK Core pack."""
        return cls([orjson.loads(PROFILES_FILE.read_bytes())])

    @classmethod
    def from_files(cls, files: Iterable[Path]) -> RulePack:
        """The shipped pack merged with compiled user packs (later ones win on the same URL)."""
        return cls([orjson.loads(PROFILES_FILE.read_bytes())] + [orjson.loads(f.read_bytes()) for f in files])

    def check_profiles(self) -> None:
        """Build every profile and base fact now, so that a malformed one fails here, not mid-validation."""
        for url in self._raw:
            self.profile(url)
        for path in self._base_raw:
            self.base_facts(path)

    def facts(self, url: str) -> Mapping[str, Any] | None:
        """The compiled facts of the profile or extension at ``url`` (``url|version`` accepted), or None."""
        raw = self._raw.get(url.partition("|")[0])
        return None if raw is None else raw[0]

    def knows(self, url: str) -> bool:
        """True when the pack defines the profile or extension at ``url`` (a version suffix is ignored)."""
        return url.partition("|")[0] in self._raw

    def profile(self, url: str) -> Profile | None:
        """The profile or extension at ``url`` (``url|version`` accepted), or None."""
        url = url.partition("|")[0]
        found = self._profiles.get(url)
        if found is not None:
            return found
        raw = self._raw.get(url)
        if raw is None:
            return None
        with self._lock:
            found = self._profiles.get(url)
            if found is None:
                found = self._profiles[url] = Profile(url, *raw)
        return found

    def chain(self, url: str) -> tuple[Profile, ...]:
        """The profile and its constraining ancestors, base-most first (the core definition excluded)."""
        chain: list[Profile] = []
        profile = self.profile(url)
        while profile is not None and profile not in chain:
            chain.append(profile)
            profile = self.profile(profile.base) if profile.base else None
        return tuple(reversed(chain))

    def base_facts(self, path: str) -> BaseFacts:
        """The base definition's bindings, constraints, fixed and pattern values at ``path``."""
        found = self._base.get(path)
        if found is None:
            raw = self._base_raw.get(path)
            if raw is None:
                return _NO_FACTS
            # setdefault: threads building the same path at once all get the one published.
            found = self._base.setdefault(path, BaseFacts(*raw))
        return found

    def uk_core_profile(self, resource_type: str) -> str | None:
        """The UK Core profile of a resource type (``UKCore-Patient``), if UK Core defines one."""
        url = UK_CORE_PREFIX + resource_type
        return url if url in self._raw else None

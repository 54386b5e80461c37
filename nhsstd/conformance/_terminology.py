"""Local terminology for FHIR bindings: ValueSets expanded at compile time.

:func:`compile_terminology` reads the ValueSets and CodeSystems of FHIR R4
4.0.1 (``valuesets.json``, ``v2-tables.json``, ``v3-codesystems.json``) and
of UK Core, and expands every ValueSet whose ``compose`` can be worked out
exactly from the CodeSystems it has:

* ``include``/``exclude`` of a system with a ``concept`` list or the whole
  system (``exclude`` is applied to what the ``include`` parts gave);
* ``valueSet`` imports (intersected with each other and with the include's
  own system part, as FHIR R4 ``ValueSet.compose.include.valueSet`` says);
* filters that can be evaluated exactly over a CodeSystem held locally:
  the hierarchy filters ``is-a``, ``descendent-of``, ``is-not-a`` and
  ``generalizes`` (the hierarchy is the concept nesting plus the
  ``parent``/``child``/``subsumedBy`` properties), ``in``, ``not-in`` and
  ``=`` on ``concept``/``code``, and ``=`` on a concept property.

Anything else is *not expandable* for that system and checks answer
:attr:`Membership.UNKNOWN`: SNOMED CT (UK Core uses ECL ``constraint``
filters), dm+d, LOINC, UCUM, ISO 3166, filters such as ``regex``, and
CodeSystems whose ``content`` is ``not-present``.  A ``fragment`` or
``example`` CodeSystem answers MEMBER for the codes it lists and UNKNOWN for
the rest; so does an HL7 v2 table with a placeholder code such as ``NNxxx``
(v2-0203: "NN" and an ISO 3166 country code), whose real codes are not all
listed.

Some systems are defined by a grammar, and a cheap exact check is done
locally instead of a lookup (see ``_GRAMMARS``):

* ``urn:ietf:bcp:47`` (language tags, the ``all-languages`` ValueSet): the
  RFC 5646 section 2.1 tag syntax, grandfathered tags included.  A
  well-formed tag is a member; the IANA subtag registry is not consulted.
* ``urn:ietf:bcp:13`` (``mimetypes``): RFC 6838 section 4.2 ``type/subtype``
  names, with optional RFC 2045 ``; attribute=value`` parameters (unquoted
  URL values allowed, as FHIR signatures use them), plus FHIR's ``xml``,
  ``json`` and ``ttl`` format names.  A
  well-formed media type is a member; the IANA registry is not consulted.
* SNOMED CT and dm+d: a code that is not a valid SCTID (length, partition,
  Verhoeff check digit) is NOT_MEMBER of any ValueSet of those systems; a
  valid one is UNKNOWN unless a terminology server is asked.
* UCUM (``http://unitsofmeasure.org``) is left UNKNOWN: its grammar with
  annotations and unit atoms cannot be checked without the unit tables.

The compiled form is facts only: for each CodeSystem its sorted codes,
whether the list is complete and, when it has one, its hierarchy (each code's
parents, as indices into the code list, in one string), so that a user's package can filter
the shipped systems by hierarchy too; for each ValueSet, per system, either ``"*"``
(every code of that system), a sorted code list, or ``"?"`` (that part
could not be expanded).  No display text is kept: display checks are not
made, which keeps the pack small.  Every system is treated as
case-sensitive, FHIR's default when ``caseSensitive`` is absent; the
grammar checks apply their own RFC case rules.

>>> terminology = Terminology({
...     "systems": {"http://hl7.org/fhir/administrative-gender": {
...         "codes": ["female", "male", "other", "unknown"], "complete": True}},
...     "valuesets": {"http://hl7.org/fhir/ValueSet/administrative-gender": {
...         "http://hl7.org/fhir/administrative-gender": "*"}},
... })
>>> terminology.check("http://hl7.org/fhir/ValueSet/administrative-gender|4.0.1", None, "female")
<Membership.MEMBER: 'member'>
>>> terminology.check("http://hl7.org/fhir/ValueSet/administrative-gender", None, "F")
<Membership.NOT_MEMBER: 'not-member'>
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from nhsstd.identifiers import sctid as _sctid

if TYPE_CHECKING:
    from nhsstd.registers.terminology import TerminologyClient

__all__ = [
    "BoundValueSet",
    "Membership",
    "Terminology",
    "compile_package_terminology",
    "compile_packages_terminology",
    "compile_terminology",
    "merged_terminology",
]

#: A ValueSet's part for one system: every code, some codes, or not worked out.
ALL_CODES: Final = "*"
NOT_EXPANDED: Final = "?"

BCP_47: Final = "urn:ietf:bcp:47"
BCP_13: Final = "urn:ietf:bcp:13"
SNOMED: Final = "http://snomed.info/sct"
DMD: Final = "https://dmd.nhs.uk"

#: The R4 files holding ValueSets and CodeSystems.
R4_TERMINOLOGY_FILES: Final = ("valuesets.json", "v2-tables.json", "v3-codesystems.json")


class Membership(str, enum.Enum):
    """Whether a code is in a ValueSet, as far as can be known locally."""

    MEMBER = "member"
    NOT_MEMBER = "not-member"
    #: The ValueSet (or its part for this system) cannot be expanded locally.
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value


# --- grammar checks -------------------------------------------------------------------------------

_ALNUM = "[A-Za-z0-9]"
# RFC 5646 section 2.1 langtag; singletons are any alphanumeric but x/X.
_LANGTAG = (
    r"(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}|[A-Za-z]{4,8})"  # language (+ up to 3 extlang)
    r"(?:-[A-Za-z]{4})?"  # script
    r"(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"  # region
    rf"(?:-(?:{_ALNUM}{{5,8}}|[0-9]{_ALNUM}{{3}}))*"  # variants
    rf"(?:-[0-9A-WY-Za-wy-z](?:-{_ALNUM}{{2,8}})+)*"  # extensions
    rf"(?:-[xX](?:-{_ALNUM}{{1,8}})+)?"  # private use
)
_PRIVATE_USE = rf"[xX](?:-{_ALNUM}{{1,8}})+"
# RFC 5646 section 2.2.8: the irregular and regular grandfathered tags.
_GRANDFATHERED = frozenset(
    tag.lower()
    for tag in [
        "en-GB-oed",
        "i-ami",
        "i-bnn",
        "i-default",
        "i-enochian",
        "i-hak",
        "i-klingon",
        "i-lux",
        "i-mingo",
        "i-navajo",
        "i-pwn",
        "i-tao",
        "i-tay",
        "i-tsu",
        "sgn-BE-FR",
        "sgn-BE-NL",
        "sgn-CH-DE",
        "art-lojban",
        "cel-gaulish",
        "no-bok",
        "no-nyn",
        "zh-guoyu",
        "zh-hakka",
        "zh-min",
        "zh-min-nan",
        "zh-xiang",
    ]
)
_LANGUAGE_TAG = re.compile(rf"(?:{_LANGTAG}|{_PRIVATE_USE})")

# RFC 6838 section 4.2 restricted-name, and RFC 2045 section 5.1 parameters (token or quoted-string).
# A parameter value may also be a URL without quotes: FHIR R4 writes Signature.targetFormat so
# ("application/fhir+json;canonicalization=http://hl7.org/fhir/canonicalization/json#document").
_RESTRICTED_NAME = r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}"
_TOKEN = r"[^\x00-\x20\x7f()<>@,;:\\\"/\[\]?=]+"
_PARAMETER_VALUE = r"(?:\"(?:[^\"\\\r\n]|\\.)*\"|[^\x00-\x20\x7f;\"]+)"
_MEDIA_TYPE = re.compile(
    rf"{_RESTRICTED_NAME}/{_RESTRICTED_NAME}(?:[ \t]*;[ \t]*{_TOKEN}={_PARAMETER_VALUE})*"
)
#: FHIR's own format names, allowed wherever a mime type is (R4 CapabilityStatement.format:
#: "xml | json | ttl | mime type").
_FHIR_FORMATS = frozenset({"xml", "json", "ttl"})


def _is_language_tag(code: str) -> bool | None:
    return _LANGUAGE_TAG.fullmatch(code) is not None or code.lower() in _GRANDFATHERED


def _is_media_type(code: str) -> bool | None:
    return code in _FHIR_FORMATS or _MEDIA_TYPE.fullmatch(code) is not None


def _is_possible_sctid(code: str) -> bool | None:
    # A valid SCTID may or may not be in the ValueSet: only the negative answer is exact.
    return None if code.isdigit() and _sctid.is_valid(code) else False


#: Systems checked by grammar: True member, False not a member, None cannot tell.
_GRAMMARS: Final[Mapping[str, Callable[[str], bool | None]]] = {
    BCP_47: _is_language_tag,
    BCP_13: _is_media_type,
    SNOMED: _is_possible_sctid,
    DMD: _is_possible_sctid,
}


def _canonical(url: str) -> str:
    """The canonical URL without its ``|version`` (one version of each is held)."""
    return url.partition("|")[0]


# --- runtime --------------------------------------------------------------------------------------

_Part = str | frozenset[str]


class Terminology:
    """Code and ValueSet membership checks over a compiled terminology.

    Built from the dict :func:`compile_terminology` returns (the rule pack's
    terminology section).  Immutable once built, so one instance is safely
    shared by threads.  With a *client*, checks that cannot be answered
    locally are sent to the terminology server's ``ValueSet/$validate-code``;
    errors from the server are raised, not hidden, but a code or system the
    client refuses to send (not a URI, too long...) stays UNKNOWN.
    """

    __slots__ = ("_client", "_complete", "_systems", "_valuesets")

    def __init__(self, compiled: Mapping[str, Any], *, client: TerminologyClient | None = None) -> None:
        self._systems: dict[str, frozenset[str]] = {
            url: frozenset(entry["codes"]) for url, entry in compiled["systems"].items()
        }
        self._complete = frozenset(url for url, entry in compiled["systems"].items() if entry["complete"])
        self._valuesets: dict[str, dict[str, _Part]] = {
            url: {
                system: part if isinstance(part, str) else frozenset(part) for system, part in parts.items()
            }
            for url, parts in compiled["valuesets"].items()
        }
        self._client = client

    def known_system(self, system: str) -> bool:
        """Whether codes of *system* can be checked locally (list or grammar).

        >>> Terminology({"systems": {}, "valuesets": {}}).known_system("urn:ietf:bcp:47")
        True
        """
        system = _canonical(system)
        return system in self._systems or system in _GRAMMARS

    def code_in_system(self, system: str, code: str) -> bool | None:
        """Whether *code* is a code of *system*; None when that cannot be told locally.

        >>> Terminology({"systems": {}, "valuesets": {}}).code_in_system("urn:ietf:bcp:13", "text/plain")
        True
        """
        system = _canonical(system)
        codes = self._systems.get(system)
        if codes is not None:
            if code in codes:
                return True
            return False if system in self._complete else None
        grammar = _GRAMMARS.get(system)
        return grammar(code) if grammar is not None else None

    def is_expandable(self, valueset_url: str) -> bool:
        """Whether every part of the ValueSet was expanded (or is checked by grammar)."""
        parts = self._valuesets.get(_canonical(valueset_url))
        if parts is None:
            return False
        return all(self._part_is_exact(system, part) for system, part in parts.items())

    def _part_is_exact(self, system: str, part: _Part) -> bool:
        if part == NOT_EXPANDED:
            return False
        if part == ALL_CODES:
            return system in self._complete or _GRAMMARS.get(system) in (_is_language_tag, _is_media_type)
        return True

    def valueset(self, valueset_url: str) -> BoundValueSet:
        """The membership check of one ValueSet, resolved once (a walker plan holds it).

        >>> gender = Terminology({"systems": {}, "valuesets": {"http://example.org/VS/g": {
        ...     "http://example.org/g": ["female", "male"]}}}).valueset("http://example.org/VS/g|1")
        >>> gender.check(None, "male"), gender.check("http://example.org/other", "male")
        (<Membership.MEMBER: 'member'>, <Membership.NOT_MEMBER: 'not-member'>)
        """
        return BoundValueSet(self, valueset_url)

    def check(self, valueset_url: str, system: str | None, code: str) -> Membership:
        """Whether *code* of *system* is in the ValueSet.

        *system* is None for a ``code`` element, whose system is implied by
        the binding: then any system of the ValueSet may hold it.
        """
        return BoundValueSet(self, valueset_url).check(system, code)

    def _in_open_part(self, system: str, part: str, code: str) -> Membership:
        """A code against a part that is not a code list: the whole system, or not expanded."""
        if part == NOT_EXPANDED:
            # The system's own grammar can still rule a code out (an invalid SCTID, say).
            grammar = _GRAMMARS.get(system)
            return (
                Membership.NOT_MEMBER
                if grammar is not None and grammar(code) is False
                else Membership.UNKNOWN
            )
        found = self.code_in_system(system, code)
        return Membership.UNKNOWN if found is None else Membership.MEMBER if found else Membership.NOT_MEMBER


class BoundValueSet:
    """One ValueSet of a :class:`Terminology`, looked up and split by system once.

    The version is stripped from the URL and the ValueSet's parts are sorted into code
    lists (a set lookup per code) and the rest (whole systems, parts not expanded) when it
    is made, so a check does no URL work and a code with no system (a ``code`` element) is
    looked up in the code lists before any other part is asked.  Cheap to make (no code list
    is copied), and immutable, like its terminology.
    """

    __slots__ = ("_known", "_listed", "_open", "_terminology", "url")

    def __init__(self, terminology: Terminology, valueset_url: str) -> None:
        #: the URL as bound (with its version: that is what a terminology server is asked about)
        self.url = valueset_url
        self._terminology = terminology
        parts = terminology._valuesets.get(_canonical(valueset_url))
        self._known = parts is not None
        self._listed: dict[str, frozenset[str]] = {}
        self._open: dict[str, str] = {}
        for system, part in (parts or {}).items():
            if isinstance(part, frozenset):
                self._listed[system] = part
            else:
                self._open[system] = part

    def check(self, system: str | None, code: str) -> Membership:
        """Whether *code* of *system* is in the ValueSet (*system* None: any of its systems)."""
        local = self._check_locally(system, code)
        if local is not Membership.UNKNOWN or system is None:
            return local
        terminology = self._terminology
        if terminology.code_in_system(system, code) is False:
            return Membership.NOT_MEMBER  # not a code of its system (an invalid SCTID...): in no ValueSet
        client = terminology._client
        if client is not None:
            # Imported here: nhsstd.registers is loaded only by callers that gave a client.
            from nhsstd.registers import InvalidParameter

            try:
                answer = client.validate_code(code, system=_canonical(system), value_set=self.url)
            except InvalidParameter:
                return Membership.UNKNOWN  # not a code or system the server can be asked about
            return Membership.MEMBER if answer.result else Membership.NOT_MEMBER
        return local

    def _check_locally(self, system: str | None, code: str) -> Membership:
        if not self._known:
            return Membership.UNKNOWN
        if system is not None:
            system = _canonical(system)
            codes = self._listed.get(system)
            if codes is not None:
                return Membership.MEMBER if code in codes else Membership.NOT_MEMBER
            part = self._open.get(system)
            if part is None:
                return Membership.NOT_MEMBER
            return self._terminology._in_open_part(system, part, code)
        # Any system may hold it: a member of one part is a member; else unknown if one part cannot tell.
        for codes in self._listed.values():
            if code in codes:
                return Membership.MEMBER
        answer = Membership.NOT_MEMBER
        for part_system, part in self._open.items():
            found = self._terminology._in_open_part(part_system, part, code)
            if found is Membership.MEMBER:
                return found
            if found is Membership.UNKNOWN:
                answer = found
        return answer


# --- compiler -------------------------------------------------------------------------------------

# During compilation a part is a set of codes, ALL_CODES or NOT_EXPANDED.
_Codes = str | set[str]


#: Codes of HL7 v2 tables that stand for a family of codes: "NNxxx" (NN + an ISO 3166 country
#: code), "HL7nnnn", "E1 ... E9", "...".  A table holding one lists only part of its codes.
_PLACEHOLDER_CODE = re.compile(r"\.\.\.|xxx|nnnn")


#: The URIs that give a CodeSystem property the meaning of R4's ``parent`` and ``child``
#: (concept-properties; "the meaning of 'parent' is defined by the hierarchyMeaning attribute").
_PARENT_URI: Final = "http://hl7.org/fhir/concept-properties#parent"
_CHILD_URI: Final = "http://hl7.org/fhir/concept-properties#child"


class _CodeSystem:
    """A CodeSystem's codes, hierarchy and properties, for expanding ValueSets.

    The hierarchy is the parent links the CodeSystem states: concepts nested in a concept are
    its children, and so are the codes of its ``child`` properties and the concepts whose
    ``parent`` (or ``subsumedBy``) property names it -- any property whose declared ``uri`` is
    concept-properties' ``parent`` or ``child`` counts as that.  Links to a code the system does
    not define are dropped, so the hierarchy is over the system's codes only, and the same
    whether read from the CodeSystem or from its compiled fact (:meth:`hierarchy_fact`).
    """

    def __init__(self, resource: Mapping[str, Any]) -> None:
        self.codes: list[str] = []
        #: code -> the codes of its direct children, and of its direct parents
        self.children: dict[str, set[str]] = {}
        self.parents: dict[str, set[str]] = {}
        self.properties: dict[str, list[tuple[str, str]]] = {}
        #: False for a system known only by its compiled facts (codes and hierarchy, no properties).
        self.has_properties = True
        declared = [(prop.get("code"), prop.get("uri")) for prop in resource.get("property", [])]
        self._parent_props = {"parent", "subsumedBy"} | {code for code, uri in declared if uri == _PARENT_URI}
        self._child_props = {"child"} | {code for code, uri in declared if uri == _CHILD_URI}
        links: list[tuple[str, str]] = []
        self._read(resource.get("concept", []), None, links)
        self._link_all(links)
        self.complete = resource.get("content") == "complete" and not any(
            _PLACEHOLDER_CODE.search(code) for code in self.codes
        )

    @classmethod
    def from_compiled(cls, entry: Mapping[str, Any]) -> _CodeSystem:
        """A system of a compiled terminology (the shipped one): its codes, completeness, hierarchy."""
        system = cls({})
        system.codes = list(entry["codes"])
        system.complete = bool(entry["complete"])
        system.has_properties = False
        codes = system.codes
        fields = entry["parents"].split(";") if "parents" in entry else []
        system._link_all(
            (codes[int(parent)], child)
            for child, field in zip(codes, fields, strict=bool(fields))
            if field
            for parent in field.split(",")
        )
        return system

    def _read(
        self, concepts: Iterable[Mapping[str, Any]], parent: str | None, links: list[tuple[str, str]]
    ) -> None:
        for concept in concepts:
            code = concept["code"]
            self.codes.append(code)
            if parent is not None:
                links.append((parent, code))
            for prop in concept.get("property", []):
                value = _property_value(prop)
                self.properties.setdefault(code, []).append((prop["code"], value))
                if prop["code"] in self._child_props:
                    links.append((code, value))
                elif prop["code"] in self._parent_props:
                    links.append((value, code))
            self._read(concept.get("concept", []), code, links)

    def _link_all(self, links: Iterable[tuple[str, str]]) -> None:
        defined = set(self.codes)
        for parent, child in links:
            if parent in defined and child in defined:
                self.children.setdefault(parent, set()).add(child)
                self.parents.setdefault(child, set()).add(parent)

    def merge(self, other: _CodeSystem) -> None:
        # R4 holds two versions of v2-0360; bindings name the system without a version.
        known = set(self.codes)
        self.codes.extend(code for code in other.codes if code not in known)
        self._link_all((parent, child) for child, parents in other.parents.items() for parent in parents)
        for code, props in other.properties.items():
            self.properties.setdefault(code, []).extend(props)
        self.complete = self.complete and other.complete

    def hierarchy_fact(self) -> str:
        """The compiled hierarchy: for each code of the sorted code list, its parents' indices there.

        Empty when the system has no hierarchy.  Codes only, and one string, which costs next
        to nothing to read when the pack is loaded (only a user's package compile decodes it):
        ``";0;0;1,2"`` says the second and third codes are children of the first, the fourth
        of both of them.
        """
        if not self.parents:
            return ""
        ordered = sorted(set(self.codes))
        index = {code: number for number, code in enumerate(ordered)}
        return ";".join(
            ",".join(str(i) for i in sorted(index[parent] for parent in self.parents.get(code, ())))
            for code in ordered
        )

    def descendants(self, code: str) -> set[str]:
        return _closure(self.children, code)

    def ancestors(self, code: str) -> set[str]:
        return _closure(self.parents, code)


def _closure(links: Mapping[str, set[str]], code: str) -> set[str]:
    """The codes reached from *code* by following *links* transitively (*code* itself only on a cycle)."""
    found: set[str] = set()
    todo = [code]
    while todo:
        for linked in links.get(todo.pop(), ()):
            if linked not in found:
                found.add(linked)
                todo.append(linked)
    return found


def _property_value(prop: Mapping[str, Any]) -> str:
    for key, value in prop.items():
        if key.startswith("value"):
            return json.dumps(value) if isinstance(value, bool) else str(value)
    return ""


# Hierarchy filters (FHIR R4 filter-operator).  A value that is not a code of the system selects
# nothing (is-a, descendent-of, generalizes) or everything (is-not-a).


def _filter_is_a(cs: _CodeSystem, value: str) -> set[str]:
    return {value, *cs.descendants(value)} if value in cs.codes else set()


def _filter_descendent_of(cs: _CodeSystem, value: str) -> set[str]:
    return cs.descendants(value)


def _filter_is_not_a(cs: _CodeSystem, value: str) -> set[str]:
    return set(cs.codes) - _filter_is_a(cs, value)


def _filter_generalizes(cs: _CodeSystem, value: str) -> set[str]:
    return {value, *cs.ancestors(value)} if value in cs.codes else set()


def _filter_in(cs: _CodeSystem, value: str) -> set[str]:
    return set(cs.codes) & {code.strip() for code in value.split(",")}


def _filter_not_in(cs: _CodeSystem, value: str) -> set[str]:
    return set(cs.codes) - _filter_in(cs, value)


#: ``concept``/``code`` filters evaluated over a CodeSystem, by operator (FHIR R4 filter-operator).
_CONCEPT_FILTERS: Final[Mapping[str, Callable[[_CodeSystem, str], set[str]]]] = {
    "is-a": _filter_is_a,
    "descendent-of": _filter_descendent_of,
    "is-not-a": _filter_is_not_a,
    "generalizes": _filter_generalizes,
    "in": _filter_in,
    "not-in": _filter_not_in,
    "=": lambda cs, value: {value} & set(cs.codes),
}


def _apply_filter(cs: _CodeSystem, prop: str, op: str, value: str) -> set[str] | None:
    if prop in ("concept", "code"):
        evaluate = _CONCEPT_FILTERS.get(op)
        return evaluate(cs, value) if evaluate is not None else None
    if op == "=" and cs.has_properties:  # a compiled system keeps no properties
        return {code for code in cs.codes if (prop, value) in cs.properties.get(code, ())}
    return None


class _Compiler:
    """Expands the ValueSets of *resources* over their CodeSystems and those of *base*.

    *base* is a compiled terminology (the shipped one, when a user's package is compiled):
    its ValueSets count as expanded already and its systems as code lists, and only what
    *resources* define is written out.
    """

    def __init__(self, resources: Iterable[Mapping[str, Any]], base: Mapping[str, Any] | None = None) -> None:
        self.code_systems: dict[str, _CodeSystem] = {}
        self.valuesets: dict[str, Mapping[str, Any]] = {}
        self.expanded: dict[str, dict[str, _Codes]] = {}
        self._in_progress: set[str] = set()
        for resource in resources:
            url = resource.get("url")
            if not isinstance(url, str):
                continue
            if resource["resourceType"] == "ValueSet":
                self.valuesets[url] = resource
            elif resource["resourceType"] == "CodeSystem" and resource.get("content") in (
                "complete",
                "fragment",
                "example",
            ):
                system = _CodeSystem(resource)
                if url in self.code_systems:
                    self.code_systems[url].merge(system)
                else:
                    self.code_systems[url] = system
        self._own_systems = frozenset(self.code_systems)
        if base is not None:
            for url, entry in base["systems"].items():
                self.code_systems.setdefault(url, _CodeSystem.from_compiled(entry))
            for url, parts in base["valuesets"].items():
                if url not in self.valuesets:  # a package's own ValueSet of the same URL wins
                    self.expanded[url] = {
                        system: part if isinstance(part, str) else set(part) for system, part in parts.items()
                    }

    def expand(self, url: str) -> dict[str, _Codes] | None:
        """The ValueSet's parts by system; None when it is unknown or imports itself."""
        url = _canonical(url)
        if url in self.expanded:
            return self.expanded[url]
        resource = self.valuesets.get(url)
        if resource is None or url in self._in_progress:
            return None
        self._in_progress.add(url)
        compose = resource.get("compose", {})
        parts: dict[str, _Codes] = {}
        for include in compose.get("include", []):
            for system, codes in self._include(include).items():
                parts[system] = _union(parts.get(system), codes)
        for exclude in compose.get("exclude", []):
            excluded = self._include(exclude)
            if "" in excluded:  # an unknown ValueSet is excluded: nothing left is certain
                excluded = dict.fromkeys(parts, NOT_EXPANDED)
            for system, codes in excluded.items():
                if system in parts:
                    parts[system] = self._minus(system, parts[system], codes)
        self._in_progress.discard(url)
        self.expanded[url] = parts
        return parts

    def _include(self, include: Mapping[str, Any]) -> dict[str, _Codes]:
        """What one include (or exclude) selects, by system (FHIR R4 ValueSet.compose.include)."""
        selections: list[dict[str, _Codes]] = []
        if "system" in include:
            system = _canonical(include["system"])
            selections.append({system: self._system_part(system, include)})
        for imported in include.get("valueSet", []):
            expansion = self.expand(imported)
            # An unknown imported ValueSet may hold any system: nothing is known of this include.
            selections.append(expansion if expansion is not None else {"": NOT_EXPANDED})
        result = selections[0] if selections else {}
        for selection in selections[1:]:
            result = self._intersect(result, selection)
        return result

    def _system_part(self, system: str, include: Mapping[str, Any]) -> _Codes:
        if "concept" in include:
            return {concept["code"] for concept in include["concept"]}
        filters = include.get("filter", [])
        if not filters:
            return ALL_CODES
        cs = self.code_systems.get(system)
        if cs is None or not cs.complete:
            return NOT_EXPANDED
        codes = set(cs.codes)
        for item in filters:
            selected = _apply_filter(cs, item["property"], item["op"], item["value"])
            if selected is None:
                return NOT_EXPANDED
            codes &= selected
        return codes

    def _all(self, system: str) -> _Codes:
        cs = self.code_systems.get(system)
        return set(cs.codes) if cs is not None and cs.complete else ALL_CODES

    def _minus(self, system: str, kept: _Codes, removed: _Codes) -> _Codes:
        if kept == NOT_EXPANDED or removed == NOT_EXPANDED:
            return NOT_EXPANDED
        if removed == ALL_CODES:
            return set()
        if kept == ALL_CODES:
            kept = self._all(system)
            if kept == ALL_CODES:
                return NOT_EXPANDED
        assert isinstance(kept, set)
        assert isinstance(removed, set)
        return kept - removed

    def _intersect(self, left: dict[str, _Codes], right: dict[str, _Codes]) -> dict[str, _Codes]:
        if "" in left or "" in right:
            return {"": NOT_EXPANDED}
        result: dict[str, _Codes] = {}
        for system in left.keys() & right.keys():
            a, b = left[system], right[system]
            if NOT_EXPANDED in (a, b):
                result[system] = NOT_EXPANDED
            elif a == ALL_CODES:
                result[system] = b
            elif b == ALL_CODES:
                result[system] = a
            else:
                assert isinstance(a, set)
                assert isinstance(b, set)
                result[system] = a & b
        return result

    def compiled(self) -> dict[str, Any]:
        valuesets: dict[str, Any] = {}
        for url in sorted(self.valuesets):
            parts = self.expand(url)
            if parts is None or "" in parts:
                continue  # not expandable at all: the runtime answers UNKNOWN for missing ValueSets
            valuesets[url] = {system: self._packed(system, part) for system, part in sorted(parts.items())}
        systems: dict[str, Any] = {}
        for url, cs in sorted(self.code_systems.items()):
            if url in self._own_systems:
                systems[url] = {"codes": sorted(set(cs.codes)), "complete": cs.complete}
                hierarchy = cs.hierarchy_fact()
                if hierarchy:
                    systems[url]["parents"] = hierarchy
        return {"systems": systems, "valuesets": valuesets}

    def _packed(self, system: str, part: _Codes) -> str | list[str]:
        if isinstance(part, str):
            return part
        cs = self.code_systems.get(system)
        # The whole of a complete system is stored once, under the system.
        if cs is not None and cs.complete and part == set(cs.codes):
            return ALL_CODES
        return sorted(part)


def _union(left: _Codes | None, right: _Codes) -> _Codes:
    if left is None:
        return right if isinstance(right, str) else set(right)
    if NOT_EXPANDED in (left, right):
        return NOT_EXPANDED
    if ALL_CODES in (left, right):
        return ALL_CODES
    assert isinstance(left, set)
    assert isinstance(right, set)
    return left | right


def _r4_resources(r4_dir: Path) -> Iterator[Mapping[str, Any]]:
    for name in R4_TERMINOLOGY_FILES:
        bundle = json.loads((r4_dir / name).read_text(encoding="utf-8"))
        for entry in bundle.get("entry", []):
            yield entry["resource"]


def _ukcore_resources(ukcore_dir: Path) -> Iterator[Mapping[str, Any]]:
    # The pack compiler's reader (FHIR XML); imported here because that compiler imports this module.
    from nhsstd.conformance._compile import read_package

    for folder in ("codesystems", "valuesets"):
        yield from read_package(ukcore_dir / folder)


def compile_package_terminology(
    resources: Iterable[Mapping[str, Any]], base: Mapping[str, Any]
) -> dict[str, Any]:
    """The terminology section of a user's package: its own ValueSets and CodeSystems.

    ValueSets are expanded as the shipped ones are, over the package's CodeSystems and
    *base*'s (the shipped terminology: R4 and UK Core), and may import *base*'s ValueSets.
    *base* keeps each system's codes and hierarchy but not its other properties, so a filter
    on the code (``is-a``, ``descendent-of``, ``is-not-a``, ``generalizes``, ``in``,
    ``not-in``, ``=``) is worked out on its systems, and one on another property is not.

    >>> base = {"systems": {"http://hl7.org/fhir/administrative-gender": {
    ...     "codes": ["female", "male", "other", "unknown"], "complete": True}}, "valuesets": {}}
    >>> compile_package_terminology([{"resourceType": "ValueSet", "url": "http://example.org/VS/g",
    ...     "compose": {"include": [{"system": "http://hl7.org/fhir/administrative-gender"}],
    ...                 "exclude": [{"system": "http://hl7.org/fhir/administrative-gender",
    ...                              "concept": [{"code": "unknown"}]}]}}], base)
    {'systems': {}, 'valuesets': {'http://example.org/VS/g': {'http://hl7.org/fhir/administrative-gender': \
['female', 'male', 'other']}}}
    """
    return _Compiler(resources, base).compiled()


def compile_packages_terminology(
    packages: Sequence[Iterable[Mapping[str, Any]]], base: Mapping[str, Any]
) -> dict[str, Any]:
    """The terminology of several user packages given together, as one section.

    As :func:`compile_package_terminology` of all their resources, so a ValueSet of one package
    may import (or exclude) a ValueSet of another, except that a ValueSet or CodeSystem of a
    later package replaces one of the same URL in an earlier package, as
    :func:`merged_terminology` does with sections compiled apart.

    >>> base = {"systems": {}, "valuesets": {}}
    >>> first = [{"resourceType": "CodeSystem", "url": "http://example.org/cs", "content": "complete",
    ...           "concept": [{"code": "a"}, {"code": "b"}]}]
    >>> second = [{"resourceType": "ValueSet", "url": "http://example.org/vs",
    ...            "compose": {"include": [{"system": "http://example.org/cs"}]}}]
    >>> compile_packages_terminology([first, second], base)["valuesets"]
    {'http://example.org/vs': {'http://example.org/cs': '*'}}
    """
    loaded = [list(resources) for resources in packages]
    resources: list[Mapping[str, Any]] = []
    for number, package in enumerate(loaded):
        replaced = {_identity(resource) for later in loaded[number + 1 :] for resource in later}
        resources.extend(resource for resource in package if _identity(resource) not in replaced)
    return _Compiler(resources, base).compiled()


def _identity(resource: Mapping[str, Any]) -> tuple[Any, Any]:
    return resource.get("resourceType"), resource.get("url")


def merged_terminology(sections: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Compiled terminologies as one: a later section's system or ValueSet replaces an earlier one's."""
    systems: dict[str, Any] = {}
    valuesets: dict[str, Any] = {}
    for section in sections:
        systems.update(section["systems"])
        valuesets.update(section["valuesets"])
    return {"systems": systems, "valuesets": valuesets}


def compile_terminology(r4_dir: Path, ukcore_dir: Path | None) -> dict[str, Any]:
    """The terminology section of the rule pack, from the R4 and UK Core packages.

    Deterministic: keys and code lists are sorted.  UK Core resources are
    read after R4 ones, so a UK Core ValueSet with the URL of an R4 one
    wins; CodeSystems with one URL (two versions) are merged.
    """
    resources: Iterable[Mapping[str, Any]] = list(_r4_resources(r4_dir))
    if ukcore_dir is not None:
        resources = [*resources, *_ukcore_resources(ukcore_dir)]
    return _Compiler(resources).compiled()

"""Shared resource-level reading and writing: unknown elements, overrides, key order (private)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, TypeVar

import orjson

from nhsstd._json_text import load_json
from nhsstd.exceptions import ValidationError
from nhsstd.fhir._context import Reader, check_member, check_patched
from nhsstd.fhir._residual import FP, SLOT, apply_patch, diff, fingerprint, has_slots, weave
from nhsstd.models import Extras

__all__ = ["OVERRIDE", "KeyOrder", "ResourceReader", "ResourceWriter", "dump_residual", "load_residual"]

#: Slot tag of a top-level modelled element whose input differed from the canonical form.
OVERRIDE: Final = "="

_M = TypeVar("_M")

_ENCODER: Final = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"), sort_keys=True)


_NOT_JSON: Final = (
    "an element kept as it is is not JSON (keys must be strings, no NaN, integers within 64 bits)"
)


def dump_residual(residual: Mapping[str, Any]) -> str:
    """The residual as compact JSON text, keys sorted.

    Callers make sure that *residual* is JSON (orjson writes NaN as ``null`` where the
    standard library refuses it): the FHIR reader's kept-content walk proves it
    (:func:`~nhsstd.fhir._context.check_kept`), and HL7 v2's residual is built from text.
    """
    try:
        return orjson.dumps(residual, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:  # integers beyond 64 bits; non-JSON values fail here too
        return _ENCODER.encode(residual)


def load_residual(stored: Any, problems: list[tuple[str, str]]) -> dict[str, Any]:
    """The residual from ``extras``: JSON text (as read) or an object (as built by hand).

    Either way it comes back as plain, new JSON values (dicts, lists), which the writers
    use as they are.
    """
    if stored is None:
        return {}
    if isinstance(stored, str):
        try:
            loaded = load_json(stored)
        except ValueError:  # (an unpaired surrogate too)
            loaded = None
        if type(loaded) is dict:
            return loaded
        problems.append(("extras.fhir", "not the JSON object text that from_fhir stores"))
        return {}
    if isinstance(stored, Mapping):
        return _plain_object(stored)
    problems.append(("extras.fhir", "expected the JSON object text that from_fhir stores"))
    return {}


def _plain_object(stored: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _plain(value) for key, value in stored.items()}


def _plain(value: Any) -> Any:
    """A new plain JSON value from a frozen one (:class:`Extras`, tuples) or a hand-built one."""
    if isinstance(value, Mapping):
        return _plain_object(value)
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


class ResourceReader:
    """Collects model fields and the ``extras["fhir"]`` residual of one resource."""

    __slots__ = ("extras", "fields", "r", "resource")

    def __init__(self, r: Reader, resource: dict[str, Any]) -> None:
        self.r = r
        self.resource = resource
        self.fields: dict[str, Any] = {}
        self.extras: dict[str, Any] = {}

    def keep(self, key: str, value: Any) -> None:
        """An element the model does not hold."""
        self.r.unknown_member("$", key)
        if self.r.keep_unknown:
            check_member(self.r, self.resource, key, value, "$")
            self.extras[key] = value

    def template(self, key: str, template: list[Any] | None) -> None:
        if template is not None:
            self.extras[key] = template

    def override(self, key: str, original: Any, canonical: Any) -> None:
        """Remember how a modelled top-level element was written, if not canonically."""
        if original == canonical or not self.r.keep_unknown:
            return
        entry: dict[str, Any] = {SLOT: OVERRIDE, FP: fingerprint(canonical)}
        if type(original) is dict and type(canonical) is dict:
            patch = diff(original, canonical)
            check_patched(self.r, original, patch, "$." + key)
            entry["patch"] = patch
        else:
            check_member(self.r, self.resource, key, original, "$")
            entry["value"] = original
        self.extras[key] = entry

    def residual(self) -> dict[str, Any] | None:
        """The ``extras`` of the model: ``{"fhir": <residual as canonical JSON text>}``, or
        ``None`` when something kept is not JSON (a problem is then recorded).

        The residual is stored as JSON text (keys sorted, so that equal residuals
        compare equal) rather than as nested frozen objects: freezing a large
        residual element by element costs more than the rest of the read.  Everything
        in it went through the kept-content walk (:func:`~nhsstd.fhir._context.check_kept`),
        which proves it is JSON -- string keys, finite numbers, no tuples, sets or other
        objects that a dict given directly (not from a JSON parser) may hold -- so the text
        is not read back to compare.  Called only when no problem was found (a non-string
        key or a null is reported where it is, and then not again here).
        """
        if not self.extras:
            return {}
        if self.r.not_json:
            self.r.problem("$", _NOT_JSON)
            return None
        return {"fhir": dump_residual(self.extras)}

    def build(self, model: Callable[..., _M]) -> _M | None:
        """The model from the fields read and the residual; ``None`` when there were problems
        (the model's own invariant errors are recorded at ``$``)."""
        if self.r.problems:
            return None
        extras = self.residual()
        if extras is None:
            return None
        try:
            return model(**self.fields, extras=extras)
        except ValidationError as error:
            self.r.error("$", error)
        return None


class KeyOrder(dict[str, int]):
    """The place of each element of a resource in FHIR's order; any other key goes after them all.

    >>> order = KeyOrder(("resourceType", "id", "name"))
    >>> sorted(["x", "name", "resourceType", "y"], key=order.__getitem__)
    ['resourceType', 'name', 'x', 'y']
    """

    __slots__ = ()

    def __init__(self, keys: Iterable[str]) -> None:
        super().__init__((key, place) for place, key in enumerate(keys))

    def __missing__(self, key: str) -> int:
        return len(self)


class ResourceWriter:
    """Builds a resource from canonical elements plus the stored residual.

    Each stored element is taken out of ``stored`` when the element it belongs to is
    written (:meth:`array`, :meth:`value`), so that :meth:`finish` looks only at the rest.
    """

    __slots__ = ("out", "stored")

    def __init__(self, resource_type: str, extras: Extras, problems: list[tuple[str, str]]) -> None:
        self.stored = load_residual(extras.get("fhir") if extras else None, problems)
        self.out: dict[str, Any] = {"resourceType": resource_type}

    def array(self, key: str, produced: list[tuple[str, dict[str, Any]]]) -> None:
        template = self.stored.get(key)
        if type(template) is list and template:
            del self.stored[key]  # (whatever of it weave leaves out, finish would leave out too)
        else:
            template = None
        items = weave(template, produced)
        if items:
            self.out[key] = items

    def value(self, key: str, canonical: Any) -> None:
        """A modelled top-level element; a stored override applies when it still matches."""
        entry = self.stored.pop(key, None)
        if type(entry) is dict and entry.get(SLOT) == OVERRIDE and entry.get(FP) == fingerprint(canonical):
            if "patch" in entry and type(canonical) is dict and type(entry["patch"]) is dict:
                canonical = apply_patch(canonical, entry["patch"])
            elif "value" in entry:
                canonical = entry["value"]
        self.out[key] = canonical

    def finish(
        self, order: KeyOrder, exclusive: Mapping[str, tuple[str, ...]] | None = None
    ) -> dict[str, Any]:
        """Add the stored unknown elements (never over a modelled one) and order the keys."""
        out = self.out
        for key, value in self.stored.items():
            if key in out:
                continue
            if type(value) is dict:
                if value.get(SLOT) == OVERRIDE:
                    continue  # the model no longer has this element
            elif type(value) is list and has_slots(value):
                items = [e for e in value if not (type(e) is dict and SLOT in e)]
                if items:
                    out[key] = items
                continue
            if exclusive is not None and key in exclusive and any(other in out for other in exclusive[key]):
                continue  # e.g. a stored deceasedBoolean when the model now has a death date
            out[key] = value
        # (A stable sort: keys that are not elements of the resource stay in the order written.)
        return {key: out[key] for key in sorted(out, key=order.__getitem__)}

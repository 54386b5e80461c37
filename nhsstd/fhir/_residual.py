"""What the models do not hold, kept so that a resource can be written back unchanged (private).

The FHIR reader maps what it can into the model, writes the model back in
canonical form, and stores the *difference* between the (canonicalised)
input and that canonical form in ``model.extras["fhir"]``:

* a top-level element the model does not hold is stored as it is;
* an array whose items are (partly) held by the model is stored as a
  *template*: unmodelled items as they are, and in place of each modelled
  item a *slot* ``{"@nhsstd": tag, "@fp": fingerprint, ...patch}`` that
  says where the model's item goes and what to change in it;
* a patch is a deep difference: keys to add or replace, ``None`` for a key
  the input did not have, nested templates for nested arrays.

A slot's patch is applied only when the model's item is still the one that
was read (its canonical form has the same fingerprint), so stale data is
never attached to an item the caller has changed.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import orjson

from nhsstd.models import Extras

__all__ = [
    "FP",
    "SLOT",
    "apply_patch",
    "diff",
    "fingerprint",
    "is_slot",
    "thaw",
    "weave",
]

#: Marks a template entry that stands for a modelled item.
SLOT: Final = "@nhsstd"
#: The fingerprint of the modelled item a slot's patch belongs to.
FP: Final = "@fp"

_MISSING: Final = object()


def fingerprint(value: Any) -> str:
    """A short, stable digest of a canonical JSON value (not reversible, not personal).

    >>> fingerprint({"b": [1, "é"], "a": None}) == fingerprint({"a": None, "b": [1, "é"]})
    True
    """
    try:
        # orjson is several times faster than json.dumps here, and this runs for every
        # modelled item that was not read in canonical form (each PDS name, address...).
        text = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # integers beyond 64 bits: the standard library writes them
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return f"{zlib.crc32(text):08x}"


def thaw(value: Any) -> Any:
    """Plain JSON types from frozen ones (tuples -> lists, :class:`Extras` -> dicts)."""
    if isinstance(value, Extras):
        return value.thaw()
    if type(value) is tuple:
        return [thaw(item) for item in value]
    return value


def is_slot(entry: Any) -> bool:
    """True for a template slot."""
    return isinstance(entry, Mapping) and SLOT in entry


def _identity(item: Any) -> Any:
    if type(item) is dict:
        return (item.get("url"), item.get("system"))
    return _MISSING


def diff(original: Mapping[str, Any], canonical: Mapping[str, Any]) -> dict[str, Any]:
    """The patch that turns *canonical* into *original* (both plain JSON objects).

    >>> diff({"a": 1, "b": {"c": 2, "d": 3}}, {"b": {"c": 2}, "e": 4})
    {'a': 1, 'b': {'d': 3}, 'e': None}
    """
    patch: dict[str, Any] = {}
    for key, value in original.items():
        base = canonical.get(key, _MISSING)
        if base is _MISSING:
            patch[key] = value
        elif value == base:
            continue
        elif type(value) is dict and type(base) is dict:
            patch[key] = diff(value, base)
        elif type(value) is list and type(base) is list and _has_objects(base):
            patch[key] = diff_list(value, base)
        else:
            patch[key] = value
    for key in canonical:
        if key not in original:
            patch[key] = None
    return patch


def _has_objects(items: list[Any]) -> bool:
    return any(type(item) is dict for item in items)


def diff_list(original: list[Any], canonical: list[Any]) -> list[Any]:
    """A template turning *canonical* (a list of objects) into *original*.

    Canonical items are matched, in order, to the first unused original item
    with the same ``url``/``system``; the rest of the original is kept as it is.

    >>> diff_list([{"url": "x", "v": 1}, {"url": "y"}], [{"url": "y"}])
    [{'url': 'x', 'v': 1}, {'@nhsstd': 0}]
    """
    used: dict[int, int] = {}
    for j, item in enumerate(canonical):
        # An identical item first, else the first with the same url/system.
        match = next((i for i, candidate in enumerate(original) if i not in used and candidate == item), None)
        if match is None:
            key = _identity(item)
            match = next(
                (i for i, candidate in enumerate(original) if i not in used and _identity(candidate) == key),
                None,
            )
        if match is not None:
            used[match] = j
    template: list[Any] = []
    for i, item in enumerate(original):
        slot = used.get(i)
        if slot is None:
            template.append(item)
        else:
            base = canonical[slot]
            entry: dict[str, Any] = {SLOT: slot}
            if item != base:
                entry.update(diff(item, base) if type(item) is dict and type(base) is dict else {})
            template.append(entry)
    for j in range(len(canonical)):
        if j not in used.values():
            template.append({SLOT: j})
    return template


def apply_patch(canonical: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Apply a :func:`diff` patch (plain JSON, as :func:`~nhsstd.fhir._resource.load_residual`
    gives it) to a canonical object, in place; return it."""
    for key, value in patch.items():
        if key in (SLOT, FP):
            continue
        if value is None:
            canonical.pop(key, None)
            continue
        base = canonical.get(key, _MISSING)
        if type(value) is dict and type(base) is dict:
            apply_patch(base, value)
        elif type(base) is list and type(value) is list and any(_slot(entry) for entry in value):
            canonical[key] = _weave_indexed(value, base)
        else:
            canonical[key] = value
    return canonical


def _slot(entry: Any) -> bool:
    """:func:`is_slot` for plain JSON."""
    return type(entry) is dict and SLOT in entry


def _weave_indexed(template: list[Any], items: list[Any]) -> list[Any]:
    out: list[Any] = []
    placed: set[int] = set()
    for entry in template:
        if _slot(entry):
            j = entry[SLOT]
            if type(j) is int and 0 <= j < len(items) and j not in placed:
                placed.add(j)
                item = items[j]
                if len(entry) > 1 and type(item) is dict:
                    item = apply_patch(item, entry)
                out.append(item)
        else:
            out.append(entry)
    out.extend(item for j, item in enumerate(items) if j not in placed)
    return out


def weave(
    template: list[Any] | None,
    produced: Sequence[tuple[str, dict[str, Any]]],
    check: Callable[[dict[str, Any], dict[str, Any]], bool] | None = None,
) -> list[Any]:
    """Merge the model's items (``(tag, canonical item)``) into a stored template (plain JSON).

    Each slot takes the next produced item with its tag; the slot's patch is
    applied when its fingerprint matches.  Items left over are appended in
    order; slots left over are dropped.
    """
    if not template:
        return [item for _, item in produced]
    queues: dict[str, list[dict[str, Any]]] = {}
    for tag, item in produced:
        queues.setdefault(tag, []).append(item)
    cursor = dict.fromkeys(queues, 0)
    out: list[Any] = []
    for entry in template:
        if _slot(entry):
            tag = entry[SLOT]
            queue = queues.get(tag)
            if queue is None or cursor[tag] >= len(queue):
                continue
            item = queue[cursor[tag]]
            cursor[tag] += 1
            if len(entry) > 1 and (check is None or check(entry, item)):
                item = apply_patch(item, entry)
            out.append(item)
        else:
            out.append(entry)
    for tag, queue in queues.items():
        out.extend(queue[cursor[tag] :])
    return out


def slot_matches(entry: dict[str, Any], item: dict[str, Any]) -> bool:
    """True when a slot's fingerprint is that of *item* (or it has none)."""
    fp = entry.get(FP)
    return fp is None or fp == fingerprint(item)

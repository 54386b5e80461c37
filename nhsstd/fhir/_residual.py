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
    "has_slots",
    "is_slot",
    "thaw",
    "weave",
]

#: Marks a template entry that stands for a modelled item.
SLOT: Final = "@nhsstd"
#: The fingerprint of the modelled item a slot's patch belongs to.
FP: Final = "@fp"

_MISSING: Final = object()

_dumps: Final = orjson.dumps
_SORT_KEYS: Final = orjson.OPT_SORT_KEYS
_crc32: Final = zlib.crc32


def fingerprint(value: Any) -> str:
    """A short, stable digest of a canonical JSON value (not reversible, not personal).

    >>> fingerprint({"b": [1, "é"], "a": None}) == fingerprint({"a": None, "b": [1, "é"]})
    True
    """
    try:
        # orjson is several times faster than json.dumps here, and this runs twice for every
        # modelled item that was not read in canonical form (each PDS name, address...): once
        # when it is read, once when it is written back.
        text = _dumps(value, option=_SORT_KEYS)
    except TypeError:  # integers beyond 64 bits: the standard library writes them
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return _crc32(text).to_bytes(4, "big").hex()  # (as f"{crc:08x}", in half the time)


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
    added = 0  # keys of original that canonical does not have
    for key, value in original.items():
        base = canonical.get(key, _MISSING)
        if value == base:  # (most members: one test)
            continue
        if base is _MISSING:
            added += 1
            patch[key] = value
        elif type(value) is dict and type(base) is dict:
            patch[key] = diff(value, base)
        elif type(value) is list and type(base) is list and _has_objects(base):
            patch[key] = diff_list(value, base)
        else:
            patch[key] = value
    if len(original) - added != len(canonical):  # some key of canonical is not in original
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
    used: dict[int, int] = {}  # index in original -> index in canonical
    for j, item in enumerate(canonical):
        match = _first_unused(original, used, item)  # an identical item first...
        if match is None:  # ... else the first with the same url/system
            key = _identity(item)
            match = _first_unused(original, used, key, _identity)
        if match is not None:
            used[match] = j
    template: list[Any] = []
    for i, item in enumerate(original):
        slot = used.get(i)
        if slot is None:
            template.append(item)
            continue
        base = canonical[slot]
        entry: dict[str, Any] = {SLOT: slot}
        if item != base and type(item) is dict and type(base) is dict:
            entry.update(diff(item, base))
        template.append(entry)
    if len(used) != len(canonical):
        placed = set(used.values())
        template.extend({SLOT: j} for j in range(len(canonical)) if j not in placed)
    return template


def _first_unused(
    items: list[Any], used: dict[int, int], wanted: Any, key: Callable[[Any], Any] | None = None
) -> int | None:
    """The index of the first item of *items* not in *used* that equals *wanted* (or whose *key* does)."""
    for index, item in enumerate(items):
        if index not in used and (item if key is None else key(item)) == wanted:
            return index
    return None


def apply_patch(canonical: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Apply a :func:`diff` patch (plain JSON, as :func:`~nhsstd.fhir._resource.load_residual`
    gives it) to a canonical object, in place; return it."""
    for key, value in patch.items():
        if key in (SLOT, FP):
            continue
        if value is None:
            canonical.pop(key, None)
        elif type(value) is dict:
            base = canonical.get(key)
            if type(base) is dict:
                apply_patch(base, value)
            else:
                canonical[key] = value
        elif type(value) is list:
            base = canonical.get(key)
            if type(base) is list and has_slots(value):
                canonical[key] = _weave_indexed(value, base)
            else:
                canonical[key] = value
        else:
            canonical[key] = value
    return canonical


def has_slots(template: list[Any]) -> bool:
    """True when a list (plain JSON) has a template slot."""
    return any(type(entry) is dict and SLOT in entry for entry in template)


def _weave_indexed(template: list[Any], items: list[Any]) -> list[Any]:
    out: list[Any] = []
    placed: set[int] = set()
    count = len(items)
    for entry in template:
        if type(entry) is not dict or SLOT not in entry:
            out.append(entry)
            continue
        j = entry[SLOT]
        if type(j) is int and 0 <= j < count and j not in placed:
            placed.add(j)
            item = items[j]
            if len(entry) > 1 and type(item) is dict:
                item = apply_patch(item, entry)
            out.append(item)
    if len(placed) != count:
        out.extend(item for j, item in enumerate(items) if j not in placed)
    return out


def weave(template: list[Any] | None, produced: Sequence[tuple[str, dict[str, Any]]]) -> list[Any]:
    """Merge the model's items (``(tag, canonical item)``) into a stored template (plain JSON).

    Each slot takes the next produced item with its tag; the slot's patch is
    applied when its fingerprint matches (or it has none).  Items left over are
    appended in order; slots left over are dropped.

    >>> template = [{"url": "x"}, {SLOT: "n", FP: fingerprint({"a": 1}), "id": "1"}]
    >>> weave(template, [("n", {"a": 1}), ("n", {"a": 2})])
    [{'url': 'x'}, {'a': 1, 'id': '1'}, {'a': 2}]
    """
    if not template:
        return [item for _, item in produced]
    queues: dict[str, list[dict[str, Any]]] = {}  # each tag's items, the next one last
    for tag, item in produced:
        queue = queues.get(tag)
        if queue is None:
            queues[tag] = [item]
        else:
            queue.append(item)
    for queue in queues.values():
        queue.reverse()
    out: list[Any] = []
    for entry in template:
        if type(entry) is not dict or SLOT not in entry:
            out.append(entry)
            continue
        queue = queues.get(entry[SLOT])
        if not queue:
            continue
        item = queue.pop()
        if len(entry) > 1:
            fp = entry.get(FP)
            if fp is None or fp == fingerprint(item):
                item = apply_patch(item, entry)
        out.append(item)
    for queue in queues.values():
        if queue:
            queue.reverse()
            out.extend(queue)
    return out

"""The residual machinery on its own: a patch gives the original back, weaving places every item."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from nhsstd.fhir._residual import FP, SLOT, apply_patch, diff, fingerprint, weave
from nhsstd.fhir._resource import KeyOrder, ResourceWriter
from nhsstd.models import Extras

# Plain JSON as the residual holds it: no nulls (a null in a patch means "not there") and no
# keys of the residual's own ("@nhsstd", "@fp").
_KEYS = st.sampled_from(["url", "system", "id", "value", "extension", "use", "a", "b"])
_SCALARS = st.one_of(st.booleans(), st.integers(-2, 2), st.sampled_from(["x", "y", "z"]))
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_KEYS, inner, max_size=4)),
    max_leaves=24,
)
_OBJECTS = st.dictionaries(_KEYS, _JSON, max_size=6)


@st.composite
def _derived(draw: st.DrawFn, original: Any) -> Any:
    """A canonical form of *original*: members dropped, replaced or added at any depth; each
    array of objects a subsequence of the original's (every canonical item has its match:
    a canonical item with none is the model's, written whatever the patch says)."""
    if type(original) is dict:
        out: dict[str, Any] = {}
        for key, value in original.items():
            choice = draw(st.sampled_from(["keep", "keep", "derive", "drop", "replace"]))
            if choice == "keep":
                out[key] = value
            elif choice == "derive":
                out[key] = draw(_derived(value))
            elif choice == "replace":
                out[key] = draw(_SCALARS)
        added = draw(st.dictionaries(_KEYS, _JSON, max_size=2))
        out.update((key, value) for key, value in added.items() if key not in original)
        return out
    if type(original) is list and any(type(item) is dict for item in original):
        keep = draw(st.lists(st.booleans(), min_size=len(original), max_size=len(original)))
        return [copy.deepcopy(item) for item, kept in zip(original, keep, strict=True) if kept]
    return original


@given(st.data(), _OBJECTS)
def test_a_patch_turns_the_canonical_form_into_the_original(data: Any, original: dict[str, Any]) -> None:
    canonical = data.draw(_derived(original))
    patch = diff(original, canonical)
    assert apply_patch(copy.deepcopy(canonical), copy.deepcopy(patch)) == original
    if original == canonical:
        assert patch == {}


_ITEMS = st.lists(st.sampled_from(["name", "telecom"]), max_size=5)


@given(st.data(), _ITEMS)
def test_weave_places_every_item_once_and_patches_only_unchanged_ones(data: Any, tags: list[str]) -> None:
    produced = [(tag, {"n": index, "tag": tag}) for index, tag in enumerate(tags)]
    # A template of kept items and slots: with no patch, a patch for the item that will come,
    # or a patch whose fingerprint is another item's (the model's item has changed).
    template: list[Any] = []
    expected_patched: list[int] = []
    upcoming = {tag: [i for i, (t, _) in enumerate(produced) if t == tag] for tag in ("name", "telecom")}
    for position in range(data.draw(st.integers(0, 7))):
        kind = data.draw(st.sampled_from(["kept", "slot", "patched", "stale"]))
        if kind == "kept":
            template.append({"kept": position})
            continue
        tag = data.draw(st.sampled_from(["name", "telecom"]))
        slot: dict[str, Any] = {SLOT: tag}
        index = upcoming[tag].pop(0) if upcoming[tag] else None
        if kind != "slot":
            fp = fingerprint({"n": index, "tag": tag}) if kind == "patched" else fingerprint({"n": -1})
            slot.update({FP: fp, "id": f"p{position}"})
            if kind == "patched" and index is not None:
                expected_patched.append(index)
        template.append(slot)
    out = weave(copy.deepcopy(template), copy.deepcopy(produced))
    assert [entry for entry in out if "kept" in entry] == [entry for entry in template if "kept" in entry]
    items = [entry for entry in out if "n" in entry]
    assert sorted(item["n"] for item in items) == list(range(len(produced)))
    for tag in ("name", "telecom"):  # each tag's items stay in the model's order
        order = [item["n"] for item in items if item["tag"] == tag]
        assert order == sorted(order)
    assert sorted(item["n"] for item in items if "id" in item) == sorted(expected_patched)


def test_writer_orders_elements_and_keeps_unknown_ones_after_them_in_order() -> None:
    stored = {"zeta": 1, "name": [{SLOT: "name", "id": "n1"}], "alpha": 2, "id": "p1"}
    writer = ResourceWriter("Patient", Extras({"fhir": stored}), [])
    writer.array("name", [("name", {"family": "Smith"})])
    out = writer.finish(KeyOrder(("resourceType", "id", "name")))
    assert list(out) == ["resourceType", "id", "name", "zeta", "alpha"]
    assert out["name"] == [{"family": "Smith", "id": "n1"}]

"""Unmodelled data carried along with a model (private; import from :mod:`nhsstd.models`)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Union

from nhsstd.exceptions import Reason
from nhsstd.models._errors import InvariantError

__all__ = ["EMPTY_EXTRAS", "Extras", "JSONValue"]

#: A frozen JSON value: ``None``, ``bool``, ``int``, ``float`` (finite), ``str``,
#: a tuple of values (JSON array) or an :class:`Extras` (JSON object).
JSONValue = Union[None, bool, int, float, str, tuple["JSONValue", ...], "Extras"]

_SURROGATE = re.compile("[\ud800-\udfff]")

#: Deeper nesting is refused (hostile documents must not exhaust the stack).
MAX_DEPTH = 64

#: Keys shown by ``repr``: element-like names (``contact``, ``_birthDate``, ``column_19``).
#: Anything else -- a key holding digits, spaces or punctuation could itself be personal
#: data -- is shown as ``?``.
_SHOWN_KEY = re.compile(r"[A-Za-z_][A-Za-z_-]{0,63}[0-9]{0,2}")
_SHOWN_KEYS = 8


class Extras(Mapping[str, JSONValue]):
    """An immutable, hashable JSON object: elements a model does not hold itself.

    The FHIR and HL7 v2 serialisers keep elements they do not map (unknown
    extensions, narrative...) here so that a resource can be written back
    unchanged.  Values are frozen on the way in -- lists become tuples and
    objects become :class:`Extras` -- and :meth:`thaw` gives plain JSON
    types back.  Keys must be strings, floats finite, and text free of
    unpaired surrogates (so that the JSON is always valid UTF-8).

    >>> from nhsstd.models import Extras
    >>> extras = Extras({"contact": [{"relationship": "mother"}]})
    >>> extras["contact"][0]["relationship"]
    'mother'
    >>> extras == {"contact": [{"relationship": "mother"}]}
    True
    >>> extras.thaw()
    {'contact': [{'relationship': 'mother'}]}

    Extras often hold personal data (PDS puts the NHS Number in a Patient's
    ``id``), so ``repr`` and ``str`` show the keys and never the values;
    look at the values with ``extras[key]`` or :meth:`thaw`:

    >>> Extras({"id": "9434765919", "meta": {"versionId": "2"}})
    <Extras with 2 keys: 'id', 'meta'>
    """

    __module__ = "nhsstd.models"
    __slots__ = ("_data", "_hash")

    _data: dict[str, JSONValue]
    _hash: int | None

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        frozen = {} if data is None else _freeze_object(data, 0)
        object.__setattr__(self, "_data", frozen)
        object.__setattr__(self, "_hash", None)

    @classmethod
    def _from_frozen(cls, data: dict[str, JSONValue]) -> Extras:
        """An :class:`Extras` around *data* as it is, without checking or copying it (private).

        A trusted-construction path for nhsstd's own fast readers: *data* must be a
        ``dict`` that ``Extras(data)`` would accept unchanged -- ``str`` keys, values
        that are already frozen (``None``, ``bool``, ``int``, finite ``float``, ``str``
        without unpaired surrogates, tuples of such values, :class:`Extras`) -- and
        that nobody modifies afterwards.  Then ``Extras._from_frozen(data) ==
        Extras(data)``.  Anything else must go through ``Extras(data)``.
        """
        extras = _new(cls)
        _set_data(extras, data)
        _set_hash(extras, None)
        return extras

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Extras is immutable")

    def __getitem__(self, key: str) -> JSONValue:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __eq__(self, other: object) -> bool:
        if other is self:
            return True
        if isinstance(other, Extras):
            return self._data == other._data
        if isinstance(other, Mapping):
            try:
                return self._data == _freeze_object(other, 0)
            except (InvariantError, TypeError):
                return False
        return NotImplemented

    def __hash__(self) -> int:
        if self._hash is None:
            object.__setattr__(self, "_hash", hash(tuple(sorted(self._data.items(), key=_first))))
        return self._hash  # type: ignore[return-value]

    def __reduce__(self) -> tuple[object, ...]:
        return (Extras, (self.thaw(),))

    def __repr__(self) -> str:
        # Never the values (personal data); keys only when they look like element names.
        count = len(self._data)
        if not count:
            return "Extras()"
        shown = [
            repr(key) if _SHOWN_KEY.fullmatch(key) else "?"
            for key, _ in zip(self._data, range(_SHOWN_KEYS), strict=False)
        ]
        if count > _SHOWN_KEYS:
            shown.append("...")
        noun = "key" if count == 1 else "keys"
        return f"<Extras with {count} {noun}: {', '.join(shown)}>"

    __str__ = __repr__

    def thaw(self) -> dict[str, Any]:
        """A plain ``dict`` (lists for tuples, dicts for nested objects), ready for :func:`json.dumps`."""
        return _thaw_object(self)


_new = object.__new__
# The slots' own setters (Extras.__setattr__ refuses every assignment).
_set_data: Callable[[Extras, dict[str, JSONValue]], None] = Extras.__dict__["_data"].__set__
_set_hash: Callable[[Extras, int | None], None] = Extras.__dict__["_hash"].__set__


def _first(item: tuple[str, object]) -> str:
    return item[0]


def _fail(detail: str) -> InvariantError:
    return InvariantError("Extras", ("extras",), detail)


def _surrogate() -> InvariantError:
    return InvariantError(
        "Extras", ("extras",), "text contains an unpaired surrogate", reason=Reason.INVALID_CHARACTER
    )


# Freezing is on the path of every FHIR / HL7 v2 read that keeps something in extras, so
# the common cases (ASCII text, None, bool, int) are handled inline, without a call each.


def _freeze_object(data: Mapping[Any, Any], depth: int) -> dict[str, JSONValue]:
    if type(data) is not dict:  # (a dict is neither; the ABC checks cost more than this test)
        if isinstance(data, Extras):
            return data._data
        if not isinstance(data, Mapping):
            raise TypeError(f"Extras: expected a mapping, got {type(data).__name__}")
    if depth > MAX_DEPTH:
        raise _fail(f"nested deeper than {MAX_DEPTH} levels")
    frozen: dict[str, JSONValue] = {}
    search = _SURROGATE.search
    for key, value in data.items():
        if type(key) is not str:
            raise _fail("keys must be strings")
        if not key.isascii() and search(key) is not None:
            raise _surrogate()
        kind = type(value)
        if kind is str:
            if not value.isascii() and search(value) is not None:
                raise _surrogate()
            frozen[key] = value
        elif value is None or kind is bool or kind is int:
            frozen[key] = value
        else:
            frozen[key] = _freeze(value, depth + 1)
    return frozen


def _check_string(value: str) -> str:
    if not value.isascii() and _SURROGATE.search(value) is not None:
        raise _surrogate()
    return value


def _freeze(value: object, depth: int) -> JSONValue:
    kind = type(value)
    if kind is str:
        return _check_string(value)  # type: ignore[arg-type]
    if value is None or kind is bool or kind is int:
        return value  # type: ignore[return-value]
    if kind is float:
        if not math.isfinite(value):  # type: ignore[arg-type]
            raise InvariantError("Extras", ("extras",), "NaN and infinity are not JSON", reason=Reason.FORMAT)
        return value  # type: ignore[return-value]
    if isinstance(value, Extras):
        return value
    if isinstance(value, Mapping):
        return Extras._from_frozen(_freeze_object(value, depth))
    if isinstance(value, (list, tuple)):
        if depth > MAX_DEPTH:
            raise _fail(f"nested deeper than {MAX_DEPTH} levels")
        return tuple([_freeze(item, depth + 1) for item in value])
    raise TypeError(f"Extras: {type(value).__name__} is not a JSON value")


def _thaw(value: object) -> object:
    if isinstance(value, Extras):
        return _thaw_object(value)
    if type(value) is tuple:
        return [_thaw(item) for item in value]
    return value


def _thaw_object(value: Extras) -> dict[str, Any]:
    return {key: _thaw(item) for key, item in value._data.items()}


def to_extras(value: Mapping[str, Any] | None) -> Extras:
    """attrs converter for ``extras`` fields."""
    if type(value) is Extras:
        return value
    return Extras(value)


#: The empty :class:`Extras` (the models' default).
EMPTY_EXTRAS = Extras()

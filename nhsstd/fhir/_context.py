"""Reading options, problems and warnings (private; import the warnings from :mod:`nhsstd.fhir`)."""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable, Sequence
from typing import Any, Final, Literal

from nhsstd._json_text import exact_integer
from nhsstd._serialisation import Problem, SerialisationError
from nhsstd.exceptions import Reason, ValidationError

__all__ = [
    "CanonicalisationWarning",
    "FHIRWarning",
    "IdentifierMode",
    "InvalidIdentifierWarning",
    "LegacyURLWarning",
    "Reader",
    "WarningHandler",
    "carried_by_extension",
    "check_kept",
    "check_member",
    "check_patched",
    "deliver",
    "null_without_extension",
]

#: How invalid identifiers (check digit, format) are handled on read.
IdentifierMode = Literal["strict", "warn", "preserve"]
_MODES: Final = frozenset({"strict", "warn", "preserve"})

#: A function given each warning of one read instead of :func:`warnings.warn`.
WarningHandler = Callable[["FHIRWarning"], object]


class FHIRWarning(UserWarning):
    """Base of the warnings the FHIR serialiser issues; :attr:`path` is the JSON path concerned."""

    __module__ = "nhsstd.fhir"

    path: str

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        super().__init__(f"{path}: {message}")


class CanonicalisationWarning(FHIRWarning):
    """Something was read in a non-canonical form and will be written canonically.

    After such a warning ``to_fhir(from_fhir(R))`` equals the canonicalised
    resource rather than ``R`` itself.
    """

    __module__ = "nhsstd.fhir"


class LegacyURLWarning(CanonicalisationWarning):
    """A legacy or variant URL (PDS R4 extension or code system, ``ods-organisation-code``,
    the ODS GP identifier system used by PDS...) was read and replaced by the UK Core canonical one."""

    __module__ = "nhsstd.fhir"


class InvalidIdentifierWarning(FHIRWarning):
    """With ``identifiers="warn"``: an identifier failed validation and was kept as it was (in
    ``extras``) instead of being put in the model."""

    __module__ = "nhsstd.fhir"


class Reader:
    """State of one ``from_fhir`` call: options, problems found, warnings to issue."""

    __slots__ = ("identifiers", "keep_unknown", "not_json", "notes", "on_warning", "problems", "strict")

    def __init__(
        self,
        *,
        identifiers: str,
        strict: bool,
        keep_unknown: bool,
        on_warning: WarningHandler | None = None,
    ) -> None:
        if identifiers not in _MODES:
            raise ValueError('identifiers must be "strict", "warn" or "preserve"')
        if type(strict) is not bool or type(keep_unknown) is not bool:
            raise TypeError("strict and keep_unknown must be bool")
        check_handler(on_warning)
        self.on_warning = on_warning
        self.identifiers = identifiers
        self.strict = strict
        #: Set when something kept as it is was found not to be JSON (NaN, a tuple...).
        self.not_json = False
        self.keep_unknown = keep_unknown
        self.problems: list[Problem] = []
        self.notes: list[FHIRWarning] = []

    def problem(self, path: str, message: str, reason: Reason = Reason.FORMAT) -> None:
        self.problems.append(Problem(path, message, reason))

    def error(self, path: str, error: ValidationError) -> None:
        """Record a validation error (its message never contains the value)."""
        self.problems.append(Problem(path, str(error), error.reason))

    def legacy(self, path: str, what: str) -> None:
        if self.strict:
            self.problem(path, f"{what} is not the UK Core canonical URL (strict mode)")
        self.notes.append(LegacyURLWarning(path, f"{what} replaced by the UK Core canonical URL"))

    def canonicalised(self, path: str, what: str) -> None:
        self.notes.append(CanonicalisationWarning(path, what))

    def invalid_identifier(self, path: str, error: ValidationError) -> bool:
        """Handle an invalid identifier; True when it is to be kept as it is."""
        if self.identifiers == "strict":
            self.error(path, error)
            return False
        if self.identifiers == "warn":
            self.notes.append(InvalidIdentifierWarning(path, f"{error}; kept unvalidated in extras"))
        return True

    def unknown(self, path: str) -> None:
        """An element the model does not hold (an error only in strict mode)."""
        if self.strict:
            self.problem(path, "element not supported by the model (strict mode)")

    def unknown_member(self, prefix: str, key: object) -> None:
        """:meth:`unknown` for the member *key* of the object at *prefix* (its path is spelt
        out only when it is needed, in strict mode)."""
        if self.strict:
            self.unknown(key_path(prefix, key))

    def finish(self, subject: str, stacklevel: int) -> None:
        deliver(self.notes, self.on_warning, stacklevel + 1)
        if self.problems:
            raise SerialisationError(subject, self.problems)


def check_handler(on_warning: object) -> None:
    """Refuse an ``on_warning`` that cannot be called (before anything is read)."""
    if on_warning is not None and not callable(on_warning):
        raise TypeError(f"on_warning must be callable or None, got {type(on_warning).__name__}")


def deliver(notes: Sequence[FHIRWarning], on_warning: WarningHandler | None, stacklevel: int) -> None:
    """Issue the warnings of one read: to *on_warning* when given, else with :func:`warnings.warn`.

    A handler is called in the calling thread, once per warning and in order;
    nothing global (the warnings filters, the registry) is touched, so reads in
    different threads never see each other's warnings.
    """
    if on_warning is None:
        for note in notes:
            warnings.warn(note, stacklevel=stacklevel + 1)
    else:
        for note in notes:
            on_warning(note)


_SAFE_KEY: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


def key_path(prefix: str, key: object) -> str:
    """``prefix.key`` -- with ``?`` for a key that is not an element name (it could hold anything,
    or not be a string at all, in a dict built in code)."""
    return f"{prefix}.{key}" if type(key) is str and _SAFE_KEY.fullmatch(key) else f"{prefix}.?"


def carried_by_extension(partner: Any, index: int, length: int) -> bool:
    """True when a primitive array's ``_element`` *partner* (of the array's *length*) has
    extensions at *index*: the array may hold ``null`` there (FHIR R4 JSON, primitive elements)."""
    if type(partner) is not list or len(partner) != length:
        return False
    extensions = partner[index]
    return type(extensions) is dict and bool(extensions)


def null_without_extension(r: Reader, path: str, element: str) -> None:
    r.problem(path, f"null is only allowed with an extension at the same index of _{element}")


def check_kept(r: Reader, value: Any, path: str) -> None:
    """Record a problem for what a kept (unmodelled) JSON value could not be written back as.

    FHIR JSON has no ``null`` members (leave the element out) and only string keys; a null
    is allowed only as an item of a primitive array whose ``_element`` partner carries the
    extensions at that index (or as an item of the partner).  Kept values are written back as
    they were read, and a residual patch uses ``None`` for "not there", so either would
    otherwise be lost or written as invalid FHIR without a word.

    The same walk proves that the value is JSON (strings, numbers, booleans, arrays and
    objects; no NaN or infinity, no integer beyond 64 bits, no tuples, sets or other objects
    built in code): when it is not, :attr:`Reader.not_json` is set, and the resource is
    refused with one problem at ``$`` unless another problem was found (see
    ``ResourceReader.residual``).
    """
    if type(value) is dict:
        _check_object(r, value, path)
    elif type(value) is list:
        _check_items(r, value, None, None, path)
    elif type(value) not in _SCALARS:
        _check_unusual(r, value, None, None, path)


# The walk below runs over every kept element of every resource read, so it carries where it
# is as a chain of (parent, key or index) pairs and spells a JSON path out only for a problem.
_Where = str | tuple[Any, str | int]


def _path(where: _Where) -> str:
    segments: list[str | int] = []
    while type(where) is tuple:
        where, segment = where
        segments.append(segment)
    path = str(where)
    for segment in reversed(segments):
        path = f"{path}[{segment}]" if type(segment) is int else key_path(path, segment)
    return path


# What a JSON member or item can be with nothing in it to check (exactly these classes: a
# float is checked to be finite, an integer to be within 64 bits, and anything else is looked
# at by _check_unusual).
_SCALARS: Final = frozenset({str, bool})


def check_member(r: Reader, owner: dict[Any, Any], key: Any, item: Any, where: _Where) -> None:
    """:func:`check_kept` for one member ``key: item`` of the object *owner* at *where* (a path)."""
    if type(key) is not str:
        r.problem(_path(where) + ".?", "object keys must be strings")
    elif item is None:
        r.problem(_path((where, key)), "null is not allowed in FHIR JSON (leave the element out)")
    elif type(item) is dict:
        _check_object(r, item, (where, key))
    elif type(item) is list:
        _check_items(r, item, owner, key, (where, key))
    elif type(item) not in _SCALARS:
        _check_unusual(r, item, owner, key, (where, key))


def _check_object(r: Reader, owner: dict[Any, Any], where: _Where) -> None:
    # Most members are strings, numbers or booleans under string keys: one test each, no call;
    # objects and arrays are walked from here, the rest (nulls, other keys...) by check_member.
    for key, item in owner.items():
        kind = type(item)
        if kind in _SCALARS and type(key) is str:
            continue
        if kind is dict and type(key) is str:
            _check_object(r, item, (where, key))
        elif kind is list and type(key) is str:
            _check_items(r, item, owner, key, (where, key))
        else:
            check_member(r, owner, key, item, where)


def _check_items(
    r: Reader, items: list[Any], owner: dict[Any, Any] | None, key: str | None, where: _Where
) -> None:
    """The items of the array *owner[key]* (``None``, ``None`` for an array in an array)."""
    for index, entry in enumerate(items):
        kind = type(entry)
        if kind in _SCALARS:
            continue
        if kind is dict:
            _check_object(r, entry, (where, index))
        else:
            _check_item(r, items, index, owner, key, where)


def _check_item(
    r: Reader, items: list[Any], index: int, owner: dict[Any, Any] | None, key: str | None, where: _Where
) -> None:
    """:func:`_check_items` for the item at *index* when it is not a string, number, boolean or object."""
    entry = items[index]
    if entry is None:
        if owner is None or key is None:
            r.problem(_path((where, index)), "null is not allowed in FHIR JSON (leave the item out)")
        elif not (key.startswith("_") or carried_by_extension(owner.get("_" + key), index, len(items))):
            null_without_extension(r, _path((where, index)), key)
    elif type(entry) is list:
        _check_items(r, entry, None, None, (where, index))
    else:
        _check_unusual(r, entry, None, None, (where, index))


def _check_unusual(
    r: Reader, value: Any, owner: dict[Any, Any] | None, key: str | None, where: _Where
) -> None:
    """A value of another class than strings and booleans: a float (finite?), an integer
    (within 64 bits?), a subclass of a JSON class built in code (written as its JSON value), or
    not JSON at all."""
    if isinstance(value, float):
        if not math.isfinite(value):
            r.not_json = True
    elif isinstance(value, int):  # (the JSON text policy: integers beyond 64 bits are not written)
        if not exact_integer(value):
            r.not_json = True
    elif isinstance(value, dict):
        _check_object(r, value, where)
    elif isinstance(value, list):
        _check_items(r, value, owner, key, where)
    elif not isinstance(value, str):  # (a str subclass is written as its value)
        r.not_json = True


def check_patched(r: Reader, original: dict[str, Any], patch: dict[str, Any], path: str) -> None:
    """What a residual *patch* keeps of *original* (a modelled object at *path*): each kept key
    is an element the model does not hold (an error in strict mode) and is checked as kept.

    Only what the patch keeps is walked: the parts of *original* equal to the canonical form
    (the modelled content, written back by the model) are not stored, so have nothing to prove.
    """
    if r.strict:
        for key, change in patch.items():
            if change is not None:
                r.unknown_member(path, key)
    if r.keep_unknown:
        _check_patch(r, original, patch, path)


def _check_patch(r: Reader, original: dict[Any, Any], patch: dict[Any, Any], where: _Where) -> None:
    """Walk what a :func:`~nhsstd.fhir._residual.diff` patch keeps of *original*: a member kept
    as it is (the patch holds the very value), or the patch of a nested object or array."""
    for key, change in patch.items():
        if key not in original:
            continue  # (None: a member the input did not have)
        item = original[key]
        if change is item:
            check_member(r, original, key, item, where)
        elif type(item) is dict:
            _check_patch(r, item, change, (where, key))
        else:  # an array of objects: a template, in the order of the array
            here = (where, key)
            for index, (entry, kept) in enumerate(zip(item, change, strict=False)):
                if kept is entry:  # an item kept as it is
                    if type(entry) is dict:
                        _check_object(r, entry, (here, index))
                    elif type(entry) not in _SCALARS:
                        _check_item(r, item, index, original, key, here)
                elif len(kept) > 1:  # a slot with a patch of the item
                    _check_patch(r, entry, kept, (here, index))


def text_of(value: Any) -> str | None:
    """*value* if it is a ``str``, else ``None`` (safe to look up in sets and dicts)."""
    return value if type(value) is str else None


def describe(value: Any) -> str:
    """The JSON type of *value*, for messages (never the value itself)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__

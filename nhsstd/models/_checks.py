"""Type and content checks shared by the models (private).

Each model checks its fields in ``__attrs_post_init__``, so the checks run on
every construction, including :func:`attrs.evolve`.  The type checks are
generated once per class from the field annotations (:func:`type_checker`):
one straight-line function is much cheaper than one validator call per field,
which matters when many small objects are built (reading JSON).

Text fields (``str``, ``str | None``, ``tuple[str, ...]``) must also have
visible content and no control characters (other than TAB, LF and CR, as in
FHIR ``string``) or unpaired surrogates.
"""

from __future__ import annotations

import datetime
import re
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NoReturn

import attrs

from nhsstd.exceptions import Reason
from nhsstd.models._errors import InvariantError

# C0 controls other than TAB, LF and CR (FHIR ``string``), DEL, and lone
# surrogates (not encodable as UTF-8).
BAD_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")

#: An SDS identifier (user ID, role profile ID): ASCII digits, length unspecified
#: (``research/identifiers.md``, SDS identifiers).
SDS_ID = re.compile("[0-9]+")


def wrong_type(model: str, field: str, expected: str, value: object) -> NoReturn:
    """Raise the :class:`TypeError` for a field of the wrong Python type."""
    raise TypeError(f"{model}.{field}: expected {expected}, got {type(value).__name__}")


def bad_text(model: str, field: str, value: str) -> NoReturn:
    """Raise the :class:`InvariantError` for a text value without content or with bad characters."""
    if not value.strip():
        raise InvariantError(model, (field,), f"{field} is empty or only whitespace")
    raise InvariantError(
        model,
        (field,),
        f"{field} contains a control character or an unpaired surrogate",
        reason=Reason.INVALID_CHARACTER,
    )


def check_sds_id(model: str, field: str, value: str | None) -> None:
    """Raise the :class:`InvariantError` for an SDS identifier that is not all ASCII digits."""
    if value is not None and SDS_ID.fullmatch(value) is None:
        raise InvariantError(
            model, (field,), f"{field} must be ASCII digits (an SDS identifier)", reason=Reason.FORMAT
        )


def to_tuple(value: Iterable[object], what: str) -> tuple[object, ...]:
    """Turn a list (or any non-text iterable) into a tuple; refuse ``str``/``bytes``/mappings.

    A bare ``str`` is refused rather than split into characters
    (``given="Ann"`` would otherwise become ``("A", "n", "n")``).
    """
    if type(value) is tuple:
        return value
    if isinstance(value, (str, bytes, bytearray, Mapping)) or not isinstance(value, Iterable):
        raise TypeError(f"expected a list or tuple of {what}, got {type(value).__name__}")
    return tuple(value)


def _type_name(tp: Any) -> str:
    if tp is datetime.date:
        return "datetime.date"
    return getattr(tp, "__name__", repr(tp))


def _union_args(tp: Any) -> tuple[tuple[Any, ...], bool]:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        return tuple(arg for arg in args if arg is not type(None)), type(None) in args
    return (tp,), False


def _value_check(tp: Any, var: str, field: str, namespace: dict[str, Any], indent: str) -> list[str]:
    """Lines checking that *var* has type *tp* (``None`` handled by the caller)."""
    args, _ = _union_args(tp)
    if args == (str,):
        return [
            f"{indent}if {var}.__class__ is not str and not isinstance({var}, str):",
            f"{indent}    _wrong(_model, {field!r}, 'str', {var})",
            f"{indent}if not {var}.strip() or _bad({var}) is not None:",
            f"{indent}    _bad_text(_model, {field!r}, {var})",
        ]
    if args == (int,) or args == (bool,):
        name = args[0].__name__
        return [
            f"{indent}if {var}.__class__ is not {name}:",
            f"{indent}    _wrong(_model, {field!r}, {name!r}, {var})",
        ]
    if args == (datetime.date,):
        return [
            f"{indent}if {var}.__class__ is not _date and "
            f"(not isinstance({var}, _date) or isinstance({var}, _datetime)):",
            f"{indent}    _wrong(_model, {field!r}, 'datetime.date', {var})",
        ]
    if not all(isinstance(arg, type) for arg in args):
        raise TypeError(f"cannot generate a check for {tp!r}")  # pragma: no cover
    key = f"_t{len(namespace)}"
    namespace[key] = args[0] if len(args) == 1 else args
    expected = " or ".join(_type_name(arg) for arg in args)
    first = ""
    if len(args) == 1:
        first = f"{var}.__class__ is not {key} and "
    return [
        f"{indent}if {first}not isinstance({var}, {key}):",
        f"{indent}    _wrong(_model, {field!r}, {expected!r}, {var})",
    ]


def type_checker(cls: type) -> Callable[[Any], None]:
    """Generate the function checking the field types of the attrs class *cls*.

    Supported annotations: a class, ``str``, ``int``, ``bool``,
    ``datetime.date``, unions of classes, ``X | None`` and ``tuple[X, ...]``.
    """
    attrs.resolve_types(cls)
    model = cls.__name__
    namespace: dict[str, Any] = {
        "_model": model,
        "_wrong": wrong_type,
        "_bad": BAD_TEXT.search,
        "_bad_text": bad_text,
        "_date": datetime.date,
        "_datetime": datetime.datetime,
    }
    lines = ["def check(self):"]
    for field in attrs.fields(cls):
        tp = field.type
        if typing.get_origin(tp) is tuple:
            item_type = typing.get_args(tp)[0]
            lines.append(f"    for item in self.{field.name}:")
            lines.extend(_value_check(item_type, "item", field.name, namespace, "        "))
            continue
        args, optional = _union_args(tp)
        inner = args[0] if len(args) == 1 else typing.Union[args]  # noqa: UP007
        lines.append(f"    value = self.{field.name}")
        if optional:
            lines.append("    if value is not None:")
            lines.extend(_value_check(inner, "value", field.name, namespace, "        "))
        else:
            lines.extend(_value_check(inner, "value", field.name, namespace, "    "))
    lines.append("    return None")
    source = "\n".join(lines)
    exec(compile(source, f"<nhsstd type checks for {model}>", "exec"), namespace)
    checker: Callable[[Any], None] = namespace["check"]
    return checker


def slot_setter(cls: type, name: str) -> Callable[[object, object], None]:
    """The ``__set__`` of the slot *name* of *cls*: sets a frozen attrs field directly.

    For the fast builders (:mod:`nhsstd.json`'s reader, the offline ODS register) that
    assemble a model from values already checked, without the attrs ``__init__``.
    """
    for klass in cls.__mro__:
        descriptor = klass.__dict__.get(name)
        if descriptor is not None:
            setter: Callable[[object, object], None] = descriptor.__set__
            return setter
    raise AttributeError(f"{cls.__name__} has no slot {name!r}")  # pragma: no cover

"""Type and content checks shared by the models (private).

Each model checks its fields in ``__attrs_post_init__``, so the checks run on
every construction, including :func:`attrs.evolve`.  The type checks are
made once per class from the field annotations (:func:`type_checker`): one
table of per-field checks walked by one function, cheaper than attrs' one
validator call per field, which matters when many small objects are built
(reading JSON).

Text fields (``str``, ``str | None``, ``tuple[str, ...]``) must also have
visible content and no control characters (other than TAB, LF and CR, as in
FHIR ``string``) or unpaired surrogates.
"""

from __future__ import annotations

import datetime
import operator
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


def _value_check(tp: Any, model: str, field: str) -> Callable[[Any], None]:
    """The function checking that a value (not ``None``) of the field *field* has type *tp*."""
    args, _ = _union_args(tp)
    if args == (str,):

        def check_text(value: Any) -> None:
            if value.__class__ is not str and not isinstance(value, str):
                wrong_type(model, field, "str", value)
            if not value or value.isspace() or BAD_TEXT.search(value) is not None:
                bad_text(model, field, value)

        return check_text
    if args == (int,) or args == (bool,):
        # Exact classes: a bool is not an int here, nor an IntEnum member.
        exact, exact_name = args[0], args[0].__name__

        def check_exact(value: Any) -> None:
            if value.__class__ is not exact:
                wrong_type(model, field, exact_name, value)

        return check_exact
    if args == (datetime.date,):
        # A datetime is a date subclass but not a date of birth or a period's start.
        def check_date(value: Any) -> None:
            if value.__class__ is not datetime.date and (
                not isinstance(value, datetime.date) or isinstance(value, datetime.datetime)
            ):
                wrong_type(model, field, "datetime.date", value)

        return check_date
    if not all(isinstance(arg, type) for arg in args):
        raise TypeError(f"cannot make a check for {tp!r}")  # pragma: no cover
    accepted = args[0] if len(args) == 1 else args
    expected = " or ".join(_type_name(arg) for arg in args)

    def check_instance(value: Any) -> None:
        if not isinstance(value, accepted):
            wrong_type(model, field, expected, value)

    return check_instance


def _plain_classes(tp: Any) -> frozenset[type]:
    """The classes whose instances (exactly those classes) the check of *tp* passes with nothing
    more to look at: every class of a union of classes, ``int``, ``bool`` and ``datetime.date``
    themselves; none for ``str`` (its content is checked)."""
    args, _ = _union_args(tp)
    if args == (str,):
        return frozenset()
    return frozenset(args)


def type_checker(cls: type) -> Callable[[Any], None]:
    """Make the function checking the field types of the attrs class *cls*.

    Supported annotations: a class, ``str``, ``int``, ``bool``,
    ``datetime.date``, unions of classes, ``X | None`` and ``tuple[X, ...]``.
    A value of exactly an expected class (an enum member, an identifier, a ``Period``...)
    passes without a call; anything else -- text, a subclass, a wrong type -- goes to the
    field's check, which accepts it or raises.
    """
    attrs.resolve_types(cls)
    model = cls.__name__
    # One row per field: (may be None, is a tuple of items, the classes that pass as they are,
    # the check of a value or an item).
    rows: list[tuple[bool, bool, frozenset[type], Callable[[Any], None]]] = []
    for field in attrs.fields(cls):
        tp = field.type
        if typing.get_origin(tp) is tuple:
            item = typing.get_args(tp)[0]
            rows.append((False, True, _plain_classes(item), _value_check(item, model, field.name)))
            continue
        args, optional = _union_args(tp)
        inner = args[0] if len(args) == 1 else typing.Union[args]  # noqa: UP007
        rows.append((optional, False, _plain_classes(inner), _value_check(inner, model, field.name)))
    names = [field.name for field in attrs.fields(cls)]
    values_of = operator.attrgetter(*names) if len(names) > 1 else lambda obj: (getattr(obj, names[0]),)
    table = tuple(rows)

    def check(self: Any) -> None:
        for value, (optional, many, plain, check_value) in zip(values_of(self), table, strict=True):
            if many:
                for item in value:
                    if item.__class__ not in plain:
                        check_value(item)
            elif value is None:
                if not optional:
                    check_value(value)
            elif value.__class__ not in plain:
                check_value(value)

    return check


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

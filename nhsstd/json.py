"""nhsstd's own JSON form of the domain models (not FHIR): stable, versioned, strict.

>>> from nhsstd.identifiers.nhs_number import NHSNumber
>>> from nhsstd.models import HumanName, NameUse, PartialDate, Patient
>>> patient = Patient(
...     nhs_number=NHSNumber.parse("943 476 5919"),
...     names=[HumanName(use=NameUse.OFFICIAL, family="Smith", given=["Richard"])],
...     birth_date=PartialDate.parse("1970-09"),
... )
>>> text = to_json(patient)
>>> text
'{"schema_version":1,"model":"Patient","nhs_number":"9434765919","names":[{"use":"official",\
"family":"Smith","given":["Richard"]}],"birth_date":"1970-09"}'
>>> from_json(text, Patient) == patient
True

The document format:

* the top-level object has ``"schema_version"`` (the integer
  :data:`SCHEMA_VERSION`) and ``"model"`` (the class name) before the fields;
* field names are the models' attribute names (snake_case);
* identifiers are their compact strings (``"9434765919"``, ``"SW1A1AA"``);
* dates are ISO 8601 (``"2024-05-01"``; partial dates ``"1970"``, ``"1970-09"``);
* codes are their codes (``"01"``, ``"X"``); a field that may hold codes of
  several nations' lists (ethnic category, marital status) is an object
  ``{"code_system": "ethnic_category_wales", "code": "B"}``;
* absent values are left out: no ``null``, no empty arrays or objects.

Reading is strict: a ``null``, a number where a string belongs, an unknown
field, an identifier that is not in compact form or fails its check digit, a
broken model rule... each is a problem, and every problem in the document is
reported in one :class:`DocumentError`, with its JSON path.  No partial object
is ever returned.

>>> from_json('{"schema_version": 1, "model": "Patient", "nhs_number": "9434765918", '
...           '"names": [{"family": ""}], "colour": "blue"}', Patient)
Traceback (most recent call last):
    ...
nhsstd.json.DocumentError: Patient document: 3 problems: $.nhs_number: NHS Number: check digit does not \
match; $.names[0]: HumanName: family is empty or only whitespace; $.colour: unexpected field

The JSON Schema of the documents is :func:`nhsstd.schema.load_schema`.
"""

from __future__ import annotations

import datetime
import importlib
import json
import re
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, NoReturn, TypeVar

import attrs
import cattrs
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn

from nhsstd.codes import CodedEnum, ODSRole
from nhsstd.exceptions import InvalidFormat, Reason, ValidationError
from nhsstd.identifiers._common import Identifier, remembering
from nhsstd.identifiers.nhs_pseudo_postcode import NHSPseudoPostcode
from nhsstd.models import MODELS, Extras, PartialDate
from nhsstd.models._checks import BAD_TEXT, slot_setter

__all__ = [
    "MODEL_KEY",
    "SCHEMA_VERSION",
    "VERSION_KEY",
    "DocumentError",
    "Problem",
    "from_dict",
    "from_json",
    "make_converter",
    "to_dict",
    "to_json",
]

#: The version of the document format written by this release.  Documents
#: written by older releases are upgraded on read; newer ones are refused.
SCHEMA_VERSION = 1
#: Top-level key holding the format version.
VERSION_KEY = "schema_version"
#: Top-level key holding the model class name.
MODEL_KEY = "model"

_T = TypeVar("_T")

#: Model name -> class, for every model that can be a top-level document.
_DOCUMENTS: dict[str, type] = {cls.__name__: cls for cls in MODELS}

#: Upgrades from older format versions: ``version -> function(document) -> document of version + 1``.
_MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}

# Unexpected keys are named in paths only when they look like field names
# (lower-case ASCII letters and underscores), so that an arbitrary string --
# possibly personal data in the wrong place -- is never echoed back.
_SAFE_KEY = re.compile(r"[a-z_]{1,64}")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_fromisoformat = datetime.date.fromisoformat


#: At most this many problems are spelled out in a DocumentError's message
#: (``problems`` always holds them all).
_LISTED_PROBLEMS = 20


@attrs.frozen
class Problem:
    """One problem found in a document: where (a JSON path) and what."""

    #: JSON path of the offending value, ``$`` being the document (``$.names[0].family``).
    path: str
    #: What is wrong; never contains the offending value.
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class DocumentError(InvalidFormat):
    """A document could not be read; :attr:`problems` lists every problem found.

    :attr model: the name of the model that was being read.
    :attr problems: the problems, in document order where possible.
    """

    message = "the document is not valid"

    model: str
    problems: tuple[Problem, ...]

    def __init__(self, model: str, problems: tuple[Problem, ...], *, reason: Reason = Reason.FORMAT) -> None:
        self.model = model
        self.problems = problems
        count = "1 problem" if len(problems) == 1 else f"{len(problems)} problems"
        listing = "; ".join(str(problem) for problem in problems[:_LISTED_PROBLEMS])
        if len(problems) > _LISTED_PROBLEMS:
            listing += f"; and {len(problems) - _LISTED_PROBLEMS} more (see .problems)"
        super().__init__(reason, kind=None, detail=f"{model} document: {count}: {listing}")
        self.kind = "json_document"

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_document_error, (type(self), self.reason, self.model, self.problems))


def _rebuild_document_error(
    cls: type[DocumentError], reason: Reason, model: str, problems: tuple[Problem, ...]
) -> DocumentError:
    return cls(model, problems, reason=reason)


class _Refused(TypeError):
    """A JSON value of the wrong shape; the message is written here, so it is safe to show."""


_JSON_TYPE_NAMES = {
    dict: "an object",
    list: "an array",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
    type(None): "null",
}


def _refuse(expected: str, value: object) -> NoReturn:
    if value is None:
        raise _Refused(f"null is not allowed: leave the field out instead (expected {expected})")
    got = _JSON_TYPE_NAMES.get(type(value), type(value).__name__)
    raise _Refused(f"expected {expected}, got {got}")


# --------------------------------------------------------------------------
# Structuring hooks (JSON value -> model value).  Every hook checks the JSON
# type itself: cattrs' defaults would call str()/int()/bool() on anything.
# --------------------------------------------------------------------------


def _structure_str(value: Any, _: object) -> str:
    if type(value) is str:
        return value
    _refuse("a string", value)


def _structure_int(value: Any, _: object) -> int:
    if type(value) is int:
        return value
    _refuse("an integer", value)


def _structure_bool(value: Any, _: object) -> bool:
    if type(value) is bool:
        return value
    _refuse("true or false", value)


def _structure_date(value: Any, _: object) -> datetime.date:
    if type(value) is not str:
        _refuse("a date string (YYYY-MM-DD)", value)
    if len(value) == 10 and value[4] == "-" and value[7] == "-" and value.isascii():
        # date.fromisoformat() alone would also take "20240131" or "2024-W05-3".
        try:
            return _fromisoformat(value)
        except ValueError:
            pass
    match = _ISO_DATE.fullmatch(value)
    if match is None:
        raise InvalidFormat(Reason.FORMAT, detail="date: expected YYYY-MM-DD")
    try:
        return datetime.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise InvalidFormat(Reason.INVALID_DATE, detail="date: not a real calendar date") from None


def _structure_partial_date(value: Any, _: object) -> PartialDate:
    if type(value) is not str:
        _refuse("a date string (YYYY, YYYY-MM or YYYY-MM-DD)", value)
    return PartialDate.parse(value)


def _structure_extras(value: Any, _: object) -> Extras:
    if type(value) is not dict:
        _refuse("an object", value)
    return Extras(value)


def _structure_ods_role(value: Any, _: object) -> ODSRole:
    if type(value) is not str:
        _refuse("an ODS role code", value)
    return ODSRole(value)


def _identifier_factory(cls: type[Identifier]) -> Callable[[str], Identifier]:
    """A function building *cls* from a string that must already be in compact form.

    It validates exactly as ``cls(value)`` does -- the kind's ``validate`` must
    return the value unchanged -- but skips the attrs ``__init__`` machinery
    when the class is a plain identifier (one ``compact`` field, no hooks), and
    remembers non-personal identifiers it has built.
    """
    plain = [field.name for field in attrs.fields(cls)] == ["compact"] and not hasattr(
        cls, "__attrs_post_init__"
    )
    if not plain:  # pragma: no cover - every identifier class is plain today
        return cls
    validate = cls._validate
    wrap = cls._from_valid

    def build(value: str) -> Identifier:
        if validate(value) != value:
            cls(value)  # raises the "not in compact form" error
        return wrap(value)

    # A non-personal code seen again (the same practice in a thousand documents) is not
    # validated again; NHS, CHI and H&C numbers are never remembered.
    return build if cls.personal else remembering(build)


def _identifier_hook(cls: type[Identifier]) -> Callable[[Any, object], Identifier]:
    build = _identifier_factory(cls)

    def structure_identifier(value: Any, _: object) -> Identifier:
        if type(value) is not str:
            _refuse("a string", value)
        return build(value)

    return structure_identifier


def _coded_enum_hook(cls: type[CodedEnum]) -> Callable[[Any, object], CodedEnum]:
    get = cls._value2member_map_.get

    def structure_code(value: Any, _: object) -> CodedEnum:
        member = get(value) if type(value) is str else None
        if member is None:
            if type(value) is not str:
                _refuse("a code (string)", value)
            return cls._lookup(value)  # raises UnknownCodeError
        return member  # type: ignore[return-value]

    return structure_code


def _non_none_args(tp: Any) -> tuple[Any, ...]:
    return tuple(arg for arg in typing.get_args(tp) if arg is not type(None))


def _is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in (typing.Union, types.UnionType)


def _is_optional(tp: Any) -> bool:
    return _is_union(tp) and type(None) in typing.get_args(tp)


def _is_class_of(base: type) -> Callable[[Any], bool]:
    def predicate(tp: Any) -> bool:
        return isinstance(tp, type) and issubclass(tp, base)

    return predicate


def _all_subclasses(tp: Any, base: type) -> bool:
    args = _non_none_args(tp)
    return bool(args) and all(isinstance(arg, type) and issubclass(arg, base) for arg in args)


def _is_code_union(tp: Any) -> bool:
    return _is_union(tp) and not _is_optional(tp) and _all_subclasses(tp, CodedEnum)


def _is_identifier_union(tp: Any) -> bool:
    return _is_union(tp) and not _is_optional(tp) and _all_subclasses(tp, Identifier)


def _is_homogeneous_tuple(tp: Any) -> bool:
    args = typing.get_args(tp)
    return typing.get_origin(tp) is tuple and len(args) == 2 and args[1] is Ellipsis


def _code_union_keys(tp: Any) -> dict[str, type[CodedEnum]]:
    return {arg.code_system.key: arg for arg in typing.get_args(tp)}


def _code_union_structure_hook(tp: Any) -> Callable[[Any, object], CodedEnum]:
    by_key = _code_union_keys(tp)
    expected = ", ".join(by_key)

    def structure_code_union(value: Any, _: object) -> CodedEnum:
        if type(value) is not dict:
            _refuse("an object with code_system and code", value)
        if len(value) != 2 or "code_system" not in value or "code" not in value:
            raise _Refused("expected exactly the fields code_system and code")
        key = value["code_system"]
        cls = by_key.get(key) if type(key) is str else None
        if cls is None:
            raise _Refused(f"code_system must be one of {expected}")
        code = value["code"]
        if type(code) is not str:
            _refuse("a code (string)", code)
        return cls._lookup(code)

    return structure_code_union


def _identifier_union_structure_hook(tp: Any) -> Callable[[Any, object], Identifier]:
    classes: tuple[type[Identifier], ...] = typing.get_args(tp)
    builders = [_identifier_factory(cls) for cls in classes]
    # NHS pseudo-postcodes (ZZ99...) never pass the Royal Mail rules: try the
    # pseudo-postcode first for them rather than fail on the postcode.
    pseudo = [builder for cls, builder in zip(classes, builders, strict=True) if cls is NHSPseudoPostcode]
    others = [builder for cls, builder in zip(classes, builders, strict=True) if cls is not NHSPseudoPostcode]

    def structure_identifier_union(value: Any, _: object) -> Identifier:
        if type(value) is not str:
            _refuse("a string", value)
        order = pseudo + others if value.startswith("ZZ99") else others + pseudo
        first: ValidationError | None = None
        for build in order:
            try:
                return build(value)
            except ValidationError as error:
                first = first or error
        assert first is not None
        raise first

    return structure_identifier_union


def _make_structure_factories(converter: cattrs.Converter, detailed: bool) -> None:
    def optional_factory(tp: Any) -> Callable[[Any, object], Any]:
        # ``null`` is never a value (absent fields are left out), and every
        # inner hook refuses ``None`` with a message saying so, so an optional
        # field simply uses the hook of its type.
        args = _non_none_args(tp)
        inner_type = args[0] if len(args) == 1 else typing.Union[args]  # noqa: UP007
        return converter.get_structure_hook(inner_type)

    def tuple_factory(tp: Any) -> Callable[[Any, object], tuple[Any, ...]]:
        item_type = typing.get_args(tp)[0]
        inner = converter.get_structure_hook(item_type)
        if not detailed:

            def structure_tuple(value: Any, _: object) -> tuple[Any, ...]:
                if type(value) is not list:
                    _refuse("an array", value)
                return tuple([inner(item, item_type) for item in value])

            return structure_tuple

        def structure_tuple_detailed(value: Any, _: object) -> tuple[Any, ...]:
            if type(value) is not list:
                _refuse("an array", value)
            items = []
            errors: list[Exception] = []
            for index, item in enumerate(value):
                try:
                    items.append(inner(item, item_type))
                except Exception as error:
                    note = IterableValidationNote(f"Structuring item @ index {index}", index, item_type)
                    error.__notes__ = [*getattr(error, "__notes__", []), note]  # type: ignore[attr-defined]
                    errors.append(error)
            if errors:
                raise IterableValidationError("While structuring an array", errors, tp)
            return tuple(items)

        return structure_tuple_detailed

    def attrs_factory(cls: type) -> Callable[[Any, object], Any]:
        generated: Callable[[Any, object], Any] = make_dict_structure_fn(
            cls, converter, _cattrs_forbid_extra_keys=True, _cattrs_detailed_validation=detailed
        )
        if not detailed:
            # Anything but an object makes the generated function raise, and
            # the detailed converter then says why.
            return generated

        def structure_model(value: Any, tp: object) -> Any:
            if type(value) is not dict:
                _refuse("an object", value)
            return generated(value, tp)

        return structure_model

    # Later registrations take precedence: generic first, specific last.
    converter.register_structure_hook_factory(attrs.has, attrs_factory)
    converter.register_structure_hook_factory(_is_homogeneous_tuple, tuple_factory)
    converter.register_structure_hook_factory(_is_optional, optional_factory)
    converter.register_structure_hook_factory(_is_code_union, _code_union_structure_hook)
    converter.register_structure_hook_factory(_is_identifier_union, _identifier_union_structure_hook)
    converter.register_structure_hook_factory(_is_class_of(CodedEnum), _coded_enum_hook)
    converter.register_structure_hook_factory(_is_class_of(Identifier), _identifier_hook)
    converter.register_structure_hook(str, _structure_str)
    converter.register_structure_hook(int, _structure_int)
    converter.register_structure_hook(bool, _structure_bool)
    converter.register_structure_hook(datetime.date, _structure_date)
    converter.register_structure_hook(PartialDate, _structure_partial_date)
    converter.register_structure_hook(Extras, _structure_extras)
    converter.register_structure_hook(ODSRole, _structure_ods_role)


# --------------------------------------------------------------------------
# Unstructuring hooks (model value -> JSON value).
# --------------------------------------------------------------------------


def _unstructure_identifier(value: Identifier) -> str:
    return value.compact


def _unstructure_code(value: CodedEnum) -> str:
    return value._value_


def _unstructure_code_in_union(value: CodedEnum) -> dict[str, str]:
    return {"code_system": value.code_system.key, "code": value._value_}


def _unstructure_partial_date(value: PartialDate) -> str:
    return value.isoformat()


def _unstructure_date(value: datetime.date) -> str:
    return value.isoformat()


def _unstructure_extras(value: Extras) -> dict[str, Any]:
    return value.thaw()


def _unstructure_ods_role(value: ODSRole) -> str:
    return value.code


def _make_unstructure_factories(converter: cattrs.Converter) -> None:
    def union_factory(tp: Any) -> Callable[[Any], Any]:
        args = _non_none_args(tp)
        if len(args) == 1:
            return converter.get_unstructure_hook(args[0])
        if all(issubclass(arg, CodedEnum) for arg in args):
            return _unstructure_code_in_union
        if all(issubclass(arg, Identifier) for arg in args):
            return _unstructure_identifier
        raise TypeError(f"nhsstd.json cannot write the union {tp!r}")  # pragma: no cover

    def tuple_factory(tp: Any) -> Callable[[tuple[Any, ...]], list[Any]]:
        inner = converter.get_unstructure_hook(typing.get_args(tp)[0])

        def unstructure_tuple(value: tuple[Any, ...]) -> list[Any]:
            return [inner(item) for item in value]

        return unstructure_tuple

    def attrs_factory(cls: type) -> Callable[[Any], dict[str, Any]]:
        return make_dict_unstructure_fn(cls, converter, _cattrs_omit_if_default=True)

    converter.register_unstructure_hook_factory(attrs.has, attrs_factory)
    converter.register_unstructure_hook_factory(_is_homogeneous_tuple, tuple_factory)
    converter.register_unstructure_hook_factory(_is_union, union_factory)
    converter.register_unstructure_hook_func(_is_class_of(CodedEnum), _unstructure_code)
    converter.register_unstructure_hook_func(_is_class_of(Identifier), _unstructure_identifier)
    converter.register_unstructure_hook(PartialDate, _unstructure_partial_date)
    converter.register_unstructure_hook(datetime.date, _unstructure_date)
    converter.register_unstructure_hook(Extras, _unstructure_extras)
    converter.register_unstructure_hook(ODSRole, _unstructure_ods_role)


# --------------------------------------------------------------------------
# The model classes' own hooks.
#
# cattrs' generated functions call one hook per field; for the models (which
# are many small objects) the call layers dominate.  These hooks are made once
# per class from a table of the class's fields (name, default, how a value is
# read or written), and are registered as the converter's hooks for the model
# classes.  Writing gives exactly the output of cattrs' omit-if-default
# functions.  Reading accepts exactly what the detailed cattrs functions accept
# -- it uses the same checks -- and builds the instance without re-running the
# attrs ``__init__``: the field types are already guaranteed, so only the
# model's text checks and rules (``_check_rules``) run.  When it fails, the
# document is read again with the detailed converter to say why.
# --------------------------------------------------------------------------


class _Fail(Exception):
    """The model reader gave up; the detailed reader will explain."""


_MISSING = object()


def _read_text(value: Any) -> str:
    # isprintable() is true for most text and cheap; only text it refuses is searched.
    if (
        value.__class__ is not str
        or not value
        or value.isspace()
        or (not value.isprintable() and BAD_TEXT.search(value) is not None)
    ):
        raise _Fail
    return value


def _read_date(value: Any) -> datetime.date:
    # fromisoformat alone would also take "20240131" and other ISO 8601 forms.
    if (
        value.__class__ is not str
        or len(value) != 10
        or value[4] != "-"
        or value[7] != "-"
        or not value.isascii()
    ):
        raise _Fail
    return datetime.date.fromisoformat(value)


def _read_partial_date(value: Any) -> PartialDate:
    if value.__class__ is not str:
        raise _Fail
    return PartialDate.parse(value)


def _exact_reader(exact: type) -> Callable[[Any], Any]:
    # The class itself: a bool is not an int here.
    def read_exact(value: Any) -> Any:
        if value.__class__ is not exact:
            raise _Fail
        return value

    return read_exact


def _identifier_reader(cls: type[Identifier]) -> Callable[[Any], Any]:
    build = _identifier_factory(cls)

    def read_identifier(value: Any) -> Any:
        if value.__class__ is not str:
            raise _Fail
        return build(value)

    return read_identifier


def _code_reader(cls: type[CodedEnum]) -> Callable[[Any], Any]:
    member_of = cls._value2member_map_.get

    def read_code(value: Any) -> Any:
        member = member_of(value) if value.__class__ is str else None
        if member is None:
            raise _Fail
        return member

    return read_code


def _text_tuple(value: Any) -> tuple[str, ...]:
    if value.__class__ is not list:
        raise _Fail
    for item in value:
        _read_text(item)
    return tuple(value)


def _tuple_reader(read_item: Callable[[Any], Any]) -> Callable[[Any], tuple[Any, ...]]:
    def read_tuple(value: Any) -> tuple[Any, ...]:
        if value.__class__ is not list:
            raise _Fail
        return tuple([read_item(item) for item in value])

    return read_tuple


def _detailed_reader(hook: Callable[[Any, Any], Any]) -> Callable[[Any], Any]:
    def read_in_detail(value: Any) -> Any:
        return hook(value, None)

    return read_in_detail


# How _ModelHooks writes a field (see _ModelHooks.unstructure_function).
_ALWAYS, _UNLESS_EMPTY, _UNLESS_NONE, _UNLESS_DEFAULT = range(4)


class _ModelHooks:
    """The reading and writing functions of each model class, made once from its fields."""

    def __init__(self, detailed_hooks: cattrs.Converter) -> None:
        self._hooks = detailed_hooks
        self.structure: dict[type, Callable[[Any], Any]] = {}
        self.unstructure: dict[type, Callable[[Any], dict[str, Any]]] = {}
        self.structure_document: dict[type, Callable[[Any], Any]] = {}
        self.unstructure_document: dict[type, Callable[[Any], dict[str, Any]]] = {}

    # -- reading --------------------------------------------------------

    def _reader(self, tp: Any) -> Callable[[Any], Any]:
        """The function converting a JSON value to a value of the field type *tp*, or raising _Fail."""
        if _is_optional(tp):
            args = _non_none_args(tp)
            tp = args[0] if len(args) == 1 else typing.Union[args]  # noqa: UP007
        if tp is str:
            return _read_text
        if tp is int or tp is bool:
            return _exact_reader(tp)
        if tp is datetime.date:
            return _read_date
        if tp is PartialDate:
            return _read_partial_date
        if isinstance(tp, type) and issubclass(tp, Identifier):
            return _identifier_reader(tp)
        if isinstance(tp, type) and issubclass(tp, CodedEnum):
            return _code_reader(tp)
        if isinstance(tp, type) and attrs.has(tp) and tp in _MODEL_SET:
            return self.build(tp)
        if _is_homogeneous_tuple(tp):
            item_type = typing.get_args(tp)[0]
            if item_type is str:
                return _text_tuple
            if isinstance(item_type, type) and item_type in _MODEL_SET:
                return _tuple_reader(self.build(item_type))
            return _tuple_reader(_detailed_reader(self._hooks.get_structure_hook(item_type)))
        # Everything else (unions, ODS roles, extras) uses the detailed hook itself.
        return _detailed_reader(self._hooks.get_structure_hook(tp))

    def structure_function(self, cls: type, document: bool) -> Callable[[Any], Any]:
        """The reader of *cls* from a ``dict`` (with the document keys if *document*)."""
        fields = attrs.fields(cls)
        allowed = frozenset(
            {field.name for field in fields} | ({VERSION_KEY, MODEL_KEY} if document else set())
        )
        rows: list[tuple[str, object, Callable[[Any], Any], Callable[[object, object], None]]] = []
        for field in fields:
            if isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
                raise TypeError(f"{cls.__name__}.{field.name}: factory defaults are not supported")
            default = _MISSING if field.default is attrs.NOTHING else field.default
            rows.append((field.name, default, self._reader(field.type), slot_setter(cls, field.name)))
        table = tuple(rows)
        new = object.__new__
        check_rules = cls._check_rules  # type: ignore[attr-defined]

        def structure(o: Any) -> Any:
            if o.__class__ is not dict or not o.keys() <= allowed:
                raise _Fail
            get = o.get
            self: Any = new(cls)
            for name, default, read, set_slot in table:
                value = get(name, _MISSING)
                if value is not _MISSING:
                    set_slot(self, read(value))
                elif default is not _MISSING:
                    set_slot(self, default)
                else:  # a required field is missing
                    raise _Fail
            check_rules(self)
            return self

        return structure

    # -- writing --------------------------------------------------------

    def _writer(self, tp: Any) -> Callable[[Any], Any] | None:
        """The function converting a value of the field type *tp* to JSON, or None if it is JSON."""
        if _is_optional(tp):
            args = _non_none_args(tp)
            tp = args[0] if len(args) == 1 else typing.Union[args]  # noqa: UP007
        if tp in (str, int, bool):
            return None
        if tp is datetime.date:
            return _unstructure_date
        if tp is PartialDate:
            return _unstructure_partial_date
        if _is_identifier_union(tp) or (isinstance(tp, type) and issubclass(tp, Identifier)):
            return _unstructure_identifier
        if _is_code_union(tp):
            return _unstructure_code_in_union
        if isinstance(tp, type) and issubclass(tp, CodedEnum):
            return _unstructure_code
        if tp is ODSRole:
            return _unstructure_ods_role
        if tp is Extras:
            return _unstructure_extras
        if isinstance(tp, type) and tp in _MODEL_SET:
            self.build(tp)
            return self.unstructure[tp]
        return self._hooks.get_unstructure_hook(tp)  # pragma: no cover - not used by the models

    def unstructure_function(self, cls: type, document: bool) -> Callable[[Any], dict[str, Any]]:
        """The writer of *cls* to a ``dict`` (with the document keys first if *document*)."""
        start: dict[str, Any] = {VERSION_KEY: SCHEMA_VERSION, MODEL_KEY: cls.__name__} if document else {}
        rows: list[tuple[str, int, object, Callable[[Any], Any] | None]] = []
        for field in attrs.fields(cls):
            tp = field.type
            # cattrs' omit-if-default: a field is left out when it has its default.
            if field.default is attrs.NOTHING:
                rows.append((field.name, _ALWAYS, None, self._writer(tp)))
            elif _is_homogeneous_tuple(tp):
                rows.append((field.name, _UNLESS_EMPTY, None, self._writer(typing.get_args(tp)[0])))
            elif field.default is None:
                rows.append((field.name, _UNLESS_NONE, None, self._writer(tp)))
            else:
                rows.append((field.name, _UNLESS_DEFAULT, field.default, self._writer(tp)))
        table = tuple(rows)

        def unstructure(obj: Any) -> dict[str, Any]:
            d = start.copy()
            for name, when, default, write in table:
                value = getattr(obj, name)
                if when == _UNLESS_EMPTY:
                    if value:
                        d[name] = list(value) if write is None else [write(item) for item in value]
                elif (
                    when == _ALWAYS
                    or (value is not None if when == _UNLESS_NONE else value != default)
                ):
                    d[name] = value if write is None else write(value)
            return d

        return unstructure

    def build(self, cls: type) -> Callable[[Any], Any]:
        """Make (once) the reading and writing functions of the model *cls*; return the reader."""
        if cls not in self.structure:
            self.structure[cls] = self.structure_function(cls, False)
            self.structure_document[cls] = self.structure_function(cls, True)
            self.unstructure[cls] = self.unstructure_function(cls, False)
            self.unstructure_document[cls] = self.unstructure_function(cls, True)
        return self.structure[cls]


_MODEL_SET = frozenset(MODELS)


def make_converter(*, detailed_validation: bool = True) -> cattrs.Converter:
    """A new cattrs converter configured for nhsstd's document format.

    For embedding nhsstd models in your own attrs classes: the converter
    handles every model, identifier, code and date type as described in this
    module, without the top-level ``schema_version``/``model`` keys.  Each call
    returns a fresh converter, so customising it never affects nhsstd.

    >>> import datetime
    >>> from nhsstd.json import make_converter
    >>> from nhsstd.models import Period
    >>> make_converter().unstructure(Period(start=datetime.date(2024, 1, 31)))
    {'start': '2024-01-31'}
    """
    return _build(detailed_validation)[0]


def _build(detailed_validation: bool) -> tuple[cattrs.Converter, _ModelHooks]:
    converter = cattrs.Converter(
        detailed_validation=detailed_validation, forbid_extra_keys=True, omit_if_default=True
    )
    _make_unstructure_factories(converter)
    _make_structure_factories(converter, detailed_validation)
    model_hooks = _ModelHooks(converter)
    for cls in MODELS:
        model_hooks.build(cls)
        converter.register_unstructure_hook(cls, model_hooks.unstructure[cls])
    return converter, model_hooks


# The converter reads documents in detail when the model reader fails, to list
# every problem with its path; the model hooks do the rest.  (The name
# _COMPILED is kept: tests reach the model readers through it.)
_CONVERTER, _COMPILED = _build(detailed_validation=True)

_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _optional_orjson() -> Any:
    try:
        return importlib.import_module("orjson")
    except ImportError:  # pragma: no cover - depends on the environment
        return None


#: orjson (a core dependency; looked up defensively so that a broken install
#: degrades to the standard library) encodes and decodes the JSON text several
#: times faster.  It is only ever a faster way to the
#: same result: whatever it declines (or might read differently, such as
#: integers too large for 64 bits, which it would turn into floats) goes
#: through the standard library, so documents are read and rejected exactly
#: alike either way.
_orjson: Any = _optional_orjson()
_USE_ORJSON = _orjson is not None

# orjson reads integers beyond 64 bits as floats.  The only place a document
# can hold arbitrary numbers is ``extras``, so text mentioning it is left to
# the standard library (a failed read is always redone with it too).
_EXTRAS_MARK = '"extras"'
_EXTRAS_MARK_BYTES = b'"extras"'


# --------------------------------------------------------------------------
# Error collection.
# --------------------------------------------------------------------------


def _describe(error: BaseException) -> str:
    if isinstance(error, (ValidationError, _Refused)):
        return str(error)
    if isinstance(error, KeyError):
        return "required field missing"
    if isinstance(error, RecursionError):
        return "nested too deeply"
    return f"invalid value ({type(error).__name__})"


def _walk(error: BaseException, path: str) -> list[Problem]:
    if isinstance(error, (ClassValidationError, IterableValidationError)):
        with_notes, without = error.group_exceptions()
        problems: list[Problem] = []
        for sub_error, note in with_notes:
            if isinstance(note, AttributeValidationNote):
                sub_path = f"{path}.{note.name}"
            else:
                assert isinstance(note, IterableValidationNote)
                sub_path = f"{path}[{note.index!r}]"
            problems.extend(_walk(sub_error, sub_path))
        for sub_error in without:
            problems.extend(_walk(sub_error, path))
        return problems
    if isinstance(error, ForbiddenExtraKeysError):
        return [
            Problem(f"{path}.{key}", "unexpected field")
            if isinstance(key, str) and _SAFE_KEY.fullmatch(key)
            else Problem(path, "unexpected field")
            for key in sorted(error.extra_fields, key=str)
        ]
    return [Problem(path, _describe(error))]


def _problems(body: dict[str, Any], cls: type) -> list[Problem]:
    try:
        _CONVERTER.get_structure_hook(cls)(body, cls)
    except Exception as error:  # every error becomes a problem
        return _walk(error, "$")
    return []


# --------------------------------------------------------------------------
# Public API.
# --------------------------------------------------------------------------


def _check_model_class(cls: type) -> None:
    if _DOCUMENTS.get(getattr(cls, "__name__", "")) is not cls:
        names = ", ".join(_DOCUMENTS)
        raise TypeError(f"expected one of the model classes ({names}), got {cls!r}")


def to_dict(obj: object) -> dict[str, Any]:
    """The document of a model as a ``dict`` of JSON types (``schema_version`` and ``model`` first).

    >>> from nhsstd.json import to_dict
    >>> from nhsstd.models import HumanName
    >>> to_dict(HumanName(family="Smith"))
    {'schema_version': 1, 'model': 'HumanName', 'family': 'Smith'}
    """
    write = _COMPILED.unstructure_document.get(type(obj))
    if write is None:
        _check_model_class(type(obj))
        raise AssertionError("unreachable")  # pragma: no cover
    return write(obj)


def to_json(obj: object, *, indent: int | None = None) -> str:
    """The document of a model as JSON text (UTF-8 safe, non-ASCII kept as is).

    Compact by default; pass *indent* for people.
    """
    document = to_dict(obj)
    if indent is None:
        if _USE_ORJSON:
            try:
                text: str = _orjson.dumps(document).decode()
            except _orjson.JSONEncodeError:  # integers beyond 64 bits in extras
                pass
            else:
                return text
        return _ENCODER.encode(document)
    return json.dumps(document, ensure_ascii=False, allow_nan=False, indent=indent)


def _upgrade(document: dict[str, Any], version: int) -> dict[str, Any]:
    while version < SCHEMA_VERSION:
        document = _MIGRATIONS[version](document)
        version += 1
        document[VERSION_KEY] = version
    return document


def _mentions_extras(text: str | bytes | bytearray) -> bool:
    if isinstance(text, str):
        return _EXTRAS_MARK in text
    return _EXTRAS_MARK_BYTES in text


def _read_fast(data: object, cls: type) -> Any:
    """The model read by the model reader, or ``_MISSING`` if anything is amiss."""
    if (
        type(data) is dict
        and type(data.get(VERSION_KEY)) is int
        and data[VERSION_KEY] == SCHEMA_VERSION
        and data.get(MODEL_KEY) == cls.__name__
    ):
        try:
            return _COMPILED.structure_document[cls](data)
        except Exception:  # read again in detail, to say why
            return _MISSING
    return _MISSING


def from_dict(data: Mapping[str, Any], cls: type[_T]) -> _T:
    """Read a document (``dict`` of JSON types) as an instance of *cls*.

    Raises :class:`DocumentError` listing every problem; *cls* must be one of
    the model classes (:data:`nhsstd.models.MODELS`).
    """
    _check_model_class(cls)
    result = _read_fast(data, cls)
    if result is not _MISSING:
        return result  # type: ignore[no-any-return]
    name = cls.__name__
    value: object = data
    if type(value) is not dict:
        if not isinstance(value, Mapping):
            got = _JSON_TYPE_NAMES.get(type(value), type(value).__name__)
            raise DocumentError(name, (Problem("$", f"expected an object, got {got}"),))
        data = dict(value)

    problems: list[Problem] = []
    version = data.get(VERSION_KEY)
    if version is None:
        problems.append(Problem(f"$.{VERSION_KEY}", "required field missing"))
    elif type(version) is not int:
        problems.append(Problem(f"$.{VERSION_KEY}", "expected an integer"))
    elif version > SCHEMA_VERSION or (version < SCHEMA_VERSION and version not in _MIGRATIONS):
        detail = "written by a newer nhsstd" if version > SCHEMA_VERSION else "no longer supported"
        problems.append(Problem(f"$.{VERSION_KEY}", f"unsupported version ({detail})"))
        raise DocumentError(name, tuple(problems))
    elif version < SCHEMA_VERSION:
        data = _upgrade(dict(data), version)

    model = data.get(MODEL_KEY)
    if model is None:
        problems.append(Problem(f"$.{MODEL_KEY}", "required field missing"))
    elif model != name:
        if type(model) is str and model in _DOCUMENTS:
            problems.append(Problem(f"$.{MODEL_KEY}", f"this is a {model} document, not a {name} document"))
        else:
            problems.append(Problem(f"$.{MODEL_KEY}", f"expected {name!r}"))
        raise DocumentError(name, tuple(problems))

    if not problems:  # an upgraded document
        result = _read_fast(data, cls)
        if result is not _MISSING:
            return result  # type: ignore[no-any-return]
    body = {key: value for key, value in data.items() if key != VERSION_KEY and key != MODEL_KEY}
    problems.extend(_problems(body, cls))
    if not problems:  # pragma: no cover - the fast path failed but the detailed one did not
        problems.append(Problem("$", "the document could not be read"))
    raise DocumentError(name, tuple(problems))


def _reject_constant(name: str) -> NoReturn:
    raise ValueError("NaN and Infinity are not JSON")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def from_json(text: str | bytes | bytearray, cls: type[_T]) -> _T:
    """Read a JSON document as an instance of *cls*; see :func:`from_dict`.

    Text that is not JSON at all also raises :class:`DocumentError` (with a
    line and column, never an excerpt).
    """
    _check_model_class(cls)
    name = cls.__name__
    if not isinstance(text, (str, bytes, bytearray)):
        raise DocumentError(
            name,
            (Problem("$", f"expected JSON text (str or bytes), got {type(text).__name__}"),),
            reason=Reason.NOT_A_STRING,
        )
    if _USE_ORJSON and not _mentions_extras(text):
        try:
            data = _orjson.loads(text)
        except _orjson.JSONDecodeError:  # the standard library reads (or rejects) it below
            pass
        else:
            result = _read_fast(data, cls)
            if result is not _MISSING:
                return result  # type: ignore[no-any-return]
    return from_dict(_loads_standard(text, name), cls)


def _loads_standard(text: str | bytes | bytearray, name: str) -> Any:
    try:
        if not isinstance(text, str):
            text = bytes(text).decode(json.detect_encoding(text))
        return _DECODER.decode(text)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno} column {error.colno}"
        raise DocumentError(name, (Problem("$", f"not valid JSON: {error.msg} at {where}"),)) from None
    except UnicodeDecodeError:
        raise DocumentError(name, (Problem("$", "not valid UTF-8"),)) from None
    except RecursionError:
        raise DocumentError(name, (Problem("$", "nested too deeply"),)) from None
    except ValueError:
        raise DocumentError(name, (Problem("$", "NaN and Infinity are not JSON"),)) from None

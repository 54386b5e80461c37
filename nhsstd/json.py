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
match; $.names[0].family: HumanName: family is empty or only whitespace; $.colour: unexpected field

The JSON Schema of the documents is :func:`nhsstd.schema.load_schema`.

How it works: one reader and one writer per model class, each made once (at import) from a
table of the class's attrs fields -- the field name, its default, and how a value of the
field's type is read and written (:data:`_FIELD_KINDS`).  The reader checks every value as
it builds the model, so the same pass that builds a valid document's model finds every
problem of an invalid one; paths are only spelled out when there is a problem.  The text is
parsed and written by orjson.
"""

from __future__ import annotations

import datetime
import re
import types
import typing
import warnings
from collections.abc import Callable, Mapping
from json import JSONDecodeError
from typing import Any, NoReturn, TypeVar

import attrs
import cattrs
import orjson
from cattrs.errors import IterableValidationError, IterableValidationNote

from nhsstd._json_text import WIDE_INTEGER, load_json, wide_integers
from nhsstd.codes import CodedEnum, ODSRole
from nhsstd.exceptions import InvalidFormat, Reason, ValidationError
from nhsstd.identifiers._common import Identifier
from nhsstd.identifiers.nhs_pseudo_postcode import NHSPseudoPostcode
from nhsstd.models import MODELS, Extras, PartialDate
from nhsstd.models._checks import BAD_TEXT, bad_text, slot_setter

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

#: The version of the document format written and read by this release.  Version 1 is the
#: first; a document of any other version is refused (a release that changes the format
#: will read the versions before it and say so here).
SCHEMA_VERSION = 1
#: Top-level key holding the format version.
VERSION_KEY = "schema_version"
#: Top-level key holding the model class name.
MODEL_KEY = "model"

_T = TypeVar("_T")

#: Model name -> class, for every model that can be a top-level document.
_DOCUMENTS: dict[str, type] = {cls.__name__: cls for cls in MODELS}
_MODEL_SET = frozenset(MODELS)

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
    """A document could not be read (or written); :attr:`problems` lists every problem found.

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


# --------------------------------------------------------------------------
# Problems while reading.
#
# A value's reader returns the value or raises: a ValidationError (the
# identifier, code, date or model rule that failed), a _Refused (a JSON value
# of the wrong shape), or, from a model or array reader, _Problems with every
# problem found inside, each with its path relative to that value.  The
# readers around it prefix their own step (".field", "[index]"), so a path is
# only built when there is a problem.
# --------------------------------------------------------------------------


class _Refused(TypeError):
    """A JSON value of the wrong shape; the message is written here, so it is safe to show."""


class _Problems(Exception):
    """Every problem found inside one value: ``(path relative to the value, message)`` pairs."""

    def __init__(self, found: list[tuple[str, str]]) -> None:
        super().__init__(found)
        self.found = found

    def problems(self) -> tuple[Problem, ...]:
        return tuple(Problem(f"${path}", message) for path, message in self.found)


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


def _describe(error: BaseException) -> str:
    """The message of a problem (never the value: the errors' own messages never hold it)."""
    if isinstance(error, (ValidationError, _Refused)):
        return str(error)
    if isinstance(error, RecursionError):
        return "nested too deeply"
    return f"invalid value ({type(error).__name__})"


def _add(found: list[tuple[str, str]], step: str, error: Exception) -> None:
    """Record *error*, raised by the reader of the value at *step*, in *found*."""
    if isinstance(error, _Problems):
        found.extend((step + path, message) for path, message in error.found)
    else:
        found.append((step, _describe(error)))


# --------------------------------------------------------------------------
# Readers of the values in model fields (JSON value -> model value).  Each
# checks the JSON type itself: nothing is coerced.
# --------------------------------------------------------------------------

_Reader = Callable[[Any], Any]
_Writer = Callable[[Any], Any]


def _read_str(value: Any) -> str:
    if value.__class__ is not str:
        _refuse("a string", value)
    return value


def _text_reader(model: str, field: str) -> _Reader:
    """The reader of a text field of *model*: a string with visible content, as the model requires."""

    def read_text(value: Any) -> str:
        if value.__class__ is not str:
            _refuse("a string", value)
        # The models' rule (nhsstd.models._checks): not only whitespace, no control character
        # or lone surrogate.  isprintable() is true for most text and cheap, so the pattern is
        # only searched in text it refuses (TAB, LF and CR are allowed).
        if not value or value.isspace() or (not value.isprintable() and BAD_TEXT.search(value) is not None):
            bad_text(model, field, value)
        return value

    return read_text


def _exact_reader(exact: type, expected: str) -> _Reader:
    # The class itself: a bool is not an int here.
    def read_exact(value: Any) -> Any:
        if value.__class__ is not exact:
            _refuse(expected, value)
        return value

    return read_exact


def _read_date(value: Any) -> datetime.date:
    if value.__class__ is not str:
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
    raise InvalidFormat(Reason.INVALID_DATE, detail="date: not a real calendar date")


def _read_partial_date(value: Any) -> PartialDate:
    if value.__class__ is not str:
        _refuse("a date string (YYYY, YYYY-MM or YYYY-MM-DD)", value)
    return PartialDate.parse(value)


def _read_extras(value: Any) -> Extras:
    if value.__class__ is not dict:
        _refuse("an object", value)
    return Extras(value)


def _read_ods_role(value: Any) -> ODSRole:
    if value.__class__ is not str:
        _refuse("an ODS role code", value)
    return ODSRole(value)


def _identifier_builder(cls: type[Identifier]) -> Callable[[str], Identifier]:
    """A function building *cls* from a string that must already be in compact form.

    It validates exactly as ``cls(value)`` does -- the kind's ``validate`` must return the
    value unchanged -- and wraps what was validated without validating it a second time.
    """
    validate = cls._validate
    wrap = cls._from_valid

    def build(value: str) -> Identifier:
        if validate(value) != value:
            cls(value)  # raises the "not in compact form" error
        return wrap(value)

    return build


def _identifier_reader(cls: type[Identifier]) -> _Reader:
    build = _identifier_builder(cls)

    def read_identifier(value: Any) -> Identifier:
        if value.__class__ is not str:
            _refuse("a string", value)
        return build(value)

    return read_identifier


def _identifier_union_reader(tp: Any) -> _Reader:
    classes: tuple[type[Identifier], ...] = typing.get_args(tp)
    builders = [_identifier_builder(cls) for cls in classes]
    # NHS pseudo-postcodes (ZZ99...) never pass the Royal Mail rules: try the
    # pseudo-postcode first for them rather than fail on the postcode.
    pseudo = [builder for cls, builder in zip(classes, builders, strict=True) if cls is NHSPseudoPostcode]
    others = [builder for cls, builder in zip(classes, builders, strict=True) if cls is not NHSPseudoPostcode]
    pseudo_first, others_first = pseudo + others, others + pseudo

    def read_identifier_union(value: Any) -> Identifier:
        if value.__class__ is not str:
            _refuse("a string", value)
        first: ValidationError | None = None
        for build in pseudo_first if value.startswith("ZZ99") else others_first:
            try:
                return build(value)
            except ValidationError as error:
                first = first or error
        assert first is not None
        raise first

    return read_identifier_union


def _code_reader(cls: type[CodedEnum]) -> _Reader:
    member_of = cls._value2member_map_.get

    def read_code(value: Any) -> CodedEnum:
        member = member_of(value) if value.__class__ is str else None
        if member is None:
            if value.__class__ is not str:
                _refuse("a code (string)", value)
            return cls._lookup(value)  # raises UnknownCodeError
        return member  # type: ignore[return-value]

    return read_code


def _code_union_reader(tp: Any) -> _Reader:
    by_key: dict[str, type[CodedEnum]] = {arg.code_system.key: arg for arg in typing.get_args(tp)}
    expected = ", ".join(by_key)

    def read_code_union(value: Any) -> CodedEnum:
        if value.__class__ is not dict:
            _refuse("an object with code_system and code", value)
        if len(value) != 2 or "code_system" not in value or "code" not in value:
            raise _Refused("expected exactly the fields code_system and code")
        key = value["code_system"]
        cls = by_key.get(key) if key.__class__ is str else None
        if cls is None:
            raise _Refused(f"code_system must be one of {expected}")
        code = value["code"]
        if code.__class__ is not str:
            _refuse("a code (string)", code)
        return cls._lookup(code)

    return read_code_union


def _tuple_reader(read_item: _Reader) -> _Reader:
    def read_tuple(value: Any) -> tuple[Any, ...]:
        if value.__class__ is not list:
            _refuse("an array", value)
        items: list[Any] = []
        append = items.append
        found: list[tuple[str, str]] | None = None
        for index, item in enumerate(value):
            try:
                append(read_item(item))
            except Exception as error:  # every problem of every item is reported
                found = found or []
                _add(found, f"[{index}]", error)
        if found:
            raise _Problems(found)
        return tuple(items)

    return read_tuple


# --------------------------------------------------------------------------
# Writers (model value -> JSON value).
# --------------------------------------------------------------------------


def _write_identifier(value: Identifier) -> str:
    return value.compact


def _write_code(value: CodedEnum) -> str:
    return value._value_


def _write_code_in_union(value: CodedEnum) -> dict[str, str]:
    return {"code_system": value.code_system.key, "code": value._value_}


def _write_date(value: datetime.date | PartialDate) -> str:
    return value.isoformat()


def _write_extras(value: Extras) -> dict[str, Any]:
    return value.thaw()


def _write_ods_role(value: ODSRole) -> str:
    return value.code


# --------------------------------------------------------------------------
# The declarative description: how each kind of field type is read and written.
# --------------------------------------------------------------------------


def _non_none_args(tp: Any) -> tuple[Any, ...]:
    return tuple(arg for arg in typing.get_args(tp) if arg is not type(None))


def _is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in (typing.Union, types.UnionType)


def _is_optional(tp: Any) -> bool:
    return _is_union(tp) and type(None) in typing.get_args(tp)


def _without_none(tp: Any) -> Any:
    """``X`` for ``X | None`` (``null`` is never a value: absent fields are left out)."""
    if not _is_optional(tp):
        return tp
    args = _non_none_args(tp)
    return args[0] if len(args) == 1 else typing.Union[args]  # noqa: UP007


def _is_class_of(base: type) -> Callable[[Any], bool]:
    def predicate(tp: Any) -> bool:
        return isinstance(tp, type) and issubclass(tp, base)

    return predicate


def _is_union_of(base: type) -> Callable[[Any], bool]:
    def predicate(tp: Any) -> bool:
        args = _non_none_args(tp)
        return (
            _is_union(tp)
            and not _is_optional(tp)
            and all(isinstance(arg, type) and issubclass(arg, base) for arg in args)
        )

    return predicate


def _is_homogeneous_tuple(tp: Any) -> bool:
    args = typing.get_args(tp)
    return typing.get_origin(tp) is tuple and len(args) == 2 and args[1] is Ellipsis


def _is_type(exact: Any) -> Callable[[Any], bool]:
    def predicate(tp: Any) -> bool:
        return tp is exact

    return predicate


def _is_model(tp: Any) -> bool:
    return tp in _MODEL_SET


#: (applies to the field type, the factory of the reader of a value of that type, the writer of
#: a value or None when the value is JSON already); the first row that applies is used.  Text,
#: arrays and models are described by _ModelFormat itself: a text reader checks the text as its
#: model does, and an array or a model is read by the readers of what it holds.
_FIELD_KINDS: tuple[tuple[Callable[[Any], bool], Callable[[Any], _Reader], _Writer | None], ...] = (
    (_is_type(int), lambda tp: _exact_reader(int, "an integer"), None),
    (_is_type(bool), lambda tp: _exact_reader(bool, "true or false"), None),
    (_is_type(datetime.date), lambda tp: _read_date, _write_date),
    (_is_type(PartialDate), lambda tp: _read_partial_date, _write_date),
    (_is_type(Extras), lambda tp: _read_extras, _write_extras),
    (_is_type(ODSRole), lambda tp: _read_ods_role, _write_ods_role),
    (_is_class_of(Identifier), _identifier_reader, _write_identifier),
    (_is_union_of(Identifier), _identifier_union_reader, _write_identifier),
    (_is_class_of(CodedEnum), _code_reader, _write_code),
    (_is_union_of(CodedEnum), _code_union_reader, _write_code_in_union),
)


def _field_kind(tp: Any) -> tuple[Callable[[Any], _Reader], _Writer | None] | None:
    for applies, reader, writer in _FIELD_KINDS:
        if applies(tp):
            return reader, writer
    return None


# How a field is left out when written (omit-if-default, as cattrs does it).
_ALWAYS, _UNLESS_EMPTY, _UNLESS_NONE, _UNLESS_DEFAULT = range(4)
_MISSING = object()


class _ModelFormat:
    """The reader and the writer of every model class, each made once from a table of its fields."""

    def __init__(self) -> None:
        self.read: dict[type, _Reader] = {}
        self.read_document: dict[type, _Reader] = {}
        self.write: dict[type, Callable[[Any], dict[str, Any]]] = {}
        self.write_document: dict[type, Callable[[Any], dict[str, Any]]] = {}
        for cls in MODELS:
            self._build(cls)

    def _build(self, cls: type) -> None:
        if cls not in self.read:
            attrs.resolve_types(cls)
            self.read[cls] = self._model_reader(cls, document=False)
            self.read_document[cls] = self._model_reader(cls, document=True)
            self.write[cls] = self._model_writer(cls, document=False)
            self.write_document[cls] = self._model_writer(cls, document=True)

    def value_reader(self, tp: Any, model: str, field: str) -> _Reader:
        """The reader of one value of the field type *tp* (of the field *field* of *model*)."""
        tp = _without_none(tp)
        if tp is str:
            return _text_reader(model, field)
        if _is_homogeneous_tuple(tp):
            return _tuple_reader(self.value_reader(typing.get_args(tp)[0], model, field))
        if _is_model(tp):
            self._build(tp)
            return self.read[tp]
        kind = _field_kind(tp)
        if kind is None:
            raise TypeError(f"nhsstd.json cannot read {model}.{field} ({tp!r})")
        return kind[0](tp)

    def value_writer(self, tp: Any) -> _Writer | None:
        """The writer of one value of the field type *tp*, or None if the value is JSON already."""
        tp = _without_none(tp)
        if tp is str:
            return None
        if _is_model(tp):
            self._build(tp)
            return self.write[tp]
        kind = _field_kind(tp)
        if kind is None:
            raise TypeError(f"nhsstd.json cannot write {tp!r}")
        return kind[1]

    def _model_reader(self, cls: type, document: bool) -> _Reader:
        """The reader of *cls* from a ``dict`` (which may hold the document keys if *document*).

        The instance is built without the attrs ``__init__``: the table's readers have
        checked every field as the constructor would, so only the model's own rules
        (``_check_rules``) are left to run.
        """
        model = cls.__name__
        fields = attrs.fields(cls)
        allowed = frozenset(
            {field.name for field in fields} | ({VERSION_KEY, MODEL_KEY} if document else set())
        )
        # One row per field: its name, its default (_MISSING: required), its reader, the
        # setter of its slot, and its step in a path.
        rows: list[tuple[str, object, _Reader, Callable[[object, object], None], str]] = []
        for field in fields:
            if isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
                raise TypeError(f"{model}.{field.name}: factory defaults are not supported")
            default = _MISSING if field.default is attrs.NOTHING else field.default
            read = self.value_reader(field.type, model, field.name)
            rows.append((field.name, default, read, slot_setter(cls, field.name), f".{field.name}"))
        table = tuple(rows)
        new = object.__new__
        check_rules = cls._check_rules  # type: ignore[attr-defined]

        def read_model(o: Any) -> Any:
            if o.__class__ is not dict:
                _refuse("an object", o)
            get = o.get
            instance: Any = new(cls)
            found: list[tuple[str, str]] | None = None
            for name, default, read, set_slot, step in table:
                value = get(name, _MISSING)
                if value is _MISSING:
                    if default is _MISSING:
                        found = found or []
                        found.append((step, "required field missing"))
                    else:
                        set_slot(instance, default)
                    continue
                try:
                    set_slot(instance, read(value))
                except Exception as error:  # every problem of every field is reported
                    found = found or []
                    _add(found, step, error)
            if not o.keys() <= allowed:
                found = found or []
                for key in sorted(o.keys() - allowed, key=str):
                    safe = key.__class__ is str and _SAFE_KEY.fullmatch(key) is not None
                    found.append((f".{key}" if safe else "", "unexpected field"))
            if found:
                raise _Problems(found)
            try:
                check_rules(instance)  # the model's rules need valid fields
            except ValidationError as error:
                raise _Problems([("", str(error))]) from None
            return instance

        return read_model

    def _model_writer(self, cls: type, document: bool) -> Callable[[Any], dict[str, Any]]:
        """The writer of *cls* to a ``dict`` (with the document keys first if *document*)."""
        start: dict[str, Any] = {VERSION_KEY: SCHEMA_VERSION, MODEL_KEY: cls.__name__} if document else {}
        rows: list[tuple[str, int, object, _Writer | None]] = []
        for field in attrs.fields(cls):
            tp = field.type
            # cattrs' omit-if-default: a field is left out when it has its default.
            if field.default is attrs.NOTHING:
                rows.append((field.name, _ALWAYS, None, self.value_writer(tp)))
            elif _is_homogeneous_tuple(tp):
                rows.append((field.name, _UNLESS_EMPTY, None, self.value_writer(typing.get_args(tp)[0])))
            elif field.default is None:
                rows.append((field.name, _UNLESS_NONE, None, self.value_writer(tp)))
            else:
                rows.append((field.name, _UNLESS_DEFAULT, field.default, self.value_writer(tp)))
        table = tuple(rows)

        def write_model(obj: Any) -> dict[str, Any]:
            d = start.copy()
            for name, when, default, write in table:
                value = getattr(obj, name)
                if when == _UNLESS_EMPTY:
                    if value:
                        d[name] = list(value) if write is None else [write(item) for item in value]
                elif when == _ALWAYS or (value is not None if when == _UNLESS_NONE else value != default):
                    d[name] = value if write is None else write(value)
            return d

        return write_model


_FORMAT = _ModelFormat()
_READ_DOCUMENT = _FORMAT.read_document
_WRITE_DOCUMENT = _FORMAT.write_document


# --------------------------------------------------------------------------
# make_converter: the same readers and writers as cattrs hooks.
# --------------------------------------------------------------------------


def _as_hook(read: _Reader) -> Callable[[Any, object], Any]:
    def structure(value: Any, _: object) -> Any:
        return read(value)

    return structure


def _model_hook(cls: type) -> Callable[[Any, object], Any]:
    read = _FORMAT.read[cls]
    name = cls.__name__

    def structure_model(value: Any, _: object) -> Any:
        try:
            return read(value)
        except _Problems as error:
            raise DocumentError(name, error.problems()) from None

    return structure_model


def make_converter(*, detailed_validation: bool = True) -> cattrs.Converter:
    """A new cattrs converter configured for nhsstd's document format.

    For embedding nhsstd models in your own attrs classes: the converter
    handles every model, identifier, code and date type as described in this
    module, without the top-level ``schema_version``/``model`` keys, with the
    same readers and writers as :func:`from_dict` and :func:`to_dict`.  A model
    that cannot be read raises :class:`DocumentError` (inside cattrs' own errors
    when *detailed_validation* is true, as cattrs does for your classes).  Each
    call returns a fresh converter, so customising it never affects nhsstd.

    >>> import datetime
    >>> from nhsstd.json import make_converter
    >>> from nhsstd.models import Period
    >>> make_converter().unstructure(Period(start=datetime.date(2024, 1, 31)))
    {'start': '2024-01-31'}
    """
    converter = cattrs.Converter(
        detailed_validation=detailed_validation, forbid_extra_keys=True, omit_if_default=True
    )

    # -- reading: strict hooks, generic first (later registrations take precedence)
    def optional_factory(tp: Any) -> Callable[[Any, object], Any]:
        # ``null`` is never a value; every hook refuses ``None`` with a message saying so.
        return converter.get_structure_hook(_without_none(tp))

    def tuple_factory(tp: Any) -> Callable[[Any, object], tuple[Any, ...]]:
        item_type = typing.get_args(tp)[0]
        inner = converter.get_structure_hook(item_type)

        def structure_tuple(value: Any, _: object) -> tuple[Any, ...]:
            if type(value) is not list:
                _refuse("an array", value)
            items = []
            errors: list[Exception] = []
            for index, item in enumerate(value):
                try:
                    items.append(inner(item, item_type))
                except Exception as error:
                    if not detailed_validation:
                        raise
                    note = IterableValidationNote(f"Structuring item @ index {index}", index, item_type)
                    error.__notes__ = [*getattr(error, "__notes__", []), note]  # type: ignore[attr-defined]
                    errors.append(error)
            if errors:
                raise IterableValidationError("While structuring an array", errors, tp)
            return tuple(items)

        return structure_tuple

    def field_kind_factory(tp: Any) -> Callable[[Any, object], Any]:
        kind = _field_kind(tp)
        assert kind is not None
        return _as_hook(kind[0](tp))

    converter.register_structure_hook_factory(_is_homogeneous_tuple, tuple_factory)
    converter.register_structure_hook_factory(_is_optional, optional_factory)
    converter.register_structure_hook_factory(lambda tp: _field_kind(tp) is not None, field_kind_factory)
    converter.register_structure_hook(str, _as_hook(_read_str))
    for cls in MODELS:
        converter.register_structure_hook(cls, _model_hook(cls))

    # -- writing
    def union_factory(tp: Any) -> Callable[[Any], Any]:
        return converter.get_unstructure_hook(_without_none(tp))

    def tuple_writer_factory(tp: Any) -> Callable[[tuple[Any, ...]], list[Any]]:
        inner = converter.get_unstructure_hook(typing.get_args(tp)[0])

        def unstructure_tuple(value: tuple[Any, ...]) -> list[Any]:
            return [inner(item) for item in value]

        return unstructure_tuple

    def field_kind_writer_factory(tp: Any) -> Callable[[Any], Any]:
        kind = _field_kind(tp)
        assert kind is not None
        assert kind[1] is not None
        return kind[1]

    converter.register_unstructure_hook_factory(_is_homogeneous_tuple, tuple_writer_factory)
    converter.register_unstructure_hook_factory(_is_optional, union_factory)
    converter.register_unstructure_hook_factory(
        lambda tp: (kind := _field_kind(tp)) is not None and kind[1] is not None, field_kind_writer_factory
    )
    for cls in MODELS:
        converter.register_unstructure_hook(cls, _FORMAT.write[cls])
    return converter


# --------------------------------------------------------------------------
# Public API.
# --------------------------------------------------------------------------


def _check_model_class(cls: object) -> NoReturn:
    names = ", ".join(_DOCUMENTS)
    raise TypeError(f"expected one of the model classes ({names}), got {cls!r}")


def to_dict(obj: object) -> dict[str, Any]:
    """The document of a model as a ``dict`` of JSON types (``schema_version`` and ``model`` first).

    >>> from nhsstd.json import to_dict
    >>> from nhsstd.models import HumanName
    >>> to_dict(HumanName(family="Smith"))
    {'schema_version': 1, 'model': 'HumanName', 'family': 'Smith'}
    """
    write = _WRITE_DOCUMENT.get(type(obj))
    if write is None:
        _check_model_class(type(obj))
    return write(obj)


def to_json(obj: object, *, indent: int | None = None) -> str:
    """The document of a model as JSON text (UTF-8 safe, non-ASCII kept as is).

    Compact by default; ``indent=2`` for people (other widths are deprecated and give 2).
    Integers in ``extras`` beyond 64 bits, which JSON readers do not agree on, cannot be
    written: :class:`DocumentError` (reason ``out_of_range``) says where they are.

    >>> from nhsstd.models import Period
    >>> import datetime
    >>> print(to_json(Period(start=datetime.date(2024, 1, 31)), indent=2))
    {
      "schema_version": 1,
      "model": "Period",
      "start": "2024-01-31"
    }
    """
    document = to_dict(obj)
    option = 0
    if indent is not None:
        if indent != 2:
            warnings.warn(
                "to_json(indent=...) writes two-space indentation: pass indent=2 "
                "(other widths are deprecated)",
                DeprecationWarning,
                stacklevel=2,
            )
        option = orjson.OPT_INDENT_2
    try:
        return orjson.dumps(document, option=option).decode()
    except orjson.JSONEncodeError:
        problems = tuple(Problem(path, WIDE_INTEGER) for path in wide_integers(document, "$", _member_path))
        unwritable = problems or (Problem("$", "cannot be written as JSON"),)
        raise DocumentError(type(obj).__name__, unwritable, reason=Reason.OUT_OF_RANGE) from None


def _member_path(path: str, key: str) -> str:
    return f"{path}.{key}" if _SAFE_KEY.fullmatch(key) else path


def _header_problems(data: Mapping[str, Any], name: str) -> list[tuple[str, str]]:
    """The problems of the ``schema_version`` and ``model`` keys; raises when the rest can't be read."""
    found: list[tuple[str, str]] = []
    version = data.get(VERSION_KEY)
    if version is None:
        found.append((f".{VERSION_KEY}", "required field missing"))
    elif type(version) is not int:
        found.append((f".{VERSION_KEY}", "expected an integer"))
    elif version != SCHEMA_VERSION:
        detail = "written by a newer nhsstd" if version > SCHEMA_VERSION else "format version 1 is the first"
        found.append((f".{VERSION_KEY}", f"unsupported version ({detail})"))
        raise DocumentError(name, _Problems(found).problems(), reason=Reason.OUT_OF_RANGE)
    model = data.get(MODEL_KEY)
    if model is None:
        found.append((f".{MODEL_KEY}", "required field missing"))
    elif model != name:
        if type(model) is str and model in _DOCUMENTS:
            found.append((f".{MODEL_KEY}", f"this is a {model} document, not a {name} document"))
        else:
            found.append((f".{MODEL_KEY}", f"expected {name!r}"))
        raise DocumentError(name, _Problems(found).problems())
    return found


def from_dict(data: Mapping[str, Any], cls: type[_T]) -> _T:
    """Read a document (``dict`` of JSON types) as an instance of *cls*.

    Raises :class:`DocumentError` listing every problem; *cls* must be one of
    the model classes (:data:`nhsstd.models.MODELS`).
    """
    read = _READ_DOCUMENT.get(cls)
    if read is None:
        _check_model_class(cls)
    name = cls.__name__
    value: object = data
    if value.__class__ is not dict:
        if not isinstance(value, Mapping):
            got = _JSON_TYPE_NAMES.get(type(value), type(value).__name__)
            raise DocumentError(name, (Problem("$", f"expected an object, got {got}"),))
        data = dict(value)
    version = data.get(VERSION_KEY)
    found: list[tuple[str, str]] = []
    if version.__class__ is not int or version != SCHEMA_VERSION or data.get(MODEL_KEY) != name:
        found = _header_problems(data, name)
    try:
        result = read(data)
    except _Problems as error:
        found.extend(error.found)
    if found:
        raise DocumentError(name, _Problems(found).problems())
    return result  # type: ignore[no-any-return]


def from_json(text: str | bytes | bytearray, cls: type[_T]) -> _T:
    """Read a JSON document (UTF-8) as an instance of *cls*; see :func:`from_dict`.

    Text that is not JSON at all also raises :class:`DocumentError` (with a
    line and column, never an excerpt).  The text is read under nhsstd's one
    JSON text policy, the one :func:`nhsstd.fhir.loads` and the register clients
    read with: UTF-8 only (no byte order mark, no UTF-16 or UTF-32); integers
    within 64 bits exactly and any other number as a float (so an integer beyond
    64 bits reads as a float, which is why :func:`to_json` refuses to write one);
    ``NaN``, ``Infinity`` and nesting deeper than 1024 levels refused.
    """
    if cls not in _READ_DOCUMENT:
        _check_model_class(cls)
    if not isinstance(text, (str, bytes, bytearray)):
        raise DocumentError(
            cls.__name__,
            (Problem("$", f"expected JSON text (str or bytes), got {type(text).__name__}"),),
            reason=Reason.NOT_A_STRING,
        )
    try:
        data = load_json(text)
    except JSONDecodeError as error:  # orjson's messages and the policy's quote nothing of the text
        where = f"line {error.lineno} column {error.colno}"
        raise DocumentError(
            cls.__name__, (Problem("$", f"not valid JSON: {error.msg} at {where}"),)
        ) from None
    return from_dict(data, cls)

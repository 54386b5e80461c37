"""The public functions of :mod:`nhsstd.fhir` (private module)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Final, TypeVar, overload

import cattrs
import orjson

from nhsstd._json_text import WIDE_INTEGER, JSONNotUTF8, JSONTooDeep, load_json, wide_integers
from nhsstd._serialisation import Problem, SerialisationError
from nhsstd.exceptions import Reason
from nhsstd.fhir._context import IdentifierMode, Reader, WarningHandler, check_handler, describe, key_path
from nhsstd.fhir._organization import read_organization, write_organization
from nhsstd.fhir._patient import read_patient, write_patient
from nhsstd.fhir._practitioner import read_practitioner, write_practitioner
from nhsstd.fhir._practitioner_role import read_practitioner_role, write_practitioner_role
from nhsstd.models import Extras, Organisation, Patient, Practitioner, PractitionerRole

__all__ = ["RESOURCE_TYPES", "Model", "converter", "dumps", "from_fhir", "loads", "to_fhir"]

#: A model that has a FHIR form.
Model = Patient | Practitioner | Organisation | PractitionerRole
_M = TypeVar("_M", Patient, Practitioner, Organisation, PractitionerRole)

_Reading = Callable[[Reader, dict[str, Any]], Any]
_Writing = Callable[[Any, list[tuple[str, str]]], dict[str, Any]]

#: FHIR resourceType -> model class.
RESOURCE_TYPES: Final[dict[str, type[Any]]] = {
    "Patient": Patient,
    "Practitioner": Practitioner,
    "Organization": Organisation,
    "PractitionerRole": PractitionerRole,
}
_READERS: Final[dict[type[Any], _Reading]] = {
    Patient: read_patient,
    Practitioner: read_practitioner,
    Organisation: read_organization,
    PractitionerRole: read_practitioner_role,
}
_WRITERS: Final[dict[type[Any], _Writing]] = {
    Patient: write_patient,
    Practitioner: write_practitioner,
    Organisation: write_organization,
    PractitionerRole: write_practitioner_role,
}
_NAMES: Final = {cls: name for name, cls in RESOURCE_TYPES.items()}
_TEXT_ONLY: Final = frozenset({str})


def _read(
    resource: Any,
    as_: type[Any] | None,
    strict: bool,
    identifiers: str,
    keep_unknown: bool,
    stacklevel: int,
    on_warning: WarningHandler | None = None,
) -> Any:
    r = Reader(identifiers=identifiers, strict=strict, keep_unknown=keep_unknown, on_warning=on_warning)
    if as_ is not None and as_ not in _READERS:
        raise TypeError(f"as_ must be one of {', '.join(c.__name__ for c in _READERS)}")
    subject = f"FHIR {_NAMES[as_]}" if as_ is not None else "FHIR resource"
    if type(resource) is not dict and isinstance(resource, Mapping):
        resource = dict(resource)
    if type(resource) is not dict:
        raise SerialisationError(subject, [Problem("$", f"expected a JSON object, got {describe(resource)}")])
    if not _TEXT_ONLY.issuperset(map(type, resource)):
        raise SerialisationError(subject, [Problem("$", "object keys must be strings")])
    resource_type = resource.get("resourceType")
    cls = RESOURCE_TYPES.get(resource_type) if type(resource_type) is str else None
    if cls is None:
        known = ", ".join(RESOURCE_TYPES)
        raise SerialisationError(
            subject, [Problem("$.resourceType", f"expected one of {known}", Reason.FORMAT)]
        )
    subject = f"FHIR {resource_type}"
    if as_ is not None and cls is not as_:
        raise SerialisationError(
            subject, [Problem("$.resourceType", f"expected {_NAMES[as_]} (as_={as_.__name__})")]
        )
    try:
        model = _READERS[cls](r, resource)
    except RecursionError:
        raise SerialisationError(subject, [Problem("$", "the resource is nested too deeply")]) from None
    r.finish(subject, stacklevel + 1)
    return model


@overload
def from_fhir(
    resource: Mapping[str, Any],
    *,
    as_: type[_M],
    strict: bool = ...,
    identifiers: IdentifierMode = ...,
    keep_unknown: bool = ...,
    on_warning: WarningHandler | None = ...,
) -> _M: ...


@overload
def from_fhir(
    resource: Mapping[str, Any],
    *,
    as_: None = ...,
    strict: bool = ...,
    identifiers: IdentifierMode = ...,
    keep_unknown: bool = ...,
    on_warning: WarningHandler | None = ...,
) -> Model: ...


def from_fhir(
    resource: Mapping[str, Any],
    *,
    as_: type[Any] | None = None,
    strict: bool = False,
    identifiers: IdentifierMode = "strict",
    keep_unknown: bool = True,
    on_warning: WarningHandler | None = None,
) -> Model:
    """Read a FHIR R4 resource (a ``dict`` as from :func:`json.loads`) into a model.

    :param as_: the model class expected (:class:`~nhsstd.models.Patient`,
        :class:`~nhsstd.models.Practitioner`, :class:`~nhsstd.models.Organisation` or
        :class:`~nhsstd.models.PractitionerRole`); by default it follows ``resourceType``.
    :param strict: refuse anything the model does not hold (unknown elements and
        extensions, narrative, legacy URLs) instead of keeping it in ``extras``.
    :param identifiers: ``"strict"``: an identifier or postcode that fails
        validation is a problem; ``"warn"``: it is kept as it was in ``extras`` with an
        :class:`InvalidIdentifierWarning`; ``"preserve"``: kept silently.
    :param keep_unknown: keep what the model does not hold in ``extras["fhir"]``
        so that :func:`to_fhir` gives the resource back (default); ``False`` drops it.
    :param on_warning: a function to call with each :class:`FHIRWarning` of this read,
        instead of issuing it with :func:`warnings.warn`.  It is called in the calling
        thread, in order, before the result is returned (or the error raised), and
        nothing global is touched -- unlike :class:`warnings.catch_warnings`, this is
        safe when several threads read at once.
    :raises SerialisationError: listing every problem, each with its JSON path.

    >>> from nhsstd import fhir
    >>> seen = []
    >>> organisation = fhir.from_fhir(
    ...     {"resourceType": "Organization",
    ...      "identifier": [{"system": "https://fhir.nhs.uk/Id/ods-organisation-code", "value": "RR8"}]},
    ...     on_warning=seen.append)
    >>> organisation.ods_code, [warning.path for warning in seen]
    (ODSCode('RR8'), ['$.identifier[0].system'])
    """
    check_handler(on_warning)
    model: Model = _read(resource, as_, strict, identifiers, keep_unknown, 2, on_warning=on_warning)
    return model


def from_parsed_json(
    resource: Mapping[str, Any],
    as_: type[_M],
    *,
    identifiers: IdentifierMode,
    on_warning: WarningHandler,
) -> _M:
    """:func:`from_fhir` for a resource straight from a JSON parser (nhsstd's register clients;
    not exported), with the options they read with."""
    model: _M = _read(resource, as_, False, identifiers, True, 2, on_warning=on_warning)
    return model


def _unstructure(model: Any) -> dict[str, Any]:
    writer = _WRITERS.get(type(model))
    if writer is None:
        raise TypeError(f"no FHIR form for {type(model).__name__}")
    problems: list[tuple[str, str]] = []
    out = writer(model, problems)
    if problems:
        raise SerialisationError(
            f"FHIR {_NAMES[type(model)]}", [Problem(path, message) for path, message in problems]
        )
    return out


def to_fhir(model: Model) -> dict[str, Any]:
    """Write a model as a UK Core FHIR R4 resource (a JSON-ready ``dict``).

    URLs are the UK Core canonical ones; nothing empty is written; what
    :func:`from_fhir` kept in ``extras["fhir"]`` is written back in place.
    """
    result: dict[str, Any] = converter.unstructure(model)
    return result


def _structure_hook(cls: type[Any]) -> Callable[[Any, Any], Any]:
    def structure(resource: Any, _type: Any) -> Any:
        return _read(resource, cls, False, "strict", True, 3)

    return structure


def _make_converter() -> cattrs.Converter:
    made = cattrs.Converter()
    for cls in _READERS:
        made.register_structure_hook(cls, _structure_hook(cls))
        made.register_unstructure_hook(cls, _unstructure)
    return made


#: The FHIR converter (built once; never cattrs' global converter):
#: ``converter.structure(resource, Patient)`` is ``from_fhir(resource, as_=Patient)`` and
#: ``converter.unstructure(model)`` is ``to_fhir(model)``.
converter: Final = _make_converter()


def _default(value: Any) -> Any:
    if isinstance(value, Extras):
        return value.thaw()
    raise TypeError(f"{type(value).__name__} is not JSON")


def dumps(model: Model, *, indent: int | None = None) -> str:
    """:func:`to_fhir` as JSON text (UTF-8 characters kept as they are).

    The text follows the JSON policy every nhsstd reader applies: an integer beyond 64 bits
    (only possible in ``extras`` built in code) would not read back as written, so it is
    refused with :class:`~nhsstd.fhir.SerialisationError` naming where it is, as
    :func:`nhsstd.json.to_json` refuses it.
    """
    data = to_fhir(model)
    try:
        text = orjson.dumps(data, default=_default).decode()
    except orjson.JSONEncodeError:
        paths = wide_integers(data, "$", key_path)
        problems = [Problem(path, WIDE_INTEGER, Reason.OUT_OF_RANGE) for path in paths]
        raise SerialisationError(
            f"FHIR {data['resourceType']}", problems or [Problem("$", "cannot be written as JSON")]
        ) from None
    if indent is None:
        return text
    # Indented text (for people, not a hot path) is laid out by the standard library, which
    # takes any width; the compact write above has already applied the policy to the data.
    return json.dumps(data, ensure_ascii=False, indent=indent, default=_default)


@overload
def loads(
    text: str | bytes,
    *,
    as_: type[_M],
    strict: bool = ...,
    identifiers: IdentifierMode = ...,
    keep_unknown: bool = ...,
    on_warning: WarningHandler | None = ...,
) -> _M: ...


@overload
def loads(
    text: str | bytes,
    *,
    as_: None = ...,
    strict: bool = ...,
    identifiers: IdentifierMode = ...,
    keep_unknown: bool = ...,
    on_warning: WarningHandler | None = ...,
) -> Model: ...


def loads(
    text: str | bytes,
    *,
    as_: type[Any] | None = None,
    strict: bool = False,
    identifiers: IdentifierMode = "strict",
    keep_unknown: bool = True,
    on_warning: WarningHandler | None = None,
) -> Model:
    """Parse FHIR JSON text and :func:`from_fhir` it (same options).

    Text that is not JSON (or has ``NaN``/``Infinity``) is a :class:`SerialisationError`
    at ``$``.
    """
    check_handler(on_warning)
    subject = f"FHIR {_NAMES[as_]}" if as_ is not None and as_ in _NAMES else "FHIR resource"
    if isinstance(text, str):
        try:
            content: bytes | bytearray = text.encode()
        except UnicodeEncodeError:  # an unpaired surrogate: no UTF-8 text can hold it
            problem = Problem("$", "not valid JSON (an unpaired surrogate)")
            raise SerialisationError(subject, [problem]) from None
    elif isinstance(text, (bytes, bytearray)):
        content = text
    else:
        raise SerialisationError(subject, [Problem("$", f"expected JSON text, got {type(text).__name__}")])
    try:
        data = load_json(content)
    except JSONTooDeep:
        raise SerialisationError(subject, [Problem("$", "the JSON is nested too deeply")]) from None
    except JSONNotUTF8 as error:
        raise SerialisationError(subject, [Problem("$", f"not valid JSON: {error.msg}")]) from None
    except ValueError as error:  # (a json.JSONDecodeError: orjson's message quotes nothing)
        where = (
            f" (line {error.lineno}, column {error.colno})" if isinstance(error, json.JSONDecodeError) else ""
        )
        raise SerialisationError(subject, [Problem("$", f"not valid JSON{where}")]) from None
    model: Model = _read(data, as_, strict, identifiers, keep_unknown, 2, on_warning=on_warning)
    return model

"""Client for the Personal Demographics Service (PDS) FHIR API.

``PdsClient`` (sync) and ``AsyncPdsClient`` (asyncio) share one core and
offer the same calls:

* :meth:`PdsClient.get_patient` -- read a patient by NHS Number;
* :meth:`PdsClient.search_patients` -- a demographic search;
* :meth:`PdsClient.update_patient` -- change a record with a JSON Patch
  (:func:`patient_patch` makes one from the record read and the changed
  :class:`~nhsstd.models.Patient`), guarded by the version read;
* :meth:`PdsClient.get_related_persons` -- the people PDS holds as related to
  a patient.

Both validate their input before any request is made (an invalid NHS Number
raises the usual :mod:`nhsstd.exceptions` error, an impossible search
:class:`~nhsstd.registers.InvalidParameter`), send a fresh ``X-Request-ID``
with each call (kept on its retries), and turn PDS errors into the
:class:`~nhsstd.registers.RegisterError` hierarchy -- including
``TOO_MANY_MATCHES``, which PDS returns with HTTP 200.

Base URLs by environment:

===========  ==========================================================================
sandbox      ``https://sandbox.api.service.nhs.uk/personal-demographics/FHIR/R4`` (no auth)
integration  ``https://int.api.service.nhs.uk/personal-demographics/FHIR/R4``
production   ``https://api.service.nhs.uk/personal-demographics/FHIR/R4``
===========  ==========================================================================

The default client-side rate limit is PDS's published default of 5 requests
per second per application.

Against the local sandbox (:mod:`nhsstd.testing.sandbox`), which needs no
authentication:

>>> from nhsstd.testing.sandbox import Sandbox
>>> with Sandbox() as sandbox, PdsClient(base_url=sandbox.pds_url) as pds:
...     record = pds.get_patient("900 000 0009")
...     matches = pds.search_patients(family="Smith", given="Jane", gender="female",
...                                   birthdate="2010-10-22", fuzzy=True)
>>> record
PdsPatient(nhs_number='*** *** 0009', version_id='2', restricted=False, superseded=False)
>>> record.patient.names[0].family
'Smith'
>>> [(match.score, match.record.nhs_number == "9000000009") for match in matches]
[(0.8, True)]

An update: read, change the model, send the difference with the version read;
a second update from the same (now stale) read is refused:

>>> import attrs
>>> from nhsstd.registers import VersionConflict
>>> with Sandbox() as sandbox, PdsClient(base_url=sandbox.pds_url) as pds:
...     record = pds.get_patient("9000000009")
...     name = attrs.evolve(record.patient.names[0], given=("Janet",))
...     changed = attrs.evolve(record.patient, names=(name,))
...     patch = patient_patch(record, changed)
...     updated = pds.update_patient("9000000009", patch, etag=record.etag)
...     try:
...         pds.update_patient("9000000009", patch, etag=record.etag)
...     except VersionConflict as error:
...         print(error.spine_code)
RESOURCE_VERSION_MISMATCH
>>> [op["op"] + " " + op["path"] for op in patch]
['replace /name/0']
>>> updated.version_id, updated.patient.names[0].given
('3', ('Janet',))
"""

from __future__ import annotations

import datetime
import functools
import json
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from nhsstd.fhir import FHIRWarning, SerialisationError
from nhsstd.fhir._api import from_parsed_json, to_fhir
from nhsstd.identifiers import nhs_number as _nhs_number
from nhsstd.identifiers._common import mask
from nhsstd.models import Patient
from nhsstd.registers._core import Call, Environment, RateLimit, RegisterInfo, parse_json
from nhsstd.registers._errors import (
    InvalidParameter,
    MalformedResponse,
    error_from_outcome,
    is_operation_outcome,
)
from nhsstd.registers._transport import AsyncClientBase, Parse, SyncClientBase

if TYPE_CHECKING:
    import httpx

__all__ = [
    "PDS",
    "AsyncPdsClient",
    "PdsClient",
    "PdsMatch",
    "PdsPatient",
    "PdsRelatedPerson",
    "patient_patch",
]

_PATH = "/personal-demographics/FHIR/R4"

#: Published facts about PDS FHIR: base URLs and the default rate limit (5 TPS).
PDS = RegisterInfo(
    name="PDS",
    base_urls={env: env.api_platform_host + _PATH for env in Environment},
    rate_limit=RateLimit(5, 1.0),
    # A record is tens of kilobytes and a search returns at most 50 reduced ones.
    max_response_bytes=4 * 1024 * 1024,
)

_FHIR_JSON = "application/fhir+json"
_GENDERS = frozenset({"male", "female", "other", "unknown"})
_BIRTHDATE = re.compile(r"(eq|ge|le)?([0-9]{4})-([0-9]{2})-([0-9]{2})")
_RESTRICTED_CODES = frozenset({"R", "V"})
_ETAG = re.compile(r'W/"([^"]*)"')
MAX_FAMILY_LENGTH = 35
MAX_RESULTS = 50


@attrs.frozen(repr=False, eq=False)
class PdsPatient:
    """A PDS record: the :class:`nhsstd.models.Patient` plus what PDS says about the record.

    :param patient: the demographics as a :class:`nhsstd.models.Patient`.
    :param nhs_number: the record's NHS Number (compact).
    :param requested_nhs_number: the number asked for (``None`` for search
        results); differs from :attr:`nhs_number` when the record asked for was
        superseded (merged) and PDS returned its replacement.
    :param version_id: the record version, from the ``ETag`` (``W/"2"`` -> ``"2"``)
        or ``meta.versionId``; send it back as ``If-Match`` to update.
    :param etag: the ``ETag`` header as received.
    :param restricted: True for a restricted ("sensitive") record: PDS then
        removes the address, telecom and registered GP.
    :param verification_status: the NHS Number verification status code
        (``"01"`` = number present and verified).
    :param raw: the FHIR resource exactly as received.
    :param notices: what the FHIR serialiser noticed while reading :attr:`raw`, as
        :class:`nhsstd.fhir.FHIRWarning` objects, in order: a legacy URL replaced by its
        UK Core canonical form (PDS still sends some), or an identifier or postcode that
        failed validation and was kept unvalidated in ``patient.extras``.  They are
        collected here rather than issued with :mod:`warnings` (the client may run in
        any thread); log or inspect them as you see fit.
    """

    patient: Patient
    nhs_number: str
    requested_nhs_number: str | None
    version_id: str | None
    etag: str | None
    restricted: bool
    verification_status: str | None
    raw: Mapping[str, Any]
    notices: tuple[FHIRWarning, ...] = ()

    @property
    def superseded(self) -> bool:
        """True when PDS returned a different record from the one requested (a merge)."""
        return self.requested_nhs_number is not None and self.requested_nhs_number != self.nhs_number

    def __repr__(self) -> str:
        return (
            f"PdsPatient(nhs_number={mask(self.nhs_number)!r}, version_id={self.version_id!r}, "
            f"restricted={self.restricted}, superseded={self.superseded})"
        )


@attrs.frozen(repr=False, eq=False)
class PdsMatch:
    """One search result: the match :attr:`score` (1.0 = exact) and the :attr:`record`.

    PDS search results carry a reduced ``Patient`` (usual names and the home
    address only, for example).
    """

    score: float
    record: PdsPatient

    @property
    def patient(self) -> Patient:
        """The matched :class:`nhsstd.models.Patient`."""
        return self.record.patient

    def __repr__(self) -> str:
        return f"PdsMatch(score={self.score!r}, record={self.record!r})"


@attrs.frozen(repr=False, eq=False)
class PdsRelatedPerson:
    """Someone PDS holds as related to a patient (a FHIR ``RelatedPerson``).

    :param id: the related person's id within the patient's record.
    :param nhs_number: the related person's own NHS Number, when PDS links them to
        their own record (``RelatedPerson.patient``), else ``None``.
    :param relationships: the relationship codes (``MTH``, ``Guardian``...), in order.
    :param active: whether the relationship is current (``None`` if PDS did not say).
    :param raw: the FHIR resource exactly as received (names, telecom and address,
        when PDS holds them, are there).
    """

    id: str | None
    nhs_number: str | None
    relationships: tuple[str, ...]
    active: bool | None
    raw: Mapping[str, Any]

    def __repr__(self) -> str:
        number = None if self.nhs_number is None else mask(self.nhs_number)
        return (
            f"PdsRelatedPerson(id={self.id!r}, nhs_number={number!r}, "
            f"relationships={self.relationships!r}, active={self.active!r})"
        )


# -- requests (shared by the sync and async clients) -------------------------------------------------


def _get_call(nhs_number: str) -> tuple[Call, Parse[PdsPatient]]:
    """The read of *nhs_number* (validated here, before any request) and how to read its answer."""
    number = _nhs_number.validate(nhs_number)
    call = Call("GET", f"/Patient/{number}", label="GET /Patient/{id}")
    return call, functools.partial(_parse_patient, requested=number)


def _text_param(value: object, name: str, *, limit: int = 100, wildcard: bool) -> str:
    if not isinstance(value, str):
        raise InvalidParameter(f"{name} must be a str", parameter=name)
    text = value.strip()
    if not text:
        raise InvalidParameter(f"{name} is empty", parameter=name)
    if len(text) > limit:
        raise InvalidParameter(f"{name} is longer than {limit} characters", parameter=name)
    if not text.isprintable() or any(ord(char) < 32 for char in text):
        raise InvalidParameter(f"{name} contains a control or unprintable character", parameter=name)
    if "*" in text:
        if not wildcard:
            raise InvalidParameter(f"{name} may not contain the wildcard '*' here", parameter=name)
        if "*" in text[:2]:
            raise InvalidParameter(
                f"{name}: a wildcard is not allowed in the first two characters", parameter=name
            )
    return text


def _birthdates(value: object) -> list[str]:
    items: Sequence[object]
    if isinstance(value, (str, datetime.date)):
        items = [value]
    elif isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        items = value
    else:
        raise InvalidParameter(
            "birthdate must be a date, a string such as 'ge2010-01-01', or a list of them",
            parameter="birthdate",
        )
    if not 1 <= len(items) <= 2:
        raise InvalidParameter("birthdate takes one value, or two for a range", parameter="birthdate")
    result = []
    for item in items:
        if isinstance(item, datetime.datetime):
            raise InvalidParameter("birthdate must be a date, not a datetime", parameter="birthdate")
        if isinstance(item, datetime.date):
            result.append("eq" + item.isoformat())
            continue
        if not isinstance(item, str):
            raise InvalidParameter("birthdate must be a date or a string", parameter="birthdate")
        match = _BIRTHDATE.fullmatch(item.strip())
        if match is None:
            raise InvalidParameter(
                "birthdate must look like 2010-10-22, eq2010-10-22, ge... or le...", parameter="birthdate"
            )
        try:
            datetime.date(int(match[2]), int(match[3]), int(match[4]))
        except ValueError:
            raise InvalidParameter("birthdate is not a real calendar date", parameter="birthdate") from None
        result.append((match[1] or "eq") + item.strip()[len(match[1] or "") :])
    if len(result) == 2 and sorted(value[:2] for value in result) != ["ge", "le"]:
        raise InvalidParameter("a birthdate range needs one 'ge' and one 'le' value", parameter="birthdate")
    return result


def _search_call(
    *,
    family: str | None,
    given: str | Sequence[str] | None,
    gender: Any,
    birthdate: Any,
    postcode: str | None,
    email: str | None,
    phone: str | None,
    general_practitioner: str | None,
    fuzzy: bool,
    exact: bool,
    max_results: int | None,
    app_restricted: bool,
) -> Call:
    if not isinstance(fuzzy, bool) or not isinstance(exact, bool):
        raise InvalidParameter("fuzzy and exact must be True or False", parameter="fuzzy")
    if fuzzy and exact:
        raise InvalidParameter("a search cannot be both fuzzy and exact", parameter="exact")
    params: list[tuple[str, str]] = []
    if fuzzy:
        params.append(("_fuzzy-match", "true"))
    if exact:
        params.append(("_exact-match", "true"))
    if max_results is None and app_restricted:
        # PDS refuses an application-restricted search (403 INVALID_VALUE) unless
        # _max-results is 1, and its default is 50: send 1 rather than fail.
        max_results = 1
    if max_results is not None:
        if (
            isinstance(max_results, bool)
            or not isinstance(max_results, int)
            or not 1 <= max_results <= MAX_RESULTS
        ):
            raise InvalidParameter(
                f"max_results must be an integer from 1 to {MAX_RESULTS}", parameter="max_results"
            )
        if app_restricted and max_results != 1:
            raise InvalidParameter(
                "application-restricted access allows max_results=1 only", parameter="max_results"
            )
        params.append(("_max-results", str(max_results)))
    wildcard = not fuzzy
    if family is not None:
        text = _text_param(family, "family", limit=MAX_FAMILY_LENGTH, wildcard=wildcard)
        params.append(("family", text))
    givens: list[str] = []
    if given is not None:
        names = [given] if isinstance(given, str) else given
        if not isinstance(names, Sequence) or not names or len(names) > 5:
            raise InvalidParameter("given must be a name or a list of one to five names", parameter="given")
        givens = [_text_param(name, "given", limit=MAX_FAMILY_LENGTH, wildcard=wildcard) for name in names]
        params.extend(("given", name) for name in givens)
    if gender is not None:
        code = getattr(gender, "value", gender)
        if not isinstance(code, str) or code not in _GENDERS:
            raise InvalidParameter(
                "gender must be 'male', 'female', 'other' or 'unknown'", parameter="gender"
            )
        params.append(("gender", code))
    dates = _birthdates(birthdate) if birthdate is not None else []
    params.extend(("birthdate", value) for value in dates)
    if postcode is not None:
        text = _text_param(postcode, "postcode", limit=10, wildcard=wildcard)
        if not all(char.isascii() and (char.isalnum() or char in " *") for char in text):
            raise InvalidParameter(
                "postcode may contain only letters, digits, spaces and '*'", parameter="postcode"
            )
        params.append(("address-postalcode", text))
    if email is not None:
        text = _text_param(email, "email", limit=90, wildcard=False)
        if "@" not in text or " " in text:
            raise InvalidParameter("email is not an e-mail address", parameter="email")
        params.append(("email", text))
    if phone is not None:
        text = _text_param(phone, "phone", limit=30, wildcard=False)
        if not all(char.isascii() and (char.isdigit() or char in " +()-") for char in text):
            raise InvalidParameter("phone may contain only digits, spaces and + ( ) -", parameter="phone")
        params.append(("phone", text))
    if general_practitioner is not None:
        text = _text_param(general_practitioner, "general_practitioner", limit=9, wildcard=False)
        if not (text.isascii() and text.isalnum()):
            raise InvalidParameter(
                "general_practitioner must be an ODS code", parameter="general_practitioner"
            )
        params.append(("general-practitioner", text.upper()))

    has = {name for name, _ in params}
    if fuzzy:
        combos = (
            {"given", "family", "birthdate"},
            {"family", "birthdate", "gender", "address-postalcode"},
            {"given", "birthdate", "gender", "address-postalcode"},
        )
        if not any(combo <= has for combo in combos):
            raise InvalidParameter(
                "a fuzzy search needs given+family+birthdate, family+birthdate+gender+postcode "
                "or given+birthdate+gender+postcode",
                parameter="fuzzy",
            )
    elif not {"family", "birthdate"} <= has:
        raise InvalidParameter("a search needs at least family and birthdate", parameter="family")
    return Call("GET", "/Patient", label="GET /Patient?search", params=params)


def _version(etag: str | None, resource: Mapping[str, Any]) -> str | None:
    if etag:
        match = _ETAG.fullmatch(etag.strip())
        if match:
            return match[1]
    meta = resource.get("meta")
    version = meta.get("versionId") if isinstance(meta, Mapping) else None
    return version if isinstance(version, str) else None


def _restricted(resource: Mapping[str, Any]) -> bool:
    meta = resource.get("meta")
    security = meta.get("security") if isinstance(meta, Mapping) else None
    if not isinstance(security, list):
        return False
    return any(isinstance(item, Mapping) and item.get("code") in _RESTRICTED_CODES for item in security)


def _record(
    resource: Mapping[str, Any], *, requested: str | None, etag: str | None, request_id: str | None
) -> PdsPatient:
    if resource.get("resourceType") != "Patient":
        raise MalformedResponse("expected a FHIR Patient resource", request_id=request_id)
    # identifiers="warn": PDS is the authority for what it holds, so an identifier or postcode
    # that fails nhsstd's validation (an old address's postcode, say) must not make the whole
    # record unreadable; it is kept as sent in patient.extras, with a notice.  The record's
    # own NHS Number is required to be valid below.
    notices: list[FHIRWarning] = []
    try:
        patient = from_parsed_json(resource, Patient, identifiers="warn", on_warning=notices.append)
    except SerialisationError as error:
        # The problems name JSON paths and reasons, never values.
        paths = ", ".join(problem.path for problem in error.problems[:5])
        more = ", ..." if len(error.problems) > 5 else ""
        raise MalformedResponse(
            f"the Patient resource is not valid FHIR UK Core ({paths}{more})", request_id=request_id
        ) from error
    except (ValueError, TypeError) as error:  # pragma: no cover - from_fhir reports every problem above
        raise MalformedResponse("the Patient resource could not be read", request_id=request_id) from error
    if patient.nhs_number is None:
        raise MalformedResponse("the Patient has no valid NHS Number", request_id=request_id)
    status = patient.nhs_number_status
    return PdsPatient(
        patient=patient,
        nhs_number=patient.nhs_number.compact,
        requested_nhs_number=requested,
        version_id=_version(etag, resource),
        etag=etag,
        restricted=_restricted(resource),
        verification_status=None if status is None else status.code,
        raw=resource,
        notices=tuple(notices),
    )


def _parse_patient(response: httpx.Response, request_id: str, *, requested: str) -> PdsPatient:
    body = parse_json(response, request_id)
    return _record(body, requested=requested, etag=response.headers.get("ETag"), request_id=request_id)


def _parse_search(response: httpx.Response, request_id: str) -> list[PdsMatch]:
    body = parse_json(response, request_id)
    if is_operation_outcome(body):
        # PDS reports TOO_MANY_MATCHES with HTTP 200.
        raise error_from_outcome(response.status_code, body, request_id=request_id)
    if body.get("resourceType") != "Bundle":
        raise MalformedResponse("expected a FHIR Bundle", status=response.status_code, request_id=request_id)
    entries = body.get("entry", [])
    if not isinstance(entries, list):
        raise MalformedResponse("Bundle.entry is not a list", request_id=request_id)
    matches = []
    for entry in entries:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("resource"), Mapping):
            raise MalformedResponse("a Bundle entry has no resource", request_id=request_id)
        search = entry.get("search")
        score = search.get("score") if isinstance(search, Mapping) else None
        if isinstance(score, bool) or not isinstance(score, (int, float)) or not 0 <= score <= 1:
            score = 0.0
        matches.append(
            PdsMatch(
                float(score), _record(entry["resource"], requested=None, etag=None, request_id=request_id)
            )
        )
    matches.sort(key=lambda match: match.score, reverse=True)
    return matches


# -- the write path -----------------------------------------------------------------------------------

_PATCH_OPS = frozenset({"add", "replace", "remove", "test"})
_JSON_PATCH = "application/json-patch+json"
#: Keys of a Patient an update never sends: what PDS keeps itself.
_NOT_PATCHED = ("resourceType", "id", "meta")
_MAX_PATCHES = 100


def patient_patch(before: PdsPatient | Patient, after: Patient) -> list[dict[str, Any]]:
    """The JSON Patch (RFC 6902) that turns *before* into *after*, in the form PDS accepts.

    *before* is best the :class:`PdsPatient` just read: list items (names,
    addresses, telecoms, contacts, extensions) are matched by position, and a changed
    item is sent whole with the ``id`` PDS gave it, a new one is added at ``-`` (PDS
    numbers and orders list items itself), and a removed one is removed after a
    ``test`` of its ``id`` (or ``url``, or the whole item), as PDS requires.

    >>> import attrs
    >>> from nhsstd.codes import PersonStatedGenderCode
    >>> from nhsstd.identifiers.nhs_number import NHSNumber
    >>> from nhsstd.models import Patient
    >>> before = Patient(nhs_number=NHSNumber.parse("943 476 5919"))
    >>> patient_patch(before, attrs.evolve(before, stated_gender=PersonStatedGenderCode.MALE))
    [{'op': 'add', 'path': '/gender', 'value': 'male'}]

    :raises InvalidParameter: *after* has another NHS Number (PDS never changes one).
    """
    if not isinstance(after, Patient):
        raise InvalidParameter("after must be an nhsstd.models.Patient", parameter="after")
    if isinstance(before, PdsPatient):
        old = to_fhir(before.patient)
    elif isinstance(before, Patient):
        old = to_fhir(before)
    else:
        raise InvalidParameter("before must be a PdsPatient or an nhsstd.models.Patient", parameter="before")
    new = to_fhir(after)
    if old.get("identifier") != new.get("identifier"):
        raise InvalidParameter("an update cannot change the NHS Number", parameter="after")
    patch: list[dict[str, Any]] = []
    for key in sorted((set(old) | set(new)) - {"identifier", *_NOT_PATCHED}):
        was, now = old.get(key), new.get(key)
        if was == now:
            continue
        if isinstance(was, list) or isinstance(now, list):
            patch.extend(
                _list_patch(key, was if isinstance(was, list) else [], now if isinstance(now, list) else [])
            )
        elif now is None:
            patch.append({"op": "remove", "path": f"/{key}"})
        else:
            patch.append({"op": "add" if was is None else "replace", "path": f"/{key}", "value": now})
    return patch


def _list_patch(key: str, was: list[Any], now: list[Any]) -> list[dict[str, Any]]:
    patch: list[dict[str, Any]] = []
    for index, (old_item, new_item) in enumerate(zip(was, now, strict=False)):
        if old_item != new_item:
            value = new_item
            if isinstance(old_item, dict) and isinstance(new_item, dict) and "id" in old_item:
                value = {**new_item, "id": new_item.get("id", old_item["id"])}
            patch.append({"op": "replace", "path": f"/{key}/{index}", "value": value})
    # A new item goes without an id: PDS gives it one (an id sent would be another item's).
    patch.extend({"op": "add", "path": f"/{key}/-", "value": _without_id(item)} for item in now[len(was) :])
    # From the last down, so that no removal moves an item still to be removed.
    for index in range(len(was) - 1, len(now) - 1, -1):
        item = was[index]
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            patch.append({"op": "test", "path": f"/{key}/{index}/id", "value": item["id"]})
        elif isinstance(item, dict) and isinstance(item.get("url"), str):
            patch.append({"op": "test", "path": f"/{key}/{index}/url", "value": item["url"]})
        else:
            patch.append({"op": "test", "path": f"/{key}/{index}", "value": item})
        patch.append({"op": "remove", "path": f"/{key}/{index}"})
    return patch


def _without_id(item: Any) -> Any:
    return {name: value for name, value in item.items() if name != "id"} if isinstance(item, dict) else item


def _checked_patch(patch: object) -> list[dict[str, Any]]:
    """*patch* as a list of JSON Patch operations, each checked (never echoing a value)."""
    if isinstance(patch, (str, bytes, Mapping)) or not isinstance(patch, Sequence):
        raise InvalidParameter("patch must be a list of JSON Patch operations", parameter="patch")
    if not 1 <= len(patch) <= _MAX_PATCHES:
        raise InvalidParameter(f"patch must hold from 1 to {_MAX_PATCHES} operations", parameter="patch")
    checked = []
    for number, operation in enumerate(patch):
        where = f"patch operation {number}"
        if not isinstance(operation, Mapping):
            raise InvalidParameter(f"{where} is not an object", parameter="patch")
        op, path = operation.get("op"), operation.get("path")
        if op not in _PATCH_OPS:
            raise InvalidParameter(f"{where}: op must be add, replace, remove or test", parameter="patch")
        if not isinstance(path, str) or not path.startswith("/") or len(path) > 200:
            raise InvalidParameter(f"{where}: path must be a JSON Pointer such as /gender", parameter="patch")
        allowed = {"op", "path"} if op == "remove" else {"op", "path", "value"}
        if set(operation) - allowed:
            raise InvalidParameter(f"{where}: unexpected members for '{op}'", parameter="patch")
        if op != "remove" and "value" not in operation:
            raise InvalidParameter(f"{where}: '{op}' needs a value", parameter="patch")
        checked.append(dict(operation))
    return checked


def _if_match(etag: object) -> str:
    """``W/"<version>"`` from an ETag as read, a bare version, or the :class:`PdsPatient` read."""
    if isinstance(etag, PdsPatient):
        etag = etag.etag if etag.etag else etag.version_id
    if not isinstance(etag, str):
        raise InvalidParameter("etag must be the ETag (or version) of the record read", parameter="etag")
    text = etag.strip()
    match = _ETAG.fullmatch(text)
    version = match[1] if match else text
    if not (version.isascii() and version.isdigit() and len(version) <= 12):
        raise InvalidParameter('etag must look like W/"2" (or the version, "2")', parameter="etag")
    return f'W/"{version}"'


def _update_call(nhs_number: str, patch: object, etag: object) -> tuple[Call, Parse[PdsPatient]]:
    """The update of *nhs_number* with *patch* at version *etag* (all checked first)."""
    number = _nhs_number.validate(nhs_number)
    try:
        body = json.dumps({"patches": _checked_patch(patch)}, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        # A value JSON cannot hold (NaN, a date, a non-string key) or nested past Python's limit;
        # the message names neither, since a value may be personal data.
        message = "patch values must be JSON (no NaN, dates or deep nesting)"
        raise InvalidParameter(message, parameter="patch") from None
    call = Call(
        "PATCH",
        f"/Patient/{number}",
        label="PATCH /Patient/{id}",
        headers={"Content-Type": _JSON_PATCH, "If-Match": _if_match(etag)},
        content=body.encode("utf-8"),
        # PDS may have applied a write whose answer was lost: it is sent again only when it
        # cannot have arrived (see nhsstd.registers._core); the If-Match version keeps a
        # resubmission from applying twice.
        idempotent=False,
    )
    return call, functools.partial(_parse_patient, requested=number)


def _related_call(nhs_number: str) -> Call:
    number = _nhs_number.validate(nhs_number)
    return Call("GET", f"/Patient/{number}/RelatedPerson", label="GET /Patient/{id}/RelatedPerson")


def _related_person(resource: object, request_id: str) -> PdsRelatedPerson:
    if not isinstance(resource, Mapping) or resource.get("resourceType") != "RelatedPerson":
        raise MalformedResponse("expected a FHIR RelatedPerson resource", request_id=request_id)
    reference = resource.get("patient")
    identifier = reference.get("identifier") if isinstance(reference, Mapping) else None
    value = identifier.get("value") if isinstance(identifier, Mapping) else None
    # A number that is not valid is not the person's NHS Number (PDS's own examples have one).
    nhs_number = value if isinstance(value, str) and _nhs_number.is_valid(value) else None
    relationships = []
    concepts = resource.get("relationship", [])
    if not isinstance(concepts, list):  # FHIR: 0..* CodeableConcept, a JSON array
        raise MalformedResponse("RelatedPerson.relationship is not a list", request_id=request_id)
    for concept in concepts:
        codings = concept.get("coding") if isinstance(concept, Mapping) else None
        for coding in codings if isinstance(codings, list) else ():
            if isinstance(coding, Mapping) and isinstance(coding.get("code"), str):
                relationships.append(coding["code"])
    active = resource.get("active")
    identity = resource.get("id")
    return PdsRelatedPerson(
        id=identity if isinstance(identity, str) else None,
        nhs_number=None if nhs_number is None else _nhs_number.compact(nhs_number),
        relationships=tuple(relationships),
        active=active if isinstance(active, bool) else None,
        raw=resource,
    )


def _parse_related(response: httpx.Response, request_id: str) -> list[PdsRelatedPerson]:
    body = parse_json(response, request_id)
    if body.get("resourceType") != "Bundle":
        raise MalformedResponse("expected a FHIR Bundle", status=response.status_code, request_id=request_id)
    entries = body.get("entry", [])
    if not isinstance(entries, list):
        raise MalformedResponse("Bundle.entry is not a list", request_id=request_id)
    return [
        _related_person(entry.get("resource") if isinstance(entry, Mapping) else None, request_id)
        for entry in entries
    ]


def _is_app_restricted(auth: object) -> bool:
    from nhsstd.registers.auth import SignedJwtAuth

    return isinstance(auth, SignedJwtAuth)


class PdsClient(SyncClientBase):
    """Synchronous PDS FHIR client.  Parameters: see :class:`~nhsstd.registers._transport.SyncClientBase`."""

    _info: ClassVar[RegisterInfo] = PDS
    _accept: ClassVar[str] = _FHIR_JSON

    def get_patient(self, nhs_number: str) -> PdsPatient:
        """The PDS record for *nhs_number* (any written form; validated first).

        :raises nhsstd.exceptions.ValidationError: the number is not valid
            (no request is made).
        :raises NotFound: no such record; :class:`Invalidated` if it was invalidated.
        """
        return self._request(*_get_call(nhs_number))

    def search_patients(
        self,
        *,
        family: str | None = None,
        given: str | Sequence[str] | None = None,
        gender: Any = None,
        birthdate: Any = None,
        postcode: str | None = None,
        fuzzy: bool = False,
        exact: bool = False,
        max_results: int | None = None,
        email: str | None = None,
        phone: str | None = None,
        general_practitioner: str | None = None,
    ) -> list[PdsMatch]:
        """Search PDS; the matches, best score first (an empty list for none).

        :param family: family name; ``*`` is a wildcard after the first two
            characters (not in fuzzy searches).
        :param given: one given name, or a list of them.
        :param gender: ``"male"``, ``"female"``, ``"other"``, ``"unknown"`` (or an
            :class:`nhsstd.codes.AdministrativeGender`).
        :param birthdate: a ``datetime.date``, ``"2010-10-22"``, a prefixed
            ``"ge2010-01-01"`` / ``"le..."``, or a ``[ge, le]`` pair for a range.
        :param postcode: the home postcode (spaces ignored by PDS).
        :param fuzzy: a fuzzy (phonetic, transposition-tolerant) search.
        :param exact: exact matching only.
        :param max_results: 1 to 50 (application-restricted access: 1, sent by default).
        :raises InvalidParameter: an impossible combination (checked locally).
        :raises TooManyMatches: the search matched more than PDS will return.
        """
        call = _search_call(
            family=family,
            given=given,
            gender=gender,
            birthdate=birthdate,
            postcode=postcode,
            email=email,
            phone=phone,
            general_practitioner=general_practitioner,
            fuzzy=fuzzy,
            exact=exact,
            max_results=max_results,
            app_restricted=_is_app_restricted(self._auth or self._client.auth),
        )
        return self._request(call, _parse_search)

    def update_patient(
        self, nhs_number: str, patch: Sequence[Mapping[str, Any]], *, etag: str | PdsPatient
    ) -> PdsPatient:
        """Apply *patch* to the record of *nhs_number* if it is still at version *etag*; the updated record.

        :param patch: JSON Patch operations (``add``, ``replace``, ``remove``, ``test``),
            from :func:`patient_patch` or written out; PDS applies all or none.
        :param etag: the :attr:`PdsPatient.etag` of the read the change is based on
            (``W/"2"``), its version (``"2"``), or the :class:`PdsPatient` itself.
        :raises VersionConflict: the record changed since that read (PDS
            ``RESOURCE_VERSION_MISMATCH``, HTTP 409; ``PRECONDITION_FAILED``, 412):
            read it again and redo the change.
        :raises InvalidPatch: PDS refused the patch (``INVALID_UPDATE``, HTTP 400).
        :raises Forbidden: this change is not allowed (``FORBIDDEN_UPDATE``, HTTP 403),
            or not with this access mode.
        :raises InvalidParameter: the patch or etag is not well formed (no request made).

        The write is retried only when it cannot have reached PDS (no connection, the
        token endpoint failed, HTTP 429); after a timeout or a 5xx, read the record
        again to see whether it was applied.
        """
        return self._request(*_update_call(nhs_number, patch, etag))

    def get_related_persons(self, nhs_number: str) -> list[PdsRelatedPerson]:
        """The people PDS holds as related to the patient *nhs_number* (an empty list for none)."""
        return self._request(_related_call(nhs_number), _parse_related)


class AsyncPdsClient(AsyncClientBase):
    """Asynchronous PDS FHIR client; the same calls as :class:`PdsClient`, awaited.

    >>> import asyncio
    >>> from nhsstd.testing.sandbox import Sandbox
    >>> async def main(url):
    ...     async with AsyncPdsClient(base_url=url) as pds:
    ...         return await pds.get_patient("9000000033")
    >>> with Sandbox() as sandbox:
    ...     asyncio.run(main(sandbox.pds_url)).patient.names
    ()
    """

    _info: ClassVar[RegisterInfo] = PDS
    _accept: ClassVar[str] = _FHIR_JSON

    async def get_patient(self, nhs_number: str) -> PdsPatient:
        """See :meth:`PdsClient.get_patient`."""
        return await self._request(*_get_call(nhs_number))

    async def search_patients(
        self,
        *,
        family: str | None = None,
        given: str | Sequence[str] | None = None,
        gender: Any = None,
        birthdate: Any = None,
        postcode: str | None = None,
        fuzzy: bool = False,
        exact: bool = False,
        max_results: int | None = None,
        email: str | None = None,
        phone: str | None = None,
        general_practitioner: str | None = None,
    ) -> list[PdsMatch]:
        """See :meth:`PdsClient.search_patients`."""
        call = _search_call(
            family=family,
            given=given,
            gender=gender,
            birthdate=birthdate,
            postcode=postcode,
            email=email,
            phone=phone,
            general_practitioner=general_practitioner,
            fuzzy=fuzzy,
            exact=exact,
            max_results=max_results,
            app_restricted=_is_app_restricted(self._auth or self._client.auth),
        )
        return await self._request(call, _parse_search)

    async def update_patient(
        self, nhs_number: str, patch: Sequence[Mapping[str, Any]], *, etag: str | PdsPatient
    ) -> PdsPatient:
        """See :meth:`PdsClient.update_patient`."""
        return await self._request(*_update_call(nhs_number, patch, etag))

    async def get_related_persons(self, nhs_number: str) -> list[PdsRelatedPerson]:
        """See :meth:`PdsClient.get_related_persons`."""
        return await self._request(_related_call(nhs_number), _parse_related)

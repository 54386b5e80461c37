"""The PDS FHIR part of the sandbox: the published sandbox's behaviours, and a few additions.

As published (``NHSDigital/personal-demographics-service-api`` sandbox):

====================================  ===============================================
``GET /Patient/9000000009``           200, the full record (Jane Smith)
``GET /Patient/9000000025``           200, a restricted record (no address, telecom, GP)
``GET /Patient/9000000033``           200, a minimal record
any other valid NHS Number            404 ``RESOURCE_NOT_FOUND``
an invalid NHS Number                 400 ``INVALID_RESOURCE_ID``
no ``X-Request-ID`` / not a UUID      400 ``MISSING_VALUE`` / ``INVALID_VALUE``
``Authorization`` not ``Bearer x``    401 ``ACCESS_DENIED``
====================================  ===============================================

Searches: ``family=Smith&gender=female&birthdate=eq2010-10-22&email=jane.smith@example.com&phone=01632960587``
(one match), ``family=Sm*&gender=female&birthdate=eq2010-10-22`` (two),
``_fuzzy-match=true&family=Smith&given=Jane&gender=female&birthdate=eq2010-10-22`` (one, score 0.8),
``family=Smythe`` (the restricted record; the specification's example is
``family=Smythe&given=Janet&...&birthdate=eq2005-06-16``); any other valid search gives an
empty search set.

Updates (``PATCH /Patient/{id}``), as the published sandbox answers them: the body is
``{"patches": [JSON Patch operations]}``; no ``If-Match`` gives 412
``PRECONDITION_FAILED``; an ``If-Match`` other than ``W/"<current version>"`` gives 409
``RESOURCE_VERSION_MISMATCH``; no patches, or a patch PDS's rules refuse, gives 400
``INVALID_UPDATE``; an unknown ``op`` gives 400 ``INVALID_VALUE``; adding a second usual
name gives 403 ``FORBIDDEN_UPDATE``.  A good patch is applied whole, the version goes up
by one, and the answer is the updated record with its new ``ETag``.  The records are kept
per sandbox (versioned) until :meth:`PdsHandler.reset`.

PDS's patch rules applied (from the published specification of the update endpoint): a
change inside a list item (``/address/0/line/0``) needs that item's ``id`` given earlier in
the patch, and a whole item replaced must carry its ``id``; a removal of a list item must
come straight after a ``test`` of its ``id``, ``url`` or whole value; a new list item is
added at ``-``; and the result must still be a valid UK Core Patient.

``GET /Patient/{id}/RelatedPerson`` answers a search set: one related person (the mother,
9000000017) for 9000000009, none for the other records.

nhsstd's additions, for behaviours the published sandbox has no example of:

* ``GET /Patient/9000000041`` returns the record of 9000000009 (a superseded number);
* ``GET /Patient/9000000068`` gives 404 ``INVALIDATED_RESOURCE``;
* ``family=Jones`` (with any birth date) gives HTTP 200 ``TOO_MANY_MATCHES``, as does any
  search with more matches than ``_max-results``;
* an update of ``/id``, ``/identifier``, ``/meta`` or ``/resourceType`` gives 403
  ``FORBIDDEN_UPDATE``.
"""

from __future__ import annotations

import copy
import datetime
import json
import re
import secrets
import threading
from collections.abc import Callable
from importlib import resources
from typing import Any

from nhsstd.identifiers import nhs_number
from nhsstd.identifiers._common import UUID
from nhsstd.testing._sandbox._http import FHIR_JSON, Request, Response, json_response, outcome

PREFIX = "/personal-demographics/FHIR/R4"

FULL = "9000000009"
SECOND_MATCH = "9000000017"
RESTRICTED = "9000000025"
MINIMAL = "9000000033"
SUPERSEDED = "9000000041"
INVALIDATED = "9000000068"
NOT_FOUND = "9111231130"
INVALID = "9000000000"

_BIRTHDATE = re.compile(r"(eq|ge|le)?[0-9]{4}-[0-9]{2}-[0-9]{2}")
_BEARER = re.compile(r"Bearer [A-Za-z0-9]+")
_VALID_PARAMS = frozenset(
    {
        "_fuzzy-match",
        "_exact-match",
        "_history",
        "_max-results",
        "family",
        "given",
        "gender",
        "birthdate",
        "death-date",
        "address-postcode",
        "address-postalcode",
        "general-practitioner",
        "email",
        "phone",
    }
)
_LOCATION_EXTENSIONS = ("NominatedPharmacy", "PreferredDispenserOrganization", "MedicalApplianceSupplier")


def _load(name: str) -> dict[str, Any]:
    folder = resources.files("nhsstd.testing._sandbox").joinpath("data").joinpath("pds")
    data = folder.joinpath(name).read_text("utf-8")
    document: dict[str, Any] = json.loads(data)
    return document


def _renumber(resource: dict[str, Any], number: str) -> dict[str, Any]:
    resource = copy.deepcopy(resource)
    resource["id"] = number
    for identifier in resource.get("identifier", []):
        if identifier.get("system") == "https://fhir.nhs.uk/Id/nhs-number":
            identifier["value"] = number
    return resource


def _restrict(resource: dict[str, Any]) -> dict[str, Any]:
    """What PDS does to a restricted record: security label R; location data removed."""
    resource = copy.deepcopy(resource)
    resource["meta"]["security"] = [
        {
            "system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality",
            "code": "R",
            "display": "restricted",
        }
    ]
    for key in ("address", "telecom", "generalPractitioner", "contact"):
        resource.pop(key, None)
    resource["extension"] = [
        ext
        for ext in resource.get("extension", [])
        if not any(name in ext.get("url", "") for name in _LOCATION_EXTENSIONS)
    ]
    return resource


class PdsData:
    """The records the sandbox serves (loaded once; never modified)."""

    def __init__(self) -> None:
        full = _load("Patient.json")
        minimal = _load("Minimal_Patient.json")
        search = _load("PatientSearch.json")
        full_search = search["entry"][0]["resource"]
        restricted = _restrict(_renumber(full, RESTRICTED))
        restricted["name"][0]["given"] = ["Janet"]
        restricted["name"][0]["family"] = "Smythe"
        restricted["birthDate"] = "2005-06-16"
        restricted_search = _restrict(_renumber(full_search, RESTRICTED))
        restricted_search["name"][0]["given"] = ["Janet"]
        restricted_search["name"][0]["family"] = "Smythe"
        restricted_search["birthDate"] = "2005-06-16"
        self.records: dict[str, dict[str, Any]] = {FULL: full, RESTRICTED: restricted, MINIMAL: minimal}
        self.aliases: dict[str, str] = {SUPERSEDED: FULL}
        self.search_records: dict[str, dict[str, Any]] = {
            FULL: full_search,
            SECOND_MATCH: _renumber(full_search, SECOND_MATCH),
            RESTRICTED: restricted_search,
        }


_DATA: PdsData | None = None


def data() -> PdsData:
    """The shared, read-only sandbox records."""
    global _DATA
    if _DATA is None:
        _DATA = PdsData()
    return _DATA


def _scenario(params: dict[str, list[str]]) -> list[tuple[str, float]] | str:
    """The matches (NHS Number, score) of a search, or ``"too-many"``."""

    def one(name: str) -> str | None:
        values = params.get(name, [])
        return values[0] if len(values) == 1 else None

    family = (one("family") or "").lower()
    given = [value.lower() for value in params.get("given", [])]
    gender = one("gender")
    birthdate = [
        value if value[:2] in ("eq", "ge", "le") else "eq" + value for value in params.get("birthdate", [])
    ]
    fuzzy = one("_fuzzy-match") == "true"
    keys = set(params) - {"_max-results", "_exact-match", "_history"}
    if family == "jones":
        return "too-many"
    if fuzzy:
        if (
            keys == {"_fuzzy-match", "family", "given", "gender", "birthdate"}
            and family == "smith"
            and given == ["jane"]
            and gender == "female"
            and birthdate == ["eq2010-10-22"]
        ):
            return [(FULL, 0.8)]
        return []
    if (
        keys == {"family", "gender", "birthdate", "email", "phone"}
        and family == "smith"
        and gender == "female"
        and birthdate == ["eq2010-10-22"]
        and one("email") == "jane.smith@example.com"
        and one("phone") == "01632960587"
    ):
        return [(FULL, 1.0)]
    if (
        keys == {"family", "gender", "birthdate"}
        and family == "sm*"
        and gender == "female"
        and birthdate == ["eq2010-10-22"]
    ):
        return [(FULL, 1.0), (SECOND_MATCH, 1.0)]
    if family == "smythe":
        # As the published sandbox does (its mock answers any non-fuzzy Smythe search so; the
        # specification's example is family=Smythe&given=Janet&...&birthdate=eq2005-06-16).
        return [(RESTRICTED, 1.0)]
    return []


class PdsHandler:
    """Answers PDS requests below :data:`PREFIX`; holds this sandbox's (versioned) records."""

    def __init__(
        self, *, base_url: Callable[[], str], token_check: Callable[[str | None], bool] | None
    ) -> None:
        self._base_url = base_url
        self._token_check = token_check
        self.data = data()
        self._lock = threading.Lock()
        self._records: dict[str, dict[str, Any]] = {}
        self.reset()

    def reset(self) -> None:
        """Put every record back as published (undo the updates)."""
        with self._lock:
            self._records = copy.deepcopy(self.data.records)

    def _headers(self, request: Request) -> Response | None:
        request_id = request.header("X-Request-ID")
        if request_id is None:
            return outcome(
                400,
                "value",
                spine_code="MISSING_VALUE",
                display="Required value is missing",
                diagnostics="Invalid request with error - X-Request-ID header must be supplied "
                "to access this resource",
            )
        if not UUID.fullmatch(request_id):
            return outcome(
                400,
                "value",
                spine_code="INVALID_VALUE",
                display="Provided value is invalid",
                diagnostics="Invalid value - X-Request-ID header must be a UUID",
            )
        authorization = request.header("Authorization")
        if self._token_check is not None:
            if not self._token_check(authorization):
                return outcome(
                    401,
                    "forbidden",
                    spine_code="ACCESS_DENIED",
                    display="Access denied",
                    diagnostics="Missing or invalid access token",
                )
        elif authorization is not None and not _BEARER.fullmatch(authorization):
            return outcome(
                401,
                "forbidden",
                spine_code="ACCESS_DENIED",
                display="Access denied",
                diagnostics="Invalid Access Token",
            )
        return None

    def handle(self, request: Request, path: str) -> Response:
        problem = self._headers(request)
        if problem is not None:
            return problem
        if path == "/Patient" and request.method == "GET":
            return self._search(request)
        if path.startswith("/Patient/") and path.count("/") == 2 and request.method == "GET":
            return self._read(path[len("/Patient/") :])
        if path.startswith("/Patient/") and path.count("/") == 2 and request.method == "PATCH":
            return self._update(request, path[len("/Patient/") :])
        related = path.startswith("/Patient/") and path.endswith("/RelatedPerson") and path.count("/") == 3
        if related and request.method == "GET":
            return self._related(path.split("/")[2])
        if path.startswith("/Patient"):
            return outcome(
                405,
                "not-supported",
                spine_code="UNSUPPORTED_SERVICE",
                display="Unsupported Service",
                diagnostics="this sandbox serves GET only",
            )
        return outcome(404, "not-found", diagnostics="no such PDS endpoint")

    def _find(self, number: str) -> tuple[str, dict[str, Any]] | Response:
        """The record's own number and the record (call under the lock), or the error answer."""
        if not nhs_number.is_valid(number) or not number.isdigit():
            return outcome(400, "value", spine_code="INVALID_RESOURCE_ID", display="Resource Id is invalid")
        if number == INVALIDATED:
            return outcome(
                404,
                "not-found",
                spine_code="INVALIDATED_RESOURCE",
                display="Resource that has been marked as invalid was requested",
            )
        own = self.data.aliases.get(number, number)
        record = self._records.get(own)
        if record is None:
            return outcome(404, "not-found", spine_code="RESOURCE_NOT_FOUND", display="Resource not found")
        return own, record

    def _read(self, number: str) -> Response:
        with self._lock:
            found = self._find(number)
            if isinstance(found, Response):
                return found
            return _record_response(found[1])

    def _update(self, request: Request, number: str) -> Response:
        with self._lock:
            found = self._find(number)
            if isinstance(found, Response):
                return found
            own, record = found
            if request.header("If-Match") is None:
                return outcome(
                    412,
                    "value",
                    spine_code="PRECONDITION_FAILED",
                    display="Required condition was not fulfilled",
                    diagnostics="Invalid request with error - If-Match header must be supplied "
                    "to update this resource",
                )
            if not (request.header("Content-Type") or "").startswith("application/json"):
                return outcome(
                    400, "not-supported", spine_code="UNSUPPORTED_SERVICE", display="Unsupported Service"
                )
            try:
                body = json.loads(request.body)
            except (ValueError, RecursionError):
                body = None
            patches = body.get("patches") if isinstance(body, dict) else None
            if not isinstance(patches, list) or not patches:
                return _invalid_update("No patches found")
            if request.header("If-Match") != f'W/"{_version(record)}"':
                return outcome(
                    409,
                    "conflict",
                    spine_code="RESOURCE_VERSION_MISMATCH",
                    display="Resource version mismatch",
                    diagnostics="Invalid update with error - This resource has changed since you "
                    "last read. Please re-read and try again with the new version number.",
                )
            result = _apply(record, patches)
            if isinstance(result, Response):
                return result
            result["meta"] = {**result.get("meta", {}), "versionId": str(int(_version(record)) + 1)}
            self._records[own] = result
            return _record_response(result)

    def _related(self, number: str) -> Response:
        with self._lock:
            found = self._find(number)
            if isinstance(found, Response):
                return found
            own = found[0]
        people = [_related_person(own, self._base_url())] if own == FULL else []
        bundle = {
            "resourceType": "Bundle",
            "type": "searchset",
            "timestamp": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "total": len(people),
            "entry": [
                {"fullUrl": f"{self._base_url()}/Patient/{own}/RelatedPerson/{p['id']}", "resource": p}
                for p in people
            ],
        }
        return json_response(200, bundle, content_type=FHIR_JSON)

    def _search(self, request: Request) -> Response:
        params: dict[str, list[str]] = {}
        for key, value in request.query:
            params.setdefault(key, []).append(value)
        if not params:
            return outcome(
                400, "not-supported", spine_code="UNSUPPORTED_SERVICE", display="Unsupported Service"
            )
        unknown = set(params) - _VALID_PARAMS
        if unknown:
            return outcome(
                400,
                "structure",
                spine_code="ADDITIONAL_PROPERTIES",
                display="Additional properties should not be included",
                diagnostics="Invalid request with error - unknown search parameter",
            )
        if "birthdate" not in params:
            return outcome(
                400,
                "required",
                spine_code="MISSING_VALUE",
                display="Required value is missing",
                diagnostics="Missing value - 'birthdate'",
            )
        if "family" not in params:
            return outcome(
                400,
                "invalid",
                spine_code="INVALID_SEARCH_DATA",
                display="Search data is invalid",
                diagnostics="Not enough search parameters were provided to be able to make a search",
            )
        for value in params["birthdate"]:
            if not _BIRTHDATE.fullmatch(value) or not _real_date(value):
                return outcome(
                    400,
                    "invalid",
                    spine_code="INVALID_SEARCH_DATA",
                    display="Search data is invalid",
                    diagnostics="Invalid value - 'birthdate'",
                )
        maximum = 50
        if "_max-results" in params:
            text = params["_max-results"][0]
            if not (text.isascii() and text.isdigit() and 1 <= int(text) <= 50):
                return outcome(
                    400,
                    "value",
                    spine_code="INVALID_VALUE",
                    display="Provided value is invalid",
                    diagnostics="Invalid value - '_max-results' must be between 1 and 50",
                )
            maximum = int(text)
        matches = _scenario(params)
        if isinstance(matches, str) or len(matches) > maximum:
            return outcome(200, "multiple-matches", spine_code="TOO_MANY_MATCHES", display="Too Many Matches")
        base = self._base_url()
        entries = [
            {
                "fullUrl": f"{base}/Patient/{number}",
                "search": {"score": score},
                "resource": self.data.search_records[number],
            }
            for number, score in matches
        ]
        bundle = {
            "resourceType": "Bundle",
            "type": "searchset",
            "timestamp": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "total": len(entries),
            "entry": entries,
        }
        return json_response(200, bundle, content_type=FHIR_JSON)


def _version(record: dict[str, Any]) -> str:
    version = record.get("meta", {}).get("versionId", "1")
    return str(version)


def _record_response(record: dict[str, Any]) -> Response:
    return json_response(200, record, content_type=FHIR_JSON, headers={"ETag": f'W/"{_version(record)}"'})


def _related_person(number: str, base_url: str) -> dict[str, Any]:
    """The sandbox's one related person: the mother of *number*, who has a record of her own."""
    return {
        "resourceType": "RelatedPerson",
        "id": "RP000001",
        "active": True,
        "patient": {
            "type": "Patient",
            "identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": SECOND_MATCH},
            "reference": f"{base_url}/Patient/{SECOND_MATCH}",
        },
        "relationship": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
                        "code": "MTH",
                        "display": "mother",
                    }
                ]
            }
        ],
        "name": [{"use": "usual", "given": ["Joan"], "family": "Smith"}],
    }


# Spine code -> (HTTP status, FHIR issue type, display, start of the diagnostics).
_UPDATE_REFUSALS = {
    "INVALID_UPDATE": (400, "structure", "Update is invalid", "Invalid update"),
    "FORBIDDEN_UPDATE": (403, "forbidden", "Update is forbidden", "Forbidden update"),
}


def _refused_update(spine_code: str, reason: str) -> Response:
    status, fhir_code, display, what = _UPDATE_REFUSALS[spine_code]
    return outcome(
        status, fhir_code, spine_code=spine_code, display=display, diagnostics=f"{what} with error - {reason}"
    )


def _invalid_update(reason: str) -> Response:
    return _refused_update("INVALID_UPDATE", reason)


def _forbidden_update(reason: str) -> Response:
    return _refused_update("FORBIDDEN_UPDATE", reason)


#: Lists whose items PDS gives an ``id`` (to be mirrored back in updates).
_ID_LISTS = frozenset({"name", "address", "telecom", "contact"})
_FIXED = frozenset({"id", "identifier", "meta", "resourceType"})
_OPS = frozenset({"add", "replace", "remove", "test"})


class _PatchError(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


def _pointer(path: str) -> list[str]:
    """The tokens of a JSON Pointer (RFC 6901)."""
    if not path.startswith("/"):
        raise _PatchError(_invalid_update(f"Invalid patch - path '{path[:50]}' is not a JSON Pointer"))
    return [token.replace("~1", "/").replace("~0", "~") for token in path[1:].split("/")]


def _apply(record: dict[str, Any], patches: list[Any]) -> dict[str, Any] | Response:
    """*record* with *patches* applied by PDS's rules, or the error answer (nothing applied)."""
    for operation in patches:
        if not isinstance(operation, dict) or operation.get("op") not in _OPS:
            op = operation.get("op") if isinstance(operation, dict) else None
            return outcome(
                400,
                "value",
                spine_code="INVALID_VALUE",
                display="Provided value is invalid",
                diagnostics=f"Invalid value - '{str(op)[:20]}' in field 'op'",
            )
    result = copy.deepcopy(record)
    given: set[str] = set()  # the list items ("/address/0") whose id the patch has given
    try:
        for index, operation in enumerate(patches):
            _apply_one(result, operation, patches[index - 1] if index else None, given)
    except _PatchError as error:
        return error.response
    problem = _invalid_patient(result)
    if problem is not None:
        return _invalid_update(problem)
    return result


def _apply_one(
    record: dict[str, Any], operation: dict[str, Any], previous: dict[str, Any] | None, given: set[str]
) -> None:
    op, path = operation["op"], operation.get("path")
    if not isinstance(path, str):
        raise _PatchError(_invalid_update("Invalid patch - a path is missing"))
    tokens = _pointer(path)
    if tokens[0] in _FIXED:
        raise _PatchError(_forbidden_update(f"'{tokens[0]}' cannot be changed"))
    if op != "remove" and "value" not in operation:
        raise _PatchError(_invalid_update(f"Invalid patch - '{op}' needs a value"))
    value = operation.get("value")
    top = record.get(tokens[0])
    if isinstance(top, list) and len(tokens) >= 2 and tokens[1] != "-":
        _check_item_rule(record, tokens, op, value, previous, given)
    if op == "add" and len(tokens) == 2 and tokens[1] != "-" and tokens[0] in record:
        raise _PatchError(_invalid_update(f"Invalid patch - add a new '{tokens[0]}' at /{tokens[0]}/-"))
    usual = isinstance(value, dict) and value.get("use") == "usual"
    has_usual = any(isinstance(name, dict) and name.get("use") == "usual" for name in record.get("name", []))
    if op == "add" and tokens == ["name", "-"] and usual and has_usual:
        raise _PatchError(_forbidden_update("multiple usual names cannot be added"))
    if (
        op == "add"
        and len(tokens) == 2
        and tokens[1] == "-"
        and tokens[0] in _ID_LISTS
        and isinstance(value, dict)
    ):
        value = {**value, "id": secrets.token_hex(4).upper()}  # PDS gives new items their id
    parent: Any = record
    for token in tokens[:-1]:
        parent = _child(parent, token, path)
    last = tokens[-1]
    if op == "test":
        if _child(parent, last, path) != value:
            raise _PatchError(_invalid_update(f"Invalid patch - test failed at '{path[:50]}'"))
    elif op == "remove":
        _child(parent, last, path)
        if isinstance(parent, list):
            del parent[int(last)]
        else:
            del parent[last]
    elif op == "replace":
        _child(parent, last, path)
        parent[int(last) if isinstance(parent, list) else last] = value
    elif isinstance(parent, list):  # add
        if last == "-":
            parent.append(value)
        elif last.isdigit() and int(last) <= len(parent):
            parent.insert(int(last), value)
        else:
            raise _PatchError(_invalid_update(f"Invalid patch - index '{last[:10]}' is out of bounds"))
    elif isinstance(parent, dict):
        parent[last] = value
    else:
        raise _PatchError(_invalid_update(f"Invalid patch - can't add to '{path[:50]}'"))


def _child(parent: Any, token: str, path: str) -> Any:
    if isinstance(parent, dict):
        if token not in parent:
            raise _PatchError(
                _invalid_update(f"Invalid patch - can't find non-existent object '{token[:30]}'")
            )
        return parent[token]
    if isinstance(parent, list):
        if not token.isdigit() or int(token) >= len(parent):
            raise _PatchError(_invalid_update(f"Invalid patch - index '{token[:10]}' is out of bounds"))
        return parent[int(token)]
    raise _PatchError(_invalid_update(f"Invalid patch - '{path[:50]}' does not exist"))


def _check_item_rule(
    record: dict[str, Any],
    tokens: list[str],
    op: str,
    value: Any,
    previous: dict[str, Any] | None,
    given: set[str],
) -> None:
    """PDS's guards on list items: mirror the item's id to change it; test it to remove it."""
    key, index = tokens[0], tokens[1]
    item = _child(record[key], index, "/" + "/".join(tokens))
    root = f"/{key}/{index}"
    if op == "remove" and len(tokens) == 2:
        tested = (
            previous is not None
            and previous.get("op") == "test"
            and isinstance(previous.get("path"), str)
            and previous["path"] in (root, f"{root}/id", f"{root}/url")
        )
        if not tested:
            raise _PatchError(
                _invalid_update(f"removal '{root}' is not immediately preceded by equivalent test")
            )
        return
    if key not in _ID_LISTS or not isinstance(item, dict) or "id" not in item:
        return
    if len(tokens) == 2 and op == "replace":
        identity = value.get("id") if isinstance(value, dict) else None
    elif len(tokens) == 3 and tokens[2] == "id":
        identity = value
    elif root in given:
        return
    else:  # a change inside the item, whose id no earlier operation gave
        raise _PatchError(_invalid_update(f"no id or url found for path with root {root}"))
    if identity != item["id"]:
        raise _PatchError(_invalid_update(f"no '{key}' resources with object id '{str(identity)[:20]}'"))
    given.add(root)


def _invalid_patient(record: dict[str, Any]) -> str | None:
    """Why the patched *record* is no longer a valid UK Core Patient, or None."""
    from nhsstd.fhir import SerialisationError
    from nhsstd.fhir._api import from_parsed_json
    from nhsstd.models import Patient

    try:
        from_parsed_json(record, Patient, identifiers="warn", on_warning=lambda _warning: None)
    except SerialisationError as error:
        paths = ", ".join(problem.path for problem in error.problems[:3])
        return f"the updated record is not a valid Patient ({paths})"
    except (ValueError, TypeError):
        return "the updated record is not a valid Patient"
    return None


def _real_date(value: str) -> bool:
    text = value[2:] if value[:2] in ("eq", "ge", "le") else value
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True

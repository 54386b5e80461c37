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

nhsstd's additions, for behaviours the published sandbox has no example of:

* ``GET /Patient/9000000041`` returns the record of 9000000009 (a superseded number);
* ``GET /Patient/9000000068`` gives 404 ``INVALIDATED_RESOURCE``;
* ``family=Jones`` (with any birth date) gives HTTP 200 ``TOO_MANY_MATCHES``, as does any
  search with more matches than ``_max-results``.
"""

from __future__ import annotations

import copy
import datetime
import json
import re
from collections.abc import Callable
from importlib import resources
from typing import Any

from nhsstd.identifiers import nhs_number
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

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
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
    """Answers PDS requests below :data:`PREFIX`."""

    def __init__(
        self, *, base_url: Callable[[], str], token_check: Callable[[str | None], bool] | None
    ) -> None:
        self._base_url = base_url
        self._token_check = token_check
        self.data = data()

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
        if not _UUID.fullmatch(request_id):
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
        if path.startswith("/Patient"):
            return outcome(
                405,
                "not-supported",
                spine_code="UNSUPPORTED_SERVICE",
                display="Unsupported Service",
                diagnostics="this sandbox serves GET only",
            )
        return outcome(404, "not-found", diagnostics="no such PDS endpoint")

    def _read(self, number: str) -> Response:
        if not nhs_number.is_valid(number) or not number.isdigit():
            return outcome(400, "value", spine_code="INVALID_RESOURCE_ID", display="Resource Id is invalid")
        if number == INVALIDATED:
            return outcome(
                404,
                "not-found",
                spine_code="INVALIDATED_RESOURCE",
                display="Resource that has been marked as invalid was requested",
            )
        record = self.data.records.get(self.data.aliases.get(number, number))
        if record is None:
            return outcome(404, "not-found", spine_code="RESOURCE_NOT_FOUND", display="Resource not found")
        version = record.get("meta", {}).get("versionId", "1")
        return json_response(200, record, content_type=FHIR_JSON, headers={"ETag": f'W/"{version}"'})

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


def _real_date(value: str) -> bool:
    text = value[2:] if value[:2] in ("eq", "ge", "le") else value
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True

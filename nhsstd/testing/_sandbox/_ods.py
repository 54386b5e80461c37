"""ORD and ODT endpoints of the sandbox, answered from an :class:`OfflineOdsRegister`.

ORD (``/ORD/2-0-0``): ``organisations/{code}``, ``organisations?Name=&PostCode=&Status=&Roles=&
PrimaryRoleId=&NonPrimaryRoleId=&OrgRecordClass=&LastChangeDate=&Limit=&Offset=`` (total in
``X-Total-Count``), ``roles`` and ``sync?LastChangeDate=``.  An unknown code gives a bare 404.

ODT (``/organisation-data-terminology-api/fhir``): ``Organization/{code}`` and
``Organization?name=|name:contains=&address-postalcode=&roleCode=&active=&_lastUpdated=&_count=``
as a search-set Bundle with ``next`` links.  With ``require_auth`` an ``apikey`` header
is required.

The JSON shapes follow the published descriptions of the two APIs; record class is RC2 for
trust sites (RO198) and RC1 otherwise, and "last change" is the latest date in the extract row.
"""

from __future__ import annotations

import datetime
import urllib.parse
from collections.abc import Callable
from typing import Any

from nhsstd.codes import ODSRole
from nhsstd.registers._orgdata import OrgData
from nhsstd.registers.ods_offline import OfflineOdsRegister
from nhsstd.testing._sandbox._http import FHIR_JSON, Request, Response, json_response, outcome

ORD_PREFIX = "/ORD/2-0-0"
ODT_PREFIX = "/organisation-data-terminology-api/fhir"

ODS_OID = "2.16.840.1.113883.2.1.3.2.4.18.48"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
ROLE_SYSTEM = "https://digital.nhs.uk/services/organisation-data-service/CodeSystem/ODSOrganisationRole"
ROLE_EXTENSION = "https://fhir.nhs.uk/England/StructureDefinition/Extension-England-OrganisationRole"
PERIOD_EXTENSION = "https://fhir.nhs.uk/England/StructureDefinition/Extension-England-TypedPeriod"
MAX_LIMIT = 1000


def _label(code: str) -> str:
    try:
        return ODSRole.from_code(code).label or code
    except ValueError:
        return code


def _record_class(data: OrgData) -> str:
    return "RC2" if data.primary_role == "RO198" else "RC1"


def _status(data: OrgData) -> str:
    return "Active" if data.active else "Inactive"


def _ord_full(data: OrgData, base: str) -> dict[str, Any]:
    dates: dict[str, Any] = {"Type": "Operational"}
    if data.open_date:
        dates["Start"] = data.open_date.isoformat()
    if data.close_date:
        dates["End"] = data.close_date.isoformat()
    location: dict[str, Any] = {}
    for index, line in enumerate(data.address_lines[:3], start=1):
        location[f"AddrLn{index}"] = line
    for key, value in (("Town", data.town), ("County", data.county), ("PostCode", data.postcode)):
        if value:
            location[key] = value
    location["Country"] = "ENGLAND"
    roles = [
        {
            "id": role,
            "uniqueRoleId": index,
            "primaryRole": role == data.primary_role,
            "Status": _status(data),
            "Date": [dates],
        }
        for index, role in enumerate(data.roles, start=1)
    ]
    organisation: dict[str, Any] = {
        "Name": data.name,
        "Date": [dates],
        "OrgId": {"root": ODS_OID, "assigningAuthorityName": "HSCIC", "extension": data.code},
        "Status": _status(data),
        "LastChangeDate": (data.last_change_date or datetime.date(2000, 1, 1)).isoformat(),
        "orgRecordClass": _record_class(data),
        "GeoLoc": {"Location": location},
        "Roles": {"Role": roles},
    }
    if data.phone:
        organisation["Contacts"] = {"Contact": [{"type": "tel", "value": data.phone}]}
    if data.parent_code:
        organisation["Rels"] = {
            "Rel": [
                {
                    "id": "RE6" if data.primary_role == "RO198" else "RE4",
                    "uniqueRelId": 1,
                    "Status": "Active",
                    "Date": [dates],
                    "Target": {
                        "OrgId": {
                            "root": ODS_OID,
                            "assigningAuthorityName": "HSCIC",
                            "extension": data.parent_code,
                        }
                    },
                }
            ]
        }
    return {"Organisation": organisation}


def _ord_summary(data: OrgData, base: str) -> dict[str, Any]:
    return {
        "Name": data.name,
        "OrgId": data.code,
        "Status": _status(data),
        "OrgRecordClass": _record_class(data),
        "PostCode": data.postcode or "",
        "LastChangeDate": (data.last_change_date or datetime.date(2000, 1, 1)).isoformat(),
        "PrimaryRoleId": data.primary_role or "",
        "PrimaryRoleDescription": _label(data.primary_role) if data.primary_role else "",
        "OrgLink": f"{base}{ORD_PREFIX}/organisations/{data.code}",
    }


def _day(value: datetime.date | None) -> str:
    return (value or datetime.date(2000, 1, 1)).isoformat()


def _organization(data: OrgData) -> dict[str, Any]:
    period: dict[str, str] = {}
    if data.open_date:
        period["start"] = data.open_date.isoformat()
    if data.close_date:
        period["end"] = data.close_date.isoformat()
    extensions: list[dict[str, Any]] = []
    if period:
        extensions.append(
            {
                "url": PERIOD_EXTENSION,
                "extension": [
                    {
                        "url": "dateType",
                        "valueCoding": {
                            "system": "https://fhir.nhs.uk/England/CodeSystem/England-PeriodType",
                            "code": "Operational",
                        },
                    },
                    {"url": "period", "valuePeriod": period},
                ],
            }
        )
    for role in data.roles:
        extensions.append(
            {
                "url": ROLE_EXTENSION,
                "extension": [
                    {
                        "url": "roleCode",
                        "valueCodeableConcept": {
                            "coding": [{"system": ROLE_SYSTEM, "code": role, "display": _label(role)}]
                        },
                    },
                    {"url": "primaryRole", "valueBoolean": role == data.primary_role},
                    {"url": "active", "valueBoolean": data.active},
                ],
            }
        )
    resource: dict[str, Any] = {
        "resourceType": "Organization",
        "id": data.code,
        "meta": {
            "lastUpdated": _day(data.last_change_date) + "T00:00:00+00:00"
        },
        "extension": extensions,
        "identifier": [{"system": ODS_SYSTEM, "value": data.code}],
        "active": data.active,
        "name": data.name,
    }
    address: dict[str, Any] = {}
    if data.address_lines:
        address["line"] = list(data.address_lines)
    for key, value in (("city", data.town), ("district", data.county), ("postalCode", data.postcode)):
        if value:
            address[key] = value
    if address:
        address["country"] = "ENGLAND"
        resource["address"] = [address]
    if data.phone:
        resource["telecom"] = [{"system": "phone", "value": data.phone}]
    if data.parent_code:
        resource["partOf"] = {"identifier": {"system": ODS_SYSTEM, "value": data.parent_code}}
    return resource


def _int(text: str | None, default: int, low: int, high: int) -> int | None:
    if text is None:
        return default
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        return None
    return int(text)


def _role_param(value: str | None) -> str | None:
    return value if value and value.startswith("RO") and value[2:].isdigit() else None


class OdsHandler:
    """Answers ORD and ODT requests from one offline register."""

    def __init__(
        self,
        register: OfflineOdsRegister,
        *,
        base_url: Callable[[], str],
        api_key: str | None,
    ) -> None:
        self.register = register
        self._base_url = base_url
        self._api_key = api_key

    # -- ORD -----------------------------------------------------------------------------------

    def ord(self, request: Request, path: str) -> Response:
        base = self._base_url()
        if request.method != "GET":
            return json_response(405, {"errorCode": 405, "errorText": "Method Not Allowed"})
        if path.startswith("/organisations/") and path.count("/") == 2:
            try:
                data = self.register.lookup_data(urllib.parse.unquote(path.rsplit("/", 1)[1]))
            except ValueError:
                data = None
            if data is None:
                return json_response(404, {"errorCode": 404, "errorText": "Not Found"})
            return json_response(200, _ord_full(data, base))
        if path == "/organisations":
            return self._ord_search(request, base)
        if path == "/roles":
            roles = [ODSRole.from_code(code) for code in self.register.roles()]
            return json_response(
                200,
                {
                    "Roles": [
                        {
                            "id": role.code,
                            "code": role.code[2:],
                            "displayName": role.label or role.code,
                            "primaryRole": "true" if role.primary_in_snapshot else "false",
                        }
                        for role in roles
                    ]
                },
            )
        if path == "/sync":
            text = request.param("LastChangeDate")
            try:
                since = datetime.date.fromisoformat(text or "")
            except ValueError:
                return json_response(406, {"errorCode": 406, "errorText": "LastChangeDate is required"})
            return json_response(
                200,
                {
                    "Organisations": [
                        {"OrgLink": f"{base}{ORD_PREFIX}/organisations/{code}"}
                        for code in self.register.changed_since(since)
                    ]
                },
            )
        return json_response(404, {"errorCode": 404, "errorText": "Not Found"})

    def _ord_search(self, request: Request, base: str) -> Response:
        limit = _int(request.param("Limit"), 20, 1, MAX_LIMIT)
        offset = _int(request.param("Offset"), 0, 0, 10**9)
        if limit is None or offset is None:
            return json_response(400, {"errorCode": 400, "errorText": "Invalid Limit or Offset"})
        status = request.param("Status")
        role = _role_param(request.param("Roles")) or _role_param(request.param("NonPrimaryRoleId"))
        try:
            rows = self.register.search_data(
                name=request.param("Name"),
                postcode=request.param("PostCode"),
                role=role,
                status=status.lower() if status else None,
            )
        except ValueError:
            return json_response(400, {"errorCode": 400, "errorText": "Invalid search parameter"})
        primary = request.param("PrimaryRoleId")
        if primary:
            rows = [row for row in rows if row.primary_role == primary]
        record_class = request.param("OrgRecordClass")
        if record_class:
            rows = [row for row in rows if _record_class(row) == record_class]
        changed = request.param("LastChangeDate")
        if changed:
            try:
                since = datetime.date.fromisoformat(changed)
            except ValueError:
                return json_response(400, {"errorCode": 400, "errorText": "Invalid LastChangeDate"})
            rows = [row for row in rows if row.last_change_date and row.last_change_date >= since]
        page = rows[offset : offset + limit]
        return json_response(
            200,
            {"Organisations": [_ord_summary(row, base) for row in page]},
            headers={"X-Total-Count": str(len(rows))},
        )

    # -- ODT -----------------------------------------------------------------------------------

    def odt(self, request: Request, path: str) -> Response:
        if self._api_key is not None and request.header("apikey") != self._api_key:
            return outcome(
                401,
                "forbidden",
                spine_code="ACCESS_DENIED",
                display="Access denied",
                diagnostics="Invalid or missing API key",
            )
        if request.method != "GET":
            return outcome(405, "not-supported", diagnostics="GET only")
        if path.startswith("/Organization/") and path.count("/") == 2:
            try:
                data = self.register.lookup_data(urllib.parse.unquote(path.rsplit("/", 1)[1]))
            except ValueError:
                data = None
            if data is None:
                return outcome(404, "not-found", diagnostics="Organization not found")
            return json_response(200, _organization(data), content_type=FHIR_JSON)
        if path == "/Organization":
            return self._odt_search(request)
        return outcome(404, "not-found", diagnostics="no such ODT endpoint")

    def _odt_search(self, request: Request) -> Response:
        count = _int(request.param("_count"), 100, 1, MAX_LIMIT)
        offset = _int(request.param("_offset"), 0, 0, 10**9)
        if count is None or offset is None:
            return outcome(400, "invalid", diagnostics="invalid _count")
        active = request.param("active")
        status = None if active is None else ("active" if active == "true" else "inactive")
        try:
            rows = self.register.search_data(
                name=request.param("name:contains") or request.param("name"),
                postcode=request.param("address-postalcode"),
                role=_role_param(request.param("roleCode")),
                status=status,
            )
        except ValueError:
            return outcome(400, "invalid", diagnostics="invalid search parameter")
        changed = request.param("_lastUpdated")
        if changed:
            try:
                since = datetime.date.fromisoformat(changed.removeprefix("ge"))
            except ValueError:
                return outcome(400, "invalid", diagnostics="invalid _lastUpdated")
            rows = [row for row in rows if row.last_change_date and row.last_change_date >= since]
        page = rows[offset : offset + count]
        url = f"{self._base_url()}{ODT_PREFIX}/Organization"
        kept = [(key, value) for key, value in request.query if key != "_offset"]
        links = [{"relation": "self", "url": url + "?" + urllib.parse.urlencode(request.query)}]
        if offset + count < len(rows):
            links.append(
                {
                    "relation": "next",
                    "url": url + "?" + urllib.parse.urlencode([*kept, ("_offset", str(offset + count))]),
                }
            )
        bundle = {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(rows),
            "link": links,
            "entry": [
                {"fullUrl": f"{url}/{row.code}", "resource": _organization(row), "search": {"mode": "match"}}
                for row in page
            ],
        }
        return json_response(200, bundle, content_type=FHIR_JSON)

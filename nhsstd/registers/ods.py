"""Clients for the Organisation Data Service (ODS): the ORD API and the ODT FHIR API.

Three ways to look organisations up, one protocol (:class:`OrganisationRegister`):

* :class:`OrdClient` -- the open ORD API (``directory.spineservices.nhs.uk/ORD/2-0-0``):
  no key, production only, "keep usage below 5 requests per second";
* :class:`OdtClient` -- the Organisation Data Terminology FHIR R4 API on the NHS
  API platform (sandbox, integration, production; an ``apikey`` header,
  :class:`~nhsstd.registers.auth.ApiKeyAuth`, outside the sandbox);
* :class:`~nhsstd.registers.ods_offline.OfflineOdsRegister` -- the CSV extracts,
  embedded, no network.

Each returns :class:`nhsstd.models.Organisation`; facts the model has no field
for (open and close dates, the ODS status code, the parent organisation...)
are in ``organisation.extras["ods"]``.  Searches are generators that fetch
further pages only as they are consumed (ORD: ``Limit``/``Offset``; ODT: the
Bundle's ``next`` link); the async clients give async iterators.

>>> from nhsstd.testing.sandbox import Sandbox
>>> with Sandbox() as sandbox, OrdClient(base_url=sandbox.ord_url) as ord_api:
...     practice = ord_api.get_organisation("Y12345")
...     found = ord_api.search_organisations(postcode="LS1", status="active")
...     leeds = [org.ods_code.compact for org in found]
>>> practice.name, practice.is_gp_practice
('TREVELYAN SQUARE MEDICAL CENTRE', True)
>>> leeds
['RZZ02', 'Y12345', 'Y12346']
"""

from __future__ import annotations

import abc
import datetime
import re
import urllib.parse
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

import attrs

from nhsstd.registers._core import Call, Environment, RateLimit, RegisterInfo, parse_json
from nhsstd.registers._errors import InvalidParameter, MalformedResponse, NotFound
from nhsstd.registers._orgdata import OrgData, sorted_roles, to_organisation
from nhsstd.registers._transport import AsyncClientBase, SyncClientBase
from nhsstd.registers.ods_offline import check_code, check_limit, check_postcode, check_role, check_status

__all__ = [
    "ODT",
    "ORD",
    "AsyncOdtClient",
    "AsyncOrdClient",
    "OdtClient",
    "OrdClient",
    "OrganisationRegister",
    "RoleInfo",
]

#: The ORD API: production only, open access; callers are asked to keep "below 5 requests
#: per second", so the default is 4.
ORD = RegisterInfo(
    name="ODS ORD",
    base_urls={Environment.PRODUCTION: "https://directory.spineservices.nhs.uk/ORD/2-0-0"},
    rate_limit=RateLimit(4, 1.0),
)

#: The Organisation Data Terminology FHIR R4 API (rate limit indicative: 5000 per 5 minutes).
ODT = RegisterInfo(
    name="ODS ODT",
    base_urls={env: env.api_platform_host + "/organisation-data-terminology-api/fhir" for env in Environment},
    rate_limit=RateLimit(5000, 300.0),
)

ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
#: Longest ``Limit`` ORD accepts, and the longest ``_count`` of ODT.
MAX_PAGE_SIZE = 1000
#: ORD's ``LastChangeDate`` may go back at most this many days.
MAX_SYNC_DAYS = 185

_ROLE = re.compile(r"RO[0-9]{1,4}")

if TYPE_CHECKING:
    import httpx

    from nhsstd.models import Organisation


@runtime_checkable
class OrganisationRegister(Protocol):
    """What every ODS source answers: ORD, ODT and the offline register."""

    def get_organisation(self, code: str) -> Organisation:
        """The organisation with *code*; ``NotFound`` if there is none."""

    def lookup(self, code: str) -> Organisation | None:
        """The organisation with *code*, or ``None``."""

    def search_organisations(
        self,
        *,
        name: str | None = None,
        postcode: str | None = None,
        role: Any = None,
        status: str | None = None,
        limit: int | None = None,
    ) -> Iterator[Organisation]:
        """Organisations matching every criterion given."""


@attrs.frozen
class RoleInfo:
    """An ODS role as ORD's ``/roles`` lists it."""

    code: str
    display: str
    primary: bool


class _SyncOdsClient(SyncClientBase, abc.ABC):
    """What the ORD and ODT clients share beyond the transport."""

    @abc.abstractmethod
    def get_organisation(self, code: str) -> Organisation:
        """The organisation with *code*; :class:`~nhsstd.registers.NotFound` if unknown."""

    def lookup(self, code: str) -> Organisation | None:
        """The organisation with *code*, or ``None``."""
        try:
            return self.get_organisation(code)
        except NotFound:
            return None


class _AsyncOdsClient(AsyncClientBase, abc.ABC):
    """What the async ORD and ODT clients share beyond the transport."""

    @abc.abstractmethod
    async def get_organisation(self, code: str) -> Organisation:
        """The organisation with *code*; :class:`~nhsstd.registers.NotFound` if unknown."""

    async def lookup(self, code: str) -> Organisation | None:
        """The organisation with *code*, or ``None`` (see :meth:`OrdClient.lookup`)."""
        try:
            return await self.get_organisation(code)
        except NotFound:
            return None


def _date(value: object) -> datetime.date | None:
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _true(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _same_origin(url: str, base_url: str, request_id: str | None) -> str:
    """*url* if it is on the same scheme, host and port as *base_url* (credentials never leave)."""
    target, base = urllib.parse.urlsplit(url), urllib.parse.urlsplit(base_url)
    if (target.scheme, target.netloc.lower()) != (base.scheme, base.netloc.lower()):
        raise MalformedResponse("a paging link points to another server; not followed", request_id=request_id)
    return url


# -- ORD ---------------------------------------------------------------------------------------------


def _ord_dates(dates: object) -> tuple[datetime.date | None, datetime.date | None]:
    if isinstance(dates, list):
        for item in dates:
            if isinstance(item, Mapping) and item.get("Type") == "Operational":
                return _date(item.get("Start")), _date(item.get("End"))
        for item in dates:
            if isinstance(item, Mapping):
                return _date(item.get("Start")), _date(item.get("End"))
    return None, None


def _ord_record(body: Mapping[str, Any], request_id: str | None) -> OrgData:
    org = body.get("Organisation")
    if not isinstance(org, Mapping):
        raise MalformedResponse("expected an ORD Organisation", request_id=request_id)
    org_id = org.get("OrgId")
    code = _str(org_id.get("extension")) if isinstance(org_id, Mapping) else None
    name = _str(org.get("Name"))
    if code is None or name is None:
        raise MalformedResponse("the ORD Organisation has no code or name", request_id=request_id)
    geo = org.get("GeoLoc")
    location = geo.get("Location") if isinstance(geo, Mapping) else None
    location = location if isinstance(location, Mapping) else {}
    lines = tuple(line for key in ("AddrLn1", "AddrLn2", "AddrLn3") if (line := _str(location.get(key))))
    roles: list[str] = []
    primary = None
    role_block = org.get("Roles")
    role_list = role_block.get("Role") if isinstance(role_block, Mapping) else None
    for role in role_list if isinstance(role_list, list) else []:
        if isinstance(role, Mapping) and isinstance(role.get("id"), str) and _ROLE.fullmatch(role["id"]):
            roles.append(role["id"])
            if _true(role.get("primaryRole")):
                primary = role["id"]
    phone = None
    contacts = org.get("Contacts")
    contact_list = contacts.get("Contact") if isinstance(contacts, Mapping) else None
    for contact in contact_list if isinstance(contact_list, list) else []:
        if isinstance(contact, Mapping) and contact.get("type") == "tel" and _str(contact.get("value")):
            phone = contact["value"]
            break
    parent = None
    rels = org.get("Rels")
    rel_list = rels.get("Rel") if isinstance(rels, Mapping) else None
    for rel in rel_list if isinstance(rel_list, list) else []:
        target = rel.get("Target") if isinstance(rel, Mapping) else None
        target_id = target.get("OrgId") if isinstance(target, Mapping) else None
        if isinstance(target_id, Mapping) and _str(target_id.get("extension")):
            parent = target_id["extension"]
            break
    open_date, close_date = _ord_dates(org.get("Date"))
    status = org.get("Status")
    return OrgData(
        code=code,
        name=name,
        active=status == "Active",
        status_code=status if isinstance(status, str) else None,
        roles=sorted_roles(roles, primary),
        primary_role=primary,
        address_lines=lines,
        town=_str(location.get("Town")),
        county=_str(location.get("County")),
        postcode=_str(location.get("PostCode")),
        country=_str(location.get("Country")),
        phone=phone,
        open_date=open_date,
        close_date=close_date,
        parent_code=parent,
        record_class=_str(org.get("orgRecordClass")),
        last_change_date=_date(org.get("LastChangeDate")),
        source="ord",
    )


def _ord_summary(row: object, request_id: str | None) -> OrgData:
    if not isinstance(row, Mapping) or not _str(row.get("OrgId")) or not _str(row.get("Name")):
        raise MalformedResponse("an ORD search row has no OrgId or Name", request_id=request_id)
    primary = row.get("PrimaryRoleId")
    primary = primary if isinstance(primary, str) and _ROLE.fullmatch(primary) else None
    return OrgData(
        code=row["OrgId"],
        name=row["Name"],
        active=row.get("Status") == "Active",
        status_code=_str(row.get("Status")),
        roles=(primary,) if primary else (),
        primary_role=primary,
        postcode=_str(row.get("PostCode")),
        record_class=_str(row.get("OrgRecordClass")),
        last_change_date=_date(row.get("LastChangeDate")),
        source="ord-summary",
    )


def _ord_get_call(code: str) -> Call:
    compact = check_code(code)
    return Call(
        "GET", f"/organisations/{compact}", label="GET /organisations/{code}", ok_statuses=frozenset({200})
    )


def _ord_search_params(
    name: str | None,
    postcode: str | None,
    role: Any,
    primary_role: Any,
    status: str | None,
    record_class: str | None,
    changed_since: datetime.date | None,
) -> list[tuple[str, str]]:
    params: list[tuple[str, str]] = []
    if name is not None:
        if not isinstance(name, str) or not name.strip() or len(name) > 100 or not name.isprintable():
            raise InvalidParameter("name must be 1 to 100 printable characters", parameter="name")
        params.append(("Name", name.strip()))
    if postcode is not None:
        params.append(("PostCode", check_postcode(postcode)))
    if role is not None:
        params.append(("Roles", check_role(role)))
    if primary_role is not None:
        params.append(("PrimaryRoleId", check_role(primary_role, "primary_role")))
    if status is not None:
        params.append(("Status", "Active" if check_status(status) else "Inactive"))
    if record_class is not None:
        if record_class not in ("RC1", "RC2"):
            raise InvalidParameter(
                "record_class must be 'RC1' (organisation) or 'RC2' (site)", parameter="record_class"
            )
        params.append(("OrgRecordClass", record_class))
    if changed_since is not None:
        params.append(("LastChangeDate", _sync_date(changed_since)))
    if not params:
        raise InvalidParameter("give at least one search criterion", parameter="name")
    return params


def _sync_date(since: object) -> str:
    if not isinstance(since, datetime.date) or isinstance(since, datetime.datetime):
        raise InvalidParameter("since must be a datetime.date", parameter="since")
    today = datetime.date.today()
    if not today - datetime.timedelta(days=MAX_SYNC_DAYS) <= since <= today:
        raise InvalidParameter(f"since must be within the last {MAX_SYNC_DAYS} days", parameter="since")
    return since.isoformat()


def _page_size(page_size: object) -> int:
    if isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidParameter(
            f"page_size must be an integer from 1 to {MAX_PAGE_SIZE}", parameter="page_size"
        )
    return page_size


def _ord_page(body: Mapping[str, Any], request_id: str | None) -> list[OrgData]:
    rows = body.get("Organisations", [])
    if not isinstance(rows, list):
        raise MalformedResponse("Organisations is not a list", request_id=request_id)
    return [_ord_summary(row, request_id) for row in rows]


def _ord_sync(body: Mapping[str, Any], request_id: str | None) -> list[str]:
    rows = body.get("Organisations", [])
    if not isinstance(rows, list):
        raise MalformedResponse("Organisations is not a list", request_id=request_id)
    codes = []
    for row in rows:
        link = row.get("OrgLink") if isinstance(row, Mapping) else None
        if not isinstance(link, str) or "/" not in link:
            raise MalformedResponse("a sync row has no OrgLink", request_id=request_id)
        codes.append(link.rstrip("/").rsplit("/", 1)[1])
    return codes


def _ord_roles(body: Mapping[str, Any], request_id: str | None) -> list[RoleInfo]:
    rows = body.get("Roles", [])
    if not isinstance(rows, list):
        raise MalformedResponse("Roles is not a list", request_id=request_id)
    roles = []
    for row in rows:
        if isinstance(row, Mapping) and isinstance(row.get("id"), str):
            roles.append(RoleInfo(row["id"], str(row.get("displayName", "")), _true(row.get("primaryRole"))))
    return roles


def _ord_organisation(response: httpx.Response, request_id: str) -> Organisation:
    return to_organisation(_ord_record(parse_json(response, request_id), request_id))


def _ord_roles_of(response: httpx.Response, request_id: str) -> list[RoleInfo]:
    return _ord_roles(parse_json(response, request_id), request_id)


def _ord_sync_codes(response: httpx.Response, request_id: str) -> list[str]:
    return _ord_sync(parse_json(response, request_id), request_id)


def _ord_sync_call(since: datetime.date) -> Call:
    return Call("GET", "/sync", label="GET /sync", params=[("LastChangeDate", _sync_date(since))])


_ORD_ROLES_CALL = Call("GET", "/roles", label="GET /roles")


class _OrdPaging:
    """Offset paging (``Limit``/``Offset``) of an ORD search, for the sync and async iterators."""

    def __init__(self, params: list[tuple[str, str]], limit: int | None, page_size: int) -> None:
        self.params = params
        self.limit = limit
        self.page_size = page_size
        self.offset = 0
        self.yielded = 0
        self.done = False

    def next_call(self) -> Call | None:
        if self.done:
            return None
        size = self.page_size if self.limit is None else min(self.page_size, self.limit - self.yielded)
        params = [*self.params, ("Limit", str(size)), ("Offset", str(self.offset))]
        return Call("GET", "/organisations", label="GET /organisations?search", params=params)

    def take(self, response: httpx.Response, request_id: str) -> list[Organisation]:
        rows = _ord_page(parse_json(response, request_id), request_id)
        if self.limit is not None:
            rows = rows[: self.limit - self.yielded]
        self.offset += len(rows)
        self.yielded += len(rows)
        if len(rows) < self.page_size or (self.limit is not None and self.yielded >= self.limit) or not rows:
            self.done = True
        return [to_organisation(row) for row in rows]


def _ord_search(
    name: str | None,
    postcode: str | None,
    role: Any,
    status: str | None,
    limit: int | None,
    primary_role: Any,
    record_class: str | None,
    changed_since: datetime.date | None,
    page_size: int,
) -> _OrdPaging:
    """Check the search (before any request) and start its paging."""
    return _OrdPaging(
        _ord_search_params(name, postcode, role, primary_role, status, record_class, changed_since),
        check_limit(limit),
        _page_size(page_size),
    )


class OrdClient(_SyncOdsClient):
    """Synchronous ORD client (production only; pass ``base_url`` for the local sandbox)."""

    _info: ClassVar[RegisterInfo] = ORD

    def get_organisation(self, code: str) -> Organisation:
        """The full ORD record for *code*; :class:`~nhsstd.registers.NotFound` if unknown."""
        return self._request(_ord_get_call(code), _ord_organisation)

    def search_organisations(
        self,
        *,
        name: str | None = None,
        postcode: str | None = None,
        role: Any = None,
        status: str | None = None,
        limit: int | None = None,
        primary_role: Any = None,
        record_class: str | None = None,
        changed_since: datetime.date | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> Iterator[Organisation]:
        """Search summaries (code, name, status, postcode, primary role), page by page.

        The criteria are checked when this is called, before any request; pages
        are fetched as the iterator is consumed.

        :param name: part of the name (any case).
        :param postcode: a full postcode or its first part.
        :param role: any role of the organisation (``Roles``).
        :param status: ``"active"`` or ``"inactive"``.
        :param limit: stop after this many results.
        :param primary_role: the primary role (``PrimaryRoleId``).
        :param record_class: ``"RC1"`` organisations or ``"RC2"`` sites.
        :param changed_since: changed on or after this date (at most 185 days ago).
        :param page_size: rows per request (``Limit``, at most 1000).
        """
        paging = _ord_search(
            name, postcode, role, status, limit, primary_role, record_class, changed_since, page_size
        )
        return self._iterate(paging)

    def roles(self) -> list[RoleInfo]:
        """Every ODS role code with its display name."""
        return self._request(_ORD_ROLES_CALL, _ord_roles_of)

    def sync(self, since: datetime.date) -> list[str]:
        """Codes of the organisations changed on or after *since* (at most 185 days ago)."""
        return self._request(_ord_sync_call(since), _ord_sync_codes)


class AsyncOrdClient(_AsyncOdsClient):
    """Asynchronous ORD client; the calls of :class:`OrdClient`, awaited (searches are async iterators)."""

    _info: ClassVar[RegisterInfo] = ORD

    async def get_organisation(self, code: str) -> Organisation:
        """See :meth:`OrdClient.get_organisation`."""
        return await self._request(_ord_get_call(code), _ord_organisation)

    def search_organisations(
        self,
        *,
        name: str | None = None,
        postcode: str | None = None,
        role: Any = None,
        status: str | None = None,
        limit: int | None = None,
        primary_role: Any = None,
        record_class: str | None = None,
        changed_since: datetime.date | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> AsyncIterator[Organisation]:
        """See :meth:`OrdClient.search_organisations`; use with ``async for``."""
        paging = _ord_search(
            name, postcode, role, status, limit, primary_role, record_class, changed_since, page_size
        )
        return self._iterate(paging)

    async def roles(self) -> list[RoleInfo]:
        """See :meth:`OrdClient.roles`."""
        return await self._request(_ORD_ROLES_CALL, _ord_roles_of)

    async def sync(self, since: datetime.date) -> list[str]:
        """See :meth:`OrdClient.sync`."""
        return await self._request(_ord_sync_call(since), _ord_sync_codes)


# -- ODT (FHIR R4) ------------------------------------------------------------------------------------


def _role_in(extensions: list[Any]) -> tuple[str | None, bool]:
    """(role code, primary?) of a role extension's sub-extensions."""
    role, primary = None, False
    for extension in extensions:
        if not isinstance(extension, Mapping):
            continue
        concept = extension.get("valueCodeableConcept", extension)
        codings = concept.get("coding") if isinstance(concept, Mapping) else None
        for coding in codings if isinstance(codings, list) else []:
            code = coding.get("code") if isinstance(coding, Mapping) else None
            if isinstance(code, str) and _ROLE.fullmatch(code):
                role = code
        if extension.get("url") == "primaryRole" and extension.get("valueBoolean") is True:
            primary = True
    return role, primary


def _operational_period(extensions: list[Any]) -> Mapping[str, Any] | None:
    """The ``valuePeriod`` of a typed-period extension whose type is ``Operational``."""
    operational = any(
        isinstance(e, Mapping)
        and isinstance(e.get("valueCoding"), Mapping)
        and e["valueCoding"].get("code") == "Operational"
        for e in extensions
    )
    if not operational:
        return None
    for extension in extensions:
        if isinstance(extension, Mapping) and isinstance(extension.get("valuePeriod"), Mapping):
            period: Mapping[str, Any] = extension["valuePeriod"]
            return period
    return None


def _odt_record(resource: Mapping[str, Any], request_id: str | None) -> OrgData:
    if resource.get("resourceType") != "Organization":
        raise MalformedResponse("expected a FHIR Organization", request_id=request_id)
    code = None
    identifiers = resource.get("identifier")
    for identifier in identifiers if isinstance(identifiers, list) else []:
        if isinstance(identifier, Mapping) and identifier.get("system") == ODS_SYSTEM:
            code = _str(identifier.get("value"))
            break
    code = code or _str(resource.get("id"))
    name = _str(resource.get("name"))
    if code is None or name is None:
        raise MalformedResponse("the Organization has no ODS code or name", request_id=request_id)
    roles: list[str] = []
    primary = None
    open_date = close_date = None
    top = resource.get("extension")
    for extension in top if isinstance(top, list) else []:
        inner = extension.get("extension") if isinstance(extension, Mapping) else None
        if not isinstance(inner, list):
            continue
        role, is_primary = _role_in(inner)
        if role is not None:
            roles.append(role)
            if is_primary:
                primary = role
            continue
        period = _operational_period(inner)
        if period is not None and open_date is None:
            open_date, close_date = _date(period.get("start")), _date(period.get("end"))
    # Roles may also be given as Organization.type codings (as nhsstd.fhir writes them).
    types = resource.get("type")
    for concept in types if isinstance(types, list) else []:
        if not isinstance(concept, Mapping):
            continue
        role, _ = _role_in([concept])
        if role is None or role in roles:
            continue
        roles.append(role)
        flags = concept.get("extension")
        if any(
            isinstance(flag, Mapping) and "primary" in str(flag.get("url", "")).lower()
            and flag.get("valueBoolean") is True
            for flag in (flags if isinstance(flags, list) else [])
        ):
            primary = role
    address = resource.get("address")
    first = address[0] if isinstance(address, list) and address and isinstance(address[0], Mapping) else {}
    lines = first.get("line")
    phone = None
    telecom = resource.get("telecom")
    for point in telecom if isinstance(telecom, list) else []:
        if isinstance(point, Mapping) and point.get("system") == "phone" and _str(point.get("value")):
            phone = point["value"]
            break
    parent = None
    part_of = resource.get("partOf")
    if isinstance(part_of, Mapping) and isinstance(part_of.get("identifier"), Mapping):
        parent = _str(part_of["identifier"].get("value"))
    meta = resource.get("meta")
    active = resource.get("active")
    return OrgData(
        code=code,
        name=name,
        active=active if isinstance(active, bool) else None,
        roles=sorted_roles(roles, primary),
        primary_role=primary,
        address_lines=tuple(line for line in lines if _str(line)) if isinstance(lines, list) else (),
        town=_str(first.get("city")),
        county=_str(first.get("district")),
        postcode=_str(first.get("postalCode")),
        country=_str(first.get("country")),
        phone=phone,
        open_date=open_date,
        close_date=close_date,
        parent_code=parent,
        last_change_date=_date(meta.get("lastUpdated")) if isinstance(meta, Mapping) else None,
        source="odt",
    )


def _odt_get_call(code: str) -> Call:
    return Call("GET", f"/Organization/{check_code(code)}", label="GET /Organization/{code}")


def _odt_search_call(
    name: str | None,
    postcode: str | None,
    role: Any,
    status: str | None,
    changed_since: datetime.date | None,
    page_size: int,
) -> Call:
    params: list[tuple[str, str]] = []
    if name is not None:
        if not isinstance(name, str) or not name.strip() or len(name) > 100 or not name.isprintable():
            raise InvalidParameter("name must be 1 to 100 printable characters", parameter="name")
        params.append(("name:contains", name.strip()))
    if postcode is not None:
        params.append(("address-postalcode", check_postcode(postcode)))
    if role is not None:
        params.append(("roleCode", check_role(role)))
    if status is not None:
        params.append(("active", "true" if check_status(status) else "false"))
    if changed_since is not None:
        if not isinstance(changed_since, datetime.date):
            raise InvalidParameter("changed_since must be a datetime.date", parameter="changed_since")
        params.append(("_lastUpdated", "ge" + changed_since.isoformat()))
    if not params:
        raise InvalidParameter("give at least one search criterion", parameter="name")
    params.append(("_count", str(_page_size(page_size))))
    return Call("GET", "/Organization", label="GET /Organization?search", params=params)


def _odt_page(
    body: Mapping[str, Any], base_url: str, request_id: str | None
) -> tuple[list[OrgData], str | None]:
    if body.get("resourceType") != "Bundle":
        raise MalformedResponse("expected a FHIR Bundle", request_id=request_id)
    entries = body.get("entry", [])
    if not isinstance(entries, list):
        raise MalformedResponse("Bundle.entry is not a list", request_id=request_id)
    rows = []
    for entry in entries:
        resource = entry.get("resource") if isinstance(entry, Mapping) else None
        if not isinstance(resource, Mapping):
            raise MalformedResponse("a Bundle entry has no resource", request_id=request_id)
        if resource.get("resourceType") == "OperationOutcome":
            continue  # informational outcomes may accompany search results
        rows.append(_odt_record(resource, request_id))
    next_url = None
    links = body.get("link")
    for link in links if isinstance(links, list) else []:
        if isinstance(link, Mapping) and link.get("relation") == "next" and isinstance(link.get("url"), str):
            next_url = _same_origin(link["url"], base_url, request_id)
    return rows, next_url


def _odt_organisation(response: httpx.Response, request_id: str) -> Organisation:
    return to_organisation(_odt_record(parse_json(response, request_id), request_id))


class _OdtPaging:
    """An ODT search, following the Bundle's ``next`` links (only to the same server)."""

    def __init__(self, first: Call, limit: int | None, base_url: str) -> None:
        self.call: Call | None = first
        self.limit = limit
        self.base_url = base_url
        self.yielded = 0

    def next_call(self) -> Call | None:
        return self.call

    def take(self, response: httpx.Response, request_id: str) -> list[Organisation]:
        rows, next_url = _odt_page(parse_json(response, request_id), self.base_url, request_id)
        if self.limit is not None:
            rows = rows[: self.limit - self.yielded]
        self.yielded += len(rows)
        done = next_url is None or (self.limit is not None and self.yielded >= self.limit)
        self.call = None if done else Call("GET", next_url or "", label="GET /Organization?next")
        return [to_organisation(row) for row in rows]


def _odt_search(
    name: str | None,
    postcode: str | None,
    role: Any,
    status: str | None,
    limit: int | None,
    changed_since: datetime.date | None,
    page_size: int,
    base_url: str,
) -> _OdtPaging:
    """Check the search (before any request) and start its paging."""
    first = _odt_search_call(name, postcode, role, status, changed_since, page_size)
    return _OdtPaging(first, check_limit(limit), base_url)


class OdtClient(_SyncOdsClient):
    """Synchronous client of the Organisation Data Terminology FHIR R4 API.

    Use :class:`~nhsstd.registers.auth.ApiKeyAuth` in integration and production.
    """

    _info: ClassVar[RegisterInfo] = ODT
    _accept: ClassVar[str] = "application/fhir+json"

    def get_organisation(self, code: str) -> Organisation:
        """``GET /Organization/{code}``; :class:`~nhsstd.registers.NotFound` if unknown."""
        return self._request(_odt_get_call(code), _odt_organisation)

    def search_organisations(
        self,
        *,
        name: str | None = None,
        postcode: str | None = None,
        role: Any = None,
        status: str | None = None,
        limit: int | None = None,
        changed_since: datetime.date | None = None,
        page_size: int = 100,
    ) -> Iterator[Organisation]:
        """Search ``Organization``, following the Bundle's ``next`` links as the iterator is consumed.

        The criteria are checked when this is called, before any request.
        """
        paging = _odt_search(name, postcode, role, status, limit, changed_since, page_size, self.base_url)
        return self._iterate(paging)


class AsyncOdtClient(_AsyncOdsClient):
    """Asynchronous ODT client; the calls of :class:`OdtClient`, awaited."""

    _info: ClassVar[RegisterInfo] = ODT
    _accept: ClassVar[str] = "application/fhir+json"

    async def get_organisation(self, code: str) -> Organisation:
        """See :meth:`OdtClient.get_organisation`."""
        return await self._request(_odt_get_call(code), _odt_organisation)

    def search_organisations(
        self,
        *,
        name: str | None = None,
        postcode: str | None = None,
        role: Any = None,
        status: str | None = None,
        limit: int | None = None,
        changed_since: datetime.date | None = None,
        page_size: int = 100,
    ) -> AsyncIterator[Organisation]:
        """See :meth:`OdtClient.search_organisations`; use with ``async for``."""
        paging = _odt_search(name, postcode, role, status, limit, changed_since, page_size, self.base_url)
        return self._iterate(paging)

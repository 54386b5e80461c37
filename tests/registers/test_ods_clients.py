"""The ORD and ODT clients against the sandbox, and agreement with the offline register."""

from __future__ import annotations

import asyncio
import datetime
from typing import Any

import httpx
import pytest

from nhsstd.codes import ODSRole
from nhsstd.models import Organisation
from nhsstd.registers import InvalidParameter, MalformedResponse, NotFound
from nhsstd.registers.ods import (
    AsyncOdtClient,
    AsyncOrdClient,
    OdtClient,
    OrdClient,
    OrganisationRegister,
    RoleInfo,
)
from nhsstd.registers.ods_offline import OfflineOdsRegister
from nhsstd.testing.sandbox import Sandbox


def codes(results: Any) -> list[str]:
    return [org.ods_code.compact for org in results]


@pytest.fixture
def ord_api(sandbox: Sandbox) -> Any:
    with OrdClient(base_url=sandbox.ord_url, rate_limit=None) as client:
        yield client


@pytest.fixture
def odt(sandbox: Sandbox) -> Any:
    with OdtClient(base_url=sandbox.odt_url, rate_limit=None) as client:
        yield client


def test_ord_full_record(ord_api: OrdClient, sandbox: Sandbox) -> None:
    practice = ord_api.get_organisation("y12345")
    assert isinstance(practice, Organisation)
    assert practice.name == "TREVELYAN SQUARE MEDICAL CENTRE"
    assert practice.primary_role == ODSRole.PRESCRIBING_COST_CENTRE
    assert practice.is_gp_practice
    assert practice.extras["ods"]["record_class"] == "RC1"
    assert practice.extras["ods"]["open_date"] == "1974-04-01"
    assert practice.extras["ods"]["parent_code"] == "X2W"
    assert sandbox.requests[-1].path == "/ORD/2-0-0/organisations/Y12345"
    site = ord_api.get_organisation("RZZ01")
    assert site.extras["ods"]["record_class"] == "RC2"
    assert site.extras["ods"]["parent_code"] == "RZZ"


def test_ord_not_found(ord_api: OrdClient) -> None:
    with pytest.raises(NotFound) as caught:
        ord_api.get_organisation("ZZZ999")
    assert caught.value.status == 404
    assert ord_api.lookup("ZZZ999") is None
    with pytest.raises(InvalidParameter):
        ord_api.get_organisation("not a code")


def test_ord_search_pages_lazily(ord_api: OrdClient, sandbox: Sandbox) -> None:
    results = ord_api.search_organisations(role="RO76", page_size=3)
    assert sandbox.requests == []  # nothing fetched until iterated
    assert codes(results) == ["Y12345", "Y12346", "Y12347", "Y12348", "Y12349", "Y23456", "Y34567", "Y45678"]
    offsets = [dict(r.query)["Offset"] for r in sandbox.requests]
    assert offsets == ["0", "3", "6"]
    assert {dict(r.query)["Limit"] for r in sandbox.requests} == {"3"}


def test_ord_search_limit_and_filters(ord_api: OrdClient, sandbox: Sandbox) -> None:
    assert codes(ord_api.search_organisations(role="RO76", limit=4, page_size=3)) == [
        "Y12345",
        "Y12346",
        "Y12347",
        "Y12348",
    ]
    assert [dict(r.query)["Limit"] for r in sandbox.requests] == ["3", "1"]
    assert codes(ord_api.search_organisations(name="clinic")) == ["RZY01", "RZZ02"]
    assert codes(ord_api.search_organisations(primary_role="RO198", postcode="LS1")) == ["RZZ02"]
    assert codes(ord_api.search_organisations(record_class="RC2", status="active")) == [
        "RZY01",
        "RZZ01",
        "RZZ02",
    ]
    assert codes(ord_api.search_organisations(status="inactive", role="RO197")) == ["RZX"]
    summary = next(iter(ord_api.search_organisations(postcode="LS1 6AE")))
    assert summary.extras["ods"]["source"] == "ord-summary"
    assert summary.primary_role == ODSRole.PRESCRIBING_COST_CENTRE


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"name": ""},
        {"record_class": "RC3"},
        {"role": "GP"},
        {"page_size": 1001},
        {"changed_since": datetime.date(2000, 1, 1)},
        {"limit": -1},
    ],
)
def test_ord_search_parameters_are_checked(
    ord_api: OrdClient, sandbox: Sandbox, kwargs: dict[str, Any]
) -> None:
    with pytest.raises(InvalidParameter):
        ord_api.search_organisations(**kwargs)
    assert sandbox.requests == []


def _practice_row(code: str, name: str, opened: datetime.date) -> str:
    """One epraccur row in the real 27-column layout."""
    fields = [""] * 27
    fields[0], fields[1], fields[9] = code, name, "LS1 6AE"
    fields[10], fields[12] = opened.strftime("%Y%m%d"), "A"
    return ",".join(f'"{field}"' for field in fields)


@pytest.fixture
def changing_sandbox() -> Any:
    """A sandbox whose practices changed 10 and 120 days ago and 20 years ago (relative to today,
    so that the sync checks do not depend on when the tests run)."""
    today = datetime.date.today()
    rows = [
        _practice_row("Y90001", "RECENT PRACTICE", today - datetime.timedelta(days=10)),
        _practice_row("Y90002", "OLDER PRACTICE", today - datetime.timedelta(days=120)),
        _practice_row("Y90003", "OLD PRACTICE", today - datetime.timedelta(days=7300)),
    ]
    register = OfflineOdsRegister()
    register.load("\r\n".join(rows).encode("ascii"), kind="epraccur")
    with Sandbox(register=register) as changing:
        yield changing
        assert changing.wait_until_idle(5.0)
    register.close()


def test_ord_roles(ord_api: OrdClient) -> None:
    roles = ord_api.roles()
    assert RoleInfo("RO76", "GP PRACTICE", False) in roles
    assert RoleInfo("RO197", "NHS TRUST", True) in roles


def test_ord_sync(changing_sandbox: Sandbox) -> None:
    today = datetime.date.today()
    with OrdClient(base_url=changing_sandbox.ord_url, rate_limit=None) as ord_api:
        assert ord_api.sync(today - datetime.timedelta(days=30)) == ["Y90001"]
        assert ord_api.sync(today - datetime.timedelta(days=150)) == ["Y90001", "Y90002"]
        assert ord_api.sync(today) == []
        # at most 185 days back, and a date (not a datetime): checked before any request
        with pytest.raises(InvalidParameter):
            ord_api.sync(today - datetime.timedelta(days=200))
        with pytest.raises(InvalidParameter):
            ord_api.sync(datetime.datetime.now())  # type: ignore[arg-type]
    assert len(changing_sandbox.requests) == 3


def test_async_ord_sync(changing_sandbox: Sandbox) -> None:
    async def main() -> list[str]:
        async with AsyncOrdClient(base_url=changing_sandbox.ord_url, rate_limit=None) as ord_api:
            return await ord_api.sync(datetime.date.today() - datetime.timedelta(days=150))

    assert asyncio.run(main()) == ["Y90001", "Y90002"]


def test_odt_read_and_search(odt: OdtClient, sandbox: Sandbox) -> None:
    practice = odt.get_organisation("Y12345")
    assert practice.roles == (ODSRole.PRESCRIBING_COST_CENTRE, ODSRole.GP_PRACTICE)
    assert practice.primary_role == ODSRole.PRESCRIBING_COST_CENTRE
    assert practice.extras["ods"]["open_date"] == "1974-04-01"
    closed = odt.get_organisation("Y12347")
    assert closed.active is False
    assert closed.extras["ods"]["close_date"] == "2020-12-31"
    sandbox.reset()
    assert codes(odt.search_organisations(role="RO76", status="active", page_size=2)) == [
        "Y12345",
        "Y12346",
        "Y23456",
        "Y34567",
        "Y45678",
    ]
    assert len(sandbox.requests) == 3  # followed two next links
    assert "_offset" in dict(sandbox.requests[1].query)
    assert codes(odt.search_organisations(name="square", limit=1)) == ["Y12345"]
    with pytest.raises(NotFound):
        odt.get_organisation("ZZZ999")
    assert odt.lookup("ZZZ999") is None


def test_odt_refuses_next_links_to_another_server() -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [],
        "link": [{"relation": "next", "url": "https://evil.example.org/Organization?page=2"}],
    }
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=bundle))
    with (
        OdtClient(base_url="https://api.example.nhs.uk/odt", transport=transport) as odt,
        pytest.raises(MalformedResponse, match="another server"),
    ):
        list(odt.search_organisations(name="x"))


def test_the_three_sources_agree(sandbox: Sandbox, ord_api: OrdClient, odt: OdtClient) -> None:
    offline = sandbox.register
    for code in ("Y12345", "Y12347", "RZZ", "RZZ01"):
        a, b, c = offline.get_organisation(code), ord_api.get_organisation(code), odt.get_organisation(code)
        for field in ("ods_code", "name", "roles", "primary_role", "active", "telecom"):
            assert getattr(a, field) == getattr(b, field) == getattr(c, field), (code, field)
        assert a.address.lines == b.address.lines == c.address.lines
        assert a.address.postcode == b.address.postcode == c.address.postcode
        for key in ("open_date", "close_date", "parent_code"):
            assert a.extras["ods"].get(key) == b.extras["ods"].get(key) == c.extras["ods"].get(key)


def test_protocol(sandbox: Sandbox) -> None:
    registers: list[Any] = [
        OrdClient(base_url=sandbox.ord_url),
        OdtClient(base_url=sandbox.odt_url),
        OfflineOdsRegister.sample(),
    ]
    try:
        for register in registers:
            assert isinstance(register, OrganisationRegister)
            assert codes(register.search_organisations(postcode="LS1", role="RO76", status="active")) == [
                "Y12345",
                "Y12346",
            ]
            assert register.lookup("Y12346").name == "BOAR LANE SURGERY"
    finally:
        for register in registers:
            register.close()


def test_async_clients(sandbox: Sandbox) -> None:
    async def main() -> tuple[Any, ...]:
        async with (
            AsyncOrdClient(base_url=sandbox.ord_url, rate_limit=None) as ord_api,
            AsyncOdtClient(base_url=sandbox.odt_url, rate_limit=None) as odt,
        ):
            a = await ord_api.get_organisation("Y12345")
            b = [org async for org in ord_api.search_organisations(role="RO197", page_size=1)]
            c = await odt.get_organisation("RZZ")
            d = [org async for org in odt.search_organisations(postcode="PL1", page_size=1)]
            e = await ord_api.lookup("ZZZ999"), await odt.lookup("ZZZ999")
            f = await ord_api.roles()
        return a, b, c, d, e, f

    a, b, c, d, e, f = asyncio.run(main())
    assert a.name == "TREVELYAN SQUARE MEDICAL CENTRE"
    assert codes(b) == ["RZX", "RZY", "RZZ"]
    assert c.name == "EXAMPLE TEACHING HOSPITALS NHS TRUST"
    assert codes(d) == ["RZY", "RZY01", "Y34567"]
    assert e == (None, None)
    assert RoleInfo("RO198", "NHS TRUST SITE", True) in f


@pytest.mark.parametrize(
    "body",
    [{"Organisation": []}, {"Organisation": {"Name": "X"}}, {"something": "else"}],
)
def test_ord_malformed_records(body: Any) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=body))
    with (
        OrdClient(base_url="https://ord.example.nhs.uk", transport=transport) as client,
        pytest.raises(MalformedResponse),
    ):
        client.get_organisation("Y12345")


def test_odt_reader_accepts_organization_type_roles() -> None:
    """An Organization written by nhsstd.fhir (roles as ``type`` codings) reads back the same."""
    from nhsstd.fhir import to_fhir

    offline = OfflineOdsRegister.sample()
    original = offline.get_organisation("Y12345")
    offline.close()
    resource = to_fhir(original)
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=resource))
    with OdtClient(base_url="https://odt.example.nhs.uk/fhir", transport=transport) as client:
        read = client.get_organisation("Y12345")
    assert read.roles == original.roles
    assert read.primary_role == original.primary_role
    assert read.name == original.name
    assert read.address == original.address

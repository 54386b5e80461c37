"""The terminology client against the sandbox's tiny terminology server."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from nhsstd.exceptions import InvalidChecksum, ValidationError
from nhsstd.registers import InvalidParameter, MalformedResponse, NotFound, TooCostly
from nhsstd.registers.terminology import (
    DMD,
    SNOMED,
    AsyncTerminologyClient,
    Subsumption,
    TerminologyClient,
    ecl_value_set,
)
from nhsstd.testing.sandbox import Sandbox


@pytest.fixture
def terminology(sandbox: Sandbox) -> Any:
    with TerminologyClient(base_url=sandbox.terminology_url, rate_limit=None) as client:
        yield client


def test_lookup(terminology: TerminologyClient, sandbox: Sandbox) -> None:
    result = terminology.lookup("22298006", properties=["parent", "inactive"])
    assert result.system == SNOMED
    assert result.code == "22298006"
    assert result.display == "Myocardial infarction"
    assert result.version is not None
    assert result.version.startswith("http://snomed.info/sct/83821000000107/")
    assert result.designations[0].value == "Myocardial infarction (disorder)"
    assert result.designations[0].use_code == "900000000000003001"
    assert result.properties == {"inactive": (False,), "parent": ("414545008",)}
    query = dict(sandbox.requests[-1].query)
    assert sandbox.requests[-1].path == "/terminology/fhir/CodeSystem/$lookup"
    assert query["system"] == SNOMED
    assert query["code"] == "22298006"
    assert [value for key, value in sandbox.requests[-1].query if key == "property"] == ["parent", "inactive"]


def test_lookup_dmd(terminology: TerminologyClient) -> None:
    result = terminology.lookup("42109611000001109", system="dmd")
    assert result.system == DMD
    assert result.display == "Paracetamol 500mg tablets"


@pytest.mark.parametrize("code", ["22298007", "12", "0022298006", "22298006 ", "abc", ""])
def test_sctids_are_checked_before_sending(
    terminology: TerminologyClient, sandbox: Sandbox, code: str
) -> None:
    if code == "22298006 ":  # surrounding whitespace is normalised by the SCTID policy
        assert terminology.lookup(code).code == "22298006"
        return
    with pytest.raises(ValidationError):
        terminology.lookup(code)
    with pytest.raises(ValidationError):
        terminology.subsumes("56265001", code)
    with pytest.raises(ValidationError):
        terminology.validate_code(code, system="dmd")
    assert sandbox.requests == []


def test_check_digit_error_type(terminology: TerminologyClient) -> None:
    with pytest.raises(InvalidChecksum):
        terminology.lookup("22298007")


def test_unknown_code_is_not_found(terminology: TerminologyClient) -> None:
    with pytest.raises(NotFound):
        terminology.lookup("73211009", system="dmd")


def test_other_code_systems_are_not_checked_as_sctids(
    terminology: TerminologyClient, sandbox: Sandbox
) -> None:
    with pytest.raises(NotFound):
        terminology.lookup("H33..", system="http://read.info/ctv3")
    assert dict(sandbox.requests[-1].query)["code"] == "H33.."
    with pytest.raises(InvalidParameter):
        terminology.lookup("x", system="not a uri")


def test_validate_code(terminology: TerminologyClient) -> None:
    assert terminology.validate_code("22298006").result is True
    assert terminology.validate_code("22298006", display="Myocardial infarction")
    wrong = terminology.validate_code("22298006", display="Heart attack")
    assert not wrong
    assert wrong.display == "Myocardial infarction"
    assert wrong.message
    assert not terminology.validate_code("195967001")  # a valid SCTID the server does not know
    in_set = ecl_value_set("<< 56265001")
    assert terminology.validate_code("22298006", value_set=in_set)
    assert not terminology.validate_code("44054006", value_set=in_set)


def test_expand_pages(terminology: TerminologyClient, sandbox: Sandbox) -> None:
    concepts = list(terminology.expand(ecl_value_set("<< 64572001"), page_size=2))
    assert [c.code for c in concepts] == [
        "64572001",
        "56265001",
        "414545008",
        "22298006",
        "38341003",
        "73211009",
        "44054006",
    ]
    assert [dict(r.query)["offset"] for r in sandbox.requests] == ["0", "2", "4", "6"]
    assert [c.code for c in terminology.expand(ecl_value_set("< 56265001"))] == ["414545008", "22298006"]
    assert [c.code for c in terminology.expand(ecl_value_set("<< 64572001"), filter="diabetes")] == [
        "73211009",
        "44054006",
    ]
    assert len(list(terminology.expand(ecl_value_set("<< 64572001"), limit=3, page_size=2))) == 3
    assert [c.code for c in terminology.expand(f"{DMD}?fhir_vs")] == ["90332006", "42109611000001109"]


def test_too_costly_expansion(terminology: TerminologyClient) -> None:
    with pytest.raises(TooCostly) as caught:
        list(terminology.expand(f"{SNOMED}?fhir_vs"))
    assert caught.value.fhir_code == "too-costly"


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("56265001", "22298006", Subsumption.SUBSUMES),
        ("22298006", "56265001", Subsumption.SUBSUMED_BY),
        ("22298006", "22298006", Subsumption.EQUIVALENT),
        ("73211009", "22298006", Subsumption.NOT_SUBSUMED),
    ],
)
def test_subsumes(terminology: TerminologyClient, a: str, b: str, expected: Subsumption) -> None:
    assert terminology.subsumes(a, b) is expected


@pytest.mark.parametrize(
    "body",
    [
        {"resourceType": "Parameters", "parameter": [{"name": "outcome", "valueCode": "maybe"}]},
        {"resourceType": "Bundle"},
        {"resourceType": "Parameters", "parameter": "x"},
    ],
)
def test_malformed_answers(body: Any) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=body))
    with TerminologyClient(base_url="https://ts.example.nhs.uk/fhir", transport=transport) as client:
        with pytest.raises(MalformedResponse):
            client.subsumes("56265001", "22298006")
        with pytest.raises(MalformedResponse):
            client.validate_code("22298006")


def test_ecl_value_set_checks() -> None:
    assert ecl_value_set("<<  404684003") == "http://snomed.info/sct?fhir_vs=ecl/%3C%3C%20%20404684003"
    for bad in ("", "x" * 2001, "a\nb"):
        with pytest.raises(InvalidParameter):
            ecl_value_set(bad)


def test_async_client(sandbox: Sandbox) -> None:
    async def main() -> tuple[Any, ...]:
        async with AsyncTerminologyClient(base_url=sandbox.terminology_url, rate_limit=None) as client:
            a = await client.lookup("56265001")
            b = await client.validate_code("22298006")
            c = [concept.code async for concept in client.expand(ecl_value_set("<< 56265001"), page_size=1)]
            d = await client.subsumes("404684003", "44054006")
        return a, b, c, d

    a, b, c, d = asyncio.run(main())
    assert a.display == "Heart disease"
    assert b.result
    assert c == ["56265001", "414545008", "22298006"]
    assert d is Subsumption.SUBSUMES

"""The transport-agnostic core: environments, URLs, timeouts, retry policy, rate limiter."""

from __future__ import annotations

import json
import random
import subprocess
import sys

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nhsstd.registers import Environment, MalformedResponse, RateLimit, RetryPolicy, Timeouts
from nhsstd.registers._core import RateLimiter, check_url, load_json, parse_json, parse_retry_after
from nhsstd.registers.ods import ODT, ORD, OdtClient
from nhsstd.registers.pds import PDS, AsyncPdsClient, PdsClient
from nhsstd.registers.terminology import TERMINOLOGY


def test_base_urls_per_environment() -> None:
    assert (
        PDS.base_url(Environment.SANDBOX)
        == "https://sandbox.api.service.nhs.uk/personal-demographics/FHIR/R4"
    )
    assert (
        PDS.base_url(Environment.INTEGRATION)
        == "https://int.api.service.nhs.uk/personal-demographics/FHIR/R4"
    )
    assert PDS.base_url(Environment.PRODUCTION) == "https://api.service.nhs.uk/personal-demographics/FHIR/R4"
    assert (
        ODT.base_url("integration") == "https://int.api.service.nhs.uk/organisation-data-terminology-api/fhir"
    )
    assert ORD.base_url(Environment.PRODUCTION) == "https://directory.spineservices.nhs.uk/ORD/2-0-0"
    assert TERMINOLOGY.base_url(Environment.PRODUCTION) == "https://ontology.nhs.uk/production1/fhir"


@pytest.mark.parametrize(
    ("info", "env"), [(ORD, Environment.SANDBOX), (TERMINOLOGY, Environment.INTEGRATION)]
)
def test_missing_environment_is_a_clear_error(info: object, env: Environment) -> None:
    with pytest.raises(ValueError, match="pass base_url="):
        info.base_url(env)  # type: ignore[attr-defined]


def test_token_urls() -> None:
    assert Environment.PRODUCTION.token_url == "https://api.service.nhs.uk/oauth2/token"
    assert Environment.INTEGRATION.token_url == "https://int.api.service.nhs.uk/oauth2/token"


def test_client_needs_environment_or_base_url() -> None:
    with pytest.raises(ValueError, match="environment="):
        PdsClient()
    with PdsClient(environment="integration") as client:
        assert client.base_url.startswith("https://int.api.service.nhs.uk/")
        assert client.environment is Environment.INTEGRATION


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/pds",
        "ftp://127.0.0.1/x",
        "https:///nohost",
        "https://h/x?q=1",
        "https://h/x#f",
        "not a url",
        "http://127.0.0.1:99999/x",
        "http://[::1",
    ],
)
def test_plain_http_only_to_this_machine(url: str) -> None:
    with pytest.raises(ValueError, match=r"base_url"):
        check_url(url)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8000/x", "http://localhost/x", "http://[::1]:80/x", "https://api.service.nhs.uk/x/"],
)
def test_accepted_urls(url: str) -> None:
    assert check_url(url) == url.rstrip("/")


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), True, "5"])
def test_timeouts_must_be_positive(bad: object) -> None:
    with pytest.raises(ValueError, match="positive finite"):
        Timeouts(read=bad)  # type: ignore[arg-type]


def test_timeouts_are_capped_by_the_budget() -> None:
    assert Timeouts(connect=5, read=30).capped(2.0) == {
        "connect": 2.0,
        "read": 2.0,
        "write": 2.0,
        "pool": 2.0,
    }
    assert Timeouts(connect=1, read=3).capped(100)["read"] == 3


@pytest.mark.parametrize("bad", [0, 101, True, 2.5])
def test_retry_attempts_bounded(bad: object) -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=bad)  # type: ignore[arg-type]


@given(attempt=st.integers(1, 50), seed=st.integers(0, 2**32))
def test_backoff_is_jittered_within_the_ceiling(attempt: int, seed: int) -> None:
    policy = RetryPolicy(backoff_base=0.5, backoff_max=4.0)
    delay = policy.backoff(attempt, random.Random(seed))
    assert 0.0 <= delay <= min(4.0, 0.5 * 2 ** (attempt - 1))


def test_backoff_actually_varies() -> None:
    policy = RetryPolicy()
    rng = random.Random(1)
    assert len({policy.backoff(3, rng) for _ in range(20)}) > 10


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("0", 0.0),
        ("7", 7.0),
        (" 2 ", 2.0),
        ("-1", None),
        ("1.5", 1.5),
        ("1.", None),
        ("1e3", None),
        ("soon", None),
        ("", None),
        (None, None),
        ("99999999", 86400.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
        ("٣", None),
    ],
)
def test_retry_after_parsing(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header) == expected


def test_retry_after_http_date_in_the_future() -> None:
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=lambda: 1445412480.0) == pytest.approx(10.0)


def test_rate_limiter_token_bucket() -> None:
    now = [0.0]
    limiter = RateLimiter(RateLimit(5, 1.0), clock=lambda: now[0])
    delays = [limiter.reserve() for _ in range(7)]
    assert delays[:5] == [0.0] * 5
    assert delays[5] == pytest.approx(0.2)
    assert delays[6] == pytest.approx(0.4)
    now[0] = 10.0  # long idle: the bucket refills, but only to its burst size
    assert [limiter.reserve() for _ in range(5)] == [0.0] * 5
    assert limiter.reserve() > 0


@given(requests=st.integers(1, 10_000), per=st.floats(0.1, 1000))
def test_rate_limit_sustained_rate_never_exceeded(requests: int, per: float) -> None:
    limit = RateLimit(requests, per)
    now = [0.0]
    limiter = RateLimiter(limit, clock=lambda: now[0])
    sent = 0
    for _ in range(limit.burst + 50):
        now[0] += limiter.reserve()
        sent += 1
    # over the elapsed time, no more than burst + rate * elapsed requests left
    assert sent <= limit.burst + limit.per_second * now[0] + 1e-6


def test_default_rate_limits_are_the_published_ones() -> None:
    assert PDS.rate_limit == RateLimit(5, 1.0)  # 5 TPS per application
    assert ORD.rate_limit == RateLimit(4, 1.0)  # "keep usage below 5 requests per second"
    assert ODT.rate_limit == RateLimit(5000, 300.0)
    assert TERMINOLOGY.rate_limit == RateLimit(5000, 300.0)
    with PdsClient(environment="sandbox") as client:
        assert client._core.limiter is not None
        assert client._core.limiter.limit == RateLimit(5, 1.0)
    with PdsClient(environment="sandbox", rate_limit=None) as client:
        assert client._core.limiter is None


def test_default_rate_limit_is_shared_by_the_clients_of_one_register() -> None:
    # The published limits are per application: two clients of one register and base URL draw
    # on one bucket (sync and async alike); another register, another base URL or an explicit
    # RateLimit gets its own.
    with (
        PdsClient(environment="sandbox") as first,
        PdsClient(environment="sandbox") as second,
        PdsClient(environment="integration") as integration,
        PdsClient(environment="sandbox", rate_limit=RateLimit(5, 1.0)) as own,
        OdtClient(environment="sandbox") as odt,
    ):
        shared = first._core.limiter
        assert shared is not None
        assert second._core.limiter is shared
        assert AsyncPdsClient(environment="sandbox")._core.limiter is shared
        assert integration._core.limiter is not shared
        assert own._core.limiter is not shared
        assert odt._core.limiter is not shared
        burst = shared.limit.burst
        limiters = [first._core.limiter, second._core.limiter] * burst
        waits = [limiter.reserve() for limiter in limiters if limiter is not None]
        assert len(waits) == 2 * burst
        assert waits[:burst] == [0.0] * burst
        assert all(wait > 0 for wait in waits[burst:])


def test_importing_nhsstd_does_not_import_httpx() -> None:
    code = (
        "import sys, nhsstd, nhsstd.registers, nhsstd.registers.ods_offline, nhsstd.cli; "
        "print('httpx' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_header_values_are_checked() -> None:
    with pytest.raises(ValueError, match="correlation_id"):
        PdsClient(environment="sandbox", correlation_id="bad\nvalue")
    with pytest.raises(ValueError, match="X-Thing"):
        PdsClient(environment="sandbox", headers={"X-Thing": ""})


def test_tls_certificates_are_verified() -> None:
    import ssl

    with PdsClient(environment="production") as pds:
        context = pds._client._transport._pool._ssl_context  # type: ignore[union-attr]
        assert context.verify_mode == ssl.CERT_REQUIRED
        assert context.check_hostname


_JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def _policy_int(digits: str) -> int | float:
    # nhsstd's JSON text policy (nhsstd._json_text): integers within 64 bits exact, others doubles.
    value = int(digits)
    return value if -(2**63) <= value < 2**64 else float(value)


@given(_JSON_VALUES, st.sampled_from(["utf-8", "utf-16", "utf-8-sig"]))
def test_response_bodies_read_under_the_json_text_policy(value: object, encoding: str) -> None:
    # UTF-8 only (RFC 8259 8.1); numbers as orjson reads them, checked against the standard
    # library told the policy's integer rule.
    body = json.dumps(value, ensure_ascii=False).encode(encoding, "surrogatepass")
    if encoding != "utf-8":
        with pytest.raises(ValueError, match="JSON text must be UTF-8"):
            load_json(body)
        return
    try:
        expected = json.loads(body, parse_int=_policy_int)
    except UnicodeDecodeError:  # an unpaired surrogate: not UTF-8
        with pytest.raises(ValueError, match="JSON text must be UTF-8"):
            load_json(body)
        return
    result = load_json(body)
    assert result == expected
    assert json.dumps(result) == json.dumps(expected)  # same types: each int or float as the policy says


@pytest.mark.parametrize("body", [b'{"a": NaN}', b"[Infinity]", b"[-Infinity]", b"", b"{", b"\xff"])
def test_response_bodies_that_are_not_json_are_refused(body: bytes) -> None:
    with pytest.raises(MalformedResponse, match="not valid JSON"):
        parse_json(httpx.Response(200, content=body), "request-id")


def test_a_client_of_the_wrong_kind_or_both_client_and_transport_are_refused() -> None:
    sync_http, async_http = httpx.Client(), httpx.AsyncClient()
    transport = httpx.MockTransport(lambda request: httpx.Response(200))
    with pytest.raises(TypeError, match=r"must be an httpx\.Client \("):
        PdsClient(environment="sandbox", http_client=async_http)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"must be an httpx\.AsyncClient \("):
        AsyncPdsClient(environment="sandbox", http_client=sync_http)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not both"):
        PdsClient(environment="sandbox", http_client=sync_http, transport=transport)
    # a caller's client is used as it is, and left open for the caller to close
    with PdsClient(environment="sandbox", http_client=sync_http) as pds:
        assert pds._client is sync_http
    assert not sync_http.is_closed
    sync_http.close()

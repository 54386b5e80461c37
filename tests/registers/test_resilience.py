"""Fault injection: every fault ends in a typed error or a successful retry, within bounds, leaking nothing.

The autouse ``no_leaked_threads`` fixture and the ``sandbox`` fixture (which waits
until the server has no open connection) check every test here for leaks.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from nhsstd.registers import (
    MalformedResponse,
    RateLimit,
    RateLimited,
    RegisterConnectionError,
    RegisterTimeout,
    RetryPolicy,
    ServerError,
    Timeouts,
    TokenError,
)
from nhsstd.registers._core import Call
from nhsstd.registers.ods import OrdClient
from nhsstd.registers.pds import AsyncPdsClient, PdsClient
from nhsstd.registers.terminology import TerminologyClient
from nhsstd.testing.sandbox import Sandbox
from tests.registers.conftest import FAST_RETRY, FAST_TIMEOUTS

PDS_PATH = "/personal-demographics"


def client(sandbox: Sandbox, **kwargs: Any) -> PdsClient:
    options: dict[str, Any] = {
        "base_url": sandbox.pds_url,
        "rate_limit": None,
        "retry": FAST_RETRY,
        "timeouts": FAST_TIMEOUTS,
    }
    options.update(kwargs)
    return PdsClient(**options)


def request_ids(sandbox: Sandbox) -> list[str]:
    return [r.headers.get("x-request-id", "") for r in sandbox.requests if r.path.startswith(PDS_PATH)]


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408])
def test_a_transient_error_is_retried_with_the_same_request_id(sandbox: Sandbox, status: int) -> None:
    sandbox.faults.error(status, path=PDS_PATH)
    with client(sandbox) as pds:
        assert pds.get_patient("9000000009").nhs_number == "9000000009"
    ids = request_ids(sandbox)
    assert len(ids) == 2
    assert ids[0] == ids[1]


def test_a_persistent_server_error_gives_up_after_max_attempts(sandbox: Sandbox) -> None:
    sandbox.faults.error(500, path=PDS_PATH, times=None)
    started = time.monotonic()
    with client(sandbox) as pds, pytest.raises(ServerError) as caught:
        pds.get_patient("9000000009")
    assert time.monotonic() - started < FAST_RETRY.total_time
    assert caught.value.status == 500
    assert len(request_ids(sandbox)) == FAST_RETRY.max_attempts
    assert len(set(request_ids(sandbox))) == 1
    assert caught.value.request_id == request_ids(sandbox)[0]


def test_429_waits_at_least_retry_after(sandbox: Sandbox) -> None:
    sandbox.faults.rate_limit(retry_after=0.4, path=PDS_PATH)
    started = time.monotonic()
    with client(sandbox) as pds:
        assert pds.get_patient("9000000033").nhs_number == "9000000033"
    elapsed = time.monotonic() - started
    assert 0.4 <= elapsed < 2.0
    ids = request_ids(sandbox)
    assert len(ids) == 2
    assert ids[0] == ids[1]


def test_429_longer_than_the_budget_is_raised_at_once(sandbox: Sandbox) -> None:
    sandbox.faults.rate_limit(retry_after=120, path=PDS_PATH)
    started = time.monotonic()
    with client(sandbox) as pds, pytest.raises(RateLimited) as caught:
        pds.get_patient("9000000009")
    assert time.monotonic() - started < 1.0
    assert caught.value.retry_after == 120
    assert caught.value.spine_code == "TOO_MANY_REQUESTS"
    assert len(request_ids(sandbox)) == 1


def test_a_reset_connection_is_retried(sandbox: Sandbox) -> None:
    sandbox.faults.reset(path=PDS_PATH)
    with client(sandbox) as pds:
        assert pds.get_patient("9000000009").nhs_number == "9000000009"
    ids = request_ids(sandbox)
    assert len(ids) == 2
    assert ids[0] == ids[1]


def test_persistent_resets_end_in_a_connection_error(sandbox: Sandbox) -> None:
    sandbox.faults.reset(path=PDS_PATH, times=None)
    with client(sandbox) as pds, pytest.raises(RegisterConnectionError) as caught:
        pds.get_patient("9000000009")
    assert isinstance(caught.value, ConnectionError)
    assert len(request_ids(sandbox)) == FAST_RETRY.max_attempts


def test_a_slow_response_times_out_then_succeeds(sandbox: Sandbox) -> None:
    sandbox.faults.delay(1.0, path=PDS_PATH)
    timeouts = Timeouts(connect=1.0, read=0.3)
    started = time.monotonic()
    with client(sandbox, timeouts=timeouts) as pds:
        assert pds.get_patient("9000000009").nhs_number == "9000000009"
    assert 0.3 <= time.monotonic() - started < 1.0
    assert len(request_ids(sandbox)) == 2


def test_a_server_that_never_answers_in_time_ends_in_a_timeout_within_the_budget(sandbox: Sandbox) -> None:
    sandbox.faults.delay(1.0, path=PDS_PATH, times=None)
    retry = RetryPolicy(max_attempts=10, total_time=0.8, backoff_base=0.01, backoff_max=0.02)
    started = time.monotonic()
    with (
        client(sandbox, timeouts=Timeouts(read=0.25), retry=retry) as pds,
        pytest.raises(RegisterTimeout) as caught,
    ):
        pds.get_patient("9000000009")
    elapsed = time.monotonic() - started
    assert elapsed < 0.8 + 0.3  # the budget, plus at most one capped attempt's slack
    assert isinstance(caught.value, TimeoutError)
    assert 2 <= len(request_ids(sandbox)) < 10
    sandbox.faults.clear()


def test_timeouts_can_be_left_unretried(sandbox: Sandbox) -> None:
    sandbox.faults.delay(0.6, path=PDS_PATH)
    retry = RetryPolicy(max_attempts=3, retry_timeouts=False, backoff_base=0.01)
    with client(sandbox, timeouts=Timeouts(read=0.2), retry=retry) as pds, pytest.raises(RegisterTimeout):
        pds.get_patient("9000000009")
    assert len(request_ids(sandbox)) == 1


def test_a_malformed_body_is_a_typed_error_and_not_retried(sandbox: Sandbox) -> None:
    sandbox.faults.malformed(path=PDS_PATH)
    with client(sandbox) as pds, pytest.raises(MalformedResponse):
        pds.get_patient("9000000009")
    assert len(request_ids(sandbox)) == 1


def test_non_idempotent_calls_are_never_retried(sandbox: Sandbox) -> None:
    sandbox.faults.error(503, path=PDS_PATH, times=None)
    with client(sandbox) as pds:
        call = Call(
            "POST", "/Patient", label="POST /Patient", json={"resourceType": "Patient"}, idempotent=False
        )
        with pytest.raises(ServerError):
            pds._send(call)
    assert len(request_ids(sandbox)) == 1
    sandbox.faults.clear()
    sandbox.faults.reset(path=PDS_PATH)
    with client(sandbox) as pds, pytest.raises(RegisterConnectionError):
        pds._send(Call("POST", "/Patient", label="POST /Patient", idempotent=False))


def test_a_failing_token_endpoint_is_not_retried(sandbox: Sandbox) -> None:
    sandbox.faults.error(500, path="/oauth2/token")
    auth = sandbox.signed_jwt_auth()
    with client(sandbox, auth=auth) as pds, pytest.raises(TokenError) as caught:
        pds.get_patient("9000000009")
    assert caught.value.status == 500
    assert auth.token_requests == 1


def test_retry_policy_none(sandbox: Sandbox) -> None:
    sandbox.faults.error(503, path=PDS_PATH)
    with client(sandbox, retry=RetryPolicy.none()) as pds, pytest.raises(ServerError):
        pds.get_patient("9000000009")


def test_other_registers_share_the_resilience(sandbox: Sandbox) -> None:
    sandbox.faults.error(502, path="/ORD")
    sandbox.faults.reset(path="/terminology")
    with OrdClient(base_url=sandbox.ord_url, retry=FAST_RETRY, rate_limit=None) as ord_api:
        assert ord_api.get_organisation("Y12345").name == "TREVELYAN SQUARE MEDICAL CENTRE"
    with TerminologyClient(base_url=sandbox.terminology_url, retry=FAST_RETRY) as terminology:
        assert terminology.lookup("22298006").display == "Myocardial infarction"


def test_the_client_side_rate_limit_paces_requests(sandbox: Sandbox) -> None:
    with client(sandbox, rate_limit=RateLimit(10, 1.0)) as pds:
        started = time.monotonic()
        for _ in range(15):
            pds.get_patient("9000000033")
        elapsed = time.monotonic() - started
    assert elapsed >= 0.45  # 10 in the burst, then 5 more at 10 per second


def test_async_faults_end_in_retries_or_typed_errors(sandbox: Sandbox) -> None:
    async def main() -> list[Any]:
        async with AsyncPdsClient(
            base_url=sandbox.pds_url, rate_limit=None, retry=FAST_RETRY, timeouts=Timeouts(read=0.3)
        ) as pds:
            sandbox.faults.error(503, path=PDS_PATH)
            first = await pds.get_patient("9000000009")
            sandbox.faults.rate_limit(retry_after=0.2, path=PDS_PATH)
            second = await pds.get_patient("9000000009")
            sandbox.faults.delay(0.8, path=PDS_PATH)
            third = await pds.get_patient("9000000009")
            sandbox.faults.malformed(path=PDS_PATH)
            try:
                await pds.get_patient("9000000009")
            except MalformedResponse as error:
                fourth: Any = error
            sandbox.faults.reset(path=PDS_PATH, times=None)
            try:
                await pds.get_patient("9000000009")
            except RegisterConnectionError as error:
                fifth: Any = error
            sandbox.faults.clear()
            return [first, second, third, fourth, fifth]

    results = asyncio.run(main())
    assert [r.nhs_number for r in results[:3]] == ["9000000009"] * 3
    assert isinstance(results[3], MalformedResponse)
    assert isinstance(results[4], RegisterConnectionError)


def test_fifty_concurrent_async_requests_with_faults(sandbox: Sandbox) -> None:
    sandbox.faults.error(503, path=PDS_PATH, times=5)
    sandbox.faults.reset(path=PDS_PATH, times=5)

    async def main() -> list[str]:
        async with AsyncPdsClient(base_url=sandbox.pds_url, rate_limit=None, retry=FAST_RETRY) as pds:
            records = await asyncio.gather(*(pds.get_patient("9000000009") for _ in range(50)))
        return [record.nhs_number for record in records]

    assert asyncio.run(main()) == ["9000000009"] * 50
    assert sandbox.faults.applied == 10


def test_stopping_the_sandbox_with_a_request_in_flight_leaks_nothing() -> None:
    with Sandbox() as private:
        private.faults.delay(30.0, times=None)
        with (
            PdsClient(
                base_url=private.pds_url,
                rate_limit=None,
                retry=RetryPolicy.none(),
                timeouts=Timeouts(read=0.2),
            ) as pds,
            pytest.raises(RegisterTimeout),
        ):
            pds.get_patient("9000000009")
        started = time.monotonic()
    assert time.monotonic() - started < 2.0  # stop() interrupts the delay and joins the threads
    assert private.open_connections == 0

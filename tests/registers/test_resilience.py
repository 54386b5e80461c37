"""Fault injection: every fault ends in a typed error or a successful retry, within bounds, leaking nothing.

The autouse ``no_leaked_threads`` fixture and the ``sandbox`` fixture (which waits
until the server has no open connection) check every test here for leaks.
"""

from __future__ import annotations

import asyncio
import threading
import time
import urllib.parse
from typing import Any

import httpx
import jwt
import pytest

from nhsstd.registers import (
    MalformedResponse,
    RateLimit,
    RateLimited,
    RegisterConnectionError,
    RegisterError,
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
from nhsstd.testing.sandbox import DEFAULT_CLIENT_SECRET, Sandbox, test_private_key
from tests.registers.conftest import FAST_RETRY, FAST_TIMEOUTS

PDS_PATH = "/personal-demographics"

#: What a call may run past its retry budget on a loaded machine (2 cores shared with the rest of
#: the suite): scheduling, thread start-up, one capped attempt finishing.  The bounds below still
#: tell a budget kept from one ignored, which would take every attempt (2.5 s and more).
LOADED_SLACK = 0.7


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
    assert elapsed < 0.8 + LOADED_SLACK  # the budget, not ten attempts of 0.25 s
    assert isinstance(caught.value, TimeoutError)
    # The last attempt ends by its capped read timeout or by the call's deadline, whichever
    # comes first: both are the typed timeout.
    assert str(caught.value).startswith(
        ("no response within the timeout (ReadTimeout)", "no complete response within the call's total time")
    )
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


@pytest.mark.parametrize("status", [500, 503])
def test_a_failing_token_endpoint_is_retried_within_the_budget(sandbox: Sandbox, status: int) -> None:
    # Issue 14: a token endpoint's 5xx is transient (RFC 9110 15.6) like a register's; the
    # register has not seen the call, so it goes again, with a new assertion.
    sandbox.faults.error(status, path="/oauth2/token")
    auth = sandbox.signed_jwt_auth()
    with client(sandbox, auth=auth) as pds:
        assert pds.get_patient("9000000009").nhs_number == "9000000009"
    assert auth.token_requests == 2


def test_a_token_endpoint_that_keeps_failing_ends_in_token_error_within_the_budget(sandbox: Sandbox) -> None:
    sandbox.faults.error(503, path="/oauth2/token", times=None)
    auth = sandbox.signed_jwt_auth()
    retry = RetryPolicy(max_attempts=50, total_time=0.6, backoff_base=0.05, backoff_max=0.1)
    started = time.monotonic()
    with (
        client(sandbox, auth=auth, retry=retry) as pds,
        pytest.raises((TokenError, RegisterTimeout)) as caught,
    ):
        pds.get_patient("9000000009")
    assert time.monotonic() - started < 0.6 + LOADED_SLACK  # not 50 attempts of 0.05-0.1 s
    # The last failure, or -- on a slow machine, an attempt still running at the deadline --
    # the deadline itself.
    if isinstance(caught.value, TokenError):
        assert caught.value.status == 503
    assert 2 <= auth.token_requests < 50
    assert request_ids(sandbox) == []  # the register never saw the call
    sandbox.faults.clear()


def test_a_refusal_by_the_token_endpoint_is_not_retried(sandbox: Sandbox) -> None:
    sandbox.faults.error(400, path="/oauth2/token")
    auth = sandbox.signed_jwt_auth()
    with client(sandbox, auth=auth) as pds, pytest.raises(TokenError) as caught:
        pds.get_patient("9000000009")
    assert caught.value.status == 400
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



def test_waiting_for_the_client_side_rate_limit_counts_in_the_total_time(sandbox: Sandbox) -> None:
    # RetryPolicy.total_time bounds the whole call: a wait for the rate limit that would outlast
    # it (a second, for 0.9 s) ends the call at once with RegisterTimeout; the slot is given back.
    within_a_second = RetryPolicy(max_attempts=1, total_time=0.9)
    outcomes: list[tuple[str, float]] = []
    with client(sandbox, rate_limit=RateLimit(1, 1.0), retry=within_a_second) as pds:

        def call() -> None:
            started = time.monotonic()
            try:
                pds.get_patient("9000000033")
                outcomes.append(("answered", time.monotonic() - started))
            except RegisterTimeout:
                outcomes.append(("timeout", time.monotonic() - started))

        threads = [threading.Thread(target=call) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert sorted(outcome for outcome, _ in outcomes) == ["answered", "timeout", "timeout", "timeout"]
        assert max(elapsed for _, elapsed in outcomes) < 0.5  # nobody slept towards a missed deadline
        time.sleep(1.0)  # one token back in the bucket, and none owed by the calls that gave up
        started = time.monotonic()
        pds.get_patient("9000000033")
        assert time.monotonic() - started < 0.5
    assert len(sandbox.requests) == 2

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

    # What is tested is concurrency with faults, not the budget: 50 calls on a loaded 2-core
    # machine can take longer than FAST_RETRY's 5 s.
    retry = RetryPolicy(max_attempts=3, total_time=60.0, backoff_base=0.01, backoff_max=0.05)

    async def main() -> list[str]:
        async with AsyncPdsClient(base_url=sandbox.pds_url, rate_limit=None, retry=retry) as pds:
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


# -- a token endpoint that does not answer -------------------------------------------------------
#
# Token requests carry the call's timeouts (capped by the retry budget), so a silent token
# endpoint ends in RegisterTimeout instead of a hang, the refresh lock is released, and the
# next call after the fault fetches a token.  The sandbox's delay outlasts every timeout here.

TOKEN_PATH = "/oauth2/token"
TERMINOLOGY_TOKEN_PATH = "/terminology/token"
SLOW_TOKEN = 2.0
SHORT_READ = Timeouts(connect=1.0, read=0.3)


class _CountingTokenTransport(httpx.HTTPTransport):
    """A real-socket transport that records how many token requests are in flight at once."""

    def __init__(self) -> None:
        super().__init__()
        self._guard = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        token = request.url.path in (TOKEN_PATH, TERMINOLOGY_TOKEN_PATH)
        if token:
            with self._guard:
                self.in_flight += 1
                self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            return super().handle_request(request)
        finally:
            if token:
                with self._guard:
                    self.in_flight -= 1


class _AsyncCountingTokenTransport(httpx.AsyncHTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.in_flight = 0
        self.most_in_flight = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        token = request.url.path in (TOKEN_PATH, TERMINOLOGY_TOKEN_PATH)
        if token:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            return await super().handle_async_request(request)
        finally:
            if token:
                self.in_flight -= 1


def _token_posts(sandbox: Sandbox, path: str = TOKEN_PATH) -> list[bytes]:
    return [r.body for r in sandbox.requests if r.path == path]


def _assert_no_secret(error: BaseException, sandbox: Sandbox, path: str) -> None:
    secrets = [body.decode() for body in _token_posts(sandbox, path)]
    secrets += [DEFAULT_CLIENT_SECRET, test_private_key().decode()[40:80], "PRIVATE KEY"]
    for rendering in (str(error), repr(error)):
        for secret in secrets:
            assert secret not in rendering


@pytest.mark.parametrize("register", ["pds", "terminology"])
def test_a_silent_token_endpoint_ends_in_a_timeout_then_recovers(sandbox: Sandbox, register: str) -> None:
    path = TOKEN_PATH if register == "pds" else TERMINOLOGY_TOKEN_PATH
    sandbox.faults.delay(SLOW_TOKEN, path=path, times=None)
    options: dict[str, Any] = {"timeouts": SHORT_READ, "retry": RetryPolicy.none()}
    api: PdsClient | TerminologyClient
    if register == "pds":
        auth = sandbox.signed_jwt_auth()
        api = client(sandbox, auth=auth, **options)
    else:
        auth = sandbox.client_credentials_auth()
        api = TerminologyClient(base_url=sandbox.terminology_url, auth=auth, **options)

    def call() -> str | None:
        if isinstance(api, PdsClient):
            return api.get_patient("9000000009").nhs_number
        return api.lookup("22298006").display

    with api:
        started = time.monotonic()
        with pytest.raises(RegisterTimeout) as caught:
            call()
        assert time.monotonic() - started < 1.5  # a bound on a hang: the endpoint answers after 2 s
        assert not auth._lock.locked()
        _assert_no_secret(caught.value, sandbox, path)
        assert str(caught.value).startswith("the token endpoint: no response within the timeout")
        sandbox.faults.clear()
        assert call() in ("9000000009", "Myocardial infarction")
    assert auth.token_requests == 2


def test_a_timed_out_token_request_is_retried_with_a_fresh_jti_within_the_budget(sandbox: Sandbox) -> None:
    sandbox.faults.delay(SLOW_TOKEN, path=TOKEN_PATH, times=None)
    auth = sandbox.signed_jwt_auth()
    retry = RetryPolicy(max_attempts=3, total_time=1.5, backoff_base=0.01, backoff_max=0.02)
    started = time.monotonic()
    with client(sandbox, auth=auth, timeouts=SHORT_READ, retry=retry) as pds, pytest.raises(RegisterTimeout):
        pds.get_patient("9000000009")
    assert time.monotonic() - started < 1.5 + 0.5
    assert auth.token_requests == 3
    assertions = [
        dict(urllib.parse.parse_qsl(body.decode()))["client_assertion"] for body in _token_posts(sandbox)
    ]
    jtis = {jwt.decode(a, options={"verify_signature": False})["jti"] for a in assertions}
    assert len(jtis) == 3  # never a replay of an assertion the endpoint may have seen
    assert request_ids(sandbox) == []  # the API itself was never called without a token


def test_an_async_silent_token_endpoint_ends_in_a_timeout_then_recovers(sandbox: Sandbox) -> None:
    sandbox.faults.delay(SLOW_TOKEN, path=TOKEN_PATH, times=None)
    auth = sandbox.signed_jwt_auth()

    async def main() -> tuple[BaseException, float, str]:
        async with AsyncPdsClient(
            base_url=sandbox.pds_url,
            auth=auth,
            rate_limit=None,
            retry=RetryPolicy.none(),
            timeouts=SHORT_READ,
        ) as pds:
            started = time.monotonic()
            try:
                await pds.get_patient("9000000009")
            except RegisterTimeout as error:
                failure: BaseException = error
            elapsed = time.monotonic() - started
            sandbox.faults.clear()
            record = await pds.get_patient("9000000009")
        return failure, elapsed, record.nhs_number

    failure, elapsed, nhs_number = asyncio.run(asyncio.wait_for(main(), 15))
    assert isinstance(failure, RegisterTimeout)
    assert elapsed < 1.5
    _assert_no_secret(failure, sandbox, TOKEN_PATH)
    assert nhs_number == "9000000009"
    assert auth.token_requests == 2


@pytest.mark.parametrize("slow_token_requests", [1, None])
def test_threads_behind_a_silent_token_endpoint_all_finish(
    sandbox: Sandbox, slow_token_requests: int | None
) -> None:
    sandbox.faults.delay(SLOW_TOKEN, path=TOKEN_PATH, times=slow_token_requests)
    auth = sandbox.signed_jwt_auth()
    transport = _CountingTokenTransport()
    callers = 6
    results: list[object] = []
    barrier = threading.Barrier(callers)
    with client(
        sandbox, auth=auth, transport=transport, timeouts=SHORT_READ, retry=RetryPolicy.none()
    ) as pds:

        def work() -> None:
            barrier.wait()
            try:
                results.append(pds.get_patient("9000000009").nhs_number)
            except RegisterError as error:
                results.append(error)

        threads = [threading.Thread(target=work) for _ in range(callers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=15)
        assert not any(thread.is_alive() for thread in threads)
        timeouts = [result for result in results if isinstance(result, RegisterTimeout)]
        assert len(results) == callers
        assert all(result == "9000000009" or isinstance(result, RegisterTimeout) for result in results)
        assert transport.most_in_flight == 1  # one refresh at a time
        assert not auth._lock.locked()
        if slow_token_requests == 1:
            # the first refresh timed out; the next caller fetched a token the others then reused
            assert len(timeouts) == 1
            assert auth.token_requests == 2
        else:
            # each caller tried in turn after the one before it failed, and none hung
            assert len(timeouts) == callers
            assert auth.token_requests == callers
        sandbox.faults.clear()
        assert pds.get_patient("9000000009").nhs_number == "9000000009"


@pytest.mark.parametrize("slow_token_requests", [1, None])
def test_tasks_behind_a_silent_token_endpoint_all_finish(
    sandbox: Sandbox, slow_token_requests: int | None
) -> None:
    sandbox.faults.delay(SLOW_TOKEN, path=TOKEN_PATH, times=slow_token_requests)
    auth = sandbox.signed_jwt_auth()
    transport = _AsyncCountingTokenTransport()
    callers = 6

    async def main() -> tuple[list[object], str]:
        async with AsyncPdsClient(
            base_url=sandbox.pds_url,
            auth=auth,
            transport=transport,
            rate_limit=None,
            retry=RetryPolicy.none(),
            timeouts=SHORT_READ,
        ) as pds:
            results = await asyncio.gather(
                *(pds.get_patient("9000000009") for _ in range(callers)), return_exceptions=True
            )
            sandbox.faults.clear()
            later = await pds.get_patient("9000000009")
        return [r.nhs_number if not isinstance(r, BaseException) else r for r in results], later.nhs_number

    results, later = asyncio.run(asyncio.wait_for(main(), 15))
    timeouts = [result for result in results if isinstance(result, RegisterTimeout)]
    assert all(result == "9000000009" or isinstance(result, RegisterTimeout) for result in results)
    assert transport.most_in_flight == 1
    if slow_token_requests == 1:
        assert len(timeouts) == 1
        assert auth.token_requests == 2
    else:
        assert len(timeouts) == callers
        assert auth.token_requests == callers + 1  # each caller in turn, then the later call
    assert later == "9000000009"

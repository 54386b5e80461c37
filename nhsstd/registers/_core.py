"""The transport-agnostic core shared by every register client, sync and async.

Nothing here performs I/O.  A client describes a call as a :class:`Call`; an
:class:`Exchange` turns it into ``httpx.Request`` objects (one per attempt,
all with the same ``X-Request-ID``) and decides, from each response or
transport error, whether the call is done, should be retried after a delay,
or has failed with a typed :class:`~nhsstd.registers.RegisterError`.  The
sync and async drivers in :mod:`nhsstd.registers._transport` only send,
sleep and loop.

Policies:

* every request has connect, read, write and pool timeouts (:class:`Timeouts`),
  shortened so that no attempt outlives the retry budget;
* only idempotent calls are retried, and only on HTTP 429 (waiting at least
  ``Retry-After``), 408, 5xx, and connection errors or timeouts; a write is
  retried only when it cannot have reached the register (the connection was
  never made, the token endpoint failed, or HTTP 429);
* the number of attempts *and* the total time are bounded (:class:`RetryPolicy`);
  the wait between attempts is "full jitter" exponential backoff, and the total
  time is a deadline for the whole call: connecting, headers, body and retries;
* a response body is read in chunks, decoded, and refused as soon as it passes
  the register's size cap (:attr:`RegisterInfo.max_response_bytes`);
* a client-side token bucket (:class:`RateLimiter`) keeps the client under
  the register's published rate limit unless told otherwise.
"""

from __future__ import annotations

import email.utils
import enum
import ipaddress
import logging
import math
import random
import re
import threading
import time
import urllib.parse
import uuid
import weakref
import zlib
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import attrs

from nhsstd._json_text import load_json
from nhsstd.registers._errors import (
    MalformedResponse,
    RegisterConnectionError,
    RegisterError,
    RegisterTimeout,
    ResponseTooLarge,
    TokenError,
    error_from_outcome,
)

if TYPE_CHECKING:  # pragma: no cover - typing only
    import httpx

__all__ = [
    "Call",
    "Environment",
    "Exchange",
    "RateLimit",
    "RateLimiter",
    "RegisterInfo",
    "RetryPolicy",
    "Timeouts",
]

logger = logging.getLogger("nhsstd.registers")


class Environment(str, enum.Enum):
    """Which deployment of a register to call.

    >>> Environment("integration")
    <Environment.INTEGRATION: 'integration'>
    >>> Environment.PRODUCTION.api_platform_host
    'https://api.service.nhs.uk'
    >>> Environment.INTEGRATION.token_url
    'https://int.api.service.nhs.uk/oauth2/token'
    """

    #: The public sandboxes: fixed test data, no authentication.
    SANDBOX = "sandbox"
    #: The integration (INT) test environment: test data, real authentication.
    INTEGRATION = "integration"
    #: Live services and real patients.
    PRODUCTION = "production"

    @property
    def api_platform_host(self) -> str:
        """Scheme and host of the NHS API platform in this environment."""
        return _API_PLATFORM_HOSTS[self]

    @property
    def token_url(self) -> str:
        """The API platform's OAuth 2.0 token endpoint (``aud`` of a signed JWT)."""
        return f"{self.api_platform_host}/oauth2/token"


_API_PLATFORM_HOSTS: dict[Environment, str] = {
    Environment.SANDBOX: "https://sandbox.api.service.nhs.uk",
    Environment.INTEGRATION: "https://int.api.service.nhs.uk",
    Environment.PRODUCTION: "https://api.service.nhs.uk",
}


def _positive(name: str) -> Callable[[Any, Any, float], None]:
    def check(_instance: Any, _attribute: Any, value: float) -> None:
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not (math.isfinite(value) and value > 0)
        ):
            raise ValueError(f"{name} must be a positive finite number of seconds")

    return check


@attrs.frozen
class RateLimit:
    """At most *requests* requests every *per_seconds* seconds.

    >>> RateLimit(5, 1.0).per_second
    5.0
    >>> round(RateLimit(5000, 300).per_second, 2)
    16.67
    """

    requests: int = attrs.field()
    per_seconds: float = attrs.field(default=1.0, validator=_positive("per_seconds"))

    @requests.validator
    def _check_requests(self, _attribute: Any, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError("requests must be a positive integer")

    @property
    def per_second(self) -> float:
        """The sustained rate in requests per second."""
        return self.requests / self.per_seconds

    @property
    def burst(self) -> int:
        """How many requests may go back to back after an idle spell (at least 1)."""
        return max(1, min(self.requests, int(self.per_second)))


class RateLimiter:
    """A thread-safe token bucket; :meth:`reserve` says how long to wait.

    The reservation is taken at once (the bucket may go negative), so callers
    simply sleep for the returned delay -- ``time.sleep`` or ``asyncio.sleep``
    -- and requests leave in the order they reserved.

    >>> limiter = RateLimiter(RateLimit(2, 1.0), clock=lambda: 0.0)
    >>> [limiter.reserve() for _ in range(4)]
    [0.0, 0.0, 0.5, 1.0]
    """

    def __init__(self, limit: RateLimit, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens = float(limit.burst)
        self._updated = clock()

    def reserve(self) -> float:
        """Take one token; the number of seconds to wait before sending."""
        rate = self.limit.per_second
        with self._lock:
            now = self._clock()
            self._tokens = min(float(self.limit.burst), self._tokens + (now - self._updated) * rate)
            self._updated = now
            self._tokens -= 1.0
            if self._tokens >= 0:
                return 0.0
            return -self._tokens / rate

    def give_back(self) -> None:
        """Return a token taken by :meth:`reserve` for a request that will not be sent."""
        with self._lock:
            self._tokens = min(float(self.limit.burst), self._tokens + 1.0)

    def __repr__(self) -> str:
        return f"RateLimiter({self.limit!r})"


_SHARED_LIMITERS: weakref.WeakValueDictionary[tuple[str, str, RateLimit], RateLimiter] = (
    weakref.WeakValueDictionary()
)
_SHARED_LIMITERS_LOCK = threading.Lock()


def shared_limiter(info: RegisterInfo, base_url: str) -> RateLimiter | None:
    """The process-wide limiter for *info*'s published rate limit at *base_url*.

    Clients created with ``rate_limit="default"`` share it, so that several clients of one
    register (one per thread or task, say) together keep to the limit, which the registers
    set per application.  It lasts while a client holds it.
    """
    limit = info.rate_limit
    if limit is None:
        return None
    key = (info.name, base_url, limit)
    with _SHARED_LIMITERS_LOCK:
        limiter = _SHARED_LIMITERS.get(key)
        if limiter is None:
            limiter = _SHARED_LIMITERS[key] = RateLimiter(limit)
        return limiter


@attrs.frozen
class Timeouts:
    """Seconds allowed to connect, read a response, write a request and wait for a pooled connection.

    None of them can be switched off.

    >>> Timeouts(connect=2.0).read
    30.0
    """

    connect: float = attrs.field(default=5.0, validator=_positive("connect"))
    read: float = attrs.field(default=30.0, validator=_positive("read"))
    write: float = attrs.field(default=30.0, validator=_positive("write"))
    pool: float = attrs.field(default=10.0, validator=_positive("pool"))

    def capped(self, budget: float) -> dict[str, float]:
        """The timeouts as an httpx ``timeout`` mapping, none longer than *budget*."""
        budget = max(budget, 0.001)
        return {
            "connect": min(self.connect, budget),
            "read": min(self.read, budget),
            "write": min(self.write, budget),
            "pool": min(self.pool, budget),
        }


@attrs.frozen
class RetryPolicy:
    """When and how often an idempotent call is retried.

    :param max_attempts: attempts in all, including the first (1 = no retries).
    :param total_time: the deadline of the whole call, in seconds from its first
        attempt: no attempt starts after it, each attempt's timeouts are cut to
        what is left, and an attempt still connecting or receiving when it passes
        (a server sending a byte at a time, say) is cut off with
        :class:`~nhsstd.registers.RegisterTimeout`.
    :param backoff_base: the first backoff ceiling in seconds; it doubles per
        attempt up to *backoff_max*, and the actual wait is drawn uniformly
        below the ceiling ("full jitter").
    :param retry_statuses: HTTP statuses worth retrying.
    :param retry_timeouts: whether a timed-out attempt is retried.

    >>> RetryPolicy().max_attempts
    3
    >>> RetryPolicy.none().max_attempts
    1
    """

    max_attempts: int = attrs.field(default=3)
    total_time: float = attrs.field(default=30.0, validator=_positive("total_time"))
    backoff_base: float = attrs.field(default=0.25, validator=_positive("backoff_base"))
    backoff_max: float = attrs.field(default=8.0, validator=_positive("backoff_max"))
    retry_statuses: frozenset[int] = attrs.field(
        default=frozenset({408, 429, 500, 502, 503, 504}), converter=frozenset
    )
    retry_timeouts: bool = True

    @max_attempts.validator
    def _check_attempts(self, _attribute: Any, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100:
            raise ValueError("max_attempts must be an integer from 1 to 100")

    @classmethod
    def none(cls) -> RetryPolicy:
        """A policy that never retries."""
        return cls(max_attempts=1)

    def backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        """The jittered wait after failed attempt number *attempt* (1-based)."""
        ceiling = min(self.backoff_max, self.backoff_base * (2 ** min(attempt - 1, 30)))
        return (rng or random).uniform(0.0, ceiling)


#: The largest decoded response body a client accepts unless its register says otherwise.
DEFAULT_MAX_RESPONSE_BYTES: Final = 16 * 1024 * 1024


@attrs.frozen
class RegisterInfo:
    """Published facts about one register: base URLs, rate limit and the largest sensible answer.

    :param max_response_bytes: the default cap on a decoded response body; a
        larger one is refused (:class:`~nhsstd.registers.ResponseTooLarge`) as it
        arrives, so that a broken or hostile server cannot exhaust memory.
    """

    name: str
    base_urls: Mapping[Environment, str]
    rate_limit: RateLimit | None
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES

    def base_url(self, environment: Environment) -> str:
        """The base URL in *environment*; ``ValueError`` if the register has none there."""
        environment = Environment(environment)
        try:
            return self.base_urls[environment]
        except KeyError:
            available = ", ".join(env.value for env in self.base_urls) or "none"
            raise ValueError(
                f"{self.name} has no {environment.value} environment (available: {available}); "
                "pass base_url= to use another server, such as the local sandbox"
            ) from None


_LOOPBACK_NAMES = frozenset({"localhost"})


def is_loopback(host: str) -> bool:
    """Whether *host* names this machine (127.0.0.0/8, ::1, localhost).

    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("api.service.nhs.uk")
    (True, True, False)
    """
    host = host.strip("[]").lower()
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str, *, what: str = "base_url") -> str:
    """*url* without a trailing slash, if it is https (or http to this machine).

    Plain http is refused for any other host so that TLS, with certificate
    verification, protects every call that leaves the machine.

    >>> check_url("https://int.api.service.nhs.uk/personal-demographics/FHIR/R4/")
    'https://int.api.service.nhs.uk/personal-demographics/FHIR/R4'
    >>> check_url("http://127.0.0.1:8080/pds")
    'http://127.0.0.1:8080/pds'
    >>> check_url("http://example.org/pds")
    Traceback (most recent call last):
    ...
    ValueError: base_url must use https (plain http is allowed only for this machine)
    """
    if not isinstance(url, str):
        raise TypeError(f"{what} must be a str")
    try:
        parts = urllib.parse.urlsplit(url.strip())
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise ValueError(f"{what} is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not host or parts.query or parts.fragment:
        raise ValueError(f"{what} must be an absolute http(s) URL without query or fragment")
    if parts.scheme == "http" and not is_loopback(host):
        raise ValueError(f"{what} must use https (plain http is allowed only for this machine)")
    return urllib.parse.urlunsplit(parts).rstrip("/")


def resolve_base_url(
    info: RegisterInfo, environment: Environment | str | None, base_url: str | None
) -> tuple[Environment | None, str]:
    """The environment and base URL a client was given (exactly one of them is required)."""
    if base_url is not None:
        env = Environment(environment) if environment is not None else None
        return env, check_url(base_url)
    if environment is None:
        raise ValueError(
            f"{info.name}: pass environment= (Environment.SANDBOX, INTEGRATION or PRODUCTION) or base_url="
        )
    env = Environment(environment)
    return env, info.base_url(env)


@attrs.frozen
class Call:
    """One logical request, before any attempt is made.

    :param method: HTTP method.
    :param path: path below the client's base URL, already percent-encoded,
        or an absolute URL (used for ``next`` links).
    :param label: what logs show instead of the path (``GET /Patient/{id}``),
        so identifiers never reach a log line.
    :param idempotent: whether the call may be retried.
    :param ok_statuses: statuses that end the call successfully.
    """

    method: str
    path: str
    label: str
    params: Sequence[tuple[str, str]] = ()
    headers: Mapping[str, str] = attrs.field(factory=dict)
    json: Any = None
    content: bytes | None = None
    idempotent: bool = True
    ok_statuses: frozenset[int] = frozenset({200})


@attrs.define
class Retry:
    """Wait *delay* seconds, then make the next attempt."""

    delay: float


_SECONDS = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,6})?")


def parse_retry_after(value: str | None, *, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date).

    >>> parse_retry_after("3")
    3.0
    >>> parse_retry_after("0.5")
    0.5
    >>> parse_retry_after("soon") is None
    True
    >>> parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    True
    """
    if value is None:
        return None
    value = value.strip()
    if _SECONDS.fullmatch(value):
        # RFC 9110 says whole seconds; a decimal is read too rather than ignored.
        return min(float(value), 86_400.0)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, min(when.timestamp() - now(), 86_400.0))


#: The most a compressed body is inflated by in one step: memory stays near the size cap
#: however far a body would inflate (gzip reaches a thousandfold).
_INFLATE_STEP: Final = 64 * 1024
#: The content codings the clients ask for (``Accept-Encoding``), and decode themselves.
ACCEPT_ENCODING: Final = "gzip, deflate"


class Body:
    """A response body, decoded as its raw chunks arrive and refused once it passes the size cap.

    Only ``identity``, ``gzip`` and ``deflate`` are read -- the clients ask for no other
    (:data:`ACCEPT_ENCODING`) -- and a compressed body is inflated a step at a time, so
    that a small body that would inflate to gigabytes is stopped at the cap, having used
    little more memory than the cap.

    >>> import gzip
    >>> bomb = gzip.compress(b" " * 1_000_000)
    >>> body = Body(200, {"Content-Encoding": "gzip"}, 10_000, None)
    >>> body.feed(bomb)
    Traceback (most recent call last):
    ...
    nhsstd.registers._errors.ResponseTooLarge: the response body is larger than 10000 bytes (HTTP 200)
    """

    def __init__(self, status: int, headers: Mapping[str, str], limit: int, request_id: str | None) -> None:
        self.status = status
        self._limit = limit
        self._request_id = request_id
        self._parts: list[bytes] = []
        self._size = 0
        coding = headers.get("Content-Encoding", "").strip().lower()
        self._inflater: Any = None
        # HTTP's "deflate" is zlib-wrapped, but some servers send it raw: the first chunk says.
        self._maybe_raw = coding == "deflate"
        if coding in ("gzip", "x-gzip"):
            self._inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif coding == "deflate":
            self._inflater = zlib.decompressobj(zlib.MAX_WBITS)
        elif coding not in ("", "identity"):
            raise MalformedResponse(
                "the response body has a content encoding that was not asked for",
                status=status,
                request_id=request_id,
            )
        length = headers.get("Content-Length", "")
        if self._inflater is None and length.isascii() and length.isdigit() and int(length) > limit:
            raise self._too_large()

    def feed(self, raw: bytes) -> None:
        """Take the next raw chunk of the body (``ResponseTooLarge`` once past the cap)."""
        if self._inflater is None:
            self._take(raw)
            return
        maybe_raw = self._maybe_raw and bool(raw)
        if raw:
            self._maybe_raw = False
        try:
            self._inflate(raw)
        except zlib.error:
            if not maybe_raw:
                raise self._undecodable() from None
            self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            try:
                self._inflate(raw)
            except zlib.error:
                raise self._undecodable() from None

    def _inflate(self, data: bytes) -> None:
        while data:
            self._take(self._inflater.decompress(data, _INFLATE_STEP))
            data = self._inflater.unconsumed_tail

    def content(self) -> bytes:
        """The whole decoded body (after the last chunk)."""
        if self._inflater is not None:
            try:
                self._take(self._inflater.flush())
            except zlib.error:
                raise self._undecodable() from None
        return b"".join(self._parts)

    def _take(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size > self._limit:
            raise self._too_large()
        if chunk:
            self._parts.append(chunk)

    def _too_large(self) -> ResponseTooLarge:
        return ResponseTooLarge(
            f"the response body is larger than {self._limit} bytes",
            status=self.status,
            request_id=self._request_id,
        )

    def _undecodable(self) -> MalformedResponse:
        return MalformedResponse(
            "the response body could not be decoded", status=self.status, request_id=self._request_id
        )


class Exchange:
    """The attempts of one :class:`Call`: request building and retry decisions.

    All attempts share one fresh ``X-Request-ID`` (PDS uses it to recognise a
    retried request).
    """

    def __init__(self, core: Core, call: Call) -> None:
        self.core = core
        self.call = call
        self.request_id = str(uuid.uuid4())
        self.attempt = 0
        self.started = core.clock()
        self.last_error: RegisterError | None = None

    @property
    def url(self) -> str:
        """The call's URL (its path below the base URL, or an absolute ``next`` link), without the query."""
        path = self.call.path
        return path if "://" in path else self.core.base_url + path

    @property
    def remaining(self) -> float:
        """Seconds left in the retry budget."""
        return self.core.retry.total_time - (self.core.clock() - self.started)

    def next_request(self, client: httpx.Client | httpx.AsyncClient) -> httpx.Request:
        """Build the request for the next attempt."""
        import httpx

        self.attempt += 1
        call = self.call
        headers = self.core.headers(self.request_id)
        headers.update(call.headers)
        return client.build_request(
            call.method,
            self.url,
            params=list(call.params) if call.params else None,
            headers=headers,
            json=call.json,
            content=call.content,
            timeout=httpx.Timeout(**self.core.timeouts.capped(self.remaining)),
        )

    def body(self, response: httpx.Response) -> Body:
        """A reader for *response*'s body: feed it the raw chunks as they arrive.

        A response the transport has read already (``httpx.MockTransport`` does) comes
        decoded: its content goes in at once, and there is nothing left to feed.
        """
        limit = self.core.max_response_bytes
        if response.is_stream_consumed:
            body = Body(response.status_code, {}, limit, self.request_id)
            body.feed(response.content)
            return body
        return Body(response.status_code, response.headers, limit, self.request_id)

    def rate_delay(self) -> float:
        """Seconds to wait for the client-side rate limit before the next attempt leaves.

        The wait is part of the call's total time: one that would outlast it raises
        :class:`RegisterTimeout` at once, the reserved slot given back.
        """
        limiter = self.core.limiter
        if limiter is None:
            return 0.0
        delay = limiter.reserve()
        if delay > 0 and delay >= self.remaining:
            limiter.give_back()
            raise self.out_of_time()
        return delay

    def out_of_time(self) -> RegisterTimeout:
        """The error for an attempt cut off because the call's total time ran out."""
        error = RegisterTimeout(
            f"no complete response within the call's total time of {self.core.retry.total_time:g} s",
            request_id=self.request_id,
        )
        self.last_error = error
        return error

    def on_response(self, response: httpx.Response) -> Retry | None:
        """``None`` when the call succeeded; a :class:`Retry`; or raise the typed error.

        The response body must already have been read.
        """
        status = response.status_code
        self._log(status)
        if status in self.call.ok_statuses:
            return None
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        error = error_from_outcome(
            status, _json_or_none(response), request_id=self.request_id, retry_after=retry_after
        )
        if status in self.core.retry.retry_statuses:
            # A 429 says the register did not take the request: a write may go again too.
            return self._retry_or_raise(
                error, minimum=retry_after if status == 429 else None, unsent=status == 429
            )
        raise error

    def on_token_error(self, error: TokenError) -> Retry:
        """A :class:`Retry` when the token endpoint failed for a while (5xx, 429...), or raise *error*.

        The register has not seen the call (a write included): it goes again, with a new
        token request, within the same budget.
        """
        self._log(error.status, "token endpoint")
        if error.status not in self.core.retry.retry_statuses:
            raise error from None
        return self._retry_or_raise(error, minimum=None, unsent=True)

    def on_transport_error(self, exc: Exception) -> Retry:
        """A :class:`Retry`, or raise the typed error for a failed attempt."""
        import httpx

        error: RegisterError
        # An auth plug-in's token request fails through the same exceptions: say so, since
        # the register itself may be fine (the URL is not shown: it could hold an identifier).
        where = "" if self._failed_in_register(exc) else "the token endpoint: "
        if isinstance(exc, httpx.TimeoutException):
            error = RegisterTimeout(
                f"{where}no response within the timeout ({type(exc).__name__})", request_id=self.request_id
            )
            retryable = self.core.retry.retry_timeouts
        elif isinstance(exc, httpx.TransportError):
            error = RegisterConnectionError(
                f"{where}connection failed ({type(exc).__name__})", request_id=self.request_id
            )
            retryable = True
        else:  # pragma: no cover - drivers only pass transport errors
            raise exc
        self._log(None, type(exc).__name__)
        if not retryable:
            raise error from None
        # No connection, none from the pool, or the token endpoint failing: the register
        # cannot have taken the request.
        unsent = where != "" or isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))
        return self._retry_or_raise(error, minimum=None, unsent=unsent)

    def _failed_in_register(self, exc: Exception) -> bool:
        """False when *exc* came from a request to another server (an auth plug-in's token request)."""
        try:
            url = str(exc.request.url)  # type: ignore[attr-defined]
        except (AttributeError, RuntimeError):  # httpx raises RuntimeError when no request is set
            return True
        return url.startswith(self.url) or url.startswith(self.core.base_url + "/")

    def _retry_or_raise(self, error: RegisterError, *, minimum: float | None, unsent: bool = False) -> Retry:
        self.last_error = error
        policy = self.core.retry
        if not (self.call.idempotent or unsent) or self.attempt >= policy.max_attempts:
            raise error from None
        delay = policy.backoff(self.attempt, self.core.rng)
        if minimum is not None:
            # Honour Retry-After: never earlier, plus a little jitter so that
            # many clients told the same instant do not return together.
            delay = minimum + self.core.rng.uniform(0.0, min(policy.backoff_base, 1.0))
        if delay >= self.remaining:
            raise error from None
        logger.info(
            "%s %s: retrying in %.2f s (attempt %d of %d, request id %s)",
            self.core.info.name,
            self.call.label,
            delay,
            self.attempt + 1,
            policy.max_attempts,
            self.request_id,
        )
        return Retry(delay)

    def _log(self, status: int | None, failure: str | None = None) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s -> %s (attempt %d, request id %s)",
                self.core.info.name,
                self.call.label,
                status if status is not None else failure,
                self.attempt,
                self.request_id,
            )


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return load_json(response.content)
    except ValueError:
        return None


def parse_json(response: httpx.Response, request_id: str | None) -> dict[str, Any]:
    """The response body as a JSON object, or :class:`MalformedResponse`."""
    try:
        body = load_json(response.content)
    except ValueError:  # a json.JSONDecodeError (not JSON, not UTF-8, nested too deeply)
        raise MalformedResponse(
            "the response body is not valid JSON", status=response.status_code, request_id=request_id
        ) from None
    if not isinstance(body, dict):
        raise MalformedResponse(
            "the response body is not a JSON object", status=response.status_code, request_id=request_id
        )
    return body


class Core:
    """Configuration shared by the sync and async client of one register."""

    def __init__(
        self,
        info: RegisterInfo,
        *,
        environment: Environment | str | None,
        base_url: str | None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        rate_limit: RateLimit | str | None = "default",
        correlation_id: str | None = None,
        headers: Mapping[str, str] | None = None,
        accept: str = "application/json",
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
        max_response_bytes: int | None = None,
    ) -> None:
        self.info = info
        if max_response_bytes is None:
            max_response_bytes = info.max_response_bytes
        if (
            isinstance(max_response_bytes, bool)
            or not isinstance(max_response_bytes, int)
            or max_response_bytes < 1
        ):
            raise ValueError("max_response_bytes must be a positive integer")
        self.max_response_bytes = max_response_bytes
        self.environment, self.base_url = resolve_base_url(info, environment, base_url)
        self.timeouts = timeouts if timeouts is not None else Timeouts()
        self.retry = retry if retry is not None else RetryPolicy()
        if not isinstance(self.timeouts, Timeouts):
            raise TypeError("timeouts must be a Timeouts")
        if not isinstance(self.retry, RetryPolicy):
            raise TypeError("retry must be a RetryPolicy")
        if rate_limit == "default":
            # The published limits are per application, not per client object: every client
            # of this register and base URL in the process draws on one bucket.
            self.limiter: RateLimiter | None
            if clock is time.monotonic:
                self.limiter = shared_limiter(info, self.base_url)
            else:  # a test clock: a bucket of its own
                self.limiter = RateLimiter(info.rate_limit, clock=clock) if info.rate_limit else None
        elif isinstance(rate_limit, RateLimit):
            self.limiter = RateLimiter(rate_limit, clock=clock)
        elif rate_limit is None:
            self.limiter = None
        else:
            raise TypeError("rate_limit must be a RateLimit, None or 'default'")
        self.correlation_id = _check_header_value(correlation_id, "correlation_id")
        self.extra_headers = {
            _check_header_value(name, "header name") or "": _check_header_value(value, name) or ""
            for name, value in (headers or {}).items()
        }
        self.accept = accept
        self.rng = rng or random.Random()
        self.clock = clock

    def headers(self, request_id: str) -> dict[str, str]:
        """Headers common to every attempt of a call."""
        headers = {"Accept": self.accept, "Accept-Encoding": ACCEPT_ENCODING, "X-Request-ID": request_id}
        if self.correlation_id:
            headers["X-Correlation-ID"] = self.correlation_id
        headers.update(self.extra_headers)
        return headers

    def exchange(self, call: Call) -> Exchange:
        """Start the attempts of *call*."""
        return Exchange(self, call)



def _check_header_value(value: str | None, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value or not value.isascii() or not value.isprintable():
        raise ValueError(f"{what} must be a non-empty printable ASCII string")
    return value

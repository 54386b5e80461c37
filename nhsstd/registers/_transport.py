"""The sync and async drivers: send, sleep, loop -- everything else is in :mod:`._core`."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, ClassVar, Literal, Protocol, TypeVar

import httpx

from nhsstd.registers._core import Call, Core, Environment, RateLimit, RegisterInfo, RetryPolicy, Timeouts
from nhsstd.registers._errors import MalformedResponse, redact

__all__ = ["AsyncClientBase", "DefaultRateLimit", "Paging", "SyncClientBase", "install_log_redaction"]

DefaultRateLimit = Literal["default"]

_USER_AGENT = "nhsstd-registers"

_SyncT = TypeVar("_SyncT", bound="SyncClientBase")
_AsyncT = TypeVar("_AsyncT", bound="AsyncClientBase")
_T = TypeVar("_T")
_T_co = TypeVar("_T_co", covariant=True)

#: Reads the final response of a call (and its request id, for errors) into a result.
Parse = Callable[[httpx.Response, str], _T]


class Paging(Protocol[_T_co]):
    """The state of a paged search, shared by its sync and async iterators.

    The drivers only send: :meth:`next_call` says what to fetch (``None`` when
    there is nothing more) and :meth:`take` reads a page and moves the state on.
    """

    def next_call(self) -> Call | None:
        """The request for the next page, or ``None`` when the search is done."""

    def take(self, response: httpx.Response, request_id: str) -> Sequence[_T_co]:
        """The results of a page (and the state moved on to the next)."""


class _RedactingFilter(logging.Filter):
    """Replace ten-digit numbers in httpx's own log lines (its request line has the URL)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # pragma: no cover - a broken record is not ours to fix
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg = redacted
            record.args = ()
        return True


_FILTER = _RedactingFilter("nhsstd")
_FILTER_LOCK = threading.Lock()


def install_log_redaction() -> None:
    """Make sure httpx's request log lines never show a patient number.

    httpx logs every request URL at INFO level, and a PDS read has the NHS
    Number in its path.  The clients call this on construction; it adds one
    filter to the ``httpx`` logger (once per process) that redacts ten-digit
    numbers and changes nothing else.
    """
    httpx_logger = logging.getLogger("httpx")
    with _FILTER_LOCK:
        if _FILTER not in httpx_logger.filters:
            httpx_logger.addFilter(_FILTER)


def _client_kwargs(auth: httpx.Auth | None, timeouts: Timeouts) -> dict[str, Any]:
    return {
        "auth": auth,
        "timeout": httpx.Timeout(
            connect=timeouts.connect, read=timeouts.read, write=timeouts.write, pool=timeouts.pool
        ),
        "follow_redirects": False,
        "verify": True,
        "headers": {"User-Agent": _USER_AGENT},
    }


_C = TypeVar("_C", httpx.Client, httpx.AsyncClient)


def _http_client(
    client_type: type[_C],
    http_client: object,
    transport: Any,  # an httpx.BaseTransport or AsyncBaseTransport, to suit client_type
    auth: httpx.Auth | None,
    timeouts: Timeouts,
    counterpart: str,
) -> tuple[_C, bool]:
    """The httpx client to send with, and whether it is ours (to close): *http_client* as
    given, or a new one over *transport* with the auth plug-in and the timeouts."""
    if http_client is not None and transport is not None:
        raise ValueError("pass http_client or transport, not both")
    if http_client is None:
        return client_type(transport=transport, **_client_kwargs(auth, timeouts)), True
    if not isinstance(http_client, client_type):
        raise TypeError(f"http_client must be an httpx.{client_type.__name__} ({counterpart})")
    return http_client, False


def _send_auth(auth: httpx.Auth | None, owns_client: bool) -> Any:
    # A client made here has the plug-in already; a caller's client gets it per request.
    return auth if (auth is not None and not owns_client) else httpx.USE_CLIENT_DEFAULT


class _Base:
    _info: ClassVar[RegisterInfo]
    _accept: ClassVar[str] = "application/json"

    def _make_core(
        self,
        environment: Environment | str | None,
        base_url: str | None,
        timeouts: Timeouts | None,
        retry: RetryPolicy | None,
        rate_limit: RateLimit | DefaultRateLimit | None,
        correlation_id: str | None,
        headers: Mapping[str, str] | None,
    ) -> Core:
        install_log_redaction()
        return Core(
            self._info,
            environment=environment,
            base_url=base_url,
            timeouts=timeouts,
            retry=retry,
            rate_limit=rate_limit,
            correlation_id=correlation_id,
            headers=headers,
            accept=self._accept,
        )

    @property
    def base_url(self) -> str:
        """The base URL every call is made against."""
        core: Core = self._core  # type: ignore[attr-defined]
        return core.base_url

    @property
    def environment(self) -> Environment | None:
        """The environment the client was created for (``None`` for a bare ``base_url``)."""
        core: Core = self._core  # type: ignore[attr-defined]
        return core.environment

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"


class SyncClientBase(_Base):
    """Shared constructor, lifetime and request loop of the synchronous clients.

    :param environment: which deployment to call; or give *base_url*.
    :param base_url: an explicit base URL (https, or http to this machine).
    :param auth: an ``httpx.Auth`` plug-in from :mod:`nhsstd.registers.auth`.
    :param http_client: an ``httpx.Client`` to use (the caller closes it).
    :param transport: an ``httpx`` transport for a client created here
        (``httpx.MockTransport`` in tests).
    :param timeouts: connect/read/write/pool timeouts.
    :param retry: the retry policy for idempotent calls.
    :param rate_limit: a :class:`RateLimit`, ``None`` for no client-side
        limit, or ``"default"`` for the register's published limit.
    :param correlation_id: sent as ``X-Correlation-ID`` on every call.
    :param headers: extra headers sent on every call.
    """

    def __init__(
        self,
        *,
        environment: Environment | str | None = None,
        base_url: str | None = None,
        auth: httpx.Auth | None = None,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        rate_limit: RateLimit | DefaultRateLimit | None = "default",
        correlation_id: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self._core = self._make_core(
            environment, base_url, timeouts, retry, rate_limit, correlation_id, headers
        )
        self._auth = auth
        counterpart = "use the Async... client for httpx.AsyncClient"
        self._client, self._owns_client = _http_client(
            httpx.Client, http_client, transport, auth, self._core.timeouts, counterpart
        )
        self._request_auth = _send_auth(auth, self._owns_client)

    def _send(self, call: Call) -> tuple[httpx.Response, str]:
        """Make *call*, retrying as the policy allows; the final response and its request id."""
        core = self._core
        delay = core.rate_delay()
        if delay > 0:
            time.sleep(delay)
        exchange = core.exchange(call)
        auth = self._request_auth
        while True:
            request = exchange.next_request(self._client)
            try:
                response = self._client.send(request, auth=auth)
            except httpx.TransportError as exc:
                step = exchange.on_transport_error(exc)
            except httpx.DecodingError:
                raise MalformedResponse(
                    "the response body could not be decoded", request_id=exchange.request_id
                ) from None
            else:
                retry = exchange.on_response(response)
                if retry is None:
                    return response, exchange.request_id
                step = retry
            time.sleep(step.delay)
            delay = core.rate_delay()
            if delay > 0:
                time.sleep(delay)

    def _request(self, call: Call, parse: Parse[_T]) -> _T:
        """Make *call* and read its final response with *parse*."""
        response, request_id = self._send(call)
        return parse(response, request_id)

    def _iterate(self, paging: Paging[_T]) -> Iterator[_T]:
        """The results of a paged search; each page is fetched as the previous one is used up."""
        while (call := paging.next_call()) is not None:
            response, request_id = self._send(call)
            yield from paging.take(response, request_id)

    def close(self) -> None:
        """Close the connections of a client this object created (not an injected one)."""
        if self._owns_client:
            self._client.close()

    def __enter__(self: _SyncT) -> _SyncT:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class AsyncClientBase(_Base):
    """Shared constructor, lifetime and request loop of the asynchronous clients.

    The parameters are those of :class:`SyncClientBase`, with an
    ``httpx.AsyncClient`` / ``httpx.AsyncBaseTransport`` in place of the sync ones.
    """

    def __init__(
        self,
        *,
        environment: Environment | str | None = None,
        base_url: str | None = None,
        auth: httpx.Auth | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        rate_limit: RateLimit | DefaultRateLimit | None = "default",
        correlation_id: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self._core = self._make_core(
            environment, base_url, timeouts, retry, rate_limit, correlation_id, headers
        )
        self._auth = auth
        counterpart = "use the sync client for httpx.Client"
        self._client, self._owns_client = _http_client(
            httpx.AsyncClient, http_client, transport, auth, self._core.timeouts, counterpart
        )
        self._request_auth = _send_auth(auth, self._owns_client)

    async def _send(self, call: Call) -> tuple[httpx.Response, str]:
        """Make *call*, retrying as the policy allows; the final response and its request id."""
        core = self._core
        delay = core.rate_delay()
        if delay > 0:
            await asyncio.sleep(delay)
        exchange = core.exchange(call)
        auth = self._request_auth
        while True:
            request = exchange.next_request(self._client)
            try:
                response = await self._client.send(request, auth=auth)
            except httpx.TransportError as exc:
                step = exchange.on_transport_error(exc)
            except httpx.DecodingError:
                raise MalformedResponse(
                    "the response body could not be decoded", request_id=exchange.request_id
                ) from None
            else:
                retry = exchange.on_response(response)
                if retry is None:
                    return response, exchange.request_id
                step = retry
            await asyncio.sleep(step.delay)
            delay = core.rate_delay()
            if delay > 0:
                await asyncio.sleep(delay)

    async def _request(self, call: Call, parse: Parse[_T]) -> _T:
        """Make *call* and read its final response with *parse*."""
        response, request_id = await self._send(call)
        return parse(response, request_id)

    async def _iterate(self, paging: Paging[_T]) -> AsyncIterator[_T]:
        """The results of a paged search; each page is fetched as the previous one is used up."""
        while (call := paging.next_call()) is not None:
            response, request_id = await self._send(call)
            for result in paging.take(response, request_id):
                yield result

    async def aclose(self) -> None:
        """Close the connections of a client this object created (not an injected one)."""
        if self._owns_client:
            await self._client.aclose()

    async def __aenter__(self: _AsyncT) -> _AsyncT:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

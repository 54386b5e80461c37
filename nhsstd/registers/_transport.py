"""The sync and async drivers: send, sleep, loop -- everything else is in :mod:`._core`."""

from __future__ import annotations

import asyncio
import logging
import ssl
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, ClassVar, Literal, Protocol, TypeVar

import httpcore
import httpx

from nhsstd.registers._core import (
    Call,
    Core,
    Environment,
    Exchange,
    RateLimit,
    RegisterInfo,
    RetryPolicy,
    Timeouts,
)
from nhsstd.registers._errors import MalformedResponse, TokenError, redact

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
    """Replace ten-digit numbers in httpx's and httpcore's log lines (URLs, response headers)."""

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

#: The loggers of httpx and of every httpcore module that logs.  A filter applies only to
#: records logged on its own logger (not to those of its children), so each one gets it.
_HTTP_LOGGERS = (
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
)


def install_log_redaction() -> None:
    """Make sure httpx's and httpcore's log lines never show a patient number.

    httpx logs every request URL at INFO level, and a PDS read has the NHS
    Number in its path; httpcore logs response headers (a ``Location`` header,
    say) at DEBUG level.  The clients call this on construction; it adds one
    filter to each of those loggers (once per process) that redacts ten-digit
    numbers and changes nothing else.
    """
    with _FILTER_LOCK:
        for name in _HTTP_LOGGERS:
            http_logger = logging.getLogger(name)
            if _FILTER not in http_logger.filters:
                http_logger.addFilter(_FILTER)


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


class _AttemptDeadline(threading.local):
    """The monotonic deadline of the sync attempt running on this thread (``None``: no attempt)."""

    deadline: float | None = None
    #: Whether the last network wait was cut short by the deadline (rather than by its own timeout).
    cut: bool = False


_ATTEMPT = _AttemptDeadline()


def _capped(timeout: float | None, late: type[httpcore.TimeoutException]) -> float | None:
    """*timeout* for one network wait, capped at what is left of this thread's attempt."""
    deadline = _ATTEMPT.deadline
    if deadline is None:
        return timeout
    remaining = deadline - time.monotonic()
    _ATTEMPT.cut = timeout is None or remaining < timeout
    if remaining <= 0:
        raise late("the call's deadline has passed")
    return remaining if _ATTEMPT.cut else timeout


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write waits no longer than the current attempt's deadline.

    httpx's timeouts apply to each read, so a server sending a byte every half second
    would hold a call for ever.  The cap is taken on the thread that reads, so it is always
    the deadline of the attempt using the connection, pooled or new, and never another's.
    """

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _capped(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _capped(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _capped(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's network backend with each connection a :class:`_DeadlineStream`."""

    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _capped(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._backend.connect_tcp(host, port, timeout, local_address, socket_options))

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        timeout = _capped(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._backend.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def _guard_deadlines(client: httpx.Client) -> None:
    """Give the connection pools of *client*'s httpx transports the deadline-capping backend.

    httpx has no public hook for a pool's network backend, so this sets the pool's
    ``_network_backend`` (once; connections made from then on use it).  Another kind of
    transport (``httpx.MockTransport``, say) has no network waits to cap: its attempts
    are checked against the deadline when they return.
    """
    transports = [client._transport, *client._mounts.values()]
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        if isinstance(transport, httpx.HTTPTransport) and isinstance(pool, httpcore.ConnectionPool):
            backend = pool._network_backend
            if not isinstance(backend, _DeadlineBackend):
                pool._network_backend = _DeadlineBackend(backend)


def _without_encoding(response: httpx.Response, content: bytes) -> httpx.Response:
    """A complete response holding *content*, the body already decoded (and capped) by ``Body``."""
    headers = [
        (name, value) for name, value in response.headers.multi_items() if name.lower() != "content-encoding"
    ]
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=content,
        request=response.request,
        extensions={key: value for key, value in response.extensions.items() if key != "network_stream"},
    )


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
        max_response_bytes: int | None,
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
            max_response_bytes=max_response_bytes,
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
    :param max_response_bytes: the largest decoded response body accepted
        (the register's default when ``None``); a larger one raises
        :class:`~nhsstd.registers.ResponseTooLarge` as soon as it passes the cap.

    Redirects are never followed, whatever *http_client* says: a 3xx raises
    :class:`~nhsstd.registers.Redirected`, so that credentials and identifiers
    only ever go to *base_url*.
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
        max_response_bytes: int | None = None,
    ) -> None:
        self._core = self._make_core(
            environment, base_url, timeouts, retry, rate_limit, correlation_id, headers, max_response_bytes
        )
        self._auth = auth
        counterpart = "use the Async... client for httpx.AsyncClient"
        self._client, self._owns_client = _http_client(
            httpx.Client, http_client, transport, auth, self._core.timeouts, counterpart
        )
        self._request_auth = _send_auth(auth, self._owns_client)
        _guard_deadlines(self._client)

    def _send(self, call: Call) -> tuple[httpx.Response, str]:
        """Make *call*, retrying as the policy allows; the final response and its request id."""
        exchange = self._core.exchange(call)
        delay = exchange.rate_delay()
        if delay > 0:
            time.sleep(delay)
        while True:
            request = exchange.next_request(self._client)
            try:
                response = self._attempt(exchange, request)
            except httpx.TransportError as exc:
                step = exchange.on_transport_error(exc)
            except TokenError as exc:
                step = exchange.on_token_error(exc)
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
            delay = exchange.rate_delay()
            if delay > 0:
                time.sleep(delay)

    def _attempt(self, exchange: Exchange, request: httpx.Request) -> httpx.Response:
        """One attempt: the response with its body read, decoded and capped, by the call's deadline."""
        _ATTEMPT.deadline = time.monotonic() + max(exchange.remaining, 0.0)
        _ATTEMPT.cut = False
        try:
            response = self._client.send(
                request, auth=self._request_auth, stream=True, follow_redirects=False
            )
            try:
                body = exchange.body(response)
                for chunk in () if response.is_stream_consumed else response.iter_raw():
                    body.feed(chunk)
                content = body.content()
            finally:
                response.close()
        except httpx.TimeoutException:
            if _ATTEMPT.cut:
                raise exchange.out_of_time() from None
            raise
        finally:
            _ATTEMPT.deadline = None
        if exchange.remaining <= 0:
            raise exchange.out_of_time()
        return _without_encoding(response, content)

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
        max_response_bytes: int | None = None,
    ) -> None:
        self._core = self._make_core(
            environment, base_url, timeouts, retry, rate_limit, correlation_id, headers, max_response_bytes
        )
        self._auth = auth
        counterpart = "use the sync client for httpx.Client"
        self._client, self._owns_client = _http_client(
            httpx.AsyncClient, http_client, transport, auth, self._core.timeouts, counterpart
        )
        self._request_auth = _send_auth(auth, self._owns_client)

    async def _send(self, call: Call) -> tuple[httpx.Response, str]:
        """Make *call*, retrying as the policy allows; the final response and its request id."""
        exchange = self._core.exchange(call)
        delay = exchange.rate_delay()
        if delay > 0:
            await asyncio.sleep(delay)
        while True:
            request = exchange.next_request(self._client)
            try:
                response = await self._attempt(exchange, request)
            except httpx.TransportError as exc:
                step = exchange.on_transport_error(exc)
            except TokenError as exc:
                step = exchange.on_token_error(exc)
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
            delay = exchange.rate_delay()
            if delay > 0:
                await asyncio.sleep(delay)

    async def _attempt(self, exchange: Exchange, request: httpx.Request) -> httpx.Response:
        """One attempt: the response with its body read, decoded and capped, by the call's deadline."""
        try:
            return await asyncio.wait_for(self._exchange(exchange, request), max(exchange.remaining, 0.0))
        except asyncio.TimeoutError:
            raise exchange.out_of_time() from None

    async def _exchange(self, exchange: Exchange, request: httpx.Request) -> httpx.Response:
        response = await self._client.send(
            request, auth=self._request_auth, stream=True, follow_redirects=False
        )
        try:
            body = exchange.body(response)
            if not response.is_stream_consumed:
                async for chunk in response.aiter_raw():
                    body.feed(chunk)
            content = body.content()
        finally:
            await response.aclose()
        return _without_encoding(response, content)

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

"""The sync and async drivers: send, sleep, loop -- everything else is in :mod:`._core`."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import os
import socket
import threading
import time
import weakref
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, ClassVar, Literal, Protocol, TypeVar

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


#: The httpcore trace events whose return value is a new connection's network stream.
_NEW_STREAM_EVENTS = frozenset({"connection.connect_tcp.complete", "connection.start_tls.complete"})


class _Streams:
    """The network streams a sync client's attempts have used, and which attempt is using each now.

    Thread-safe: the attempts of several threads sharing one client claim and release here.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # stream -> the _Watchdog using it, or None while it idles in the pool
        self._owners: weakref.WeakKeyDictionary[Any, object] = weakref.WeakKeyDictionary()

    def claim(self, streams: Sequence[Any], owner: object) -> None:
        with self._lock:
            for stream in streams:
                self._owners[stream] = owner

    def idle(self) -> list[Any]:
        with self._lock:
            return [stream for stream, owner in self._owners.items() if owner is None]

    def release(self, streams: Sequence[Any], owner: object) -> None:
        with self._lock:
            for stream in streams:
                if self._owners.get(stream) is owner:
                    self._owners[stream] = None


class _Deadlines:
    """One thread for the process that fires the deadlines of sync attempts (see :class:`_Watchdog`).

    A thread per attempt would cost more than the rest of the client's work on a call; this
    one starts with the first deadline and ends after a second with none to watch.
    """

    _LINGER = 1.0

    def __init__(self) -> None:
        self._ready = threading.Condition()
        self._heap: list[tuple[float, int, _Watchdog]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, when: float, watchdog: _Watchdog) -> None:
        """Fire *watchdog* at monotonic time *when* (unless it is done by then)."""
        with self._ready:
            while self._heap and self._heap[0][2].done:  # (finished attempts go lazily)
                heapq.heappop(self._heap)
            heapq.heappush(self._heap, (when, next(self._order), watchdog))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="nhsstd-deadlines", daemon=True)
                self._thread.start()
            else:
                self._ready.notify()

    def finished(self) -> None:
        """An attempt is over: let the thread drop it (and end, if it was the last)."""
        with self._ready:
            self._ready.notify()

    def _run(self) -> None:
        with self._ready:
            while True:
                while self._heap and self._heap[0][2].done:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._ready.wait(self._LINGER)
                    if not self._heap:
                        self._thread = None
                        return
                    continue
                when, _, watchdog = self._heap[0]
                wait = when - time.monotonic()
                if wait > 0:
                    self._ready.wait(wait)
                    continue
                heapq.heappop(self._heap)
                watchdog.fire()

    def _forget_thread(self) -> None:
        # In a forked child the thread is gone (and so are the parent's attempts).
        self._ready = threading.Condition()
        self._heap = []
        self._thread = None


_DEADLINES = _Deadlines()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_DEADLINES._forget_thread)


class _Watchdog:
    """Cuts a sync attempt off at the call's deadline by shutting its connection down.

    httpx's timeouts apply to each read, so a server sending a byte every half
    second would hold a call for ever.  When the deadline passes, the attempt's
    socket is shut down (by :data:`_DEADLINES`' thread); the blocked read then
    fails at once.

    The socket comes from httpcore's ``trace`` extension (a new connection, the
    token endpoint's included) or, on a pooled connection, from the client's
    *idle* streams: those no other attempt of this client is using at the time.
    """

    def __init__(self, seconds: float, streams: _Streams) -> None:
        self._shared = streams
        self._mine: list[Any] = []
        self._lock = threading.Lock()
        self._deadline = time.monotonic() + max(seconds, 0.0)
        self.fired = False
        self.done = False

    def trace(self, event: str, info: Mapping[str, Any]) -> None:
        """httpcore's trace hook: note the attempt's connections as they are made or used."""
        if event in _NEW_STREAM_EVENTS:
            stream = info.get("return_value")
            if stream is not None:
                self._claim([stream])
        elif event == "http11.send_request_headers.started" and not self._mine:
            # A pooled connection: claim the idle ones (this attempt has one of them).
            self._claim(self._shared.idle())

    def _claim(self, streams: Sequence[Any]) -> None:
        self._shared.claim(streams, self)
        with self._lock:
            self._mine.extend(streams)
            fired = self.fired
        if fired:
            self._shut(streams)

    def __enter__(self) -> _Watchdog:
        _DEADLINES.watch(self._deadline, self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        with self._lock:
            self.done = True
            mine, self._mine = self._mine, []
        self._shared.release(mine, self)
        _DEADLINES.finished()

    def fire(self) -> None:
        """The deadline has passed: shut the attempt's connections down (unless it is done)."""
        with self._lock:
            if self.done:
                return
            self.fired = True
            streams = list(self._mine)
        self._shut(streams)

    @staticmethod
    def _shut(streams: Sequence[Any]) -> None:
        for stream in streams:
            sock = stream.get_extra_info("socket")
            if sock is not None:
                # The plain socket's shutdown, also for a TLS socket: it wakes a blocked
                # read at once, from any thread, without touching the TLS state.
                with contextlib.suppress(OSError, ValueError):
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)


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
        # The network streams this client's attempts have used, and which attempt (if any)
        # is using each now: see _Watchdog.
        self._streams = _Streams()

    def _send(self, call: Call) -> tuple[httpx.Response, str]:
        """Make *call*, retrying as the policy allows; the final response and its request id."""
        core = self._core
        delay = core.rate_delay()
        if delay > 0:
            time.sleep(delay)
        exchange = core.exchange(call)
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
            delay = core.rate_delay()
            if delay > 0:
                time.sleep(delay)

    def _attempt(self, exchange: Exchange, request: httpx.Request) -> httpx.Response:
        """One attempt: the response with its body read, decoded and capped, by the call's deadline."""
        watchdog = _Watchdog(exchange.remaining, self._streams)
        previous = request.extensions.get("trace")
        if previous is None:
            request.extensions["trace"] = watchdog.trace
        else:  # a caller's trace hook keeps working

            def both(event: str, info: Mapping[str, Any]) -> None:
                watchdog.trace(event, info)
                previous(event, info)

            request.extensions["trace"] = both
        try:
            with watchdog:
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
        except (httpx.TransportError, httpx.DecodingError, TokenError):
            if watchdog.fired:
                raise exchange.out_of_time() from None
            raise
        if watchdog.fired:
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
        core = self._core
        delay = core.rate_delay()
        if delay > 0:
            await asyncio.sleep(delay)
        exchange = core.exchange(call)
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
            delay = core.rate_delay()
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

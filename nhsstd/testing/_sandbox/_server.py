"""The sandbox's HTTP server: stdlib ``http.server``, a thread per connection, keep-alive.

It tracks every open connection (so tests can check none leak and so
:meth:`SandboxServer.stop` can close them), records every request, and applies
injected faults before routing a request to its register.

It keeps itself safe from its own clients: at most :data:`MAX_CONNECTIONS` at
once (more are answered 503 and closed), the last :data:`MAX_RECORDED` requests
recorded, and a connection that takes longer than :data:`REQUEST_DEADLINE`
seconds to deliver a whole request (a client sending a byte at a time) closed.
"""

from __future__ import annotations

import collections
import contextlib
import enum
import http.server
import io
import json
import socket
import struct
import sys
import threading
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import attrs

from nhsstd.testing._sandbox._http import Request, Response, outcome

MAX_BODY = 1_000_000
IDLE_TIMEOUT = 15.0
#: Connections served at once; one more is answered 503 and closed.
MAX_CONNECTIONS = 64
#: Requests kept for :meth:`SandboxServer.requests` (the oldest are dropped).
MAX_RECORDED = 10_000
#: Seconds a connection has to deliver a whole request, from the end of the previous answer.
REQUEST_DEADLINE = IDLE_TIMEOUT


class FaultKind(str, enum.Enum):
    """What an injected fault does to a request."""

    #: Wait ``delay`` seconds, then answer normally (a slow server).
    DELAY = "delay"
    #: Reset the TCP connection (RST) without answering.
    RESET = "reset"
    #: Answer HTTP 200 with a truncated, unparseable JSON body.
    MALFORMED = "malformed"
    #: Answer with ``status`` (500 by default) and an OperationOutcome.
    STATUS = "status"
    #: Answer HTTP 429 with ``Retry-After: retry_after`` and Spine ``TOO_MANY_REQUESTS``.
    RATE_LIMIT = "rate_limit"
    #: Send the normal answer one byte every ``delay`` seconds (a server that drips).
    DRIP = "drip"
    #: Answer ``status`` with ``body`` and ``headers`` as given (a huge, nested or gzip body...).
    BODY = "body"
    #: Answer ``status`` (a 3xx) with ``Location: location``.
    REDIRECT = "redirect"
    #: Answer ``status`` with an OAuth-style error whose description is the request body
    #: and headers (an endpoint that echoes the request, secrets and all).
    ECHO = "echo"


@attrs.frozen
class Fault:
    """One injected fault, applied to the next *times* matching requests (``None``: all of them).

    :param path: only requests whose path starts with this (``"/personal-demographics"``).
    :param method: only this HTTP method (any when ``None``).
    """

    kind: FaultKind
    path: str = ""
    method: str | None = None
    times: int | None = 1
    delay: float = 0.0
    status: int = 500
    retry_after: float = 1.0
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    location: str = ""


class FaultInjector:
    """The queue of faults of one sandbox (thread-safe).

    >>> faults = FaultInjector()
    >>> faults.error(503, path="/personal-demographics", times=2)
    >>> len(faults)
    1
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[list[Any]] = []  # [fault, remaining]
        #: How many requests a fault has been applied to.
        self.applied = 0

    def add(self, fault: Fault) -> None:
        """Queue *fault* (after any already queued)."""
        if fault.times is not None and fault.times < 1:
            raise ValueError("times must be at least 1 (or None for every request)")
        with self._lock:
            self._faults.append([fault, fault.times])

    def delay(
        self, seconds: float, *, path: str = "", method: str | None = None, times: int | None = 1
    ) -> None:
        """Answer the next matching requests *seconds* late."""
        self.add(Fault(FaultKind.DELAY, path, method, times, delay=seconds))

    def reset(self, *, path: str = "", method: str | None = None, times: int | None = 1) -> None:
        """Reset the connection instead of answering."""
        self.add(Fault(FaultKind.RESET, path, method, times))

    def malformed(self, *, path: str = "", method: str | None = None, times: int | None = 1) -> None:
        """Answer 200 with a broken JSON body."""
        self.add(Fault(FaultKind.MALFORMED, path, method, times))

    def error(
        self, status: int = 500, *, path: str = "", method: str | None = None, times: int | None = 1
    ) -> None:
        """Answer with HTTP *status* (5xx by default)."""
        self.add(Fault(FaultKind.STATUS, path, method, times, status=status))

    def rate_limit(
        self, retry_after: float = 1.0, *, path: str = "", method: str | None = None, times: int | None = 1
    ) -> None:
        """Answer 429 with ``Retry-After``."""
        self.add(Fault(FaultKind.RATE_LIMIT, path, method, times, retry_after=retry_after))

    def drip(
        self, interval: float = 0.5, *, path: str = "", method: str | None = None, times: int | None = 1
    ) -> None:
        """Send the next matching answers one byte every *interval* seconds."""
        self.add(Fault(FaultKind.DRIP, path, method, times, delay=interval))

    def respond(
        self,
        status: int,
        body: bytes,
        headers: Mapping[str, str] | None = None,
        *,
        path: str = "",
        method: str | None = None,
        times: int | None = 1,
    ) -> None:
        """Answer the next matching requests with *status*, *body* and *headers* exactly."""
        items = tuple((headers or {}).items())
        self.add(Fault(FaultKind.BODY, path, method, times, status=status, body=body, headers=items))

    def redirect(
        self,
        location: str,
        status: int = 302,
        *,
        path: str = "",
        method: str | None = None,
        times: int | None = 1,
    ) -> None:
        """Answer with a redirect to *location*."""
        self.add(Fault(FaultKind.REDIRECT, path, method, times, status=status, location=location))

    def echo(
        self, status: int = 400, *, path: str = "", method: str | None = None, times: int | None = 1
    ) -> None:
        """Answer with an OAuth-style error that echoes the request's body and headers."""
        self.add(Fault(FaultKind.ECHO, path, method, times, status=status))

    def clear(self) -> None:
        """Drop every queued fault and reset :attr:`applied`."""
        with self._lock:
            self._faults.clear()
            self.applied = 0

    def take(self, method: str, path: str) -> Fault | None:
        """The fault to apply to this request, if any (counting it down)."""
        with self._lock:
            for entry in self._faults:
                fault, remaining = entry
                if path.startswith(fault.path) and (fault.method is None or fault.method == method):
                    if remaining is not None:
                        entry[1] = remaining - 1
                        if entry[1] == 0:
                            self._faults.remove(entry)
                    self.applied += 1
                    return fault  # type: ignore[no-any-return]
        return None

    def __len__(self) -> int:
        with self._lock:
            return len(self._faults)


Router = Callable[[Request], Response]


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nhsstd-sandbox"
    sys_version = ""
    timeout = IDLE_TIMEOUT
    # One write per response (headers and body together), sent at once.
    wbufsize = 1 << 16
    disable_nagle_algorithm = True
    server: SandboxServer

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection)
        self._deadline: threading.Timer | None = None
        self._cut = False

    def handle(self) -> None:
        if self.server.open_connections > self.server.max_connections:
            # Refused before reading anything: a bare answer, then the connection closes.
            with contextlib.suppress(OSError):
                self.wfile.write(
                    b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )
                self.wfile.flush()
            return
        super().handle()

    def handle_one_request(self) -> None:
        # The whole request must arrive by the deadline: http.server's timeout is per read,
        # so a client sending a byte at a time would hold this thread for ever.
        timer = threading.Timer(self.server.request_deadline, self._shut)
        timer.daemon = True
        self._deadline = timer
        self._cut = False
        timer.start()
        try:
            super().handle_one_request()
        finally:
            timer.cancel()

    def _request_read(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()

    def parse_request(self) -> bool:
        if self._cut:  # what arrived before the deadline is not a request
            self.close_connection = True
            return False
        return super().parse_request()

    def _shut(self) -> None:
        self._cut = True
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.server.untrack(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        return  # quiet: requests are recorded instead

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = do_GET  # noqa: N815

    def _dispatch(self) -> None:
        length_text = self.headers.get("Content-Length", "0")
        try:
            length = int(length_text)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self._send(
                outcome(413, "too-long", diagnostics="request body too large or bad Content-Length"),
                close=True,
            )
            return
        body = self.rfile.read(length) if length else b""
        if len(body) < length or self._cut:  # cut off (the request deadline, or the client went away)
            self.close_connection = True
            return
        self._request_read()
        parts = urllib.parse.urlsplit(self.path)
        request = Request(
            method=self.command,
            path=urllib.parse.unquote(parts.path),
            query=tuple(urllib.parse.parse_qsl(parts.query, keep_blank_values=True)),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
        )
        self.server.record(request)
        fault = self.server.faults.take(request.method, request.path)
        if fault is not None:
            if fault.kind is FaultKind.RESET:
                self._reset()
                return
            if fault.kind is FaultKind.DELAY:
                if self.server.stopping.wait(fault.delay):
                    self.close_connection = True
                    return
            elif fault.kind is FaultKind.MALFORMED:
                self._send(
                    Response(
                        200,
                        b'{"resourceType": "Patient", "id": "90000',
                        {"Content-Type": "application/fhir+json"},
                    ),
                    request=request,
                )
                return
            elif fault.kind is FaultKind.STATUS:
                self._send(outcome(fault.status, "exception", diagnostics="injected fault"), request=request)
                return
            elif fault.kind is FaultKind.BODY:
                self._send(Response(fault.status, fault.body, dict(fault.headers)), request=request)
                return
            elif fault.kind is FaultKind.REDIRECT:
                self._send(Response(fault.status, b"", {"Location": fault.location}), request=request)
                return
            elif fault.kind is FaultKind.ECHO:
                echoed = {
                    "error": "invalid_request",
                    "error_description": f"{request.body.decode('utf-8', 'replace')} {dict(request.headers)}",
                }
                body = json.dumps(echoed).encode("utf-8")
                self._send(
                    Response(fault.status, body, {"Content-Type": "application/json"}), request=request
                )
                return
            elif fault.kind is FaultKind.RATE_LIMIT:
                self._send(
                    outcome(
                        429,
                        "throttled",
                        spine_code="TOO_MANY_REQUESTS",
                        display="Too many requests",
                        headers={"Retry-After": f"{fault.retry_after:g}"},
                    ),
                    request=request,
                )
                return
        try:
            response = self.server.router(request)
        except Exception:  # a sandbox bug must still give the client an answer
            response = outcome(500, "exception", diagnostics="the sandbox failed")
        if fault is not None and fault.kind is FaultKind.DRIP:
            self._drip(response, request, fault.delay)
            return
        self._send(response, request=request)

    def _drip(self, response: Response, request: Request, interval: float) -> None:
        """Send *response* a byte at a time, *interval* seconds apart, until done or stopped."""
        buffer = io.BytesIO()
        wfile, self.wfile = self.wfile, buffer
        try:
            self._send(response, request=request, close=True)
        finally:
            self.wfile = wfile
        self.close_connection = True
        for index, byte in enumerate(buffer.getvalue()):
            if index and self.server.stopping.wait(interval):
                return
            try:
                self.wfile.write(bytes((byte,)))
                self.wfile.flush()
            except OSError:
                return

    def _reset(self) -> None:
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.close()

    def _send(self, response: Response, *, request: Request | None = None, close: bool = False) -> None:
        try:
            self.send_response(response.status)
            headers = dict(response.headers)
            if request is not None:
                for name in ("X-Request-ID", "X-Correlation-ID"):
                    value = request.header(name)
                    if value is not None and value.isascii() and value.isprintable():
                        headers.setdefault(name, value)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            if close:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)
            self.wfile.flush()
        except OSError:  # the client went away (it timed out, say)
            self.close_connection = True


class SandboxServer(http.server.ThreadingHTTPServer):
    """A threading HTTP server that knows its open connections."""

    daemon_threads = False
    block_on_close = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        router: Router,
        *,
        max_connections: int = MAX_CONNECTIONS,
        max_recorded: int = MAX_RECORDED,
        request_deadline: float = REQUEST_DEADLINE,
    ) -> None:
        self.router = router
        self.faults = FaultInjector()
        self.stopping = threading.Event()
        self.max_connections = max_connections
        self.request_deadline = request_deadline
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._requests: collections.deque[Request] = collections.deque(maxlen=max_recorded)
        self._requests_lock = threading.Lock()
        self.total_connections = 0
        # An IPv6 host ("::1") needs an IPv6 socket; the class attribute is IPv4.
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that goes away (a reset, a closed socket) is not a sandbox failure: quiet.
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)

    def track(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(connection)
            self.total_connections += 1

    def untrack(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)

    @property
    def open_connections(self) -> int:
        with self._connections_lock:
            return len(self._connections)

    def record(self, request: Request) -> None:
        with self._requests_lock:
            self._requests.append(request)

    def requests(self) -> list[Request]:
        with self._requests_lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._requests_lock:
            self._requests.clear()

    def close_connections(self) -> None:
        """Shut down every open connection (handler threads then finish)."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


@contextlib.contextmanager
def running(server: SandboxServer) -> Iterator[threading.Thread]:
    """Serve in a background thread; on exit stop, close connections and join every thread."""
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="nhsstd-sandbox", daemon=True
    )
    thread.start()
    try:
        yield thread
    finally:
        server.stopping.set()
        server.shutdown()
        server.close_connections()
        server.server_close()  # joins the handler threads (block_on_close)
        thread.join()

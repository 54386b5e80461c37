"""The sandbox's HTTP server: stdlib ``http.server``, a thread per connection, keep-alive.

It tracks every open connection (so tests can check none leak and so
:meth:`SandboxServer.stop` can close them), records every request, and applies
injected faults before routing a request to its register.
"""

from __future__ import annotations

import contextlib
import enum
import http.server
import socket
import struct
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

import attrs

from nhsstd.testing._sandbox._http import Request, Response, outcome

MAX_BODY = 1_000_000
IDLE_TIMEOUT = 15.0


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
        self._send(response, request=request)

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

    def __init__(self, address: tuple[str, int], router: Router) -> None:
        self.router = router
        self.faults = FaultInjector()
        self.stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._requests: list[Request] = []
        self._requests_lock = threading.Lock()
        self.total_connections = 0
        super().__init__(address, _Handler)

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

"""A local sandbox of the NHS registers, for your own tests: a real HTTP server on 127.0.0.1.

:class:`Sandbox` starts a small server on an ephemeral port of this machine
(threads, the standard library's :mod:`http.server`) that answers like

* the published **PDS FHIR** sandbox (its test NHS Numbers and behaviours,
  ``X-Request-ID`` validation, the search scenarios, ``ETag`` headers) -- see
  :data:`PDS_TEST_NUMBERS`;
* the **ODS ORD** API and the **ODT** FHIR API, answered from an
  :class:`~nhsstd.registers.ods_offline.OfflineOdsRegister` (by default the
  synthetic sample extract shipped with nhsstd);
* a tiny **terminology server** (a few SNOMED CT and dm+d codes);
* the NHS API platform's **OAuth 2.0 token endpoint**, verifying RS512 client
  assertions against a test JWKS, and a client-credentials token endpoint.

Nothing leaves the machine: the server binds to a loopback address only.

Use it as a context manager, a pytest fixture (``nhs_sandbox``, from
:mod:`nhsstd.testing.pytest_plugin`) or from the command line (``nhsstd sandbox``):

>>> from nhsstd.registers.pds import PdsClient
>>> with Sandbox() as sandbox:
...     with PdsClient(base_url=sandbox.pds_url) as pds:
...         print(pds.get_patient("9000000009").patient.names[0].given)
...     print(sandbox.wait_until_idle())   # the client closed its connection
('Jane',)
True

Faults can be injected to test a client's resilience -- a delay, a reset
connection, a malformed body, an HTTP error, a 429 with ``Retry-After``:

>>> from nhsstd.registers import ServerError, RetryPolicy
>>> with Sandbox() as sandbox, PdsClient(base_url=sandbox.pds_url, retry=RetryPolicy.none()) as pds:
...     sandbox.faults.error(503)
...     try:
...         pds.get_patient("9000000009")
...     except ServerError as error:
...         print(error.status)
503
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, TypeVar

from nhsstd.registers._core import is_loopback
from nhsstd.registers.ods_offline import OfflineOdsRegister
from nhsstd.testing._sandbox import _pds
from nhsstd.testing._sandbox._http import Request, Response, not_found
from nhsstd.testing._sandbox._oauth import TokenIssuer
from nhsstd.testing._sandbox._ods import ODT_PREFIX, ORD_PREFIX, OdsHandler
from nhsstd.testing._sandbox._server import (
    MAX_CONNECTIONS,
    MAX_RECORDED,
    REQUEST_DEADLINE,
    Fault,
    FaultInjector,
    FaultKind,
    SandboxServer,
    running,
)
from nhsstd.testing._sandbox._terminology import PREFIX as TERMINOLOGY_PREFIX
from nhsstd.testing._sandbox._terminology import TerminologyHandler

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "PDS_TEST_NUMBERS",
    "TEST_KID",
    "Fault",
    "FaultInjector",
    "FaultKind",
    "Request",
    "Sandbox",
    "test_private_key",
]

#: The key id of the sandbox's test signing key.
TEST_KID = "test-1"
#: The API key (client id) the sandbox's signed-JWT token endpoint accepts.
DEFAULT_API_KEY = "sandbox-api-key"
#: Client credentials accepted by the sandbox's terminology token endpoint.
DEFAULT_CLIENT_ID = "sandbox-client"
DEFAULT_CLIENT_SECRET = "sandbox-secret"

#: NHS Numbers with a defined behaviour in the PDS part of the sandbox.
PDS_TEST_NUMBERS: dict[str, str] = {
    _pds.FULL: "200: the full record (Jane Smith)",
    _pds.RESTRICTED: "200: a restricted record (no address, telecom or GP)",
    _pds.MINIMAL: "200: a minimal record",
    _pds.NOT_FOUND: "404 RESOURCE_NOT_FOUND (as any other valid number)",
    _pds.INVALID: "400 INVALID_RESOURCE_ID (check digit wrong)",
    _pds.SUPERSEDED: "200: the record of 9000000009 (superseded number; nhsstd addition)",
    _pds.INVALIDATED: "404 INVALIDATED_RESOURCE (nhsstd addition)",
}

_KEY_LOCK = threading.Lock()
_TEST_KEY: Any = None

_T = TypeVar("_T", bound="Sandbox")


def test_private_key() -> bytes:
    """The sandbox's test RSA private key (PEM), generated once per process.

    It is a test key: never register it with a real service.
    """
    global _TEST_KEY
    with _KEY_LOCK:
        if _TEST_KEY is None:
            from nhsstd.registers.auth import generate_private_key

            _TEST_KEY = generate_private_key(bits=2048)
        key: bytes = _TEST_KEY
        return key


test_private_key.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


class Sandbox:
    """The local register sandbox.

    :param host: a loopback address (``127.0.0.1`` by default).
    :param port: the port; 0 (the default) picks a free one.
    :param register: the ODS data to serve; by default the shipped sample
        (:meth:`OfflineOdsRegister.sample`).
    :param require_auth: demand credentials as the integration environment
        does: PDS and the terminology server a bearer token from this
        sandbox's token endpoints, ODT the ``apikey``.  Off by default, like
        the public sandboxes.
    :param api_key: the API key (signed-JWT ``iss``/``sub``, ODT ``apikey``).
    :param public_keys: kid -> RSA public key (PEM or key object) accepted for
        client assertions; by default the test key (:func:`test_private_key`)
        under :data:`TEST_KID`.
    :param client_id: client id accepted by the terminology token endpoint.
    :param client_secret: its secret.
    :param token_lifetime: seconds an issued access token is valid.
    :param max_connections: connections served at once; more are answered 503 and closed.
    :param max_recorded: requests kept for :attr:`requests` (the oldest are dropped).
    :param request_deadline: seconds a connection has to deliver a whole request; one that
        drips slower is closed.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        register: OfflineOdsRegister | None = None,
        require_auth: bool = False,
        api_key: str = DEFAULT_API_KEY,
        public_keys: dict[str, Any] | None = None,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        token_lifetime: int = 599,
        max_connections: int = MAX_CONNECTIONS,
        max_recorded: int = MAX_RECORDED,
        request_deadline: float = REQUEST_DEADLINE,
    ) -> None:
        if not is_loopback(host):
            raise ValueError("the sandbox listens on a loopback address only (127.0.0.1, ::1, localhost)")
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise ValueError("port must be an integer from 0 to 65535")
        self._host = host
        self._port = port
        self._max_connections = max_connections
        self._max_recorded = max_recorded
        self._request_deadline = request_deadline
        self._owns_register = register is None
        self.register = register if register is not None else OfflineOdsRegister.sample()
        self.require_auth = require_auth
        self.api_key = api_key
        self._public_keys = public_keys
        self.tokens = TokenIssuer(
            token_url=lambda: self.token_url,
            api_key=api_key,
            public_keys=self._load_public_keys,
            client_id=client_id,
            client_secret=client_secret,
            lifetime=token_lifetime,
        )
        token_check: Callable[[str | None], bool] | None = self.tokens.is_valid if require_auth else None
        self._pds = _pds.PdsHandler(base_url=lambda: self.pds_url, token_check=token_check)
        self._ods = OdsHandler(
            self.register, base_url=lambda: self.url, api_key=api_key if require_auth else None
        )
        self._terminology = TerminologyHandler(token_check=token_check)
        self._server: SandboxServer | None = None
        self._running: Any = None
        self.faults = FaultInjector()

    # -- lifetime ---------------------------------------------------------------------------------

    def start(self) -> Sandbox:
        """Start serving (idempotent); returns the sandbox."""
        if self._server is not None:
            return self
        server = SandboxServer(
            (self._host, self._port),
            self._route,
            max_connections=self._max_connections,
            max_recorded=self._max_recorded,
            request_deadline=self._request_deadline,
        )
        server.faults = self.faults
        self._server = server
        self._running = running(server)
        self._running.__enter__()
        return self

    def stop(self) -> None:
        """Stop serving: close every connection and join every server thread."""
        if self._server is None:
            return
        running_context, self._running = self._running, None
        self._server = None
        running_context.__exit__(None, None, None)

    def close(self) -> None:
        """Stop, and close the ODS register if the sandbox created it."""
        self.stop()
        if self._owns_register:
            self.register.close()

    def __enter__(self: _T) -> _T:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _load_public_keys(self) -> dict[str, Any]:
        try:
            from cryptography.hazmat.primitives import serialization
        except ImportError:  # pragma: no cover - without the registers extra, no token endpoint
            return {}
        keys = self._public_keys
        if keys is None:
            private = serialization.load_pem_private_key(test_private_key(), password=None)
            return {TEST_KID: private.public_key()}
        loaded = {}
        for kid, key in keys.items():
            if isinstance(key, (str, bytes)):
                data = key.encode("ascii") if isinstance(key, str) else key
                key = serialization.load_pem_public_key(data)
            loaded[kid] = key
        return loaded

    # -- addresses --------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``: the server's root."""
        if self._server is None:
            raise RuntimeError("the sandbox is not running; use it in a with block or call start()")
        host, port = self._server.server_address[:2]
        host = host.decode("ascii") if isinstance(host, bytes) else str(host)
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}"

    @property
    def pds_url(self) -> str:
        """Base URL of the PDS FHIR API."""
        return self.url + _pds.PREFIX

    @property
    def ord_url(self) -> str:
        """Base URL of the ODS ORD API."""
        return self.url + ORD_PREFIX

    @property
    def odt_url(self) -> str:
        """Base URL of the ODS ODT FHIR API."""
        return self.url + ODT_PREFIX

    @property
    def terminology_url(self) -> str:
        """Base URL of the terminology server."""
        return self.url + TERMINOLOGY_PREFIX

    @property
    def token_url(self) -> str:
        """The NHS API platform-style token endpoint (signed JWT)."""
        return self.url + "/oauth2/token"

    @property
    def terminology_token_url(self) -> str:
        """The terminology server's client-credentials token endpoint."""
        return self.url + "/terminology/token"

    @property
    def jwks_url(self) -> str:
        """Where the sandbox publishes its JWKS."""
        return self.url + "/.well-known/jwks.json"

    # -- credentials for clients ------------------------------------------------------------------

    def signed_jwt_auth(self, **kwargs: Any) -> Any:
        """A :class:`~nhsstd.registers.auth.SignedJwtAuth` this sandbox accepts (test key)."""
        from nhsstd.registers.auth import SignedJwtAuth

        options: dict[str, Any] = {
            "api_key": self.api_key,
            "private_key": test_private_key(),
            "kid": TEST_KID,
            "token_url": self.token_url,
        }
        options.update(kwargs)
        return SignedJwtAuth(**options)

    def client_credentials_auth(self) -> Any:
        """A :class:`~nhsstd.registers.auth.ClientCredentialsAuth` for the terminology endpoints."""
        from nhsstd.registers.auth import ClientCredentialsAuth

        return ClientCredentialsAuth(
            client_id=self.tokens.client_id,
            client_secret=self.tokens.client_secret,
            token_url=self.terminology_token_url,
        )

    def api_key_auth(self) -> Any:
        """An :class:`~nhsstd.registers.auth.ApiKeyAuth` for the ODT endpoints."""
        from nhsstd.registers.auth import ApiKeyAuth

        return ApiKeyAuth(self.api_key)

    # -- inspection -------------------------------------------------------------------------------

    @property
    def open_connections(self) -> int:
        """Connections open right now."""
        return self._server.open_connections if self._server is not None else 0

    def wait_until_idle(self, timeout: float = 5.0) -> bool:
        """Wait until no connection is open (clients closed theirs); False if *timeout* passes first.

        A connection the client has closed is seen closed by the server a moment later.
        """
        deadline = time.monotonic() + timeout
        while self.open_connections:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.005)
        return True

    @property
    def total_connections(self) -> int:
        """Connections accepted since the start."""
        return self._server.total_connections if self._server is not None else 0

    @property
    def requests(self) -> list[Request]:
        """Every request received so far (method, path, query, lower-case headers, body)."""
        return self._server.requests() if self._server is not None else []

    def reset(self) -> None:
        """Forget recorded requests and queued faults, and undo PDS updates (between tests)."""
        self.faults.clear()
        self._pds.reset()
        if self._server is not None:
            self._server.clear_requests()

    # -- routing ----------------------------------------------------------------------------------

    def _route(self, request: Request) -> Response:
        path = request.path
        for prefix, handler in (
            (_pds.PREFIX, self._pds.handle),
            (ORD_PREFIX, self._ods.ord),
            (ODT_PREFIX, self._ods.odt),
            (TERMINOLOGY_PREFIX, self._terminology.handle),
        ):
            if path == prefix or path.startswith(prefix + "/"):
                return handler(request, path[len(prefix) :])
        if path == "/oauth2/token":
            return self.tokens.platform_token(request)
        if path == "/terminology/token":
            return self.tokens.terminology_token(request)
        if path == "/.well-known/jwks.json":
            return self.tokens.jwks()
        return not_found(path)

    def __repr__(self) -> str:
        state = self.url if self._server is not None else "stopped"
        return f"Sandbox({state})"


def serve(sandbox: Sandbox, *, duration: float | None = None, stop: threading.Event | None = None) -> None:
    """Run *sandbox* until *stop* is set, *duration* seconds pass, or Ctrl-C."""
    event = stop or threading.Event()
    with sandbox, contextlib.suppress(KeyboardInterrupt):
        event.wait(duration)


def _describe(sandbox: Sandbox) -> Sequence[str]:
    return (
        f"PDS FHIR        {sandbox.pds_url}",
        f"ODS ORD         {sandbox.ord_url}",
        f"ODS ODT (FHIR)  {sandbox.odt_url}",
        f"Terminology     {sandbox.terminology_url}",
        f"OAuth2 token    {sandbox.token_url}",
        f"JWKS            {sandbox.jwks_url}",
    )

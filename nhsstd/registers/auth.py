"""Authentication plug-ins for the register clients, as ``httpx.Auth`` classes.

Which one a register needs:

=========================================  =========================================
Register / mode                            Plug-in
=========================================  =========================================
PDS, other NHS API platform APIs,          :class:`SignedJwtAuth` (signed JWT,
application-restricted (INT, production)   "private key JWT", RS512)
Organisation Data Terminology API (ODT)    :class:`ApiKeyAuth` (``apikey`` header)
NHS England Terminology Server             :class:`ClientCredentialsAuth`
                                           (client id and secret)
User-restricted (NHS CIS2, NHS login)      :class:`BearerTokenAuth` with a token
                                           your own login flow obtained
Public sandboxes, ORD                      none
=========================================  =========================================

Tokens are fetched through the same HTTP client as the API calls (so an
injected transport or proxy applies to both), cached until shortly before they
expire, and refreshed by one caller at a time however many threads or tasks
are waiting; a ``401`` on a call with a cached token triggers one refresh and
one retry.

Every token request has connect, read, write and pool timeouts: those of the
call that needed the token (which the register clients cut to what is left of
their retry budget), or the defaults of :class:`~nhsstd.registers.Timeouts`
where the call has none.  A caller waits for another caller's refresh no
longer than its pool timeout (then ``httpx.PoolTimeout``).  A token request
that times out or loses its connection raises ``httpx``'s own exception, which
the register clients turn into :class:`~nhsstd.registers.RegisterTimeout` or
:class:`~nhsstd.registers.RegisterConnectionError` and retry as their policy
allows -- with a new token request and, for a signed JWT, a new ``jti``.

Private keys, client secrets, API keys and tokens never appear in a ``repr``,
a log line or an exception message.  The objects refuse to be pickled so that
a key cannot leak into a cache or a task queue by accident.

Key set-up for the signed-JWT flow (done once, then register the JWKS with
your application in the NHS developer portal):

>>> import json, tempfile, pathlib
>>> private_pem = generate_private_key(bits=2048)   # 4096 is the usual choice
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> keys = write_jwks(folder / "jwks.json", private_pem, kid="test-1")
>>> sorted(keys["keys"][0])
['alg', 'e', 'kid', 'kty', 'n', 'use']
>>> keys["keys"][0]["alg"], keys["keys"][0]["kid"]
('RS512', 'test-1')
>>> auth = SignedJwtAuth(api_key="my-api-key", private_key=private_pem, kid="test-1",
...                      environment="integration")
>>> auth
SignedJwtAuth(kid='test-1', token_url='https://int.api.service.nhs.uk/oauth2/token')
"""

from __future__ import annotations

import abc
import asyncio
import json
import math
import os
import re
import threading
import time
import urllib.parse
import uuid
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator, Mapping
from typing import Any, NoReturn, cast

import httpx
import jwt
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from nhsstd._json_text import load_json
from nhsstd.identifiers._common import UUID
from nhsstd.registers._core import Body, Environment, Timeouts, check_url
from nhsstd.registers._errors import AuthConfigurationError, RegisterError, ResponseTooLarge, TokenError

__all__ = [
    "CLIENT_ASSERTION_TYPE",
    "TERMINOLOGY_TOKEN_URL",
    "ApiKeyAuth",
    "BearerTokenAuth",
    "ClientCredentialsAuth",
    "SignedJwtAuth",
    "generate_private_key",
    "jwks",
    "public_jwk",
    "write_jwks",
]

#: ``client_assertion_type`` of a signed-JWT token request (RFC 7523).
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

#: The NHS England Terminology Server's Keycloak token endpoint.
TERMINOLOGY_TOKEN_URL = (
    "https://ontology.nhs.uk/authorisation/auth/realms/nhs-digital-terminology/protocol/openid-connect/token"
)

#: The longest ``exp`` the NHS API platform accepts, in seconds from now.
MAX_ASSERTION_LIFETIME = 300

_MIN_RSA_BITS = 2048

#: The largest token-endpoint answer read: a token response is a few kilobytes.
MAX_TOKEN_RESPONSE_BYTES = 64 * 1024

#: Timeouts of a token request triggered by a call that carries none (a request
#: sent through a plain ``httpx`` client built with ``timeout=None``, say).
_DEFAULT_TOKEN_TIMEOUTS = Timeouts()
_TIMEOUT_NAMES = ("connect", "read", "write", "pool")


class _Unpicklable:
    def __reduce__(self) -> NoReturn:
        raise TypeError(f"{type(self).__name__} holds credentials and cannot be pickled")


def _check_token_text(value: object, what: str) -> str:
    """A credential-like string: non-empty, printable ASCII, no whitespace.  Never echoed."""
    if not isinstance(value, str):
        raise AuthConfigurationError(f"{what} must be a str")
    if not value or not value.isascii() or not value.isprintable() or any(c.isspace() for c in value):
        raise AuthConfigurationError(f"{what} must be non-empty printable ASCII without spaces")
    return value


def _token_timeouts(request: httpx.Request) -> dict[str, float]:
    """Connect/read/write/pool seconds for a token request that *request* needs.

    The triggering request's own timeouts are used, so a register client's
    budget applies to the token request too; any that is missing or switched
    off (``None``) gets the default, since an endpoint that never answers must
    not hang the call.
    """
    given = request.extensions.get("timeout")
    timeouts: dict[str, float] = {}
    for name in _TIMEOUT_NAMES:
        value = given.get(name) if isinstance(given, Mapping) else None
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not (math.isfinite(value) and value > 0)
        ):
            value = getattr(_DEFAULT_TOKEN_TIMEOUTS, name)
        timeouts[name] = float(value)
    return timeouts


def _refresh_wait_timeout(request: httpx.Request, timeouts: Mapping[str, float]) -> httpx.PoolTimeout:
    # Waiting for another caller's refresh is waiting for a shared resource, as
    # waiting for a pooled connection is: the same limit and the same exception,
    # so the register clients report it as RegisterTimeout and retry it under
    # their policy (by then the token is usually cached).
    return httpx.PoolTimeout(
        f"no access token: another caller's token refresh took longer than {timeouts['pool']:g} s",
        request=request,
    )


class _Token:
    """An access token and when to stop using it; its repr hides the value."""

    __slots__ = ("refresh_at", "value")

    def __init__(self, value: str, refresh_at: float) -> None:
        self.value = value
        self.refresh_at = refresh_at

    def __repr__(self) -> str:
        return "_Token(<hidden>)"


class _CachedTokenAuth(_Unpicklable, httpx.Auth, abc.ABC):
    """Base of the plug-ins that get a token from an OAuth 2.0 token endpoint."""

    def __init__(self, token_url: str, *, refresh_margin: float = 30.0) -> None:
        self._token_url = check_url(token_url, what="token_url")
        if (
            isinstance(refresh_margin, bool)
            or not isinstance(refresh_margin, (int, float))
            or not (0 <= refresh_margin < 3600)
        ):
            raise AuthConfigurationError("refresh_margin must be a number of seconds from 0 to 3600")
        self._refresh_margin = float(refresh_margin)
        self._clock = time.monotonic
        self._token: _Token | None = None
        self._lock = threading.Lock()
        self._locks_guard = threading.Lock()
        self._async_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        #: Number of token requests made so far (for monitoring and tests).
        self.token_requests = 0

    @property
    def token_url(self) -> str:
        """The token endpoint."""
        return self._token_url

    @abc.abstractmethod
    def _token_request(self) -> httpx.Request:
        """The request that fetches a new token from the token endpoint."""

    def invalidate(self) -> None:
        """Forget the cached token; the next call fetches a new one."""
        self._token = None

    def _fresh(self) -> str | None:
        token = self._token
        if token is not None and self._clock() < token.refresh_at:
            return token.value
        return None

    def _next_token_request(self, timeouts: Mapping[str, float]) -> httpx.Request:
        # A request built outside a client carries no timeouts, and httpx sends a
        # request an auth flow yields as it is: without this the token endpoint
        # could keep the call (and the refresh lock) waiting for ever.
        #
        # No retry here, for three reasons.  httpx does not show the flow a
        # transport failure: it closes the flow and raises to the caller.  The
        # register clients already retry the whole attempt -- a new token
        # request, with a new assertion and so a new jti, never a replay of one
        # the endpoint may have seen -- under their policy and time budget; a
        # second retry loop here would multiply the attempts and outlast the
        # budget.  And a refusal (TokenError) is final, as it always was.
        self.token_requests += 1
        token_request = self._token_request()
        token_request.extensions["timeout"] = dict(timeouts)
        return token_request

    @staticmethod
    def _traced(token_request: httpx.Request, request: httpx.Request) -> httpx.Request:
        # The triggering request's trace hook (a caller's) goes along to the token request.
        if "trace" in request.extensions:
            token_request.extensions["trace"] = request.extensions["trace"]
        return token_request

    @staticmethod
    def _capped(reply: httpx.Response) -> Body:
        """Make *reply* decode its body as the raw chunks arrive, stopping at the size cap.

        httpx reads the body of a response an auth flow was shown, so the flow reads it (and
        httpx keeps nothing of it); a small gzip body inflating to gigabytes is refused at
        :data:`MAX_TOKEN_RESPONSE_BYTES`, as the register clients refuse theirs.
        """
        # A transport may hand over a response already read (httpx.MockTransport does): its
        # content is decoded, so only its size is checked.
        consumed = reply.is_stream_consumed
        try:
            body = Body(reply.status_code, {} if consumed else reply.headers, MAX_TOKEN_RESPONSE_BYTES, None)
            if consumed:
                body.feed(reply.content)
        except RegisterError as failure:
            raise _unreadable(reply, failure) from None
        if not consumed:
            reply.stream = _DecodedTokenStream(reply, body)
        return body

    def _accept(self, response: httpx.Response, decoded: Body) -> str:
        """Store the token from a token-endpoint response, or raise :class:`TokenError`."""
        try:
            content = decoded.content()
        except RegisterError as failure:
            raise _unreadable(response, failure) from None
        try:
            body: Any = load_json(content)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            body = {}
        value = body.get("access_token")
        if response.status_code != 200 or not isinstance(value, str) or not value:
            # An endpoint may echo the request (client secret, assertion): only the status, a
            # registered OAuth error code, a UUID-shaped request id and a description that
            # holds nothing from the request nor anything token-shaped are kept.
            error = body.get("error")
            request_id = response.headers.get("X-Request-ID", "")
            failed = response.status_code >= 500 or response.status_code in (408, 429)
            raise TokenError(
                "the token endpoint failed"
                if failed
                else "the token endpoint refused to issue an access token",
                status=response.status_code,
                error=error if isinstance(error, str) else None,
                diagnostics=_safe_description(body.get("error_description"), response.request),
                request_id=request_id if UUID.fullmatch(request_id) else None,
            )
        lifetime = _seconds(body.get("expires_in"))
        if lifetime is None:
            raise TokenError(
                "the token response has no usable expires_in", status=response.status_code, error=None
            )
        margin = min(self._refresh_margin, lifetime / 2)
        self._token = _Token(value, self._clock() + lifetime - margin)
        return value

    @staticmethod
    def _authorise(request: httpx.Request, token: str) -> None:
        request.headers["Authorization"] = f"Bearer {token}"

    # httpx calls these two directly; overriding them (rather than auth_flow) lets the
    # refresh hold a thread lock or an asyncio lock, so the bodies are read here.

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self._fresh()
        if token is None:
            token = yield from self._refresh_sync(request, stale=None)
        self._authorise(request, token)
        response = yield request
        if response.status_code == 401:
            response.read()
            fresh = yield from self._refresh_sync(request, stale=token)
            self._authorise(request, fresh)
            yield request

    def _refresh_sync(
        self, request: httpx.Request, *, stale: str | None
    ) -> Generator[httpx.Request, httpx.Response, str]:
        """A fresh token, fetched by one caller at a time; the others then find it cached.

        *stale* is a token the API refused: forget it unless another caller
        has replaced it already.
        """
        timeouts = _token_timeouts(request)
        if not self._lock.acquire(timeout=min(timeouts["pool"], threading.TIMEOUT_MAX)):
            raise _refresh_wait_timeout(request, timeouts)
        # Released however the refresh ends: an answer, a TokenError, or httpx
        # closing this flow because the token request timed out or failed.
        try:
            if stale is not None and self._fresh() == stale:
                self.invalidate()
            token = self._fresh()
            if token is None:
                reply = yield self._traced(self._next_token_request(timeouts), request)
                decoded = self._capped(reply)
                reply.read()
                token = self._accept(reply, decoded)
            return token
        finally:
            self._lock.release()

    def _async_lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        with self._locks_guard:
            lock = self._async_locks.get(loop)
            if lock is None:
                lock = self._async_locks[loop] = asyncio.Lock()
            return lock

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        # The sync flow's two refreshes (before the call, and after a 401 with the refused
        # token as *stale*) as one loop: an async generator cannot delegate with "yield from".
        token = self._fresh()
        stale: str | None = None
        for attempt in range(2):
            if token is None:
                timeouts = _token_timeouts(request)
                lock = await self._acquire_async(request, timeouts)
                try:  # released however the refresh ends, as in the sync flow
                    if stale is not None and self._fresh() == stale:
                        self.invalidate()
                    token = self._fresh()
                    if token is None:
                        reply = yield self._traced(self._next_token_request(timeouts), request)
                        decoded = self._capped(reply)
                        await reply.aread()
                        token = self._accept(reply, decoded)
                finally:
                    lock.release()
            self._authorise(request, token)
            response = yield request
            if response.status_code != 401 or attempt:
                return
            await response.aread()
            stale, token = token, None

    async def _acquire_async(self, request: httpx.Request, timeouts: Mapping[str, float]) -> asyncio.Lock:
        """This event loop's refresh lock, acquired within the pool timeout."""
        lock = self._async_lock()
        try:
            await asyncio.wait_for(lock.acquire(), timeouts["pool"])
        except asyncio.TimeoutError:
            raise _refresh_wait_timeout(request, timeouts) from None
        return lock


class _DecodedTokenStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A token response's raw stream, fed to a :class:`Body` as it is read; it passes nothing on."""

    def __init__(self, reply: httpx.Response, body: Body) -> None:
        self._reply = reply
        self._raw = reply.stream
        self._body = body

    def _feed(self, chunk: bytes) -> None:
        try:
            self._body.feed(chunk)
        except RegisterError as error:
            raise _unreadable(self._reply, error) from None

    def __iter__(self) -> Iterator[bytes]:
        for chunk in cast(httpx.SyncByteStream, self._raw):
            self._feed(chunk)
        yield b""  # (the decoded body is the Body's; httpx keeps an empty one)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in cast(httpx.AsyncByteStream, self._raw):
            self._feed(chunk)
        yield b""

    def close(self) -> None:
        cast(httpx.SyncByteStream, self._raw).close()

    async def aclose(self) -> None:
        await cast(httpx.AsyncByteStream, self._raw).aclose()


def _unreadable(reply: httpx.Response, error: RegisterError) -> TokenError:
    """The :class:`TokenError` for a token response that is too large or cannot be decoded."""
    if isinstance(error, ResponseTooLarge):
        summary = "the token endpoint's answer is too large"
    else:
        summary = "the token endpoint's answer could not be decoded"
    return TokenError(summary, status=reply.status_code)


# A run that could be a secret or a token: characters of the base64, base64url and URL-safe
# alphabets without a space, 20 or more of them, or 12 or more with a digit among letters
# (an error description's words, ``client_assertion`` say, are neither).
_TOKEN_SHAPED = re.compile(
    r"[A-Za-z0-9_.~+/=%-]{20,}|(?=[A-Za-z0-9_.~+/=%-]*[0-9])(?=[A-Za-z0-9_.~+/=%-]*[A-Za-z])[A-Za-z0-9_.~+/=%-]{12,}"
)


def _safe_description(description: object, request: httpx.Request) -> str | None:
    """A token endpoint's ``error_description``, or ``None`` when it may hold a secret.

    It is dropped if it has a form separator (``=`` or ``&``), a token-shaped run, or any
    value the token request sent (the client secret, the assertion, the client id).
    """
    if not isinstance(description, str) or "=" in description or "&" in description:
        return None
    if _TOKEN_SHAPED.search(description):
        return None
    sent = [value for _, value in urllib.parse.parse_qsl(request.content.decode("ascii", "replace"))]
    sent += [value for name, value in request.headers.items() if name.lower() == "authorization"]
    if any(len(value) >= 4 and value in description for value in sent):
        return None
    return description


def _seconds(value: object) -> float | None:
    """``expires_in`` as seconds (the API platform sends a string, Keycloak a number)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, (int, float)) and 0 < value <= 7 * 86_400:
        return float(value)
    return None


def _load_private_key(key: object, password: bytes | None) -> rsa.RSAPrivateKey:
    if isinstance(key, rsa.RSAPrivateKey):
        loaded: object = key
    elif isinstance(key, (str, bytes)):
        data = key.encode("utf-8") if isinstance(key, str) else key
        try:
            loaded = serialization.load_pem_private_key(data, password=password)
        except (ValueError, TypeError, UnsupportedAlgorithm):
            raise AuthConfigurationError(
                "private_key could not be loaded as a PEM private key (wrong format or password)"
            ) from None
    else:
        raise AuthConfigurationError("private_key must be PEM text/bytes or an RSA private key object")
    if not isinstance(loaded, rsa.RSAPrivateKey):
        raise AuthConfigurationError("private_key must be an RSA key (RS512 signing)")
    if loaded.key_size < _MIN_RSA_BITS:
        raise AuthConfigurationError(f"private_key must have at least {_MIN_RSA_BITS} bits")
    return loaded


class SignedJwtAuth(_CachedTokenAuth):
    """Application-restricted access to the NHS API platform with a signed JWT.

    Each token request carries a fresh client assertion: a JWT signed with
    RS512, header ``kid`` = *kid*, claims ``iss`` = ``sub`` = *api_key*,
    ``aud`` = the token URL, ``jti`` = a new UUID, ``exp`` = now + *lifetime*
    (at most 300 seconds).  The access token it returns is cached until
    *refresh_margin* seconds before it expires.

    :param api_key: the application's API key (its client id).
    :param private_key: PEM text or bytes, or a ``cryptography`` RSA private
        key object, of at least 2048 bits.
    :param kid: the key id registered in the application's JWKS.
    :param environment: derive the token URL from the environment
        (``INTEGRATION`` or ``PRODUCTION``) -- the usual choice, since the
        ``aud`` claim must match it character for character ...
    :param token_url: ... or give the token URL yourself (the local sandbox).
    :param lifetime: seconds until the assertion expires, 1 to 300.
    :param password: the password of an encrypted PEM key.
    """

    def __init__(
        self,
        *,
        api_key: str,
        private_key: str | bytes | rsa.RSAPrivateKey,
        kid: str,
        environment: Environment | str | None = None,
        token_url: str | None = None,
        lifetime: int = MAX_ASSERTION_LIFETIME,
        refresh_margin: float = 30.0,
        password: bytes | None = None,
    ) -> None:
        if (environment is None) == (token_url is None):
            raise AuthConfigurationError("pass exactly one of environment= and token_url=")
        if environment is not None:
            try:
                env = Environment(environment)
            except ValueError:
                raise AuthConfigurationError("environment must be 'integration' or 'production'") from None
            if env is Environment.SANDBOX:
                raise AuthConfigurationError(
                    "the public sandboxes need no authentication; use no auth plug-in there"
                )
            token_url = env.token_url
        assert token_url is not None
        super().__init__(token_url, refresh_margin=refresh_margin)
        self._api_key = _check_token_text(api_key, "api_key")
        self._kid = _check_token_text(kid, "kid")
        if (
            isinstance(lifetime, bool)
            or not isinstance(lifetime, int)
            or not (1 <= lifetime <= MAX_ASSERTION_LIFETIME)
        ):
            raise AuthConfigurationError(f"lifetime must be an integer from 1 to {MAX_ASSERTION_LIFETIME}")
        self._lifetime = lifetime
        self._private_key = _load_private_key(private_key, password)

    @property
    def kid(self) -> str:
        """The key id sent in the JWT header."""
        return self._kid

    def client_assertion(self, *, now: float | None = None) -> str:
        """A freshly signed client assertion (a new ``jti`` every time).

        Useful to inspect the claims when the token endpoint refuses them;
        the token request sends one of these for you.
        """
        issued = int(time.time() if now is None else now)
        claims = {
            "iss": self._api_key,
            "sub": self._api_key,
            "aud": self._token_url,
            "jti": str(uuid.uuid4()),
            "exp": issued + self._lifetime,
        }
        return jwt.encode(
            claims, self._private_key, algorithm="RS512", headers={"kid": self._kid, "typ": "JWT"}
        )

    def _token_request(self) -> httpx.Request:
        return httpx.Request(
            "POST",
            self._token_url,
            data={
                "grant_type": "client_credentials",
                "client_assertion_type": CLIENT_ASSERTION_TYPE,
                "client_assertion": self.client_assertion(),
            },
            headers={"Accept": "application/json"},
        )

    def __repr__(self) -> str:
        return f"SignedJwtAuth(kid={self._kid!r}, token_url={self._token_url!r})"


class ClientCredentialsAuth(_CachedTokenAuth):
    """OAuth 2.0 client credentials (client id + secret), as the Terminology Server uses.

    :param client_id: the system account's client id.
    :param client_secret: its secret.
    :param token_url: the token endpoint (default: the NHS England Terminology
        Server's).
    :param scope: an optional ``scope`` to request.

    >>> ClientCredentialsAuth(client_id="my-system", client_secret="s3cret")
    ClientCredentialsAuth(token_url='https://ontology.nhs.uk/authorisation/auth/realms/nhs-digital-terminology/protocol/openid-connect/token')
    """

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        token_url: str = TERMINOLOGY_TOKEN_URL,
        scope: str | None = None,
        refresh_margin: float = 30.0,
    ) -> None:
        super().__init__(token_url, refresh_margin=refresh_margin)
        self._client_id = _check_token_text(client_id, "client_id")
        self._client_secret = _check_token_text(client_secret, "client_secret")
        self._scope = _check_token_text(scope, "scope") if scope is not None else None

    def _token_request(self) -> httpx.Request:
        data = {
            "grant_type": "client_credentials",
            "client_id": self._client_id,
            "client_secret": self._client_secret,
        }
        if self._scope:
            data["scope"] = self._scope
        return httpx.Request("POST", self._token_url, data=data, headers={"Accept": "application/json"})

    def __repr__(self) -> str:
        return f"ClientCredentialsAuth(token_url={self._token_url!r})"


class ApiKeyAuth(_Unpicklable, httpx.Auth):
    """Send an API key in a header (``apikey``, as the ODT API expects).

    >>> ApiKeyAuth("abc123")
    ApiKeyAuth(header='apikey')
    """

    def __init__(self, api_key: str, *, header: str = "apikey") -> None:
        self._api_key = _check_token_text(api_key, "api_key")
        self._header = _check_token_text(header, "header")

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[self._header] = self._api_key
        yield request

    def __repr__(self) -> str:
        return f"ApiKeyAuth(header={self._header!r})"


class BearerTokenAuth(_Unpicklable, httpx.Auth):
    """A token the caller obtained (NHS CIS2 or NHS login), sent as ``Authorization: Bearer``.

    :param token: the access token.
    :param session_urid: the user's role id, sent as ``NHSD-Session-URID``
        (healthcare worker access).
    :param end_user_organisation: the end user's ODS code, sent as
        ``NHSD-End-User-Organisation-ODS`` (multi-organisation applications).

    >>> BearerTokenAuth("eyJhbGciOi...", session_urid="555254242106")
    BearerTokenAuth(<token hidden>)
    """

    def __init__(
        self, token: str, *, session_urid: str | None = None, end_user_organisation: str | None = None
    ) -> None:
        self._token = _check_token_text(token, "token")
        if session_urid is not None and not (
            isinstance(session_urid, str) and session_urid.isascii() and session_urid.isdigit()
        ):
            raise AuthConfigurationError("session_urid must be a string of ASCII digits")
        self._session_urid = session_urid
        self._organisation = (
            _check_token_text(end_user_organisation, "end_user_organisation")
            if end_user_organisation is not None
            else None
        )

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token}"
        if self._session_urid:
            request.headers["NHSD-Session-URID"] = self._session_urid
        if self._organisation:
            request.headers["NHSD-End-User-Organisation-ODS"] = self._organisation
        yield request

    def __repr__(self) -> str:
        return "BearerTokenAuth(<token hidden>)"


def _public_key(key: object) -> rsa.RSAPublicKey:
    if isinstance(key, rsa.RSAPrivateKey):
        return key.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return key
    if isinstance(key, (str, bytes)):
        data = key.encode("utf-8") if isinstance(key, str) else key
        if b"PRIVATE KEY" in data:
            return _load_private_key(data, None).public_key()
        try:
            loaded = serialization.load_pem_public_key(data)
        except (ValueError, TypeError, UnsupportedAlgorithm):
            raise AuthConfigurationError("key could not be loaded as a PEM public or private key") from None
        if isinstance(loaded, rsa.RSAPublicKey):
            return loaded
    raise AuthConfigurationError("key must be an RSA key, as PEM text/bytes or a key object")


def _b64_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8 or 1, "big")
    return jwt.utils.base64url_encode(raw).decode("ascii")


def public_jwk(key: str | bytes | rsa.RSAPublicKey | rsa.RSAPrivateKey, kid: str) -> dict[str, str]:
    """The public JSON Web Key of an RSA key, for RS512 signatures.

    Only the public half is ever written, even when *key* is a private key.
    """
    public = _public_key(key)
    numbers = public.public_numbers()
    return {
        "kty": "RSA",
        "n": _b64_uint(numbers.n),
        "e": _b64_uint(numbers.e),
        "alg": "RS512",
        "kid": _check_token_text(kid, "kid"),
        "use": "sig",
    }


def jwks(keys: Mapping[str, str | bytes | rsa.RSAPublicKey | rsa.RSAPrivateKey]) -> dict[str, Any]:
    """A JWKS document (``{"keys": [...]}``) for several keys, by kid.

    Publish the old and the new key together while rotating.
    """
    return {"keys": [public_jwk(key, kid) for kid, key in keys.items()]}


def write_jwks(
    path: str | os.PathLike[str], key: str | bytes | rsa.RSAPublicKey | rsa.RSAPrivateKey, *, kid: str
) -> dict[str, Any]:
    """Write the JWKS for one key to *path* (JSON) and return it."""
    document = jwks({kid: key})
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2)
        handle.write("\n")
    return document


def generate_private_key(bits: int = 4096) -> bytes:
    """A new RSA private key as unencrypted PKCS#8 PEM bytes (keep it secret)."""
    if isinstance(bits, bool) or not isinstance(bits, int) or bits < _MIN_RSA_BITS:
        raise AuthConfigurationError(f"bits must be an integer of at least {_MIN_RSA_BITS}")
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )

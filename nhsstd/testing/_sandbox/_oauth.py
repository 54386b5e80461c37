"""The sandbox's OAuth 2.0 token endpoints.

* ``POST /oauth2/token`` -- the NHS API platform's signed-JWT client-credentials
  flow: the client assertion must be an RS512 JWT whose ``kid`` is in the
  sandbox's JWKS, signed by that key, with ``iss`` = ``sub`` = the API key,
  ``aud`` = this endpoint's URL, a ``jti`` not seen before and an ``exp`` in
  the future but at most five minutes ahead.
* ``POST /terminology/token`` -- plain client credentials (id + secret), as
  the Terminology Server's Keycloak expects.

Issued tokens are random hex strings (``Bearer <alnum>``, as the PDS sandbox
insists) that expire after ``token_lifetime`` seconds.
"""

from __future__ import annotations

import secrets
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any

from nhsstd.testing._sandbox._http import Request, Response, json_response

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
MAX_ASSERTION_LIFETIME = 300
_LEEWAY = 5


def _error(status: int, error: str, description: str) -> Response:
    return json_response(
        status,
        {"error": error, "error_description": description, "message_id": secrets.token_hex(8)},
    )


def _form(request: Request) -> dict[str, str]:
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError:
        return {}
    return dict(urllib.parse.parse_qsl(text, keep_blank_values=True))


class TokenIssuer:
    """Issues and checks the sandbox's access tokens (thread-safe)."""

    def __init__(
        self,
        *,
        token_url: Callable[[], str],
        api_key: str,
        public_keys: Callable[[], Mapping[str, Any]],
        client_id: str,
        client_secret: str,
        lifetime: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._token_url = token_url
        self.api_key = api_key
        self._load_keys = public_keys
        self._public_keys: dict[str, Any] | None = None
        self.client_id = client_id
        self.client_secret = client_secret
        self.lifetime = lifetime
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens: dict[str, float] = {}
        self._jtis: set[str] = set()
        self.platform_requests = 0
        self.terminology_requests = 0

    @property
    def public_keys(self) -> dict[str, Any]:
        """kid -> public key, loaded on first use (making the test key takes a moment)."""
        if self._public_keys is None:
            self._public_keys = dict(self._load_keys())
        return self._public_keys

    def _issue(self) -> Response:
        token = secrets.token_hex(20)
        now = self._clock()
        with self._lock:
            self._tokens[token] = now + self.lifetime
        return json_response(
            200,
            {
                "access_token": token,
                "expires_in": str(self.lifetime),
                "token_type": "Bearer",
                "issued_at": str(int(now * 1000)),
            },
        )

    def is_valid(self, authorization: str | None) -> bool:
        """Whether *authorization* is ``Bearer <a token this sandbox issued and that has not expired>``."""
        if not authorization or not authorization.startswith("Bearer "):
            return False
        token = authorization[len("Bearer ") :]
        with self._lock:
            expiry = self._tokens.get(token)
        return expiry is not None and self._clock() < expiry

    def expire_all(self) -> None:
        """Make every token issued so far invalid (to test refresh on 401)."""
        with self._lock:
            self._tokens.clear()

    def platform_token(self, request: Request) -> Response:
        """``POST /oauth2/token`` with a signed client assertion."""
        with self._lock:
            self.platform_requests += 1
        if request.method != "POST":
            return _error(405, "invalid_request", "use POST")
        form = _form(request)
        if form.get("grant_type") != "client_credentials":
            return _error(400, "unsupported_grant_type", "grant_type must be 'client_credentials'")
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            return _error(
                400,
                "invalid_request",
                f"Missing or invalid client_assertion_type - must be '{ASSERTION_TYPE}'",
            )
        assertion = form.get("client_assertion")
        if not assertion:
            return _error(400, "invalid_request", "Missing client_assertion")
        try:
            import jwt
        except ImportError:  # pragma: no cover - the registers extra is missing
            return _error(500, "server_error", "the sandbox token endpoint needs PyJWT (nhsstd[registers])")
        try:
            header = jwt.get_unverified_header(assertion)
        except jwt.PyJWTError:
            return _error(400, "invalid_request", "Malformed JWT in client_assertion")
        if header.get("alg") != "RS512":
            return _error(
                400, "invalid_request", "Invalid 'alg' header in client_assertion JWT - must be 'RS512'"
            )
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            return _error(400, "invalid_request", "Missing 'kid' header in client_assertion JWT")
        key = self.public_keys.get(kid)
        if key is None:
            return _error(
                401,
                "invalid_request",
                "Invalid 'kid' header in client_assertion JWT - no matching public key",
            )
        try:
            claims = jwt.decode(
                assertion,
                key,
                algorithms=["RS512"],
                audience=self._token_url(),
                options={"require": ["iss", "sub", "aud", "jti", "exp"]},
                leeway=_LEEWAY,
            )
        except jwt.InvalidSignatureError:
            return _error(401, "invalid_request", "Unable to verify JWT signature")
        except jwt.ExpiredSignatureError:
            return _error(
                400, "invalid_request", "Invalid 'exp' claim in client_assertion JWT - JWT has expired"
            )
        except jwt.InvalidAudienceError:
            return _error(401, "invalid_request", "Missing or invalid 'aud' claim in client_assertion JWT")
        except jwt.MissingRequiredClaimError as error:
            return _error(400, "invalid_request", f"Missing '{error.claim}' claim in client_assertion JWT")
        except jwt.PyJWTError:
            return _error(400, "invalid_request", "Malformed JWT in client_assertion")
        if claims.get("iss") != self.api_key or claims.get("sub") != self.api_key:
            return _error(401, "invalid_request", "Invalid 'iss'/'sub' claims in client_assertion JWT")
        exp = claims.get("exp")
        if not isinstance(exp, int) or exp > self._clock() + MAX_ASSERTION_LIFETIME + _LEEWAY:
            return _error(
                400,
                "invalid_request",
                "Invalid 'exp' claim in client_assertion JWT - more than 5 minutes in future",
            )
        jti = claims.get("jti")
        with self._lock:
            if not isinstance(jti, str) or jti in self._jtis:
                return _error(400, "invalid_request", "Non-unique 'jti' claim in client_assertion JWT")
            self._jtis.add(jti)
        return self._issue()

    def terminology_token(self, request: Request) -> Response:
        """``POST /terminology/token`` with a client id and secret."""
        with self._lock:
            self.terminology_requests += 1
        if request.method != "POST":
            return _error(405, "invalid_request", "use POST")
        form = _form(request)
        if form.get("grant_type") != "client_credentials":
            return _error(400, "unsupported_grant_type", "grant_type must be 'client_credentials'")
        if form.get("client_id") != self.client_id or not secrets.compare_digest(
            form.get("client_secret", ""), self.client_secret
        ):
            return _error(401, "unauthorized_client", "Invalid client or Invalid client credentials")
        return self._issue()

    def jwks(self) -> Response:
        """The sandbox's JWKS (public keys only)."""
        from nhsstd.registers.auth import public_jwk

        return json_response(200, {"keys": [public_jwk(key, kid) for kid, key in self.public_keys.items()]})

"""Auth plug-ins: signed JWT, client credentials, API key, bearer token, JWKS -- and secrets never leaking."""

from __future__ import annotations

import asyncio
import json
import logging
import pickle
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from nhsstd.registers import (
    AuthConfigurationError,
    RegisterConnectionError,
    RegisterError,
    RegisterTimeout,
    RetryPolicy,
    Timeouts,
    TokenError,
    Unauthorised,
)
from nhsstd.registers._core import Call
from nhsstd.registers.auth import (
    CLIENT_ASSERTION_TYPE,
    ApiKeyAuth,
    BearerTokenAuth,
    ClientCredentialsAuth,
    SignedJwtAuth,
    generate_private_key,
    jwks,
    public_jwk,
    write_jwks,
)
from nhsstd.registers.ods import OdtClient
from nhsstd.registers.pds import AsyncPdsClient, PdsClient
from nhsstd.registers.terminology import TerminologyClient
from nhsstd.testing.sandbox import DEFAULT_API_KEY, TEST_KID, Sandbox, test_private_key

TOKEN_URL = "https://int.api.service.nhs.uk/oauth2/token"


@pytest.fixture(scope="module")
def private_pem() -> bytes:
    return test_private_key()


@pytest.fixture
def auth_sandbox(nhs_sandbox_auth: Sandbox) -> Iterator[Sandbox]:
    nhs_sandbox_auth.reset()
    nhs_sandbox_auth.tokens.expire_all()
    yield nhs_sandbox_auth
    assert nhs_sandbox_auth.wait_until_idle(5.0)


def _public(pem: bytes) -> rsa.RSAPublicKey:
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key.public_key()


# -- the client assertion --------------------------------------------------------------------------


def test_client_assertion_header_and_claims(private_pem: bytes) -> None:
    auth = SignedJwtAuth(api_key="my-api-key", private_key=private_pem, kid="test-1", token_url=TOKEN_URL)
    before = time.time()
    assertion = auth.client_assertion()
    header = jwt.get_unverified_header(assertion)
    assert header == {"alg": "RS512", "kid": "test-1", "typ": "JWT"}
    claims = jwt.decode(assertion, _public(private_pem), algorithms=["RS512"], audience=TOKEN_URL)
    assert claims["iss"] == claims["sub"] == "my-api-key"
    assert claims["aud"] == TOKEN_URL
    assert uuid.UUID(claims["jti"]).version == 4
    assert before < claims["exp"] <= int(before) + 300 + 1


def test_every_assertion_has_a_fresh_jti(private_pem: bytes) -> None:
    auth = SignedJwtAuth(api_key="k", private_key=private_pem, kid="test-1", token_url=TOKEN_URL)
    jtis = {
        jwt.decode(auth.client_assertion(), options={"verify_signature": False})["jti"] for _ in range(20)
    }
    assert len(jtis) == 20


@pytest.mark.parametrize(
    ("environment", "aud"),
    [
        ("integration", "https://int.api.service.nhs.uk/oauth2/token"),
        ("production", "https://api.service.nhs.uk/oauth2/token"),
    ],
)
def test_aud_is_derived_from_the_environment(private_pem: bytes, environment: str, aud: str) -> None:
    auth = SignedJwtAuth(api_key="k", private_key=private_pem, kid="test-1", environment=environment)
    assert auth.token_url == aud
    assert jwt.decode(auth.client_assertion(), options={"verify_signature": False})["aud"] == aud


def test_shorter_lifetime(private_pem: bytes) -> None:
    auth = SignedJwtAuth(api_key="k", private_key=private_pem, kid="k1", token_url=TOKEN_URL, lifetime=60)
    claims = jwt.decode(
        auth.client_assertion(now=1_000_000), options={"verify_signature": False, "verify_exp": False}
    )
    assert claims["exp"] == 1_000_060


@pytest.mark.parametrize(
    "kwargs",
    [
        {"environment": "sandbox"},
        {},
        {"environment": "integration", "token_url": TOKEN_URL},
        {"environment": "staging"},
        {"token_url": TOKEN_URL, "lifetime": 301},
        {"token_url": TOKEN_URL, "lifetime": 0},
        {"token_url": "http://example.org/token"},
        {"token_url": TOKEN_URL, "api_key": ""},
        {"token_url": TOKEN_URL, "api_key": "has space"},
        {"token_url": TOKEN_URL, "kid": "\n"},
    ],
)
def test_bad_configuration_is_refused(private_pem: bytes, kwargs: dict[str, object]) -> None:
    options: dict[str, object] = {"api_key": "k", "private_key": private_pem, "kid": "test-1", **kwargs}
    with pytest.raises((AuthConfigurationError, ValueError)):
        SignedJwtAuth(**options)  # type: ignore[arg-type]


def test_unusable_keys_are_refused_without_echoing_them() -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    ec_pem = ec_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    garbage = "-----BEGIN PRIVATE KEY-----\nTOP-SECRET-MATERIAL\n-----END PRIVATE KEY-----\n"
    for key in (small, ec_pem, garbage, b"", 12345):
        with pytest.raises(AuthConfigurationError) as caught:
            SignedJwtAuth(api_key="k", private_key=key, kid="test-1", token_url=TOKEN_URL)  # type: ignore[arg-type]
        assert "TOP-SECRET" not in str(caught.value)
        assert "BEGIN" not in str(caught.value)


def test_encrypted_key_needs_its_password() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"hunter22"),
    )
    with pytest.raises(AuthConfigurationError) as caught:
        SignedJwtAuth(api_key="k", private_key=pem, kid="k", token_url=TOKEN_URL)
    assert "hunter22" not in str(caught.value)
    auth = SignedJwtAuth(api_key="k", private_key=pem, kid="k", token_url=TOKEN_URL, password=b"hunter22")
    assert jwt.decode(auth.client_assertion(), key.public_key(), algorithms=["RS512"], audience=TOKEN_URL)


# -- secrets never leak ----------------------------------------------------------------------------


def test_reprs_hide_every_secret(private_pem: bytes) -> None:
    plugins = [
        SignedJwtAuth(api_key="api-key-123", private_key=private_pem, kid="test-1", token_url=TOKEN_URL),
        ClientCredentialsAuth(client_id="client-7", client_secret="s3cret-value"),
        ApiKeyAuth("api-key-123"),
        BearerTokenAuth("token-abc-987", session_urid="555254242106", end_user_organisation="Y12345"),
    ]
    secrets = ["api-key-123", "s3cret-value", "token-abc-987", "PRIVATE KEY", private_pem.decode()[40:80]]
    for plugin in plugins:
        for text in (repr(plugin), str(plugin)):
            assert not any(secret in text for secret in secrets), text
        with pytest.raises(TypeError):
            pickle.dumps(plugin)


def test_token_flow_logs_and_errors_carry_no_secret(
    auth_sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    auth = auth_sandbox.signed_jwt_auth()
    with PdsClient(base_url=auth_sandbox.pds_url, auth=auth, rate_limit=None) as pds:
        pds.get_patient("9000000009")
        assert pds.get_patient("9000000009").nhs_number == "9000000009"
    tokens = [r.headers.get("authorization", "") for r in auth_sandbox.requests]
    token_values = {value.split(" ", 1)[1] for value in tokens if value.startswith("Bearer ")}
    assertions = [r.body.decode() for r in auth_sandbox.requests if r.path == "/oauth2/token"]
    assert token_values
    assert assertions
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert logged  # the clients and httpx did log
    for secret in [*token_values, *assertions, DEFAULT_API_KEY, "9000000009", "PRIVATE KEY"]:
        assert secret not in logged

    bad = ClientCredentialsAuth(
        client_id="nobody", client_secret="wrong-secret-xyz", token_url=auth_sandbox.terminology_token_url
    )
    with (
        TerminologyClient(base_url=auth_sandbox.terminology_url, auth=bad) as client,
        pytest.raises(TokenError) as caught,
    ):
        client.lookup("22298006")
    for rendering in (str(caught.value), repr(caught.value)):
        assert "wrong-secret-xyz" not in rendering
    assert caught.value.error == "unauthorized_client"


# -- the token cycle against the sandbox -----------------------------------------------------------


def test_token_is_fetched_once_and_cached(auth_sandbox: Sandbox) -> None:
    auth = auth_sandbox.signed_jwt_auth()
    before = auth_sandbox.tokens.platform_requests
    with PdsClient(base_url=auth_sandbox.pds_url, auth=auth, rate_limit=None) as pds:
        for _ in range(5):
            pds.get_patient("9000000033")
    assert auth.token_requests == 1
    assert auth_sandbox.tokens.platform_requests - before == 1
    token_posts = [r for r in auth_sandbox.requests if r.path == "/oauth2/token"]
    assert len(token_posts) == 1
    form = dict(pair.split("=", 1) for pair in token_posts[0].body.decode().split("&"))
    assert form["grant_type"] == "client_credentials"
    assert form["client_assertion_type"] == CLIENT_ASSERTION_TYPE.replace(":", "%3A")


def test_token_is_refreshed_shortly_before_expiry(auth_sandbox: Sandbox) -> None:
    auth = auth_sandbox.signed_jwt_auth(refresh_margin=30)
    now = [1000.0]
    auth._clock = lambda: now[0]
    with PdsClient(base_url=auth_sandbox.pds_url, auth=auth, rate_limit=None) as pds:
        pds.get_patient("9000000033")
        now[0] += 599 - 30 - 1  # still inside the lifetime minus the margin
        pds.get_patient("9000000033")
        assert auth.token_requests == 1
        now[0] += 2  # now within the margin: refresh
        pds.get_patient("9000000033")
        assert auth.token_requests == 2


def test_a_401_with_a_cached_token_refreshes_once(auth_sandbox: Sandbox) -> None:
    auth = auth_sandbox.signed_jwt_auth()
    with PdsClient(base_url=auth_sandbox.pds_url, auth=auth, rate_limit=None) as pds:
        pds.get_patient("9000000033")
        auth_sandbox.tokens.expire_all()  # the server forgets the token
        assert pds.get_patient("9000000033").nhs_number == "9000000033"
    assert auth.token_requests == 2


def test_async_a_401_with_a_cached_token_refreshes_once(auth_sandbox: Sandbox) -> None:
    auth = auth_sandbox.signed_jwt_auth()

    async def main() -> tuple[str, str]:
        async with AsyncPdsClient(base_url=auth_sandbox.pds_url, auth=auth, rate_limit=None) as pds:
            first = await pds.get_patient("9000000033")
            auth_sandbox.tokens.expire_all()  # the server forgets the token
            second = await pds.get_patient("9000000033")
        return first.nhs_number, second.nhs_number

    assert asyncio.run(main()) == ("9000000033", "9000000033")
    assert auth.token_requests == 2


def test_a_second_401_is_the_answer_not_another_refresh() -> None:
    # After a 401, the flow refreshes once and sends the call again; a second 401 ends there
    # (Unauthorised), in the sync and the async flow alike -- no loop of refreshes.
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth2/token"):
            return httpx.Response(200, json=TOKEN_BODY)
        return httpx.Response(401)

    auth = ClientCredentialsAuth(
        token_url="https://example.org/oauth2/token", client_id="id", client_secret="secret-value"
    )
    with httpx.Client(transport=httpx.MockTransport(answer)) as client:
        assert client.get(API_URL, auth=auth).status_code == 401
    assert auth.token_requests == 2

    async def main() -> int:
        async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
            return (await client.get(API_URL, auth=auth)).status_code

    assert asyncio.run(main()) == 401
    assert auth.token_requests == 3  # the cached token, refused: one refresh


def test_one_refresh_at_a_time_with_threads(auth_sandbox: Sandbox) -> None:
    auth = auth_sandbox.signed_jwt_auth()
    errors: list[BaseException] = []
    barrier = threading.Barrier(12)
    with PdsClient(base_url=auth_sandbox.pds_url, auth=auth, rate_limit=None) as pds:

        def work() -> None:
            try:
                barrier.wait()
                pds.get_patient("9000000009")
            except BaseException as error:  # pragma: no cover - reported below
                errors.append(error)

        threads = [threading.Thread(target=work) for _ in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert auth.token_requests == 1


def test_one_refresh_at_a_time_with_tasks(auth_sandbox: Sandbox) -> None:
    auth = auth_sandbox.signed_jwt_auth()

    async def main() -> list[str]:
        async with AsyncPdsClient(base_url=auth_sandbox.pds_url, auth=auth, rate_limit=None) as pds:
            records = await asyncio.gather(*(pds.get_patient("9000000009") for _ in range(20)))
        return [record.nhs_number for record in records]

    assert asyncio.run(main()) == ["9000000009"] * 20
    assert auth.token_requests == 1
    # the same plug-in works again in a new event loop
    assert asyncio.run(main()) == ["9000000009"] * 20


@pytest.mark.parametrize(
    ("change", "error_text"),
    [
        ({"api_key": "someone-else"}, "iss"),
        ({"kid": "unknown-kid"}, "kid"),
        ("localhost", "aud"),
    ],
)
def test_the_token_endpoint_checks_the_claims(auth_sandbox: Sandbox, change: object, error_text: str) -> None:
    if change == "localhost":
        auth = auth_sandbox.signed_jwt_auth(
            token_url=auth_sandbox.token_url.replace("127.0.0.1", "localhost")
        )
    else:
        auth = auth_sandbox.signed_jwt_auth(**change)  # type: ignore[arg-type]
    with (
        PdsClient(base_url=auth_sandbox.pds_url, auth=auth, rate_limit=None) as pds,
        pytest.raises(TokenError) as caught,
    ):
        pds.get_patient("9000000009")
    assert caught.value.error == "invalid_request"
    assert error_text in (caught.value.diagnostics or "")


def test_wrong_signing_key_is_refused(auth_sandbox: Sandbox) -> None:
    other = generate_private_key(bits=2048)
    auth = auth_sandbox.signed_jwt_auth(private_key=other)
    with (
        PdsClient(base_url=auth_sandbox.pds_url, auth=auth, rate_limit=None) as pds,
        pytest.raises(TokenError, match="signature"),
    ):
        pds.get_patient("9000000009")


def _post_assertion(sandbox: Sandbox, assertion: str) -> httpx.Response:
    with httpx.Client() as client:
        return client.post(
            sandbox.token_url,
            data={
                "grant_type": "client_credentials",
                "client_assertion_type": CLIENT_ASSERTION_TYPE,
                "client_assertion": assertion,
            },
        )


def test_replayed_expired_and_hs256_assertions_are_refused(auth_sandbox: Sandbox) -> None:
    auth = auth_sandbox.signed_jwt_auth()
    assertion = auth.client_assertion()
    assert _post_assertion(auth_sandbox, assertion).status_code == 200
    replay = _post_assertion(auth_sandbox, assertion)
    assert replay.status_code == 400
    assert "jti" in replay.json()["error_description"]
    expired = _post_assertion(auth_sandbox, auth.client_assertion(now=time.time() - 1000))
    assert expired.status_code == 400
    assert "exp" in expired.json()["error_description"]
    claims = {
        "iss": DEFAULT_API_KEY,
        "sub": DEFAULT_API_KEY,
        "aud": auth_sandbox.token_url,
        "jti": str(uuid.uuid4()),
        "exp": int(time.time()) + 60,
    }
    too_far = jwt.encode(
        {**claims, "exp": int(time.time()) + 3600},
        test_private_key(),
        algorithm="RS512",
        headers={"kid": TEST_KID},
    )
    assert "5 minutes" in _post_assertion(auth_sandbox, too_far).json()["error_description"]
    hs256 = jwt.encode(
        claims, "a-shared-secret-of-at-least-32-bytes!!", algorithm="HS256", headers={"kid": TEST_KID}
    )
    assert "RS512" in _post_assertion(auth_sandbox, hs256).json()["error_description"]
    assert auth_sandbox.wait_until_idle()


def test_calls_without_a_token_are_refused(auth_sandbox: Sandbox) -> None:
    with PdsClient(base_url=auth_sandbox.pds_url, rate_limit=None) as pds, pytest.raises(Unauthorised):
        pds.get_patient("9000000009")


def test_client_credentials_for_the_terminology_server(auth_sandbox: Sandbox) -> None:
    auth = auth_sandbox.client_credentials_auth()
    with TerminologyClient(base_url=auth_sandbox.terminology_url, auth=auth) as client:
        assert client.lookup("22298006").display == "Myocardial infarction"
        assert client.subsumes("56265001", "22298006").value == "subsumes"
    assert auth.token_requests == 1
    posts = [r for r in auth_sandbox.requests if r.path == "/terminology/token"]
    assert b"client_secret=sandbox-secret" in posts[0].body


def test_api_key_for_odt(auth_sandbox: Sandbox) -> None:
    with OdtClient(base_url=auth_sandbox.odt_url, auth=auth_sandbox.api_key_auth()) as client:
        assert client.get_organisation("Y12345").name == "TREVELYAN SQUARE MEDICAL CENTRE"
    assert auth_sandbox.requests[-1].headers["apikey"] == DEFAULT_API_KEY
    with (
        OdtClient(base_url=auth_sandbox.odt_url, auth=ApiKeyAuth("wrong")) as client,
        pytest.raises(Unauthorised),
    ):
        client.get_organisation("Y12345")


def test_bearer_token_sends_the_nhsd_headers(auth_sandbox: Sandbox) -> None:
    # obtain a real sandbox token through the signed-JWT flow, then use it as a caller-supplied one
    signed = auth_sandbox.signed_jwt_auth()
    with PdsClient(base_url=auth_sandbox.pds_url, auth=signed, rate_limit=None) as pds:
        pds.get_patient("9000000033")
    value = auth_sandbox.requests[-1].headers["authorization"].split(" ", 1)[1]
    auth = BearerTokenAuth(value, session_urid="555254242106", end_user_organisation="Y12345")
    with PdsClient(base_url=auth_sandbox.pds_url, auth=auth, rate_limit=None) as pds:
        pds.get_patient("9000000033")
    headers = auth_sandbox.requests[-1].headers
    assert headers["authorization"] == f"Bearer {value}"
    assert headers["nhsd-session-urid"] == "555254242106"
    assert headers["nhsd-end-user-organisation-ods"] == "Y12345"
    with pytest.raises(AuthConfigurationError):
        BearerTokenAuth(value, session_urid="R8000")


def test_injected_http_client_with_auth(auth_sandbox: Sandbox) -> None:
    auth = auth_sandbox.signed_jwt_auth()
    with (
        httpx.Client() as http,
        PdsClient(base_url=auth_sandbox.pds_url, auth=auth, http_client=http, rate_limit=None) as pds,
    ):
        assert pds.get_patient("9000000009").nhs_number == "9000000009"
    assert auth.token_requests == 1


# -- JWKS ------------------------------------------------------------------------------------------


def test_jwks_round_trip(tmp_path: Path, private_pem: bytes) -> None:
    document = write_jwks(tmp_path / "jwks.json", private_pem, kid="test-1")
    assert json.loads((tmp_path / "jwks.json").read_text()) == document
    key = document["keys"][0]
    assert set(key) == {"kty", "n", "e", "alg", "kid", "use"}  # nothing private (d, p, q...)
    assert key["e"] == "AQAB"
    auth = SignedJwtAuth(api_key="k", private_key=private_pem, kid="test-1", token_url=TOKEN_URL)
    verifier = jwt.PyJWKSet.from_dict(document)["test-1"]
    assert (
        jwt.decode(auth.client_assertion(), verifier, algorithms=["RS512"], audience=TOKEN_URL)["iss"] == "k"
    )


def test_jwks_for_rotation_and_from_public_pem(private_pem: bytes) -> None:
    public_pem = _public(private_pem).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    other = generate_private_key(bits=2048)
    document = jwks({"old": public_pem, "new": other})
    assert [key["kid"] for key in document["keys"]] == ["old", "new"]
    assert document["keys"][0] == public_jwk(private_pem, "old")
    with pytest.raises(AuthConfigurationError):
        public_jwk(b"not a key", "x")
    with pytest.raises(AuthConfigurationError):
        generate_private_key(bits=1024)


def test_sandbox_publishes_its_jwks(nhs_sandbox: Sandbox) -> None:
    with httpx.Client() as client:
        document = client.get(nhs_sandbox.jwks_url).json()
    assert document == jwks({TEST_KID: test_private_key()})


# -- timeouts of the token request -----------------------------------------------------------------
#
# httpx sends a request an auth flow yields as it is, so the plug-ins must give the token request
# the call's timeouts themselves; without them a silent token endpoint hangs the call for ever.

API_URL = "https://int.api.service.nhs.uk/personal-demographics/FHIR/R4/Patient/9000000009"
TOKEN_BODY = {"access_token": "token-value-123", "expires_in": "599", "token_type": "Bearer"}


def _plugin(kind: str, private_pem: bytes) -> SignedJwtAuth | ClientCredentialsAuth:
    if kind == "signed_jwt":
        return SignedJwtAuth(api_key="k", private_key=private_pem, kid="test-1", token_url=TOKEN_URL)
    return ClientCredentialsAuth(client_id="c", client_secret="s3cret-value", token_url=TOKEN_URL)


class _TokenEndpoint:
    """A MockTransport handler: the token endpoint and the API, recording the token requests."""

    def __init__(self, failure: Exception | None = None) -> None:
        self.failure = failure
        self.token_requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if str(request.url) == TOKEN_URL:
            self.token_requests.append(request)
            if self.failure is not None:
                raise self.failure
            return httpx.Response(200, json=TOKEN_BODY)
        if request.headers.get("authorization") != "Bearer token-value-123":
            return httpx.Response(401)
        return httpx.Response(200, json={"ok": True})


PLUGINS = ["signed_jwt", "client_credentials"]


@pytest.mark.parametrize("kind", PLUGINS)
def test_token_requests_carry_the_calls_timeouts(private_pem: bytes, kind: str) -> None:
    endpoint = _TokenEndpoint()
    timeout = httpx.Timeout(connect=0.5, read=1.5, write=2.5, pool=3.5)
    with httpx.Client(transport=httpx.MockTransport(endpoint), timeout=timeout) as client:
        assert client.get(API_URL, auth=_plugin(kind, private_pem)).status_code == 200
        assert client.get(API_URL, auth=_plugin(kind, private_pem), timeout=0.25).status_code == 200
    assert [r.extensions["timeout"] for r in endpoint.token_requests] == [
        {"connect": 0.5, "read": 1.5, "write": 2.5, "pool": 3.5},
        {"connect": 0.25, "read": 0.25, "write": 0.25, "pool": 0.25},
    ]


@pytest.mark.parametrize("kind", PLUGINS)
def test_token_requests_have_timeouts_even_when_the_call_has_none(private_pem: bytes, kind: str) -> None:
    endpoint = _TokenEndpoint()
    timeout = httpx.Timeout(None, read=4.0)  # a caller that switched the others off
    with httpx.Client(transport=httpx.MockTransport(endpoint), timeout=timeout) as client:
        assert client.get(API_URL, auth=_plugin(kind, private_pem)).status_code == 200
    assert endpoint.token_requests[0].extensions["timeout"] == {
        "connect": 5.0,
        "read": 4.0,
        "write": 30.0,
        "pool": 10.0,
    }
    # a request that never went through a client (no timeout extension at all), and the flow
    # closed while its token request is out, as httpx closes it when that request fails
    auth = _plugin(kind, private_pem)
    flow = auth.sync_auth_flow(httpx.Request("GET", API_URL))
    token_request = next(flow)
    assert token_request.extensions["timeout"] == {"connect": 5.0, "read": 30.0, "write": 30.0, "pool": 10.0}
    assert auth._lock.locked()
    flow.close()
    assert not auth._lock.locked()


def test_register_clients_cap_the_token_request_by_the_retry_budget(private_pem: bytes) -> None:
    endpoint = _TokenEndpoint()
    auth = _plugin("signed_jwt", private_pem)
    with (
        PdsClient(
            base_url="https://int.api.service.nhs.uk/personal-demographics/FHIR/R4",
            auth=auth,
            transport=httpx.MockTransport(endpoint),
            rate_limit=None,
            timeouts=Timeouts(connect=5.0, read=30.0, write=30.0, pool=10.0),
            retry=RetryPolicy(total_time=2.0),
        ) as pds,
        pytest.raises(RegisterError),
    ):  # the mock's body is no Patient; only the token matters
        pds.get_patient("9000000009")
    (token_request,) = endpoint.token_requests
    timeouts = token_request.extensions["timeout"]
    assert set(timeouts) == {"connect", "read", "write", "pool"}
    assert all(0 < value <= 2.0 for value in timeouts.values())


@pytest.mark.parametrize("kind", PLUGINS)
@pytest.mark.parametrize(
    ("failure", "typed"),
    [
        (httpx.ReadTimeout("timed out"), RegisterTimeout),
        (httpx.ConnectTimeout("timed out"), RegisterTimeout),
        (httpx.ConnectError("connection refused"), RegisterConnectionError),
    ],
)
def test_a_failed_token_request_is_a_typed_error_and_releases_the_lock(
    private_pem: bytes, kind: str, failure: Exception, typed: type[RegisterError]
) -> None:
    endpoint = _TokenEndpoint(failure)
    auth = _plugin(kind, private_pem)
    with PdsClient(
        base_url="https://int.api.service.nhs.uk/personal-demographics/FHIR/R4",
        auth=auth,
        transport=httpx.MockTransport(endpoint),
        rate_limit=None,
        retry=RetryPolicy.none(),
    ) as pds:
        with pytest.raises(typed) as caught:
            pds._send(Call("GET", "/Patient/9000000009", label="GET /Patient/{id}"))
        assert not auth._lock.locked()
        for rendering in (str(caught.value), repr(caught.value)):
            assert "s3cret-value" not in rendering
            assert "client_assertion" not in rendering
            assert "PRIVATE KEY" not in rendering
        endpoint.failure = None
        assert pds._send(Call("GET", "/Patient/9000000009", label="GET /Patient/{id}"))[0].status_code == 200
    assert auth.token_requests == 2


def test_a_refused_token_request_releases_the_lock(private_pem: bytes) -> None:
    auth = _plugin("client_credentials", private_pem)
    answers = iter(
        [httpx.Response(401, json={"error": "invalid_client"}), httpx.Response(200, json=TOKEN_BODY)]
    )

    def handler(request: httpx.Request) -> httpx.Response:
        if str(request.url) == TOKEN_URL:
            return next(answers)
        return httpx.Response(200)

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(TokenError):
            client.get(API_URL, auth=auth)
        assert not auth._lock.locked()
        assert client.get(API_URL, auth=auth).status_code == 200


def test_waiting_for_another_callers_refresh_is_bounded_by_the_pool_timeout(private_pem: bytes) -> None:
    endpoint = _TokenEndpoint()
    auth = _plugin("signed_jwt", private_pem)
    errors: list[BaseException] = []

    def wait_behind_a_refresh_that_never_ends() -> None:
        try:
            with (
                httpx.Client(
                    transport=httpx.MockTransport(endpoint), timeout=httpx.Timeout(5.0, pool=0.1)
                ) as client,
                pytest.raises(httpx.PoolTimeout) as plain,
            ):
                client.get(API_URL, auth=auth)
            assert "token refresh" in str(plain.value)
            with (
                PdsClient(
                    base_url="https://int.api.service.nhs.uk/personal-demographics/FHIR/R4",
                    auth=auth,
                    transport=httpx.MockTransport(endpoint),
                    rate_limit=None,
                    retry=RetryPolicy.none(),
                    timeouts=Timeouts(pool=0.1),
                ) as pds,
                pytest.raises(RegisterTimeout),
            ):
                pds._send(Call("GET", "/Patient/9000000009", label="GET /Patient/{id}"))
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    # The lock is held here, the calls are made in another thread: were the wait unbounded, the
    # join below would give up instead of the test hanging, and the release frees the thread.
    with auth._lock:
        caller = threading.Thread(target=wait_behind_a_refresh_that_never_ends)
        caller.start()
        caller.join(timeout=10)
        assert not caller.is_alive()
    caller.join()
    assert errors == []
    assert endpoint.token_requests == []
    with httpx.Client(transport=httpx.MockTransport(endpoint)) as client:
        assert client.get(API_URL, auth=auth).status_code == 200


def test_async_waiting_for_another_callers_refresh_is_bounded_by_the_pool_timeout(private_pem: bytes) -> None:
    endpoint = _TokenEndpoint()
    auth = _plugin("client_credentials", private_pem)

    async def main() -> int:
        lock = auth._async_lock()
        await lock.acquire()  # another task's refresh that never ends
        try:
            async with AsyncPdsClient(
                base_url="https://int.api.service.nhs.uk/personal-demographics/FHIR/R4",
                auth=auth,
                transport=httpx.MockTransport(endpoint),
                rate_limit=None,
                retry=RetryPolicy.none(),
                timeouts=Timeouts(pool=0.1),
            ) as pds:
                with pytest.raises(RegisterTimeout):
                    await pds._send(Call("GET", "/Patient/9000000009", label="GET /Patient/{id}"))
        finally:
            lock.release()
        async with httpx.AsyncClient(transport=httpx.MockTransport(endpoint)) as client:
            return (await client.get(API_URL, auth=auth)).status_code

    assert asyncio.run(asyncio.wait_for(main(), 10)) == 200
    assert len(endpoint.token_requests) == 1


@pytest.mark.parametrize("failure", [httpx.ReadTimeout("timed out"), httpx.ConnectError("refused")])
def test_an_async_failed_token_request_releases_the_lock(private_pem: bytes, failure: Exception) -> None:
    endpoint = _TokenEndpoint(failure)
    auth = _plugin("signed_jwt", private_pem)

    async def main() -> int:
        async with httpx.AsyncClient(transport=httpx.MockTransport(endpoint), timeout=1.0) as client:
            with pytest.raises(type(failure)):
                await client.get(API_URL, auth=auth)
            assert not auth._async_lock().locked()
            endpoint.failure = None
            return (await client.get(API_URL, auth=auth)).status_code

    assert asyncio.run(asyncio.wait_for(main(), 10)) == 200
    assert [r.extensions["timeout"]["read"] for r in endpoint.token_requests] == [1.0, 1.0]

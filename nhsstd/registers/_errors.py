"""Errors raised by the register clients, built from FHIR ``OperationOutcome``.

Every error a register call raises on purpose is a :class:`RegisterError`.  It
carries what the service said, as far as it said it:

* :attr:`~RegisterError.status` -- the HTTP status (``None`` when no response
  arrived, or the request was refused before it was sent);
* :attr:`~RegisterError.spine_code` -- the Spine error code from
  ``issue[0].details.coding[0].code`` (``RESOURCE_NOT_FOUND``...);
* :attr:`~RegisterError.fhir_code` -- the FHIR issue type from
  ``issue[0].code`` (``not-found``, ``invalid``, ``throttled``...);
* :attr:`~RegisterError.diagnostics` -- the free text from
  ``issue[0].diagnostics``, with anything shaped like a ten-digit patient
  number replaced by ``[redacted]``;
* :attr:`~RegisterError.request_id` -- the ``X-Request-ID`` the call was sent
  with, to quote to the service desk.

The class is chosen from the Spine code first, then the HTTP status, then the
FHIR issue type, so a service that sends the right code with an unexpected
status (the PDS sandbox's ``TOO_MANY_MATCHES`` as HTTP 400, say) still gives
the right class.

Messages never contain a patient number: the request path is not part of
them and diagnostics are redacted.

>>> outcome = {
...     "resourceType": "OperationOutcome",
...     "issue": [{"severity": "error", "code": "not-found",
...                "details": {"coding": [{"code": "RESOURCE_NOT_FOUND"}]},
...                "diagnostics": "Patient 9111231130 was not found"}],
... }
>>> error = error_from_outcome(404, outcome, request_id="60E0B220-8136-4CA5-AE46-1D97EF59D068")
>>> type(error).__name__, error.spine_code, error.fhir_code
('NotFound', 'RESOURCE_NOT_FOUND', 'not-found')
>>> print(error)  # doctest: +ELLIPSIS
not found (HTTP 404, RESOURCE_NOT_FOUND): Patient [redacted] was not found [request id 60E0B220-...]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nhsstd.exceptions import NhsStdError
from nhsstd.identifiers._common import UUID, replace_patient_numbers

__all__ = [
    "AuthConfigurationError",
    "Forbidden",
    "InvalidParameter",
    "InvalidPatch",
    "InvalidRequest",
    "Invalidated",
    "MalformedResponse",
    "NotFound",
    "RateLimited",
    "Redirected",
    "RegisterConnectionError",
    "RegisterError",
    "RegisterTimeout",
    "ResponseTooLarge",
    "ServerError",
    "TokenError",
    "TooCostly",
    "TooManyMatches",
    "Unauthorised",
    "VersionConflict",
    "error_from_outcome",
    "redact",
]

_DIAGNOSTICS_LIMIT = 500

def _redacted(number: str) -> str:
    return "[redacted]"


def redact(text: str) -> str:
    """*text* with every ten-digit number, however separated, replaced by ``[redacted]``.

    >>> redact("NHS number 943 476 5919 / 9434765919 / 943-476-5919; SCTID 22298006")
    'NHS number [redacted] / [redacted] / [redacted]; SCTID 22298006'
    >>> redact("943.476.5919, 9434 765 919, 94347 65919 and 943\u00a0476\u00a05919")
    '[redacted], [redacted], [redacted] and [redacted]'
    """
    return replace_patient_numbers(text, _redacted)


class RegisterError(NhsStdError):
    """A register call failed.

    :param summary: a short people-readable description of the failure.
    :param status: HTTP status code, if a response arrived.
    :param spine_code: the Spine error code (``details.coding[0].code``).
    :param fhir_code: the FHIR issue type (``issue[0].code``).
    :param diagnostics: free text from the service; redacted here.
    :param request_id: the ``X-Request-ID`` the request was sent with.
    """

    default_summary = "register call failed"

    status: int | None
    spine_code: str | None
    fhir_code: str | None
    diagnostics: str | None
    request_id: str | None

    def __init__(
        self,
        summary: str | None = None,
        *,
        status: int | None = None,
        spine_code: str | None = None,
        fhir_code: str | None = None,
        diagnostics: str | None = None,
        request_id: str | None = None,
    ) -> None:
        self.status = status
        self.spine_code = _clean_code(spine_code)
        self.fhir_code = _clean_code(fhir_code)
        self.diagnostics = _clean_diagnostics(diagnostics)
        self.request_id = _clean_request_id(request_id)
        self.summary = redact(summary) if summary else self.default_summary
        super().__init__(self._message())

    def _message(self) -> str:
        context = []
        if self.status is not None:
            context.append(f"HTTP {self.status}")
        if self.spine_code:
            context.append(self.spine_code)
        elif self.fhir_code:
            context.append(self.fhir_code)
        text = self.summary
        if context:
            text += f" ({', '.join(context)})"
        if self.diagnostics:
            text += f": {self.diagnostics}"
        if self.request_id:
            text += f" [request id {self.request_id}]"
        return text

    def _state(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "spine_code": self.spine_code,
            "fhir_code": self.fhir_code,
            "diagnostics": self.diagnostics,
            "request_id": self.request_id,
        }

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only arguments: rebuild through a helper so the error pickles
        # (multiprocessing, task queues) with all its attributes.
        return (_rebuild, (type(self), self.summary, self._state()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


def _rebuild(cls: type[RegisterError], summary: str, state: dict[str, Any]) -> RegisterError:
    return cls(summary, **state)


class NotFound(RegisterError):
    """The register has no record for the identifier (HTTP 404)."""

    default_summary = "not found"


class Invalidated(NotFound):
    """The record exists but was invalidated (PDS ``INVALIDATED_RESOURCE``)."""

    default_summary = "the record has been invalidated"


class InvalidRequest(RegisterError):
    """The service rejected the request as invalid (HTTP 400 and most 4xx)."""

    default_summary = "the request was rejected as invalid"


class InvalidPatch(InvalidRequest):
    """The register refused an update's JSON Patch (PDS ``INVALID_UPDATE``, HTTP 400).

    Nothing was changed: PDS applies all of a patch or none of it.
    """

    default_summary = "the update was refused as invalid"


class InvalidParameter(InvalidRequest, ValueError):
    """A parameter was refused by the client before any request was sent.

    :attr:`parameter` names the offending argument; the message never repeats
    its value.
    """

    default_summary = "invalid parameter"

    parameter: str | None

    def __init__(self, summary: str | None = None, *, parameter: str | None = None) -> None:
        self.parameter = parameter
        super().__init__(summary)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_parameter, (type(self), self.summary, self.parameter))


def _rebuild_parameter(cls: type[InvalidParameter], summary: str, parameter: str | None) -> InvalidParameter:
    return cls(summary, parameter=parameter)


class TooCostly(InvalidRequest):
    """The operation would be too expensive for the server (FHIR ``too-costly``)."""

    default_summary = "the operation is too costly for the server"


class TooManyMatches(RegisterError):
    """A search matched too many records; refine it.

    PDS returns this as HTTP 200 with an ``OperationOutcome`` (and its sandbox
    sometimes as HTTP 400); both become this error.
    """

    default_summary = "too many matches; refine the search"


class Unauthorised(RegisterError):
    """Authentication failed or is missing (HTTP 401, Spine ``ACCESS_DENIED``)."""

    default_summary = "not authorised"


class Forbidden(Unauthorised):
    """Authenticated, but not allowed to do this (HTTP 403)."""

    default_summary = "forbidden"


class TokenError(Unauthorised):
    """The OAuth 2.0 token endpoint refused to issue an access token, or failed.

    :attr:`error` holds the OAuth ``error`` code when it is one of those RFC 6749
    and RFC 6750 define (``invalid_request``, ``invalid_client``...); an unregistered
    ``error`` is not kept.  The endpoint's ``error_description`` is kept in
    :attr:`diagnostics` only when it holds nothing the token request sent (client
    id, secret, assertion), nothing token-shaped and no form separator, since an
    endpoint may echo the request; otherwise :attr:`diagnostics` is ``None``.
    :attr:`status` is the HTTP status: the register clients retry a 5xx or 429
    within their budget.
    """

    default_summary = "the token endpoint refused the request"

    error: str | None

    def __init__(
        self,
        summary: str | None = None,
        *,
        status: int | None = None,
        error: str | None = None,
        diagnostics: str | None = None,
        request_id: str | None = None,
    ) -> None:
        self.error = error if error in OAUTH_ERROR_CODES else None
        super().__init__(
            summary, status=status, spine_code=self.error, diagnostics=diagnostics, request_id=request_id
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild_token,
            (type(self), self.summary, self.status, self.error, self.diagnostics, self.request_id),
        )


def _rebuild_token(
    cls: type[TokenError],
    summary: str,
    status: int | None,
    error: str | None,
    diagnostics: str | None,
    request_id: str | None,
) -> TokenError:
    return cls(summary, status=status, error=error, diagnostics=diagnostics, request_id=request_id)


#: The OAuth 2.0 ``error`` codes (RFC 6749 sections 4.1.2.1 and 5.2; RFC 6750 section 3.1):
#: the only text from a token endpoint a :class:`TokenError` keeps.
OAUTH_ERROR_CODES: frozenset[str | None] = frozenset(
    {
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
        "access_denied",
        "unsupported_response_type",
        "server_error",
        "temporarily_unavailable",
        "invalid_token",
        "insufficient_scope",
    }
)


class AuthConfigurationError(RegisterError, ValueError):
    """An auth plug-in was configured with something unusable (bad key, claims...).

    The message says what is wrong, never the key or secret itself.
    """

    default_summary = "invalid authentication configuration"


class RateLimited(RegisterError):
    """The service is throttling this application (HTTP 429).

    :attr:`retry_after` is the number of seconds the service asked the client
    to wait (``Retry-After``), or ``None`` if it did not say.
    """

    default_summary = "rate limited by the service"

    retry_after: float | None

    def __init__(
        self, summary: str | None = None, *, retry_after: float | None = None, **kwargs: Any
    ) -> None:
        self.retry_after = retry_after
        super().__init__(summary, **kwargs)

    def _message(self) -> str:
        text = super()._message()
        if self.retry_after is not None:
            text += f" (retry after {self.retry_after:g} s)"
        return text

    def _state(self) -> dict[str, Any]:
        state = super()._state()
        state["retry_after"] = self.retry_after
        return state


class VersionConflict(RegisterError):
    """An update was refused because the record changed since it was read (HTTP 409/412).

    Read the record again, apply the change to what it now holds, and send it
    with the new version.
    """

    default_summary = "the record version does not match"


class Redirected(RegisterError):
    """The service answered with a redirect (HTTP 3xx), which the clients never follow.

    Following one could send the credentials, and an NHS Number in the path, to
    a host other than the configured base URL; the target is not shown either.
    """

    default_summary = "the service redirected the call, and redirects are not followed"


class ServerError(RegisterError):
    """The service failed (HTTP 5xx)."""

    default_summary = "the service failed"


class RegisterTimeout(RegisterError, TimeoutError):
    """No (complete) response within the configured timeouts, or HTTP 408."""

    default_summary = "the request timed out"


class RegisterConnectionError(RegisterError, ConnectionError):
    """The connection could not be made or was broken before a response."""

    default_summary = "the connection to the service failed"


class MalformedResponse(RegisterError):
    """The service answered with a body that is not what the API defines."""

    default_summary = "the response could not be understood"


class ResponseTooLarge(MalformedResponse):
    """The response body passed the client's size cap (``max_response_bytes``) and was dropped.

    The body is counted as it is decoded, so a small compressed body that
    inflates to gigabytes is stopped at the cap.
    """

    default_summary = "the response body is too large"


# Spine codes -> class.  Checked before the HTTP status.
_SPINE_CODES: dict[str, type[RegisterError]] = {
    "RESOURCE_NOT_FOUND": NotFound,
    "INVALIDATED_RESOURCE": Invalidated,
    "TOO_MANY_MATCHES": TooManyMatches,
    "TOO_MANY_REQUESTS": RateLimited,
    "ACCESS_DENIED": Unauthorised,
    "UNABLE_TO_CALL_SERVICE": RegisterTimeout,
    "PRECONDITION_FAILED": VersionConflict,
    "RESOURCE_VERSION_MISMATCH": VersionConflict,
    "INVALID_UPDATE": InvalidPatch,
    "FORBIDDEN_UPDATE": Forbidden,
    "TOO_MANY_VALUES_SUBMITTED": InvalidRequest,
    "INVALID_RESOURCE_ID": InvalidRequest,
    "INVALID_VALUE": InvalidRequest,
    "MISSING_VALUE": InvalidRequest,
    "INVALID_SEARCH_DATA": InvalidRequest,
    "UNSUPPORTED_SERVICE": InvalidRequest,
    "ADDITIONAL_PROPERTIES": InvalidRequest,
}

# FHIR issue types (http://hl7.org/fhir/issue-type) -> class.  Used when the
# status alone says no more than "4xx".
_FHIR_CODES: dict[str, type[RegisterError]] = {
    "not-found": NotFound,
    "deleted": NotFound,
    "too-costly": TooCostly,
    "throttled": RateLimited,
    "security": Unauthorised,
    "login": Unauthorised,
    "unknown": Unauthorised,
    "expired": Unauthorised,
    "forbidden": Forbidden,
    "suppressed": Forbidden,
    "conflict": VersionConflict,
    "timeout": RegisterTimeout,
    "multiple-matches": TooManyMatches,
}


def _class_for(status: int | None, spine_code: str | None, fhir_code: str | None) -> type[RegisterError]:
    if spine_code in _SPINE_CODES:
        cls = _SPINE_CODES[spine_code]
        if cls is Unauthorised and status == 403:
            return Forbidden
        if cls is InvalidRequest and fhir_code == "too-costly":
            return TooCostly
        return cls
    if status == 404:
        return NotFound
    if status == 401:
        return Unauthorised
    if status == 403:
        return Forbidden
    if status == 429:
        return RateLimited
    if status == 408:
        return RegisterTimeout
    if status in (409, 412):
        return VersionConflict
    if status is not None and 300 <= status < 400:
        return Redirected
    if status is not None and status >= 500:
        return ServerError
    if fhir_code in _FHIR_CODES:
        return _FHIR_CODES[fhir_code]
    if status is not None and 400 <= status < 500:
        return InvalidRequest
    return RegisterError


def _clean_code(value: object) -> str | None:
    """A short identifier-like string from the service, or None."""
    if not isinstance(value, str):
        return None
    value = "".join(char for char in value if char.isprintable())[:100].strip()
    return redact(value) or None


def _clean_request_id(value: object) -> str | None:
    # A UUID is kept as it is: hex groups are no patient number, and a support desk needs it whole.
    if isinstance(value, str) and UUID.fullmatch(value):
        return value
    return _clean_code(value)


def _clean_diagnostics(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join("".join(char if char.isprintable() else " " for char in value).split())
    if len(value) > _DIAGNOSTICS_LIMIT:
        value = value[:_DIAGNOSTICS_LIMIT] + "..."
    return redact(value) or None


def outcome_details(outcome: object) -> tuple[str | None, str | None, str | None]:
    """(Spine code, FHIR issue code, diagnostics) of the first issue of an OperationOutcome.

    Anything that is not shaped like an OperationOutcome gives ``(None, None, None)``.

    >>> outcome_details({"resourceType": "OperationOutcome",
    ...                  "issue": [{"code": "invalid", "diagnostics": "bad"}]})
    (None, 'invalid', 'bad')
    >>> outcome_details(["not", "an", "outcome"])
    (None, None, None)
    """
    if not isinstance(outcome, Mapping) or outcome.get("resourceType") != "OperationOutcome":
        return None, None, None
    issues = outcome.get("issue")
    if not isinstance(issues, list) or not issues or not isinstance(issues[0], Mapping):
        return None, None, None
    issue = issues[0]
    spine_code = None
    details = issue.get("details")
    if isinstance(details, Mapping):
        codings = details.get("coding")
        if isinstance(codings, list) and codings and isinstance(codings[0], Mapping):
            code = codings[0].get("code")
            spine_code = code if isinstance(code, str) else None
    fhir_code = issue.get("code")
    diagnostics = issue.get("diagnostics")
    if not isinstance(diagnostics, str) and isinstance(details, Mapping):
        diagnostics = details.get("text")
    return (
        spine_code,
        fhir_code if isinstance(fhir_code, str) else None,
        diagnostics if isinstance(diagnostics, str) else None,
    )


def is_operation_outcome(body: object) -> bool:
    """Whether *body* is a JSON object with ``resourceType`` OperationOutcome."""
    return isinstance(body, Mapping) and body.get("resourceType") == "OperationOutcome"


def error_from_outcome(
    status: int | None,
    outcome: object,
    *,
    request_id: str | None = None,
    retry_after: float | None = None,
) -> RegisterError:
    """The :class:`RegisterError` for an HTTP *status* and a parsed JSON body.

    *outcome* may be anything (a non-FHIR body, ``None``): the class then
    follows the status alone.
    """
    spine_code, fhir_code, diagnostics = outcome_details(outcome)
    cls = _class_for(status, _clean_code(spine_code), _clean_code(fhir_code))
    kwargs: dict[str, Any] = {
        "status": status,
        "spine_code": spine_code,
        "fhir_code": fhir_code,
        "diagnostics": diagnostics,
        "request_id": request_id,
    }
    if issubclass(cls, RateLimited):
        return cls(None, retry_after=retry_after, **kwargs)
    return cls(None, **kwargs)

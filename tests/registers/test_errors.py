"""The RegisterError hierarchy built from OperationOutcome."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nhsstd.identifiers import nhs_number
from nhsstd.registers import (
    Forbidden,
    Invalidated,
    InvalidParameter,
    InvalidRequest,
    NotFound,
    RateLimited,
    RegisterError,
    RegisterTimeout,
    ServerError,
    TokenError,
    TooCostly,
    TooManyMatches,
    Unauthorised,
    VersionConflict,
)
from nhsstd.registers._errors import error_from_outcome, outcome_details, redact


def outcome(code: str | None, spine: str | None = None, diagnostics: str | None = None) -> dict[str, Any]:
    issue: dict[str, Any] = {"severity": "error"}
    if code is not None:
        issue["code"] = code
    if spine is not None:
        issue["details"] = {
            "coding": [
                {
                    "system": "https://fhir.nhs.uk/R4/CodeSystem/Spine-ErrorOrWarningCode",
                    "version": "1",
                    "code": spine,
                    "display": spine,
                }
            ]
        }
    if diagnostics is not None:
        issue["diagnostics"] = diagnostics
    return {"resourceType": "OperationOutcome", "issue": [issue]}


@pytest.mark.parametrize(
    ("status", "fhir_code", "spine", "expected"),
    [
        (404, "not-found", "RESOURCE_NOT_FOUND", NotFound),
        (404, "not-found", "INVALIDATED_RESOURCE", Invalidated),
        (400, "value", "INVALID_RESOURCE_ID", InvalidRequest),
        (400, "required", "MISSING_VALUE", InvalidRequest),
        (400, "invalid", "INVALID_SEARCH_DATA", InvalidRequest),
        (400, "structure", "ADDITIONAL_PROPERTIES", InvalidRequest),
        (400, "not-supported", "UNSUPPORTED_SERVICE", InvalidRequest),
        (403, "value", "INVALID_VALUE", InvalidRequest),
        (401, "forbidden", "ACCESS_DENIED", Unauthorised),
        (403, "forbidden", "ACCESS_DENIED", Forbidden),
        (408, "timeout", "UNABLE_TO_CALL_SERVICE", RegisterTimeout),
        (429, "throttled", "TOO_MANY_REQUESTS", RateLimited),
        (200, "multiple-matches", "TOO_MANY_MATCHES", TooManyMatches),
        (400, "multiple-matches", "TOO_MANY_MATCHES", TooManyMatches),  # the sandbox's variant
        (412, "conflict", "PRECONDITION_FAILED", VersionConflict),
        (409, "conflict", "RESOURCE_VERSION_MISMATCH", VersionConflict),
        (500, "exception", None, ServerError),
        (503, None, None, ServerError),
        (422, "too-costly", None, TooCostly),
        (404, None, None, NotFound),
        (401, None, None, Unauthorised),
        (418, None, None, InvalidRequest),
    ],
)
def test_class_follows_spine_code_then_status_then_issue_type(
    status: int, fhir_code: str | None, spine: str | None, expected: type[RegisterError]
) -> None:
    error = error_from_outcome(status, outcome(fhir_code, spine), request_id="abc")
    assert type(error) is expected
    assert error.status == status
    assert error.spine_code == spine
    assert error.fhir_code == fhir_code
    assert error.request_id == "abc"


def test_rate_limited_carries_retry_after() -> None:
    error = error_from_outcome(429, outcome("throttled", "TOO_MANY_REQUESTS"), retry_after=2.5)
    assert isinstance(error, RateLimited)
    assert error.retry_after == 2.5
    assert "retry after 2.5 s" in str(error)


def test_non_fhir_body_uses_the_status() -> None:
    assert type(error_from_outcome(404, {"errorCode": 404})) is NotFound
    assert type(error_from_outcome(502, None)) is ServerError
    assert type(error_from_outcome(None, "garbage")) is RegisterError


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        {},
        {"resourceType": "OperationOutcome"},
        {"resourceType": "OperationOutcome", "issue": "x"},
        {"resourceType": "OperationOutcome", "issue": [1]},
        {"resourceType": "OperationOutcome", "issue": [{"code": 5, "details": {"coding": [{"code": []}]}}]},
    ],
)
def test_malformed_outcomes_are_tolerated(body: Any) -> None:
    spine, fhir, diagnostics = outcome_details(body)
    assert (spine, fhir, diagnostics) == (None, None, None)
    assert isinstance(error_from_outcome(400, body), InvalidRequest)


def test_diagnostics_text_is_used_when_diagnostics_absent() -> None:
    body = outcome("invalid")
    body["issue"][0]["details"] = {"text": "bad thing"}
    assert error_from_outcome(400, body).diagnostics == "bad thing"


@given(
    number=st.integers(0, 10**10 - 1),
    prefix=st.text(max_size=20),
    form=st.sampled_from(["plain", "spaced", "dashed"]),
)
def test_no_patient_number_survives_in_message_or_repr(number: int, prefix: str, form: str) -> None:
    digits = f"{number:010d}"
    shown = {
        "plain": digits,
        "spaced": f"{digits[:3]} {digits[3:6]} {digits[6:]}",
        "dashed": f"{digits[:3]}-{digits[3:6]}-{digits[6:]}",
    }[form]
    text = f"{prefix} {shown} not found"
    error = error_from_outcome(404, outcome("not-found", f"X{shown}", text), request_id=shown)
    for rendering in (
        str(error),
        repr(error),
        error.diagnostics or "",
        error.spine_code or "",
        error.request_id or "",
    ):
        assert digits not in rendering.replace(" ", "").replace("-", "")


def test_a_real_nhs_number_in_diagnostics_is_redacted() -> None:
    number = nhs_number.generate()
    error = error_from_outcome(404, outcome("not-found", "RESOURCE_NOT_FOUND", f"Patient {number} unknown"))
    assert number not in str(error)
    assert "[redacted]" in str(error)


def test_redact_keeps_other_numbers() -> None:
    assert redact("SCTID 22298006, 17960711000001109 and 12345678901") == (
        "SCTID 22298006, 17960711000001109 and 12345678901"
    )


def test_long_and_control_character_diagnostics_are_cleaned() -> None:
    error = error_from_outcome(400, outcome("invalid", None, "a\x00b\nc" + "x" * 2000))
    assert error.diagnostics is not None
    assert error.diagnostics.startswith("a b c")
    assert len(error.diagnostics) <= 503
    assert "\x00" not in str(error)


@pytest.mark.parametrize(
    "error",
    [
        error_from_outcome(404, outcome("not-found", "RESOURCE_NOT_FOUND", "gone"), request_id="r1"),
        error_from_outcome(429, outcome("throttled", "TOO_MANY_REQUESTS"), retry_after=3.0),
        InvalidParameter("family is empty", parameter="family"),
        TokenError("refused", status=401, error="invalid_request", diagnostics="Invalid 'aud'"),
        RegisterTimeout("slow", request_id="r2"),
    ],
)
def test_errors_pickle_with_their_attributes(error: RegisterError) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert copy.status == error.status
    assert copy.request_id == error.request_id
    assert getattr(copy, "retry_after", None) == getattr(error, "retry_after", None)
    assert getattr(copy, "parameter", None) == getattr(error, "parameter", None)
    assert getattr(copy, "error", None) == getattr(error, "error", None)


def test_builtin_bases_for_generic_handlers() -> None:
    assert issubclass(RegisterTimeout, TimeoutError)
    assert issubclass(InvalidParameter, ValueError)
    from nhsstd.exceptions import NhsStdError
    from nhsstd.registers import RegisterConnectionError

    assert issubclass(RegisterConnectionError, ConnectionError)
    assert issubclass(RegisterError, NhsStdError)

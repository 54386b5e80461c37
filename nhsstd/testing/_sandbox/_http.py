"""Request and response values shared by the sandbox's register modules (no I/O here)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import attrs

SPINE_SYSTEM = "https://fhir.nhs.uk/R4/CodeSystem/Spine-ErrorOrWarningCode"
FHIR_JSON = "application/fhir+json"


@attrs.frozen
class Request:
    """One request as the sandbox saw it; header names are lower-case."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    headers: Mapping[str, str]
    body: bytes = b""

    def param(self, name: str) -> str | None:
        """The first value of query parameter *name*."""
        for key, value in self.query:
            if key == name:
                return value
        return None

    def params(self, name: str) -> list[str]:
        """Every value of query parameter *name*."""
        return [value for key, value in self.query if key == name]

    def header(self, name: str) -> str | None:
        """A request header, by case-insensitive name."""
        return self.headers.get(name.lower())


@attrs.define
class Response:
    """What the sandbox sends back."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = attrs.field(factory=dict)


def json_response(
    status: int,
    document: Any,
    *,
    content_type: str = "application/json",
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A JSON response."""
    body = json.dumps(document, ensure_ascii=False).encode("utf-8")
    return Response(status, body, {"Content-Type": content_type, **(headers or {})})


def outcome(
    status: int,
    fhir_code: str,
    *,
    spine_code: str | None = None,
    display: str | None = None,
    diagnostics: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """An ``OperationOutcome`` response in the Spine style."""
    issue: dict[str, Any] = {"severity": "error", "code": fhir_code}
    if spine_code is not None:
        issue["details"] = {
            "coding": [
                {"system": SPINE_SYSTEM, "version": "1", "code": spine_code, "display": display or spine_code}
            ]
        }
    if diagnostics is not None:
        issue["diagnostics"] = diagnostics
    document = {"resourceType": "OperationOutcome", "issue": [issue]}
    return json_response(status, document, content_type=FHIR_JSON, headers=headers)


def not_found(path: str) -> Response:
    """The sandbox's answer for a path no register serves."""
    del path
    return outcome(404, "not-found", diagnostics="no sandbox endpoint at this path")

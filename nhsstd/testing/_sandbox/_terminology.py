"""A tiny FHIR terminology server: a handful of SNOMED CT and dm+d codes.

Enough to exercise ``$lookup``, ``$validate-code``, ``$expand`` (with ``filter``,
``count`` and ``offset``) and ``$subsumes`` -- not a substitute for the real
server.  The hierarchy is simplified: each concept has the one parent listed
below.  Implicit value sets understood: ``http://snomed.info/sct?fhir_vs=ecl/<ECL>``
with ``<< id``, ``< id`` or ``id``; ``http://snomed.info/sct?fhir_vs=isa/<id>``;
``https://dmd.nhs.uk?fhir_vs``.  Expanding the whole of SNOMED CT
(``http://snomed.info/sct?fhir_vs``) is refused as ``too-costly``, as the real
server does.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from typing import Any, NamedTuple

from nhsstd.testing._sandbox._http import FHIR_JSON, Request, Response, json_response, outcome

PREFIX = "/terminology/fhir"
SNOMED = "http://snomed.info/sct"
DMD = "https://dmd.nhs.uk"
SNOMED_VERSION = "http://snomed.info/sct/83821000000107/version/20251119"
DMD_VERSION = "https://dmd.nhs.uk/version/sandbox"
FSN = {"system": SNOMED, "code": "900000000000003001", "display": "Fully specified name"}


class _Concept(NamedTuple):
    system: str
    code: str
    display: str
    fsn: str
    parent: str | None


CONCEPTS: tuple[_Concept, ...] = (
    _Concept(SNOMED, "404684003", "Clinical finding", "Clinical finding (finding)", None),
    _Concept(SNOMED, "64572001", "Disease", "Disease (disorder)", "404684003"),
    _Concept(SNOMED, "56265001", "Heart disease", "Heart disease (disorder)", "64572001"),
    _Concept(SNOMED, "414545008", "Ischaemic heart disease", "Ischemic heart disease (disorder)", "56265001"),
    _Concept(SNOMED, "22298006", "Myocardial infarction", "Myocardial infarction (disorder)", "414545008"),
    _Concept(
        SNOMED,
        "38341003",
        "Hypertensive disorder",
        "Hypertensive disorder, systemic arterial (disorder)",
        "64572001",
    ),
    _Concept(SNOMED, "73211009", "Diabetes mellitus", "Diabetes mellitus (disorder)", "64572001"),
    _Concept(
        SNOMED, "44054006", "Type 2 diabetes mellitus", "Diabetes mellitus type 2 (disorder)", "73211009"
    ),
    _Concept(DMD, "90332006", "Paracetamol", "Paracetamol", None),
    _Concept(DMD, "42109611000001109", "Paracetamol 500mg tablets", "Paracetamol 500mg tablets", "90332006"),
)

_BY_KEY = {(concept.system, concept.code): concept for concept in CONCEPTS}
_VERSIONS = {SNOMED: SNOMED_VERSION, DMD: DMD_VERSION}
_NAMES = {SNOMED: "SNOMED CT UK Edition (sandbox)", DMD: "dm+d (sandbox)"}


def _ancestors(system: str, code: str) -> list[str]:
    result = []
    concept = _BY_KEY.get((system, code))
    while concept is not None and concept.parent is not None:
        result.append(concept.parent)
        concept = _BY_KEY.get((system, concept.parent))
    return result


def _parameters(*items: dict[str, Any]) -> Response:
    return json_response(
        200, {"resourceType": "Parameters", "parameter": list(items)}, content_type=FHIR_JSON
    )


def _unknown_code() -> Response:
    return outcome(404, "not-found", diagnostics="Unable to find code in the code system")


def _members(url: str) -> list[_Concept] | Response:
    """The concepts of an implicit value set, or an error response."""
    if url == f"{SNOMED}?fhir_vs":
        return outcome(422, "too-costly", diagnostics="Expansion of the whole of SNOMED CT is too costly")
    if url == f"{DMD}?fhir_vs":
        return [concept for concept in CONCEPTS if concept.system == DMD]
    if url.startswith(f"{SNOMED}?fhir_vs="):
        rule = urllib.parse.unquote(url[len(f"{SNOMED}?fhir_vs=") :])
        if rule.startswith("isa/"):
            rule = "ecl/<< " + rule[4:]
        if not rule.startswith("ecl/"):
            return outcome(404, "not-found", diagnostics="Unknown implicit value set")
        ecl = " ".join(rule[4:].split())
        operator, _, focus = ecl.rpartition(" ")
        if operator not in ("", "<", "<<") or (SNOMED, focus) not in _BY_KEY:
            return outcome(
                400, "invalid", diagnostics="The sandbox understands only '<< id', '< id' and 'id'"
            )
        return [
            concept
            for concept in CONCEPTS
            if concept.system == SNOMED
            and (
                (concept.code == focus and operator in ("", "<<"))
                or (operator in ("<", "<<") and focus in _ancestors(SNOMED, concept.code))
            )
        ]
    return outcome(404, "not-found", diagnostics="Unknown value set")


class TerminologyHandler:
    """Answers terminology requests below :data:`PREFIX`."""

    def __init__(self, *, token_check: Callable[[str | None], bool] | None) -> None:
        self._token_check = token_check

    def handle(self, request: Request, path: str) -> Response:
        if self._token_check is not None and not self._token_check(request.header("Authorization")):
            return outcome(401, "login", diagnostics="A valid bearer token is required")
        if request.method != "GET":
            return outcome(405, "not-supported", diagnostics="the sandbox answers GET only")
        if path == "/CodeSystem/$lookup":
            return self._lookup(request)
        if path == "/CodeSystem/$validate-code":
            return self._validate(request, request.param("url"), None)
        if path == "/ValueSet/$validate-code":
            return self._validate(request, request.param("system"), request.param("url"))
        if path == "/ValueSet/$expand":
            return self._expand(request)
        if path == "/CodeSystem/$subsumes":
            return self._subsumes(request)
        return outcome(404, "not-found", diagnostics="no such terminology endpoint")

    def _lookup(self, request: Request) -> Response:
        system, code = request.param("system"), request.param("code")
        if not system or not code:
            return outcome(400, "required", diagnostics="system and code are required")
        if system not in _VERSIONS:
            return outcome(404, "not-found", diagnostics="Unknown code system")
        concept = _BY_KEY.get((system, code))
        if concept is None:
            return _unknown_code()
        items: list[dict[str, Any]] = [
            {"name": "name", "valueString": _NAMES[system]},
            {"name": "version", "valueString": _VERSIONS[system]},
            {"name": "display", "valueString": concept.display},
            {
                "name": "designation",
                "part": [
                    {"name": "language", "valueCode": "en"},
                    {"name": "use", "valueCoding": FSN},
                    {"name": "value", "valueString": concept.fsn},
                ],
            },
            {
                "name": "property",
                "part": [{"name": "code", "valueCode": "inactive"}, {"name": "value", "valueBoolean": False}],
            },
        ]
        if concept.parent:
            items.append(
                {
                    "name": "property",
                    "part": [
                        {"name": "code", "valueCode": "parent"},
                        {"name": "value", "valueCode": concept.parent},
                    ],
                }
            )
        return _parameters(*items)

    def _validate(self, request: Request, system: str | None, value_set: str | None) -> Response:
        code = request.param("code")
        if not system or not code:
            return outcome(400, "required", diagnostics="a system and a code are required")
        concept = _BY_KEY.get((system, code))
        if concept is not None and value_set is not None:
            members = _members(value_set)
            if isinstance(members, Response):
                return members
            if concept not in members:
                return _parameters(
                    {"name": "result", "valueBoolean": False},
                    {"name": "message", "valueString": "The code is not in the value set"},
                )
        if concept is None:
            return _parameters(
                {"name": "result", "valueBoolean": False}, {"name": "message", "valueString": "Unknown code"}
            )
        display = request.param("display")
        if display is not None and display not in (concept.display, concept.fsn):
            return _parameters(
                {"name": "result", "valueBoolean": False},
                {"name": "message", "valueString": "The display does not match the code"},
                {"name": "display", "valueString": concept.display},
            )
        return _parameters(
            {"name": "result", "valueBoolean": True}, {"name": "display", "valueString": concept.display}
        )

    def _expand(self, request: Request) -> Response:
        url = request.param("url")
        if not url:
            return outcome(400, "required", diagnostics="url is required")
        members = _members(url)
        if isinstance(members, Response):
            return members
        text = (request.param("filter") or "").lower()
        if text:
            members = [concept for concept in members if text in concept.display.lower()]
        try:
            count = int(request.param("count") or "100")
            offset = int(request.param("offset") or "0")
        except ValueError:
            return outcome(400, "invalid", diagnostics="count and offset must be integers")
        if count < 0 or offset < 0:
            return outcome(400, "invalid", diagnostics="count and offset must not be negative")
        page = members[offset : offset + count]
        expansion = {
            "total": len(members),
            "offset": offset,
            "contains": [
                {"system": concept.system, "code": concept.code, "display": concept.display}
                for concept in page
            ],
        }
        document = {"resourceType": "ValueSet", "url": url, "status": "active", "expansion": expansion}
        return json_response(200, document, content_type=FHIR_JSON)

    def _subsumes(self, request: Request) -> Response:
        system, code_a, code_b = request.param("system"), request.param("codeA"), request.param("codeB")
        if not system or not code_a or not code_b:
            return outcome(400, "required", diagnostics="system, codeA and codeB are required")
        if (system, code_a) not in _BY_KEY or (system, code_b) not in _BY_KEY:
            return _unknown_code()
        if code_a == code_b:
            result = "equivalent"
        elif code_a in _ancestors(system, code_b):
            result = "subsumes"
        elif code_b in _ancestors(system, code_a):
            result = "subsumed-by"
        else:
            result = "not-subsumed"
        return _parameters({"name": "outcome", "valueCode": result})

"""Client for the NHS England Terminology Server (FHIR terminology services).

``TerminologyClient`` and ``AsyncTerminologyClient`` offer four operations on
SNOMED CT (``http://snomed.info/sct``), dm+d (``https://dmd.nhs.uk``) or any
other code system the server holds:

* :meth:`~TerminologyClient.lookup` -- ``CodeSystem/$lookup``: display,
  designations and properties of a code;
* :meth:`~TerminologyClient.validate_code` -- ``CodeSystem/$validate-code`` or
  ``ValueSet/$validate-code``;
* :meth:`~TerminologyClient.expand` -- ``ValueSet/$expand``, paged with
  ``offset`` and ``count`` as the iterator is consumed;
* :meth:`~TerminologyClient.subsumes` -- ``CodeSystem/$subsumes``.

SNOMED CT and dm+d codes are checked as SCTIDs (length, partition, Verhoeff
check digit) before anything is sent, raising the usual
:mod:`nhsstd.exceptions` errors.  ``"snomed"`` and ``"dmd"`` are accepted as
short names for the two systems.

The server (``https://ontology.nhs.uk/production1/fhir``, the analytic
production endpoint) needs an OAuth 2.0 system account:
:class:`~nhsstd.registers.auth.ClientCredentialsAuth`.  It has no public
sandbox; :mod:`nhsstd.testing.sandbox` has a tiny one for tests.

>>> from nhsstd.testing.sandbox import Sandbox
>>> with Sandbox() as sandbox, TerminologyClient(base_url=sandbox.terminology_url) as terminology:
...     print(terminology.lookup("22298006").display)
...     print(terminology.subsumes("56265001", "22298006"))
...     print([concept.code for concept in terminology.expand(ecl_value_set("<< 56265001"), page_size=2)])
Myocardial infarction
subsumes
['56265001', '414545008', '22298006']
"""

from __future__ import annotations

import enum
import functools
import urllib.parse
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from nhsstd.identifiers import sctid as _sctid
from nhsstd.registers._core import Call, Environment, RateLimit, RegisterInfo, parse_json
from nhsstd.registers._errors import InvalidParameter, MalformedResponse
from nhsstd.registers._transport import AsyncClientBase, Parse, SyncClientBase

if TYPE_CHECKING:
    import httpx

__all__ = [
    "AUTHORING_URL",
    "DMD",
    "PRODUCTION2_URL",
    "SNOMED",
    "TERMINOLOGY",
    "AsyncTerminologyClient",
    "CodeValidation",
    "Concept",
    "Designation",
    "LookupResult",
    "Subsumption",
    "TerminologyClient",
    "ecl_value_set",
]

#: SNOMED CT's FHIR system URI.
SNOMED = "http://snomed.info/sct"
#: dm+d's FHIR system URI.
DMD = "https://dmd.nhs.uk"
#: The clinical production server (only with a specific agreement).
PRODUCTION2_URL = "https://ontology.nhs.uk/production2/fhir"
#: The authoring server.
AUTHORING_URL = "https://ontology.nhs.uk/authoring/fhir"

#: The NHS England Terminology Server: analytic production; "reasonable use" 5000 requests per 5 minutes.
TERMINOLOGY = RegisterInfo(
    name="Terminology Server",
    base_urls={Environment.PRODUCTION: "https://ontology.nhs.uk/production1/fhir"},
    rate_limit=RateLimit(5000, 300.0),
)

_ALIASES = {"snomed": SNOMED, "sct": SNOMED, "snomed-ct": SNOMED, "dmd": DMD, "dm+d": DMD}
_SCTID_SYSTEMS = frozenset({SNOMED, DMD})
MAX_PAGE_SIZE = 1000


def ecl_value_set(ecl: str) -> str:
    """The implicit SNOMED CT value set URL for an ECL expression.

    >>> ecl_value_set("<< 56265001")
    'http://snomed.info/sct?fhir_vs=ecl/%3C%3C%2056265001'
    """
    if not isinstance(ecl, str) or not ecl.strip() or len(ecl) > 2000 or not ecl.isprintable():
        raise InvalidParameter("ecl must be 1 to 2000 printable characters", parameter="ecl")
    return f"{SNOMED}?fhir_vs=ecl/{urllib.parse.quote(ecl.strip(), safe='')}"


class Subsumption(str, enum.Enum):
    """The outcome of ``$subsumes``: how code A relates to code B."""

    EQUIVALENT = "equivalent"
    SUBSUMES = "subsumes"
    SUBSUMED_BY = "subsumed-by"
    NOT_SUBSUMED = "not-subsumed"

    def __str__(self) -> str:
        return self.value


@attrs.frozen
class Designation:
    """Another term for a concept (a synonym, the fully specified name...)."""

    value: str
    language: str | None = None
    use_code: str | None = None
    use_display: str | None = None


@attrs.frozen(eq=False)
class LookupResult:
    """What ``$lookup`` says about a code.

    ``properties`` maps each property code (``parent``, ``inactive``,
    ``effectiveTime``...) to its values, in the order received.
    """

    system: str
    code: str
    display: str | None
    name: str | None
    version: str | None
    designations: tuple[Designation, ...]
    properties: Mapping[str, tuple[Any, ...]]
    raw: Mapping[str, Any] = attrs.field(repr=False)


@attrs.frozen(eq=False)
class CodeValidation:
    """The answer of ``$validate-code``."""

    result: bool
    message: str | None
    display: str | None
    raw: Mapping[str, Any] = attrs.field(repr=False)

    def __bool__(self) -> bool:
        return self.result


@attrs.frozen
class Concept:
    """One code of an expansion."""

    system: str | None
    code: str
    display: str | None = None
    version: str | None = None


def _system(system: object) -> str:
    if not isinstance(system, str):
        raise InvalidParameter("system must be a str", parameter="system")
    alias = _ALIASES.get(system.strip().lower())
    if alias:
        return alias
    return _uri(system, "system")


def _uri(value: object, parameter: str) -> str:
    if not isinstance(value, str):
        raise InvalidParameter(f"{parameter} must be a str", parameter=parameter)
    text = value.strip()
    if not (
        text.startswith(("http://", "https://", "urn:"))
        and 8 < len(text) <= 2000
        and text.isprintable()
        and " " not in text
    ):
        raise InvalidParameter(f"{parameter} must be an absolute URI", parameter=parameter)
    return text


def _code(code: object, system: str, parameter: str = "code") -> str:
    if system in _SCTID_SYSTEMS:
        return _sctid.validate(code)  # type: ignore[arg-type]
    if not isinstance(code, str) or not code.strip() or len(code) > 200 or not code.isprintable():
        raise InvalidParameter(f"{parameter} must be 1 to 200 printable characters", parameter=parameter)
    return code.strip()


def _optional_text(value: object, parameter: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > 500 or not value.isprintable():
        raise InvalidParameter(f"{parameter} must be 1 to 500 printable characters", parameter=parameter)
    return value.strip()


def _value(parameter: Mapping[str, Any]) -> Any:
    for key, value in parameter.items():
        if key.startswith("value"):
            return value
    return None


def _parameters(body: Mapping[str, Any], request_id: str | None) -> list[Mapping[str, Any]]:
    if body.get("resourceType") != "Parameters":
        raise MalformedResponse("expected a FHIR Parameters resource", request_id=request_id)
    items = body.get("parameter", [])
    if not isinstance(items, list):
        raise MalformedResponse("Parameters.parameter is not a list", request_id=request_id)
    return [item for item in items if isinstance(item, Mapping) and isinstance(item.get("name"), str)]


def _first(params: Sequence[Mapping[str, Any]], name: str) -> Any:
    for item in params:
        if item["name"] == name:
            return _value(item)
    return None


def _parts(item: Mapping[str, Any]) -> dict[str, Any]:
    parts = item.get("part")
    result: dict[str, Any] = {}
    for part in parts if isinstance(parts, list) else []:
        if isinstance(part, Mapping) and isinstance(part.get("name"), str):
            result.setdefault(part["name"], _value(part))
    return result


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _parse_lookup(body: Mapping[str, Any], system: str, code: str, request_id: str | None) -> LookupResult:
    params = _parameters(body, request_id)
    designations = []
    properties: dict[str, list[Any]] = {}
    for item in params:
        if item["name"] == "designation":
            parts = _parts(item)
            use = parts.get("use")
            if isinstance(parts.get("value"), str):
                designations.append(
                    Designation(
                        value=parts["value"],
                        language=_str(parts.get("language")),
                        use_code=_str(use.get("code")) if isinstance(use, Mapping) else None,
                        use_display=_str(use.get("display")) if isinstance(use, Mapping) else None,
                    )
                )
        elif item["name"] == "property":
            parts = _parts(item)
            if isinstance(parts.get("code"), str):
                properties.setdefault(parts["code"], []).append(parts.get("value"))
    return LookupResult(
        system=system,
        code=code,
        display=_str(_first(params, "display")),
        name=_str(_first(params, "name")),
        version=_str(_first(params, "version")),
        designations=tuple(designations),
        properties={key: tuple(values) for key, values in properties.items()},
        raw=body,
    )


def _parse_validation(body: Mapping[str, Any], request_id: str | None) -> CodeValidation:
    params = _parameters(body, request_id)
    result = _first(params, "result")
    if not isinstance(result, bool):
        raise MalformedResponse("the $validate-code answer has no boolean result", request_id=request_id)
    return CodeValidation(result, _str(_first(params, "message")), _str(_first(params, "display")), body)


def _parse_subsumes(body: Mapping[str, Any], request_id: str | None) -> Subsumption:
    outcome = _first(_parameters(body, request_id), "outcome")
    try:
        return Subsumption(outcome)
    except ValueError:
        raise MalformedResponse("the $subsumes answer has no known outcome", request_id=request_id) from None


def _lookup(
    code: str, system: str, version: str | None, properties: Sequence[str]
) -> tuple[Call, Parse[LookupResult]]:
    system_url = _system(system)
    checked = _code(code, system_url)
    params = [("system", system_url), ("code", checked)]
    if version is not None:
        params.append(("version", _uri(version, "version")))
    if isinstance(properties, str):
        properties = [properties]
    for name in properties:
        params.append(("property", _code(name, "", "properties")))
    call = Call("GET", "/CodeSystem/$lookup", label="GET /CodeSystem/$lookup", params=params)
    return call, functools.partial(_lookup_result, system=system_url, code=checked)


def _lookup_result(response: httpx.Response, request_id: str, *, system: str, code: str) -> LookupResult:
    return _parse_lookup(parse_json(response, request_id), system, code, request_id)


def _validation_result(response: httpx.Response, request_id: str) -> CodeValidation:
    return _parse_validation(parse_json(response, request_id), request_id)


def _subsumption(response: httpx.Response, request_id: str) -> Subsumption:
    return _parse_subsumes(parse_json(response, request_id), request_id)


def _validate_call(
    code: str, system: str, value_set: str | None, display: str | None, version: str | None
) -> Call:
    system_url = _system(system)
    checked = _code(code, system_url)
    if value_set is not None:
        params = [("url", _uri(value_set, "value_set")), ("system", system_url), ("code", checked)]
        path = "/ValueSet/$validate-code"
    else:
        params = [("url", system_url), ("code", checked)]
        path = "/CodeSystem/$validate-code"
    if (text := _optional_text(display, "display")) is not None:
        params.append(("display", text))
    if version is not None:
        params.append(("version" if value_set is None else "systemVersion", _uri(version, "version")))
    return Call("GET", path, label="GET " + path, params=params)


def _subsumes_call(code_a: str, code_b: str, system: str, version: str | None) -> Call:
    system_url = _system(system)
    params = [
        ("system", system_url),
        ("codeA", _code(code_a, system_url, "code_a")),
        ("codeB", _code(code_b, system_url, "code_b")),
    ]
    if version is not None:
        params.append(("version", _uri(version, "version")))
    return Call("GET", "/CodeSystem/$subsumes", label="GET /CodeSystem/$subsumes", params=params)


class _ExpandPaging:
    def __init__(self, url: str, filter: str | None, page_size: int, limit: int | None) -> None:
        self.params = [("url", _uri(url, "url"))]
        if (text := _optional_text(filter, "filter")) is not None:
            self.params.append(("filter", text))
        if (
            isinstance(page_size, bool)
            or not isinstance(page_size, int)
            or not 1 <= page_size <= MAX_PAGE_SIZE
        ):
            raise InvalidParameter(
                f"page_size must be an integer from 1 to {MAX_PAGE_SIZE}", parameter="page_size"
            )
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
            raise InvalidParameter("limit must be a positive integer", parameter="limit")
        self.page_size = page_size
        self.limit = limit
        self.offset = 0
        self.done = False

    def next_call(self) -> Call | None:
        if self.done:
            return None
        count = self.page_size if self.limit is None else min(self.page_size, self.limit - self.offset)
        params = [*self.params, ("count", str(count)), ("offset", str(self.offset))]
        return Call("GET", "/ValueSet/$expand", label="GET /ValueSet/$expand", params=params)

    def take(self, response: httpx.Response, request_id: str) -> list[Concept]:
        body = parse_json(response, request_id)
        if body.get("resourceType") != "ValueSet" or not isinstance(body.get("expansion"), Mapping):
            raise MalformedResponse("expected a ValueSet with an expansion", request_id=request_id)
        expansion = body["expansion"]
        contains = expansion.get("contains", [])
        if not isinstance(contains, list):
            raise MalformedResponse("expansion.contains is not a list", request_id=request_id)
        concepts = [
            Concept(
                _str(item.get("system")), item["code"], _str(item.get("display")), _str(item.get("version"))
            )
            for item in contains
            if isinstance(item, Mapping) and isinstance(item.get("code"), str)
        ]
        if self.limit is not None:
            concepts = concepts[: self.limit - self.offset]
        self.offset += len(concepts)
        total = expansion.get("total")
        if (
            not concepts
            or len(concepts) < self.page_size
            or (isinstance(total, int) and self.offset >= total)
            or (self.limit is not None and self.offset >= self.limit)
        ):
            self.done = True
        return concepts


class TerminologyClient(SyncClientBase):
    """Synchronous Terminology Server client (environment ``production`` or an explicit ``base_url``)."""

    _info: ClassVar[RegisterInfo] = TERMINOLOGY
    _accept: ClassVar[str] = "application/fhir+json"

    def lookup(
        self, code: str, *, system: str = "snomed", version: str | None = None, properties: Sequence[str] = ()
    ) -> LookupResult:
        """``$lookup``: the display, designations and properties of *code*.

        :raises NotFound: the server does not know the code.
        """
        return self._request(*_lookup(code, system, version, properties))

    def validate_code(
        self,
        code: str,
        *,
        system: str = "snomed",
        value_set: str | None = None,
        display: str | None = None,
        version: str | None = None,
    ) -> CodeValidation:
        """``$validate-code`` in the code system, or in *value_set* when given."""
        return self._request(_validate_call(code, system, value_set, display, version), _validation_result)

    def expand(
        self, url: str, *, filter: str | None = None, page_size: int = 100, limit: int | None = None
    ) -> Iterator[Concept]:
        """``$expand`` of the value set *url*, fetched *page_size* codes at a time.

        The arguments are checked when this is called, before any request.

        :raises TooCostly: the server refuses to expand something this large.
        """
        return self._iterate(_ExpandPaging(url, filter, page_size, limit))

    def subsumes(
        self, code_a: str, code_b: str, *, system: str = "snomed", version: str | None = None
    ) -> Subsumption:
        """``$subsumes``: whether *code_a* subsumes *code_b* (or the reverse, or neither)."""
        return self._request(_subsumes_call(code_a, code_b, system, version), _subsumption)


class AsyncTerminologyClient(AsyncClientBase):
    """Asynchronous Terminology Server client; the calls of :class:`TerminologyClient`, awaited."""

    _info: ClassVar[RegisterInfo] = TERMINOLOGY
    _accept: ClassVar[str] = "application/fhir+json"

    async def lookup(
        self, code: str, *, system: str = "snomed", version: str | None = None, properties: Sequence[str] = ()
    ) -> LookupResult:
        """See :meth:`TerminologyClient.lookup`."""
        return await self._request(*_lookup(code, system, version, properties))

    async def validate_code(
        self,
        code: str,
        *,
        system: str = "snomed",
        value_set: str | None = None,
        display: str | None = None,
        version: str | None = None,
    ) -> CodeValidation:
        """See :meth:`TerminologyClient.validate_code`."""
        return await self._request(
            _validate_call(code, system, value_set, display, version), _validation_result
        )

    def expand(
        self, url: str, *, filter: str | None = None, page_size: int = 100, limit: int | None = None
    ) -> AsyncIterator[Concept]:
        """See :meth:`TerminologyClient.expand`; use with ``async for``."""
        return self._iterate(_ExpandPaging(url, filter, page_size, limit))

    async def subsumes(
        self, code_a: str, code_b: str, *, system: str = "snomed", version: str | None = None
    ) -> Subsumption:
        """See :meth:`TerminologyClient.subsumes`."""
        return await self._request(_subsumes_call(code_a, code_b, system, version), _subsumption)

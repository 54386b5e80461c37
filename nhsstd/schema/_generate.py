"""Generate the JSON Schema of :mod:`nhsstd.json` documents from the models (private).

The schema is a necessary condition, not a sufficient one: it checks shapes,
patterns and code lists, but not check digits, calendar validity or the
models' cross-field rules (a death date before the birth date), which
:func:`nhsstd.json.from_json` enforces.
"""

from __future__ import annotations

import datetime
import json
import types
import typing
from typing import Any

import attrs

from nhsstd import json as nhsstd_json
from nhsstd.codes import CodedEnum, ODSRole
from nhsstd.identifiers._common import Identifier
from nhsstd.models import MODELS, Extras, PartialDate

__all__ = ["SCHEMA_ID", "generate_schema", "render_schema"]

#: ``$id`` of the schema; the version is the document format version.
SCHEMA_ID = f"urn:nhsstd:json-schema:document:{nhsstd_json.SCHEMA_VERSION}"

# Compact forms of the identifier kinds, as regular expressions.  They state
# the shape only: check digits, ranges and the postcode letter rules are left
# to the identifier modules (the patterns are deliberately never stricter).
_IDENTIFIER_PATTERNS: dict[str, tuple[str, str]] = {
    "nhs_number": ("NHS Number", "^[0-9]{10}$"),
    "chi_number": ("CHI Number (Scotland)", "^[0-9]{10}$"),
    "hc_number": ("Health and Care Number (Northern Ireland)", "^3[0-9]{9}$"),
    "ods_code": ("ODS organisation or site code", "^[A-Z0-9]{3,9}$"),
    "gmc_number": ("GMC reference number", "^[0-9]{7}$"),
    "gmp_code": ("GMP (PPD) code", "^G[0-9]{7}$"),
    "consultant_code": ("Consultant code", "^(C[0-9]{7}|CD[0-9]{6}|D[0-9]{7}|[HMN]9999998)$"),
    "gdp_code": ("GDP code", "^D[0-9]{7}$"),
    "gdc_number": ("GDC registration number", "^[0-9]{3,6}$"),
    "nmc_pin": ("NMC PIN", "^[0-9]{2}[A-Z][0-9]{4}[A-Z]$"),
    "hcpc_number": (
        "HCPC registration number",
        "^(AS|BS|CH|CS|DT|HAD|ODP|OR|OT|PA|PH|PO|PYL|RA|SL)[0-9]{1,6}$",
    ),
    "gphc_number": ("GPhC registration number", "^2[0-9]{6}$"),
    "postcode": ("UK postcode", "^([A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}|GIR0AA)$"),
    "nhs_pseudo_postcode": ("NHS pseudo-postcode", "^ZZ99[0-9][A-Z]Z$"),
    "uprn": ("UPRN", "^[1-9][0-9]{0,11}$"),
}

# FHIR ``string``-like text: some visible content, no control characters
# other than TAB, LF and CR.
_TEXT_PATTERN = "^(?=[\\s\\S]*\\S)[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]+$"
_DATE_PATTERN = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
_PARTIAL_DATE_PATTERN = "^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$"
_SDS_ID = {"description": "SDS identifier (ASCII digits)", "pattern": "^[0-9]+$"}
_FIELD_CONSTRAINTS: dict[tuple[str, str], dict[str, Any]] = {
    ("ContactPoint", "rank"): {"minimum": 1, "maximum": 2_147_483_647},
    ("Practitioner", "sds_user_id"): _SDS_ID,
    ("PractitionerRole", "sds_role_profile_id"): _SDS_ID,
    ("Reference", "sds_user_id"): _SDS_ID,
}


def _first_line(text: str | None) -> str:
    return (text or "").strip().split("\n", 1)[0].strip()


class _Builder:
    def __init__(self) -> None:
        self.definitions: dict[str, Any] = {}

    def _ref(self, name: str) -> dict[str, Any]:
        return {"$ref": f"#/$defs/{name}"}

    def _code_list(self, cls: type[CodedEnum]) -> dict[str, Any]:
        name = cls.__name__
        if name not in self.definitions:
            system = cls.code_system
            description = system.name
            if system.fhir_system:
                description += f" ({system.fhir_system})"
            self.definitions[name] = {
                "description": description,
                "type": "string",
                "enum": list(cls.codes()),
            }
        return self._ref(name)

    def _identifier(self, cls: type[Identifier]) -> dict[str, Any]:
        name = cls.__name__
        if name not in self.definitions:
            label, pattern = _IDENTIFIER_PATTERNS.get(cls.kind, (cls.kind, "^[A-Z0-9]+$"))
            self.definitions[name] = {
                "description": f"{label}, compact form",
                "type": "string",
                "pattern": pattern,
            }
        return self._ref(name)

    def value(self, tp: Any) -> dict[str, Any]:
        """The schema of a (non-null) value of type *tp*."""
        origin = typing.get_origin(tp)
        if origin in (typing.Union, types.UnionType):
            args = [arg for arg in typing.get_args(tp) if arg is not type(None)]
            if len(args) == 1:
                return self.value(args[0])
            if all(issubclass(arg, CodedEnum) for arg in args):
                return {
                    "oneOf": [
                        {
                            "type": "object",
                            "properties": {
                                "code_system": {"const": arg.code_system.key},
                                "code": self._code_list(arg),
                            },
                            "required": ["code_system", "code"],
                            "additionalProperties": False,
                        }
                        for arg in args
                    ]
                }
            return {"anyOf": [self.value(arg) for arg in args]}
        if origin is tuple:
            return {"type": "array", "items": self.value(typing.get_args(tp)[0])}
        if tp is str:
            return {"type": "string", "pattern": _TEXT_PATTERN}
        if tp is int:
            return {"type": "integer"}
        if tp is bool:
            return {"type": "boolean"}
        if tp is datetime.date:
            return {"type": "string", "format": "date", "pattern": _DATE_PATTERN}
        if tp is PartialDate:
            return self._ref("PartialDate")
        if tp is Extras:
            return {"type": "object", "description": "Unmodelled elements kept by a serialiser"}
        if tp is ODSRole:
            return self._ref("ODSRole")
        if isinstance(tp, type) and issubclass(tp, CodedEnum):
            return self._code_list(tp)
        if isinstance(tp, type) and issubclass(tp, Identifier):
            return self._identifier(tp)
        if isinstance(tp, type) and attrs.has(tp):
            self.model(tp)
            return self._ref(tp.__name__)
        raise TypeError(f"no JSON Schema for {tp!r}")  # pragma: no cover

    def _object(self, cls: type, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        properties: dict[str, Any] = dict(extra or {})
        required = list(extra or {})
        for field in attrs.fields(cls):
            schema = self.value(field.type)
            constraints = _FIELD_CONSTRAINTS.get((cls.__name__, field.name))
            if constraints:
                schema = {**schema, **constraints}
            properties[field.name] = schema
            if field.default is attrs.NOTHING:
                required.append(field.name)
        result: dict[str, Any] = {
            "description": _first_line(cls.__doc__),
            "type": "object",
            "properties": properties,
        }
        if required:
            result["required"] = required
        result["additionalProperties"] = False
        return result

    def model(self, cls: type) -> None:
        name = cls.__name__
        if name in self.definitions:
            return
        self.definitions[name] = {}  # reserve the slot (and the order)
        self.definitions[name] = self._object(cls)

    def document(self, cls: type) -> dict[str, Any]:
        meta = {
            nhsstd_json.VERSION_KEY: {"const": nhsstd_json.SCHEMA_VERSION},
            nhsstd_json.MODEL_KEY: {"const": cls.__name__},
        }
        schema = self._object(cls, meta)
        schema["description"] = f"A {cls.__name__} document"
        return schema


def generate_schema() -> dict[str, Any]:
    """Build the JSON Schema (draft 2020-12) of every :mod:`nhsstd.json` document."""
    builder = _Builder()
    builder.definitions["PartialDate"] = {
        "description": "A date known to the year, the month or the day (FHIR date)",
        "type": "string",
        "pattern": _PARTIAL_DATE_PATTERN,
    }
    builder.definitions["ODSRole"] = {
        "description": ODSRole.code_system.name,
        "type": "string",
        "pattern": "^RO[0-9]+$",
    }
    documents = {f"{cls.__name__}Document": builder.document(cls) for cls in MODELS}
    for cls in MODELS:
        builder.model(cls)
    definitions = {**documents, **dict(sorted(builder.definitions.items()))}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": f"nhsstd JSON documents, format version {nhsstd_json.SCHEMA_VERSION}",
        "description": (
            "Documents written by nhsstd.json.to_json. The schema checks shapes, patterns and code "
            "lists; check digits, calendar dates and the models' rules are checked by "
            "nhsstd.json.from_json. Generated from the models: do not edit."
        ),
        "oneOf": [{"$ref": f"#/$defs/{name}"} for name in documents],
        "$defs": definitions,
    }


def render_schema(schema: dict[str, Any] | None = None) -> str:
    """The schema as the text of the shipped file (two-space indents, final newline)."""
    return json.dumps(generate_schema() if schema is None else schema, indent=2, ensure_ascii=False) + "\n"

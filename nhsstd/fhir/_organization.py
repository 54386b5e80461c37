"""UK Core Organization <-> :class:`nhsstd.models.Organisation` (private)."""

from __future__ import annotations

from typing import Any, Final

from nhsstd.codes import ODSRole
from nhsstd.exceptions import ValidationError
from nhsstd.fhir import _urls as url
from nhsstd.fhir._context import Reader, describe, text_of
from nhsstd.fhir._datatypes import (
    ERROR,
    Result,
    Writer,
    parse_identifier,
    read_address,
    read_array,
    read_contact_point,
    read_local_identifier,
    string,
    write_address,
    write_contact_point,
    write_local_identifier,
)
from nhsstd.fhir._resource import KeyOrder, ResourceReader, ResourceWriter
from nhsstd.identifiers.ods_code import ODSCode
from nhsstd.models import Organisation

__all__ = ["EXT_PRIMARY_ROLE", "read_organization", "write_organization"]

ORDER: Final = KeyOrder((
    "resourceType", "id", "meta", "implicitRules", "language", "text", "contained", "extension",
    "modifierExtension", "identifier", "active", "type", "name", "alias", "telecom", "address", "partOf",
    "contact", "endpoint",
))  # fmt: skip

#: FHIR has no element for "this is the organisation's primary ODS role"; nhsstd marks the
#: primary role's ``type`` entry with this extension (``valueBoolean: true``).  Documented in
#: docs/fhir.rst; other readers ignore it harmlessly.
EXT_PRIMARY_ROLE: Final = "https://nhsstd.readthedocs.io/StructureDefinition/ods-primary-role"

_ROLE_SYSTEM: Final = ODSRole.code_system.fhir_system
_ODS_SYSTEMS: Final = frozenset({url.ID_ODS_ORGANISATION}) | url.LEGACY_ODS_SYSTEMS


def _classify_identifier(r: Reader, item: dict[str, Any], path: str) -> Result:
    system = text_of(item.get("system"))
    if system not in _ODS_SYSTEMS and system != url.ID_ODS_SITE:
        return read_local_identifier(r, item, path)  # FHIR allows an organisation without an ODS code
    if "value" not in item:
        return None
    here = path + ".value"
    raw = string(r, item["value"], here)
    if raw is None:
        return ERROR
    try:
        value = parse_identifier(ODSCode, raw)
    except ValidationError as error:
        return None if r.invalid_identifier(here, error) else ERROR
    canon = item
    if system == url.ID_ODS_SITE:
        if value.compact != raw:
            r.canonicalised(here, "identifier written in its canonical form")
            canon = {**canon, "value": value.compact}
        return "site", value, canon
    if system != url.ID_ODS_ORGANISATION:
        r.legacy(path + ".system", "a variant identifier system")
        canon = {**canon, "system": url.ID_ODS_ORGANISATION}
    if value.compact != raw:
        r.canonicalised(here, "identifier written in its canonical form")
        canon = {**canon, "value": value.compact}
    return "ods", value, canon


def _write_ods(value: ODSCode) -> dict[str, Any]:
    return {"system": url.ID_ODS_ORGANISATION, "value": value.compact}


def _write_site(value: ODSCode) -> dict[str, Any]:
    return {"system": url.ID_ODS_SITE, "value": value.compact}


_IDENTIFIER_WRITERS: Final[dict[str, Writer]] = {
    "ods": _write_ods,
    "site": _write_site,
    "local": write_local_identifier,
}


def _classify_type(r: Reader, item: dict[str, Any], path: str) -> Result:
    codings = item.get("coding")
    if type(codings) is not list:
        return None
    for index, coding in enumerate(codings):
        if type(coding) is dict and coding.get("system") == _ROLE_SYSTEM:
            here = f"{path}.coding[{index}].code"
            raw = string(r, coding.get("code"), here)
            if raw is None:
                return ERROR
            try:
                role = ODSRole.from_code(raw)
            except ValidationError as error:
                r.error(here, error)
                return ERROR
            primary = False
            extensions = item.get("extension")
            if type(extensions) is list:
                for ext in extensions:
                    if (
                        type(ext) is dict
                        and ext.get("url") == EXT_PRIMARY_ROLE
                        and ext.get("valueBoolean") is True
                    ):
                        primary = True
            return "role", (role, primary), item
    return None


def _write_role(value: tuple[ODSRole, bool]) -> dict[str, Any]:
    role, primary = value
    coding: dict[str, Any] = {"system": _ROLE_SYSTEM, "code": role.code}
    if role.label is not None:
        coding["display"] = role.label
    out: dict[str, Any] = {"coding": [coding]}
    if primary:
        out["extension"] = [{"url": EXT_PRIMARY_ROLE, "valueBoolean": True}]
    return out


_TYPE_WRITERS: Final = {"role": _write_role}


def read_organization(r: Reader, resource: dict[str, Any]) -> Organisation | None:
    rr = ResourceReader(r, resource)
    fields = rr.fields
    for key, value in resource.items():
        path = "$." + key
        if key == "resourceType":
            continue
        if key == "identifier":
            taken, template = read_array(
                r, value, path, _classify_identifier, _IDENTIFIER_WRITERS, limits={"ods": 1, "site": 1}
            )
            if "ods" in taken:
                fields["ods_code"] = taken["ods"][0]
            if "site" in taken:
                fields["ods_site_code"] = taken["site"][0]
            fields["local_identifiers"] = taken.get("local", ())
            rr.template(key, template)
        elif key == "active":
            if type(value) is bool:
                fields["active"] = value
            else:
                r.problem(path, f"expected a boolean, got {describe(value)}")
        elif key == "type":
            taken, template = read_array(r, value, path, _classify_type, _TYPE_WRITERS)
            roles = [role for role, _ in taken.get("role", ())]
            primary = [role for role, is_primary in taken.get("role", ()) if is_primary]
            if len(set(roles)) != len(roles):
                r.problem(path, "an ODS role is repeated")
            if len(primary) > 1:
                r.problem(path, "more than one ODS role is marked primary")
            fields["roles"] = roles
            if primary:
                fields["primary_role"] = primary[0]
            rr.template(key, template)
        elif key == "name":
            text = string(r, value, path)
            if text is not None:
                fields["name"] = text
        elif key == "telecom":
            taken, template = read_array(r, value, path, read_contact_point, {"telecom": write_contact_point})
            fields["telecom"] = taken.get("telecom", ())
            rr.template(key, template)
        elif key == "address":
            taken, template = read_array(
                r, value, path, read_address, {"address": write_address}, limits={"address": 1}
            )
            if "address" in taken:
                fields["address"] = taken["address"][0]
            rr.template(key, template)
        else:
            rr.keep(key, value)
    return rr.build(Organisation)


def write_organization(organisation: Organisation, problems: list[tuple[str, str]]) -> dict[str, Any]:
    w = ResourceWriter("Organization", organisation.extras, problems)
    ids: list[tuple[str, dict[str, Any]]] = []
    if organisation.ods_code is not None:
        ids.append(("ods", _write_ods(organisation.ods_code)))
    if organisation.ods_site_code is not None:
        ids.append(("site", _write_site(organisation.ods_site_code)))
    ids.extend(("local", write_local_identifier(local)) for local in organisation.local_identifiers)
    w.array("identifier", ids)
    if organisation.active is not None:
        w.value("active", organisation.active)
    types = [("role", _write_role((role, role == organisation.primary_role))) for role in organisation.roles]
    w.array("type", types)
    if organisation.name is not None:
        w.value("name", organisation.name)
    w.array("telecom", [("telecom", write_contact_point(point)) for point in organisation.telecom])
    w.array(
        "address",
        [("address", write_address(organisation.address))] if organisation.address is not None else [],
    )
    return w.finish(ORDER)

"""UK Core Practitioner <-> :class:`nhsstd.models.Practitioner` (private)."""

from __future__ import annotations

import re
from typing import Any, Final

from nhsstd.exceptions import ValidationError
from nhsstd.fhir import _urls as url
from nhsstd.fhir._context import Reader
from nhsstd.fhir._datatypes import (
    ERROR,
    Result,
    parse_identifier,
    read_address,
    read_array,
    read_contact_point,
    read_name,
    read_sds_id,
    string,
    write_address,
    write_contact_point,
    write_name,
)
from nhsstd.fhir._resource import KeyOrder, ResourceReader, ResourceWriter
from nhsstd.identifiers import gmc_number
from nhsstd.identifiers.consultant_code import ConsultantCode
from nhsstd.identifiers.gdc_number import GDCNumber
from nhsstd.identifiers.gdp_code import GDPCode
from nhsstd.identifiers.gmc_number import GMCNumber, GMCValueShape
from nhsstd.identifiers.gmp_code import GMPCode
from nhsstd.identifiers.gphc_number import GPhCNumber
from nhsstd.identifiers.hcpc_number import HCPCNumber
from nhsstd.identifiers.nmc_pin import NMCPin
from nhsstd.models import Practitioner

__all__ = ["read_practitioner", "write_practitioner"]

ORDER: Final = KeyOrder((
    "resourceType", "id", "meta", "implicitRules", "language", "text", "contained", "extension",
    "modifierExtension", "identifier", "active", "name", "telecom", "address", "gender", "birthDate", "photo",
    "qualification", "communication",
))  # fmt: skip

#: Consultant codes that are not ``C`` + 7 digits (dental, legacy DPB, most pseudo codes) have no
#: agreed FHIR system; nhsstd writes and reads this one (documented in docs/fhir.rst).
ID_CONSULTANT_OTHER: Final = "https://nhsstd.readthedocs.io/Id/consultant-code"

_C_PLUS_SEVEN: Final = re.compile(r"C[0-9]{7}")

#: system -> (model field, value class), for the systems with one value class.
_SYSTEMS: Final[dict[str, tuple[str, type[Any]]]] = {
    url.ID_GMP: ("gmp_code", GMPCode),
    url.ID_GDC: ("gdc_number", GDCNumber),
    url.ID_GDP: ("gdp_code", GDPCode),
    url.ID_NMC: ("nmc_pin", NMCPin),
    url.ID_HCPC: ("hcpc_number", HCPCNumber),
    url.ID_GPHC: ("gphc_number", GPhCNumber),
    ID_CONSULTANT_OTHER: ("consultant_code", ConsultantCode),
}
_SYSTEMS.update(dict.fromkeys(url.LEGACY_GMP_SYSTEMS, ("gmp_code", GMPCode)))

#: Written identifier systems, by model field (in the order identifiers are written).
_WRITE_SYSTEMS: Final = {
    "gmc_number": url.ID_GMC,
    "gmp_code": url.ID_GMP,
    "consultant_code": url.ID_GMC,
    "gdp_code": url.ID_GDP,
    "gdc_number": url.ID_GDC,
    "nmc_pin": url.ID_NMC,
    "hcpc_number": url.ID_HCPC,
    "gphc_number": url.ID_GPHC,
    "sds_user_id": url.ID_SDS_USER,
}


def _classify_identifier(r: Reader, item: dict[str, Any], path: str) -> Result:
    system = item.get("system")
    if "value" not in item or type(system) is not str:
        return None
    here = path + ".value"
    if system == url.ID_SDS_USER:
        sds = read_sds_id(r, item["value"], here, "SDS user ID")
        if sds is None or sds is ERROR:
            return sds
        return "sds_user_id", sds, item
    if system == url.ID_GMC:
        raw = string(r, item["value"], here)
        if raw is None:
            return ERROR
        try:
            shape, compact = gmc_number.classify_fhir_value(raw)
        except ValidationError as error:
            return None if r.invalid_identifier(here, error) else ERROR
        if shape is GMCValueShape.LIMITED_REGISTRATION:
            return None  # valid under UK Core guidance, but no model field holds it
        tag = "gmc_number" if shape is GMCValueShape.GMC_NUMBER else "consultant_code"
        value: Any = GMCNumber(compact) if tag == "gmc_number" else ConsultantCode(compact)
    elif system in _SYSTEMS:
        tag, cls = _SYSTEMS[system]
        raw = string(r, item["value"], here)
        if raw is None:
            return ERROR
        try:
            value = parse_identifier(cls, raw)
        except ValidationError as error:
            return None if r.invalid_identifier(here, error) else ERROR
    else:
        return None
    canon = item
    written = _system_for(tag, value)
    if system != written:
        if system in url.LEGACY_GMP_SYSTEMS:
            r.legacy(path + ".system", "a variant identifier system")
        else:
            r.canonicalised(path + ".system", "identifier system written as the one for this kind of value")
        canon = {**canon, "system": written}
    if value.compact != raw:
        r.canonicalised(here, "identifier written in its canonical form")
        canon = {**canon, "value": value.compact}
    return tag, value, canon


def _system_for(tag: str, value: Any) -> str:
    if tag == "consultant_code" and _C_PLUS_SEVEN.fullmatch(value.compact) is None:
        return ID_CONSULTANT_OTHER
    return _WRITE_SYSTEMS[tag]


def _identifier_writer(tag: str) -> Any:
    if tag == "sds_user_id":
        return lambda value: {"system": url.ID_SDS_USER, "value": value}
    return lambda value: {"system": _system_for(tag, value), "value": value.compact}


_IDENTIFIER_WRITERS: Final = {tag: _identifier_writer(tag) for tag in _WRITE_SYSTEMS}


def read_practitioner(r: Reader, resource: dict[str, Any]) -> Practitioner | None:
    rr = ResourceReader(r, resource)
    fields = rr.fields
    for key, value in resource.items():
        path = "$." + key
        if key == "resourceType":
            continue
        if key == "identifier":
            taken, template = read_array(
                r,
                value,
                path,
                _classify_identifier,
                _IDENTIFIER_WRITERS,
                limits=dict.fromkeys(_WRITE_SYSTEMS, 1),
            )
            for tag, values in taken.items():
                fields[tag] = values[0]
            rr.template(key, template)
        elif key == "name":
            taken, template = read_array(r, value, path, read_name, {"name": write_name})
            fields["names"] = taken.get("name", ())
            rr.template(key, template)
        elif key == "telecom":
            taken, template = read_array(r, value, path, read_contact_point, {"telecom": write_contact_point})
            fields["telecom"] = taken.get("telecom", ())
            rr.template(key, template)
        elif key == "address":
            taken, template = read_array(r, value, path, read_address, {"address": write_address})
            fields["addresses"] = taken.get("address", ())
            rr.template(key, template)
        else:
            rr.keep(key, value)
    return rr.build(Practitioner)


def write_practitioner(practitioner: Practitioner, problems: list[tuple[str, str]]) -> dict[str, Any]:
    w = ResourceWriter("Practitioner", practitioner.extras, problems)
    ids = [
        (tag, _IDENTIFIER_WRITERS[tag](getattr(practitioner, tag)))
        for tag in _WRITE_SYSTEMS
        if getattr(practitioner, tag) is not None
    ]
    w.array("identifier", ids)
    w.array("name", [("name", write_name(name)) for name in practitioner.names])
    w.array("telecom", [("telecom", write_contact_point(point)) for point in practitioner.telecom])
    w.array("address", [("address", write_address(address)) for address in practitioner.addresses])
    return w.finish(ORDER)

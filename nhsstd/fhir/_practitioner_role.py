"""UK Core PractitionerRole <-> :class:`nhsstd.models.PractitionerRole` (private)."""

from __future__ import annotations

from typing import Any, Final

from nhsstd.fhir import _urls as url
from nhsstd.fhir._context import Reader, describe, text_of
from nhsstd.fhir._datatypes import (
    ERROR,
    Result,
    coding_concept,
    read_array,
    read_contact_point,
    read_period,
    read_reference,
    read_sds_id,
    write_coding_concept,
    write_contact_point,
    write_period,
    write_reference,
)
from nhsstd.fhir._resource import KeyOrder, ResourceReader, ResourceWriter
from nhsstd.models import PractitionerRole

__all__ = ["read_practitioner_role", "write_practitioner_role"]

ORDER: Final = KeyOrder((
    "resourceType", "id", "meta", "implicitRules", "language", "text", "contained", "extension",
    "modifierExtension", "identifier", "active", "period", "practitioner", "organization", "code",
    "specialty", "location", "healthcareService", "telecom", "availableTime", "notAvailable",
    "availabilityExceptions", "endpoint",
))  # fmt: skip

#: FHIR element -> model field, for the two references.
_REFERENCES: Final = {"practitioner": "practitioner", "organization": "organisation"}


def _classify_identifier(r: Reader, item: dict[str, Any], path: str) -> Result:
    if text_of(item.get("system")) != url.ID_SDS_ROLE_PROFILE or "value" not in item:
        return None
    found = read_sds_id(r, item["value"], path + ".value", "SDS role profile ID")
    if found is None or found is ERROR:
        return found
    return "role_profile", found, item


def _write_role_profile(value: str) -> dict[str, Any]:
    return {"system": url.ID_SDS_ROLE_PROFILE, "value": value}


_IDENTIFIER_WRITERS: Final = {"role_profile": _write_role_profile}
_CODE_WRITERS: Final = {"code": write_coding_concept}
_SPECIALTY_WRITERS: Final = {"specialty": write_coding_concept}
_classify_code = coding_concept("code")
_classify_specialty = coding_concept("specialty")


def read_practitioner_role(r: Reader, resource: dict[str, Any]) -> PractitionerRole | None:
    rr = ResourceReader(r, resource)
    fields = rr.fields
    for key, value in resource.items():
        path = "$." + key
        if key == "resourceType":
            continue
        if key == "identifier":
            taken, template = read_array(
                r, value, path, _classify_identifier, _IDENTIFIER_WRITERS, limits={"role_profile": 1}
            )
            if "role_profile" in taken:
                fields["sds_role_profile_id"] = taken["role_profile"][0]
            rr.template(key, template)
        elif key == "active":
            if type(value) is bool:
                fields["active"] = value
            else:
                r.problem(path, f"expected a boolean, got {describe(value)}")
        elif key == "period":
            problems = len(r.problems)
            period = read_period(r, value, path)
            if period is not None:
                fields["period"] = period
            elif len(r.problems) == problems:
                rr.keep(key, value)  # date-times or partial dates: not a model Period
        elif key in _REFERENCES:
            found = read_reference(r, value, path)
            if found is None:
                rr.keep(key, value)
            elif found is not ERROR:
                reference, canon = found
                fields[_REFERENCES[key]] = reference
                rr.override(key, canon, write_reference(reference))
        elif key == "code":
            taken, template = read_array(r, value, path, _classify_code, _CODE_WRITERS)
            fields["codes"] = taken.get("code", ())
            rr.template(key, template)
        elif key == "specialty":
            taken, template = read_array(r, value, path, _classify_specialty, _SPECIALTY_WRITERS)
            fields["specialties"] = taken.get("specialty", ())
            rr.template(key, template)
        elif key == "telecom":
            taken, template = read_array(r, value, path, read_contact_point, {"telecom": write_contact_point})
            fields["telecom"] = taken.get("telecom", ())
            rr.template(key, template)
        else:
            rr.keep(key, value)
    return rr.build(PractitionerRole)


def write_practitioner_role(role: PractitionerRole, problems: list[tuple[str, str]]) -> dict[str, Any]:
    w = ResourceWriter("PractitionerRole", role.extras, problems)
    profile = role.sds_role_profile_id
    w.array("identifier", [] if profile is None else [("role_profile", _write_role_profile(profile))])
    if role.active is not None:
        w.value("active", role.active)
    if role.period is not None:
        w.value("period", write_period(role.period))
    if role.practitioner is not None:
        w.value("practitioner", write_reference(role.practitioner))
    if role.organisation is not None:
        w.value("organization", write_reference(role.organisation))
    w.array("code", [("code", write_coding_concept(coding)) for coding in role.codes])
    w.array("specialty", [("specialty", write_coding_concept(coding)) for coding in role.specialties])
    w.array("telecom", [("telecom", write_contact_point(point)) for point in role.telecom])
    return w.finish(ORDER)

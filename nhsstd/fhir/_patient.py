"""UK Core Patient <-> :class:`nhsstd.models.Patient` (private)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final

from nhsstd.codes import (
    AdministrativeGender,
    CodedEnum,
    EthnicCategoryEngland,
    EthnicCategoryScotland,
    EthnicCategoryWales,
    NHSNumberStatusIndicatorCode,
    PersonMaritalStatus,
    PersonMaritalStatusScotland,
    administrative_gender_to_stated_gender,
    stated_gender_to_administrative_gender,
)
from nhsstd.exceptions import ValidationError
from nhsstd.fhir import _urls as url
from nhsstd.fhir._context import Reader, describe, text_of
from nhsstd.fhir._datatypes import (
    ERROR,
    Classified,
    Classifier,
    Result,
    Writer,
    code,
    parse_identifier,
    read_address,
    read_array,
    read_coded,
    read_contact_point,
    read_local_identifier,
    read_name,
    read_period,
    string,
    write_address,
    write_coding,
    write_contact_point,
    write_local_identifier,
    write_name,
    write_period,
)
from nhsstd.fhir._resource import KeyOrder, ResourceReader, ResourceWriter
from nhsstd.identifiers.chi_number import CHINumber
from nhsstd.identifiers.gmp_code import GMPCode
from nhsstd.identifiers.hc_number import HCNumber
from nhsstd.identifiers.nhs_number import NHSNumber
from nhsstd.identifiers.ods_code import ODSCode
from nhsstd.models import GPRegistration, PartialDate, Patient

__all__ = ["read_patient", "write_patient"]

ORDER: Final = KeyOrder((
    "resourceType", "id", "meta", "implicitRules", "language", "text", "contained", "extension",
    "modifierExtension", "identifier", "active", "name", "telecom", "gender", "birthDate", "deceasedBoolean",
    "deceasedDateTime", "address", "maritalStatus", "multipleBirthBoolean", "multipleBirthInteger", "photo",
    "contact", "communication", "generalPractitioner", "managingOrganization", "link",
))  # fmt: skip


def _by_system(*classes: type[CodedEnum]) -> dict[str, type[CodedEnum]]:
    return {cls.code_system.fhir_system or "": cls for cls in classes}


_ETHNIC_SYSTEMS: Final = _by_system(EthnicCategoryEngland, EthnicCategoryWales, EthnicCategoryScotland)
_MARITAL_SYSTEMS: Final = _by_system(PersonMaritalStatus, PersonMaritalStatusScotland)
_VERIFICATION_SYSTEMS: Final[dict[str, type[CodedEnum]]] = {
    url.CS_NHS_NUMBER_VERIFICATION: NHSNumberStatusIndicatorCode
}
_VERIFICATION_LEGACY: Final = dict.fromkeys(
    url.LEGACY_NHS_NUMBER_VERIFICATION_SYSTEMS, url.CS_NHS_NUMBER_VERIFICATION
)
_ODS_SYSTEMS: Final = frozenset({url.ID_ODS_ORGANISATION}) | url.LEGACY_ODS_SYSTEMS
_GMP_SYSTEMS: Final = frozenset({url.ID_GMP}) | url.LEGACY_GMP_SYSTEMS

# FHIR dateTime: a date (YYYY, YYYY-MM, YYYY-MM-DD), optionally with a time and a zone.
_DATE_TIME: Final = re.compile(
    r"([0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?)"
    r"(T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:Z|[+-][0-9]{2}:[0-9]{2}))?"
)


# --- identifiers -----------------------------------------------------------------------------


def _identifier_value(r: Reader, item: dict[str, Any], path: str, cls: type[Any]) -> Any:
    """Validate ``item["value"]``: the identifier, ``None`` to keep the item as it is, or ERROR."""
    raw = string(r, item["value"], path + ".value")
    if raw is None:
        return ERROR
    try:
        value = parse_identifier(cls, raw)
    except ValidationError as error:
        return None if r.invalid_identifier(path + ".value", error) else ERROR
    return value


def _nhs_identifier(r: Reader, item: dict[str, Any], path: str) -> Result:
    canon = item
    number = None
    if "value" in item:
        number = _identifier_value(r, item, path, NHSNumber)
        if number is None or number is ERROR:
            return number
        if number.compact != item["value"]:
            r.canonicalised(path + ".value", "NHS Number written as 10 digits without spaces")
            canon = {**canon, "value": number.compact}
    status = None
    extensions = item.get("extension")
    if type(extensions) is list:
        for index, ext in enumerate(extensions):
            if type(ext) is not dict:
                continue
            ext_url = text_of(ext.get("url"))
            legacy = url.LEGACY_EXTENSIONS.get(ext_url or "") == url.EXT_NHS_NUMBER_VERIFICATION
            if ext_url != url.EXT_NHS_NUMBER_VERIFICATION and not legacy:
                continue
            here = f"{path}.extension[{index}]"
            if "valueCodeableConcept" not in ext:
                continue
            found = read_coded(
                r,
                ext["valueCodeableConcept"],
                here + ".valueCodeableConcept",
                _VERIFICATION_SYSTEMS,
                _VERIFICATION_LEGACY,
                url.LEGACY_NHS_NUMBER_VERIFICATION_CODES,
            )
            if found is ERROR:
                return ERROR
            if found is None:
                continue  # NullFlavor NI, the Wales list...: kept as it is
            status, concept = found
            if legacy:
                r.legacy(here + ".url", "a legacy extension URL")
            if legacy or concept is not ext["valueCodeableConcept"]:
                new_extensions = list(extensions)
                new_extensions[index] = {
                    **ext,
                    "url": url.EXT_NHS_NUMBER_VERIFICATION,
                    "valueCodeableConcept": concept,
                }
                canon = {**canon, "extension": new_extensions}
            break
    if number is None and status is None:
        return None
    if item["system"] != url.ID_NHS_NUMBER:
        r.legacy(path + ".system", "a variant identifier system")
        canon = {**canon, "system": url.ID_NHS_NUMBER}
    return "nhs", (number, status), canon


def _write_nhs(value: tuple[NHSNumber | None, NHSNumberStatusIndicatorCode | None]) -> dict[str, Any]:
    number, status = value
    out: dict[str, Any] = {"system": url.ID_NHS_NUMBER}
    if number is not None:
        out["value"] = number.compact
    if status is not None:
        out["extension"] = [
            {
                "url": url.EXT_NHS_NUMBER_VERIFICATION,
                "valueCodeableConcept": {
                    "coding": [
                        write_coding(
                            status,
                            url.CS_NHS_NUMBER_VERIFICATION,
                            url.NHS_NUMBER_VERIFICATION_DISPLAY[status.code],
                        )
                    ]
                },
            }
        ]
    return out


def _simple_identifier(tag: str, cls: type[Any]) -> Classifier:
    def classify(r: Reader, item: dict[str, Any], path: str) -> Result:
        if "value" not in item:
            return None
        value = _identifier_value(r, item, path, cls)
        if value is None:
            return None
        if value is ERROR:
            failed: Result = ERROR  # (a separate name: mypy narrows both sides of "is")
            return failed
        canon = item
        if value.compact != item["value"]:
            r.canonicalised(path + ".value", "identifier written in its canonical form")
            canon = {**item, "value": value.compact}
        result: Classified = (tag, value, canon)
        return result

    return classify


_chi = _simple_identifier("chi", CHINumber)
_hc = _simple_identifier("hc", HCNumber)


def _classify_identifier(r: Reader, item: dict[str, Any], path: str) -> Result:
    system = text_of(item.get("system"))
    if system == url.ID_NHS_NUMBER or system in url.LEGACY_NHS_NUMBER_SYSTEMS:
        return _nhs_identifier(r, item, path)
    if system == url.ID_CHI_NUMBER:
        return _chi(r, item, path)
    if system in url.ID_HC_NUMBER_ALL:
        return _hc(r, item, path)
    return read_local_identifier(r, item, path)


_IDENTIFIER_WRITERS: Final[dict[str, Writer]] = {
    "nhs": _write_nhs,
    "chi": lambda value: {"system": url.ID_CHI_NUMBER, "value": value.compact},
    "hc": lambda value: {"system": url.ID_HC_NUMBER, "value": value.compact},
    "local": write_local_identifier,
}


# --- extensions ------------------------------------------------------------------------------


def _classify_extension(r: Reader, item: dict[str, Any], path: str) -> Result:
    ext_url = text_of(item.get("url"))
    legacy = url.LEGACY_EXTENSIONS.get(ext_url or "") == url.EXT_ETHNIC_CATEGORY
    if ext_url != url.EXT_ETHNIC_CATEGORY and not legacy:
        return None
    if "valueCodeableConcept" not in item:
        return None
    found = read_coded(r, item["valueCodeableConcept"], path + ".valueCodeableConcept", _ETHNIC_SYSTEMS)
    if found is None or found is ERROR:
        return found
    member, _ = found
    canon = item
    if legacy:
        r.legacy(path + ".url", "a legacy extension URL")
        canon = {**item, "url": url.EXT_ETHNIC_CATEGORY}
    return "ethnic", member, canon


def _write_ethnic(member: CodedEnum) -> dict[str, Any]:
    return {
        "url": url.EXT_ETHNIC_CATEGORY,
        "valueCodeableConcept": {"coding": [write_coding(member, member.code_system.fhir_system or "")]},
    }


# --- general practitioner --------------------------------------------------------------------


def _reference_identifier(item: dict[str, Any]) -> dict[str, Any] | None:
    identifier = item.get("identifier")
    return identifier if type(identifier) is dict else None


def _classify_gp(has_practice: bool) -> Any:
    def classify(r: Reader, item: dict[str, Any], path: str) -> Result:
        identifier = _reference_identifier(item)
        if identifier is None or "value" not in identifier:
            return None
        system = text_of(identifier.get("system"))
        here = path + ".identifier"
        canon = item
        if system in _ODS_SYSTEMS:
            value = _identifier_value(r, identifier, here, ODSCode)
            tag = "practice"
            period = None
            if value is not None and value is not ERROR and "period" in identifier:
                period = read_period(r, identifier["period"], here + ".period")
            result: Any = (value, period)
        elif system in _GMP_SYSTEMS and has_practice:
            value = _identifier_value(r, identifier, here, GMPCode)
            tag = "gp"
            result = value
        else:
            return None
        if value is None or value is ERROR:
            return value
        fixed = identifier
        if system in url.LEGACY_ODS_SYSTEMS or system in url.LEGACY_GMP_SYSTEMS:
            r.legacy(here + ".system", "a variant identifier system")
            fixed = {**fixed, "system": url.ID_ODS_ORGANISATION if tag == "practice" else url.ID_GMP}
        if value.compact != identifier["value"]:
            r.canonicalised(here + ".value", "identifier written in its canonical form")
            fixed = {**fixed, "value": value.compact}
        if fixed is not identifier:
            canon = {**item, "identifier": fixed}
        return tag, result, canon

    return classify


def _write_practice(value: tuple[ODSCode, Any]) -> dict[str, Any]:
    code, period = value
    identifier: dict[str, Any] = {"system": url.ID_ODS_ORGANISATION, "value": code.compact}
    if period is not None:
        identifier["period"] = write_period(period)
    return {"type": "Organization", "identifier": identifier}


def _write_gp(value: GMPCode) -> dict[str, Any]:
    return {"type": "Practitioner", "identifier": {"system": url.ID_GMP, "value": value.compact}}


_GP_WRITERS: Final[dict[str, Writer]] = {"practice": _write_practice, "gp": _write_gp}


def _has_practice(raw: Any) -> bool:
    if type(raw) is not list:
        return False
    for item in raw:
        if type(item) is dict:
            identifier = _reference_identifier(item)
            if identifier is not None and text_of(identifier.get("system")) in _ODS_SYSTEMS:
                return True
    return False


# --- the resource ----------------------------------------------------------------------------


# Each element reader takes the resource reader, the element's key and its value, and sets the
# model fields the element gives (or records why it cannot).
_ElementReader = Callable[[ResourceReader, str, Any], None]


def _read_identifiers(rr: ResourceReader, key: str, value: Any) -> None:
    taken, template = read_array(
        rr.r,
        value,
        "$." + key,
        _classify_identifier,
        _IDENTIFIER_WRITERS,
        limits={"nhs": 1, "chi": 1, "hc": 1},
    )
    fields = rr.fields
    if "nhs" in taken:
        fields["nhs_number"], fields["nhs_number_status"] = taken["nhs"][0]
    if "chi" in taken:
        fields["chi_number"] = taken["chi"][0]
    if "hc" in taken:
        fields["hc_number"] = taken["hc"][0]
    fields["local_identifiers"] = taken.get("local", ())
    rr.template(key, template)


def _read_extensions(rr: ResourceReader, key: str, value: Any) -> None:
    taken, template = read_array(
        rr.r, value, "$." + key, _classify_extension, {"ethnic": _write_ethnic}, limits={"ethnic": 1}
    )
    if "ethnic" in taken:
        rr.fields["ethnic_category"] = taken["ethnic"][0]
    rr.template(key, template)


def _repeated(tag: str, field: str, read: Classifier, write: Writer) -> _ElementReader:
    """The reader of a repeating element whose every item is one model value (name, telecom, address)."""

    def read_items(rr: ResourceReader, key: str, value: Any) -> None:
        taken, template = read_array(rr.r, value, "$." + key, read, {tag: write})
        rr.fields[field] = taken.get(tag, ())
        rr.template(key, template)

    return read_items


def _read_gender(rr: ResourceReader, key: str, value: Any) -> None:
    gender = code(rr.r, value, "$." + key, AdministrativeGender)
    if gender is not None:
        rr.fields["stated_gender"] = administrative_gender_to_stated_gender(gender)


def _read_birth_date(rr: ResourceReader, key: str, value: Any) -> None:
    path = "$." + key
    text = string(rr.r, value, path)
    if text is not None:
        try:
            rr.fields["birth_date"] = PartialDate.parse(text)
        except ValidationError as error:
            rr.r.error(path, error)


def _read_deceased_boolean(rr: ResourceReader, key: str, value: Any) -> None:
    path = "$." + key
    if type(value) is not bool:
        rr.r.problem(path, f"expected a boolean, got {describe(value)}")
    elif "deceasedDateTime" in rr.resource:
        rr.r.problem(path, "deceased[x] is a choice: deceasedBoolean and deceasedDateTime both given")
    else:
        rr.fields["deceased"] = value


def _read_deceased_date_time(rr: ResourceReader, key: str, value: Any) -> None:
    path = "$." + key
    text = string(rr.r, value, path)
    match = _DATE_TIME.fullmatch(text) if text is not None else None
    if text is not None and match is None:
        rr.r.problem(path, "expected a FHIR dateTime")
    elif match is not None:
        try:
            rr.fields["death_date"] = date = PartialDate.parse(match.group(1))
        except ValidationError as error:
            rr.r.error(path, error)
        else:
            rr.override(key, text, date.isoformat())


def _read_marital_status(rr: ResourceReader, key: str, value: Any) -> None:
    found = read_coded(rr.r, value, "$." + key, _MARITAL_SYSTEMS)
    if found is None:
        rr.keep(key, value)
    elif found is not ERROR:
        member, concept = found
        rr.fields["marital_status"] = member
        rr.override(key, concept, _write_marital(member))


def _read_general_practitioner(rr: ResourceReader, key: str, value: Any) -> None:
    r, path = rr.r, "$." + key
    marks = len(r.problems), len(r.notes)
    limits = {"practice": 1, "gp": 1}
    classify = _classify_gp(_has_practice(value))
    taken, template = read_array(r, value, path, classify, _GP_WRITERS, limits=limits)
    if "gp" in taken and "practice" not in taken:
        # The practice reference was kept as it was (invalid code, preserve mode): a GP
        # without a practice is not a registration, so read again keeping the GP as it is.
        del r.problems[marks[0] :], r.notes[marks[1] :]
        taken, template = read_array(r, value, path, _classify_gp(False), _GP_WRITERS, limits=limits)
    if "practice" in taken:
        practice, period = taken["practice"][0]
        gp = taken["gp"][0] if "gp" in taken else None
        try:
            rr.fields["registered_gp"] = GPRegistration(
                practice=practice, period=period, general_practitioner=gp
            )
        except ValidationError as error:
            r.error(path, error)
    rr.template(key, template)


def _skip(rr: ResourceReader, key: str, value: Any) -> None:
    """resourceType: checked before the resource reaches read_patient."""


# The Patient elements the model holds, by key; any other element is kept as it is.
_ELEMENT_READERS: Final[dict[str, _ElementReader]] = {
    "resourceType": _skip,
    "identifier": _read_identifiers,
    "extension": _read_extensions,
    "name": _repeated("name", "names", read_name, write_name),
    "telecom": _repeated("telecom", "telecom", read_contact_point, write_contact_point),
    "address": _repeated("address", "addresses", read_address, write_address),
    "gender": _read_gender,
    "birthDate": _read_birth_date,
    "deceasedBoolean": _read_deceased_boolean,
    "deceasedDateTime": _read_deceased_date_time,
    "maritalStatus": _read_marital_status,
    "generalPractitioner": _read_general_practitioner,
}


def read_patient(r: Reader, resource: dict[str, Any]) -> Patient | None:
    rr = ResourceReader(r, resource)
    for key, value in resource.items():
        read_element = _ELEMENT_READERS.get(key)
        if read_element is None:
            rr.keep(key, value)
        else:
            read_element(rr, key, value)
    return rr.build(Patient)


def _write_marital(member: CodedEnum) -> dict[str, Any]:
    return {"coding": [write_coding(member, member.fhir_system or "")]}


def write_patient(patient: Patient, problems: list[tuple[str, str]]) -> dict[str, Any]:
    w = ResourceWriter("Patient", patient.extras, problems)
    ids: list[tuple[str, dict[str, Any]]] = []
    if patient.nhs_number is not None or patient.nhs_number_status is not None:
        ids.append(("nhs", _write_nhs((patient.nhs_number, patient.nhs_number_status))))
    if patient.chi_number is not None:
        ids.append(("chi", {"system": url.ID_CHI_NUMBER, "value": patient.chi_number.compact}))
    if patient.hc_number is not None:
        ids.append(("hc", {"system": url.ID_HC_NUMBER, "value": patient.hc_number.compact}))
    ids.extend(("local", write_local_identifier(local)) for local in patient.local_identifiers)
    w.array("identifier", ids)
    exts: list[tuple[str, dict[str, Any]]] = []
    if patient.ethnic_category is not None:
        exts.append(("ethnic", _write_ethnic(patient.ethnic_category)))
    w.array("extension", exts)
    w.array("name", [("name", write_name(name)) for name in patient.names])
    w.array("telecom", [("telecom", write_contact_point(point)) for point in patient.telecom])
    if patient.stated_gender is not None:
        w.value("gender", stated_gender_to_administrative_gender(patient.stated_gender).code)
    if patient.birth_date is not None:
        w.value("birthDate", patient.birth_date.isoformat())
    if patient.death_date is not None:
        w.value("deceasedDateTime", patient.death_date.isoformat())
    elif patient.deceased is not None:
        w.value("deceasedBoolean", patient.deceased)
    w.array("address", [("address", write_address(address)) for address in patient.addresses])
    if patient.marital_status is not None:
        if patient.marital_status.fhir_system is None:
            problems.append(("$.maritalStatus", "a retired marital status code has no FHIR code system"))
        else:
            w.value("maritalStatus", _write_marital(patient.marital_status))
    gps: list[tuple[str, dict[str, Any]]] = []
    registration = patient.registered_gp
    if registration is not None:
        gps.append(("practice", _write_practice((registration.practice, registration.period))))
        if registration.general_practitioner is not None:
            gps.append(("gp", _write_gp(registration.general_practitioner)))
    w.array("generalPractitioner", gps)
    return w.finish(ORDER, {"deceasedBoolean": ("deceasedDateTime",)})

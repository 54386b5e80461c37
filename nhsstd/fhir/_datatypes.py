"""FHIR data types <-> model components, and the array machinery (private).

Readers take a :class:`~nhsstd.fhir._context.Reader`, the JSON value and its
JSON path; they record problems on the reader instead of raising, so that one
call reports every problem in the resource.
"""

from __future__ import annotations

import datetime
import enum
import re
from collections.abc import Callable, Mapping
from typing import Any, Final, Literal, TypeVar

from nhsstd.codes import CodedEnum
from nhsstd.exceptions import InvalidFormat, Reason, ValidationError
from nhsstd.fhir import _urls as url
from nhsstd.fhir._context import (
    Reader,
    carried_by_extension,
    check_kept,
    check_patched,
    describe,
    null_without_extension,
    text_of,
)
from nhsstd.fhir._residual import FP, SLOT, diff, fingerprint
from nhsstd.identifiers._common import Identifier, remembering
from nhsstd.identifiers.ods_code import ODSCode
from nhsstd.identifiers.postcode import is_uk_postcode_country, parse_address_postcode
from nhsstd.identifiers.uprn import UPRN
from nhsstd.models import (
    Address,
    AddressUse,
    Coding,
    ContactPoint,
    ContactPointSystem,
    ContactPointUse,
    HumanName,
    LocalIdentifier,
    NameUse,
    Period,
    Reference,
)
from nhsstd.models._checks import SDS_ID

__all__ = [
    "ERROR",
    "ODS_SYSTEMS",
    "Classified",
    "Failed",
    "Result",
    "coding_concept",
    "read_address",
    "read_array",
    "read_coded",
    "read_contact_point",
    "read_local_identifier",
    "read_name",
    "read_ods_identifier",
    "read_reference",
    "read_sds_id",
    "write_address",
    "write_coding",
    "write_coding_concept",
    "write_contact_point",
    "write_local_identifier",
    "write_name",
    "write_period",
    "write_reference",
]

_E = TypeVar("_E", bound=CodedEnum)
_I = TypeVar("_I", bound=Identifier)


class _Error(enum.Enum):
    ERROR = "error"


#: Returned by a classifier for an item that had problems (already recorded).
ERROR: Final = _Error.ERROR
#: The type of :data:`ERROR`.
Failed = Literal[_Error.ERROR]

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

#: What a classifier returns for a modelled item: (tag, model value, canonicalised input item).
Classified = tuple[str, Any, dict[str, Any]]
#: What a classifier returns: a modelled item, ``None`` (keep the item as it is) or :data:`ERROR`.
Result = Classified | Failed | None


# --- identifiers --------------------------------------------------------------------------------

_PARSERS: Final[dict[type[Any], Callable[[str], Any]]] = {}


def parse_identifier(cls: type[_I], raw: str) -> _I:
    """``cls.parse(raw)``, remembered for the identifiers that are not personal."""
    parse = _PARSERS.get(cls)
    if parse is None:
        parse = cls.parse if cls.personal else remembering(cls.parse)
        _PARSERS[cls] = parse
    value: _I = parse(raw)
    return value


#: :func:`parse_address_postcode`, remembered (postcodes are not personal on their own).
address_postcode: Final = remembering(parse_address_postcode)


# --- primitives -------------------------------------------------------------------------------


def string(r: Reader, value: Any, path: str) -> str | None:
    """A FHIR string: a non-empty JSON string (problem and ``None`` otherwise)."""
    if type(value) is str and value:
        return value
    if isinstance(value, str):
        r.problem(path, "empty strings are not allowed in FHIR", Reason.EMPTY)
    else:
        r.problem(path, f"expected a string, got {describe(value)}")
    return None


_TEXT_ONLY: Final = frozenset({str})


def strings(r: Reader, value: Any, path: str, extensions: Any = None) -> tuple[str, ...] | None:
    """A non-empty array of FHIR strings: the strings, in order.

    *extensions* is the array's ``_name`` partner (primitive extensions, FHIR JSON
    section 2.6.2.7): an item may be ``null`` where the partner has an object at the same
    index -- a value carried by its extensions alone.  Such items are left out of the
    result; the caller keeps both arrays as they were read.
    """
    if type(value) is not list:
        r.problem(path, f"expected an array, got {describe(value)}")
        return None
    if not value:
        r.problem(path, "empty arrays are not allowed in FHIR", Reason.EMPTY)
        return None
    if _TEXT_ONLY.issuperset(map(type, value)) and "" not in value:
        return tuple(value)  # the usual case, without a path per item
    out: list[str] = []
    ok = True
    for index, item in enumerate(value):
        if item is None:
            if not carried_by_extension(extensions, index, len(value)):
                null_without_extension(r, f"{path}[{index}]", path.rsplit(".", 1)[-1])
                ok = False
            continue  # else the value is its extensions
        text = string(r, item, f"{path}[{index}]")
        if text is None:
            ok = False
        else:
            out.append(text)
    return tuple(out) if ok else None


def code(r: Reader, value: Any, path: str, enum: type[_E]) -> _E | None:
    text = string(r, value, path)
    if text is None:
        return None
    try:
        return enum.from_code(text)
    except ValidationError as error:
        r.error(path, error)
        return None


def full_date(value: Any) -> datetime.date | None:
    """A ``YYYY-MM-DD`` string as a date, or ``None`` if it has another shape or is no such day."""
    if type(value) is str and len(value) == 10 and _DATE.fullmatch(value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def object_items(r: Reader, value: Any, path: str) -> list[Any] | None:
    """A non-empty JSON array (of anything; items are checked by the caller)."""
    if type(value) is not list:
        r.problem(path, f"expected an array, got {describe(value)}")
        return None
    if not value:
        r.problem(path, "empty arrays are not allowed in FHIR", Reason.EMPTY)
        return None
    return value


# --- Period ----------------------------------------------------------------------------------


_PERIOD_KEYS: Final = frozenset({"start", "end"})


def read_period(r: Reader, value: Any, path: str) -> Period | None:
    """A Period whose ends are whole dates; ``None`` (left unmodelled) for date-times or partial dates."""
    if type(value) is not dict or not value or not value.keys() <= _PERIOD_KEYS:
        return None
    start = end = None
    if "start" in value:
        start = full_date(value["start"])
        if start is None:
            return None
    if "end" in value:
        end = full_date(value["end"])
        if end is None:
            return None
    try:
        return Period(start=start, end=end)
    except ValidationError as error:
        r.error(path, error)
        return None


def write_period(period: Period) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if period.start is not None:
        out["start"] = period.start.isoformat()
    if period.end is not None:
        out["end"] = period.end.isoformat()
    return out


# --- Coding / CodeableConcept -----------------------------------------------------------------


def write_coding(member: CodedEnum, system: str, display: str | None = None) -> dict[str, Any]:
    return {"system": system, "code": member.code, "display": display or member.label}


def read_coded(
    r: Reader,
    concept: Any,
    path: str,
    systems: Mapping[str, type[CodedEnum]],
    legacy: Mapping[str, str] | None = None,
    legacy_codes: Mapping[str, str] | None = None,
) -> tuple[CodedEnum, dict[str, Any]] | Failed | None:
    """The first coding of a CodeableConcept whose system is one of *systems* (or a legacy alias).

    *legacy_codes* maps the codes of a retired code system (under a legacy alias
    only) to the canonical codes of the same meaning.  Returns ``(member,
    canonicalised concept)``, ``None`` when no coding has a known system (the
    concept is then left unmodelled), or :data:`ERROR`.
    """
    if type(concept) is not dict:
        r.problem(path, f"expected an object, got {describe(concept)}")
        return ERROR
    codings = concept.get("coding")
    if type(codings) is not list:
        return None
    for index, coding in enumerate(codings):
        if type(coding) is not dict:
            continue
        system = coding.get("system")
        canonical_system = system
        if legacy is not None and type(system) is str and system in legacy:
            canonical_system = legacy[system]
        enum = systems.get(canonical_system) if type(canonical_system) is str else None
        if enum is None:
            continue
        here = f"{path}.coding[{index}]"
        raw_code = coding.get("code")
        retired = (
            canonical_system != system and legacy_codes is not None and text_of(raw_code) in legacy_codes
        )
        if retired:
            raw_code = legacy_codes[raw_code]  # type: ignore[index]
        member = code(r, raw_code, here + ".code", enum)
        if member is None:
            return ERROR
        if canonical_system != system:
            what = "a retired code system URL and its textual code" if retired else "a legacy code system URL"
            r.legacy(here + ".system", what)
            fixed = {k: v for k, v in coding.items() if k != "version"}
            fixed["system"] = canonical_system
            if retired:
                fixed["code"] = member.code
            new_codings = list(codings)
            new_codings[index] = fixed
            concept = {**concept, "coding": new_codings}
        return member, concept
    return None


def coding_concept(tag: str) -> Classifier:
    """Classifier of CodeableConcepts held as :class:`Coding`: the first coding with a system and a code.

    Other codings and the concept's ``text`` are kept (as a patch of the item).
    """

    def classify(r: Reader, item: dict[str, Any], path: str) -> Result:
        codings = item.get("coding")
        if type(codings) is not list:
            return None
        for index, coding in enumerate(codings):
            if type(coding) is not dict or "system" not in coding or "code" not in coding:
                continue
            here = f"{path}.coding[{index}]"
            problems = len(r.problems)
            system = string(r, coding["system"], here + ".system")
            value = string(r, coding["code"], here + ".code")
            display = string(r, coding["display"], here + ".display") if "display" in coding else None
            if len(r.problems) > problems or system is None or value is None:
                return ERROR
            try:
                found = Coding(system=system, code=value, display=display)
            except ValidationError as error:
                r.error(here, error)
                return ERROR
            return tag, found, item
        return None

    return classify


def write_coding_concept(coding: Coding) -> dict[str, Any]:
    out: dict[str, Any] = {"system": coding.system, "code": coding.code}
    if coding.display is not None:
        out["display"] = coding.display
    return {"coding": [out]}


# --- identifiers and references --------------------------------------------------------------

#: Identifier systems read as ODS organisation codes (the canonical one and its variants).
ODS_SYSTEMS: Final = frozenset({url.ID_ODS_ORGANISATION}) | url.LEGACY_ODS_SYSTEMS


def read_sds_id(r: Reader, raw: Any, path: str, what: str) -> str | Failed | None:
    """An SDS identifier (ASCII digits): the value, ``None`` to keep it as it is, or :data:`ERROR`."""
    text = string(r, raw, path)
    if text is None:
        return ERROR
    if SDS_ID.fullmatch(text) is None:
        error = InvalidFormat(Reason.FORMAT, kind=None, detail=f"{what}: expected ASCII digits")
        return None if r.invalid_identifier(path, error) else ERROR
    return text


def read_ods_identifier(
    r: Reader, identifier: dict[str, Any], path: str
) -> tuple[ODSCode, dict[str, Any]] | Failed | None:
    """An ODS organisation code identifier (any system of :data:`ODS_SYSTEMS`).

    Returns the code and the identifier with the canonical system and value,
    ``None`` (keep it as it is: another system, or an invalid code kept by
    the identifier mode) or :data:`ERROR`.
    """
    system = text_of(identifier.get("system"))
    if system not in ODS_SYSTEMS or "value" not in identifier:
        return None
    raw = string(r, identifier["value"], path + ".value")
    if raw is None:
        return ERROR
    try:
        code = parse_identifier(ODSCode, raw)
    except ValidationError as error:
        return None if r.invalid_identifier(path + ".value", error) else ERROR
    canon = identifier
    if system != url.ID_ODS_ORGANISATION:
        r.legacy(path + ".system", "a variant identifier system")
        canon = {**canon, "system": url.ID_ODS_ORGANISATION}
    if code.compact != raw:
        r.canonicalised(path + ".value", "identifier written in its canonical form")
        canon = {**canon, "value": code.compact}
    return code, canon


def read_local_identifier(r: Reader, item: dict[str, Any], path: str) -> Result:
    """Any other identifier with a value and a system or an ODS assigner: a local identifier (MRN)."""
    if "value" not in item:
        return None
    problems = len(r.problems)
    value = string(r, item["value"], path + ".value")
    system = string(r, item["system"], path + ".system") if "system" in item else None
    if len(r.problems) > problems or value is None:
        return ERROR
    canon = item
    assigner = None
    reference = item.get("assigner")
    identifier = reference.get("identifier") if type(reference) is dict else None
    if type(reference) is dict and type(identifier) is dict:
        found = read_ods_identifier(r, identifier, path + ".assigner.identifier")
        if found is ERROR:
            return ERROR
        if found is None and text_of(identifier.get("system")) in ODS_SYSTEMS:
            return None  # an invalid ODS code kept by the identifier mode: keep the whole identifier
        if found is not None:
            assigner, fixed = found
            if fixed is not identifier:
                canon = {**canon, "assigner": {**reference, "identifier": fixed}}
    if system is None and assigner is None:
        return None  # a value alone: nothing to say whose number it is
    try:
        local = LocalIdentifier(value=value, system=system, assigner=assigner)
    except ValidationError as error:
        r.error(path, error)
        return ERROR
    return "local", local, canon


def write_local_identifier(local: LocalIdentifier) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if local.system is not None:
        out["system"] = local.system
    out["value"] = local.value
    if local.assigner is not None:
        out["assigner"] = {"identifier": {"system": url.ID_ODS_ORGANISATION, "value": local.assigner.compact}}
    return out


def read_reference(r: Reader, value: Any, path: str) -> tuple[Reference, dict[str, Any]] | Failed | None:
    """A Reference: ``(model, canonicalised input)``, ``None`` when nothing in it is modelled, or ERROR.

    ``reference`` and ``display`` are modelled, and an ``identifier`` that is an
    ODS organisation code or an SDS user ID; anything else (``type``, other
    identifiers, extensions) is left to the caller's patch.
    """
    if type(value) is not dict:
        r.problem(path, f"expected an object, got {describe(value)}")
        return ERROR
    if not value:
        r.problem(path, "empty objects are not allowed in FHIR", Reason.EMPTY)
        return ERROR
    problems = len(r.problems)
    fields: dict[str, Any] = {}
    canon = value
    if "reference" in value:
        fields["reference"] = string(r, value["reference"], path + ".reference")
    if "display" in value:
        fields["display"] = string(r, value["display"], path + ".display")
    identifier = value.get("identifier")
    if type(identifier) is dict:
        here = path + ".identifier"
        system = text_of(identifier.get("system"))
        if system in ODS_SYSTEMS:
            found = read_ods_identifier(r, identifier, here)
            if found is ERROR:
                return ERROR
            if found is not None:
                fields["ods_code"], fixed = found
                if fixed is not identifier:
                    canon = {**canon, "identifier": fixed}
        elif system == url.ID_SDS_USER and "value" in identifier:
            sds = read_sds_id(r, identifier["value"], here + ".value", "SDS user ID")
            if sds is ERROR:
                return ERROR
            if sds is not None:
                fields["sds_user_id"] = sds
    if len(r.problems) > problems:
        return ERROR
    if not any(field is not None for field in fields.values()):
        return None
    try:
        reference = Reference(**fields)
    except ValidationError as error:
        r.error(path, error)
        return ERROR
    return reference, canon


def write_reference(reference: Reference) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if reference.reference is not None:
        out["reference"] = reference.reference
    if reference.ods_code is not None:
        out["identifier"] = {"system": url.ID_ODS_ORGANISATION, "value": reference.ods_code.compact}
    elif reference.sds_user_id is not None:
        out["identifier"] = {"system": url.ID_SDS_USER, "value": reference.sds_user_id}
    if reference.display is not None:
        out["display"] = reference.display
    return out


# --- HumanName -------------------------------------------------------------------------------


def read_name(r: Reader, item: dict[str, Any], path: str) -> Result:
    use = text = family = None
    given: tuple[str, ...] = ()
    prefix: tuple[str, ...] = ()
    suffix: tuple[str, ...] = ()
    period = None
    problems = len(r.problems)
    if "use" in item:
        use = code(r, item["use"], path + ".use", NameUse)
    if "text" in item:
        text = string(r, item["text"], path + ".text")
    if "family" in item:
        family = string(r, item["family"], path + ".family")
    if "given" in item:
        given = strings(r, item["given"], path + ".given", item.get("_given")) or ()
    if "prefix" in item:
        prefix = strings(r, item["prefix"], path + ".prefix", item.get("_prefix")) or ()
    if "suffix" in item:
        suffix = strings(r, item["suffix"], path + ".suffix", item.get("_suffix")) or ()
    if "period" in item:
        period = read_period(r, item["period"], path + ".period")
    if len(r.problems) > problems:
        return ERROR
    if text is None and family is None and not given:
        return None  # a name with only a prefix, or only extensions: valid FHIR, not a model name
    try:
        name = HumanName(
            use=use, text=text, family=family, given=given, prefix=prefix, suffix=suffix, period=period
        )
    except ValidationError as error:
        r.error(path, error)
        return ERROR
    return "name", name, item


def write_name(name: HumanName) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if name.use is not None:
        out["use"] = name.use.code
    if name.text is not None:
        out["text"] = name.text
    if name.family is not None:
        out["family"] = name.family
    if name.given:
        out["given"] = list(name.given)
    if name.prefix:
        out["prefix"] = list(name.prefix)
    if name.suffix:
        out["suffix"] = list(name.suffix)
    if name.period is not None:
        out["period"] = write_period(name.period)
    return out


# --- ContactPoint ----------------------------------------------------------------------------


def read_contact_point(r: Reader, item: dict[str, Any], path: str) -> Result:
    if "system" not in item or "value" not in item:
        return None
    problems = len(r.problems)
    system = code(r, item["system"], path + ".system", ContactPointSystem)
    value = string(r, item["value"], path + ".value")
    use = code(r, item["use"], path + ".use", ContactPointUse) if "use" in item else None
    rank = None
    if "rank" in item:
        rank = item["rank"]
        if type(rank) is not int or rank < 1:
            r.problem(path + ".rank", "expected a positive integer")
    period = read_period(r, item["period"], path + ".period") if "period" in item else None
    if len(r.problems) > problems or system is None or value is None:
        return ERROR
    try:
        point = ContactPoint(system=system, value=value, use=use, rank=rank, period=period)
    except ValidationError as error:
        r.error(path, error)
        return ERROR
    return "telecom", point, item


def write_contact_point(point: ContactPoint) -> dict[str, Any]:
    out: dict[str, Any] = {"system": point.system.code, "value": point.value}
    if point.use is not None:
        out["use"] = point.use.code
    if point.rank is not None:
        out["rank"] = point.rank
    if point.period is not None:
        out["period"] = write_period(point.period)
    return out


# --- Address ---------------------------------------------------------------------------------


def _uprn_key(r: Reader, ext: dict[str, Any], path: str) -> tuple[UPRN, bool] | Failed | None:
    """An AddressKey extension of type UPRN -> (UPRN, legacy url?); None if another key type."""
    inner = ext.get("extension")
    if type(inner) is not list:
        return None
    key_type = value = None
    for part in inner:
        if type(part) is not dict:
            return None
        if part.get("url") == "type":
            coding = part.get("valueCoding")
            if type(coding) is dict and coding.get("system") == url.CS_ADDRESS_KEY_TYPE:
                key_type = coding.get("code")
        elif part.get("url") == "value":
            value = part.get("valueString")
    if key_type != "UPRN" or type(value) is not str:
        return None
    try:
        return parse_identifier(UPRN, value), False
    except ValidationError as error:
        here = f"{path}.extension[{_index_of_value(inner)}].valueString"
        if r.invalid_identifier(here, error):
            return None
        return ERROR


def _index_of_value(parts: list[Any]) -> int:
    for index, part in enumerate(parts):
        if type(part) is dict and part.get("url") == "value":
            return index
    return 0


def read_address(r: Reader, item: dict[str, Any], path: str) -> Result:
    problems = len(r.problems)
    fields: dict[str, Any] = {}
    canon = item
    if "use" in item:
        fields["use"] = code(r, item["use"], path + ".use", AddressUse)
    if "text" in item:
        fields["text"] = string(r, item["text"], path + ".text")
    if "line" in item:
        fields["lines"] = strings(r, item["line"], path + ".line", item.get("_line")) or ()
    for key in ("city", "district", "country"):
        if key in item:
            fields[key] = string(r, item[key], f"{path}.{key}")
    if "postalCode" in item:
        raw = string(r, item["postalCode"], path + ".postalCode")
        # An address abroad has its own country's postal code: kept as given, not judged.
        if raw is not None and is_uk_postcode_country(fields.get("country")):
            try:
                postcode = address_postcode(raw)
            except ValidationError as error:
                if not r.invalid_identifier(path + ".postalCode", error):
                    return ERROR
            else:
                fields["postcode"] = postcode
                formatted = postcode.formatted
                if formatted != raw:
                    r.canonicalised(path + ".postalCode", "postcode written in its canonical form")
                    canon = {**canon, "postalCode": formatted}
    if "period" in item:
        fields["period"] = read_period(r, item["period"], path + ".period")
    extensions = item.get("extension")
    if type(extensions) is list:
        for index, ext in enumerate(extensions):
            if type(ext) is not dict:
                continue
            ext_url = text_of(ext.get("url"))
            legacy = (
                ext_url in url.LEGACY_EXTENSIONS and url.LEGACY_EXTENSIONS[ext_url] == url.EXT_ADDRESS_KEY
            )
            if ext_url != url.EXT_ADDRESS_KEY and not legacy:
                continue
            found = _uprn_key(r, ext, f"{path}.extension[{index}]")
            if found is ERROR:
                return ERROR
            if found is None or "uprn" in fields:
                continue
            uprn, _ = found
            fields["uprn"] = uprn
            if legacy:
                r.legacy(f"{path}.extension[{index}].url", "a legacy extension URL")
                new_extensions = list(extensions)
                new_extensions[index] = {**ext, "url": url.EXT_ADDRESS_KEY}
                canon = {**canon, "extension": new_extensions}
    if len(r.problems) > problems:
        return ERROR
    get = fields.get
    if not (
        get("text")
        or get("lines")
        or get("city")
        or get("district")
        or get("postcode")
        or get("country")
        or get("uprn")
    ):
        return None  # nothing modelled in it (only extensions, a PAF key...): keep it as it is
    try:
        address = Address(**fields)
    except ValidationError as error:
        r.error(path, error)
        return ERROR
    return "address", address, canon


def write_uprn_key(uprn: UPRN) -> dict[str, Any]:
    return {
        "url": url.EXT_ADDRESS_KEY,
        "extension": [
            {"url": "type", "valueCoding": {"system": url.CS_ADDRESS_KEY_TYPE, "code": "UPRN"}},
            {"url": "value", "valueString": uprn.compact},
        ],
    }


def write_address(address: Address) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if address.uprn is not None:
        out["extension"] = [write_uprn_key(address.uprn)]
    if address.use is not None:
        out["use"] = address.use.code
    if address.text is not None:
        out["text"] = address.text
    if address.lines:
        out["line"] = list(address.lines)
    if address.city is not None:
        out["city"] = address.city
    if address.district is not None:
        out["district"] = address.district
    if address.postcode is not None:
        out["postalCode"] = address.postcode.formatted
    if address.country is not None:
        out["country"] = address.country
    if address.period is not None:
        out["period"] = write_period(address.period)
    return out


# --- arrays ----------------------------------------------------------------------------------

Classifier = Callable[[Reader, dict[str, Any], str], Result]
Writer = Callable[[Any], dict[str, Any]]


def read_array(
    r: Reader,
    raw: Any,
    path: str,
    classify: Classifier,
    writers: Mapping[str, Writer],
    *,
    limits: Mapping[str, int] | None = None,
) -> tuple[dict[str, tuple[Any, ...]], list[Any] | None]:
    """Read an array whose items the model holds (some of them, or all).

    Returns the model values by tag (tuples, as the models hold them), and the template
    to store in extras, or ``None`` when writing the values back gives the array as it was.
    *limits* caps how many items of a tag the model can hold (the rest are
    kept as they are).
    """
    items = object_items(r, raw, path)
    taken: dict[str, list[Any]] = {}
    if items is None:
        return {}, None
    template: list[Any] = []
    needed = False
    tags: list[str] = []
    keep = r.keep_unknown
    for index, item in enumerate(items):
        here = f"{path}[{index}]"
        if type(item) is not dict:
            r.problem(here, f"expected an object, got {describe(item)}")
            continue
        if not item:
            r.problem(here, "empty objects are not allowed in FHIR", Reason.EMPTY)
            continue
        result = classify(r, item, here)
        if result is ERROR:
            continue
        if result is not None:
            tag, value, canon = result
            if limits is not None and tag in limits and len(taken.get(tag, ())) >= limits[tag]:
                result = None
        if result is None:
            r.unknown(here)
            if keep:
                check_kept(r, item, here)
                template.append(item)
            needed = True
            continue
        taken.setdefault(tag, []).append(value)
        tags.append(tag)
        canonical = writers[tag](value)
        if canon == canonical:
            template.append({SLOT: tag})
            continue
        patch = diff(canon, canonical)
        check_patched(r, canon, patch, here)
        if keep:
            template.append({SLOT: tag, FP: fingerprint(canonical), **patch})
            needed = True
    if not needed:
        order = list(writers)
        if tags != sorted(tags, key=order.index):
            needed = True
    values = {tag: tuple(found) for tag, found in taken.items()}
    if not needed or not keep:
        return values, None
    return values, template

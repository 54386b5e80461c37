"""PID and PD1 <-> :class:`nhsstd.models.Patient` (private module; import from :mod:`nhsstd.hl7v2`).

The mapping (NHS ITK ADT conventions, ``research/serialisers.md`` section 2):

========  ==================================  ==========================================
Field     Content                             Model
========  ==================================  ==========================================
PID-3     ``<number>^^^NHS^NH``               ``nhs_number``
PID-3     ``<number>^^^CHI^NH``               ``chi_number``
PID-3     ``<number>^^^HSNI^NH``              ``hc_number``
PID-3     ``<mrn>^^^<trust ODS code>^MR``     ``local_identifiers`` (value, assigner;
          (``^^^<ODS>&<system>&URI^MR``)      the system from CX.4.2 when CX.4.3 is URI)
PID-5     XPN family^given^middle^suffix^     ``names`` (use from XPN.7, period from
          prefix, XPN.7, XPN.12/13            XPN.12/XPN.13)
PID-7     ``YYYY[MM[DD]]``                    ``birth_date`` (partial dates kept)
PID-8     ``M`` ``F`` ``O`` ``U``             ``stated_gender`` (via administrative gender)
PID-10    race (HL7 table 0005)               not modelled: kept as it is in extras
PID-11    XAD line1^line2^city^county^        ``addresses``
          postcode^country^type, XAD.13/14
PID-13    XTN number^use^equipment^e-mail,    ``telecom`` (personal: every use but work)
          XTN.13/14 dates, XTN.18 order
PID-14    XTN, as PID-13                      ``telecom`` (work, XTN.2 ``WPN``)
PID-16    CE, ITK table 0002 (the NHS list)   ``marital_status``
PID-22    CE, ITK table 0189 (the NHS list)   ``ethnic_category``
PID-29    ``YYYY[MM[DD]]``                    ``death_date``
PID-30    ``Y`` / ``N``                       ``deceased`` (``Y`` whenever PID-29 is set)
PID-32    ``NSTS01`` ... ``NSTS08``           ``nhs_number_status``
PD1-3     ``^^<practice ODS code>``           ``registered_gp.practice``
PD1-4     ``<GMP code>``                      ``registered_gp.general_practitioner``
========  ==================================  ==========================================

Everything else in PID and PD1 -- other fields, other components, other
repetitions, explicit nulls, and any value written differently from the
canonical form -- is kept in ``patient.extras["hl7v2"]`` (as JSON text) so that writing the
patient back gives the same segments (escapes aside).  Kept values are
re-attached only while the modelled value they belong to is unchanged.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from nhsstd._serialisation import Problem, SerialisationError
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
from nhsstd.exceptions import Reason, ValidationError
from nhsstd.fhir._context import (
    IdentifierMode,
    Reader,
    WarningHandler,
    check_handler,
    deliver,
)
from nhsstd.fhir._residual import FP, SLOT, fingerprint, is_slot, thaw
from nhsstd.fhir._resource import dump_residual, load_residual
from nhsstd.hl7v2._er7 import (
    _RAW_NULL,
    DEFAULT_DELIMITERS,
    Delimiters,
    Message,
    Segment,
    escape,
    join_components,
    parse_message,
    parse_segment,
    unescape,
)
from nhsstd.hl7v2._errors import HL7v2Error
from nhsstd.identifiers import nhs_number
from nhsstd.identifiers.chi_number import CHINumber
from nhsstd.identifiers.gmp_code import GMPCode
from nhsstd.identifiers.hc_number import HCNumber
from nhsstd.identifiers.nhs_number import NHSNumber
from nhsstd.identifiers.ods_code import ODSCode
from nhsstd.identifiers.postcode import is_uk_postcode_country, parse_address_postcode
from nhsstd.models import (
    Address,
    AddressUse,
    ContactPoint,
    ContactPointSystem,
    ContactPointUse,
    GPRegistration,
    HumanName,
    LocalIdentifier,
    NameUse,
    PartialDate,
    Patient,
    Period,
)

__all__ = ["patient_from_hl7", "patient_to_hl7", "patient_to_segments"]


#: A decoded field: repetitions -> components -> subcomponents; ``None`` is the explicit null.
Tree = list[list[list[str | None]]]

OVERRIDE: Final = "="

#: CX.4 assigning authority -> (tag, value class).
_AUTHORITIES: Final[dict[str, tuple[str, type[Any]]]] = {
    "NHS": ("nhs", NHSNumber),
    "CHI": ("chi", CHINumber),
    "HSNI": ("hc", HCNumber),
}
_TAG_AUTHORITY: Final = {tag: authority for authority, (tag, _) in _AUTHORITIES.items()}
#: CX.5 identifier type code of an NHS Number (HL7 table 0203 ``NH``, national health number,
#: as NHS ITK ADT uses it; research/serialisers.md section 2): with any assigning authority but
#: CHI or HSNI -- a trust's ODS code, none, or the NHS Number OID -- the number is the NHS Number.
_NHS_NUMBER_TYPE: Final = "NH"

# HL7 table 0200 (name type) -> FHIR name-use, after the HL7 v2-to-FHIR ConceptMap; the first
# code listed for a use is the one written.
_NAME_TYPES: Final = {
    "L": NameUse.OFFICIAL,
    "R": NameUse.OFFICIAL,
    "D": NameUse.USUAL,
    "M": NameUse.MAIDEN,
    "N": NameUse.NICKNAME,
    "MSK": NameUse.ANONYMOUS,
    "TEMP": NameUse.TEMP,
    "NAV": NameUse.TEMP,
    "BAD": NameUse.OLD,
}
_NAME_TYPE_WRITTEN: Final = {use: code for code, use in reversed(list(_NAME_TYPES.items()))}

# HL7 table 0190 (address type) -> FHIR address-use, by the meanings of the codes.
_ADDRESS_TYPES: Final = {
    "H": AddressUse.HOME,
    "O": AddressUse.WORK,
    "B": AddressUse.WORK,
    "C": AddressUse.TEMP,
    "BA": AddressUse.OLD,
    "BI": AddressUse.BILLING,
}
_ADDRESS_TYPE_WRITTEN: Final = {use: code for code, use in reversed(list(_ADDRESS_TYPES.items()))}

# HL7 table 0001 -> FHIR administrative-gender (HL7 v2-to-FHIR ConceptMap: A and N are "other").
_SEX: Final = {
    "M": AdministrativeGender.MALE,
    "F": AdministrativeGender.FEMALE,
    "O": AdministrativeGender.OTHER,
    "U": AdministrativeGender.UNKNOWN,
    "A": AdministrativeGender.OTHER,
    "N": AdministrativeGender.OTHER,
}
_SEX_WRITTEN: Final = {
    AdministrativeGender.MALE: "M",
    AdministrativeGender.FEMALE: "F",
    AdministrativeGender.OTHER: "O",
    AdministrativeGender.UNKNOWN: "U",
}

# HL7 table 0201 (telecommunication use code), XTN.2 -> FHIR contact-point-use, by the meanings of
# the codes (ORN "other residence" is a home too); NET (e-mail), ASN, EMR and BPN have no FHIR use.
_TELECOM_USES: Final = {
    "PRN": ContactPointUse.HOME,
    "ORN": ContactPointUse.HOME,
    "WPN": ContactPointUse.WORK,
    "VHN": ContactPointUse.TEMP,
}
# A mobile is written PRN with equipment type CP (FHIR's "mobile" use is HL7's equipment type).
_TELECOM_USE_WRITTEN: Final = {
    ContactPointUse.HOME: "PRN",
    ContactPointUse.WORK: "WPN",
    ContactPointUse.TEMP: "VHN",
    ContactPointUse.MOBILE: "PRN",
}
# HL7 table 0202 (telecommunication equipment type), XTN.3 -> FHIR contact-point-system.
_EQUIPMENT: Final = {
    "PH": ContactPointSystem.PHONE,
    "CP": ContactPointSystem.PHONE,
    "FX": ContactPointSystem.FAX,
    "BP": ContactPointSystem.PAGER,
    "Internet": ContactPointSystem.EMAIL,
    "X.400": ContactPointSystem.EMAIL,
}
_EQUIPMENT_WRITTEN: Final = {
    ContactPointSystem.PHONE: "PH",
    ContactPointSystem.FAX: "FX",
    ContactPointSystem.PAGER: "BP",
    ContactPointSystem.EMAIL: "Internet",
}
_MOBILE_EQUIPMENT: Final = "CP"
_EMAIL_USE: Final = "NET"

# PID-16 and PID-22 (CE): the NHS ITK HL7 v2 ADT specification (v1.1) redefines table 0002
# (marital status) as PERSON MARITAL STATUS and table 0189 (ethnic group) as ETHNIC CATEGORY, the
# England lists.  The Welsh and Scottish lists name their UK Core code system in CE.3, since
# their letters mean other things.
_DEFAULT_CODING_SYSTEMS: Final = frozenset({"", "HL70002", "HL70189"})
_MARITAL: Final = (PersonMaritalStatus, PersonMaritalStatusScotland)
_ETHNIC: Final = (EthnicCategoryEngland, EthnicCategoryWales, EthnicCategoryScotland)

# HL7 table 0136 (yes/no indicator), PID-30 Patient Death Indicator.
_DECEASED: Final = {"Y": True, "N": False}

_TS_DATE: Final = re.compile(r"([0-9]{4})(?:([0-9]{2})(?:([0-9]{2}))?)?")
_STATUS: Final = re.compile(r"NSTS(0[1-8])")

_NUMBER_PRESENT: Final = frozenset(
    {NHSNumberStatusIndicatorCode.VERIFIED, NHSNumberStatusIndicatorCode.NOT_TRACED}
)

_PID_MAPPED: Final = frozenset({3, 5, 7, 8, 11, 13, 14, 16, 22, 29, 30, 32})
#: PID-13 holds personal telecom, PID-14 business telecom (XTN.2 WPN).
_HOME_PHONE, _BUSINESS_PHONE = 13, 14
_PD1_MAPPED: Final = frozenset({3, 4})


# --- trees ----------------------------------------------------------------------------------


def _trim(values: list[Any]) -> list[Any]:
    while values and (values[-1] == "" or values[-1] == [] or values[-1] == [""]):
        values.pop()
    return values


def _decode(segment: Segment, number: int) -> Tree:
    """Field *number* as a tree; trailing empty repetitions (``F~^``, ``F~``) carry nothing and
    are dropped, as trailing empty components are (HL7 v2.5.1 chapter 2, section 2.5.3: an
    empty value is "not present"), so that the tree renders back to text that reads as it."""
    raw = segment.field(number)
    if not raw:
        return []
    d = segment.delimiters
    tree: Tree = []
    for r_index, rep in enumerate(raw.split(d.repetition), start=1):
        comps: list[list[str | None]] = []
        for c_index, comp in enumerate(rep.split(d.component), start=1):
            subs: list[str | None] = []
            for s_index, sub in enumerate(comp.split(d.subcomponent), start=1):
                if sub == _RAW_NULL:
                    subs.append(None)
                else:
                    location = f"{segment.name}-{number}[{r_index}].{c_index}.{s_index}"
                    subs.append(unescape(sub, d, charset=segment.charset, location=location))
            comps.append(_trim(subs))
        tree.append(_trim(comps))
    return _trim(tree)


def _render(tree: Sequence[Any], d: Delimiters) -> str:
    reps = []
    for rep in tree:
        comps = []
        for comp in rep:
            subs = [_RAW_NULL if sub is None else escape(sub, d) for sub in comp]
            comps.append(join_components(subs, d.subcomponent))
        reps.append(join_components(comps, d.component))
    return d.repetition.join(reps).rstrip(d.repetition) if any(reps) else ""


def _value(rep: list[list[str | None]], component: int, subcomponent: int = 1) -> str:
    """The text at a component (1-based) of a repetition; ``""`` when absent or null."""
    if component > len(rep):
        return ""
    comp = rep[component - 1]
    if subcomponent > len(comp):
        return ""
    return comp[subcomponent - 1] or ""


def _rep(*components: str | None) -> list[list[str | None]]:
    """A repetition from component texts (``None``/``""`` = empty), trimmed."""
    return _trim([[value] if value else [] for value in components])


# --- reading --------------------------------------------------------------------------------


class _Reader(Reader):
    """The FHIR reader's problems, warnings and identifier modes, plus the PID/PD1 fields read
    and what is kept of the segments for writing them back."""

    __slots__ = ("extras", "fields")

    def __init__(self, identifiers: str, keep_unknown: bool) -> None:
        super().__init__(identifiers=identifiers, strict=False, keep_unknown=bool(keep_unknown))
        self.fields: dict[str, Any] = {}
        self.extras: dict[str, dict[str, Any]] = {}

    def store(self, segment: str, number: int, value: Any) -> None:
        if self.keep_unknown:
            self.extras.setdefault(segment, {})[str(number)] = value

    def single(self, segment: str, number: int, original: Tree, canonical: Tree) -> None:
        """A modelled, non-repeating field: remember the original if it differs."""
        if original != canonical:
            self.store(segment, number, {SLOT: OVERRIDE, FP: fingerprint(canonical), "value": original})


def _identifier(r: _Reader, raw: str, path: str, cls: type[Any]) -> Any:
    try:
        return cls.parse(raw)
    except ValidationError as error:
        return None if r.invalid_identifier(path, error) else _ERROR


_ERROR: Final = object()


def _repeating(
    r: _Reader,
    segment: str,
    number: int,
    tree: Tree,
    classify: Any,
    writers: Mapping[str, Any],
    limits: Mapping[str, int] | None = None,
) -> dict[str, list[Any]]:
    """A modelled repeating field: map what the model holds, keep the rest in a template."""
    taken: dict[str, list[Any]] = {}
    template: list[Any] = []
    needed = False
    tags: list[str] = []
    for index, rep in enumerate(tree, start=1):
        path = f"{segment}-{number}[{index}]"
        result = classify(r, rep, path) if rep else None
        if result is _ERROR:
            continue
        if result is not None:
            tag, value = result
            if limits is not None and len(taken.get(tag, ())) >= limits.get(tag, 1 << 30):
                result = None
        if result is None:
            template.append(rep)
            needed = True
            continue
        taken.setdefault(tag, []).append(value)
        tags.append(tag)
        canonical = writers[tag](value)
        if canonical == rep:
            template.append({SLOT: tag})
        else:
            template.append({SLOT: tag, FP: fingerprint(canonical), "value": rep})
            needed = True
    order = list(writers)
    if not needed and tags != sorted(tags, key=order.index):
        needed = True
    if needed:
        r.store(segment, number, template)
    return taken


def _classify_cx(r: _Reader, rep: list[list[str | None]], path: str) -> Any:
    authority = _value(rep, 4)
    known = _AUTHORITIES.get(authority)
    value = _value(rep, 1)
    if known is None and (_value(rep, 5) == _NHS_NUMBER_TYPE or _value(rep, 4, 2) == nhs_number.OID):
        known = _AUTHORITIES["NHS"]
    if known is None:
        return _classify_local(r, rep, path) if _value(rep, 5) == "MR" else None
    tag, cls = known
    if not value:
        return None
    found = _identifier(r, value, path + ".1", cls)
    if found is None or found is _ERROR:
        return found
    return tag, found


def _write_cx(tag: str) -> Any:
    return lambda value: _rep(value.compact, None, None, _TAG_AUTHORITY[tag], "NH")


def _classify_local(r: _Reader, rep: list[list[str | None]], path: str) -> Any:
    """An MR repetition: CX.1 the number, CX.4 the assigning authority (HD: ODS code, URI, ``URI``)."""
    value = _value(rep, 1)
    if not value:
        return None
    namespace, universal = _value(rep, 4), _value(rep, 4, 2)
    system = universal if universal and _value(rep, 4, 3) == "URI" else None
    assigner = None
    if namespace:
        assigner = _identifier(r, namespace, path + ".4", ODSCode)
        if assigner is None or assigner is _ERROR:
            return assigner
    if assigner is None and system is None:
        return None
    try:
        return "local", LocalIdentifier(value=value, system=system, assigner=assigner)
    except ValidationError as error:
        r.error(path, error)
        return _ERROR


def _write_local(local: LocalIdentifier) -> list[list[str | None]]:
    namespace = local.assigner.compact if local.assigner is not None else ""
    authority: list[str | None] = [namespace] if local.system is None else [namespace, local.system, "URI"]
    return [[local.value], [], [], authority, ["MR"]]


_CX_WRITERS: Final = {**{tag: _write_cx(tag) for tag in ("nhs", "chi", "hc")}, "local": _write_local}


def _dtm_date(text: str) -> PartialDate | None:
    """The date part of a DTM/TS: ``YYYY[MM[DD]]`` optionally followed by a time; None if another shape."""
    match = _TS_DATE.match(text)
    if match is None:
        return None
    year, month, day = match.groups()
    rest = text[match.end() :]
    if rest and (day is None or not rest[0].isdigit()):
        return None
    try:
        return PartialDate(
            int(year), None if month is None else int(month), None if day is None else int(day)
        )
    except ValidationError:
        return None


def _write_deceased(deceased: bool | None) -> Tree:
    if deceased is None:
        return []
    return [[["Y" if deceased else "N"]]]


def _dtm(date: PartialDate) -> str:
    return date.isoformat().replace("-", "")


def _full_date(text: str) -> Any:
    if len(text) != 8 or not text.isdigit():
        return None
    found = _dtm_date(text)
    return found.to_date() if found is not None else None


def _classify_xpn(r: _Reader, rep: list[list[str | None]], path: str) -> Any:
    family = _value(rep, 1) or None
    first = _value(rep, 2)
    middle = _value(rep, 3)
    given = tuple(part for part in (first, middle) if part)
    if middle and not first:
        return None
    suffix = _value(rep, 4)
    prefix = _value(rep, 5)
    use = _NAME_TYPES.get(_value(rep, 7))
    start, end = _full_date(_value(rep, 12)), _full_date(_value(rep, 13))
    period = None
    if start is not None or end is not None:
        try:
            period = Period(start=start, end=end)
        except ValidationError:
            period = None
    if family is None and not given:
        return None
    try:
        name = HumanName(
            use=use,
            family=family,
            given=given,
            prefix=(prefix,) if prefix else (),
            suffix=(suffix,) if suffix else (),
            period=period,
        )
    except ValidationError as error:
        r.error(path, error)
        return _ERROR
    return "name", name


def _write_xpn(name: HumanName) -> list[list[str | None]]:
    given = name.given
    comps: list[str | None] = [
        name.family,
        given[0] if given else None,
        " ".join(given[1:]) if len(given) > 1 else None,
        name.suffix[0] if name.suffix else None,
        name.prefix[0] if name.prefix else None,
        None,
        _NAME_TYPE_WRITTEN[name.use] if name.use is not None else None,
    ]
    if name.period is not None:
        comps.extend([None, None, None, None])
        comps.append(name.period.start.strftime("%Y%m%d") if name.period.start else None)
        comps.append(name.period.end.strftime("%Y%m%d") if name.period.end else None)
    return _rep(*comps)


def _classify_xad(r: _Reader, rep: list[list[str | None]], path: str) -> Any:
    fields: dict[str, Any] = {}
    lines = tuple(line for line in (_value(rep, 1), _value(rep, 2)) if line)
    if _value(rep, 2) and not _value(rep, 1):
        return None
    if lines:
        fields["lines"] = lines
    for key, component in (("city", 3), ("district", 4), ("country", 6)):
        if _value(rep, component):
            fields[key] = _value(rep, component)
    raw_postcode = _value(rep, 5)
    # An address abroad has its own country's postal code: not judged, and not in the model (the
    # repetition, written differently from the model's address, is kept as given).
    if raw_postcode and is_uk_postcode_country(fields.get("country")):
        try:
            fields["postcode"] = parse_address_postcode(raw_postcode)
        except ValidationError as error:
            if not r.invalid_identifier(path + ".5", error):
                return _ERROR
            return None
    use = _ADDRESS_TYPES.get(_value(rep, 7))
    if use is not None:
        fields["use"] = use
    start, end = _full_date(_value(rep, 13)), _full_date(_value(rep, 14))
    if start is not None or end is not None:
        with contextlib.suppress(ValidationError):
            fields["period"] = Period(start=start, end=end)
    if not any(key in fields for key in ("lines", "city", "district", "country", "postcode")):
        return None
    try:
        return "address", Address(**fields)
    except ValidationError as error:
        r.error(path, error)
        return _ERROR


def _write_xad(address: Address) -> list[list[str | None]]:
    lines = address.lines
    comps: list[str | None] = [
        lines[0] if lines else None,
        lines[1] if len(lines) > 1 else None,
        address.city,
        address.district,
        address.postcode.formatted if address.postcode is not None else None,
        address.country,
        _ADDRESS_TYPE_WRITTEN[address.use] if address.use is not None else None,
    ]
    if address.period is not None:
        comps.extend([None] * 5)
        comps.append(address.period.start.strftime("%Y%m%d") if address.period.start else None)
        comps.append(address.period.end.strftime("%Y%m%d") if address.period.end else None)
    return _rep(*comps)


def _telecom_field(contact: ContactPoint) -> int:
    return _BUSINESS_PHONE if contact.use is ContactPointUse.WORK else _HOME_PHONE


def _classify_xtn(number: int) -> Any:
    """XTN (HL7 v2.5.1 chapter 2A.89): XTN.2 use (table 0201), XTN.3 equipment (table 0202),
    the number in XTN.1 (or XTN.12, unformatted), an e-mail address in XTN.4; v2.6+ dates in
    XTN.13/14 and v2.7 preference order in XTN.18.  A repetition is read only where the writer
    would put it back: business (WPN) numbers in PID-14, all others in PID-13."""
    default_use = ContactPointUse.WORK if number == _BUSINESS_PHONE else None

    def classify(r: _Reader, rep: list[list[str | None]], path: str) -> Any:
        equipment = _value(rep, 3)
        system = _EQUIPMENT.get(equipment) if equipment else ContactPointSystem.PHONE
        if system is None:
            return None
        if system is ContactPointSystem.EMAIL:
            value = _value(rep, 4) or _value(rep, 1)
        else:
            value = _value(rep, 1) or _value(rep, 12)
        if not value:
            return None
        use_code = _value(rep, 2)
        use = _TELECOM_USES.get(use_code, default_use) if use_code != _EMAIL_USE else None
        if equipment == _MOBILE_EQUIPMENT:
            use = ContactPointUse.MOBILE
        rank_text = _value(rep, 18)
        if rank_text and not (rank_text.isascii() and rank_text.isdigit()):
            return None
        start, end = _full_date(_value(rep, 13)), _full_date(_value(rep, 14))
        period = None
        if start is not None or end is not None:
            with contextlib.suppress(ValidationError):
                period = Period(start=start, end=end)
        try:
            contact = ContactPoint(
                system=system, value=value, use=use, rank=int(rank_text) if rank_text else None, period=period
            )
        except ValidationError as error:
            r.error(path, error)
            return _ERROR
        return ("telecom", contact) if _telecom_field(contact) == number else None

    return classify


def _write_xtn(contact: ContactPoint) -> list[list[str | None]]:
    email = contact.system is ContactPointSystem.EMAIL
    mobile = contact.use is ContactPointUse.MOBILE and contact.system is ContactPointSystem.PHONE
    # lossy=True: a use with no code (old, or mobile for other than a phone) is left out.
    use = _TELECOM_USE_WRITTEN.get(contact.use) if contact.use is not None else None
    if contact.use is ContactPointUse.MOBILE and not mobile:
        use = None
    equipment = _MOBILE_EQUIPMENT if mobile else _EQUIPMENT_WRITTEN[contact.system]
    comps: list[str | None] = [
        None if email else contact.value,
        use if use is not None else (_EMAIL_USE if email else None),
        equipment,
        contact.value if email else None,
    ]
    period, rank = contact.period, contact.rank
    if period is not None or rank is not None:
        comps.extend([None] * 8)
        comps.append(period.start.strftime("%Y%m%d") if period is not None and period.start else None)
        comps.append(period.end.strftime("%Y%m%d") if period is not None and period.end else None)
        comps.extend([None] * 3)
        comps.append(str(rank) if rank is not None else None)
    return _rep(*comps)


def _classify_coded(tables: tuple[type[CodedEnum], ...], tag: str) -> Any:
    """A CE whose CE.1 is a code of the first (England) list when CE.3 is empty or names the HL7
    table, or of another list when CE.3 is that list's UK Core code system."""
    by_system = {cls.code_system.fhir_system: cls for cls in tables[1:]}

    def classify(r: _Reader, rep: list[list[str | None]], path: str) -> Any:
        code, coding_system = _value(rep, 1), _value(rep, 3)
        table = tables[0] if coding_system in _DEFAULT_CODING_SYSTEMS else by_system.get(coding_system)
        if table is None or not code:
            return None
        try:
            return tag, table.from_code(code)
        except ValidationError as error:
            r.error(path + ".1", error)
            return _ERROR

    return classify


def _write_coded(member: CodedEnum) -> list[list[str | None]]:
    if type(member) in (PersonMaritalStatus, EthnicCategoryEngland):
        return _rep(member.code)
    return _rep(member.code, None, member.code_system.fhir_system)


def _classify_status(r: _Reader, rep: list[list[str | None]], path: str) -> Any:
    match = _STATUS.fullmatch(_value(rep, 1))
    if match is None:
        return None
    return "status", NHSNumberStatusIndicatorCode.from_code(match.group(1))


def _write_status(status: NHSNumberStatusIndicatorCode) -> list[list[str | None]]:
    return _rep(status.hl7v2_code)


def _classify_xon(r: _Reader, rep: list[list[str | None]], path: str) -> Any:
    raw = _value(rep, 3)
    if not raw:
        return None
    found = _identifier(r, raw, path + ".3", ODSCode)
    if found is None or found is _ERROR:
        return found
    return "practice", found


def _classify_xcn(r: _Reader, rep: list[list[str | None]], path: str) -> Any:
    raw = _value(rep, 1)
    if not raw:
        return None
    found = _identifier(r, raw, path + ".1", GMPCode)
    if found is None or found is _ERROR:
        return found
    return "gp", found


def _read_date_field(r: _Reader, segment: Segment, number: int, tree: Tree) -> PartialDate | None:
    if not tree:
        return None
    text = _value(tree[0], 1)
    if not text:
        return None
    date = _dtm_date(text)
    if date is None:
        r.problems.append(
            Problem(f"{segment.name}-{number}", "expected a date YYYY[MM[DD]]", Reason.INVALID_DATE)
        )
    return date


def _read(r: _Reader, pid: Segment, pd1: Segment | None) -> Patient | None:
    fields = r.fields
    for number in range(1, len(pid.fields) + 1):
        if number not in _PID_MAPPED:
            tree = _decode(pid, number)
            if tree:
                r.store("PID", number, tree)
    taken = _repeating(r, "PID", 3, _decode(pid, 3), _classify_cx, _CX_WRITERS, {"nhs": 1, "chi": 1, "hc": 1})
    for tag, name in (("nhs", "nhs_number"), ("chi", "chi_number"), ("hc", "hc_number")):
        if tag in taken:
            fields[name] = taken[tag][0]
    fields["local_identifiers"] = taken.get("local", ())
    names = _repeating(r, "PID", 5, _decode(pid, 5), _classify_xpn, {"name": _write_xpn})
    fields["names"] = names.get("name", ())
    addresses = _repeating(r, "PID", 11, _decode(pid, 11), _classify_xad, {"address": _write_xad})
    fields["addresses"] = addresses.get("address", ())
    telecom = [
        contact
        for number in (_HOME_PHONE, _BUSINESS_PHONE)
        for contact in _repeating(
            r, "PID", number, _decode(pid, number), _classify_xtn(number), {"telecom": _write_xtn}
        ).get("telecom", ())
    ]
    fields["telecom"] = telecom
    for number, name, tables in ((16, "marital_status", _MARITAL), (22, "ethnic_category", _ETHNIC)):
        coded = _repeating(
            r,
            "PID",
            number,
            _decode(pid, number),
            _classify_coded(tables, name),
            {name: _write_coded},
            {name: 1},
        )
        if name in coded:
            fields[name] = coded[name][0]
    tree32 = _decode(pid, 32)
    status = _repeating(r, "PID", 32, tree32, _classify_status, {"status": _write_status}, {"status": 1})
    if "status" in status:
        code = status["status"][0]
        if "nhs_number" not in fields and code in _NUMBER_PRESENT:
            # The NHS Number was kept unvalidated (identifiers="warn"/"preserve"): keep its
            # status with it rather than break the model's rule.
            r.store("PID", 32, tree32)
        else:
            fields["nhs_number_status"] = code

    tree = _decode(pid, 7)
    birth = _read_date_field(r, pid, 7, tree)
    if birth is not None:
        fields["birth_date"] = birth
    r.single("PID", 7, tree, [[[_dtm(birth)]]] if birth is not None else [])

    tree = _decode(pid, 8)
    sex = _SEX.get(_value(tree[0], 1)) if len(tree) == 1 else None
    if sex is not None:
        fields["stated_gender"] = administrative_gender_to_stated_gender(sex)
    r.single("PID", 8, tree, [[[_SEX_WRITTEN[sex]]]] if sex is not None else [])

    tree29, tree30 = _decode(pid, 29), _decode(pid, 30)
    death = _read_date_field(r, pid, 29, tree29)
    if death is not None:
        fields["death_date"] = death
    r.single("PID", 29, tree29, [[[_dtm(death)]]] if death is not None else [])
    deceased = _DECEASED.get(_value(tree30[0], 1)) if len(tree30) == 1 else None
    if deceased is not None:
        fields["deceased"] = deceased
    elif death is not None:
        deceased = True  # the model's rule: a death date means deceased
    r.single("PID", 30, tree30, _write_deceased(deceased))

    if pd1 is not None:
        r.extras.setdefault("PD1", {})
        for number in range(1, len(pd1.fields) + 1):
            if number not in _PD1_MAPPED:
                tree = _decode(pd1, number)
                if tree:
                    r.store("PD1", number, tree)
        practice_tree, gp_tree = _decode(pd1, 3), _decode(pd1, 4)
        practice = _repeating(
            r, "PD1", 3, practice_tree, _classify_xon, {"practice": _write_xon}, {"practice": 1}
        )
        if "practice" in practice:
            gp = _repeating(r, "PD1", 4, gp_tree, _classify_xcn, {"gp": _write_xcn}, {"gp": 1})
            try:
                fields["registered_gp"] = GPRegistration(
                    practice=practice["practice"][0], general_practitioner=gp["gp"][0] if "gp" in gp else None
                )
            except ValidationError as error:
                r.error("PD1", error)
        elif gp_tree:
            # A GP without a practice is not a registration: checked, then kept as it is.
            _check_gp(r, gp_tree)
            r.store("PD1", 4, gp_tree)
        if not r.keep_unknown or (not r.extras["PD1"] and "registered_gp" in fields):
            # An empty PD1 needs remembering only when the model would not write one.
            r.extras.pop("PD1", None)
    if r.problems:
        return None
    extras = {"hl7v2": dump_residual(r.extras)} if r.keep_unknown and r.extras else {}
    try:
        return Patient(**fields, extras=extras)
    except ValidationError as error:
        r.error("PID", error)
    return None


def _check_gp(r: _Reader, tree: Tree) -> None:
    for index, rep in enumerate(tree, start=1):
        raw = _value(rep, 1)
        if raw:
            _identifier(r, raw, f"PD1-4[{index}].1", GMPCode)


def _write_xon(code: ODSCode) -> list[list[str | None]]:
    return _rep(None, None, code.compact)


def _write_xcn(code: GMPCode) -> list[list[str | None]]:
    return _rep(code.compact)


# --- writing --------------------------------------------------------------------------------


def _residual(extras: Mapping[str, Any] | None, problems: list[tuple[str, str]]) -> Mapping[str, Any]:
    return load_residual(extras.get("hl7v2") if extras else None, problems)


def _stored(residual: Mapping[str, Any], segment: str) -> Mapping[str, Any]:
    found = residual.get(segment)
    return found if isinstance(found, Mapping) else {}


def _weave(template: Any, produced: list[tuple[str, Any]]) -> list[Any]:
    if not isinstance(template, (list, tuple)):
        return [rep for _, rep in produced]
    queues: dict[str, list[Any]] = {}
    for tag, rep in produced:
        queues.setdefault(tag, []).append(rep)
    out: list[Any] = []
    for entry in template:
        if is_slot(entry):
            queue = queues.get(entry[SLOT])
            if not queue:
                continue
            rep = queue.pop(0)
            if FP in entry and entry[FP] == fingerprint(rep):
                rep = thaw(entry["value"])
            out.append(rep)
        else:
            out.append(thaw(entry))
    for queue in queues.values():
        out.extend(queue)
    return out


def _single(stored: Mapping[str, Any], number: int, canonical: Tree) -> Any:
    entry = stored.get(str(number))
    if isinstance(entry, Mapping) and entry.get(SLOT) == OVERRIDE and entry.get(FP) == fingerprint(canonical):
        return thaw(entry["value"])
    return canonical


def _unrepresentable(patient: Patient) -> list[Problem]:
    """What PID/PD1 cannot carry (paths are model attribute paths)."""
    found: list[Problem] = []

    def add(path: str, what: str) -> None:
        found.append(Problem(path, f"{what} has no place in PID/PD1"))

    for index, contact in enumerate(patient.telecom):
        here = f"telecom[{index}]"
        if contact.system not in _EQUIPMENT_WRITTEN:
            add(here + ".system", f"a {contact.system.value} contact (no XTN equipment type)")
        if contact.use is not None and contact.use not in _TELECOM_USE_WRITTEN:
            add(here + ".use", f"the {contact.use.value} use (no XTN use code)")
        if contact.use is ContactPointUse.MOBILE and contact.system is not ContactPointSystem.PHONE:
            add(here + ".use", "the mobile use of a contact that is not a phone")
    if patient.registered_gp is not None and patient.registered_gp.period is not None:
        add("registered_gp.period", "the registration period")
    for index, name in enumerate(patient.names):
        here = f"names[{index}]"
        if name.text is not None:
            add(here + ".text", "name text")
        if len(name.given) > 2:
            add(here + ".given", "more than two given names (XPN.2 and XPN.3)")
        if len(name.prefix) > 1:
            add(here + ".prefix", "more than one prefix")
        if len(name.suffix) > 1:
            add(here + ".suffix", "more than one suffix")
        if name.family is None and not name.given:
            add(here, "a name without family or given name")
    for index, address in enumerate(patient.addresses):
        here = f"addresses[{index}]"
        if address.text is not None:
            add(here + ".text", "address text")
        if len(address.lines) > 2:
            add(here + ".lines", "more than two address lines (XAD.1 and XAD.2)")
        if address.uprn is not None:
            add(here + ".uprn", "the UPRN")
        if not (address.lines or address.city or address.district or address.country or address.postcode):
            add(here, "an address with none of lines, city, district, postcode or country")
    return found


def patient_to_segments(
    patient: Patient, *, delimiters: Delimiters = DEFAULT_DELIMITERS, lossy: bool = False
) -> tuple[Segment, ...]:
    """The PID (and PD1, when there is a registered GP or one was read) segments for *patient*.

    :param lossy: drop what PID/PD1 cannot carry (telecom, ethnic category...)
        instead of raising.
    :raises SerialisationError: listing everything that PID/PD1 cannot carry.
    """
    if not isinstance(patient, Patient):
        raise TypeError(f"expected a Patient, got {type(patient).__name__}")
    if not lossy:
        problems = _unrepresentable(patient)
        if problems:
            raise SerialisationError("HL7 v2 PID/PD1", problems)
    residual_problems: list[tuple[str, str]] = []
    residual = _residual(patient.extras, residual_problems)
    if residual_problems:
        raise SerialisationError(
            "HL7 v2 PID/PD1", [Problem(path, message) for path, message in residual_problems]
        )
    stored = _stored(residual, "PID")
    fields: dict[int, Any] = {}
    for key, value in stored.items():
        if key.isdigit() and int(key) not in _PID_MAPPED:
            fields[int(key)] = thaw(value)
    ids: list[tuple[str, Any]] = []
    for tag, value in (("nhs", patient.nhs_number), ("chi", patient.chi_number), ("hc", patient.hc_number)):
        if value is not None:
            ids.append((tag, _CX_WRITERS[tag](value)))
    ids.extend(("local", _write_local(local)) for local in patient.local_identifiers)
    fields[3] = _weave(stored.get("3"), ids)
    names = [name for name in patient.names if name.family is not None or name.given]
    fields[5] = _weave(stored.get("5"), [("name", _write_xpn(name)) for name in names])
    birth = patient.birth_date
    fields[7] = _single(stored, 7, [[[_dtm(birth)]]] if birth is not None else [])
    sex: Tree = (
        [[[_SEX_WRITTEN[stated_gender_to_administrative_gender(patient.stated_gender)]]]]
        if patient.stated_gender is not None
        else []
    )
    fields[8] = _single(stored, 8, sex)
    addresses = [
        address
        for address in patient.addresses
        if address.lines or address.city or address.district or address.country or address.postcode
    ]
    fields[11] = _weave(stored.get("11"), [("address", _write_xad(address)) for address in addresses])
    for number in (_HOME_PHONE, _BUSINESS_PHONE):
        contacts = [
            contact
            for contact in patient.telecom
            if contact.system in _EQUIPMENT_WRITTEN and _telecom_field(contact) == number
        ]
        fields[number] = _weave(stored.get(str(number)), [("telecom", _write_xtn(c)) for c in contacts])
    for number, name, member in (
        (16, "marital_status", patient.marital_status),
        (22, "ethnic_category", patient.ethnic_category),
    ):
        fields[number] = _weave(
            stored.get(str(number)), [(name, _write_coded(member))] if member is not None else []
        )
    death = patient.death_date
    fields[29] = _single(stored, 29, [[[_dtm(death)]]] if death is not None else [])
    fields[30] = _single(stored, 30, _write_deceased(patient.deceased))
    status = patient.nhs_number_status
    fields[32] = _weave(stored.get("32"), [("status", _write_status(status))] if status is not None else [])
    segments = [_segment("PID", fields, delimiters)]

    stored1 = _stored(residual, "PD1")
    has_pd1 = "PD1" in residual
    registration = patient.registered_gp
    if registration is not None or has_pd1:
        fields1: dict[int, Any] = {}
        for key, value in stored1.items():
            if key.isdigit() and int(key) not in _PD1_MAPPED:
                fields1[int(key)] = thaw(value)
        practice = [("practice", _write_xon(registration.practice))] if registration is not None else []
        fields1[3] = _weave(stored1.get("3"), practice)
        gp = (
            [("gp", _write_xcn(registration.general_practitioner))]
            if registration is not None and registration.general_practitioner is not None
            else []
        )
        fields1[4] = _weave(stored1.get("4"), gp)
        segments.append(_segment("PD1", fields1, delimiters))
    return tuple(segments)


def _segment(name: str, fields: Mapping[int, Any], d: Delimiters) -> Segment:
    count = max((n for n, tree in fields.items() if tree), default=0)
    texts = tuple(_render(fields.get(n) or [], d) for n in range(1, count + 1))
    return Segment(name, texts, d)


def patient_to_hl7(
    patient: Patient,
    *,
    delimiters: Delimiters = DEFAULT_DELIMITERS,
    lossy: bool = False,
    terminator: str = "\r",
) -> str:
    """PID (and PD1) as ER7 text, segments separated by *terminator*.

    >>> from nhsstd.identifiers.nhs_number import NHSNumber
    >>> from nhsstd.codes import NHSNumberStatusIndicatorCode
    >>> patient = Patient(nhs_number=NHSNumber.parse("943 476 5919"),
    ...                   nhs_number_status=NHSNumberStatusIndicatorCode.VERIFIED,
    ...                   names=[HumanName(family="O'Brien & Sons", given=["Ann"])])
    >>> print(patient_to_hl7(patient))
    PID|||9434765919^^^NHS^NH||O'Brien \\T\\ Sons^Ann|||||||||||||||||||||||||||NSTS01
    """
    segments = patient_to_segments(patient, delimiters=delimiters, lossy=lossy)
    return terminator.join(segment.to_er7() for segment in segments)


def _delimiters_of(obj: Any) -> Delimiters:
    separators = getattr(obj, "separators", None)
    esc = getattr(obj, "esc", "\\")
    if isinstance(separators, str) and len(separators) >= 5:
        return Delimiters(
            field=separators[1],
            repetition=separators[2],
            component=separators[3],
            subcomponent=separators[4],
            escape=esc,
        )
    return DEFAULT_DELIMITERS


def _segments_of(source: Any) -> tuple[Segment | None, Segment | None]:
    if isinstance(source, Message):
        return source.segment("PID"), source.segment("PD1")
    if isinstance(source, Segment):
        return (source, None) if source.name == "PID" else (None, None)
    if isinstance(source, str):
        text = source.lstrip("\x0b\r\n")
        if text.startswith("MSH"):
            return _segments_of(parse_message(source))
        found: dict[str, Segment] = {}
        for line in re.split("\r\n|\r|\n", text):
            if line:
                segment = parse_segment(line)
                found.setdefault(segment.name, segment)
        return found.get("PID"), found.get("PD1")
    module = type(source).__module__ or ""
    if module == "hl7" or module.startswith("hl7."):
        # python-hl7 (the optional "hl7" extra): a Message or a Segment.
        text = str(source)
        if text.startswith("MSH"):
            return _segments_of(parse_message(text))
        return _segments_of_segment(parse_segment(text.rstrip("\r"), _delimiters_of(source)))
    if isinstance(source, Iterable) and not isinstance(source, (bytes, bytearray, Mapping)):
        pid = pd1 = None
        for item in source:
            if isinstance(item, Segment):
                if item.name == "PID" and pid is None:
                    pid = item
                elif item.name == "PD1" and pd1 is None:
                    pd1 = item
        return pid, pd1
    raise HL7v2Error(
        Reason.NOT_A_STRING, "message", f"expected ER7 text or a Message, got {type(source).__name__}"
    )


def _segments_of_segment(segment: Segment) -> tuple[Segment | None, Segment | None]:
    return (segment, None) if segment.name == "PID" else (None, None)


def patient_from_hl7(
    source: Any,
    *,
    identifiers: IdentifierMode = "strict",
    keep_unknown: bool = True,
    on_warning: WarningHandler | None = None,
) -> Patient:
    """Read the PID (and PD1, if present) of a message into a :class:`~nhsstd.models.Patient`.

    *source* is ER7 text (a whole message, or PID/PD1 segments), a
    :class:`Message`, a PID :class:`Segment`, a sequence of segments, or a
    python-hl7 ``Message``.  *identifiers*, *keep_unknown* and *on_warning* work as
    in :func:`nhsstd.fhir.from_fhir`.

    >>> patient = patient_from_hl7(
    ...     "PID|||8000002^^^RMW00^MR~9434765919^^^NHS^NH||SMSPDEMO23^PATIENT^^^Mrs||19581119|F|||"
    ...     "1 MY AVENUE^^WAKEFIELD^WEST YORKS^WF1 1XX|||||||||||||||||||||NSTS02")
    >>> patient.nhs_number, patient.nhs_number_status.code, patient.names[0].prefix
    (NHSNumber('*** *** 5919'), '02', ('Mrs',))
    >>> patient.addresses[0].postcode
    UKPostcode('WF1 1XX')

    :raises HL7v2Error: the text is not valid ER7 (delimiters, segments, escapes).
    :raises SerialisationError: listing every mapping problem with its segment-field path.
    """
    check_handler(on_warning)
    pid, pd1 = _segments_of(source)
    if pid is None:
        raise SerialisationError("HL7 v2 PID", [Problem("PID", "the message has no PID segment")])
    r = _Reader(identifiers, keep_unknown)
    patient = _read(r, pid, pd1)
    deliver(r.notes, on_warning, 2)
    if patient is None or r.problems:
        raise SerialisationError("HL7 v2 PID/PD1", r.problems)
    return patient

"""The narrow seam between register payloads and :mod:`nhsstd.models`.

Nothing else in the registers package builds an :class:`~nhsstd.models.Organisation`
(PDS patients are read by the FHIR serialiser, :func:`nhsstd.fhir.from_fhir`):

* :func:`organisation` -- an :class:`~nhsstd.registers._orgdata.OrgData` (from an
  extract row, ORD JSON or ODT FHIR) to the model, through the model's own checks;
* :func:`stored_organisation` -- the offline register's fast path (below).

The offline register's fast path
--------------------------------

Building a checked model costs some 25 microseconds, most of it checking again what
the offline register checked when the extract was loaded, while a lookup by code is
meant to take a few.  So the register (:mod:`nhsstd.registers.ods_offline`) computes,
**when the extract is loaded**, the model's values in the shape the model holds them
-- the text fields :func:`text` keeps, the compact form of the postcode
:func:`postcode` parses, the values of ``extras["ods"]`` -- and stores them, and
:func:`stored_organisation` assembles the model from those stored values **without**
running the models' checks again: ``object.__new__`` and the attrs slots, as
:mod:`nhsstd.json`'s fast reader does (:func:`_builder`).

That is sound only because of what loading guarantees: every field of a loaded row is
stripped and free of control characters (C0 but CR and LF, DEL, C1) and unpaired
surrogates; the code is 3 to 9 ASCII letters and digits (a valid
:class:`~nhsstd.identifiers.ods_code.ODSCode`); the text values stored are non-empty
and printable (so they pass the models' text checks); a postcode is stored only as
the compact form of a parsed one; roles are looked up with :func:`roles`, as
:func:`organisation` does.  The tests (``tests/registers/test_ods_offline.py``) build
every loaded row both ways -- :func:`organisation` on the register's
``lookup_data``, and the fast path -- for the sample extracts and for generated
hostile rows, and check that the models are equal and that each fast one passes the
models' full validation.  Use the fast path for nothing else.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import attrs

from nhsstd.codes import ODSRole
from nhsstd.identifiers.nhs_pseudo_postcode import NHSPseudoPostcode
from nhsstd.identifiers.ods_code import ODSCode
from nhsstd.identifiers.postcode import UKPostcode, is_uk_postcode_country, parse_address_postcode
from nhsstd.models import (
    Address,
    ContactPoint,
    ContactPointSystem,
    ContactPointUse,
    Extras,
    Organisation,
)
from nhsstd.models._checks import slot_setter
from nhsstd.registers._orgdata import OrgData

__all__ = ["organisation", "postcode", "roles", "stored_organisation", "text"]

#: Separates the address lines stored in one column (refused in extract fields on loading).
SEPARATOR = "\x1f"


def text(value: object) -> str | None:
    """*value* if it is text the models accept as it is (content, printable), else ``None``."""
    if isinstance(value, str) and value.strip() and value.isprintable():
        return value
    return None


# Parsed values are immutable, and organisations share roles and (often) postcodes.
_ROLES: dict[str, ODSRole | None] = {}
_ROLE_SETS: dict[tuple[tuple[str, ...], str | None], tuple[tuple[ODSRole, ...], ODSRole | None]] = {}
_POSTCODES: dict[str, Any] = {}
_POSTCODE_CACHE_SIZE = 65_536


#: ``known_postcode(text, default)``: what :func:`postcode` gave for *text* before (from its cache).
known_postcode = _POSTCODES.get


def postcode(value: str | None) -> UKPostcode | NHSPseudoPostcode | None:
    """The parsed postcode of an address (``None`` when absent or not a postcode)."""
    if not value:
        return None
    if value in _POSTCODES:
        parsed: Any = _POSTCODES[value]
        return parsed  # type: ignore[no-any-return]
    try:
        parsed = parse_address_postcode(value)
    except ValueError:
        parsed = None
    if len(_POSTCODES) >= _POSTCODE_CACHE_SIZE:
        _POSTCODES.clear()  # (not a new dict: known_postcode is bound to this one)
    _POSTCODES[value] = parsed
    return parsed  # type: ignore[no-any-return]


def _role(code: str) -> ODSRole | None:
    if code not in _ROLES:
        try:
            _ROLES[code] = ODSRole.from_code(code)
        except ValueError:
            _ROLES[code] = None
    return _ROLES[code]


def roles(codes: tuple[str, ...], primary_code: str | None) -> tuple[tuple[ODSRole, ...], ODSRole | None]:
    """The model's ``roles`` and ``primary_role`` for role codes (unknown codes are left out)."""
    key = (codes, primary_code)
    known = _ROLE_SETS.get(key)
    if known is not None:
        return known
    found: list[ODSRole] = []
    for role_code in codes:
        role = _role(role_code)
        if role is not None and role not in found:
            found.append(role)
    primary = _role(primary_code) if primary_code else None
    if primary is not None and primary not in found:
        found.insert(0, primary)
    result = (tuple(found), primary)
    if len(_ROLE_SETS) < 1024:
        _ROLE_SETS[key] = result
    return result


def organisation(data: OrgData) -> Organisation:
    """The model for *data*; ODS-only facts (dates, status code, parent) go in ``extras["ods"]``."""
    role_tuple, primary = roles(data.roles, data.primary_role)
    lines = tuple(line for line in data.address_lines if text(line))
    town, county, country = text(data.town), text(data.county), text(data.country)
    # A site abroad has its own country's postal code, which the Address model does not hold.
    parsed_postcode = postcode(data.postcode) if is_uk_postcode_country(country) else None
    address = None
    if lines or town or county or parsed_postcode is not None or country:
        address = Address(lines=lines, city=town, district=county, postcode=parsed_postcode, country=country)
    telecom = []
    if text(data.phone):
        telecom.append(
            ContactPoint(system=ContactPointSystem.PHONE, value=data.phone or "", use=ContactPointUse.WORK)
        )
    ods: dict[str, Any] = {"source": data.source}
    for key, value in (
        ("status_code", data.status_code),
        ("open_date", data.open_date),
        ("close_date", data.close_date),
        ("parent_code", data.parent_code),
        ("record_class", data.record_class),
        ("last_change_date", data.last_change_date),
    ):
        if value is not None:
            ods[key] = value.isoformat() if isinstance(value, datetime.date) else value
    if data.postcode and parsed_postcode is None:
        ods["postcode_text"] = data.postcode
    for key, value in data.extra:
        ods.setdefault(key, value)
    code: ODSCode | None
    try:
        code = ODSCode.parse(data.code)
    except ValueError:
        code = None
        ods["code_text"] = data.code
    return Organisation(
        ods_code=code,
        name=text(data.name),
        roles=role_tuple,
        primary_role=primary,
        active=data.active,
        address=address,
        telecom=telecom,
        extras={"ods": ods},
    )


# -- the offline register's fast path ---------------------------------------------------------------


def _builder(cls: type, *names: str) -> Callable[..., Any]:
    """A function ``build(*values)`` making a *cls* with fields *names* set to *values*, unchecked.

    Every other field gets its default (a model field added later needs no change
    here, as long as it has a plain default).  The field table is made once.
    """
    fields = attrs.fields(cls)
    unknown = set(names) - {field.name for field in fields}
    if unknown:  # pragma: no cover - a model changed: this module must follow
        raise RuntimeError(f"nhsstd.registers._adapters: {cls.__name__} has no field {sorted(unknown)}")
    defaults: list[tuple[Callable[[object, object], None], object]] = []
    for field in fields:
        if field.name in names:
            continue
        if field.default is attrs.NOTHING or isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
            raise RuntimeError(  # pragma: no cover - a model changed: this module must follow
                f"nhsstd.registers._adapters: {cls.__name__}.{field.name} needs a value"
            )
        defaults.append((slot_setter(cls, field.name), field.default))
    # The setters of the given fields, in the order of *names* (the order of build's arguments).
    given = [slot_setter(cls, name) for name in names]
    new = object.__new__

    def build(*values: object) -> Any:
        self: Any = new(cls)
        for set_slot, value in zip(given, values, strict=True):
            set_slot(self, value)
        for set_slot, default in defaults:
            set_slot(self, default)
        return self

    return build


_frozen_extras = Extras._from_frozen
_ods_code = _builder(ODSCode, "compact")
_uk_postcode = _builder(UKPostcode, "compact")
_pseudo_postcode = _builder(NHSPseudoPostcode, "compact")
_address = _builder(Address, "lines", "city", "district", "postcode")
_contact_point = _builder(ContactPoint, "system", "value", "use")
_organisation = _builder(
    Organisation, "ods_code", "name", "roles", "primary_role", "active", "address", "telecom", "extras"
)
_PHONE, _WORK = ContactPointSystem.PHONE, ContactPointUse.WORK
_STORED_ROLES: dict[str, tuple[tuple[ODSRole, ...], ODSRole | None]] = {}


def _stored_roles(stored: str) -> tuple[tuple[ODSRole, ...], ODSRole | None]:
    found = _STORED_ROLES.get(stored)
    if found is None:
        codes = tuple(stored.split())
        found = roles(codes, codes[0] if codes else None)
        if len(_STORED_ROLES) < 1024:
            _STORED_ROLES[stored] = found
    return found


def stored_organisation(row: tuple[Any, ...], ods: dict[str, str]) -> Organisation:
    """The model from stored values, unchecked (see the module docstring).

    *row* starts ``(code, active, roles, name, lines, city, district, postcode,
    postcode_pseudo, phone)`` as the offline register stores them; *ods* is the
    ``extras["ods"]`` object (``str`` keys and values; it becomes part of the model).
    """
    code, active, stored_roles, name, lines, city, district, compact_postcode, pseudo, phone = row[:10]
    role_tuple, primary = _stored_roles(stored_roles)
    address = None
    if lines is not None or city is not None or district is not None or compact_postcode is not None:
        parsed = None
        if compact_postcode is not None:
            parsed = (_pseudo_postcode if pseudo else _uk_postcode)(compact_postcode)
        address = _address(tuple(lines.split(SEPARATOR)) if lines is not None else (), city, district, parsed)
    telecom = () if phone is None else (_contact_point(_PHONE, phone, _WORK),)
    extras = _frozen_extras({"ods": _frozen_extras(ods)})  # type: ignore[arg-type]
    organisation: Organisation = _organisation(
        _ods_code(code), name, role_tuple, primary, bool(active), address, telecom, extras
    )
    return organisation

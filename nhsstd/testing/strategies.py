"""Hypothesis strategies that generate valid nhsstd values and models.

For property-based tests in your own code (install ``hypothesis``; this is
the only nhsstd module that imports it):

>>> from hypothesis import given, settings
>>> from nhsstd.json import from_json, to_json
>>> from nhsstd.models import Patient
>>> from nhsstd.testing.strategies import patients
>>> @settings(max_examples=20, deadline=None)
... @given(patients())
... def test_round_trip(patient):
...     assert from_json(to_json(patient), Patient) == patient
>>> test_round_trip()

Every strategy generates values that nhsstd itself accepts: identifiers with
correct check digits, codes from the code lists, models that keep their
rules (no death before birth, no verified NHS Number status without a
number...).  Text is arbitrary Unicode (names need not be ASCII), within the
rules for text fields.  NHS Numbers come from the ``999`` test range unless
you ask for any valid number, so generated data never holds a real one.
"""

from __future__ import annotations

import datetime
import enum
from typing import Any, Final, TypeVar

from hypothesis import strategies as st

from nhsstd.codes import (
    CodedEnum,
    EthnicCategoryEngland,
    EthnicCategoryScotland,
    EthnicCategoryWales,
    NHSNumberStatusIndicatorCode,
    ODSRole,
    PersonMaritalStatus,
    PersonMaritalStatusScotland,
    PersonStatedGenderCode,
)
from nhsstd.identifiers import (
    chi_number,
    consultant_code,
    gdc_number,
    gdp_code,
    gmc_number,
    gmp_code,
    gphc_number,
    hcpc_number,
    nhs_pseudo_postcode,
    nmc_pin,
    ods_code,
    postcode,
    uprn,
)
from nhsstd.identifiers.chi_number import CHINumber
from nhsstd.identifiers.consultant_code import ConsultantCode
from nhsstd.identifiers.gdc_number import GDCNumber
from nhsstd.identifiers.gdp_code import GDPCode
from nhsstd.identifiers.gmc_number import GMCNumber
from nhsstd.identifiers.gmp_code import GMPCode
from nhsstd.identifiers.gphc_number import GPhCNumber
from nhsstd.identifiers.hc_number import HCNumber
from nhsstd.identifiers.hcpc_number import HCPCNumber
from nhsstd.identifiers.nhs_number import NHSNumber
from nhsstd.identifiers.nhs_pseudo_postcode import NHSPseudoPostcode
from nhsstd.identifiers.nmc_pin import NMCPin
from nhsstd.identifiers.ods_code import ODSCode
from nhsstd.identifiers.postcode import UK_POSTCODE_COUNTRIES, UKPostcode
from nhsstd.identifiers.uprn import UPRN
from nhsstd.models import (
    Address,
    AddressUse,
    Coding,
    ContactPoint,
    ContactPointSystem,
    ContactPointUse,
    Extras,
    GPRegistration,
    HumanName,
    LocalIdentifier,
    NameUse,
    Organisation,
    PartialDate,
    Patient,
    Period,
    Practitioner,
    PractitionerRole,
    Reference,
)
from nhsstd.models._checks import BAD_TEXT

__all__ = [
    "address_postcodes",
    "addresses",
    "chi_numbers",
    "codes",
    "codings",
    "consultant_codes",
    "contact_points",
    "dates",
    "extras",
    "gdc_numbers",
    "gdp_codes",
    "gmc_numbers",
    "gmp_codes",
    "gp_registrations",
    "gphc_numbers",
    "hc_numbers",
    "hcpc_numbers",
    "human_names",
    "local_identifiers",
    "models",
    "nhs_numbers",
    "nhs_pseudo_postcodes",
    "nmc_pins",
    "ods_codes",
    "ods_roles",
    "organisations",
    "partial_dates",
    "patients",
    "periods",
    "practitioner_roles",
    "practitioners",
    "references",
    "sds_ids",
    "texts",
    "uk_postcodes",
    "uprns",
    "uris",
]

_E = TypeVar("_E", bound=enum.Enum)

_DIGITS = "0123456789"
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _digits(count: int) -> st.SearchStrategy[str]:
    return st.text(_DIGITS, min_size=count, max_size=count)


def _mod11_check(payload: str) -> int | None:
    remainder = sum(int(digit) * weight for digit, weight in zip(payload, range(10, 1, -1), strict=True)) % 11
    check = 11 - remainder
    if check == 11:
        return 0
    return None if check == 10 else check


# -- text, dates -------------------------------------------------------------


def _valid_text(value: str) -> bool:
    return bool(value.strip()) and BAD_TEXT.search(value) is None


def texts(*, max_size: int = 30) -> st.SearchStrategy[str]:
    """Text accepted by the models' text fields: any Unicode with visible content.

    No unpaired surrogates and no control characters other than TAB, LF and CR.
    """
    return st.text(st.characters(codec="utf-8"), min_size=1, max_size=max_size).filter(_valid_text)


def dates() -> st.SearchStrategy[datetime.date]:
    """Calendar dates (years 1 to 9999)."""
    return st.dates()


@st.composite
def partial_dates(draw: st.DrawFn) -> PartialDate:
    """Partial dates of every precision: ``YYYY``, ``YYYY-MM`` and ``YYYY-MM-DD``."""
    day = draw(st.dates())
    precision = draw(st.sampled_from(("year", "month", "day")))
    if precision == "year":
        return PartialDate(day.year)
    if precision == "month":
        return PartialDate(day.year, day.month)
    return PartialDate.from_date(day)


@st.composite
def periods(draw: st.DrawFn) -> Period:
    """Periods with a start, an end or both (start never after end)."""
    first, second = sorted((draw(st.dates()), draw(st.dates())))
    shape = draw(st.sampled_from(("start", "end", "both")))
    if shape == "start":
        return Period(start=first)
    if shape == "end":
        return Period(end=second)
    return Period(start=first, end=second)


# -- codes -------------------------------------------------------------------


def codes(code_list: type[_E]) -> st.SearchStrategy[_E]:
    """Any member of an enum code list (retired codes included)."""
    return st.sampled_from(list(code_list))


def ods_roles() -> st.SearchStrategy[ODSRole]:
    """ODS roles: mostly named ones, sometimes other ``RO`` + digits codes."""
    return st.one_of(
        st.sampled_from(ODSRole.members()),
        st.integers(min_value=0, max_value=999).map(lambda number: ODSRole(f"RO{number}")),
    )


# -- identifiers -------------------------------------------------------------


def nhs_numbers(*, test_range: bool = True) -> st.SearchStrategy[NHSNumber]:
    """Valid NHS Numbers; from the ``999`` test range unless *test_range* is false."""
    low = 999_000_000 if test_range else 0

    def build(first_nine: int) -> NHSNumber | None:
        payload = f"{first_nine:09d}"
        check = _mod11_check(payload)
        return None if check is None else NHSNumber(f"{payload}{check}")

    return (
        st.integers(min_value=low, max_value=999_999_999).map(build).filter(lambda value: value is not None)  # type: ignore[return-value]
    )


@st.composite
def chi_numbers(draw: st.DrawFn) -> CHINumber:
    """Valid CHI Numbers (real DDMMYY date, Modulus 11 or Modulus 10 check digit)."""
    day = draw(st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2099, 12, 31)))
    if day.month == 2 and day.day == 29 and (day.year % 100) % 4 != 0:  # pragma: no cover
        day = day.replace(day=28)
    payload = f"{day.day:02d}{day.month:02d}{day.year % 100:02d}" + draw(_digits(3))
    for check in _DIGITS:
        if chi_number.is_valid(payload + check):
            return CHINumber(payload + check)
    raise AssertionError("a Modulus 10 check digit always exists")  # pragma: no cover


def hc_numbers() -> st.SearchStrategy[HCNumber]:
    """Valid Health and Care Numbers (Northern Ireland range)."""

    def build(first_nine: int) -> HCNumber | None:
        payload = f"{first_nine:09d}"
        check = _mod11_check(payload)
        return None if check is None else HCNumber(f"{payload}{check}")

    strategy = st.integers(min_value=320_000_001, max_value=399_999_999).map(build)
    return strategy.filter(lambda value: value is not None)  # type: ignore[return-value]


def _matching(pattern: str, module: Any, cls: type[_I]) -> st.SearchStrategy[_I]:
    return st.from_regex(pattern, fullmatch=True).filter(module.is_valid).map(cls)


_I = TypeVar("_I")


def ods_codes() -> st.SearchStrategy[ODSCode]:
    """Well-formed ODS organisation and site codes."""
    return _matching(r"[A-Z0-9]{3,9}", ods_code, ODSCode)


def gmc_numbers() -> st.SearchStrategy[GMCNumber]:
    """GMC reference numbers (seven digits)."""
    return _digits(7).filter(gmc_number.is_valid).map(GMCNumber)


def gmp_codes() -> st.SearchStrategy[GMPCode]:
    """GMP (PPD) codes with the right check digit."""
    return _digits(6).map(gmp_code.build).map(GMPCode)


def gdp_codes() -> st.SearchStrategy[GDPCode]:
    """GDP codes with the right check digit."""
    return _digits(6).map(gdp_code.build).map(GDPCode)


def consultant_codes() -> st.SearchStrategy[ConsultantCode]:
    """Consultant codes of every shape (GMC, GDC, dental, pseudo codes)."""
    return (
        st.one_of(
            _digits(7).map(lambda digits: "C" + digits),
            _digits(6).map(lambda digits: "CD" + digits),
            _digits(7).map(lambda digits: "D" + digits),
            st.sampled_from(sorted(consultant_code.PSEUDO_CODES)),
        )
        .filter(consultant_code.is_valid)
        .map(ConsultantCode)
    )


def gdc_numbers() -> st.SearchStrategy[GDCNumber]:
    """GDC registration numbers (three to six digits)."""
    return st.text(_DIGITS, min_size=3, max_size=6).filter(gdc_number.is_valid).map(GDCNumber)


def nmc_pins() -> st.SearchStrategy[NMCPin]:
    """NMC PINs (``NNANNNNA``)."""
    return _matching(r"[0-9]{2}[A-Z][0-9]{4}[A-Z]", nmc_pin, NMCPin)


def hcpc_numbers() -> st.SearchStrategy[HCPCNumber]:
    """HCPC registration numbers for every profession code."""
    professions = [profession.value for profession in hcpc_number.Profession]
    return (
        st.tuples(st.sampled_from(professions), st.text(_DIGITS, min_size=1, max_size=6))
        .map("".join)
        .filter(hcpc_number.is_valid)
        .map(HCPCNumber)
    )


def gphc_numbers() -> st.SearchStrategy[GPhCNumber]:
    """GPhC registration numbers (``2`` + six digits)."""
    return _digits(6).map(lambda digits: "2" + digits).filter(gphc_number.is_valid).map(GPhCNumber)


def sds_ids() -> st.SearchStrategy[str]:
    """SDS user IDs and role profile IDs (ASCII digits; usually twelve)."""
    return st.one_of(_digits(12), st.text(_DIGITS, min_size=1, max_size=20))


def uk_postcodes() -> st.SearchStrategy[UKPostcode]:
    """Royal Mail postcodes (every outward shape, letter rules kept)."""
    return _matching(r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}", postcode, UKPostcode)


def nhs_pseudo_postcodes() -> st.SearchStrategy[NHSPseudoPostcode]:
    """NHS pseudo-postcodes (``ZZ99`` + digit + letter + ``Z``)."""
    return _matching(r"ZZ99[0-9][A-Z]Z", nhs_pseudo_postcode, NHSPseudoPostcode)


def address_postcodes() -> st.SearchStrategy[UKPostcode | NHSPseudoPostcode]:
    """The postcode of an address: usually a postcode, sometimes a pseudo-postcode."""
    return st.one_of(uk_postcodes(), nhs_pseudo_postcodes())


def uprns() -> st.SearchStrategy[UPRN]:
    """UPRNs (1 to 999 999 999 999)."""
    return st.integers(min_value=1, max_value=999_999_999_999).map(lambda number: UPRN(uprn.from_int(number)))


_HTTPS_URI = r"https://[a-z][a-z0-9-]{0,15}(\.[a-z][a-z0-9-]{0,15}){1,3}(/[A-Za-z0-9._-]{1,15}){0,3}"


def uris() -> st.SearchStrategy[str]:
    """URIs of the shape that name identifier and code systems (``https://...``, ``urn:oid:...``)."""
    return st.one_of(
        st.from_regex(_HTTPS_URI, fullmatch=True),
        st.from_regex(r"urn:oid:[1-9][0-9]{0,3}(\.[0-9]{1,6}){1,8}", fullmatch=True),
    )


# -- extras ------------------------------------------------------------------

_JSON_TEXT = st.text(st.characters(codec="utf-8"), max_size=20)
_JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    # JSON text carries integers of any size, but nhsstd writes those of 64 bits (docs/json.rst):
    # a strategy for round-trip tests draws only what round-trips.
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    _JSON_TEXT,
)


def extras(*, empty: bool = True) -> st.SearchStrategy[Extras]:
    """JSON objects for the ``extras`` of a model (nested arrays and objects, any scalars)."""
    values = st.recursive(
        _JSON_SCALARS,
        lambda children: st.one_of(
            st.lists(children, max_size=4), st.dictionaries(_JSON_TEXT, children, max_size=4)
        ),
        max_leaves=12,
    )
    return st.dictionaries(_JSON_TEXT, values, min_size=0 if empty else 1, max_size=4).map(Extras)


# -- models ------------------------------------------------------------------


def _optional(strategy: st.SearchStrategy[_I]) -> st.SearchStrategy[_I | None]:
    return st.one_of(st.none(), strategy)


def _few(strategy: st.SearchStrategy[_I], max_size: int = 3) -> st.SearchStrategy[list[_I]]:
    return st.lists(strategy, max_size=max_size)


@st.composite
def human_names(draw: st.DrawFn) -> HumanName:
    """Names with any mix of parts (at least text, a family or a given name)."""
    family = draw(_optional(texts()))
    given = draw(_few(texts()))
    text = draw(_optional(texts(max_size=60)))
    if family is None and not given and text is None:
        family = draw(texts())
    return HumanName(
        use=draw(_optional(codes(NameUse))),
        text=text,
        family=family,
        given=given,
        prefix=draw(_few(texts(max_size=10), 2)),
        suffix=draw(_few(texts(max_size=10), 2)),
        period=draw(_optional(periods())),
    )


_UK_COUNTRIES: Final = st.sampled_from(sorted(UK_POSTCODE_COUNTRIES))


@st.composite
def addresses(draw: st.DrawFn) -> Address:
    """Addresses with any mix of elements (at least one)."""
    lines = draw(_few(texts(max_size=40), 4))
    postcode_value = draw(_optional(address_postcodes()))
    if not lines and postcode_value is None:
        postcode_value = draw(address_postcodes())
    return Address(
        use=draw(_optional(codes(AddressUse))),
        text=draw(_optional(texts(max_size=80))),
        lines=lines,
        city=draw(_optional(texts())),
        district=draw(_optional(texts())),
        postcode=postcode_value,
        # A postcode is a UK address's (Address rule); other addresses may name any country.
        country=draw(_optional(_UK_COUNTRIES if postcode_value is not None else texts())),
        uprn=draw(_optional(uprns())),
        period=draw(_optional(periods())),
    )


def contact_points() -> st.SearchStrategy[ContactPoint]:
    """Telecom values of every system and use."""
    return st.builds(
        ContactPoint,
        system=codes(ContactPointSystem),
        value=texts(max_size=40),
        use=_optional(codes(ContactPointUse)),
        rank=_optional(st.integers(min_value=1, max_value=2_147_483_647)),
        period=_optional(periods()),
    )


@st.composite
def local_identifiers(draw: st.DrawFn) -> LocalIdentifier:
    """Local identifiers (MRNs): a value with a system, an assigning ODS code, or both."""
    system = draw(_optional(uris()))
    assigner = draw(_optional(ods_codes()))
    if system is None and assigner is None:
        assigner = draw(ods_codes())
    return LocalIdentifier(value=draw(texts(max_size=20)), system=system, assigner=assigner)


@st.composite
def references(draw: st.DrawFn) -> Reference:
    """References by address, by ODS code or SDS user ID, with or without display text."""
    identifier = draw(st.sampled_from(("none", "ods_code", "sds_user_id")))
    reference = draw(_optional(texts(max_size=40)))
    display = draw(_optional(texts(max_size=40)))
    if identifier == "none" and reference is None and display is None:
        reference = draw(texts(max_size=40))
    return Reference(
        reference=reference,
        ods_code=draw(ods_codes()) if identifier == "ods_code" else None,
        sds_user_id=draw(sds_ids()) if identifier == "sds_user_id" else None,
        display=display,
    )


def codings() -> st.SearchStrategy[Coding]:
    """Codes of external code systems (system URI, code, optional display)."""
    return st.builds(Coding, system=uris(), code=texts(max_size=20), display=_optional(texts(max_size=40)))


def gp_registrations() -> st.SearchStrategy[GPRegistration]:
    """GP registrations (practice ODS code, optional period and GMP code)."""
    return st.builds(
        GPRegistration,
        practice=ods_codes(),
        period=_optional(periods()),
        general_practitioner=_optional(gmp_codes()),
    )


_NUMBER_PRESENT = {NHSNumberStatusIndicatorCode.VERIFIED, NHSNumberStatusIndicatorCode.NOT_TRACED}
_NUMBER_ABSENT = {NHSNumberStatusIndicatorCode.NOT_PRESENT_TRACE_NOT_REQUIRED}


@st.composite
def patients(draw: st.DrawFn, *, test_range: bool = True, with_extras: bool = True) -> Patient:
    """Patients that keep every rule (NHS Number status, birth before death...).

    NHS Numbers come from the test range unless *test_range* is false.
    """
    number = draw(_optional(nhs_numbers(test_range=test_range)))
    allowed = [
        status
        for status in NHSNumberStatusIndicatorCode
        if (number is None and status not in _NUMBER_PRESENT)
        or (number is not None and status not in _NUMBER_ABSENT)
    ]
    birth = draw(_optional(partial_dates()))
    death = draw(_optional(partial_dates()))
    if birth is not None and death is not None and death.is_definitely_before(birth):
        birth, death = death, birth
    # A death date means deceased (True); without one, any of None, True, False.
    deceased = True if death is not None else draw(_optional(st.booleans()))
    ethnic: CodedEnum | None = draw(
        _optional(
            st.one_of(codes(EthnicCategoryEngland), codes(EthnicCategoryWales), codes(EthnicCategoryScotland))
        )
    )
    marital: CodedEnum | None = draw(
        _optional(st.one_of(codes(PersonMaritalStatus), codes(PersonMaritalStatusScotland)))
    )
    return Patient(
        nhs_number=number,
        nhs_number_status=draw(_optional(st.sampled_from(allowed))),
        chi_number=draw(_optional(chi_numbers())),
        hc_number=draw(_optional(hc_numbers())),
        local_identifiers=draw(_few(local_identifiers(), 2)),
        names=draw(_few(human_names())),
        birth_date=birth,
        death_date=death,
        deceased=deceased,
        stated_gender=draw(_optional(codes(PersonStatedGenderCode))),
        ethnic_category=ethnic,  # type: ignore[arg-type]
        marital_status=marital,  # type: ignore[arg-type]
        addresses=draw(_few(addresses())),
        telecom=draw(_few(contact_points())),
        registered_gp=draw(_optional(gp_registrations())),
        extras=draw(extras()) if with_extras else Extras(),
    )


def practitioners(*, with_extras: bool = True) -> st.SearchStrategy[Practitioner]:
    """Practitioners with any mix of professional identifiers."""
    return st.builds(
        Practitioner,
        names=_few(human_names(), 2),
        gmc_number=_optional(gmc_numbers()),
        gmp_code=_optional(gmp_codes()),
        consultant_code=_optional(consultant_codes()),
        gdp_code=_optional(gdp_codes()),
        gdc_number=_optional(gdc_numbers()),
        nmc_pin=_optional(nmc_pins()),
        hcpc_number=_optional(hcpc_numbers()),
        gphc_number=_optional(gphc_numbers()),
        sds_user_id=_optional(sds_ids()),
        telecom=_few(contact_points(), 2),
        addresses=_few(addresses(), 2),
        extras=extras() if with_extras else st.just(Extras()),
    )


@st.composite
def organisations(draw: st.DrawFn, *, with_extras: bool = True) -> Organisation:
    """Organisations (ODS code, site code, local identifier or name; distinct roles, the primary one
    among them)."""
    code = draw(_optional(ods_codes()))
    site = draw(_optional(ods_codes()))
    name = draw(_optional(texts(max_size=60)))
    locals_ = draw(_few(local_identifiers(), 2))
    if code is None and site is None and name is None and not locals_:
        code = draw(ods_codes())
    roles = draw(st.lists(ods_roles(), max_size=4, unique=True))
    primary = draw(_optional(st.sampled_from(roles))) if roles else None
    return Organisation(
        ods_code=code,
        ods_site_code=site,
        local_identifiers=locals_,
        name=name,
        roles=roles,
        primary_role=primary,
        active=draw(_optional(st.booleans())),
        address=draw(_optional(addresses())),
        telecom=draw(_few(contact_points(), 2)),
        extras=draw(extras()) if with_extras else Extras(),
    )


def practitioner_roles(*, with_extras: bool = True) -> st.SearchStrategy[PractitionerRole]:
    """Practitioner roles with any mix of role profile ID, references, codes, period and telecom."""
    return st.builds(
        PractitionerRole,
        sds_role_profile_id=_optional(sds_ids()),
        active=_optional(st.booleans()),
        period=_optional(periods()),
        practitioner=_optional(references()),
        organisation=_optional(references()),
        codes=_few(codings(), 2),
        specialties=_few(codings(), 2),
        telecom=_few(contact_points(), 2),
        extras=extras() if with_extras else st.just(Extras()),
    )


def models() -> st.SearchStrategy[object]:
    """An instance of any model class (:data:`nhsstd.models.MODELS`)."""
    return st.one_of(
        patients(test_range=False),
        practitioners(),
        organisations(),
        practitioner_roles(),
        gp_registrations(),
        local_identifiers(),
        human_names(),
        addresses(),
        contact_points(),
        references(),
        codings(),
        periods(),
    )

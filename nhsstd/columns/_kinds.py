"""The kinds of column a data quality report checks (private).

Beyond the identifier kinds of :mod:`nhsstd.identifiers` (validated by the
kernels of :mod:`nhsstd.columns`), a report checks:

* every Data Dictionary code list of :data:`nhsstd.codes.CODE_LISTS`, keyed by
  its :attr:`~nhsstd.codes.CodeSystem.key` (``person_stated_gender_code``,
  ``ethnic_category_england``...): exact codes parsed by the list's own
  ``parse``; a retired code is invalid (``retired_code``), since it is not
  valid for new submissions, except in a list that is retired as a whole;
  "not known" codes are the list's default codes;
* dates written ``CCYY-MM-DD`` (the Data Dictionary's date format): ``date``
  any real calendar date, ``birth_date`` and ``death_date`` also not before
  1880 and not in the future (``out_of_range``);
* ``address_postcode``: the postcode of an address, a Royal Mail postcode or
  an NHS pseudo-postcode (``ZZ99``), the latter counted as a default value.

Each kind says whether its values are personal data (masked in failure
listings unless ``--unmask``) and which valid values are defaults or
placeholders (counted separately, as the Data Quality Maturity Index does).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from nhsstd import codes, identifiers
from nhsstd.columns import _frames, _kernels
from nhsstd.columns._arrow import (
    CODE,
    VALID,
    Codes,
    Kernel,
    Mask,
    Outcome,
    bool_of,
    fixed_width,
    keep_rows,
    new_codes,
    offsets_and_data,
    outcome_from_unique,
    present,
    trim,
)
from nhsstd.exceptions import Reason

#: Birth and death dates before this are ``out_of_range``.
EARLIEST_DATE = datetime.date(1880, 1, 1)
_EPOCH = datetime.date(1970, 1, 1)

#: Identifier kinds whose values locate a person's home: masked like patient numbers.
_ADDRESS_KINDS = frozenset({"postcode", "nhs_pseudo_postcode", "uprn"})


Defaults = Callable[[Any], Mask]


class ColumnKind(NamedTuple):
    """How to check one kind of column."""

    name: str
    #: What people call it (the Data Dictionary name for code lists).
    label: str
    kernel: Kernel
    #: Values are personal data: failure listings mask them.
    personal: bool
    #: The default or placeholder values among the valid compact values, if the kind has any.
    defaults: Defaults | None = None
    #: Characters left visible when a value is masked (none of a date: a birth date is identifying).
    visible: int = 4


def _one_of(values: frozenset[str]) -> Defaults:
    choices = sorted(values)

    def defaults(compact: Any) -> Mask:
        return bool_of(pc.is_in(compact, value_set=pa.array(choices, type=compact.type)))

    return defaults


def _repeated_digits(compact: Any) -> Mask:
    """The ten-digit values that repeat one digit (``9999999999``...).

    Every repeated-digit NHS Number passes Modulus 11 (54 ≡ -1 mod 11) but none
    is issued: they are placeholders typed when the number is not known.  Read
    in place from the Arrow buffers: three digits first, then all ten of the
    few rows where those three agree.
    """
    offsets, data = offsets_and_data(compact)
    result = np.zeros(len(compact), dtype=np.bool_)
    rows = np.flatnonzero(present(compact) & (np.diff(offsets) == 10))
    if len(rows):
        matrix = fixed_width(offsets, data, rows, 10)
        first = matrix[:, 0]
        candidates = np.flatnonzero((first == matrix[:, 9]) & (first == matrix[:, 4]))
        if len(candidates):
            digits = matrix[candidates]
            result[rows[candidates[(digits == digits[:, :1]).all(axis=1)]]] = True
    return result


# --------------------------------------------------------------------------
# Code lists


def _code_list_kernel(code_list: type[codes.CodedEnum]) -> Kernel:
    # A retired code is not valid for new data -- unless the whole list is retired (PERSON GENDER
    # CODE), when checking a column against it means reading old records.
    refuse_retired = any(not member.is_retired for member in code_list)

    def check(value: Any) -> tuple[str | None, int]:
        try:
            member = code_list.parse(value)
        except codes.CodeError as error:
            return None, CODE[error.reason]
        if member.is_retired and refuse_retired:
            return None, CODE[Reason.RETIRED_CODE]
        return member.code, VALID

    def kernel(array: Any, want_values: bool = True) -> Outcome:
        return outcome_from_unique(code_list.code_system.key, array, check)

    return kernel


def _code_list_kind(code_list: type[codes.CodedEnum]) -> ColumnKind:
    system = code_list.code_system
    default_codes = frozenset(member.code for member in code_list.members(codes.CodeKind.DEFAULT))
    return ColumnKind(
        system.key,
        system.name,
        _code_list_kernel(code_list),
        personal=False,
        defaults=_one_of(default_codes) if default_codes else None,
    )


# --------------------------------------------------------------------------
# Dates

_DATE_SHAPE = "[0-9]{4}-[0-9]{2}-[0-9]{2}"
_DATE_WIDTH = 10


class ParsedDates(NamedTuple):
    values: Any
    codes: Codes
    #: Days since 1970-01-01 where the row is a real date (0 elsewhere).
    days: npt.NDArray[np.int64]


def parse_dates(array: Any) -> ParsedDates:
    """Classify ``CCYY-MM-DD`` dates (surrounding ASCII whitespace stripped): ``empty``,
    ``format`` (not that shape), ``invalid_date`` (no such calendar day)."""
    values = trim(array)
    length = len(values)
    codes_ = new_codes(length)
    days = np.zeros(length, dtype=np.int64)
    live = present(values)
    lengths = np.asarray(pc.binary_length(values).fill_null(0).to_numpy(zero_copy_only=False))
    codes_[live & (lengths == 0)] = CODE[Reason.EMPTY]
    shaped = _kernels._regex(values, _DATE_SHAPE) & live
    codes_[live & (lengths != 0) & ~shaped] = CODE[Reason.FORMAT]
    rows = np.flatnonzero(shaped)
    if len(rows):
        offsets, data = offsets_and_data(values)
        matrix = fixed_width(offsets, data, rows, _DATE_WIDTH).astype(np.int64) - ord("0")
        year = matrix[:, 0] * 1000 + matrix[:, 1] * 100 + matrix[:, 2] * 10 + matrix[:, 3]
        month = matrix[:, 5] * 10 + matrix[:, 6]
        day = matrix[:, 8] * 10 + matrix[:, 9]
        leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
        limit = _kernels._DAYS_IN_MONTH[np.clip(month, 0, 13)]
        limit = np.where((month == 2) & ~leap, 28, limit)
        real = (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= limit)
        codes_[rows[~real]] = CODE[Reason.INVALID_DATE]
        good = rows[real]
        first_of_month = (year[real] - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (
            month[real] - 1
        )
        days[good] = (first_of_month.astype("datetime64[D]") + (day[real] - 1)).astype(np.int64)
    return ParsedDates(values, codes_, days)


def _day_number(date: datetime.date) -> int:
    return (date - _EPOCH).days


def _date_kernel(earliest: datetime.date | None, not_future: bool) -> Kernel:
    def kernel(array: Any, want_values: bool = True) -> Outcome:
        parsed = parse_dates(array)
        codes_ = parsed.codes
        real = (codes_ == VALID) & present(parsed.values)
        outside = np.zeros(len(codes_), dtype=np.bool_)
        if earliest is not None:
            outside |= parsed.days < _day_number(earliest)
        if not_future:
            outside |= parsed.days > _day_number(datetime.date.today())
        codes_[real & outside] = CODE[Reason.OUT_OF_RANGE]
        return Outcome(keep_rows(parsed.values, (codes_ == VALID) & present(parsed.values)), codes_)

    return kernel


# --------------------------------------------------------------------------
# The registry


def _identifier_kind(kind: str) -> ColumnKind:
    personal = identifiers.value_class(kind).personal or kind in _ADDRESS_KINDS
    defaults = _repeated_digits if kind == "nhs_number" else None
    return ColumnKind(kind, identifiers.label(kind), _frames.kernel_for(kind), personal, defaults)


def _registry() -> dict[str, ColumnKind]:
    kinds = [_identifier_kind(kind) for kind in identifiers.KINDS]
    kinds.append(
        ColumnKind(
            "address_postcode",
            "Postcode of an address (postcode or NHS pseudo-postcode)",
            _kernels.address_postcode_kernel,
            personal=True,
            defaults=_kernels.is_pseudo_postcode,
        )
    )
    kinds += [
        ColumnKind(
            "date", "Date (CCYY-MM-DD)", _date_kernel(None, not_future=False), personal=True, visible=0
        ),
        ColumnKind(
            "birth_date", "Birth date", _date_kernel(EARLIEST_DATE, not_future=True), personal=True, visible=0
        ),
        ColumnKind(
            "death_date", "Death date", _date_kernel(EARLIEST_DATE, not_future=True), personal=True, visible=0
        ),
    ]
    kinds += [_code_list_kind(code_list) for code_list in codes.CODE_LISTS]
    return {kind.name: kind for kind in kinds}


#: Every column kind, by name: identifier kinds first, then address postcodes, dates and code lists.
KINDS: dict[str, ColumnKind] = _registry()


def parse_kind(text: str) -> str:
    """``"nhs-number"`` / ``"Birth_Date"`` -> ``"nhs_number"`` / ``"birth_date"``; ``ValueError``
    if unknown."""
    kind = text.strip().lower().replace("-", "_")
    if kind not in KINDS:
        choices = ", ".join(spelling(k) for k in KINDS)
        raise ValueError(f"unknown column kind {text!r}; choose from {choices}")
    return kind


def spelling(kind: str) -> str:
    """The command-line spelling of a kind: ``nhs_number`` -> ``nhs-number``."""
    return kind.replace("_", "-")


# --------------------------------------------------------------------------
# Which columns hold which kind, by header


def normalise_header(name: str) -> str:
    """``"NHS Number"`` -> ``"nhs_number"``, ``"H&C No."`` -> ``"h_c_no"``."""
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


# Header spellings seen in extracts, beyond the kind's own name and label.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "nhs_number": ("nhs_no", "nhsno", "nhsnumber", "nhs_num", "nhs", "new_nhs_no", "patient_nhs_number"),
    "chi_number": ("chi", "chi_no", "chinumber", "community_health_index", "chi_num"),
    "hc_number": ("h_c_number", "h_and_c_number", "hcn", "hc_no", "health_and_care_number"),
    "sctid": (
        "snomed",
        "snomed_ct",
        "snomed_code",
        "snomed_ct_code",
        "snomed_ct_id",
        "snomed_id",
        "concept_id",
    ),
    "ods_code": (
        "ods",
        "org_code",
        "organisation_code",
        "organization_code",
        "ods_organisation_code",
        "practice_code",
        "gp_practice_code",
        "gp_practice",
        "site_code",
        "provider_code",
    ),
    "postcode": ("post_code", "postal_code"),
    # The postcode of a patient's address may be an NHS pseudo-postcode (no fixed abode, abroad).
    "address_postcode": (
        "postcode_of_usual_address",
        "patient_postcode",
        "usual_address_postcode",
        "home_postcode",
        "person_postcode",
    ),
    "nhs_pseudo_postcode": ("pseudo_postcode",),
    "gmc_number": ("gmc", "gmc_no", "gmc_code"),
    "consultant_code": ("consultant",),
    "gmp_code": ("gmp", "gmp_number", "ppd_code"),
    "gdp_code": ("gdp",),
    "gdc_number": ("gdc", "gdc_no"),
    "nmc_pin": ("nmc", "nmc_number"),
    "hcpc_number": ("hcpc", "hcpc_no"),
    "gphc_number": ("gphc", "gphc_no"),
    "uprn": (),
    "birth_date": ("date_of_birth", "dob", "person_birth_date", "birth_dt", "birthdate"),
    "death_date": ("date_of_death", "dod", "person_death_date", "deathdate"),
    "person_stated_gender_code": ("stated_gender", "stated_gender_code", "person_stated_gender"),
    "person_phenotypic_sex": ("phenotypic_sex",),
    "gender_identity_code": ("gender_identity",),
    "ethnic_category_england": ("ethnic_category", "ethnic_category_code", "ethnicity"),
    "ethnic_category_wales": ("ethnic_category_wales_code",),
    "ethnic_category_scotland": ("ethnic_group", "ethnic_group_scotland"),
    "person_marital_status": ("marital_status", "marital_status_code"),
    "person_marital_status_scotland": ("marital_status_scotland",),
    "nhs_number_status_indicator_code": (
        "nhs_number_status",
        "nhs_number_status_indicator",
        "nhs_no_status",
        "nhs_number_status_code",
    ),
}


def _header_kinds() -> dict[str, str]:
    table: dict[str, str] = {}
    for kind in KINDS.values():
        for spelling in (kind.name, normalise_header(kind.label), *_SYNONYMS.get(kind.name, ())):
            table.setdefault(spelling, kind.name)
    return table


_HEADER_KINDS = _header_kinds()


def detect_kind(header: str) -> str | None:
    """The column kind a header names, if any."""
    return _HEADER_KINDS.get(normalise_header(header))

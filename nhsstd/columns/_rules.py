"""Cross-field rules of NHS data sets, checked row by row over validated columns (private).

A rule reads the validated results of two columns and says, for each row of a
batch, whether it applies (both values valid, say) and whether the row breaks
it.  A rule is checked when the report has a column of each kind it reads (the
first such column, in the order checked).

* ``death_not_before_birth``: a PERSON DEATH DATE is not before the PERSON
  BIRTH DATE (the same invariant as :class:`nhsstd.models.Patient`).
* ``chi_number_birth_date``: the first six digits of a CHI Number are the
  birth date as ``DDMMYY`` (:func:`nhsstd.identifiers.chi_number.embedded_date`),
  so they agree with the birth date's day, month and last two digits of year.
* ``nhs_number_status_verified_without_number``: NHS NUMBER STATUS INDICATOR
  CODE ``01`` is "Number present and verified", so the NHS Number is not empty.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from nhsstd.codes import NHSNumberStatusIndicatorCode
from nhsstd.columns import _arrow, _frames, _kinds
from nhsstd.columns._arrow import CODE, VALID, Mask
from nhsstd.exceptions import Reason

#: One validated column of a batch: the raw Arrow array and its result.
Validated = tuple[Any, _frames.Result]
#: ``test(columns) -> (checked, failed)``, both boolean masks over the batch's rows.
RuleTest = Callable[[Sequence[Validated]], tuple[Mask, Mask]]


class Rule(NamedTuple):
    name: str
    description: str
    #: For each column the rule reads, the kinds that may fill it.
    kinds: tuple[frozenset[str], ...]
    test: RuleTest


def _valid(result: _frames.Result) -> Mask:
    ok: Mask = (result.codes == VALID) & result.present
    return ok


def _string_values(result: _frames.Result) -> Any:
    values = result.values
    return values.cast(pa.large_string()) if _arrow.is_string_view(values.type) else values


def _death_not_before_birth(columns: Sequence[Validated]) -> tuple[Mask, Mask]:
    (_, birth), (_, death) = columns
    checked = _valid(birth) & _valid(death)
    birth_days = _kinds.parse_dates(_string_values(birth)).days
    death_days = _kinds.parse_dates(_string_values(death)).days
    return checked, checked & (death_days < birth_days)


def _date_parts(days: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], ...]:
    dates = days.astype("datetime64[D]")
    months = dates.astype("datetime64[M]")
    year = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (dates - months.astype("datetime64[D]")).astype(np.int64) + 1
    return day, month, year


def _chi_number_birth_date(columns: Sequence[Validated]) -> tuple[Mask, Mask]:
    (_, chi), (_, birth) = columns
    checked = _valid(chi) & _valid(birth)
    failed = np.zeros(len(checked), dtype=np.bool_)
    rows = np.flatnonzero(checked)
    if len(rows):
        offsets, data = _arrow.offsets_and_data(_string_values(chi))
        digits = _arrow.fixed_width(offsets, data, rows, 10).astype(np.int64) - ord("0")
        day, month, year = _date_parts(_kinds.parse_dates(_string_values(birth)).days[rows])
        agrees = (
            (digits[:, 0] * 10 + digits[:, 1] == day)
            & (digits[:, 2] * 10 + digits[:, 3] == month)
            & (digits[:, 4] * 10 + digits[:, 5] == year % 100)
        )
        failed[rows] = ~agrees
    return checked, failed


_VERIFIED = NHSNumberStatusIndicatorCode.VERIFIED.code


def _verified_without_number(columns: Sequence[Validated]) -> tuple[Mask, Mask]:
    (_, status), (_, number) = columns
    verified = _valid(status) & _arrow.bool_of(pc.equal(_string_values(status), _VERIFIED))
    empty = ~number.present | (number.codes == CODE[Reason.EMPTY])
    return verified, verified & empty


_STATUS_KINDS = frozenset(
    {"nhs_number_status_indicator_code", "nhs_number_status_indicator_code_mental_health_and_maternity"}
)

#: Every cross-field rule, in report order.
RULES: tuple[Rule, ...] = (
    Rule(
        "death_not_before_birth",
        "death date is not before birth date",
        (frozenset({"birth_date"}), frozenset({"death_date"})),
        _death_not_before_birth,
    ),
    Rule(
        "chi_number_birth_date",
        "CHI Number's date part (DDMMYY) agrees with the birth date",
        (frozenset({"chi_number"}), frozenset({"birth_date"})),
        _chi_number_birth_date,
    ),
    Rule(
        "nhs_number_status_verified_without_number",
        'NHS Number status 01 "number present and verified" has an NHS Number',
        (_STATUS_KINDS, frozenset({"nhs_number"})),
        _verified_without_number,
    ),
)


def bind(checks: Sequence[tuple[str, str]]) -> list[tuple[Rule, tuple[int, ...]]]:
    """The rules that *checks* (``(column, kind)`` pairs) allow, each with the checks it reads (indices)."""
    bound = []
    for rule in RULES:
        chosen = []
        for kinds in rule.kinds:
            index = next((index for index, (_, kind) in enumerate(checks) if kind in kinds), None)
            if index is None:
                break
            chosen.append(index)
        else:
            bound.append((rule, tuple(chosen)))
    return bound

"""The counts of a data quality report, built batch by batch (private).

A :class:`Tally` takes record batches with the number of their first row and
counts, per checked column: rows, missing, valid, default values, invalid by
reason, the first failing rows and where in the file the failures fall; and,
per cross-field rule, the rows it applied to and the rows that broke it.
Tallies of different parts of a table (Spark partitions) merge into the tally
of the whole, exactly: the counts add up, the first failing rows are the first
by row number, and the trend buckets are aligned on absolute row numbers with
a width that depends only on the total number of rows.

Scores follow NHS England's Data Quality Maturity Index (DQMI) methodology,
"Appendix 1: Example of DQMI calculation": for each data item,

    defaults in excess = max(0, defaults - threshold x records)
    item score = (valid and complete records - defaults in excess) / records x 100

and for the file the mean of the item scores times the mean coverage, which a
single file cannot measure and is taken as 1 (see ``docs/columns.rst``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from nhsstd import identifiers
from nhsstd.columns import _arrow, _frames, _kinds, _rules
from nhsstd.columns._arrow import VALID, Mask

#: Patient numbers of ten digits, which an integer column holds without their leading zeros.
_TEN_DIGIT_KINDS = frozenset({"nhs_number", "chi_number", "hc_number"})

#: Longest failing value shown (longer ones are cut, with their length).
MAX_SHOWN = 60

#: Buckets of the failure trend; their width doubles as the file grows.
TREND_BUCKETS = 64

Rows = npt.NDArray[np.intp]
#: ``record_ids(rows)``: the record id of each of *rows* of the batch (``None`` without --id-column).
RecordIds = Callable[[Rows], list[str | None]]


class Failure(NamedTuple):
    """A failing row: 1-based row number, reason, the value (masked if personal), record id."""

    row: int
    reason: str
    value: str
    id: str | None = None


class RuleFailure(NamedTuple):
    row: int
    id: str | None = None


class Trend:
    """Failures counted in :data:`TREND_BUCKETS` buckets of rows.

    Bucket ``i`` counts rows ``i * width`` to ``(i + 1) * width - 1`` (0-based);
    *width* is the smallest power of two that fits the rows seen in the buckets.
    """

    def __init__(self) -> None:
        self.width = 1
        self.counts = np.zeros(TREND_BUCKETS, dtype=np.int64)

    def fit(self, end_row: int) -> None:
        """Widen the buckets until rows ``0 .. end_row - 1`` fit."""
        while -(-end_row // self.width) > TREND_BUCKETS:
            pairs = self.counts.reshape(-1, 2).sum(axis=1)
            self.counts = np.zeros(TREND_BUCKETS, dtype=np.int64)
            self.counts[: len(pairs)] = pairs
            self.width *= 2

    def add(self, first_row: int, count: int, failing: Rows) -> None:
        self.fit(first_row + count)
        if len(failing):
            self.counts += np.bincount((first_row + failing) // self.width, minlength=TREND_BUCKETS)

    def merge(self, other: Trend) -> None:
        while other.width > self.width:
            self.fit(self.width * TREND_BUCKETS + 1)
        counts = other.counts
        width = other.width
        while width < self.width:
            counts = np.concatenate([counts.reshape(-1, 2).sum(axis=1), np.zeros(len(counts) // 2, np.int64)])
            width *= 2
        self.counts = self.counts + counts

    def buckets(self, rows: int) -> list[int]:
        return [int(count) for count in self.counts[: -(-rows // self.width)]]


#: ``_IS_WHITESPACE[byte]``: the byte is ASCII whitespace.
_IS_WHITESPACE = np.zeros(256, dtype=np.bool_)
_IS_WHITESPACE[list(_arrow.ASCII_WHITESPACE.encode("ascii"))] = True


def _blank(column: Any) -> Mask:
    """The rows of a string *column* that are empty or only ASCII whitespace (nulls aside).

    Only the rows that start with whitespace are trimmed to see what is left, so a clean column
    costs one look at each row's first byte.
    """
    offsets, data = _arrow.offsets_and_data(column)
    blank: Mask = np.diff(offsets) == 0
    if len(data):
        first_bytes = data[np.minimum(offsets[:-1], len(data) - 1)]
        suspects = np.flatnonzero(_IS_WHITESPACE[first_bytes] & ~blank)
        if len(suspects):
            trimmed = _arrow.trim(column.take(pa.array(suspects)))
            left = np.asarray(pc.binary_length(trimmed).fill_null(1).to_numpy(zero_copy_only=False))
            blank[suspects[left == 0]] = True
    return blank


def _patient_number_shaped(value: str) -> bool:
    """Whether *value* is ten digits and punctuation only: an NHS, CHI or H&C Number however
    written (``943 476 5919``, ``943.476.5919``...), in whatever column it turns up."""
    characters = [char for char in value if char.isalnum()]
    return len(characters) == 10 and all(char.isdecimal() for char in characters)


def shown_value(value: str, kind: str | None, unmask: bool) -> str:
    """*value* as a report shows it: masked if *kind* (``None`` when unknown) is personal, or if
    it is shaped like a patient number whatever its kind -- unless *unmask*.

    >>> shown_value("9434765919", "ods_code", unmask=False)
    '*** *** 5919'
    >>> shown_value("1970-09-01", "birth_date", unmask=False)
    '****-**-**'
    >>> shown_value("EP-000123", None, unmask=False)
    'EP-000123'
    """
    if unmask:
        return value
    column_kind = _kinds.KINDS.get(kind) if kind is not None else None
    if column_kind is not None and column_kind.personal:
        return identifiers.mask(value, visible=column_kind.visible)
    if _patient_number_shaped(value):
        return identifiers.mask(value)
    return value


def _cut(value: str) -> str:
    """*value*, cut to :data:`MAX_SHOWN` characters with its length if longer: a stray paragraph
    (or megabyte) in an identifier or record id column."""
    if len(value) > MAX_SHOWN:
        return f"{value[: MAX_SHOWN - 20]}... ({len(value)} characters)"
    return value


def _first_failures(failures: list[Any], more: list[Any], limit: int) -> list[Any]:
    return sorted(failures + more, key=lambda failure: failure.row)[:limit]


def dqmi_score(valid: int, defaults: int, rows: int, threshold: float) -> float | None:
    """The DQMI data item score (0-100) of a column, ``None`` for no rows."""
    if rows == 0:
        return None
    excess = max(0.0, defaults - threshold * rows)
    return round(100 * (valid - excess) / rows, 2)


class ColumnReport:
    """Counts for one checked column."""

    def __init__(self, name: str, kind: str, max_failures: int, *, unmask: bool = False) -> None:
        self.name = name
        self.kind = kind
        self.max_failures = max_failures
        self.unmask = unmask
        self.rows = 0
        self.valid = 0
        self.missing = 0
        #: Valid values that are default or placeholder values (counted in ``valid`` too).
        self.default = 0
        self.reason_counts = np.zeros(len(_arrow.REASONS), dtype=np.int64)
        self.failures: list[Failure] = []
        self.trend = Trend()
        self.default_threshold = 0.0

    @property
    def invalid(self) -> int:
        return int(self.reason_counts.sum())

    @property
    def reasons(self) -> dict[str, int]:
        counts = {
            _arrow.REASONS[index].value: int(count) for index, count in enumerate(self.reason_counts) if count
        }
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

    @property
    def score(self) -> float | None:
        """The DQMI-style data item score, 0-100 (``None`` for an empty file)."""
        return dqmi_score(self.valid, self.default, self.rows, self.default_threshold)

    def _shown(self, raw: Any) -> str:
        if not isinstance(raw, str):
            return "***"
        return _cut(shown_value(raw, self.kind, self.unmask))

    def add(
        self,
        column: Any,
        result: _frames.Result,
        first_row: int,
        defaults: Mask | None = None,
        record_ids: RecordIds | None = None,
    ) -> None:
        codes = result.codes
        self.rows += len(codes)
        self.missing += int(len(codes) - np.count_nonzero(result.present))
        bad = codes != VALID
        self.reason_counts += np.bincount(codes[bad], minlength=len(_arrow.REASONS))
        self.valid += int(np.count_nonzero(result.present & ~bad))
        if defaults is not None:
            self.default += int(np.count_nonzero(defaults & result.present & ~bad))
        failing = np.flatnonzero(bad)
        self.trend.add(first_row, len(codes), failing)
        wanted = self.max_failures - len(self.failures)
        if wanted > 0 and len(failing):
            rows = failing[:wanted]
            raw = column.take(pa.array(rows)).to_pylist()
            ids = record_ids(rows) if record_ids is not None else [None] * len(rows)
            for row, value, record in zip(rows.tolist(), raw, ids, strict=True):
                reason = _arrow.REASONS[codes[row]].value
                self.failures.append(Failure(first_row + row + 1, reason, self._shown(value), record))

    def merge(self, other: ColumnReport) -> None:
        self.rows += other.rows
        self.valid += other.valid
        self.missing += other.missing
        self.default += other.default
        self.reason_counts = self.reason_counts + other.reason_counts
        self.failures = _first_failures(self.failures, other.failures, self.max_failures)
        self.trend.merge(other.trend)

    def as_dict(self) -> dict[str, Any]:
        return {
            "column": self.name,
            "kind": self.kind,
            "rows": self.rows,
            "valid": self.valid,
            "invalid": self.invalid,
            "missing": self.missing,
            "default": self.default,
            "score": self.score,
            "reasons": self.reasons,
            "failures": [failure._asdict() for failure in self.failures],
            "trend": self.trend.buckets(self.rows),
        }


class RuleReport:
    """Counts for one cross-field rule over the columns it reads."""

    def __init__(self, rule: _rules.Rule, columns: Sequence[str], max_failures: int) -> None:
        self.rule = rule
        self.columns = tuple(columns)
        self.max_failures = max_failures
        self.rows = 0
        self.checked = 0
        self.failed = 0
        self.failures: list[RuleFailure] = []
        self.trend = Trend()

    def add(self, checked: Mask, failed: Mask, first_row: int, record_ids: RecordIds | None) -> None:
        self.rows += len(checked)
        self.checked += int(np.count_nonzero(checked))
        failing = np.flatnonzero(failed)
        self.failed += len(failing)
        self.trend.add(first_row, len(checked), failing)
        wanted = self.max_failures - len(self.failures)
        if wanted > 0 and len(failing):
            rows = failing[:wanted]
            ids = record_ids(rows) if record_ids is not None else [None] * len(rows)
            self.failures += [
                RuleFailure(first_row + row + 1, record)
                for row, record in zip(rows.tolist(), ids, strict=True)
            ]

    def merge(self, other: RuleReport) -> None:
        self.rows += other.rows
        self.checked += other.checked
        self.failed += other.failed
        self.failures = _first_failures(self.failures, other.failures, self.max_failures)
        self.trend.merge(other.trend)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule.name,
            "description": self.rule.description,
            "columns": list(self.columns),
            "checked": self.checked,
            "failed": self.failed,
            "failures": [failure._asdict() for failure in self.failures],
            "trend": self.trend.buckets(self.rows),
        }


class Tally:
    """The report being built: one :class:`ColumnReport` per check, one :class:`RuleReport` per rule."""

    def __init__(
        self,
        checks: Sequence[tuple[str, str]],
        *,
        max_failures: int = 10,
        id_column: str | None = None,
        unmask: bool = False,
        default_threshold: float = 0.0,
    ) -> None:
        self.columns = [ColumnReport(name, kind, max_failures, unmask=unmask) for name, kind in checks]
        for column in self.columns:
            column.default_threshold = default_threshold
        self.rules = [
            RuleReport(rule, [checks[index][0] for index in indices], max_failures)
            for rule, indices in _rules.bind(checks)
        ]
        self._rule_checks = [indices for _, indices in _rules.bind(checks)]
        self.id_column = id_column
        self.unmask = unmask
        #: The kind the id column holds, if known: checked as, else named by its header.
        self.id_kind = (
            None if id_column is None else dict(checks).get(id_column, _kinds.detect_kind(id_column))
        )
        self.rows = 0
        self.warnings: list[str] = []

    @property
    def needed_columns(self) -> list[str]:
        names = [column.name for column in self.columns]
        if self.id_column is not None:
            names.append(self.id_column)
        return list(dict.fromkeys(names))

    def _record_ids(self, batch: Any) -> RecordIds | None:
        if self.id_column is None:
            return None
        column = batch.column(self.id_column)
        kind, unmask = self.id_kind, self.unmask

        def record_ids(rows: Rows) -> list[str | None]:
            values = column.take(pa.array(rows)).to_pylist()
            return [
                None if value is None else _cut(shown_value(str(value), kind, unmask)) for value in values
            ]

        return record_ids

    def _as_text(self, column: Any, report: ColumnReport) -> Any:
        """*column* ready to validate: empty and whitespace-only strings as nulls, and an integer
        column of ten-digit patient numbers as ten-digit text (leading zeros restored)."""
        if _arrow.is_string_type(column.type):
            # Empty cells are missing whatever the input: Arrow's CSV reader makes them null
            # already, Parquet and Spark keep "" -- which must count the same.  So is a cell of
            # only whitespace (issue 12: empty and null alike), which no reader makes null.
            empty = _blank(column)
            if empty.any():
                return _arrow.keep_rows(column, ~empty & _arrow.present(column))
            return column
        if report.kind not in _TEN_DIGIT_KINDS or not pa.types.is_integer(column.type):
            return column
        warning = (
            f"{report.name!r} holds integers, not text: read as ten-digit text with leading zeros "
            "restored; store identifiers as text"
        )
        if warning not in self.warnings:
            self.warnings.append(warning)
        return pc.utf8_lpad(column.cast(pa.string()), 10, "0")

    def add_batch(self, batch: Any, first_row: int) -> list[_frames.Result]:
        """Count *batch*, whose first row is row *first_row* (0-based) of the table."""
        record_ids = self._record_ids(batch)
        validated: list[tuple[Any, _frames.Result]] = []
        for report in self.columns:
            kind = _kinds.KINDS[report.kind]
            column = self._as_text(batch.column(report.name), report)
            result = _frames.validate_array(column, report.kind, kind.kernel, want_values=True)
            defaults = None
            if kind.defaults is not None and result.values is not None:
                defaults = kind.defaults(result.values)
            report.add(column, result, first_row, defaults, record_ids)
            validated.append((column, result))
        for rule_report, indices in zip(self.rules, self._rule_checks, strict=True):
            checked, failed = rule_report.rule.test([validated[index] for index in indices])
            rule_report.add(checked, failed, first_row, record_ids)
        self.rows = max(self.rows, first_row + batch.num_rows)
        return [result for _, result in validated]

    def merge(self, other: Tally) -> None:
        for mine, theirs in zip(self.columns, other.columns, strict=True):
            mine.merge(theirs)
        for mine_rule, their_rule in zip(self.rules, other.rules, strict=True):
            mine_rule.merge(their_rule)
        self.warnings += [warning for warning in other.warnings if warning not in self.warnings]
        self.rows = max(self.rows, other.rows)

    @property
    def score(self) -> float | None:
        """The file's DQMI-style score: the mean of the column scores times coverage (taken as 1)."""
        scores = [column.score for column in self.columns]
        known = [score for score in scores if score is not None]
        return round(sum(known) / len(known), 2) if known else None


def valid_mask(result: _frames.Result) -> Mask:
    """The rows of *result* that are present and valid."""
    ok: Mask = (result.codes == VALID) & result.present
    return ok

"""Vectorised validation kernels, one per identifier kind (private).

Each kernel reproduces its scalar module's policy exactly -- the same
normalisation, the same checks in the same order, so the same
:class:`~nhsstd.exceptions.Reason` for every input -- using Arrow compute
functions for the string work and numpy over the Arrow buffers for the
arithmetic.  No Python code runs per row.  ``tests/columns`` checks each one
against its scalar module with hypothesis.

Ten-digit patient numbers (NHS, CHI, H&C): rows that are ten ASCII digits
are read in place from the Arrow data buffer as a ``(rows, 10)`` byte matrix
(a zero-copy view when the whole column is), and the Modulus 11 sum is built
from five lookups in 65 536-entry tables indexed by byte *pairs*, in
cache-sized blocks; a sum of 1024 or more flags a byte that is not a digit.
Rows written ``DDD DDD DDDD`` or ``DDD-DDD-DDDD`` go through six such tables
(two of them also checking the separator), so the usual messy forms never
leave numpy; padded rows are stripped by Arrow first, and anything else is
compacted with Arrow string functions and classified.

SNOMED CT identifiers are grouped by length and checked with the Verhoeff
tables column by column.  Postcodes and pseudo-postcodes are matched with
Arrow's RE2 engine, using patterns built from the scalar modules' own.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from nhsstd.columns._arrow import (
    CODE,
    VALID,
    Codes,
    Kernel,
    Mask,
    Offsets,
    Outcome,
    bool_of,
    fixed_width,
    keep_rows,
    new_codes,
    offsets_and_data,
    present,
    rows_where,
    trim,
)
from nhsstd.exceptions import Reason
from nhsstd.identifiers import hc_number, nhs_pseudo_postcode, ods_code, postcode, sctid

Indices = npt.NDArray[np.intp]

_EMPTY = CODE[Reason.EMPTY]
_INVALID_CHARACTER = CODE[Reason.INVALID_CHARACTER]
_LENGTH = CODE[Reason.LENGTH]
_CHECKSUM = CODE[Reason.CHECKSUM]
_CHECK_DIGIT_TEN = CODE[Reason.CHECK_DIGIT_TEN]
_OUT_OF_RANGE = CODE[Reason.OUT_OF_RANGE]
_INVALID_DATE = CODE[Reason.INVALID_DATE]
_LEADING_ZERO = CODE[Reason.LEADING_ZERO]
_INVALID_PARTITION = CODE[Reason.INVALID_PARTITION]
_FORMAT = CODE[Reason.FORMAT]
_LETTER_RULE = CODE[Reason.LETTER_RULE]
_PSEUDO_POSTCODE = CODE[Reason.PSEUDO_POSTCODE]

_ZERO = 48  # ord("0")
_SPACE, _HYPHEN = 32, 45  # ord(" "), ord("-")
_BLOCK = 1 << 17  # rows per block of the table lookups (keeps them in cache)


# --------------------------------------------------------------------------
# Modulus 11 over a (rows, 10) matrix of ASCII bytes

# A pair of bytes read as a little-endian uint16 indexes a table giving the
# weighted sum of the two digits, or _NON_DIGIT when either byte is not an
# ASCII digit.  Five such sums exceed 1023 exactly when some byte is not a
# digit (the digit-only maximum is 9 * 55 = 495).
_NON_DIGIT = 1024
_MOD11_PAIR_WEIGHTS = ((10, 9), (8, 7), (6, 5), (4, 3), (2, 1))


def _pair_table(first_weight: int, second_weight: int | None) -> npt.NDArray[np.uint16]:
    """Table of ``first_weight·d1 + second_weight·d2`` over byte pairs of two ASCII digits.

    With *second_weight* ``None`` the second byte must be a space or hyphen-minus instead.
    """
    table = np.full(1 << 16, _NON_DIGIT, dtype=np.uint16)
    digits = np.arange(10)
    low = (_ZERO + digits)[:, None]
    if second_weight is None:
        for separator in (_SPACE, _HYPHEN):
            table[(low[:, 0] | separator << 8)] = digits * first_weight
        return table
    high = (_ZERO + digits)[None, :] << 8
    table[(low | high).ravel()] = (digits[:, None] * first_weight + digits[None, :] * second_weight).ravel()
    return table


Tables = tuple[npt.NDArray[np.uint16], ...]

#: Ten digits, ``DDDDDDDDDD``.
_MOD11_TABLES: Tables = tuple(_pair_table(first, second) for first, second in _MOD11_PAIR_WEIGHTS)
#: Twelve bytes, ``DDD?DDD?DDDD`` with ``?`` a space or hyphen-minus.
_MOD11_TABLES_334: Tables = tuple(
    _pair_table(first, second) for first, second in ((10, 9), (8, None), (7, 6), (5, None), (4, 3), (2, 1))
)
#: Where the ten digits are in each layout.
_POSITIONS_10 = tuple(range(10))
_POSITIONS_334 = (0, 1, 2, 4, 5, 6, 8, 9, 10, 11)
_TOTALS = np.arange(1 << 16)
#: total -> valid (all digits and the weighted sum divisible by 11).
_MOD11_OK = (_TOTALS < _NON_DIGIT) & (_TOTALS % 11 == 0)


def _mod11_totals(matrix: npt.NDArray[np.uint8], tables: Tables = _MOD11_TABLES) -> npt.NDArray[np.uint16]:
    """Weighted sums ``10·d1 + 9·d2 + ... + 2·d9 + 1·d10`` per row, ``>= 1024`` if the
    row does not have the layout of *tables* (not all digits, say)."""
    count = matrix.shape[0]
    pairs = matrix.view("<u2")
    totals = np.empty(count, dtype=np.uint16)
    scratch = np.empty(min(count, _BLOCK), dtype=np.uint16)
    for start in range(0, count, _BLOCK):
        block = pairs[start : start + _BLOCK]
        size = block.shape[0]
        out = totals[start : start + size]
        np.take(tables[0], block[:, 0], out=out)
        for column in range(1, len(tables)):
            np.take(tables[column], block[:, column], out=scratch[:size])
            np.add(out, scratch[:size], out=out)
    return totals


def _digits(matrix: npt.NDArray[np.uint8], column: int) -> npt.NDArray[np.int64]:
    return matrix[:, column].astype(np.int64) - _ZERO


# --------------------------------------------------------------------------
# Ten-digit patient numbers


class _Part(NamedTuple):
    """Rows of a chunk that are ten ASCII digits once normalised."""

    #: Row numbers in the chunk (``None``: every row, in order).
    rows: Indices | None
    #: Their bytes, ``(len(rows), width)``.
    matrix: npt.NDArray[np.uint8]
    #: Their Modulus 11 totals (see :func:`_mod11_totals`).
    totals: npt.NDArray[np.uint16]
    #: The columns of *matrix* holding the ten digits.
    positions: tuple[int, ...] = _POSITIONS_10

    def digit(self, index: int, mask: Mask | None = None) -> npt.NDArray[np.int64]:
        """Digit *index* (0-9) of every row (or of the rows in *mask*) as integers."""
        column = self.matrix[:, self.positions[index]]
        return (column if mask is None else column[mask]).astype(np.int64) - _ZERO

    def ten_digits(self) -> npt.NDArray[np.uint8]:
        """The ten digits of every row as a contiguous ``(len(rows), 10)`` byte matrix."""
        if self.positions == _POSITIONS_10:
            return self.matrix
        digits = np.empty((self.matrix.shape[0], 10), dtype=np.uint8)
        target = 0
        for start, stop in _runs(self.positions):  # copy runs of adjacent columns at once
            digits[:, target : target + stop - start] = self.matrix[:, start:stop]
            target += stop - start
        return digits

    def row_numbers(self, mask: Mask | None = None) -> Indices:
        if self.rows is None:
            return np.arange(len(self.totals)) if mask is None else np.flatnonzero(mask)
        return self.rows if mask is None else self.rows[mask]


def _runs(positions: tuple[int, ...]) -> list[tuple[int, int]]:
    """``(0, 1, 2, 4, 5)`` -> ``[(0, 3), (4, 6)]``: runs of consecutive positions as slices."""
    runs: list[tuple[int, int]] = []
    for position in positions:
        if runs and runs[-1][1] == position:
            runs[-1] = (runs[-1][0], position + 1)
        else:
            runs.append((position, position + 1))
    return runs


class _Patients(NamedTuple):
    codes: Codes
    parts: list[_Part]
    #: Every non-null row was already ten ASCII digits: the input is its own compact form.
    unchanged: bool


def _select(part: _Part, ok: Mask) -> _Part:
    if ok.all():
        return part
    return _Part(part.row_numbers(ok), part.matrix[ok], part.totals[ok], part.positions)


def _digit_part(
    offsets: Offsets,
    data: npt.NDArray[np.uint8],
    rows: Indices,
    layout: tuple[Tables, tuple[int, ...]] | None = None,
) -> tuple[_Part, Mask]:
    """The *rows* that are ten ASCII digits (or, with *layout*, ``DDD DDD DDDD``)."""
    tables, positions = layout or (_MOD11_TABLES, _POSITIONS_10)
    matrix = fixed_width(offsets, data, rows, 2 * len(tables))
    totals = _mod11_totals(matrix, tables)
    ok = totals < _NON_DIGIT
    return _select(_Part(rows, matrix, totals, positions), ok), ok


def _compact_patient(array: Any) -> Any:
    """Drop every ASCII space and hyphen-minus (after :func:`trim`)."""
    return pc.replace_substring(pc.replace_substring(array, " ", ""), "-", "")


def _classify_compact(array: Any, codes: Codes) -> _Part:
    """Classify compact values like ``_common.check_digit_string(value, 10)``.

    Sets ``empty`` / ``invalid_character`` / ``length`` in *codes* and returns
    the rows that are ten ASCII digits.
    """
    offsets, data = offsets_and_data(array)
    lengths = np.diff(offsets)
    live = present(array)
    part, ok = _digit_part(offsets, data, np.flatnonzero((lengths == 10) & live))
    # Ten bytes, not all of them ASCII digits: whatever they are, not ASCII digits.
    codes[np.flatnonzero((lengths == 10) & live)[~ok]] = _INVALID_CHARACTER
    others = live & (lengths != 10)
    if others.any():
        codes[others & (lengths == 0)] = _EMPTY
        rest = others & (lengths != 0)
        if rest.any():
            decimal = bool_of(pc.ascii_is_decimal(rows_where(array, rest)))
            codes[np.flatnonzero(rest)] = np.where(decimal, _LENGTH, _INVALID_CHARACTER)
    return part


_LAYOUTS: tuple[tuple[int, tuple[Tables, tuple[int, ...]] | None], ...] = (
    (10, None),
    (12, (_MOD11_TABLES_334, _POSITIONS_334)),
)


def _layout_parts(array: Any, pending: Mask, parts: list[_Part], row_map: Indices | None) -> None:
    """Find the *pending* rows of *array* laid out as ten digits or ``DDD DDD DDDD``.

    Adds them to *parts* (row numbers mapped through *row_map*) and clears them
    from *pending*.
    """
    offsets, data = offsets_and_data(array)
    lengths = np.diff(offsets)
    for width, layout in _LAYOUTS:
        rows = np.flatnonzero(pending & (lengths == width))
        if layout is not None and len(rows):
            # Cheap pre-filter: a separator at both separator positions.
            starts = offsets[:-1][rows]
            for position in (3, 7):
                column = data[starts + position]
                keep = (column == _SPACE) | (column == _HYPHEN)
                rows, starts = rows[keep], starts[keep]
        if not len(rows):
            continue
        part, ok = _digit_part(offsets, data, rows, layout)
        if row_map is not None:
            part = part._replace(rows=row_map[part.row_numbers()])
        parts.append(part)
        pending[rows[ok]] = False


def _patient_numbers(array: Any) -> _Patients:
    """Normalise and classify a chunk of ten-digit patient numbers.

    The policy is ``compact()`` (strip ASCII whitespace at the ends, drop every
    ASCII space and hyphen-minus) then ``check_digit_string(value, 10)``.  Rows
    that are ten digits or ``DDD DDD DDDD`` / ``DDD-DDD-DDDD`` are read in
    place, first as they are and then after stripping; everything else is
    compacted with Arrow string functions and classified.
    """
    length = len(array)
    codes = new_codes(length)
    live = present(array)
    offsets, data = offsets_and_data(array)
    if array.null_count == 0 and length and int(offsets[-1] - offsets[0]) == 10 * length:
        lengths_ok = bool((np.diff(offsets) == 10).all())
        if lengths_ok:  # the clean column: one zero-copy (rows, 10) view
            part, ok = _digit_part(offsets, data, np.arange(length))
            if ok.all():
                return _Patients(codes, [part._replace(rows=None)], unchanged=True)
    parts: list[_Part] = []
    pending = live.copy()
    _layout_parts(array, pending, parts, None)
    if not pending.any():
        unchanged = all(part.positions == _POSITIONS_10 for part in parts)
        return _Patients(codes, parts, unchanged)
    pending_rows = np.flatnonzero(pending)
    subset = array if len(pending_rows) == length else rows_where(array, pending)
    trimmed = trim(subset)
    left = np.ones(len(trimmed), dtype=np.bool_)
    _layout_parts(trimmed, left, parts, pending_rows)
    if left.any():
        rest = trimmed if left.all() else rows_where(trimmed, left)
        rest_rows = pending_rows[np.flatnonzero(left)]
        rest_codes = new_codes(len(rest_rows))
        part = _classify_compact(_compact_patient(rest), rest_codes)
        codes[rest_rows] = rest_codes
        parts.append(part._replace(rows=rest_rows[part.row_numbers()]))
    return _Patients(codes, parts, unchanged=False)


def _patient_values(array: Any, patients: _Patients) -> Any:
    """The compact values of the valid rows (ten digits each), null elsewhere."""
    valid = (patients.codes == VALID) & present(array)
    if patients.unchanged:
        return keep_rows(array, valid)
    length = len(array)
    # One ten-byte void per row, so that the scatter below moves whole rows.
    row_type = np.dtype((np.void, 10))
    digits = np.zeros(length, dtype=row_type)
    for part in patients.parts:
        digits[part.row_numbers()] = np.ascontiguousarray(part.ten_digits()).view(row_type).ravel()
    offset_type = np.int32 if pa.types.is_string(array.type) else np.int64
    count = int(np.count_nonzero(valid))
    bitmap = None if count == length else pa.py_buffer(np.packbits(valid, bitorder="little"))
    if 10 * (length + 1) <= np.iinfo(offset_type).max:
        # Every row ten bytes long, the invalid ones null (Arrow lets a null slot
        # hold bytes): no compaction of the data, and arithmetic offsets.
        offsets = np.arange(0, 10 * (length + 1), 10, dtype=offset_type)
        kept = digits
    else:  # pragma: no cover - over 214 million rows in one int32-offset chunk
        offsets = np.zeros(length + 1, dtype=offset_type)
        np.cumsum(valid, dtype=offset_type, out=offsets[1:])
        offsets *= 10
        kept = digits[valid]
    return pa.Array.from_buffers(
        array.type,
        length,
        [bitmap, pa.py_buffer(offsets), pa.py_buffer(kept)],
        null_count=length - count,
    )


def _mod11_reasons(patients: _Patients) -> list[Mask]:
    """Set ``checksum`` / ``check_digit_ten`` as ``nhs_number.validate_compact``; the valid rows per part."""
    result = []
    for part in patients.parts:
        ok = _MOD11_OK[part.totals]
        if not ok.all():
            bad = ~ok
            first_nine = part.totals[bad].astype(np.int64) - part.digit(9, bad)
            patients.codes[part.row_numbers(bad)] = np.where(
                first_nine % 11 == 1, _CHECK_DIGIT_TEN, _CHECKSUM
            )
        result.append(ok)
    return result


def _patient_outcome(array: Any, patients: _Patients, want_values: bool) -> Outcome:
    return Outcome(_patient_values(array, patients) if want_values else None, patients.codes)


def nhs_number_kernel(array: Any, want_values: bool = True) -> Outcome:
    patients = _patient_numbers(array)
    _mod11_reasons(patients)
    return _patient_outcome(array, patients, want_values)


def hc_number_kernel(array: Any, want_values: bool = True) -> Outcome:
    patients = _patient_numbers(array)
    assert (hc_number.FIRST_NINE_LOW, hc_number.FIRST_NINE_HIGH) == (320_000_001, 399_999_999)
    for part, ok in zip(patients.parts, _mod11_reasons(patients), strict=True):
        # First nine digits in 320 000 001 .. 399 999 999: "3", then "2".."9", and
        # not "3" "2" followed by seven zeros.
        first, second = part.digit(0, ok), part.digit(1, ok)
        inside = (first == 3) & (second >= 2)
        low = np.flatnonzero(inside & (second == 2))
        if len(low):
            rest = np.zeros(len(low), dtype=np.bool_)
            ok_rows = np.flatnonzero(ok)[low]
            for index in range(2, 9):
                rest |= part.digit(index)[ok_rows] != 0
            inside[low] = rest
        patients.codes[part.row_numbers(ok)[~inside]] = _OUT_OF_RANGE
    return _patient_outcome(array, patients, want_values)


_DAYS_IN_MONTH = np.array([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31, 0], dtype=np.int64)
_LUHN_DOUBLED = np.array([0, 2, 4, 6, 8, 1, 3, 5, 7, 9], dtype=np.int64)


def _two_digits(matrix: npt.NDArray[np.uint8], column: int) -> npt.NDArray[np.int64]:
    return _digits(matrix, column) * 10 + _digits(matrix, column + 1)


def _pair_value(part: _Part, index: int) -> npt.NDArray[np.int64]:
    return part.digit(index) * 10 + part.digit(index + 1)


def chi_number_kernel(array: Any, want_values: bool = True) -> Outcome:
    """CHI Number, default ``check_digit="mod11_or_mod10"`` mode."""
    patients = _patient_numbers(array)
    codes = patients.codes
    for part in patients.parts:
        day, month, year = _pair_value(part, 0), _pair_value(part, 2), _pair_value(part, 4)
        limit = _DAYS_IN_MONTH[np.clip(month, 0, 13)]
        limit = np.where((month == 2) & (year % 4 != 0), 28, limit)
        real_date = (month >= 1) & (month <= 12) & (day >= 1) & (day <= limit)
        codes[part.row_numbers(~real_date)] = _INVALID_DATE
        # Modulus 11 first; failing that, Modulus 10 (Luhn on the first nine digits).
        pending = real_date & ~_MOD11_OK[part.totals]
        if pending.any():
            total = np.zeros(int(np.count_nonzero(pending)), dtype=np.int64)
            for index in range(9):
                digit = part.digit(index, pending)
                total += _LUHN_DOUBLED[digit] if index % 2 == 0 else digit
            luhn_ok = (10 - total % 10) % 10 == part.digit(9, pending)
            codes[part.row_numbers(pending)[~luhn_ok]] = _CHECKSUM
    return _patient_outcome(array, patients, want_values)


def _finish(values: Any, codes: Codes) -> Outcome:
    return Outcome(keep_rows(values, (codes == VALID) & present(values)), codes)


# --------------------------------------------------------------------------
# SNOMED CT identifiers

# Verhoeff (dihedral group D5) tables, as in the SNOMED CT specification.
_VERHOEFF_D = np.array(
    [[int(char) for char in row] for row in (
        "0123456789", "1234067895", "2340178956", "3401289567", "4012395678",
        "5987604321", "6598710432", "7659821043", "8765932104", "9876543210",
    )],
    dtype=np.int64,
)  # fmt: skip
_VERHOEFF_P = np.array(
    [[int(char) for char in row] for row in (
        "0123456789", "1576283094", "5803796142", "8916043527",
        "9453126870", "4286573901", "2793806415", "7046913258",
    )],
    dtype=np.int64,
)  # fmt: skip
_PARTITION_OK = np.zeros(100, dtype=np.bool_)
_PARTITION_OK[[int(partition.value) for partition in sctid.Partition]] = True


def _verhoeff_ok(matrix: npt.NDArray[np.uint8]) -> Mask:
    width = matrix.shape[1]
    check = np.zeros(matrix.shape[0], dtype=np.int64)
    for position in range(width):  # from the right; position 0 is the check digit
        digit = _digits(matrix, width - 1 - position)
        check = _VERHOEFF_D[check, _VERHOEFF_P[position % 8, digit]]
    ok: Mask = check == 0
    return ok


def sctid_kernel(array: Any, want_values: bool = True) -> Outcome:
    values = trim(array)
    codes = new_codes(len(values))
    offsets, data = offsets_and_data(values)
    lengths = np.diff(offsets)
    live = present(values)
    codes[live & (lengths == 0)] = _EMPTY
    decimal = bool_of(pc.ascii_is_decimal(values))
    codes[live & (lengths != 0) & ~decimal] = _INVALID_CHARACTER
    digit_rows = live & decimal
    codes[digit_rows & ((lengths < sctid.MIN_LENGTH) | (lengths > sctid.MAX_LENGTH))] = _LENGTH
    for width in range(sctid.MIN_LENGTH, sctid.MAX_LENGTH + 1):
        rows = np.flatnonzero(digit_rows & (lengths == width))
        if not len(rows):
            continue
        matrix = fixed_width(offsets, data, rows, width)
        reasons = np.full(len(rows), VALID, dtype=np.int8)
        leading_zero = matrix[:, 0] == _ZERO
        reasons[leading_zero] = _LEADING_ZERO
        if width == len(str(sctid.MIN_EXCLUSIVE)):
            # Six digits, not starting with 0: at most 10**5 only for "100000" itself.
            floor = np.frombuffer(str(sctid.MIN_EXCLUSIVE).encode("ascii"), dtype=np.uint8)
            too_small = (matrix == floor).all(axis=1)
            reasons[too_small & (reasons == VALID)] = _OUT_OF_RANGE
        partition = _two_digits(matrix, width - 3)
        reasons[~_PARTITION_OK[partition] & (reasons == VALID)] = _INVALID_PARTITION
        pending = reasons == VALID
        if pending.any():
            bad = ~_verhoeff_ok(matrix[pending])
            pending_rows = np.flatnonzero(pending)
            reasons[pending_rows[bad]] = _CHECKSUM
        codes[rows] = reasons
    return _finish(values, codes)


# --------------------------------------------------------------------------
# Alphanumeric codes


def _alnum_lengths(values: Any, codes: Codes, low: int, high: int) -> Mask:
    """``empty`` / ``invalid_character`` / ``length`` for upper-cased alphanumeric codes.

    Returns the rows that are ASCII letters and digits of an allowed length.
    """
    lengths = np.asarray(pc.binary_length(values).fill_null(0).to_numpy(zero_copy_only=False))
    live = present(values)
    codes[live & (lengths == 0)] = _EMPTY
    alnum = bool_of(pc.ascii_is_alnum(values))
    codes[live & (lengths != 0) & ~alnum] = _INVALID_CHARACTER
    good_length = (lengths >= low) & (lengths <= high)
    codes[live & alnum & ~good_length] = _LENGTH
    result: Mask = live & alnum & good_length
    return result


def ods_code_kernel(array: Any, want_values: bool = True) -> Outcome:
    values = pc.ascii_upper(trim(array))
    codes = new_codes(len(values))
    _alnum_lengths(values, codes, ods_code.MIN_LENGTH, ods_code.MAX_LENGTH)
    return _finish(values, codes)


def _compact_postcode(array: Any) -> Any:
    """Strip ASCII whitespace at the ends, upper-case ASCII letters, drop every ASCII space."""
    return pc.replace_substring(pc.ascii_upper(trim(array)), " ", "")


def _full_match(pattern: str) -> str:
    """A Python ``re`` pattern used with ``fullmatch``, anchored for RE2 (Arrow)."""
    return f"^(?:{pattern})$"


def _regex(values: Any, pattern: str) -> Mask:
    return bool_of(pc.match_substring_regex(values, _full_match(pattern)))


_SHAPE_SYMBOLS = {"A": "[A-Z]", "9": "[0-9]"}


def _shape_pattern(shape: str) -> str:
    return "".join(_SHAPE_SYMBOLS[symbol] for symbol in shape)


_POSTCODE_SHAPES = (
    "(?:"
    + "|".join(_shape_pattern(shape) for shape in postcode.OUTWARD_SHAPES)
    + ")"
    + _shape_pattern(postcode.INWARD_SHAPE)
)


def _postcode_outcome(array: Any, pseudo_code: int) -> Outcome:
    """Postcodes, an NHS pseudo-postcode getting *pseudo_code* (a reason, or ``VALID``)."""
    values = _compact_postcode(array)
    codes = new_codes(len(values))
    candidate = _alnum_lengths(values, codes, postcode.MIN_LENGTH, postcode.MAX_LENGTH)
    if candidate.any():
        rows = np.flatnonzero(candidate)
        sub = rows_where(values, candidate)
        valid = _regex(sub, postcode.PATTERN.pattern)
        pseudo = _regex(sub, nhs_pseudo_postcode.PATTERN.pattern)
        shaped = _regex(sub, _POSTCODE_SHAPES)
        reasons = np.select(
            [valid, pseudo, ~shaped], [VALID, pseudo_code, _FORMAT], default=_LETTER_RULE
        ).astype(np.int8)
        codes[rows] = reasons
    return _finish(values, codes)


def postcode_kernel(array: Any, want_values: bool = True) -> Outcome:
    return _postcode_outcome(array, _PSEUDO_POSTCODE)


def address_postcode_kernel(array: Any, want_values: bool = True) -> Outcome:
    """The postcode of an address: a Royal Mail postcode or an NHS pseudo-postcode
    (:func:`nhsstd.identifiers.parse_address_postcode`)."""
    return _postcode_outcome(array, VALID)


def is_pseudo_postcode(values: Any) -> Mask:
    """Which compact postcodes are NHS pseudo-postcodes (``ZZ99 ...``)."""
    return _regex(values, nhs_pseudo_postcode.PATTERN.pattern)


def nhs_pseudo_postcode_kernel(array: Any, want_values: bool = True) -> Outcome:
    values = _compact_postcode(array)
    codes = new_codes(len(values))
    length = len(nhs_pseudo_postcode.OUTWARD) + 3
    candidate = _alnum_lengths(values, codes, length, length)
    if candidate.any():
        rows = np.flatnonzero(candidate)
        valid = _regex(rows_where(values, candidate), nhs_pseudo_postcode.PATTERN.pattern)
        codes[rows[~valid]] = _FORMAT
    return _finish(values, codes)


#: kind -> vectorised kernel.
KERNELS: dict[str, Kernel] = {
    "nhs_number": nhs_number_kernel,
    "chi_number": chi_number_kernel,
    "hc_number": hc_number_kernel,
    "sctid": sctid_kernel,
    "ods_code": ods_code_kernel,
    "postcode": postcode_kernel,
    "nhs_pseudo_postcode": nhs_pseudo_postcode_kernel,
}

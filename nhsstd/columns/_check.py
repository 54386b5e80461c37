"""The engine behind ``nhsstd check``: stream a CSV or Parquet file and count (private).

Files are read in batches (``pyarrow.csv.open_csv``, ``ParquetFile.iter_batches``),
so memory stays flat whatever the file size.  Every CSV byte goes through
:class:`_TrackedFile` on its way to Arrow, which checks that the file is UTF-8
and notices a quoted field left open at the end (a truncated file): Arrow on
its own would silently accept both.  Problems with the input raise
:class:`CheckError` with a message naming the file, the line and the problem,
never a value from the file.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.csv as pa_csv  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from nhsstd import identifiers
from nhsstd.columns import _arrow, _frames

#: Bytes read at the start of a file to sniff its format, dialect and header.
SAMPLE_SIZE = 1 << 16
#: Largest header line looked for.
MAX_HEADER = 1 << 24
#: Default Arrow CSV block size and Parquet batch size.
BLOCK_SIZE = 1 << 22
PARQUET_BATCH_ROWS = 1 << 18

_PARQUET_MAGIC = b"PAR1"
_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)
_COMPRESSED = ((b"\x1f\x8b", "gzip"), (b"PK\x03\x04", "zip"), (b"BZh", "bzip2"), (b"\xfd7zXZ", "xz"))


_NOT_UTF8 = "not valid UTF-8; save the file as UTF-8 and check it again"


class CheckError(Exception):
    """The input cannot be checked; the message names the file, the line and the problem."""


# --------------------------------------------------------------------------
# Which columns hold which kind


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
    "postcode": ("post_code", "postal_code", "postcode_of_usual_address", "patient_postcode"),
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
}


def _header_kinds() -> dict[str, str]:
    table: dict[str, str] = {}
    for kind in identifiers.KINDS:
        for spelling in (kind, normalise_header(identifiers.label(kind)), *_SYNONYMS.get(kind, ())):
            table.setdefault(spelling, kind)
    return table


def detect_kind(header: str) -> str | None:
    """The identifier kind a column header names, if any."""
    return _header_kinds().get(normalise_header(header))


def parse_kind(text: str) -> str:
    """``"nhs-number"`` / ``"NHS_Number"`` -> ``"nhs_number"``; ``ValueError`` if unknown."""
    kind = text.strip().lower().replace("-", "_")
    if kind not in identifiers.KINDS:
        choices = ", ".join(k.replace("_", "-") for k in identifiers.KINDS)
        raise ValueError(f"unknown identifier kind {text!r}; choose from {choices}")
    return kind


# --------------------------------------------------------------------------
# Reading


class _TrackedFile(io.RawIOBase):
    """A read-only file that checks the bytes Arrow reads from it.

    Checks UTF-8 (chunks that are pure ASCII cost one ``bytes.isascii``) and
    counts quote characters, so that a quoted field still open at the end of
    the file can be reported rather than silently swallowed.
    """

    def __init__(self, path: str, quote: bytes) -> None:
        super().__init__()
        self._file = open(path, "rb")  # noqa: SIM115 - closed in close()
        self._path = path
        self._quote = quote
        self._carry = b""
        self.position = 0
        self.quotes = 0
        self.last_byte = b""
        self.error: CheckError | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def read(self, size: int | None = -1) -> bytes:
        data = self._file.read(-1 if size is None else size)
        start = self.position
        self.position += len(data)
        if data:
            self.last_byte = data[-1:]
            if self._quote:
                self.quotes += data.count(self._quote)
        self._check_utf8(data, start)
        return data

    def _check_utf8(self, data: bytes, start: int) -> None:
        if self.error is not None:
            raise self.error
        if not data:  # end of file
            if self._carry:
                self._fail(
                    start - len(self._carry), "the file ends in the middle of a UTF-8 character (truncated?)"
                )
            return
        if not self._carry and data.isascii():
            return
        text = self._carry + data
        base = start - len(self._carry)
        try:
            text.decode("utf-8")
        except UnicodeDecodeError as error:
            if error.reason == "unexpected end of data" and error.end == len(text):
                self._carry = text[error.start :]
                return
            self._fail(base + error.start, _NOT_UTF8)
        self._carry = b""

    def _fail(self, offset: int, problem: str) -> None:
        self.error = CheckError(f"{self._path}: line {line_of(self._path, offset)}: {problem}")
        raise self.error

    def close(self) -> None:
        self._file.close()
        super().close()


def line_of(path: str, offset: int) -> int:
    """The 1-based line holding byte *offset* of *path*."""
    newlines = 0
    with open(path, "rb") as handle:
        remaining = offset
        while remaining > 0:
            chunk = handle.read(min(remaining, 1 << 22))
            if not chunk:
                break
            newlines += chunk.count(b"\n")
            remaining -= len(chunk)
    return newlines + 1


def _open_quote_offset(path: str, delimiter: bytes, quote: bytes) -> int | None:
    """Where a quoted field that is never closed starts, or ``None`` if every one is closed.

    Only called when the file has an odd number of quote characters: quotes
    inside unquoted fields are literal (as Arrow reads them) and can make the
    count odd too.  Streams the file in chunks, so memory stays flat.
    """
    field_start = (delimiter, b"\n", b"\r")
    inside = False
    opening: int | None = None
    previous = b"\n"  # the start of the file is the start of a field
    pending_quote = False  # inside a quoted field, the last chunk ended with a quote
    base = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 22):
            position = 0
            if base == 0 and chunk.startswith(codecs.BOM_UTF8):
                position = len(codecs.BOM_UTF8)
            if pending_quote:
                pending_quote = False
                if chunk[:1] == quote:
                    position = 1  # an escaped quote split across chunks
                else:
                    inside = False
            while True:
                found = chunk.find(quote, position)
                if found < 0:
                    break
                if not inside:
                    if found == 0 or (base == 0 and found == 3 and chunk.startswith(codecs.BOM_UTF8)):
                        before = previous if found == 0 else b"\n"
                    else:
                        before = chunk[found - 1 : found]
                    if before in field_start:
                        inside, opening = True, base + found
                    position = found + 1
                elif found + 1 == len(chunk):
                    pending_quote = True
                    position = found + 1
                elif chunk[found + 1 : found + 2] == quote:
                    position = found + 2
                else:
                    inside = False
                    position = found + 1
            previous = chunk[-1:]
            base += len(chunk)
    if pending_quote:
        inside = False
    return opening if inside else None


class Source(NamedTuple):
    """A file ready to be read in batches."""

    path: str
    format: str  # "csv" or "parquet"
    columns: tuple[str, ...]
    delimiter: str | None
    quote: str | None
    size: int
    #: Number of rows when known up front (Parquet).
    rows: int | None


def _read_head(path: str) -> bytes:
    with open(path, "rb") as handle:
        head = handle.read(SAMPLE_SIZE)
        while b"\n" not in head and len(head) < MAX_HEADER:
            more = handle.read(SAMPLE_SIZE)
            if not more:
                break
            head += more
    return head


def _decode_sample(path: str, head: bytes) -> str:
    text = head[3:] if head.startswith(codecs.BOM_UTF8) else head
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.reason == "unexpected end of data" and error.end == len(text):
            return text[: error.start].decode("utf-8")
        offset = error.start + (len(head) - len(text))
        raise CheckError(f"{path}: line {line_of(path, offset)}: {_NOT_UTF8}") from None


_CANDIDATE_DELIMITERS = (",", ";", "\t", "|")


def _sniff(sample: str, delimiter: str | None) -> str:
    """The delimiter: *delimiter* if given, else the candidate that splits the
    sample's records into the same number (more than one) of fields most consistently.

    ``csv.Sniffer`` is not used: it gives up on short samples with quoted fields.
    """
    if delimiter is not None:
        return delimiter
    lines = sample.splitlines(keepends=True)
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # the last line of the sample may be cut short
    complete = "".join(lines[:500])
    best: tuple[float, int, int] = (0.0, 1, 0)
    choice = ","
    for rank, candidate in enumerate(_CANDIDATE_DELIMITERS):
        try:
            counts = [len(row) for row in csv.reader(io.StringIO(complete), delimiter=candidate) if row]
        except csv.Error:
            continue
        if not counts or counts[0] < 2:
            continue
        consistency = sum(count == counts[0] for count in counts) / len(counts)
        score = (consistency, counts[0], -rank)
        if score > best:
            best, choice = score, candidate
    return choice


def open_source(path: str, delimiter: str | None = None) -> Source:
    """Inspect *path*: format, dialect and column names."""
    try:
        size = os.path.getsize(path)
        head = _read_head(path)
    except OSError as error:
        raise CheckError(f"{path}: cannot read the file: {error.strerror or error}") from None
    if head.startswith(_PARQUET_MAGIC):
        try:
            parquet = pq.ParquetFile(path)
        except (pa.ArrowException, OSError) as error:
            raise CheckError(
                f"{path}: not a readable Parquet file (truncated or corrupt?): {error}"
            ) from None
        names = tuple(parquet.schema_arrow.names)
        return Source(path, "parquet", names, None, None, size, parquet.metadata.num_rows)
    if not head:
        raise CheckError(f"{path}: line 1: the file is empty (expected a header line)")
    for magic, name in _COMPRESSED:
        if head.startswith(magic):
            raise CheckError(f"{path}: line 1: this is a {name}-compressed file; decompress it first")
    for bom, name in _BOMS:
        if head.startswith(bom):
            raise CheckError(
                f"{path}: line 1: the file is {name}, not UTF-8; save it as UTF-8 and check it again"
            )
    sample = _decode_sample(path, head)
    delimiter = _sniff(sample, delimiter)
    quote = '"'
    header_text = sample.splitlines(keepends=True)[0] if sample else ""
    try:
        header = next(csv.reader([header_text], delimiter=delimiter, quotechar=quote), [])
    except csv.Error as error:
        raise CheckError(f"{path}: line 1: cannot read the header line: {error}") from None
    if not header or not any(name.strip() for name in header):
        raise CheckError(f"{path}: line 1: the header line is empty")
    return Source(path, "csv", tuple(header), delimiter, quote, size, None)


class _Batches:
    """Iterate the record batches of a source, tracking progress in bytes."""

    def __init__(self, source: Source, columns: Sequence[str] | None, block_size: int) -> None:
        self.source = source
        self.columns = columns
        self.block_size = block_size
        self.bytes_read = 0
        self.schema: Any = None
        self._tracked: _TrackedFile | None = None
        self._bad_rows: list[Any] = []

    def __iter__(self) -> Iterator[Any]:
        if self.source.format == "parquet":
            yield from self._parquet()
        else:
            yield from self._csv()

    def _parquet(self) -> Iterator[Any]:
        source = self.source
        parquet = pq.ParquetFile(source.path)
        self.schema = parquet.schema_arrow
        if self.columns is not None:
            self.schema = pa.schema([self.schema.field(name) for name in self.columns])
        done_rows = 0
        total_rows = max(source.rows or 0, 1)
        batches = parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=self.columns)
        while True:
            try:
                batch = next(batches)
            except StopIteration:
                return
            except (pa.ArrowException, OSError) as error:
                raise CheckError(
                    f"{source.path}: corrupt or truncated Parquet data after row {done_rows}: {error}"
                ) from None
            done_rows += batch.num_rows
            self.bytes_read = int(source.size * done_rows / total_rows)
            yield batch

    def _handler(self, row: Any) -> str:
        self._bad_rows.append(row)
        return "error"

    def _csv_reader(self, tracked: _TrackedFile | str, use_threads: bool) -> Any:
        source = self.source
        names = source.columns
        return pa_csv.open_csv(
            tracked,
            read_options=pa_csv.ReadOptions(block_size=self.block_size, use_threads=use_threads),
            parse_options=pa_csv.ParseOptions(
                delimiter=source.delimiter,
                quote_char=source.quote,
                newlines_in_values=True,
                invalid_row_handler=self._handler,
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types={name: pa.string() for name in names},
                include_columns=list(self.columns) if self.columns is not None else None,
                strings_can_be_null=True,
                null_values=[""],
                quoted_strings_can_be_null=True,
            ),
        )

    def _csv(self) -> Iterator[Any]:
        source = self.source
        tracked = _TrackedFile(source.path, (source.quote or "").encode())
        self._tracked = tracked
        try:
            try:
                reader = self._csv_reader(tracked, use_threads=True)
                self.schema = reader.schema
                if list(reader.schema.names) != list(self.columns or source.columns):
                    raise CheckError(f"{source.path}: line 1: cannot read the header line")
                while True:
                    try:
                        batch = reader.read_next_batch()
                    except StopIteration:
                        break
                    self.bytes_read = tracked.position
                    yield batch
            except CheckError:
                raise
            except (pa.ArrowException, OSError) as error:
                if tracked.error is not None:
                    raise tracked.error from None
                raise self._csv_problem(error) from None
            if tracked.error is not None:
                raise tracked.error
            self.bytes_read = source.size
            self._check_end(tracked)
        finally:
            tracked.close()

    def _csv_problem(self, error: Exception) -> CheckError:
        path = self.source.path
        if self._bad_rows:
            row = self._bad_rows[0]
            line = row.number
            if line is None:  # multi-threaded parsing does not number rows: parse again to find it
                self._bad_rows.clear()
                try:
                    for _ in self._csv_reader(path, use_threads=False):
                        pass
                except (pa.ArrowException, OSError):
                    pass
                if self._bad_rows:
                    line = self._bad_rows[0].number
            where = f"line {line}" if line is not None else "a line"
            hint = " (is the file truncated?)" if row.actual_columns < row.expected_columns else ""
            return CheckError(
                f"{path}: {where}: expected {row.expected_columns} fields, found {row.actual_columns}{hint}"
            )
        message = str(error).split(":", 1)[0] if "CSV parse error" in str(error) else type(error).__name__
        return CheckError(f"{path}: cannot parse the file as CSV ({message})")

    def _check_end(self, tracked: _TrackedFile) -> None:
        source = self.source
        if tracked.quotes % 2 and source.quote:
            opening = _open_quote_offset(
                source.path, (source.delimiter or ",").encode(), source.quote.encode()
            )
            if opening is not None:
                raise CheckError(
                    f"{source.path}: line {line_of(source.path, opening)}: a quoted field is never closed "
                    "(the file is truncated or malformed)"
                )

    @property
    def ends_without_newline(self) -> bool:
        tracked = self._tracked
        return tracked is not None and tracked.position > 0 and tracked.last_byte not in (b"\n", b"\r")


# --------------------------------------------------------------------------
# Counting


class Failure(NamedTuple):
    row: int
    reason: str
    value: str


class ColumnReport:
    """Counts for one checked column."""

    def __init__(self, name: str, kind: str, max_failures: int) -> None:
        self.name = name
        self.kind = kind
        self.max_failures = max_failures
        self.rows = 0
        self.valid = 0
        self.missing = 0
        self.reason_counts = np.zeros(len(_arrow.REASONS), dtype=np.int64)
        self.failures: list[Failure] = []

    @property
    def invalid(self) -> int:
        return int(self.reason_counts.sum())

    @property
    def reasons(self) -> dict[str, int]:
        counts = {
            _arrow.REASONS[index].value: int(count) for index, count in enumerate(self.reason_counts) if count
        }
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

    def add(self, column: Any, result: _frames.Result, first_row: int) -> None:
        codes = result.codes
        self.rows += len(codes)
        self.missing += int(len(codes) - np.count_nonzero(result.present))
        bad = codes != _arrow.VALID
        self.reason_counts += np.bincount(codes[bad], minlength=len(_arrow.REASONS))
        self.valid += int(np.count_nonzero(result.present & ~bad))
        wanted = self.max_failures - len(self.failures)
        if wanted > 0 and bad.any():
            rows = np.flatnonzero(bad)[:wanted]
            raw = column.take(pa.array(rows)).to_pylist()
            for row, value in zip(rows.tolist(), raw, strict=True):
                self.failures.append(
                    Failure(first_row + row + 1, _arrow.REASONS[codes[row]].value, identifiers.mask(value))
                )

    def as_dict(self) -> dict[str, Any]:
        return {
            "column": self.name,
            "kind": self.kind,
            "rows": self.rows,
            "valid": self.valid,
            "invalid": self.invalid,
            "missing": self.missing,
            "reasons": self.reasons,
            "failures": [failure._asdict() for failure in self.failures],
        }


class Report(NamedTuple):
    source: Source
    rows: int
    columns: list[ColumnReport]
    ends_without_newline: bool

    @property
    def all_valid(self) -> bool:
        return all(column.invalid == 0 for column in self.columns)


# --------------------------------------------------------------------------
# Writing the annotated copy


class _Writer:
    def __init__(self, path: str, source: Source, schema: Any) -> None:
        self.path = path
        parquet = path.lower().endswith((".parquet", ".pq"))
        if parquet:
            self._writer: Any = pq.ParquetWriter(path, schema)
        else:
            options = pa_csv.WriteOptions(delimiter=source.delimiter or ",")
            self._writer = pa_csv.CSVWriter(path, schema, write_options=options)
        self.schema = schema

    def write(self, batch: Any) -> None:
        self._writer.write_batch(batch)

    def close(self) -> None:
        self._writer.close()


def output_name(column: str, suffix: str) -> str:
    return f"{column}_{suffix}"


def run_check(
    source: Source,
    checks: Sequence[tuple[str, str]],
    *,
    max_failures: int = 10,
    output: str | None = None,
    block_size: int = BLOCK_SIZE,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Check the columns *checks* (``(name, kind)`` pairs) of *source* batch by batch."""
    reports = [ColumnReport(name, kind, max_failures) for name, kind in checks]
    kernels = [_frames.kernel_for(kind) for _, kind in checks]
    wanted = None if output is not None else list(dict.fromkeys(name for name, _ in checks))
    batches = _Batches(source, wanted, block_size)
    writer: _Writer | None = None
    rows = 0
    try:
        for batch in batches:
            extra: list[tuple[str, Any]] = []
            for report, kernel in zip(reports, kernels, strict=True):
                column = batch.column(report.name)
                result = _frames.validate_array(column, report.kind, kernel, want_values=False)
                report.add(column, result, rows)
                if output is not None:
                    extra.append((output_name(report.name, "valid"), _frames.valid_array(result)))
                    reasons = _arrow.reasons_array(result.codes).cast(pa.string())
                    extra.append((output_name(report.name, "reason"), reasons))
            if output is not None:
                if writer is None:
                    fields = list(batch.schema) + [pa.field(name, array.type) for name, array in extra]
                    writer = _Writer(output, source, pa.schema(fields))
                arrays = list(batch.columns) + [array for _, array in extra]
                writer.write(pa.RecordBatch.from_arrays(arrays, schema=writer.schema))
            rows += batch.num_rows
            if progress is not None:
                progress(batches.bytes_read, source.size)
        if output is not None and writer is None:  # no rows: still write the header
            schema = batches.schema if batches.schema is not None else pa.schema([])
            fields = list(schema)
            for name, _ in checks:
                fields += [
                    pa.field(output_name(name, "valid"), pa.bool_()),
                    pa.field(output_name(name, "reason"), pa.string()),
                ]
            writer = _Writer(output, source, pa.schema(fields))
    finally:
        if writer is not None:
            writer.close()
    return Report(source, rows, reports, batches.ends_without_newline)

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
import contextlib
import csv
import gzip
import io
import os
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.csv as pa_csv  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from nhsstd.columns import _arrow, _frames, _kinds
from nhsstd.columns._report import ColumnReport, Failure, RuleReport, Tally

__all__ = ["CheckError", "ColumnReport", "Failure", "Report", "RuleReport", "open_source", "run_check"]

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
_GZIP_MAGIC, _ZIP_MAGIC = b"\x1f\x8b", b"PK\x03\x04"
#: Compressed data left compressed: what open_source decompressed (gzip, zip) holding more
#: compressed data, and compressions it does not read.
_COMPRESSED = ((_GZIP_MAGIC, "gzip"), (_ZIP_MAGIC, "zip"), (b"BZh", "bzip2"), (b"\xfd7zXZ", "xz"))


_NOT_UTF8 = "not valid UTF-8; save the file as UTF-8 and check it again"


class CheckError(Exception):
    """The input cannot be checked; the message names the file, the line and the problem."""


# --------------------------------------------------------------------------
# Which columns hold which kind (detection lives beside the kinds, where the report reads it too)

normalise_header = _kinds.normalise_header
detect_kind = _kinds.detect_kind

parse_kind = _kinds.parse_kind


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
    #: The name to show: the path given, ``-`` for standard input.
    name: str = ""
    #: What the input was: ``CSV``, ``gzip CSV``, ``zip CSV``, ``Parquet``...
    format_label: str = "CSV"
    #: True when *path* is a temporary copy (standard input, decompressed data), deleted by :meth:`close`.
    temporary: bool = False
    #: Warnings about the input itself (number cells in a workbook...).
    notes: tuple[str, ...] = ()

    def close(self) -> None:
        if self.temporary:
            with contextlib.suppress(OSError):
                os.remove(self.path)

    def named(self, error: CheckError) -> CheckError:
        """*error* with the temporary copy's path replaced by the input's name."""
        if not self.temporary:
            return error
        return CheckError(str(error).replace(self.path, self.name))


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


#: The magic of an OLE2 compound file: an Excel 97-2003 ``.xls`` workbook.
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_EXPORT_AS_CSV = "export the sheet as CSV (CSV UTF-8 in Excel's Save As) and check that"


def _is_workbook(path: str) -> bool:
    """Is the zip archive *path* an Excel workbook (``.xlsx``: it holds ``xl/workbook.xml``)?"""
    try:
        with zipfile.ZipFile(path) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def _workbook_copy(path: str, name: str) -> tuple[str, str, list[str]]:
    """The first sheet of the workbook *path* as a temporary CSV file: its path, the sheet's
    title and the columns holding number cells."""
    from nhsstd.columns import _excel

    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, deleted by Source.close
        "w", prefix="nhsstd-check-", suffix=".csv", delete=False, encoding="utf-8", newline=""
    )
    try:
        with handle:
            title, numeric = _excel.sheet_as_csv(path, handle)
    except ImportError:
        os.remove(handle.name)
        raise CheckError(
            f"{name}: this is an Excel workbook; install the 'excel' extra (pip install 'nhsstd[excel]') "
            f"to read it, or {_EXPORT_AS_CSV}"
        ) from None
    except Exception as error:  # openpyxl raises many types for a damaged workbook
        os.remove(handle.name)
        raise CheckError(
            f"{name}: cannot read the Excel workbook (damaged?): {type(error).__name__}"
        ) from None
    return handle.name, title, numeric


def _spool(stream: Any, name: str) -> str:
    """Copy *stream* to a temporary file, in chunks (memory stays flat); its path."""
    handle = tempfile.NamedTemporaryFile(prefix="nhsstd-check-", suffix=".data", delete=False)  # noqa: SIM115
    try:
        with handle:
            shutil.copyfileobj(stream, handle, 1 << 22)
    except (OSError, EOFError, zipfile.BadZipFile) as error:
        os.remove(handle.name)
        raise CheckError(f"{name}: cannot decompress the file (truncated or corrupt?): {error}") from None
    return handle.name


def _zip_member(path: str) -> str:
    """The one data file in the zip archive *path*; :class:`CheckError` for a workbook or several files."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = [info.filename for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, OSError) as error:
        raise CheckError(f"{path}: not a readable zip file (truncated or corrupt?): {error}") from None
    data = [name for name in names if not name.startswith("__MACOSX/")]
    if len(data) != 1:
        raise CheckError(
            f"{path}: the zip file holds {len(data)} files; nhsstd check reads a zip holding one CSV file"
        )
    return data[0]


@contextlib.contextmanager
def _gunzip(path: str) -> Iterator[Any]:
    with gzip.open(path, "rb") as stream:
        yield stream


@contextlib.contextmanager
def _unzip(path: str) -> Iterator[Any]:
    member = _zip_member(path)
    with zipfile.ZipFile(path) as archive, archive.open(member) as stream:
        yield stream


#: Compressions read by decompressing to a temporary file first: magic bytes, name, opener.
_DECOMPRESSED: tuple[tuple[bytes, str, Callable[[str], contextlib.AbstractContextManager[Any]]], ...] = (
    (_GZIP_MAGIC, "gzip", _gunzip),
    (_ZIP_MAGIC, "zip", _unzip),
)


def open_source(path: str, delimiter: str | None = None) -> Source:
    """Inspect *path* (``-`` for standard input): format, dialect and column names.

    Standard input and gzip or zip compressed files are first copied, decompressed,
    to a temporary file (deleted by :meth:`Source.close`), so that they are read like
    any other file; memory stays flat.
    """
    name, how, temporary = path, "", False
    notes: tuple[str, ...] = ()
    if path == "-":
        path, temporary = _spool(sys.stdin.buffer, name), True
    try:
        try:
            head = _read_head(path)
        except OSError as error:
            raise CheckError(f"{name}: cannot read the file: {error.strerror or error}") from None
        if head.startswith(_ZIP_MAGIC) and _is_workbook(path):
            copy, title, numeric = _workbook_copy(path, name)
            if temporary:
                os.remove(path)
            path, how, temporary = copy, f"Excel workbook, sheet {title!r}", True
            notes = tuple(
                f"{column!r} holds numbers in the workbook: any leading zeros are lost; "
                "format identifier columns as Text"
                for column in numeric
            )
            head = b""
        for magic, compression, opener in _DECOMPRESSED:
            if head.startswith(magic):
                with opener(path) as stream:
                    copy = _spool(stream, name)
                if temporary:
                    os.remove(path)
                path, how, temporary = copy, compression, True
                break
        if head.startswith(_OLE2_MAGIC):
            raise CheckError(f"{name}: this is an Excel 97-2003 workbook, not CSV; {_EXPORT_AS_CSV}")
        source = _open_file(path, delimiter)
    except CheckError as error:
        if temporary:
            os.remove(path)
            raise CheckError(str(error).replace(path, name)) from None
        raise
    if not temporary:
        return source
    label = how if how.startswith("Excel") else f"{how} {source.format_label}".strip()
    return source._replace(name=name, format_label=label, temporary=True, notes=notes)


def _open_file(path: str, delimiter: str | None = None) -> Source:
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
        return Source(path, "parquet", names, None, None, size, parquet.metadata.num_rows, path, "Parquet")
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
    return Source(path, "csv", tuple(header), delimiter, quote, size, None, path, "CSV")


class _BlockTooSmall(Exception):
    """A CSV field does not fit in one block; *position* is how far the file had been read."""

    def __init__(self, position: int) -> None:
        super().__init__(position)
        self.position = position


#: The largest block tried for a CSV file with very long fields.
MAX_BLOCK_SIZE = 1 << 30


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
                # In a one-column file an empty line is an empty cell: a missing value, not nothing.
                ignore_empty_lines=len(names) > 1,
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
                if "straddl" in str(error):  # a field longer than the block: read again with larger ones
                    raise _BlockTooSmall(tracked.position) from None
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


class Report(NamedTuple):
    source: Source
    rows: int
    columns: list[ColumnReport]
    ends_without_newline: bool
    rules: Sequence[RuleReport] = ()
    #: The file's DQMI-style score (see :mod:`nhsstd.columns._report`).
    score: float | None = None
    default_threshold: float = 0.0
    warnings: tuple[str, ...] = ()

    @property
    def all_valid(self) -> bool:
        """No invalid value and no broken cross-field rule."""
        return all(column.invalid == 0 for column in self.columns) and all(
            rule.failed == 0 for rule in self.rules
        )

    @property
    def trend_width(self) -> int:
        """Rows per bucket of the failure trends."""
        return self.columns[0].trend.width if self.columns else 1


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
    id_column: str | None = None,
    unmask: bool = False,
    default_threshold: float = 0.0,
) -> Report:
    """Check the columns *checks* (``(name, kind)`` pairs) of *source* batch by batch.

    Failures name their row (1-based) and, with *id_column*, that column's value;
    values of personal kinds are masked unless *unmask*.  *default_threshold* is
    the proportion of default values a column may hold before they lower its
    score (see :func:`nhsstd.columns._report.dqmi_score`).

    A CSV field longer than *block_size* (Arrow parses a block at a time) makes
    the check start again with blocks eight times larger, up to
    :data:`MAX_BLOCK_SIZE`: no option is needed for files with huge fields.
    """
    while True:
        try:
            return _run_check_once(
                source,
                checks,
                max_failures=max_failures,
                output=output,
                block_size=block_size,
                progress=progress,
                id_column=id_column,
                unmask=unmask,
                default_threshold=default_threshold,
            )
        except _BlockTooSmall as error:
            if block_size >= MAX_BLOCK_SIZE:
                line = line_of(source.path, error.position)
                raise source.named(
                    CheckError(
                        f"{source.path}: line {line} or near it: a field is longer than "
                        f"{MAX_BLOCK_SIZE >> 20} MiB; a column holding such values cannot be checked"
                    )
                ) from None
            block_size = min(block_size * 8, MAX_BLOCK_SIZE)
        except CheckError as error:
            raise source.named(error) from None


def _run_check_once(
    source: Source,
    checks: Sequence[tuple[str, str]],
    *,
    max_failures: int,
    output: str | None,
    block_size: int,
    progress: Callable[[int, int], None] | None,
    id_column: str | None,
    unmask: bool,
    default_threshold: float,
) -> Report:
    tally = Tally(
        checks,
        max_failures=max_failures,
        id_column=id_column,
        unmask=unmask,
        default_threshold=default_threshold,
    )
    wanted = None if output is not None else tally.needed_columns
    batches = _Batches(source, wanted, block_size)
    writer: _Writer | None = None
    rows = 0
    try:
        for batch in batches:
            results = tally.add_batch(batch, rows)
            if output is not None:
                extra: list[tuple[str, Any]] = []
                for (name, _), result in zip(checks, results, strict=True):
                    extra.append((output_name(name, "valid"), _frames.valid_array(result)))
                    reasons = _arrow.reasons_array(result.codes).cast(pa.string())
                    extra.append((output_name(name, "reason"), reasons))
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
    return report_of(tally, source, rows, batches.ends_without_newline, tuple(tally.warnings))


def report_of(
    tally: Tally, source: Source, rows: int, ends_without_newline: bool, warnings: tuple[str, ...] = ()
) -> Report:
    """The finished :class:`Report` of *tally*."""
    for trend in [part.trend for part in tally.columns] + [part.trend for part in tally.rules]:
        trend.fit(rows)
    threshold = tally.columns[0].default_threshold if tally.columns else 0.0
    notes = source.notes + warnings
    return Report(
        source, rows, tally.columns, ends_without_newline, tally.rules, tally.score, threshold, notes
    )

"""``nhsstd check FILE``: validate the identifier columns of a CSV or Parquet file.

Needs the ``columns`` extra (pyarrow, numpy, rich), imported only when the
command runs, so that ``nhsstd validate`` works without it.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:  # pragma: no cover
    from nhsstd.columns._check import Report

EXIT_VALID = 0
EXIT_INVALID = 1
EXIT_USAGE = 2

#: Files smaller than this are checked without a progress bar unless --progress is given.
_PROGRESS_MIN_BYTES = 32 << 20

_DELIMITER_NAMES = {
    "tab": "\t",
    "\\t": "\t",
    "comma": ",",
    "semicolon": ";",
    "pipe": "|",
    "space": " ",
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "check",
        help="validate the identifier columns of a CSV or Parquet file",
        description=(
            "Validate whole columns of identifiers in a CSV (any dialect; UTF-8 with or without BOM) "
            "or Parquet file, streaming it in batches. Without --column, columns whose header names a "
            "known kind (nhs_number, 'NHS Number', postcode...) are checked. Empty cells count as "
            "missing, not invalid. Exit status 0 if every value is valid, 1 if any is invalid, 2 for "
            "usage errors and unreadable input. Needs the 'columns' extra."
        ),
        epilog="example: nhsstd check examples/patients.csv --column 'NHS Number=nhs-number'",
    )
    parser.add_argument("file", metavar="FILE", help="a CSV or Parquet file")
    parser.add_argument(
        "--column",
        "-c",
        metavar="NAME=KIND",
        action="append",
        default=[],
        type=_column_spec,
        help="check column NAME as identifier KIND (repeatable); disables header detection",
    )
    parser.add_argument(
        "--delimiter",
        "-d",
        type=_delimiter,
        help="CSV field delimiter, overriding the sniffed one (a character, or tab/comma/semicolon/pipe)",
    )
    parser.add_argument(
        "--format",
        "-f",
        choices=("text", "json", "csv"),
        default="text",
        help="report format (default: text)",
    )
    parser.add_argument(
        "--failures",
        "-n",
        type=_count,
        default=10,
        metavar="N",
        help="list the first N failing rows of each column, values masked (default: 10)",
    )
    parser.add_argument(
        "--output",
        "-o",
        metavar="PATH",
        help=(
            "write a copy of the file with <column>_valid and <column>_reason columns added "
            "(Parquet if PATH ends in .parquet, otherwise CSV)"
        ),
    )
    progress = parser.add_mutually_exclusive_group()
    progress.add_argument(
        "--progress",
        dest="progress",
        action="store_const",
        const=True,
        default=None,
        help="always show the progress bar on stderr (default: for files over 32 MiB, on a terminal)",
    )
    progress.add_argument(
        "--no-progress",
        dest="progress",
        action="store_const",
        const=False,
        help="never show the progress bar",
    )
    parser.add_argument(
        "--block-size",
        type=_count,
        default=None,
        metavar="BYTES",
        help="bytes of CSV read per batch (default: 4 MiB); memory use grows with it",
    )
    parser.set_defaults(handler=run)


def _column_spec(text: str) -> tuple[str, str]:
    name, sep, kind = text.rpartition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=KIND, got {text!r}")
    from nhsstd import identifiers

    normal = kind.strip().lower().replace("-", "_")
    if normal not in identifiers.KINDS:
        choices = ", ".join(k.replace("_", "-") for k in identifiers.KINDS)
        raise argparse.ArgumentTypeError(f"unknown kind {kind!r}; choose from {choices}")
    return name, normal


def _delimiter(text: str) -> str:
    value = _DELIMITER_NAMES.get(text.lower(), text)
    if len(value) != 1 or value in "\r\n\"'":
        raise argparse.ArgumentTypeError(
            f"a delimiter is one character (or tab/comma/semicolon/pipe), got {text!r}"
        )
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("expected zero or more")
    return value


def _error(message: str) -> int:
    sys.stderr.write(f"nhsstd check: error: {message}\n")
    return EXIT_USAGE


def _note(message: str) -> None:
    sys.stderr.write(f"nhsstd check: {message}\n")


@contextmanager
def _progress_bar(enabled: bool, path: str) -> Iterator[Callable[[int, int], None] | None]:
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn, TransferSpeedColumn

    console = Console(file=sys.stderr)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(f"checking {os.path.basename(path)}", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def run(args: argparse.Namespace) -> int:
    try:
        from nhsstd.columns import _check
    except ImportError:
        return _error("this command needs the 'columns' extra: pip install 'nhsstd[columns]'")

    path: str = args.file
    try:
        source = _check.open_source(path, args.delimiter)
    except _check.CheckError as error:
        return _error(str(error))
    checks: list[tuple[str, str]] = list(args.column)
    if not checks:
        checks = [(name, kind) for name in source.columns if (kind := _check.detect_kind(name)) is not None]
        if not checks:
            return _error(
                f"{path}: no column header names an identifier kind; choose columns with --column NAME=KIND"
            )
        chosen = ", ".join(f"{name!r} as {kind.replace('_', '-')}" for name, kind in checks)
        _note(f"checking {chosen} (detected from the header; choose with --column NAME=KIND)")
    for name, _ in checks:
        count = source.columns.count(name)
        if count == 0:
            return _error(f"{path}: line 1: no column named {name!r} in the header")
        if count > 1:
            return _error(f"{path}: line 1: the header has {count} columns named {name!r}")
    if args.output is not None:
        if os.path.exists(args.output) and os.path.samefile(args.output, path):
            return _error(f"{args.output}: --output must not be the file being checked")
        taken = set(source.columns)
        for name, _ in checks:
            for added in (_check.output_name(name, "valid"), _check.output_name(name, "reason")):
                if added in taken:
                    return _error(f"{path}: line 1: the file already has a column named {added!r}")
                taken.add(added)
    show_progress = args.progress
    if show_progress is None:  # a bar only for long files, and only on a terminal
        show_progress = sys.stderr.isatty() and source.size >= _PROGRESS_MIN_BYTES
    try:
        with _progress_bar(show_progress, path) as progress:
            report = _check.run_check(
                source,
                checks,
                max_failures=args.failures,
                output=args.output,
                block_size=args.block_size or _check.BLOCK_SIZE,
                progress=progress,
            )
    except _check.CheckError as error:
        return _error(str(error))
    except OSError as error:
        return _error(f"{args.output or path}: {error.strerror or error}")
    if report.ends_without_newline:
        _note(f"warning: {path} does not end with a newline; if it was cut short, its last row is incomplete")
    {"text": _write_text, "json": _write_json, "csv": _write_csv}[args.format](report, sys.stdout)
    return EXIT_VALID if report.all_valid else EXIT_INVALID


def _describe(report: Report) -> str:
    source = report.source
    if source.format == "parquet":
        return "Parquet"
    delimiter = {"\t": "tab", " ": "space"}.get(source.delimiter or ",", source.delimiter)
    return f"CSV, delimiter {delimiter!r}" if len(delimiter or "") == 1 else f"CSV, delimiter {delimiter}"


def _write_text(report: Report, out: TextIO) -> None:
    rows = f"{report.rows} row{'s' if report.rows != 1 else ''}"
    numbering = (
        "row 1 is the first after the header" if report.source.format == "csv" else "row 1 is the first"
    )
    out.write(f"{report.source.path}: {rows} ({_describe(report)}; {numbering})\n")
    for column in report.columns:
        out.write(
            f"\n{column.name} [{column.kind.replace('_', '-')}]: {column.valid} valid, "
            f"{column.invalid} invalid, {column.missing} missing\n"
        )
        reasons = column.reasons
        if reasons:
            width = max(len(reason) for reason in reasons)
            for reason, count in reasons.items():
                out.write(f"  {reason:<{width}}  {count}\n")
        if column.failures:
            shown = len(column.failures)
            more = f" (first {shown})" if shown < column.invalid else ""
            out.write(f"  failing rows{more}:\n")
            for failure in column.failures:
                out.write(f"    row {failure.row}: {failure.reason} ({failure.value})\n")
    invalid = sum(column.invalid for column in report.columns)
    verdict = "all values valid" if invalid == 0 else f"{invalid} invalid value{'s' if invalid != 1 else ''}"
    out.write(f"\nresult: {verdict}\n")


def _as_json(report: Report) -> dict[str, Any]:
    return {
        "file": report.source.path,
        "format": report.source.format,
        "rows": report.rows,
        "valid": report.all_valid,
        "columns": [column.as_dict() for column in report.columns],
    }


def _write_json(report: Report, out: TextIO) -> None:
    out.write(json.dumps(_as_json(report), ensure_ascii=False, indent=2) + "\n")


def _write_csv(report: Report, out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["record", "column", "kind", "outcome", "reason", "count", "row", "value"])
    for column in report.columns:
        writer.writerow(["count", column.name, column.kind, "valid", "", column.valid, "", ""])
        for reason, count in column.reasons.items():
            writer.writerow(["count", column.name, column.kind, "invalid", reason, count, "", ""])
        writer.writerow(["count", column.name, column.kind, "missing", "", column.missing, "", ""])
        for failure in column.failures:
            writer.writerow(
                [
                    "failure",
                    column.name,
                    column.kind,
                    "invalid",
                    failure.reason,
                    "",
                    failure.row,
                    failure.value,
                ]
            )

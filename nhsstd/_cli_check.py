"""``nhsstd check FILE``: a data quality report on the columns of a CSV or Parquet file.

Needs the ``columns`` extra (pyarrow, numpy, rich), imported only when the
command runs, so that ``nhsstd validate`` works without it.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:  # pragma: no cover
    from nhsstd.columns._check import Report, Source

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
        help="data quality report on the columns of a CSV or Parquet file",
        description=(
            "A data quality report on a CSV (any dialect; UTF-8 with or without BOM; plain, gzip or zip; "
            "'-' for standard input) or Parquet file, streamed in batches: per column rows, missing, "
            "valid, default and invalid values by reason and a DQMI-style score; cross-field rules; the "
            "first failing rows, personal values masked. Without --column, columns whose header names a "
            "known kind (nhs_number, 'NHS Number', postcode, date_of_birth, 'Ethnic Category'...) are "
            "checked. Empty and whitespace-only cells count as missing, not invalid. Exit status 0 if "
            "every value is valid, 1 if any is invalid or a row breaks a cross-field rule, 2 for usage "
            "errors and unreadable input. Needs the 'columns' extra."
        ),
        epilog=(
            "example: nhsstd check examples/patients.csv --column 'NHS Number=nhs-number' "
            "--id-column record_id --report report.html"
        ),
    )
    parser.add_argument("file", metavar="FILE", help="a CSV or Parquet file, or - for standard input")
    parser.add_argument(
        "--column",
        "-c",
        metavar="NAME=KIND",
        action="append",
        default=[],
        type=_column_spec,
        help=(
            "check column NAME as KIND (repeatable): an identifier kind, a code list "
            "(ethnic-category-england, person-stated-gender-code...), date, birth-date, death-date or "
            "address-postcode; disables header detection"
        ),
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
        help="list the first N failing rows of each column and rule, personal values masked (default: 10)",
    )
    parser.add_argument(
        "--id-column",
        metavar="NAME",
        help=(
            "show this column's value (a record id) with each failing row; masked if its header "
            "names a personal kind (NHS Number, postcode, birth date...) or the value is shaped like "
            "a patient number, unless --unmask"
        ),
    )
    parser.add_argument(
        "--unmask",
        action="store_true",
        help=(
            "show failing values and record ids of personal kinds (patient numbers, postcodes, dates) "
            "unmasked"
        ),
    )
    parser.add_argument(
        "--report",
        metavar="PATH",
        help="also write the report as one self-contained HTML file, with charts",
    )
    parser.add_argument(
        "--default-threshold",
        type=_percentage,
        default=0.0,
        metavar="PERCENT",
        help="share of default values a column may hold before they lower its score (default: 0)",
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
        help=(
            "always show progress on stderr: a bar on a terminal, else a plain line every few seconds "
            "(default: a bar for files over 32 MiB, on a terminal)"
        ),
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
        help=(
            "bytes of CSV read per batch (default: 4 MiB; grown automatically for longer fields); "
            "memory use grows with it"
        ),
    )
    parser.set_defaults(handler=run)


def _column_spec(text: str) -> tuple[str, str]:
    name, sep, kind = text.rpartition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=KIND, got {text!r}")
    try:
        from nhsstd.columns import _kinds
    except ImportError:  # without the 'columns' extra, run() says which extra to install
        return name, kind.strip().lower().replace("-", "_")
    try:
        return name, _kinds.parse_kind(kind)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error).replace("unknown column kind", "unknown kind")) from None


def _percentage(text: str) -> float:
    try:
        value = float(text.rstrip("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a percentage, got {text!r}") from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError("expected a percentage from 0 to 100")
    return value / 100


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


#: Seconds between plain progress lines when stderr is not a terminal.
_PROGRESS_INTERVAL = 5.0


@contextmanager
def _progress_bar(enabled: bool, path: str) -> Iterator[Callable[[int, int], None] | None]:
    if not enabled:
        yield None
        return
    if not sys.stderr.isatty():  # a log file or CI: plain periodic lines, no control characters
        yield _progress_lines(path)
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


def _progress_lines(path: str) -> Callable[[int, int], None]:
    last = time.monotonic()

    def update(done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last < _PROGRESS_INTERVAL and done < total:
            return
        last = now
        percent = 100 * done // total if total else 100
        _note(f"{path}: {percent}% read ({done / 1e6:.1f} of {total / 1e6:.1f} MB)")

    return update


def run(args: argparse.Namespace) -> int:
    try:
        from nhsstd.columns import _check
    except ImportError:
        return _error("this command needs the 'columns' extra: pip install 'nhsstd[columns]'")

    try:
        source = _check.open_source(args.file, args.delimiter)
    except _check.CheckError as error:
        return _error(str(error))
    try:
        return _check_source(args, source)
    finally:
        source.close()


def _check_source(args: argparse.Namespace, source: Source) -> int:
    from nhsstd.columns import _check, _kinds

    path: str = args.file
    checks: list[tuple[str, str]] = list(args.column)
    for _, kind in checks:
        if kind not in _kinds.KINDS:
            return _error(f"unknown kind {kind!r}")
    if not checks:
        checks = [
            (header, detected)
            for header in source.columns
            if (detected := _check.detect_kind(header)) is not None
        ]
        if not checks:
            return _error(
                f"{source.name}: no column header names a column kind; choose columns with --column NAME=KIND"
            )
        chosen = ", ".join(f"{name!r} as {_kinds.spelling(kind)}" for name, kind in checks)
        _note(f"checking {chosen} (detected from the header; choose with --column NAME=KIND)")
    named: list[str] = [column for column, _ in checks]
    if args.id_column is not None:
        named.append(args.id_column)
    for name in named:
        count = source.columns.count(name)
        if count == 0:
            return _error(f"{source.name}: line 1: no column named {name!r} in the header")
        if count > 1:
            return _error(f"{source.name}: line 1: the header has {count} columns named {name!r}")
    if args.output is not None:
        if os.path.exists(args.output) and os.path.samefile(args.output, path):
            return _error(f"{args.output}: --output must not be the file being checked")
        taken = set(source.columns)
        for name, _ in checks:
            for added in (_check.output_name(name, "valid"), _check.output_name(name, "reason")):
                if added in taken:
                    return _error(f"{source.name}: line 1: the file already has a column named {added!r}")
                taken.add(added)
    show_progress = args.progress
    if show_progress is None:  # a bar only for long files, and only on a terminal
        show_progress = sys.stderr.isatty() and source.size >= _PROGRESS_MIN_BYTES
    try:
        with _progress_bar(show_progress, source.name) as progress:
            report = _check.run_check(
                source,
                checks,
                max_failures=args.failures,
                output=args.output,
                block_size=args.block_size or _check.BLOCK_SIZE,
                progress=progress,
                id_column=args.id_column,
                unmask=args.unmask,
                default_threshold=args.default_threshold,
            )
    except _check.CheckError as error:
        return _error(str(source.named(error)))
    except OSError as error:
        return _error(f"{args.output or source.name}: {error.strerror or error}")
    for warning in report.warnings:
        _note(f"warning: {warning}")
    if report.ends_without_newline:
        _note(
            f"warning: {source.name} does not end with a newline; "
            "if it was cut short, its last row is incomplete"
        )
    if args.report is not None:
        from nhsstd.columns import _html

        try:
            with open(args.report, "w", encoding="utf-8") as handle:
                handle.write(_html.render(report, _as_json(report)))
        except OSError as error:
            return _error(f"{args.report}: {error.strerror or error}")
    {"text": _write_text, "json": _write_json, "csv": _write_csv}[args.format](report, sys.stdout)
    return EXIT_VALID if report.all_valid else EXIT_INVALID


def _describe(report: Report) -> str:
    source = report.source
    if source.format != "csv" or not source.format_label.endswith("CSV"):
        return source.format_label
    delimiter = {"\t": "tab", " ": "space"}.get(source.delimiter or ",", source.delimiter)
    text = f"CSV, delimiter {delimiter!r}" if len(delimiter or "") == 1 else f"CSV, delimiter {delimiter}"
    return f"{source.format_label}, {text.removeprefix('CSV, ')}" if source.format_label != "CSV" else text


def _score(score: float | None) -> str:
    return "n/a" if score is None else f"{score:.1f}"


def _record(failure_row: int, record_id: str | None) -> str:
    return f"row {failure_row}" + (f" (id {record_id})" if record_id is not None else "")


def _write_text(report: Report, out: TextIO) -> None:
    rows = f"{report.rows} row{'s' if report.rows != 1 else ''}"
    numbering = (
        "row 1 is the first after the header" if report.source.format == "csv" else "row 1 is the first"
    )
    out.write(f"{report.source.name}: {rows} ({_describe(report)}; {numbering})\n")
    for column in report.columns:
        default = f" ({column.default} default)" if column.default else ""
        out.write(
            f"\n{column.name} [{column.kind.replace('_', '-')}]: {column.valid} valid{default}, "
            f"{column.invalid} invalid, {column.missing} missing; score {_score(column.score)}\n"
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
                out.write(f"    {_record(failure.row, failure.id)}: {failure.reason} ({failure.value})\n")
    for rule in report.rules:
        columns = ", ".join(rule.columns)
        out.write(
            f"\nrule {rule.rule.name} ({columns}): {rule.rule.description}: "
            f"{rule.failed} of {rule.checked} rows fail\n"
        )
        if rule.failures:
            shown = len(rule.failures)
            more = f" (first {shown})" if shown < rule.failed else ""
            rows_text = ", ".join(_record(failure.row, failure.id) for failure in rule.failures)
            out.write(f"  failing rows{more}: {rows_text}\n")
    invalid = sum(column.invalid for column in report.columns)
    broken = sum(rule.failed for rule in report.rules)
    verdict = "all values valid" if invalid == 0 else f"{invalid} invalid value{'s' if invalid != 1 else ''}"
    if broken:
        verdict += f", {broken} row{'s' if broken != 1 else ''} breaking cross-field rules"
    out.write(f"\nresult: {verdict}; score {_score(report.score)} (DQMI-style, 0-100)\n")


def _as_json(report: Report) -> dict[str, Any]:
    return {
        "file": report.source.name,
        "format": report.source.format,
        "rows": report.rows,
        "valid": report.all_valid,
        "score": report.score,
        "default_threshold": report.default_threshold,
        "trend_rows_per_bucket": report.trend_width,
        "columns": [column.as_dict() for column in report.columns],
        "rules": [rule.as_dict() for rule in report.rules],
        "warnings": list(report.warnings),
    }


def _write_json(report: Report, out: TextIO) -> None:
    out.write(json.dumps(_as_json(report), ensure_ascii=False, indent=2) + "\n")


def _write_csv(report: Report, out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["record", "column", "kind", "outcome", "reason", "count", "row", "value", "id"])
    for column in report.columns:
        writer.writerow(["count", column.name, column.kind, "valid", "", column.valid, "", "", ""])
        writer.writerow(["count", column.name, column.kind, "default", "", column.default, "", "", ""])
        for reason, count in column.reasons.items():
            writer.writerow(["count", column.name, column.kind, "invalid", reason, count, "", "", ""])
        writer.writerow(["count", column.name, column.kind, "missing", "", column.missing, "", "", ""])
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
                    failure.id or "",
                ]
            )
    for rule in report.rules:
        columns = "+".join(rule.columns)
        writer.writerow(["count", columns, "rule", "failed", rule.rule.name, rule.failed, "", "", ""])
        for rule_failure in rule.failures:
            writer.writerow(
                [
                    "failure",
                    columns,
                    "rule",
                    "failed",
                    rule.rule.name,
                    "",
                    rule_failure.row,
                    "",
                    rule_failure.id or "",
                ]
            )

"""``nhsstd conform PATH...``: validate FHIR R4 resources against the base definitions and UK Core.

Inputs are files, directories (searched for ``*.json``, ``*.xml`` and ``*.ndjson``) and ``-``
for standard input.  A ``.ndjson`` file (or NDJSON on standard input) holds one resource per
line; anything else is one resource (JSON or XML; a Bundle is checked entry by entry by the
validator).  With ``--jobs N`` the resources are checked by N worker processes, each loading
the rule pack once; the report keeps the input order.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from nhsstd._cli_check import _count as _whole_number

if TYPE_CHECKING:  # pragma: no cover
    from concurrent.futures import Future

    from nhsstd.conformance import Outcome, Validator

EXIT_VALID = 0
EXIT_INVALID = 1
EXIT_USAGE = 2

#: File name endings searched for in directories; ``.ndjson`` files hold one resource a line.
_SUFFIXES = (".json", ".xml", ".ndjson")

#: Resources sent to a worker process at a time: enough to make the hand-over cheap.
_BATCH = 128

#: Runs with at least this many resources show a progress bar (on a terminal) unless told.
_PROGRESS_MIN_RESOURCES = 1000


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "conform",
        help="validate FHIR R4 resources against the base definitions and UK Core",
        description=(
            "Validate FHIR R4 resources (JSON, XML, NDJSON, Bundles) against the R4 base definitions, "
            "their meta.profile, the profiles named with --profile and, unless --base-only, the UK Core "
            "profile of their type, offline. PATH is a file, a directory (searched for *.json, *.xml "
            "and *.ndjson) or - for standard input. Exit status 0 if every resource is valid, 1 if any "
            "has an error, 2 for usage errors and input that cannot be read as FHIR."
        ),
        epilog="example: nhsstd conform --format json out/patients.ndjson",
    )
    parser.add_argument("paths", metavar="PATH", nargs="+", help="file, directory or - for stdin")
    parser.add_argument(
        "--profile",
        metavar="URL",
        action="append",
        default=[],
        help="also check against this profile's canonical URL (repeatable)",
    )
    parser.add_argument(
        "--package",
        metavar="PATH",
        action="append",
        default=[],
        help="load your own implementation guide: an NPM-format package directory or .tgz (repeatable)",
    )
    parser.add_argument(
        "--base-only",
        action="store_true",
        help="check the base definitions and declared or named profiles only, not UK Core",
    )
    parser.add_argument(
        "--format",
        "-f",
        choices=("text", "json", "operationoutcome"),
        default="text",
        help=(
            "report format: text (default), json (one JSON object per resource, JSON Lines) or "
            "operationoutcome (a FHIR OperationOutcome; a Bundle of them for several resources)"
        ),
    )
    parser.add_argument(
        "--jobs", "-j", type=_jobs, default=1, metavar="N", help="worker processes (default: 1)"
    )
    progress = parser.add_mutually_exclusive_group()
    progress.add_argument(
        "--progress",
        dest="progress",
        action="store_const",
        const=True,
        default=None,
        help=f"always show progress on stderr (default: {_PROGRESS_MIN_RESOURCES}+ resources, on a terminal)",
    )
    progress.add_argument(
        "--no-progress", dest="progress", action="store_const", const=False, help="never show progress"
    )
    parser.set_defaults(handler=run)


def _jobs(text: str) -> int:
    value = _whole_number(text)
    if value < 1:
        raise argparse.ArgumentTypeError("expected one or more")
    return value


class _InputError(Exception):
    """An input that cannot be read at all (missing file, permissions, empty directory)."""


# --- inputs ----------------------------------------------------------------------------------------

#: One resource to check: where it came from (file name, or "-"), its line in an NDJSON input
#: (``None`` for a whole file) and its text.
Item = tuple[str, "int | None", bytes]


def _files(paths: Sequence[str]) -> list[str]:
    """The inputs named: files as given, directories searched (sorted), ``-`` kept."""
    found: list[str] = []
    for path in paths:
        if path == "-" or not os.path.isdir(path):
            found.append(path)
            continue
        inside = sorted(
            str(file) for file in Path(path).rglob("*") if file.is_file() and file.suffix.lower() in _SUFFIXES
        )
        if not inside:
            raise _InputError(f"{path}: no *.json, *.xml or *.ndjson files in this directory")
        found.extend(inside)
    return found


def _read(path: str) -> bytes:
    try:
        if path == "-":
            return sys.stdin.buffer.read()
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as error:
        raise _InputError(f"{path}: {error.strerror or error}") from None


def _openable(path: str) -> None:
    if path != "-":
        try:
            with open(path, "rb"):
                pass
        except OSError as error:
            raise _InputError(f"{path}: {error.strerror or error}") from None


def _is_ndjson_text(data: bytes) -> bool:
    # Standard input has no name: NDJSON is more than one line, each a JSON object on its own,
    # where the whole is not one JSON document (a pretty-printed resource spans lines too).
    lines = [line.strip() for line in data.splitlines() if line.strip()]
    if len(lines) < 2 or not all(line.startswith(b"{") and line.endswith(b"}") for line in lines):
        return False
    from nhsstd._json_text import load_json  # read as nhsstd reads any JSON text

    try:
        load_json(data)
    except ValueError:
        return True
    return False


def _items(files: Iterable[str], stdin: bytes) -> Iterator[Item]:
    for path in files:
        if path != "-" and path.lower().endswith(".ndjson"):
            yield from _ndjson_items(path)  # line by line: a large file is never held whole
            continue
        data = stdin if path == "-" else _read(path)
        if path == "-" and _is_ndjson_text(data):
            for number, line in enumerate(data.splitlines(), start=1):
                if line.strip():
                    yield path, number, line
        else:
            yield path, None, data


def _ndjson_items(path: str) -> Iterator[Item]:
    try:
        with open(path, "rb") as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    yield path, number, line
    except OSError as error:
        raise _InputError(f"{path}: {error.strerror or error}") from None


def _resource_count(files: Sequence[str], stdin: bytes) -> int:
    return sum(1 for _ in _items(files, stdin))


# --- checking, in this process or in workers -------------------------------------------------------

_worker_validator: Validator | None = None
_worker_options: tuple[tuple[str, ...], bool] = ((), True)


def _start_worker(packages: tuple[str, ...], profiles: tuple[str, ...], uk_core: bool) -> None:
    # Each worker process loads the rule pack once, then checks batch after batch.
    global _worker_validator, _worker_options
    from nhsstd.conformance import Validator

    _worker_validator = Validator(packages=packages)
    _worker_options = (profiles, uk_core)


def _check_batch(batch: list[bytes]) -> list[Outcome]:
    assert _worker_validator is not None, "worker not started"
    profiles, uk_core = _worker_options
    return [_worker_validator.validate(data, profiles=profiles, uk_core=uk_core) for data in batch]


def _batches(items: Iterator[Item]) -> Iterator[list[Item]]:
    batch: list[Item] = []
    for item in items:
        batch.append(item)
        if len(batch) == _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _outcomes(items: Iterator[Item], args: argparse.Namespace) -> Iterator[tuple[Item, Outcome]]:
    """Each item with its outcome, in input order."""
    options = (tuple(args.package), tuple(args.profile), not args.base_only)
    if args.jobs == 1:
        _start_worker(*options)
        for batch in _batches(items):
            yield from zip(batch, _check_batch([data for _, _, data in batch]), strict=True)
        return
    # Imported here: worker processes (multiprocessing, logging...) cost start-up time that
    # a one-process run, the default, does not need.
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=args.jobs, initializer=_start_worker, initargs=options) as pool:
        # A bounded window of batches in flight keeps memory flat on 100k-line files.
        window: deque[tuple[list[Item], Future[list[Outcome]]]] = deque()
        for batch in _batches(items):
            window.append((batch, pool.submit(_check_batch, [data for _, _, data in batch])))
            if len(window) >= 4 * args.jobs:
                done, future = window.popleft()
                yield from zip(done, future.result(), strict=True)
        while window:
            done, future = window.popleft()
            yield from zip(done, future.result(), strict=True)


# --- progress --------------------------------------------------------------------------------------


@contextmanager
def _progress(enabled: bool, total: int) -> Iterator[Callable[[], None] | None]:
    """A ``step()`` to call once per resource: a rich bar if rich is installed, else plain lines."""
    if not enabled:
        yield None
        return
    try:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
    except ImportError:  # rich comes with the 'columns' extra; without it, a line every 10%
        done = 0
        every = max(total // 10, 1)

        def line() -> None:
            nonlocal done
            done += 1
            if done % every == 0 or done == total:
                sys.stderr.write(f"nhsstd conform: {done}/{total} resources checked\n")

        yield line
        return
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(file=sys.stderr),
        transient=True,
    ) as bar:
        task = bar.add_task("checking", total=total)
        yield lambda: bar.advance(task)


# --- reports ---------------------------------------------------------------------------------------


def _where(source: str, line: int | None) -> str:
    where = "<stdin>" if source == "-" else source
    return where if line is None else f"{where}:{line}"


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count != 1 else ''}"


def _issue_json(outcome: Outcome) -> list[dict[str, str]]:
    return [
        {
            "severity": issue.severity,
            "code": issue.code,
            "location": issue.location,
            "message": issue.message,
            "rule": issue.rule,
        }
        for issue in outcome.issues
    ]


class _Report:
    """Writes each outcome as it comes and keeps the counts for the summary and the exit status."""

    def __init__(self, out: TextIO, format: str) -> None:
        self.out = out
        self.format = format
        self.checked = 0
        self.invalid = 0
        self.unreadable = 0
        self._outcomes: list[tuple[str, int | None, Outcome]] = []  # operationoutcome only

    def add(self, source: str, line: int | None, outcome: Outcome) -> None:
        self.checked += 1
        self.invalid += not outcome.ok
        self.unreadable += any(issue.severity == "fatal" for issue in outcome.issues)
        {"text": self._text, "json": self._json, "operationoutcome": self._keep}[self.format](
            source, line, outcome
        )

    def _text(self, source: str, line: int | None, outcome: Outcome) -> None:
        verdict = "valid" if outcome.ok else "invalid"
        counts = f"{_counted(len(outcome.errors), 'error')}, {_counted(len(outcome.warnings), 'warning')}"
        self.out.write(f"{_where(source, line)}: {verdict} ({counts})\n")
        for issue in outcome.issues:
            self.out.write(f"  {issue}\n")

    def _json(self, source: str, line: int | None, outcome: Outcome) -> None:
        record = {"source": source, "line": line, "valid": outcome.ok, "issues": _issue_json(outcome)}
        self.out.write(json.dumps(record, ensure_ascii=False) + "\n")

    def _keep(self, source: str, line: int | None, outcome: Outcome) -> None:
        self._outcomes.append((source, line, outcome))

    def finish(self) -> None:
        if self.format == "text":
            valid = self.checked - self.invalid
            self.out.write(f"\n{_counted(self.checked, 'resource')}: {valid} valid, {self.invalid} invalid\n")
        elif self.format == "operationoutcome":
            self.out.write(json.dumps(self._operation_outcomes(), ensure_ascii=False, indent=2) + "\n")

    def _operation_outcomes(self) -> dict[str, Any]:
        if len(self._outcomes) == 1:
            return self._outcomes[0][2].to_operation_outcome()
        entries = []
        for source, line, outcome in self._outcomes:
            entry: dict[str, Any] = {"resource": outcome.to_operation_outcome()}
            if source != "-":  # fullUrl must be an absolute URI: a file: URL, with the NDJSON line
                url = Path(source).resolve().as_uri()
                entry["fullUrl"] = url if line is None else f"{url}#line={line}"
            entries.append(entry)
        return {"resourceType": "Bundle", "type": "collection", "entry": entries}

    @property
    def status(self) -> int:
        if self.unreadable:
            return EXIT_USAGE
        return EXIT_INVALID if self.invalid else EXIT_VALID


def _error(message: str) -> int:
    sys.stderr.write(f"nhsstd conform: error: {message}\n")
    return EXIT_USAGE


def run(args: argparse.Namespace) -> int:
    if args.paths.count("-") > 1:
        return _error("standard input (-) can be read only once")
    try:
        files = _files(args.paths)
        for path in files:  # fail before any output, not half-way through the report
            _openable(path)
        stdin = _read("-") if "-" in files else b""
    except _InputError as error:
        return _error(str(error))
    if args.package:
        # Compiled (and cached) here, once, so that a bad package is a usage error before any
        # report, and worker processes find it compiled.
        from nhsstd.conformance import Validator

        try:
            Validator(packages=args.package)
        except (OSError, ValueError) as error:
            return _error(f"cannot load the package: {error}")

    # Counting reads every input once more, so it is done only when progress may be shown.
    total = (
        _resource_count(files, stdin)
        if args.progress or (args.progress is None and sys.stderr.isatty())
        else 0
    )
    show_progress = args.progress if args.progress is not None else total >= _PROGRESS_MIN_RESOURCES
    report = _Report(sys.stdout, args.format)
    try:
        with _progress(show_progress, total) as step:
            for (source, line, _), outcome in _outcomes(_items(files, stdin), args):
                report.add(source, line, outcome)
                if step is not None:
                    step()
    except _InputError as error:
        return _error(str(error))
    except KeyError as error:  # a --profile the validator does not know
        return _error(str(error.args[0]) if error.args else "unknown profile")
    report.finish()
    return report.status

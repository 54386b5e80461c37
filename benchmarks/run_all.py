"""Run every benchmark script with its figures recorded, then regenerate docs/performance.rst's tables.

Run: ``python benchmarks/run_all.py [--only NAME ...]`` (needs the ``dev`` extras: ``bench``,
``columns``, ``registers``).  Each script in :data:`SCRIPTS` runs in its own process, one after
the other, with ``NHSSTD_BENCH_RESULTS`` naming a scratch file; the figures it records replace
that benchmark's earlier ones in ``docs/_generated/benchmark-results.jsonl`` (the other
benchmarks' figures are kept, so ``--only`` re-measures a few), and then ``benchmarks/tables.py``
rewrites ``docs/_generated/performance-*.txt`` from that file.  Commit both: the docs build
never runs a benchmark.

The options in :data:`SCRIPTS` are smaller than the scripts' defaults so that the whole run takes
about ten minutes on two quiet cores; the table titles say what each run measured.  Measure on a
quiet machine: every table gives the load average its figures were taken at.

A script that exits 1 has missed one of its own targets (its figures are still recorded); one
that crashes keeps the figures of its last good run and makes this script exit 1 at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = ROOT / "docs" / "_generated" / "benchmark-results.jsonl"


class Script(NamedTuple):
    """A benchmark script (``benchmarks/<name>.py``, recording as *name*) and its options here."""

    name: str
    options: tuple[str, ...]


SCRIPTS = (
    Script("identifiers", ("--count", "200000", "--repeat", "5")),
    Script("json_roundtrip", ("--rounds", "7", "--number", "1000")),
    Script("fhir", ("--count", "1000", "--repeat", "5")),
    Script("fhir_xml", ("--count", "1000", "--repeat", "5")),
    Script("conformance", ("--count", "1000", "--repeat", "3", "--ndjson", "100000")),
    Script("conformance_invariants", ("--repeat", "10")),
    Script("conformance_walker", ("--repeat", "20")),
    Script("columns", ("--rows", "5000000", "--repeat", "3", "--csv-mb", "256")),
    Script("registers", ("--calls", "200", "--rounds", "7", "--rows", "250000", "--lookups", "50000")),
)

# Exit status of a script that ran to the end but missed one of its targets.
TARGET_MISSED = 1


def run_script(script: Script, results: Path) -> bool:
    """Run *script* recording into *results*; whether it ran to the end."""
    command = [sys.executable, str(HERE / f"{script.name}.py"), *script.options]
    print(f"$ {' '.join(command[1:])}", flush=True)
    started = time.perf_counter()
    completed = subprocess.run(
        command,
        cwd=ROOT,
        env={**os.environ, "NHSSTD_BENCH_RESULTS": str(results)},
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    sys.stderr.write(completed.stderr)
    # An uncaught exception also exits 1: its traceback tells it from a missed target.
    crashed = completed.returncode not in (0, TARGET_MISSED) or "Traceback (most recent call last)" in (
        completed.stderr
    )
    outcome = "CRASHED" if crashed else ("targets missed" if completed.returncode else "ok")
    print(f"-> {script.name}: {outcome} ({time.perf_counter() - started:.0f} s)\n", flush=True)
    return not crashed


def merge(results: Path, fresh: Path, benchmarks: set[str]) -> None:
    """Replace the lines of *benchmarks* in *results* by the lines of *fresh*."""

    def lines(path: Path, replaced: bool) -> list[str]:
        if not path.exists():
            return []
        with open(path, encoding="utf-8") as handle:
            found = [line for line in handle if line.strip()]
        return [line for line in found if (json.loads(line)["benchmark"] in benchmarks) == replaced]

    kept, new = lines(results, replaced=False), lines(fresh, replaced=True)
    results.parent.mkdir(parents=True, exist_ok=True)
    with open(results, "w", encoding="utf-8") as handle:
        handle.writelines(kept + new)


def main() -> int:
    names = [script.name for script in SCRIPTS]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=names, metavar="NAME", help=", ".join(names))
    parser.add_argument("--results", type=Path, default=RESULTS, help="the results file kept with the docs")
    args = parser.parse_args()

    import tables  # benchmarks/tables.py: this script's directory is first on sys.path

    selected = [script for script in SCRIPTS if not args.only or script.name in args.only]
    succeeded: set[str] = set()
    with tempfile.TemporaryDirectory() as directory:
        fresh = Path(directory) / "results.jsonl"
        fresh.touch()
        for script in selected:
            if run_script(script, fresh):
                succeeded.add(script.name)
        merge(args.results, fresh, succeeded)
    for path in tables.write_tables(args.results, args.results.parent, expected=names):
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    crashed = [script.name for script in selected if script.name not in succeeded]
    if crashed:
        print(f"crashed, earlier figures kept: {', '.join(crashed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

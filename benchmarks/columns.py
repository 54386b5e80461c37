"""Time column validation (``nhsstd.columns``) and ``nhsstd check``, printing ratios in one run.

Run: ``python benchmarks/columns.py`` (needs the ``columns`` extra).  Measures,
in one process on the same inputs:

1. ``columns.validate`` / ``columns.is_valid`` on 10 million NHS Numbers in a
   pyarrow string column: clean ten-digit values, then messy ones (3-3-4 with
   spaces or hyphens, surrounding whitespace, a few invalid);
2. python-stdnum's ``stdnum.gb.nhs.is_valid`` and nhsstd's scalar
   ``nhs_number.is_valid`` applied in a Python loop (timed on a sample of the
   same values, reported per value);
3. the other vectorised kinds, on one million values each;
4. ``nhsstd check`` on a generated 1 GB CSV with one NHS Number column (in a
   temporary directory, deleted afterwards), next to plain ``pyarrow.csv``
   reads of the same file.

Targets (issue 7): at least 40 million values/s clean, 10 million/s messy, and
at least 200x python-stdnum's ``is_valid`` in a Python loop.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import random
import subprocess
import sys
import tempfile
import time
import timeit
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
from _results import record

from nhsstd import columns
from nhsstd.cli import main as nhsstd_main
from nhsstd.identifiers import hc_number, nhs_number, sctid

_POWERS = 10 ** np.arange(8, -1, -1)
_WEIGHTS = np.arange(10, 1, -1)


def nhs_digits(count: int, rng: np.random.Generator) -> np.ndarray:
    """``(count, 10)`` ASCII bytes of valid test-range NHS Numbers (999 xxx xxxx)."""
    out = np.empty((count, 10), dtype=np.uint8)
    filled = 0
    while filled < count:
        payload = rng.integers(999_000_000, 1_000_000_000, size=count)
        digits = (payload[:, None] // _POWERS) % 10
        check = (11 - (digits * _WEIGHTS).sum(axis=1) % 11) % 11
        keep = check != 10
        take = min(count - filled, int(keep.sum()))
        out[filled : filled + take, :9] = digits[keep][:take] + 48
        out[filled : filled + take, 9] = check[keep][:take] + 48
        filled += take
    return out


def string_array(rows: list[np.ndarray], order: np.ndarray) -> pa.Array:
    """A pyarrow string array from byte matrices of several widths, rows in *order*."""
    widths = np.concatenate([np.full(len(m), m.shape[1], dtype=np.int64) for m in rows])[order]
    offsets = np.zeros(len(order) + 1, dtype=np.int64)
    np.cumsum(widths, out=offsets[1:])
    data = np.empty(int(offsets[-1]), dtype=np.uint8)
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    start = 0
    for matrix in rows:
        rows_here = position[start : start + len(matrix)]
        starts = offsets[:-1][rows_here]
        data[starts[:, None] + np.arange(matrix.shape[1])] = matrix
        start += len(matrix)
    return pa.Array.from_buffers(
        pa.string(), len(order), [None, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(data)]
    )


def clean_column(count: int, seed: int = 1) -> pa.Array:
    digits = nhs_digits(count, np.random.default_rng(seed))
    offsets = np.arange(count + 1, dtype=np.int32) * 10
    return pa.Array.from_buffers(pa.string(), count, [None, pa.py_buffer(offsets), pa.py_buffer(digits)])


def messy_column(count: int, seed: int = 2) -> pa.Array:
    """30% ``DDD DDD DDDD``, 30% ``DDD-DDD-DDDD``, 20% whitespace-padded, 10% plain,
    5% padded 3-3-4, 5% a wrong check digit."""
    rng = np.random.default_rng(seed)
    digits = nhs_digits(count, rng)
    bad = rng.random(count) < 0.05
    digits[bad, 9] = (digits[bad, 9] - 48 + 1) % 10 + 48
    shape = rng.choice(6, size=count, p=[0.3, 0.3, 0.1, 0.1, 0.1, 0.1])
    parts: list[np.ndarray] = []
    order_parts: list[np.ndarray] = []
    for code in range(6):
        rows = np.flatnonzero(shape == code)
        d = digits[rows]
        if code in (0, 1):  # 3-3-4 with spaces or hyphens
            sep = 32 if code == 0 else 45
            m = np.empty((len(rows), 12), dtype=np.uint8)
            m[:, 0:3], m[:, 3], m[:, 4:7], m[:, 7], m[:, 8:12] = d[:, 0:3], sep, d[:, 3:6], sep, d[:, 6:10]
        elif code == 2:  # " 9434765919\t"
            m = np.empty((len(rows), 12), dtype=np.uint8)
            m[:, 0], m[:, 1:11], m[:, 11] = 32, d, 9
        elif code == 3:  # "9434765919\r\n"
            m = np.empty((len(rows), 12), dtype=np.uint8)
            m[:, 0:10], m[:, 10], m[:, 11] = d, 13, 10
        elif code == 4:  # plain
            m = d
        else:  # "  943 476 5919 "
            m = np.full((len(rows), 15), 32, dtype=np.uint8)
            m[:, 2:5], m[:, 6:9], m[:, 10:14] = d[:, 0:3], d[:, 3:6], d[:, 6:]
        parts.append(m)
        order_parts.append(rows)
    order = np.argsort(np.concatenate(order_parts), kind="stable")
    return string_array(parts, order)


def best(function: Callable[[], Any], repeat: int) -> float:
    return min(timeit.repeat(function, number=1, repeat=repeat))


def loop_rate(function: Callable[[str], bool], values: list[str], repeat: int) -> float:
    def run() -> None:
        for value in values:
            function(value)

    return len(values) / best(run, repeat)


def kind_column(kind: str, count: int) -> pa.Array:
    rng = random.Random(5)
    if kind == "hc_number":
        values = [hc_number.generate(rng) for _ in range(10_000)]
    elif kind == "chi_number":
        values = ["1904851231", "2902201230", "0101201234", "2210741505", "3201201234"]
    elif kind == "sctid":
        values = [sctid.generate(rng) for _ in range(10_000)]
    elif kind == "ods_code":
        values = ["A81001", "rr8", "RH802", "7A4", "B82005", "A8100!"]
    elif kind == "postcode":
        values = ["SW1A 1AA", "ls1 4ap", "M1 1AE", "ZZ99 3VZ", "CF10 1EP", "QA1 1AA"]
    else:
        values = ["ZZ99 3VZ", "zz99 6cz", "ZZ99 3V"]
    return pa.array([values[i % len(values)] for i in range(count)], type=pa.string())


def write_csv(path: str, size: int, seed: int = 3) -> int:
    """A CSV of about *size* bytes: ``record_id,nhs_number,event_date``, 32 bytes a row."""
    rng = np.random.default_rng(seed)
    rows = size // 32
    with open(path, "wb") as handle:
        handle.write(b"record_id,nhs_number,event_date\n")
        for start in range(0, rows, 1_000_000):
            count = min(1_000_000, rows - start)
            matrix = np.empty((count, 32), dtype=np.uint8)
            ids = (np.arange(start, start + count)[:, None] // _POWERS) % 10
            matrix[:, 0:9] = ids + 48
            matrix[:, 9] = ord(",")
            matrix[:, 10:20] = nhs_digits(count, rng)
            matrix[:, 20] = ord(",")
            matrix[:, 21:31] = np.frombuffer(b"2025-01-15", dtype=np.uint8)
            matrix[:, 31] = ord("\n")
            handle.write(matrix.tobytes())
    return rows


def timed(function: Callable[[], Any]) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def run_check(path: str) -> None:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        status = nhsstd_main(
            [
                "check",
                path,
                "--column",
                "nhs_number=nhs-number",
                "--id-column",
                "record_id",
                "--format",
                "json",
                "--no-progress",
            ]
        )
    assert status == 0, status


_PEAK_RSS = """
import contextlib, io, sys, tempfile
from nhsstd.cli import main
with tempfile.TemporaryDirectory() as directory, contextlib.redirect_stdout(io.StringIO()):
    main(["check", sys.argv[1], "--column", "nhs_number=nhs-number", "--id-column", "record_id",
          "--format", "json", "--no-progress", "--report", directory + "/report.html"])
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent through fork and exec.
print(next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:")))
"""


def peak_rss_mib(path: str) -> float:
    """Peak RSS of ``nhsstd check`` on *path* in a fresh Python process."""
    result = subprocess.run(
        [sys.executable, "-c", _PEAK_RSS, path], capture_output=True, text=True, check=True
    )
    return int(result.stdout.split()[-1]) / 1024


def stream_strings(path: str) -> None:
    names = ["record_id", "nhs_number", "event_date"]
    options = pa_csv.ConvertOptions(column_types={name: pa.string() for name in names})
    for _ in pa_csv.open_csv(path, convert_options=options):
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="NHS Numbers per column (default 10M)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--loop-sample", type=int, default=200_000, help="values timed in the Python loops")
    parser.add_argument("--csv-mb", type=int, default=1024, help="size of the generated CSV (0 to skip)")
    args = parser.parse_args()

    import stdnum.gb.nhs

    versions = f"Python {sys.version.split()[0]}, pyarrow {pa.__version__}, numpy {np.__version__}"
    print(f"{versions}, {os.cpu_count()} CPUs")
    clean = clean_column(args.rows)
    messy = messy_column(args.rows)
    assert columns.validate(clean, "nhs_number").reasons.null_count == args.rows
    rates: dict[str, float] = {}
    for label, column in (("clean", clean), ("messy", messy)):
        columns.validate(column, "nhs_number")  # warm up
        for function in (columns.validate, columns.is_valid):
            seconds = best(lambda f=function, c=column: f(c, "nhs_number"), args.repeat)
            rates[f"{function.__name__} {label}"] = args.rows / seconds
    sample_clean = clean.slice(0, args.loop_sample).to_pylist()
    sample_messy = messy.slice(0, args.loop_sample).to_pylist()
    loops = {
        "stdnum clean": loop_rate(stdnum.gb.nhs.is_valid, sample_clean, args.repeat),
        "stdnum messy": loop_rate(stdnum.gb.nhs.is_valid, sample_messy, args.repeat),
        "nhsstd scalar clean": loop_rate(nhs_number.is_valid, sample_clean, args.repeat),
        "nhsstd scalar messy": loop_rate(nhs_number.is_valid, sample_messy, args.repeat),
    }

    title = f"NHS Number, {args.rows:,} values in a pyarrow string column; best of {args.repeat}"
    print("\n" + title)
    print(f"{'':36}{'M values/s':>12}{'vs stdnum loop':>16}")
    for name, rate in rates.items():
        ratio = rate / loops[f"stdnum {name.split()[1]}"]
        print(f"{'columns.' + name:<36}{rate / 1e6:>12.1f}{ratio:>15.0f}x")
        record("columns", title, "columns." + name, M_values_per_s=rate / 1e6, vs_stdnum_loop=ratio)
    for name, rate in loops.items():
        ratio = rate / loops["stdnum " + name.split()[-1]]
        print(f"{name + ' (Python loop)':<36}{rate / 1e6:>12.2f}{ratio:>15.1f}x")
        record("columns", title, name + " (Python loop)", M_values_per_s=rate / 1e6, vs_stdnum_loop=ratio)
    clean_ratio = rates["is_valid clean"] / loops["stdnum clean"]
    clean_rate = min(rates["validate clean"], rates["is_valid clean"]) / 1e6
    messy_rate = min(rates["validate messy"], rates["is_valid messy"]) / 1e6
    checks = (
        ("clean >= 40 M/s", clean_rate, ">= 40", clean_rate >= 40),
        ("messy >= 10 M/s", messy_rate, ">= 10", messy_rate >= 10),
        ("is_valid >= 200x the stdnum loop (clean)", clean_ratio, ">= 200x", clean_ratio >= 200),
    )
    print("targets: " + "; ".join(f"{name}: {'met' if ok else 'MISSED'}" for name, _, _, ok in checks))
    targets = "Targets of nhsstd.columns and nhsstd check"
    for label, measured, target, ok in (
        ("clean values, M/s (the slower of validate and is_valid)", *checks[0][1:]),
        ("messy values, M/s (the slower of validate and is_valid)", *checks[1][1:]),
        ("is_valid / the stdnum loop, clean values", *checks[2][1:]),
    ):
        record("columns", targets, label, measured=measured, target=target, met=ok)

    count = max(1, args.rows // 10)
    kinds = f"Other vectorised kinds, {count:,} values each; best of {args.repeat}"
    print("\n" + kinds)
    for kind in sorted(columns.VECTORISED_KINDS - {"nhs_number"}):
        column = kind_column(kind, count)
        columns.validate(column, kind)
        rate = count / best(lambda c=column, k=kind: columns.validate(c, k), args.repeat)
        print(f"columns.validate {kind:<28}{rate / 1e6:>8.1f} M values/s")
        record("columns", kinds, f"columns.validate {kind}", M_values_per_s=rate / 1e6)

    if args.csv_mb:
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "nhs.csv")
            rows = write_csv(path, args.csv_mb * 2**20)
            size_mb = os.path.getsize(path) / 2**20
            run_check(path)  # warm the page cache and the imports
            timings = (
                ("nhsstd check (every row validated)", lambda: run_check(path)),
                ("pyarrow.csv.read_csv (whole table, types inferred)", lambda: pa_csv.read_csv(path)),
                ("pyarrow.csv.open_csv (streamed, all columns as str)", lambda: stream_strings(path)),
            )
            csv_title = f"CSV of {size_mb:,.0f} MB, {rows:,} rows, one NHS Number column; best of 3"
            print("\n" + csv_title)
            print(f"{'':52}{'s':>7}{'MB/s':>8}")
            seconds_of: dict[str, float] = {}
            for label, function in timings:
                seconds = min(timed(function) for _ in range(3))
                seconds_of[label] = seconds
                print(f"{label:<52}{seconds:>7.2f}{size_mb / seconds:>8.0f}")
                record("columns", csv_title, label, s=seconds, MB_per_s=size_mb / seconds)
            check_seconds, stream_seconds = seconds_of[timings[0][0]], seconds_of[timings[2][0]]
            share = stream_seconds / check_seconds
            print(
                f"nhsstd check keeps {share:.0%} of the streamed pyarrow read's throughput "
                f"(target >= 50%: {'met' if share >= 0.5 else 'MISSED'})"
            )
            record(
                "columns", targets, "nhsstd check throughput, % of the streamed pyarrow read",
                measured=share * 100, target=">= 50", met=share >= 0.5,
            )  # fmt: skip

            # Peak memory: the whole file against a quarter of it, each in a fresh process.
            quarter = os.path.join(directory, "quarter.csv")
            with open(path, "rb") as source, open(quarter, "wb") as target:
                target.write(source.read(os.path.getsize(path) // 4 // 32 * 32))  # whole rows: 32 bytes each
            peaks = [(os.path.getsize(name) / 2**20, peak_rss_mib(name)) for name in (quarter, path)]
            rss_title = "Peak RSS of nhsstd check (a fresh process; the report as HTML too)"
            print("\n" + rss_title)
            for megabytes, peak in peaks:
                print(f"{megabytes:>8,.0f} MB CSV{'':38}{peak:>7.0f} MiB")
                record("columns", rss_title, f"{megabytes:,.0f} MB CSV", peak_MiB=peak)
            growth = peaks[1][1] - peaks[0][1]
            print(
                f"growth {growth:+.0f} MiB for {peaks[1][0] - peaks[0][0]:,.0f} MB more input "
                f"(target flat, < 64 MiB: {'met' if growth < 64 else 'MISSED'})"
            )
            record(
                "columns", targets, f"peak RSS growth, MiB, for {peaks[1][0] - peaks[0][0]:,.0f} MB more",
                measured=growth, target="< 64", met=growth < 64,
            )  # fmt: skip


if __name__ == "__main__":
    main()

"""``nhsstd check`` streams: peak memory does not grow with the size of the file.

The issue asks for a 10 GB CSV checked in under 1 GB of RSS.  Here the same
property is shown at a size CI can afford: with 1 MiB blocks, checking a file
four times larger (about 100 MB against 25 MB) must not raise the peak RSS
of the process by more than a few blocks' worth.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROW_BYTES = 32

_RUNNER = """
import resource, sys
from nhsstd.cli import main
status = main(["check", *sys.argv[1:]])
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, status)
"""


def write_csv(path: Path, rows: int, seed: int = 1) -> None:
    """``record_id,nhs_number,event_date`` rows of 32 bytes, about 9% with a bad check digit."""
    rng = np.random.default_rng(seed)
    powers = 10 ** np.arange(8, -1, -1)
    with path.open("wb") as handle:
        handle.write(b"record_id,nhs_number,event_date\n")
        for start in range(0, rows, 500_000):
            count = min(500_000, rows - start)
            payload = rng.integers(999_000_000, 1_000_000_000, size=count)
            digits = (payload[:, None] // powers) % 10
            check = (11 - (digits * np.arange(10, 1, -1)).sum(axis=1) % 11) % 11
            check[check == 10] = 0  # never valid: a check digit of 10
            ids = (np.arange(start, start + count)[:, None] // powers) % 10
            matrix = np.empty((count, ROW_BYTES), dtype=np.uint8)
            matrix[:, 0:9] = ids + 48
            matrix[:, 9] = ord(",")
            matrix[:, 10:19] = digits + 48
            matrix[:, 19] = check + 48
            matrix[:, 20] = ord(",")
            matrix[:, 21:31] = np.frombuffer(b"2025-01-15", dtype=np.uint8)
            matrix[:, 31] = ord("\n")
            handle.write(matrix.tobytes())


def peak_rss_kib(*argv: str) -> int:
    result = subprocess.run(
        [sys.executable, "-c", _RUNNER, *argv], capture_output=True, text=True, check=False
    )
    assert result.stderr.count("error") == 0, result.stderr
    peak, status = result.stdout.splitlines()[-1].split()
    assert status == "1"  # the generated files hold invalid numbers
    return int(peak)


@pytest.mark.parametrize("extra", [[], ["--output", "{tmp}/annotated.csv"]], ids=["report", "output"])
def test_peak_memory_is_flat_in_file_size(tmp_path: Path, extra: list[str]) -> None:
    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    write_csv(small, 800_000)  # 25.6 MB
    write_csv(large, 3_200_000)  # 102 MB
    options = ["--block-size", str(1 << 20), "--format", "json", "-n", "5"]
    options += [item.format(tmp=tmp_path) for item in extra]
    small_peak = peak_rss_kib(str(small), *options)
    large_peak = peak_rss_kib(str(large), *options)
    growth_mib = (large_peak - small_peak) / 1024
    file_growth_mib = (large.stat().st_size - small.stat().st_size) / 2**20
    assert file_growth_mib > 70
    assert growth_mib < 24, f"peak RSS grew by {growth_mib:.1f} MiB for {file_growth_mib:.0f} MiB more input"

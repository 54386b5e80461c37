"""Where the benchmark scripts put their figures, so that docs/performance.rst is generated from a run.

Each script calls :func:`record` for every figure it prints.  Nothing is written unless the
``NHSSTD_BENCH_RESULTS`` environment variable names a file; then each figure is appended to
it as one JSON line, with the machine it was measured on, so that the tables in the docs
can be rebuilt from the file alone.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import sys
from typing import Any


def _machine() -> dict[str, Any]:
    try:
        load = os.getloadavg()[0]
    except OSError:  # not available on every platform
        load = None
    return {
        "cpus": os.cpu_count(),
        "load_average_1min": load,
        "python": platform.python_version(),
        "implementation": sys.implementation.name,
        "date": datetime.date.today().isoformat(),
    }


def record(benchmark: str, table: str, row: str, **values: Any) -> None:
    """Append one figure: *benchmark* is the script, *table* and *row* place it, *values* are columns.

    Values must be JSON-serialisable (numbers, strings, booleans, None).
    """
    path = os.environ.get("NHSSTD_BENCH_RESULTS")
    if not path:
        return
    line = {"benchmark": benchmark, "table": table, "row": row, "values": values, "machine": _machine()}
    with open(path, "a", encoding="utf-8") as results:
        # Not sort_keys: the values keep the order they were passed in, which the tables' columns follow.
        results.write(json.dumps(line) + "\n")

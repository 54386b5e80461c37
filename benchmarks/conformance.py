"""Time nhsstd's FHIR conformance validator beside fhirkit-rs ``validate`` on the same resources.

Run: ``python benchmarks/conformance.py`` (needs the ``bench`` extra for fhirkit-rs).  Four
measurements, each printed with the figure for fhirkit-rs next to it:

* start-up to first verdict: a fresh ``python`` process that imports the validator and checks
  one UK Core Patient (best of ``--repeat``); also the ``nhsstd conform`` command on that file.
  Each is run three ways: with bytecode (every ``.pyc`` cached, after a warm-up run); with no
  bytecode for nhsstd only (what an editable install gives when ``PYTHONDONTWRITEBYTECODE`` is
  set: the standard library and the dependencies keep the bytecode pip compiled); and with no
  bytecode at all (``-B`` and an empty ``PYTHONPYCACHEPREFIX``, so every module, the standard
  library's too, is compiled from source);
* UK Core Patients per second on one core (``Validator.validate`` on the parsed dict and on the
  JSON text, the UK Core profile applied), best of ``--repeat``;
* an NDJSON file of ``--ndjson`` Patients (default 100 000) through ``nhsstd conform --jobs 1``
  and ``--jobs 2`` (worker processes), against fhirkit-rs validating each line in one process;
* agreement with the HL7 Java validator on the R4 JSON cases of its test suite
  (tests/fixtures/fhir-test-cases), both libraries on the same cases.

fhirkit-rs checks far less than nhsstd: the R4 base structure and primitive formats only -- no
UK Core or other profile, no slicing, no bindings to value sets, no FHIRPath invariants, no
reference resolution in Bundles, no NHS identifier checks -- so its speed is a floor, not a rival.

Targets (issue 15): start-up to first verdict < 1 s, with bytecode and with none for nhsstd;
>= 1000 UK Core Patients/s on one core; ``--jobs 2`` faster than ``--jobs 1`` on the NDJSON file.

Every figure printed is also recorded with ``_results.record`` (written when
``NHSSTD_BENCH_RESULTS`` names a file).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import timeit
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# Run as a script, benchmarks/ is first on sys.path: _results is found there.
from _results import record

BENCHMARK = "conformance"

ROOT = Path(__file__).resolve().parent.parent
PATIENT = ROOT / "tests" / "fixtures" / "fhir" / "ukcore" / "UKCore-Patient-RichardSmith-Example.json"

STARTUP_TARGET = 1.0
RATE_TARGET = 1000.0

_FIRST_VERDICT = (
    "import sys; from nhsstd.conformance import validate; "
    "sys.exit(0 if validate(open(sys.argv[1], 'rb').read()).ok else 1)"
)
_FHIRKIT_FIRST_VERDICT = (
    "import sys, fhirkit; "
    "issues = fhirkit.validate(open(sys.argv[1], 'rb').read()); "
    "sys.exit(1 if any(i.severity == 'error' for i in issues) else 0)"
)
_FHIRKIT_NDJSON = (
    "import sys, fhirkit\n"
    "bad = 0\n"
    "with open(sys.argv[1], 'rb') as handle:\n"
    "    for line in handle:\n"
    "        bad += any(i.severity == 'error' for i in fhirkit.validate(line))\n"
    "print(bad)\n"
)


def _fhirkit() -> Any | None:
    try:
        import fhirkit
    except ImportError:
        print("fhirkit-rs: not installed (pip install 'nhsstd[bench]'); its columns are left empty")
        return None
    return fhirkit


def _best_wall(argv: list[str], repeat: int, env: Mapping[str, str] | None = None) -> float:
    """Best wall-clock seconds of a fresh process (its output discarded)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=env)
        best = min(best, time.perf_counter() - start)
    return best


def _nhsstd_command() -> list[str]:
    return [sys.executable, "-m", "nhsstd", "conform", "--no-progress"]


#: How the start-up is measured: with bytecode, with none for nhsstd, with none at all.
BYTECODE_MODES = ("with bytecode", "no nhsstd bytecode", "no bytecode")


@contextmanager
def _bytecode_environments() -> Iterator[dict[str, dict[str, str]]]:
    """A child environment per mode of :data:`BYTECODE_MODES`, each with its own bytecode cache.

    ``PYTHONPYCACHEPREFIX`` puts the cache in a directory of ours, so no ``__pycache__`` of
    the source tree is read (nor written).  The first two caches are filled by
    :func:`_warm_up`; the third stays empty.
    """
    with tempfile.TemporaryDirectory() as directory:
        environments = {}
        for number, mode in enumerate(BYTECODE_MODES):
            env = dict(os.environ, PYTHONPYCACHEPREFIX=os.path.join(directory, str(number)))
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            if mode != "with bytecode":  # read what is cached, write nothing
                env["PYTHONDONTWRITEBYTECODE"] = "1"
            environments[mode] = env
        yield environments


def _warm_up(argvs: list[list[str]], environments: Mapping[str, Mapping[str, str]]) -> None:
    """Fill the bytecode caches: everything, and everything but nhsstd."""
    for argv in argvs:
        for mode in BYTECODE_MODES[:2]:
            warm = dict(environments[mode])
            warm.pop("PYTHONDONTWRITEBYTECODE", None)
            subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=warm)
    # The cached bytecode of nhsstd's own modules, as the import system names it under the prefix.
    spec = importlib.util.find_spec("nhsstd")
    assert spec is not None, "nhsstd must be importable"
    assert spec.origin is not None, "nhsstd must be a package of source files"
    prefix = sys.pycache_prefix
    sys.pycache_prefix = environments[BYTECODE_MODES[1]]["PYTHONPYCACHEPREFIX"]
    try:
        package_cache = Path(importlib.util.cache_from_source(spec.origin)).parent
    finally:
        sys.pycache_prefix = prefix
    shutil.rmtree(package_cache)


def startup(repeat: int, fhirkit: Any | None) -> dict[str, dict[str, float]]:
    """Best wall-clock seconds per command (row) and bytecode mode (column)."""
    python = [sys.executable, "-c"]
    commands = {
        "nhsstd validate()": [*python, _FIRST_VERDICT, str(PATIENT)],
        "nhsstd conform": [*_nhsstd_command(), str(PATIENT)],
        "python alone": [*python, "pass"],
    }
    if fhirkit is not None:
        commands["fhirkit.validate()"] = [*python, _FHIRKIT_FIRST_VERDICT, str(PATIENT)]
    with _bytecode_environments() as environments:
        _warm_up(list(commands.values()), environments)
        return {
            name: {mode: _best_wall(argv, repeat, env) for mode, env in environments.items()}
            for name, argv in commands.items()
        }


def patients_per_second(count: int, repeat: int, fhirkit: Any | None) -> dict[str, float]:
    from nhsstd.conformance import Validator

    validator = Validator()
    text = PATIENT.read_bytes()
    resource = json.loads(text)
    assert validator.validate(resource).ok, "the UK Core Patient must be valid before it is timed"
    contenders: dict[str, Callable[[], object]] = {
        "nhsstd (dict)": lambda: validator.validate(resource),
        "nhsstd (JSON text)": lambda: validator.validate(text),
    }
    if fhirkit is not None:
        contenders["fhirkit-rs (dict)"] = lambda: fhirkit.validate(resource)
        contenders["fhirkit-rs (JSON text)"] = lambda: fhirkit.validate(text)
    best = dict.fromkeys(contenders, float("inf"))
    for _ in range(repeat):
        for name, function in contenders.items():
            best[name] = min(best[name], timeit.timeit(function, number=count))
    return {name: count / seconds for name, seconds in best.items()}


def write_ndjson(path: Path, count: int) -> None:
    """``count`` copies of the UK Core Patient, one a line, each with its own id."""
    resource = json.loads(PATIENT.read_bytes())
    with open(path, "w", encoding="utf-8") as handle:
        for number in range(count):
            resource["id"] = f"patient-{number}"
            handle.write(json.dumps(resource, separators=(",", ":")) + "\n")


def ndjson(count: int, fhirkit: Any | None) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "patients.ndjson"
        write_ndjson(path, count)
        results = {
            f"nhsstd conform --jobs {jobs}": _best_wall(
                [*_nhsstd_command(), "--format", "json", "--jobs", str(jobs), str(path)], 1
            )
            for jobs in (1, 2)
        }
        if fhirkit is not None:
            fhirkit_run = [sys.executable, "-c", _FHIRKIT_NDJSON, str(path)]
            results["fhirkit-rs, one process"] = _best_wall(fhirkit_run, 1)
    return results


def agreement(fhirkit: Any | None) -> dict[str, tuple[int, int]]:
    """Agreeing verdicts with the Java validator on the JSON cases outside tx, and on all JSON cases."""
    sys.path.insert(0, str(ROOT / "tests"))
    from hl7_suite import TERMINOLOGY_MODULE, our_errors, selected_cases

    from nhsstd.conformance import Validator

    validator = Validator()
    cases = [case for case in selected_cases() if case.file.suffix == ".json"]
    results: dict[str, tuple[int, int]] = {}
    verdicts: dict[str, Callable[[Path], bool]] = {"nhsstd": lambda file: bool(our_errors(validator, file))}
    if fhirkit is not None:
        verdicts["fhirkit-rs"] = lambda file: _fhirkit_invalid(fhirkit, file)
    for name, invalid in verdicts.items():
        agree = [invalid(case.file) == case.java_invalid for case in cases]
        outside = [same for same, case in zip(agree, cases, strict=True) if case.module != TERMINOLOGY_MODULE]
        results[f"{name}, JSON outside tx"] = (sum(outside), len(outside))
        results[f"{name}, all JSON"] = (sum(agree), len(agree))
    return results


def _fhirkit_invalid(fhirkit: Any, file: Path) -> bool:
    try:
        return any(issue.severity == "error" for issue in fhirkit.validate(file.read_bytes()))
    except (fhirkit.ParseError, fhirkit.ValidationError):
        return True


def _column(mode: str) -> str:
    """A bytecode mode as a recorded column name: ``no_nhsstd_bytecode_s``."""
    return mode.replace(" ", "_") + "_s"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--count", type=int, default=5_000, help="validations per timed run (default 5000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the best is kept (default 3)")
    parser.add_argument(
        "--ndjson", type=int, default=100_000, help="Patients in the NDJSON file (default 100000)"
    )
    args = parser.parse_args()
    fhirkit = _fhirkit()
    failures = []

    print(f"start-up to first verdict (fresh process, best of {args.repeat}; seconds):")
    first = startup(args.repeat, fhirkit)
    print(f"  {'':<24}" + "".join(f"{mode:>20}" for mode in BYTECODE_MODES))
    for name, seconds in first.items():
        print(f"  {name:<24}" + "".join(f"{seconds[mode]:>20.3f}" for mode in BYTECODE_MODES))
        record(BENCHMARK, "start-up", name, **{_column(mode): seconds[mode] for mode in BYTECODE_MODES})
    for mode in BYTECODE_MODES[:2]:
        verdict = first["nhsstd validate()"][mode]
        print(f"  nhsstd validate(), {mode}: {verdict:.2f} s (target < {STARTUP_TARGET:.0f} s)")
        met = verdict < STARTUP_TARGET
        record(BENCHMARK, "targets", f"start-up, {mode}", seconds=verdict, target=STARTUP_TARGET, met=met)
        if not met:
            failures.append(f"start-up ({mode})")

    print(f"\nUK Core Patients/s on one core ({PATIENT.name}, {args.count} per run, best of {args.repeat}):")
    rates = patients_per_second(args.count, args.repeat, fhirkit)
    ours = rates["nhsstd (dict)"]
    for name, rate in rates.items():
        print(f"  {name:<24}{rate:>10.0f}/s{rate / ours:>8.2f}x")
        record(BENCHMARK, "patients per second", name, per_second=rate, ratio=rate / ours)
    print(f"  nhsstd (dict): {ours:.0f}/s (target >= {RATE_TARGET:.0f}/s)")
    met = ours >= RATE_TARGET
    record(BENCHMARK, "targets", "patients per second", per_second=ours, target=RATE_TARGET, met=met)
    if not met:
        failures.append("rate")

    print(f"\nNDJSON of {args.ndjson} UK Core Patients (wall clock, one run each):")
    walls = ndjson(args.ndjson, fhirkit)
    for name, seconds in walls.items():
        rate = args.ndjson / seconds
        print(f"  {name:<28}{seconds:>8.1f} s{rate:>10.0f}/s")
        record(BENCHMARK, "ndjson", name, seconds=seconds, per_second=rate, patients=args.ndjson)
    scaling = walls["nhsstd conform --jobs 1"] / walls["nhsstd conform --jobs 2"]
    print(f"  --jobs 2 speed-up over --jobs 1: {scaling:.2f}x (target > 1; {os.cpu_count()} CPUs here)")
    record(BENCHMARK, "targets", "--jobs 2 speed-up", ratio=scaling, target=1.0, met=scaling > 1.0)
    if scaling <= 1.0:
        failures.append("jobs")

    print("\nagreement with the HL7 Java validator (R4 JSON cases of its test suite):")
    for name, (agree, total) in agreement(fhirkit).items():
        print(f"  {name:<28}{agree:>5} / {total}  ({100 * agree / total:.1f}%)")
        record(BENCHMARK, "agreement", name, agree=agree, total=total, percent=100 * agree / total)

    if failures:
        print("targets missed: " + ", ".join(failures))
        return 1
    print("all targets met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Time the conformance walker apart from the FHIRPath invariants, printing ratios in one run.

Run: ``python benchmarks/conformance_walker.py [--repeat N] [--against REF]``.  Measures, in
one process, the cost per resource of ``Validator.validate`` on:

* the UK Core Patient RichardSmith (tests/fixtures/fhir/ukcore, the resource of the issue 15
  target of 1,000 Patients/s on one core);
* the 18 UK Core Patient examples (tests/fixtures/ukcore-examples), one validation each;
* a UK Core Bundle (the AllergyList example: a List and its AllergyIntolerance entries);

each twice: whole, and *walker only* -- with an invariant engine that answers every FHIRPath
constraint "true" at once, so what remains is the walk itself (structure, shapes, formats,
cardinality, slicing, bindings, extensions, references, identifier rules).  The walker's
target (issue 15, brief W): <= 400 us on RichardSmith on a quiet machine.

``--against REF`` also times the walker of ``nhsstd/conformance/_validator.py`` as it was at
git revision REF (loaded from ``git show`` into a temporary file) on the same pack, in the
same process, interleaved with the current one, and prints the speed-up.  Times are the
process's CPU time (``time.process_time``, best of many short runs), so that waiting for a core
on a shared machine does not count; the load average is printed with the figures all the same:
a busy machine slows the core too (caches), so compare ratios, not absolute times.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _results import record

from nhsstd.conformance import Validator
from nhsstd.fhir import xml

ROOT = Path(__file__).resolve().parent.parent
PATIENT = ROOT / "tests" / "fixtures" / "fhir" / "ukcore" / "UKCore-Patient-RichardSmith-Example.json"
EXAMPLES = ROOT / "tests" / "fixtures" / "ukcore-examples"
BUNDLE = EXAMPLES / "UKCore-Bundle-AllergyList-Example.xml"

WALKER_TARGET_US = 400.0


class AlwaysTrue:
    """An invariant engine that answers every constraint "true" without evaluating it."""

    def check(self, key: str, expression: str, node: Any, **context: Any) -> bool | None:
        return True


def _read_xml(path: Path) -> dict[str, Any]:
    data = path.read_bytes()
    return xml.loads(data, require_namespace=b'xmlns="http://hl7.org/fhir"' in data)


def workloads() -> dict[str, list[dict[str, Any]]]:
    return {
        "RichardSmith Patient": [json.loads(PATIENT.read_bytes())],
        "18 UK Core Patients": [_read_xml(p) for p in sorted(EXAMPLES.glob("UKCore-Patient-*.xml"))],
        "AllergyList Bundle": [_read_xml(BUNDLE)],
    }


def baseline_walker(ref: str) -> type:
    """The Walker class of ``_validator.py`` at git revision ``ref``."""
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{ref}:nhsstd/conformance/_validator.py"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    directory = tempfile.mkdtemp()
    path = Path(directory) / "_validator_baseline.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("_validator_baseline", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    walker: type = module.Walker
    return walker


def calibrate(validate: Callable[[dict[str, Any]], object], resources: list[dict[str, Any]]) -> int:
    """Rounds over ``resources`` that take about 20 ms: short runs, so that one of many is undisturbed."""
    rounds = 1
    while _seconds(validate, resources, rounds) < 0.02:
        rounds *= 2
    return rounds


def _seconds(
    validate: Callable[[dict[str, Any]], object], resources: list[dict[str, Any]], rounds: int
) -> float:
    start = time.process_time()
    for _ in range(rounds):
        for resource in resources:
            validate(resource)
    return time.process_time() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30, help="timed runs; the best is kept (default 30)")
    parser.add_argument("--against", metavar="REF", help="also time the walker at this git revision")
    args = parser.parse_args()

    whole = Validator()
    walker_only = Validator()
    walker_only._walker.invariants = AlwaysTrue()  # type: ignore[assignment]
    contenders: dict[str, Callable[[dict[str, Any]], object]] = {
        "whole": whole.validate,
        "walker only": walker_only.validate,
    }
    if args.against:
        current = walker_only._walker
        baseline = Validator()
        baseline._walker = baseline_walker(args.against)(
            current.pack, current.model, current.terminology, AlwaysTrue()
        )
        contenders[f"walker only @ {args.against}"] = baseline.validate

    load = os.getloadavg()[0]
    print(f"per resource, best of {args.repeat} (load average {load:.2f}, {os.cpu_count()} CPUs):")
    failures = []
    for workload, resources in workloads().items():
        for validate in contenders.values():
            for resource in resources:
                validate(resource)  # plans built outside the timing
        rounds = calibrate(contenders["walker only"], resources)
        best = dict.fromkeys(contenders, float("inf"))
        for _ in range(args.repeat):
            for name, validate in contenders.items():
                seconds = _seconds(validate, resources, rounds) / rounds / len(resources)
                best[name] = min(best[name], seconds * 1e6)
        print(f"  {workload}:")
        for name, micros in best.items():
            share = micros / best["whole"]
            print(f"    {name:<28}{micros:>9.0f} us{share:>7.2f}x of whole")
            record("conformance_walker", workload, name, microseconds=round(micros, 1))
        if args.against:
            speed_up = best[f"walker only @ {args.against}"] / best["walker only"]
            print(f"    walker speed-up over {args.against}: {speed_up:.2f}x")
        if workload == "RichardSmith Patient":
            print(f"    walker only: {best['walker only']:.0f} us (target <= {WALKER_TARGET_US:.0f} us)")
            if best["walker only"] > WALKER_TARGET_US:
                failures.append("walker")
    if failures:
        print("targets missed: " + ", ".join(failures) + " (on a loaded machine, compare the ratios)")
        return 1
    print("all targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())

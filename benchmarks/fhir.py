"""Parse and write a UK Core Patient with nhsstd, fhirkit-rs, fhir.resources and fhirclient.

Run: ``python benchmarks/fhir.py`` (needs the ``bench`` extra: fhirkit-rs, fhir.resources
and fhirclient).  Each library turns the same JSON text into its Patient object (parsing
and validating) and back into JSON text, ``--count`` times; the best of ``--repeat``
runs is kept, the libraries taking turns so that machine noise hits them alike.  The
floor is bare ``json.loads`` + ``json.dumps`` of the same text.

* nhsstd: ``nhsstd.fhir.loads`` then ``nhsstd.fhir.dumps`` (identifiers checked, unknown
  elements kept so the output equals the input);
* fhirkit-rs (Rust): ``fhirkit.parse`` then ``Resource.to_json`` (R4 structure and
  primitive formats checked, problems collected in ``issues``; no NHS identifier checks);
* fhir.resources: the R4B ``Patient`` pydantic model (there is no R4 package from
  version 7 on; R4B is the closest) -- ``model_validate_json`` then ``model_dump_json``;
* fhirclient: its R4 ``Patient`` -- ``Patient(json.loads(text))`` then
  ``json.dumps(patient.as_json())``.

Targets (issue 5), on the RichardSmith fixture: nhsstd at least 10x faster than
fhir.resources, 3x faster than fhirclient, and within 6x of the floor.  The fhirkit-rs
ratio is printed, not yet a target (issue 13 aims at nhsstd <= fhirkit-rs, <= 2.5x floor).
"""

from __future__ import annotations

import os
import sys

# ``python benchmarks/fhir.py`` puts benchmarks/ first on sys.path, where this file would
# shadow the ``fhir`` package that fhir.resources lives in.
if sys.path and os.path.abspath(sys.path[0] or ".") == os.path.dirname(os.path.abspath(__file__)):
    del sys.path[0]

import argparse
import json
import timeit
from collections.abc import Callable
from pathlib import Path

from nhsstd import fhir

DEFAULT_FIXTURE = (
    Path(__file__).resolve().parent.parent
    / "tests"
    / "fixtures"
    / "fhir"
    / "ukcore"
    / "UKCore-Patient-RichardSmith-Example.json"
)

TARGETS = {"fhir.resources": 10.0, "fhirclient": 3.0}
FLOOR_TARGET = 6.0


def floor(text: str) -> str:
    return json.dumps(json.loads(text))


def with_nhsstd(text: str) -> str:
    return fhir.dumps(fhir.loads(text))


def make_fhirkit() -> Callable[[str], str]:
    import fhirkit

    def run(text: str) -> str:
        text_out: str = fhirkit.parse(text).to_json()
        return text_out

    return run


def make_fhir_resources() -> Callable[[str], str]:
    from fhir.resources.R4B.patient import Patient

    def run(text: str) -> str:
        return Patient.model_validate_json(text).model_dump_json()

    return run


def make_fhirclient() -> Callable[[str], str]:
    from fhirclient.models.patient import Patient

    def run(text: str) -> str:
        return json.dumps(Patient(json.loads(text)).as_json())

    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="round trips per run (default 10000)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per library; the best is kept")
    parser.add_argument("--fixture", type=Path, default=DEFAULT_FIXTURE, help="a FHIR Patient JSON file")
    args = parser.parse_args()

    text = args.fixture.read_text(encoding="utf-8")
    # Check that every contender really handles the resource before timing it.
    assert json.loads(with_nhsstd(text)) == json.loads(text), "nhsstd did not round-trip the fixture"
    contenders: dict[str, Callable[[str], str]] = {"floor (json)": floor, "nhsstd": with_nhsstd}
    factories = (
        ("fhirkit-rs", make_fhirkit),
        ("fhir.resources", make_fhir_resources),
        ("fhirclient", make_fhirclient),
    )
    for name, factory in factories:
        try:
            function = factory()
            function(text)
        except Exception as error:  # a missing package or a library that cannot read the resource
            print(f"{name}: skipped ({type(error).__name__}: {error})", file=sys.stderr)
        else:
            contenders[name] = function

    best = dict.fromkeys(contenders, float("inf"))
    for _ in range(args.repeat):
        for name, function in contenders.items():
            elapsed = timeit.timeit(lambda f=function: f(text), number=args.count)  # type: ignore[misc]
            best[name] = min(best[name], elapsed)

    per_trip = {name: seconds / args.count * 1e6 for name, seconds in best.items()}
    ours = per_trip["nhsstd"]
    print(f"{args.fixture.name}: {len(text)} bytes, {args.count} round trips, best of {args.repeat}")
    print(f"{'library':<16}{'us/round trip':>15}{'vs nhsstd':>12}")
    for name, micros in per_trip.items():
        print(f"{name:<16}{micros:>15.1f}{micros / ours:>11.2f}x")
    failures = []
    ratio_floor = ours / per_trip["floor (json)"]
    print(f"nhsstd / floor: {ratio_floor:.2f}x (target <= {FLOOR_TARGET:.0f}x)")
    if ratio_floor > FLOOR_TARGET:
        failures.append("floor")
    if "fhirkit-rs" in per_trip:
        ratio_fhirkit = ours / per_trip["fhirkit-rs"]
        print(f"nhsstd / fhirkit-rs: {ratio_fhirkit:.2f}x (issue 13 aims at <= 1x; not a target yet)")
    for name, target in TARGETS.items():
        if name in per_trip:
            speedup = per_trip[name] / ours
            print(f"{name} / nhsstd: {speedup:.1f}x (target >= {target:.0f}x)")
            if speedup < target:
                failures.append(name)
    if failures:
        print("targets missed: " + ", ".join(failures))
        return 1
    print("all targets met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

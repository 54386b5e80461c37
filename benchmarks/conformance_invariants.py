"""Time the FHIRPath invariants of UK Core Patient validation, printing ratios in one run.

Run: ``python benchmarks/conformance_invariants.py [--repeat N]``.  Measures,
in one process on the UK Core 2.0.2 Patient examples (tests/fixtures):

1. every invariant the validator evaluates on each Patient (recorded from a
   real ``Validator.validate`` run), through nhsstd's ``InvariantEngine``:
   cost per Patient and per constraint key;
2. the same evaluations through fhirpathpy's own API: ``fhirpathpy.compile``
   (parsed once, evaluated per call) and ``fhirpathpy.evaluate`` (parsed on
   every call, the naive integration);
3. the whole ``Validator.validate`` per Patient, to show the invariants' share
   of the 1,000 Patients/s target (issue 15);
4. start-up: building the engine and parsing each expression on first use.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import fhirpathpy
from _results import record

from nhsstd.conformance import Validator
from nhsstd.conformance._fhirpath import InvariantEngine
from nhsstd.fhir import xml

EXAMPLES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "ukcore-examples"


class _Call:
    __slots__ = ("expression", "key", "kwargs", "node")

    def __init__(self, key: str, expression: str, node: Any, kwargs: Mapping[str, Any]) -> None:
        self.key, self.expression, self.node, self.kwargs = key, expression, node, dict(kwargs)


class RecordingEngine(InvariantEngine):
    """An InvariantEngine that remembers every check it is asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[_Call] = []

    def check(self, key: str, expression: str, node: Any, **kwargs: Any) -> bool | None:
        self.calls.append(_Call(key, expression, node, kwargs))
        return super().check(key, expression, node, **kwargs)


def fhirpathpy_r4_model() -> dict[str, Any]:
    """fhirpathpy's R4 model tables (importing fhirpathpy.models would read all four FHIR versions)."""
    folder = Path(fhirpathpy.__file__).parent / "models" / "r4"
    return {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in folder.glob("*.json")}


def patients() -> list[dict[str, Any]]:
    found = []
    for path in sorted(EXAMPLES.glob("UKCore-Patient-*.xml")):
        data = path.read_bytes()
        found.append(xml.loads(data, require_namespace=b'xmlns="http://hl7.org/fhir"' in data))
    return found


def per_second(seconds: float, count: int) -> str:
    return f"{count / seconds:,.0f}/s" if seconds else "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed rounds, the best kept (default 20)")
    args = parser.parse_args()

    started = time.perf_counter()
    engine = InvariantEngine()
    built = time.perf_counter() - started

    examples = patients()
    validator = Validator()
    recorder = RecordingEngine()
    validator._walker.invariants = recorder  # record what a real validation evaluates
    for patient in examples:
        validator.validate(patient)
    calls = recorder.calls
    expressions = sorted({call.expression for call in calls})
    started = time.perf_counter()
    for call in calls:
        engine.check(call.key, call.expression, call.node, **call.kwargs)
    first_use = time.perf_counter() - started
    print(f"{len(examples)} UK Core Patient examples; {len(calls)} invariant evaluations "
          f"({len(calls) / len(examples):.1f} per Patient, {len(expressions)} expressions)")  # fmt: skip
    print(f"start-up: InvariantEngine() {built * 1e3:.0f} ms; first use (parsing) {first_use * 1e3:.0f} ms")
    startup = f"Start-up of the FHIRPath invariants ({len(expressions)} expressions)"
    record("conformance_invariants", startup, "InvariantEngine()", ms=built * 1e3)
    record("conformance_invariants", startup, "first use (each expression parsed)", ms=first_use * 1e3)

    options = {"traceFn": lambda *_: None}
    model = fhirpathpy_r4_model()
    compiled = {
        expression: fhirpathpy.compile(expression, model=model, options=options) for expression in expressions
    }
    # fhirpathpy alone cannot run hasValue(), htmlChecks()...: compare on what it can evaluate.
    comparable = [call for call in calls if _fhirpathpy_can_evaluate(compiled[call.expression], call)]

    def ours(selection: list[_Call]) -> None:
        for call in selection:
            engine.check(call.key, call.expression, call.node, **call.kwargs)

    def plain_compiled(selection: list[_Call]) -> None:
        for call in selection:
            compiled[call.expression](call.node, _variables(call))

    def plain_evaluate(selection: list[_Call]) -> None:
        for call in selection:
            fhirpathpy.evaluate(call.node, call.expression, _variables(call), model, options)

    def whole(selection: list[dict[str, Any]]) -> None:
        for patient in selection:
            validator.validate(patient)

    validator._walker.invariants = engine
    # The machine is shared: interleave the rounds and keep each one's best.
    best: dict[str, float] = defaultdict(lambda: float("inf"))
    for _ in range(args.repeat):
        for label, run, selection in (
            ("ours", ours, calls),
            ("ours comparable", ours, comparable),
            ("compiled comparable", plain_compiled, comparable),
            ("whole", whole, examples),
        ):
            begin = time.perf_counter()
            run(selection)  # type: ignore[operator]
            best[label] = min(best[label], time.perf_counter() - begin)
    begin = time.perf_counter()
    plain_evaluate(comparable)
    best["evaluate comparable"] = time.perf_counter() - begin

    per_key: dict[str, float] = defaultdict(lambda: float("inf"))
    count_key: dict[str, int] = defaultdict(int)
    for call in calls:
        count_key[call.key] += 1
    for _ in range(args.repeat):
        spent: dict[str, float] = defaultdict(float)
        for call in calls:
            begin = time.perf_counter()
            engine.check(call.key, call.expression, call.node, **call.kwargs)
            spent[call.key] += time.perf_counter() - begin
        for key, seconds in spent.items():
            per_key[key] = min(per_key[key], seconds)

    count = len(examples)
    per_patient = (
        f"{count} UK Core Patient examples, {len(calls)} invariant evaluations "
        f"({len(calls) / count:.1f} per Patient); best of {args.repeat}"
    )
    share = best["ours"] / best["whole"]
    record(
        "conformance_invariants", per_patient, "InvariantEngine.check (invariants only)",
        us_per_Patient=best["ours"] / count * 1e6, Patients_per_s=count / best["ours"],
        us_per_evaluation=best["ours"] / len(calls) * 1e6,
    )  # fmt: skip
    record(
        "conformance_invariants", per_patient, "whole Validator.validate",
        us_per_Patient=best["whole"] / count * 1e6, Patients_per_s=count / best["whole"],
        invariants_share_percent=share * 100,
    )  # fmt: skip
    print(f"InvariantEngine.check: {best['ours'] / count * 1e6:,.0f} us per Patient "
          f"({per_second(best['ours'], count)} Patients, invariants only), "
          f"{best['ours'] / len(calls) * 1e6:.0f} us per evaluation")  # fmt: skip
    ours_comparable = best["ours comparable"]
    print(f"on the {len(comparable)} evaluations fhirpathpy can run alone: fhirpathpy.compile()d functions "
          f"{best['compiled comparable'] / ours_comparable:.2f}x our time, fhirpathpy.evaluate() "
          f"(parses every call) {best['evaluate comparable'] / ours_comparable:.0f}x")  # fmt: skip
    comparison = f"The {len(comparable)} evaluations fhirpathpy can run alone, against InvariantEngine.check"
    for label, key in (
        ("InvariantEngine.check", "ours comparable"),
        ("fhirpathpy.compile()d functions", "compiled comparable"),
        ("fhirpathpy.evaluate() (parses every call)", "evaluate comparable"),
    ):
        record(
            "conformance_invariants", comparison, label, us_total=best[key] * 1e6,
            vs_InvariantEngine=best[key] / ours_comparable,
        )  # fmt: skip
    print(f"whole Validator.validate: {best['whole'] / count * 1e6:,.0f} us per Patient "
          f"({per_second(best['whole'], count)}); invariants are {share:.0%} of it")  # fmt: skip
    print("per constraint key (mean us per evaluation, evaluations per Patient):")
    keys = f"Invariants by constraint key, best of {args.repeat}"
    for key in sorted(per_key, key=lambda k: -per_key[k]):
        print(f"  {key:28s} {per_key[key] / count_key[key] * 1e6:7.0f} us  x{count_key[key] / count:5.2f}")
        record(
            "conformance_invariants", keys, key, us_per_evaluation=per_key[key] / count_key[key] * 1e6,
            evaluations_per_Patient=count_key[key] / count,
        )  # fmt: skip


def _variables(call: _Call) -> dict[str, Any]:
    return {"resource": call.kwargs["resource"], "rootResource": call.kwargs["root"]}


def _fhirpathpy_can_evaluate(function: Any, call: _Call) -> bool:
    try:
        function(call.node, _variables(call))
    except Exception:
        return False
    return True


if __name__ == "__main__":
    main()

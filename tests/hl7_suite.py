"""The HL7 FHIR validator's own test cases, and how often our verdict agrees with the Java validator's.

The cases are the R4 selection copied into ``tests/fixtures/fhir-test-cases`` (its README
defines the selection; :func:`selected_cases` applies it to the unedited ``manifest.json``).
A verdict is only "invalid" (some issue of severity error or fatal) or "valid": the two
validators word and place their issues differently, so nothing finer is compared.

Run as a script to print the agreement per module and, with ``--disagreements PATH``, write
the cases where the verdicts differ (Markdown) for whoever works on the validator::

    python tests/hl7_suite.py --disagreements /tmp/disagreements.md
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from nhsstd.conformance import Issue, Validator

SUITE = Path(__file__).resolve().parent / "fixtures" / "fhir-test-cases"

#: FHIR R4, as the manifest spells it.
R4_VERSIONS = frozenset({"4.0", "4.0.1"})

#: Manifest keys that say nothing about how to set the validation up: names and prose, and the
#: expected outcomes of the validators.  A case with any other key needs extra packages,
#: supporting files, profiles, logical models, a reference fetcher or a validator setting.
NO_SET_UP_KEYS = frozenset(
    {
        "name",
        "file",
        "version",
        "module",
        "description",
        "explanation",
        "documentation",
        "tags",
        "java",
        "firely-sdk-current",
        "firely-sdk-wip",
        "brianpos",
        "dotnet-brianpos",
    }
)

#: The module whose cases need a terminology server; its agreement is reported on its own.
TERMINOLOGY_MODULE = "tx"

_FAILING = frozenset({"error", "fatal"})


@attrs.frozen
class Case:
    """One selected test case: its file and the Java validator's verdict on it."""

    name: str
    module: str
    file: Path
    java_invalid: bool
    java_errors: tuple[str, ...]  # "location: message" of each Java error, to explain disagreements


@attrs.frozen
class Result:
    """Our verdict on one case beside Java's."""

    case: Case
    our_errors: tuple[Issue, ...]

    @property
    def ours_invalid(self) -> bool:
        return bool(self.our_errors)

    @property
    def agrees(self) -> bool:
        return self.ours_invalid == self.case.java_invalid


def _java_outcome(entry: Any) -> tuple[bool, tuple[str, ...]]:
    if isinstance(entry, Mapping):  # an inline {"errorCount": n}
        count = int(entry.get("errorCount", 0))
        return count > 0, ()
    outcome = json.loads((SUITE / "outcomes" / entry).read_text(encoding="utf-8"))
    errors = tuple(
        f"{', '.join(issue.get('expression', issue.get('location', ['?'])))}: "
        f"{issue.get('details', {}).get('text', '')}"
        for issue in outcome.get("issue", ())
        if issue.get("severity") in _FAILING
    )
    return bool(errors), errors


def selected_cases() -> list[Case]:
    """The manifest's R4 cases that need no set-up and have a Java outcome (see the README)."""
    manifest = json.loads((SUITE / "manifest.json").read_text(encoding="utf-8"))
    cases = []
    for entry in manifest["test-cases"]:
        if entry.get("version") not in R4_VERSIONS or "java" not in entry or set(entry) - NO_SET_UP_KEYS:
            continue
        java = entry["java"]
        file = SUITE / entry["file"]
        if (isinstance(java, str) and not (SUITE / "outcomes" / java).is_file()) or not file.is_file():
            continue  # named in the manifest but absent from the repository (README, rules 3 and 4)
        invalid, errors = _java_outcome(java)
        cases.append(Case(entry["name"], entry.get("module", ""), file, invalid, errors))
    return cases


def our_errors(validator: Validator, file: Path) -> tuple[Issue, ...]:
    """The errors of nhsstd's validator on a case file, base definitions only (``uk_core=False``)."""
    data = file.read_bytes()
    if file.suffix == ".ndjson":  # one resource per line; the file is invalid if any line is
        return tuple(
            issue
            for line in data.splitlines()
            if line.strip()
            for issue in validator.validate(line, uk_core=False).errors
        )
    return validator.validate(data, uk_core=False).errors


def run(cases: Iterable[Case]) -> list[Result]:
    validator = Validator()
    return [Result(case, our_errors(validator, case.file)) for case in cases]


def agreement(results: Iterable[Result]) -> tuple[int, int]:
    """(agreeing, total)."""
    listed = list(results)
    return sum(result.agrees for result in listed), len(listed)


def outside_terminology(results: Iterable[Result]) -> list[Result]:
    return [result for result in results if result.case.module != TERMINOLOGY_MODULE]


def in_terminology(results: Iterable[Result]) -> list[Result]:
    return [result for result in results if result.case.module == TERMINOLOGY_MODULE]


def table(results: list[Result]) -> str:
    """Agreement per module, then outside ``tx``, in ``tx`` and overall, as text."""
    total: Counter[str] = Counter()
    agreeing: Counter[str] = Counter()
    for result in results:
        total[result.case.module] += 1
        agreeing[result.case.module] += result.agrees
    lines = [f"{'module':<14} agree / cases"]
    lines += [f"{module:<14} {agreeing[module]:>5} / {total[module]}" for module in sorted(total)]
    for label, chosen in (
        ("outside tx", outside_terminology(results)),
        ("tx", in_terminology(results)),
        ("all", results),
    ):
        agree, count = agreement(chosen)
        share = f"{100 * agree / count:.1f}%" if count else "-"
        lines.append(f"{label:<14} {agree:>5} / {count}  ({share})")
    return "\n".join(lines)


def disagreements(results: list[Result]) -> str:
    """The cases where the verdicts differ, as Markdown (case, expected, ours, the rules)."""
    out = [
        "# Disagreements with the HL7 Java validator (issue 15)",
        "",
        "Generated by `python tests/hl7_suite.py --disagreements PATH` (H3): the R4 cases of",
        "tests/fixtures/fhir-test-cases (see its README) where our verdict (`validate(..., uk_core=False)`,",
        "invalid = any error or fatal issue) differs from the Java validator's expected outcome.",
        "",
        "```",
        table(results),
        "```",
        "",
    ]
    for result in results:
        if result.agrees:
            continue
        case = result.case
        expected = "invalid" if case.java_invalid else "valid"
        ours = "invalid" if result.ours_invalid else "valid"
        out.append(f"## {case.name} ({case.module}, {case.file.name}): java {expected}, ours {ours}")
        out.append("")
        for error in case.java_errors[:5]:
            out.append(f"- java: {error}")
        for issue in result.our_errors[:5]:
            out.append(f"- ours: {issue.location}: {issue.message} [{issue.rule}]")
        if not case.java_errors and not result.our_errors:
            out.append("- (java reports an error count only)")
        out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--disagreements", metavar="PATH", help="write the disagreements (Markdown) here")
    args = parser.parse_args(argv)
    results = run(selected_cases())
    sys.stdout.write(table(results) + "\n")
    if args.disagreements:
        Path(args.disagreements).write_text(disagreements(results), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

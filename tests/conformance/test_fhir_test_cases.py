"""Agreement with the HL7 Java validator on its own public test suite (issue 15).

The R4 cases of FHIR/fhir-test-cases that need no set-up (tests/fixtures/fhir-test-cases/README.md)
are validated with ``uk_core=False``; a verdict is "invalid" (any error or fatal issue) or "valid".
The target is 90% agreement outside the ``tx`` module; the bar is that target or, while it was
out of reach, the agreement last measured, so that it can only go up: raise the measured figures
when the validator improves (``python tests/hl7_suite.py`` prints the table).
"""

from __future__ import annotations

import json
import math

import pytest
from hl7_suite import (
    NO_SET_UP_KEYS,
    R4_VERSIONS,
    SUITE,
    TERMINOLOGY_MODULE,
    Result,
    agreement,
    in_terminology,
    outside_terminology,
    run,
    selected_cases,
    table,
)

#: Issue 15's target: share of the cases outside ``tx`` on which the verdicts agree.
TARGET_OUTSIDE_TX = 0.90

#: Agreeing cases last measured (out of 145 outside ``tx``, 26 in it); never lower these.
MEASURED_OUTSIDE_TX = 136
MEASURED_TX = 22


@pytest.fixture(scope="module")
def results() -> list[Result]:
    return run(selected_cases())


def test_the_selection_follows_the_readme() -> None:
    # README rules 1-4, applied afresh to the unedited manifest: R4, no set-up key, a Java outcome
    # that the repository holds (or an inline error count), a case file that it holds.
    manifest = json.loads((SUITE / "manifest.json").read_text(encoding="utf-8"))
    expected = []
    for entry in manifest["test-cases"]:
        java = entry.get("java")
        if entry.get("version") not in R4_VERSIONS or java is None or set(entry) - NO_SET_UP_KEYS:
            continue
        if isinstance(java, str) and not (SUITE / "outcomes" / java).is_file():
            continue
        if (SUITE / entry["file"]).is_file():
            expected.append((entry["name"], SUITE / entry["file"]))
    assert [(case.name, case.file) for case in selected_cases()] == expected
    assert any(case.module == TERMINOLOGY_MODULE for case in selected_cases())


def test_agreement_outside_terminology_never_falls(results: list[Result]) -> None:
    agree, total = agreement(outside_terminology(results))
    target = math.ceil(TARGET_OUTSIDE_TX * total)
    bar = min(target, MEASURED_OUTSIDE_TX)
    assert agree >= bar, f"agreement fell to {agree}/{total} (bar {bar}, target {target}):\n{table(results)}"


def test_agreement_in_terminology_never_falls(results: list[Result]) -> None:
    # Reported on its own: these cases need a terminology server (SNOMED CT, LOINC, displays).
    agree, total = agreement(in_terminology(results))
    assert total > 0
    assert agree >= MEASURED_TX, f"tx agreement fell to {agree}/{total}:\n{table(results)}"


def test_malformed_input_is_invalid_for_both(results: list[Result]) -> None:
    # Text that is not JSON (the json5 module: comments, trailing commas, unquoted names) cannot
    # be a FHIR resource (FHIR R4 JSON format, section 2.6.2: the JSON is RFC 8259 JSON).
    json5 = [result for result in results if result.case.module == "json5" and result.case.java_invalid]
    assert json5
    for result in json5:
        assert result.ours_invalid, result.case.name
        assert result.our_errors[0].severity == "fatal"

"""One Validator shared by many threads gives each thread the outcome it would get alone."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from nhsstd.conformance import Validator
from nhsstd.fhir import xml

EXAMPLES = Path(__file__).parents[1] / "fixtures" / "ukcore-examples"


NAMES = (
    "UKCore-Patient-RichardSmith-Example.xml",
    "UKCore-Patient-Extension-BirthTime-Example.xml",
    "UKCore-Patient-Extension-ContactRank-Example.xml",
    "UKCore-Encounter-Extension-AdmissionMethod-Example.xml",
    "UKCore-Practitioner-ConsultantSandraGose-Example.xml",
    "UKCore-Observation-AwarenessOfDiagnosis-Example.xml",
)


def resources() -> list[dict[str, Any]]:
    # UK Core examples of several types, plus broken variants, so that threads build
    # different plans (profiles, slices, extensions) at the same time.
    found: list[dict[str, Any]] = [xml.loads((EXAMPLES / name).read_bytes()) for name in NAMES]
    found += [{**resource, "gender": "woman"} for resource in found if resource["resourceType"] == "Patient"]
    return found


def test_shared_validator_across_threads() -> None:
    work = resources() * 2
    alone = [Validator().validate(resource).issues for resource in work]
    shared = Validator()  # fresh: every plan is built while the threads race
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(lambda resource: shared.validate(resource).issues, work))
    assert together == alone
    assert any(issues for issues in alone)  # the comparison covers outcomes with issues

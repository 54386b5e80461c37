from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

FIXTURES = Path(__file__).parent / "fixtures"

# "ci" (the default) runs 300 examples of each property.  Properties whose every example draws a
# whole model (FHIR, HL7 v2 and pickle round trips) set max_examples=100 on the test instead: there
# drawing the example costs far more than the check, and 300 of them took about a fifth of the suite's time.
# ``pytest --hypothesis-profile=dev`` runs 100 of everything.
settings.register_profile(
    "ci", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile("ci")


def load_vectors() -> dict[str, list[dict[str, Any]]]:
    """The shared identifier vectors, keyed by kind (unchanged copy)."""
    with open(FIXTURES / "identifiers" / "sample-vectors.json", encoding="utf-8") as handle:
        data: dict[str, list[dict[str, Any]]] = json.load(handle)
    return data


@pytest.fixture(scope="session")
def vectors() -> dict[str, list[dict[str, Any]]]:
    return load_vectors()


@pytest.fixture(scope="session")
def fhir_packages() -> Path:
    """The source FHIR packages (R4 core, UK Core), for tests that compare with the sources.

    It lives here rather than in ``tests/conformance/conftest.py``: with ``--doctest-modules`` two
    ``conftest.py`` files collected as modules clash under the one module name ``conftest``.
    """
    from nhsstd.conformance._compile import shared_packages_dir

    shared = shared_packages_dir()
    assert shared is not None, (
        "the FHIR packages are needed: set NHSSTD_FHIR_PACKAGES or put shared/ beside the clone"
    )
    return shared

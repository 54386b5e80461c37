from __future__ import annotations

from pathlib import Path

import pytest

from nhsstd.conformance._compile import shared_packages_dir


@pytest.fixture(scope="session")
def fhir_packages() -> Path:
    """The source FHIR packages (R4 core, UK Core), for tests that compare with the sources."""
    shared = shared_packages_dir()
    assert shared is not None, (
        "the FHIR packages are needed: set NHSSTD_FHIR_PACKAGES or put shared/ beside the clone"
    )
    return shared

"""Fixtures for the register tests: the local sandbox (real sockets, 127.0.0.1 only) and leak checks."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nhsstd.registers import RetryPolicy, Timeouts
from nhsstd.testing.pytest_plugin import (
    nhs_sandbox,
    nhs_sandbox_auth,
    nhs_sandbox_auth_server,
    nhs_sandbox_server,
)
from nhsstd.testing.sandbox import Sandbox

__all__ = ["nhs_sandbox", "nhs_sandbox_auth", "nhs_sandbox_auth_server", "nhs_sandbox_server"]

PDS_FIXTURES = Path(__file__).parent.parent / "fixtures" / "fhir" / "pds"

#: Retries that are quick enough for tests but still exercise the policy.
FAST_RETRY = RetryPolicy(max_attempts=3, total_time=5.0, backoff_base=0.01, backoff_max=0.05)
FAST_TIMEOUTS = Timeouts(connect=2.0, read=2.0, write=2.0, pool=2.0)


def pds_fixture(name: str) -> dict[str, Any]:
    with open(PDS_FIXTURES / name, encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def _server_threads(thread: threading.Thread) -> bool:
    # The session sandbox's server, and the clients' one deadline thread, which ends by itself
    # a second after the last call (test_hostile checks that it does).
    return thread.name in ("nhsstd-sandbox", "nhsstd-deadlines")


@pytest.fixture(autouse=True)
def no_leaked_threads() -> Iterator[None]:
    """Every test leaves no thread behind (beyond the session sandbox's own server thread)."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 5.0
    while True:
        extra = [
            t for t in threading.enumerate() if t not in before and t.is_alive() and not _server_threads(t)
        ]
        if not extra or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    assert extra == [], f"threads left running: {extra}"


@pytest.fixture
def sandbox(nhs_sandbox: Sandbox) -> Iterator[Sandbox]:
    """The shared sandbox; after the test every client connection must be closed."""
    yield nhs_sandbox
    assert nhs_sandbox.wait_until_idle(5.0), f"{nhs_sandbox.open_connections} connection(s) left open"

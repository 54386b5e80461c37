"""pytest fixtures for the local register sandbox.

Enable the plugin in your ``conftest.py``::

    pytest_plugins = ["nhsstd.testing.pytest_plugin"]

or on the command line with ``-p nhsstd.testing.pytest_plugin``.  Fixtures:

``nhs_sandbox_server``
    one :class:`~nhsstd.testing.sandbox.Sandbox` for the whole session;
``nhs_sandbox``
    the same sandbox, with recorded requests and injected faults cleared
    before and after each test -- the one to use;
``nhs_sandbox_auth``
    a separate session sandbox with ``require_auth=True`` (tokens and API
    keys demanded, as in the integration environment), cleared around each
    test in the same way (``nhs_sandbox_auth_server`` is the session one).

For example::

    def test_reads_a_patient(nhs_sandbox):
        with PdsClient(base_url=nhs_sandbox.pds_url) as pds:
            assert pds.get_patient("9000000009").patient.names[0].family == "Smith"

Importing this module imports nothing beyond the standard library and pytest;
the sandbox is created when a fixture is first used.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # pragma: no cover
    from nhsstd.testing.sandbox import Sandbox

__all__ = ["nhs_sandbox", "nhs_sandbox_auth", "nhs_sandbox_auth_server", "nhs_sandbox_server"]


@pytest.fixture(scope="session")
def nhs_sandbox_server() -> Iterator[Sandbox]:
    """The session's sandbox (no authentication required, like the public sandboxes)."""
    from nhsstd.testing.sandbox import Sandbox

    with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def nhs_sandbox(nhs_sandbox_server: Sandbox) -> Iterator[Sandbox]:
    """The session's sandbox, reset (no faults, no recorded requests) around each test."""
    nhs_sandbox_server.reset()
    yield nhs_sandbox_server
    nhs_sandbox_server.reset()


@pytest.fixture(scope="session")
def nhs_sandbox_auth_server() -> Iterator[Sandbox]:
    """The session's sandbox that requires credentials (bearer tokens from its token endpoints;
    the ODT API key)."""
    from nhsstd.testing.sandbox import Sandbox

    with Sandbox(require_auth=True) as sandbox:
        yield sandbox


@pytest.fixture
def nhs_sandbox_auth(nhs_sandbox_auth_server: Sandbox) -> Iterator[Sandbox]:
    """The sandbox that requires credentials, reset (no faults, no recorded requests) around each test."""
    nhs_sandbox_auth_server.reset()
    yield nhs_sandbox_auth_server
    nhs_sandbox_auth_server.reset()

"""The sandbox itself: lifetime, loopback only, routing, faults, the command line, the pytest plugin."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest

from nhsstd.cli import main
from nhsstd.registers.ods_offline import OfflineOdsRegister, sample_extract
from nhsstd.registers.pds import PdsClient
from nhsstd.testing.sandbox import PDS_TEST_NUMBERS, Fault, FaultKind, Sandbox


def test_start_stop_and_no_leftovers() -> None:
    before = set(threading.enumerate())
    sandbox = Sandbox()
    with pytest.raises(RuntimeError):
        _ = sandbox.url
    sandbox.start()
    assert sandbox.start() is sandbox  # idempotent
    assert sandbox.url.startswith("http://127.0.0.1:")
    with httpx.Client() as client:
        for _ in range(3):
            assert client.get(sandbox.url + "/nowhere").status_code == 404
        assert sandbox.open_connections == 1  # keep-alive: one connection reused
    assert sandbox.wait_until_idle()
    assert sandbox.total_connections == 1
    sandbox.close()
    sandbox.close()
    assert "stopped" in repr(sandbox)
    assert [t for t in threading.enumerate() if t not in before] == []


def test_stop_closes_connections_clients_keep_open() -> None:
    with Sandbox() as sandbox:
        client = httpx.Client()
        client.get(sandbox.url + "/nowhere")
        assert sandbox.open_connections == 1
    assert sandbox.open_connections == 0  # the server closed its side and joined the thread
    client.close()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.1", "example.org"])
def test_loopback_only(host: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        Sandbox(host=host)


def test_bad_port() -> None:
    with pytest.raises(ValueError, match="port"):
        Sandbox(port=70000)


def test_test_numbers_are_documented() -> None:
    assert set(PDS_TEST_NUMBERS) >= {"9000000009", "9000000025", "9000000033", "9111231130", "9000000000"}


def test_custom_register(tmp_path: Path) -> None:
    register = OfflineOdsRegister.from_extract(sample_extract("etr-sample.csv"), kind="etr")
    with Sandbox(register=register) as sandbox, httpx.Client() as client:
        assert client.get(sandbox.ord_url + "/organisations/RZZ").status_code == 200
        assert client.get(sandbox.ord_url + "/organisations/Y12345").status_code == 404
    assert register.lookup("RZZ") is not None  # the caller's register is left open
    register.close()


def test_fault_matching_by_path_method_and_count(sandbox: Sandbox) -> None:
    sandbox.faults.add(Fault(FaultKind.STATUS, path="/ORD", method="GET", times=2, status=502))
    with httpx.Client() as client:
        statuses = [client.get(sandbox.ord_url + "/roles").status_code for _ in range(3)]
        assert (
            client.get(
                sandbox.pds_url + "/Patient/9000000009", headers={"X-Request-ID": str(uuid.uuid4())}
            ).status_code
            == 200
        )
    assert statuses == [502, 502, 200]
    assert sandbox.faults.applied == 2
    with pytest.raises(ValueError, match="times"):
        sandbox.faults.add(Fault(FaultKind.RESET, times=0))


def test_request_body_limits(sandbox: Sandbox) -> None:
    with httpx.Client() as client:
        response = client.post(sandbox.token_url, content=b"x" * 1_000_001)
    assert response.status_code == 413


def test_pytest_plugin_fixture(nhs_sandbox: Sandbox) -> None:
    with PdsClient(base_url=nhs_sandbox.pds_url, rate_limit=None) as pds:
        assert pds.get_patient("9000000033").nhs_number == "9000000033"
    assert len(nhs_sandbox.requests) == 1
    assert nhs_sandbox.wait_until_idle()


def test_pytest_plugin_resets_between_tests(nhs_sandbox: Sandbox) -> None:
    assert nhs_sandbox.requests == []
    assert len(nhs_sandbox.faults) == 0


# -- command line ----------------------------------------------------------------------------------


def test_cli_sandbox_runs_and_stops(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sandbox", "--duration", "0.2"]) == 0
    out = capsys.readouterr().out
    assert "listening on http://127.0.0.1:" in out
    assert "/personal-demographics/FHIR/R4" in out
    assert "/oauth2/token" in out


def test_cli_sandbox_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sandbox", "--host", "0.0.0.0", "--duration", "0"]) == 2
    bad = tmp_path / "epraccur.csv"
    bad.write_text('"A81001","X"\n')
    assert main(["sandbox", "--extract", str(bad), "--duration", "0"]) == 2
    assert "line 1" in capsys.readouterr().err
    good = tmp_path / "etr.csv"
    good.write_bytes(sample_extract("etr-sample.csv"))
    assert main(["sandbox", "--extract", str(good), "--duration", "0"]) == 0


def test_cli_ods_lookup(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "epraccur.csv"
    path.write_bytes(sample_extract())
    assert main(["ods", "lookup", "y12345", "--extract", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "Y12345  TREVELYAN SQUARE MEDICAL CENTRE"
    assert "RO177 PRESCRIBING COST CENTRE (primary), RO76 GP PRACTICE" in out
    assert "LS1 6AE" in out
    assert main(["ods", "lookup", "Y12345", "--extract", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ods_code"] == "Y12345"
    assert data["primary_role"] == "RO177"
    assert data["active"] is True
    assert data["ods"]["open_date"] == "1974-04-01"
    assert main(["ods", "lookup", "ZZZ999", "--extract", str(path)]) == 1
    assert main(["ods", "lookup", "R$8", "--extract", str(path)]) == 2
    assert main(["ods", "lookup", "Y12345", "--extract", str(tmp_path / "missing.csv")]) == 2
    bad = tmp_path / "etr.csv"
    bad.write_text(sample_extract("etr-sample.csv").decode() + '"RZQ","BROKEN"\n')
    assert main(["ods", "lookup", "RZZ", "--extract", str(bad)]) == 2
    assert "line 4" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["ods", "lookup", "Y12345"])  # --extract or --sample is required


def test_cli_ods_extract_of_another_kind_needs_roles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "dispensing.csv"
    path.write_bytes(sample_extract())
    source = ["--extract", str(path), "--kind", "edispensary"]
    assert main(["ods", "lookup", "Y12345", *source]) == 2
    assert "roles" in capsys.readouterr().err
    assert main(["ods", "lookup", "Y12345", *source, "--roles", "RO177, RO76", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["primary_role"] == "RO177"
    assert data["roles"] == ["RO177", "RO76"]
    assert main(["ods", "lookup", "Y12345", *source, "--roles", "GP"]) == 2


def test_cli_ods_search(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ods", "search", "--sample", "--postcode", "LS1", "--role", "RO76"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["Y12345", "Y12346"]
    assert main(["ods", "search", "--sample", "--name", "no such name"]) == 1
    assert main(["ods", "search", "--sample", "--role", "GP"]) == 2
    assert main(["ods", "search", "--sample", "--status", "inactive", "--json", "--limit", "1"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1


# -- the sandbox protects itself (issue 14) --------------------------------------------------------


def test_connections_beyond_the_cap_are_refused() -> None:
    with Sandbox(max_connections=2) as sandbox:
        port = int(sandbox.url.rsplit(":", 1)[1])
        held = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(2)]
        deadline = time.monotonic() + 5
        while sandbox.open_connections < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as third:
            answer = third.recv(1024)
        assert answer.startswith(b"HTTP/1.1 503 ")
        for connection in held:
            connection.close()
        assert sandbox.wait_until_idle()
        with httpx.Client() as client:  # a free slot serves again
            assert client.get(sandbox.url + "/nowhere").status_code == 404


def test_recorded_requests_are_capped() -> None:
    with Sandbox(max_recorded=3) as sandbox, httpx.Client() as client:
        for number in range(5):
            client.get(f"{sandbox.url}/nowhere/{number}")
        assert [request.path for request in sandbox.requests] == [f"/nowhere/{n}" for n in (2, 3, 4)]


def test_a_client_that_drips_its_request_is_disconnected() -> None:
    with Sandbox(request_deadline=0.5) as sandbox:
        port = int(sandbox.url.rsplit(":", 1)[1])
        started = time.monotonic()
        with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
            closed = False
            for byte in b"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n":
                try:
                    connection.sendall(bytes((byte,)))
                except OSError:
                    closed = True
                    break
                time.sleep(0.1)
            if not closed:
                closed = connection.recv(1024) == b""
        assert closed
        assert time.monotonic() - started < 3.5  # the whole request would take 3.3 s
        assert sandbox.requests == []
        assert sandbox.wait_until_idle()


def test_the_sandbox_listens_on_ipv6_loopback() -> None:
    with Sandbox(host="::1") as sandbox, PdsClient(base_url=sandbox.pds_url, rate_limit=None) as pds:
        assert sandbox.url.startswith("http://[::1]:")
        assert pds.get_patient("9000000009").nhs_number == "9000000009"


def test_cli_sandbox_on_ipv6_loopback(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sandbox", "--host", "::1", "--duration", "0.2"]) == 0
    assert "listening on http://[::1]:" in capsys.readouterr().out

"""The ``nhsstd`` command line: exit codes, human and JSON output."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from nhsstd.cli import main


def test_valid_number_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "nhs-number", "943 476 5919"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("valid NHS Number: 943 476 5919\n")
    assert "issuing block: not_issued_test_9xx" in out
    assert "is test number: no" in out


def test_invalid_number_exits_1_without_echoing_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "nhs-number", "943 476 5918"]) == 1
    out = capsys.readouterr().out
    assert out == "invalid NHS Number: check digit does not match [checksum]\n"
    assert "5918" not in out


def test_any_invalid_value_makes_the_run_invalid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "nhs_number", "9434765919", "1234567890"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "valid NHS Number: 943 476 5919"
    assert lines[-1] == "invalid NHS Number: check digit would be 10 (never issued) [check_digit_ten]"


def test_json_output_is_one_object_per_value(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "nhs-number", "--json", "9434765919", "94347659"]) == 1
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert first == {
        "kind": "nhs_number",
        "valid": True,
        "compact": "9434765919",
        "formatted": "943 476 5919",
        "details": {"issuing_block": "not_issued_test_9xx", "is_test_number": False},
    }
    assert second["valid"] is False
    assert second["reason"] == "length"
    assert "94347659" not in second["error"]


def test_mask_option_hides_valid_values(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "nhs-number", "--mask", "--json", "9434765919"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["formatted"] == "*** *** 5919"
    assert result["compact"] == "*** *** 5919"
    assert "details" not in result


@pytest.mark.parametrize(
    "argv",
    [["validate", "not-a-kind", "1"], ["validate", "nhs-number"], ["validate"], [], ["frobnicate"]],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_help_lists_kinds(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["validate", "--help"])
    assert caught.value.code == 0
    out = capsys.readouterr().out
    assert "nhs-number" in out
    assert "Exit status" in out


def test_python_dash_m_runs_the_command() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "nhsstd", "validate", "nhs-number", "--json", "987 654 3210"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["compact"] == "9876543210"

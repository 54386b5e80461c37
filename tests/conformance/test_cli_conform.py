"""``nhsstd conform``: inputs (files, directories, stdin, NDJSON), formats, options and exit status."""

from __future__ import annotations

import io
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from supplier_ig import PROFILE_URL, write_package

from nhsstd.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "ukcore-examples"
RICHARD_SMITH = EXAMPLES / "UKCore-Patient-RichardSmith-Example.xml"

VALID = {"resourceType": "Patient", "gender": "female", "birthDate": "1970-09-11"}
WRONG_GENDER = {"resourceType": "Patient", "gender": "woman"}
# Valid R4, but UK Core's Patient requires the value of an NHS Number identifier.
NHS_NUMBER_WITHOUT_VALUE = {
    "resourceType": "Patient",
    "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number"}],
}


def _write(path: Path, *resources: dict[str, Any]) -> Path:
    if path.suffix == ".ndjson":
        path.write_text("".join(json.dumps(resource) + "\n" for resource in resources), encoding="utf-8")
    else:
        (resource,) = resources
        path.write_text(json.dumps(resource, indent=2), encoding="utf-8")
    return path


def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def _records(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


def test_valid_file_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conform", str(RICHARD_SMITH)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{RICHARD_SMITH}: valid (0 errors, ")
    assert out.endswith("\n1 resource: 1 valid, 0 invalid\n")


def test_invalid_file_exits_1_and_lists_the_issue(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "patient.json", WRONG_GENDER)
    assert main(["conform", str(path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    # dom-6 (a resource should have narrative) is the warning.
    assert lines[0] == f"{path}: invalid (1 error, 1 warning)"
    assert "  error Patient.gender: the code is not in the required value set [nhsstd-binding]" in lines
    assert lines[-1] == "1 resource: 0 valid, 1 invalid"


def test_directories_are_searched_in_name_order(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(tmp_path / "b.json", VALID)
    _write(tmp_path / "a.ndjson", VALID, WRONG_GENDER)
    shutil.copy(RICHARD_SMITH, tmp_path / "c.xml")
    (tmp_path / "notes.txt").write_text("not FHIR", encoding="utf-8")
    assert main(["conform", "--format", "json", str(tmp_path)]) == 1
    records = _records(capsys.readouterr().out)
    assert [(Path(r["source"]).name, r["line"], r["valid"]) for r in records] == [
        ("a.ndjson", 1, True),
        ("a.ndjson", 2, False),
        ("b.json", None, True),
        ("c.xml", None, True),
    ]
    assert records[1]["issues"][0] == {
        "severity": "error",
        "code": "code-invalid",
        "location": "Patient.gender",
        "message": "the code is not in the required value set",
        "rule": "nhsstd-binding",
    }


def test_stdin_json(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _stdin(monkeypatch, json.dumps(VALID, indent=2).encode())
    assert main(["conform", "-"]) == 0
    assert capsys.readouterr().out.startswith("<stdin>: valid")


def test_stdin_xml(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _stdin(monkeypatch, RICHARD_SMITH.read_bytes())
    assert main(["conform", "--format", "json", "-"]) == 0
    assert _records(capsys.readouterr().out)[0]["valid"] is True


def test_stdin_ndjson_is_one_resource_a_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, b"".join(json.dumps(r).encode() + b"\n" for r in (VALID, WRONG_GENDER, VALID)))
    assert main(["conform", "--format", "json", "-"]) == 1
    records = _records(capsys.readouterr().out)
    assert [(r["source"], r["line"], r["valid"]) for r in records] == [
        ("-", 1, True),
        ("-", 2, False),
        ("-", 3, True),
    ]


def test_bundle_entries_are_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": "urn:uuid:7d2a4bbc-4bdb-4c0c-9a55-2c1b7bd3a1a1", "resource": VALID},
            {"fullUrl": "urn:uuid:1e3c1f8e-8a39-4d27-9d0c-3b1f6f0a6a52", "resource": WRONG_GENDER},
        ],
    }
    path = _write(tmp_path / "bundle.json", bundle)
    assert main(["conform", "--format", "json", str(path)]) == 1
    (record,) = _records(capsys.readouterr().out)
    assert [issue["location"] for issue in record["issues"] if issue["severity"] == "error"] == [
        "Bundle.entry[1].resource.gender"
    ]


def test_operationoutcome_for_one_resource(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "patient.json", WRONG_GENDER)
    assert main(["conform", "--format", "operationoutcome", str(path)]) == 1
    outcome = json.loads(capsys.readouterr().out)
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["expression"] == ["Patient.gender"]
    assert outcome["issue"][0]["details"]["coding"][0]["code"] == "nhsstd-binding"


def test_operationoutcomes_for_several_resources_form_a_bundle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "patients.ndjson", VALID, WRONG_GENDER)
    assert main(["conform", "--format", "operationoutcome", str(path)]) == 1
    bundle = json.loads(capsys.readouterr().out)
    assert bundle["resourceType"] == "Bundle"
    assert bundle["type"] == "collection"
    assert [entry["fullUrl"] for entry in bundle["entry"]] == [
        f"{path.resolve().as_uri()}#line=1",
        f"{path.resolve().as_uri()}#line=2",
    ]
    assert [entry["resource"]["resourceType"] for entry in bundle["entry"]] == ["OperationOutcome"] * 2


def test_base_only_leaves_uk_core_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "patient.json", NHS_NUMBER_WITHOUT_VALUE)
    assert main(["conform", str(path)]) == 1
    assert "Patient.identifier[0].value" in capsys.readouterr().out
    assert main(["conform", "--base-only", str(path)]) == 0


def test_named_profile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # UKCore-Observation-Lab requires a laboratory category (category:laboratory is 1..1).
    observation = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"text": "red cell count"},
    }
    path = _write(tmp_path / "observation.json", observation)
    assert main(["conform", str(path)]) == 0
    capsys.readouterr()
    profile = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Observation-Lab"
    assert main(["conform", "--format", "json", "--profile", profile, str(path)]) == 1
    records = _records(capsys.readouterr().out)
    assert any(issue["location"].startswith("Observation.category") for issue in records[0]["issues"])


def test_package_adds_a_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NHSSTD_CACHE_DIR", str(tmp_path / "cache"))
    package = write_package(tmp_path / "package")
    path = _write(tmp_path / "patient.json", {"resourceType": "Patient"})
    argv = ["conform", "--format", "json", "--package", str(package), "--profile", PROFILE_URL, str(path)]
    assert main(argv) == 1
    (record,) = _records(capsys.readouterr().out)
    assert [(i["location"], i["rule"]) for i in record["issues"] if i["severity"] == "error"] == [
        ("Patient.gender", "nhsstd-cardinality")
    ]


def test_jobs_give_the_same_report_in_the_same_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "patients.ndjson", *([VALID, WRONG_GENDER, NHS_NUMBER_WITHOUT_VALUE] * 100))
    assert main(["conform", "--format", "json", str(path)]) == 1
    one = capsys.readouterr().out
    assert main(["conform", "--format", "json", "--jobs", "2", str(path)]) == 1
    assert capsys.readouterr().out == one
    assert len(one.splitlines()) == 300


def test_plain_progress_lines_without_rich(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "rich.progress", None)  # as if the 'columns' extra were not installed
    path = _write(tmp_path / "patients.ndjson", *([VALID] * 20))
    assert main(["conform", "--progress", "--format", "json", str(path)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == "nhsstd conform: 20/20 resources checked"
    assert len(err) == 10


def test_no_progress_writes_nothing_to_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "patients.ndjson", *([VALID] * 20))
    assert main(["conform", "--no-progress", str(path)]) == 0
    assert capsys.readouterr().err == ""


def test_messages_never_repeat_an_nhs_number(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    patient = {
        "resourceType": "Patient",
        "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765918"}],
    }
    path = _write(tmp_path / "patient.json", patient)
    for format in ("text", "json", "operationoutcome"):
        assert main(["conform", "--format", format, str(path)]) == 1
        assert "9434765918" not in capsys.readouterr().out


def test_unreadable_json_exits_2_and_says_why(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"resourceType": "Patient",', encoding="utf-8")
    assert main(["conform", str(path)]) == 2
    out = capsys.readouterr().out
    assert "fatal $: not readable as JSON" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["conform", "no-such-file.json"], "no-such-file.json: No such file or directory"),
        (["conform", "-", "-"], "standard input (-) can be read only once"),
        (
            ["conform", "--profile", "https://example.org/StructureDefinition/Nothing", str(RICHARD_SMITH)],
            "unknown profile",
        ),
        (["conform", "--package", "no-such-package", str(RICHARD_SMITH)], "cannot load the package"),
    ],
)
def test_usage_errors_exit_2(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.out == ""


def test_empty_directory_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conform", str(tmp_path)]) == 2
    assert "no *.json, *.xml or *.ndjson files" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv", [["conform"], ["conform", "--jobs", "0", "x.json"], ["conform", "-f", "csv", "x"]]
)
def test_bad_arguments_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    assert "usage:" in capsys.readouterr().err

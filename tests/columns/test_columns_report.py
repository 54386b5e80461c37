"""``nhsstd check`` as a data quality report: kinds, default values, scores, cross-field rules, masking."""

from __future__ import annotations

import datetime
import itertools
import json
import random
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nhsstd import codes
from nhsstd.cli import main
from nhsstd.columns import _check, _report
from nhsstd.identifiers import chi_number, nhs_number

Capture = pytest.CaptureFixture[str]


def report_of(capsys: Capture, path: Path, *argv: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    status = main(["check", str(path), "--format", "json", *argv])
    return status, json.loads(capsys.readouterr().out)


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    lines = [",".join(header)] + [",".join(row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def column(report: dict, name: str) -> dict:  # type: ignore[type-arg]
    return next(item for item in report["columns"] if item["column"] == name)


# --------------------------------------------------------------------------
# Code lists: every one nhsstd has, its default codes counted apart


@pytest.mark.parametrize("code_list", codes.CODE_LISTS, ids=lambda code_list: code_list.code_system.key)
def test_every_code_list_is_a_column_kind(tmp_path: Path, capsys: Capture, code_list: type) -> None:
    # Data Dictionary: national codes are valid, default codes ("not known") are valid but are
    # default values, retired codes are not valid for new data (unless the list itself is retired,
    # as PERSON GENDER CODE is: then it is read for old records); codes are exact ("01" is not "1").
    members = list(code_list)
    national = [m.code for m in members if m.kind is codes.CodeKind.NATIONAL]
    default = [m.code for m in members if m.kind is codes.CodeKind.DEFAULT]
    retired = [m.code for m in members if m.kind is codes.CodeKind.RETIRED]
    if not national and not default:  # a retired list
        national, retired = retired, []
    unknown = ["not a code", " " + members[0].code]
    values = national + default + retired + unknown + [""]
    kind = code_list.code_system.key
    path = write_csv(tmp_path / "codes.csv", ["value"], [[f'"{value}"'] for value in values])
    status, report = report_of(capsys, path, "--column", f"value={kind.replace('_', '-')}")
    assert status == 1
    (result,) = report["columns"]
    assert result["kind"] == kind
    assert result["valid"] == len(national) + len(default)
    assert result["default"] == len(default)
    assert result["missing"] == 1
    expected_reasons = {"unknown_code": len(unknown)}
    if retired:
        expected_reasons["retired_code"] = len(retired)
    assert result["reasons"] == expected_reasons
    # Codes are not personal data: failing values are shown as they are.
    assert [failure["value"] for failure in result["failures"]] == retired + unknown


def test_code_list_columns_are_detected_by_header(tmp_path: Path, capsys: Capture) -> None:
    header = [
        "Ethnic Category",
        "Person Stated Gender Code",
        "marital_status",
        "NHS Number Status Indicator Code",
    ]
    path = write_csv(tmp_path / "coded.csv", header, [["A", "1", "S", "01"], ["99", "X", "9", "03"]])
    main(["check", str(path), "--format", "json"])
    captured = capsys.readouterr()
    kinds = {item["column"]: item["kind"] for item in json.loads(captured.out)["columns"]}
    assert kinds == {
        "Ethnic Category": "ethnic_category_england",
        "Person Stated Gender Code": "person_stated_gender_code",
        "marital_status": "person_marital_status",
        "NHS Number Status Indicator Code": "nhs_number_status_indicator_code",
    }


# --------------------------------------------------------------------------
# Dates and address postcodes


def test_birth_dates(tmp_path: Path, capsys: Capture) -> None:
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    rows = {
        "1880-01-01": None,  # the earliest birth date accepted
        "2020-02-29": None,  # a leap day
        " 1970-09-01 ": None,  # surrounding spaces stripped, as for identifiers
        "1879-12-31": "out_of_range",
        tomorrow.isoformat(): "out_of_range",  # not in the future
        "2021-02-29": "invalid_date",  # 2021 is not a leap year
        "1900-02-29": "invalid_date",  # nor is 1900 (a century not divisible by 400)
        "1970-13-01": "invalid_date",
        "01/09/1970": "format",  # the Data Dictionary's format is CCYY-MM-DD
        "1970-9-1": "format",
    }
    path = write_csv(tmp_path / "dates.csv", ["Date of Birth"], [[f'"{value}"'] for value in rows])
    _, report = report_of(capsys, path)
    (result,) = report["columns"]
    assert result["kind"] == "birth_date"
    assert result["valid"] == sum(reason is None for reason in rows.values())
    expected: dict[str, int] = {}
    for reason in rows.values():
        if reason is not None:
            expected[reason] = expected.get(reason, 0) + 1
    assert result["reasons"] == expected
    # Birth dates are personal: masked down to their shape.
    assert result["failures"][0]["value"] == "****-**-**"


def test_address_postcode_accepts_pseudo_postcodes_as_defaults(tmp_path: Path, capsys: Capture) -> None:
    # NHS pseudo-postcodes (ZZ99 3VZ: no fixed abode) stand in for an address postcode: valid, but
    # default values; in a plain postcode column they are invalid (pseudo_postcode).
    rows = [["LS1 4AP", "LS1 4AP"], ["ZZ99 3VZ", "ZZ99 3VZ"], ["ZZ99 3CA", "ZZ99 3CA"], ["", ""]]
    path = write_csv(tmp_path / "postcodes.csv", ["Patient Postcode", "Postcode"], rows)
    _, report = report_of(capsys, path)
    address, plain = column(report, "Patient Postcode"), column(report, "Postcode")
    assert address["kind"] == "address_postcode"
    assert (address["valid"], address["default"], address["invalid"], address["missing"]) == (2, 1, 1, 1)
    assert plain["kind"] == "postcode"
    assert (plain["valid"], plain["default"], plain["invalid"]) == (1, 0, 2)
    assert plain["reasons"] == {"letter_rule": 1, "pseudo_postcode": 1}


def test_repeated_digit_nhs_numbers_are_placeholders(tmp_path: Path, capsys: Capture) -> None:
    # 54 = -1 (mod 11), so every repdigit passes Modulus 11; none is issued (9999999999 is typed
    # when the number is not known).
    placeholders = [str(digit) * 10 for digit in range(10)]
    real = [nhs_number.generate(random.Random(seed)) for seed in range(5)]
    real = [number for number in real if len(set(number)) > 1]
    path = write_csv(tmp_path / "n.csv", ["nhs_number"], [[value] for value in placeholders + real])
    status, report = report_of(capsys, path)
    assert status == 0
    (result,) = report["columns"]
    assert (result["valid"], result["default"]) == (len(placeholders) + len(real), len(placeholders))


# --------------------------------------------------------------------------
# Scores


@pytest.mark.parametrize(
    ("records", "valid", "defaults", "threshold", "score"),
    [
        # NHS England, DQMI methodology, Appendix 1: Example of DQMI calculation (data set 1 and 2 rows)
        (2500, 2400, 100, 0.02, 94.0),
        (2500, 2500, 100, 1.0, 100.0),
        (2500, 2000, 100, 0.0, 76.0),
        (1000, 900, 900, 0.0, 0.0),
        (1000, 800, 800, 1.0, 80.0),
        (1000, 1000, 100, 0.035, 93.5),
    ],
)
def test_data_item_score_follows_the_dqmi_formula(
    records: int, valid: int, defaults: int, threshold: float, score: float
) -> None:
    # item score = (valid and complete - max(0, defaults - threshold x records)) / records x 100
    assert _report.dqmi_score(valid, defaults, records, threshold) == score


def test_scores_in_the_report(tmp_path: Path, capsys: Capture) -> None:
    rng = random.Random(12)
    good = [nhs_number.generate(rng) for _ in range(96)]
    rows = [[number] for number in good] + [["9999999999"]] * 2 + [["1234567890"]] + [[""]]
    path = write_csv(tmp_path / "scored.csv", ["nhs_number"], rows)
    _, report = report_of(capsys, path)
    (result,) = report["columns"]
    assert (result["rows"], result["valid"], result["default"]) == (100, 98, 2)
    assert result["score"] == 96.0  # (98 valid - 2 defaults over a 0% threshold) / 100 rows
    _, lenient = report_of(capsys, path, "--default-threshold", "2")
    assert lenient["columns"][0]["score"] == 98.0
    assert lenient["default_threshold"] == 0.02
    assert lenient["score"] == 98.0  # one column: the file's score is its score


# --------------------------------------------------------------------------
# Cross-field rules, record ids and masking


def chi_for(birth: datetime.date, rng: random.Random) -> str:
    """A valid CHI Number whose first six digits are *birth* as DDMMYY."""
    while True:
        number = birth.strftime("%d%m%y") + f"{rng.randrange(1000):03d}"
        for check in "0123456789":
            if chi_number.is_valid(number + check):
                return number + check


def test_cross_field_rules(tmp_path: Path, capsys: Capture) -> None:
    rng = random.Random(5)
    number = nhs_number.generate(rng)
    birth = datetime.date(1970, 9, 1)
    chi = chi_for(birth, rng)
    other_chi = chi_for(datetime.date(1971, 9, 1), rng)  # a different year of birth
    header = ["record", "NHS Number", "NHS Number Status", "CHI Number", "Date of Birth", "Date of Death"]
    rows = [
        ["R1", number, "01", chi, "1970-09-01", "2020-01-01"],  # all consistent
        ["R2", "", "01", chi, "1970-09-01", ""],  # verified, but no NHS Number
        ["R3", number, "01", other_chi, "1970-09-01", "1969-12-31"],  # CHI's year and death date disagree
        ["R4", "", "03", chi, "1970-09-01", "1970-09-01"],  # trace required: no number is consistent
        ["R5", number, "01", chi, "", "1960-01-01"],  # no birth date: the date rules do not apply
    ]
    path = write_csv(tmp_path / "people.csv", header, rows)
    status, report = report_of(capsys, path, "--id-column", "record")
    assert status == 1
    rules = {rule["rule"]: rule for rule in report["rules"]}
    assert rules["death_not_before_birth"]["columns"] == ["Date of Birth", "Date of Death"]
    assert (rules["death_not_before_birth"]["checked"], rules["death_not_before_birth"]["failed"]) == (3, 1)
    assert rules["death_not_before_birth"]["failures"] == [{"row": 3, "id": "R3"}]
    assert (rules["chi_number_birth_date"]["checked"], rules["chi_number_birth_date"]["failed"]) == (4, 1)
    assert rules["chi_number_birth_date"]["failures"] == [{"row": 3, "id": "R3"}]
    verified = rules["nhs_number_status_verified_without_number"]
    assert (verified["checked"], verified["failed"]) == (4, 1)
    assert verified["failures"] == [{"row": 2, "id": "R2"}]
    assert all(item["invalid"] == 0 for item in report["columns"])


def test_whitespace_only_cells_are_missing_in_cross_field_rules(tmp_path: Path, capsys: Capture) -> None:
    # A cell of only whitespace is missing (as empty is): status 01 "number present and verified"
    # over a blank NHS Number breaks the rule; a blank birth date leaves the date rule unchecked.
    header = ["record", "NHS Number", "NHS Number Status", "Date of Birth", "Date of Death"]
    rows = [
        ["R1", "  ", "01", "1970-09-01", "2020-01-01"],
        ["R2", nhs_number.generate(random.Random(3)), "01", " \t ", "1960-01-01"],
    ]
    path = write_csv(tmp_path / "blank.csv", header, rows)
    status, report = report_of(capsys, path, "--id-column", "record")
    assert status == 1
    assert (column(report, "NHS Number")["missing"], column(report, "NHS Number")["invalid"]) == (1, 0)
    assert (column(report, "Date of Birth")["missing"], column(report, "Date of Birth")["invalid"]) == (1, 0)
    rules = {rule["rule"]: rule for rule in report["rules"]}
    verified = rules["nhs_number_status_verified_without_number"]
    assert (verified["checked"], verified["failed"], verified["failures"]) == (2, 1, [{"row": 1, "id": "R1"}])
    assert (rules["death_not_before_birth"]["checked"], rules["death_not_before_birth"]["failed"]) == (1, 0)


def test_masking_and_record_ids(tmp_path: Path, capsys: Capture) -> None:
    header = ["NHS Number", "GP Practice Code", "Postcode"]
    path = write_csv(tmp_path / "m.csv", header, [["9434765918", "A8100!", "LS1 4AX!"]])
    _, masked = report_of(capsys, path, "--id-column", "NHS Number")
    values = {item["column"]: item["failures"][0] for item in masked["columns"]}
    assert values["NHS Number"]["value"] == "*** *** 5918"
    assert values["GP Practice Code"]["value"] == "A8100!"  # ODS codes are not personal data
    assert values["Postcode"]["value"] == "**1 4AX!"
    # The id column is itself a checked patient identifier: masked too.
    assert {failure["id"] for failure in values.values()} == {"*** *** 5918"}
    _, shown = report_of(capsys, path, "--id-column", "NHS Number", "--unmask")
    assert [item["failures"][0]["value"] for item in shown["columns"]] == ["9434765918", "A8100!", "LS1 4AX!"]
    assert shown["columns"][0]["failures"][0]["id"] == "9434765918"


ID_FORMATS = ("text", "json", "csv")


def every_output(capsys: Capture, tmp_path: Path, path: Path, *argv: str) -> str:
    """The text, JSON and CSV reports and the HTML report of one check, joined."""
    page = tmp_path / "report.html"
    outputs = []
    for form in ID_FORMATS:
        main(["check", str(path), "--format", form, "--report", str(page), *argv])
        outputs += [capsys.readouterr().out, page.read_text(encoding="utf-8")]
    return "\n".join(outputs)


def test_id_column_of_a_personal_kind_is_masked_though_not_checked(tmp_path: Path, capsys: Capture) -> None:
    # House rule: no output shows a full NHS Number unless asked (--unmask).  The id column's
    # header names a personal kind (NHS Number), so its values are masked although only the
    # postcode is checked.
    header = ["nhs_number", "postcode", "Date of Birth"]
    path = write_csv(tmp_path / "r.csv", header, [["9434765919", "LS1 4AX!", "1970-09-01"]])
    argv = ("--column", "postcode=address_postcode")
    shown = every_output(capsys, tmp_path, path, "--id-column", "nhs_number", *argv)
    assert "9434765919" not in shown
    assert shown.count("*** *** 5919") == 2 * len(ID_FORMATS)
    # A birth date as the id is personal too: masked whole, like a checked date.
    dated = every_output(capsys, tmp_path, path, "--id-column", "Date of Birth", *argv)
    assert "1970-09-01" not in dated
    assert "****-**-**" in dated
    unmasked = every_output(capsys, tmp_path, path, "--id-column", "nhs_number", "--unmask", *argv)
    assert unmasked.count("9434765919") == 2 * len(ID_FORMATS)


@pytest.mark.parametrize(
    "written", ["9434765919", "943 476 5919", "943-476-5919", "943.476.5919", "94347 65919"]
)
def test_id_values_shaped_like_patient_numbers_are_masked_whatever_the_header(
    tmp_path: Path, capsys: Capture, written: str
) -> None:
    # NHS, CHI and H&C Numbers are ten digits however grouped: a record id column named
    # anything may hold one, and is masked then; other record ids are shown as they are.
    rows = [["A8100!", written], ["B8100!", "EP-000123"]]
    path = write_csv(tmp_path / "r.csv", ["ods_code", "record"], rows)
    shown = every_output(capsys, tmp_path, path, "--id-column", "record")
    assert written not in shown
    assert "5919" in shown
    assert "EP-000123" in shown
    unmasked = every_output(capsys, tmp_path, path, "--id-column", "record", "--unmask")
    assert written in unmasked


def test_long_record_ids_are_cut_like_long_values(tmp_path: Path, capsys: Capture) -> None:
    note = "seen at clinic " * 20
    path = write_csv(tmp_path / "r.csv", ["ods_code", "record"], [["A8100!", note]])
    _, report = report_of(capsys, path, "--id-column", "record")
    shown = column(report, "ods_code")["failures"][0]["id"]
    assert shown.startswith(note[: _report.MAX_SHOWN - 20])
    assert shown.endswith(f"... ({len(note)} characters)")


def test_failing_values_of_other_kinds_shaped_like_patient_numbers_are_masked(
    tmp_path: Path, capsys: Capture
) -> None:
    # A patient number typed into a column of a non-personal kind (an ODS code, a code list) is
    # invalid there, and still a patient number: its failure listing masks it.
    rows = [["9434765919", "943 476 5919"]]
    path = write_csv(tmp_path / "r.csv", ["ods_code", "ethnic_category"], rows)
    shown = every_output(capsys, tmp_path, path)
    assert "9434765919" not in shown
    assert "943 476 5919" not in shown
    assert shown.count("*** *** 5919") == 2 * 2 * len(ID_FORMATS)
    unmasked = every_output(capsys, tmp_path, path, "--unmask")
    assert "9434765919" in unmasked
    assert "943 476 5919" in unmasked


def test_unknown_id_column(tmp_path: Path, capsys: Capture) -> None:
    path = write_csv(tmp_path / "m.csv", ["nhs_number"], [["9434765919"]])
    assert main(["check", str(path), "--id-column", "record"]) == 2
    assert "no column named 'record'" in capsys.readouterr().err


# --------------------------------------------------------------------------
# Tallies of parts merge into the tally of the whole (what Spark partitions rely on)


def people(rows: int, seed: int) -> pa.Table:
    rng = random.Random(seed)
    numbers, statuses, births, deaths = [], [], [], []
    for _ in range(rows):
        number = nhs_number.generate(rng)
        numbers.append(rng.choice([number, number[:9] + "0", "", None, "9999999999"]))
        statuses.append(rng.choice(["01", "02", "1", None]))
        births.append(rng.choice(["1970-01-01", "2001-02-29", None, "1950-06-30"]))
        deaths.append(rng.choice(["1960-01-01", "2020-01-01", None]))
    return pa.table(
        {
            "record": [f"R{index}" for index in range(rows)],
            "nhs_number": pa.array(numbers, pa.string()),
            "status": pa.array(statuses, pa.string()),
            "birth": pa.array(births, pa.string()),
            "death": pa.array(deaths, pa.string()),
        }
    )


CHECKS = [
    ("nhs_number", "nhs_number"),
    ("status", "nhs_number_status_indicator_code"),
    ("birth", "birth_date"),
    ("death", "death_date"),
]


def tally_dict(tally: _report.Tally, rows: int) -> dict:  # type: ignore[type-arg]
    source = _check.Source("t", "parquet", (), None, None, 0, rows, "t", "Parquet")
    report = _check.report_of(tally, source, rows, False)
    return {
        "score": report.score,
        "columns": [item.as_dict() for item in report.columns],
        "rules": [item.as_dict() for item in report.rules],
    }


@settings(max_examples=15, deadline=None)
@given(
    rows=st.integers(min_value=0, max_value=400),
    cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=5),
    seed=st.integers(min_value=0, max_value=1000),
)
def test_tallies_of_parts_merge_into_the_whole(rows: int, cuts: list[int], seed: int) -> None:
    table = people(rows, seed)
    options = {"max_failures": 7, "id_column": "record"}
    whole = _report.Tally(CHECKS, **options)  # type: ignore[arg-type]
    for batch in table.to_batches(max_chunksize=97):
        whole.add_batch(batch, whole.rows)
    bounds = sorted({0, rows, *(cut for cut in cuts if cut <= rows)})
    merged = _report.Tally(CHECKS, **options)  # type: ignore[arg-type]
    for start, stop in reversed(list(itertools.pairwise(bounds))):  # in any order
        part = _report.Tally(CHECKS, **options)  # type: ignore[arg-type]
        first_row = start
        for batch in table.slice(start, stop - start).to_batches(max_chunksize=13):
            part.add_batch(batch, first_row)
            first_row += batch.num_rows
        merged.merge(part)
    assert tally_dict(merged, rows) == tally_dict(whole, rows)

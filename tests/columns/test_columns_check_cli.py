"""``nhsstd check FILE``: detection, dialects, reports, output copies, exit codes, bad input."""

from __future__ import annotations

import bz2
import csv
import datetime
import gzip
import io
import json
import os
import random
import re
import sys
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from nhsstd.cli import main
from nhsstd.identifiers import nhs_number

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "patients.csv"

Capture = pytest.CaptureFixture[str]


def write(path: Path, data: str | bytes) -> Path:
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def check(capsys: Capture, *argv: str) -> tuple[int, str, str]:
    status = main(["check", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# --------------------------------------------------------------------------
# The shipped example


def test_example_file_is_synthetic_test_range_data() -> None:
    with EXAMPLE.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) >= 30
    for row in rows:
        compact = row["NHS Number"].replace(" ", "").replace("-", "")
        if nhs_number.is_valid(compact):
            assert nhs_number.is_test_number(compact)
        else:  # the deliberately invalid ones are in the 999 range too
            assert compact == "" or compact.startswith("999")


def test_example_file_report(capsys: Capture) -> None:
    status, out, err = check(capsys, str(EXAMPLE))
    assert status == 1
    assert "'NHS Number' as nhs-number" in err
    assert "'Postcode' as postcode" in err
    assert "'GP Practice Code' as ods-code" in err
    assert "NHS Number [nhs-number]: 33 valid, 5 invalid, 2 missing" in out
    assert "Postcode [postcode]: 35 valid, 4 invalid, 1 missing" in out
    assert "GP Practice Code [ods-code]: 37 valid, 3 invalid, 0 missing" in out
    assert "row 3: checksum (*** *** 3515)" in out
    assert "row 7: pseudo_postcode (***9 3VZ)" in out
    assert "result: 12 invalid values" in out


def test_reports_never_show_a_whole_nhs_number(capsys: Capture) -> None:
    numbers = re.findall(r"\d{3}[ -]?\d{3}[ -]?\d{4}|\d{9,}", EXAMPLE.read_text(encoding="utf-8"))
    assert len(numbers) > 30
    for fmt in ("text", "json", "csv"):
        _, out, err = check(capsys, str(EXAMPLE), "--format", fmt, "--failures", "100")
        for number in numbers:
            assert number not in out
            assert number not in err


def test_json_report(capsys: Capture) -> None:
    status, out, _ = check(capsys, str(EXAMPLE), "--format", "json", "--column", "NHS Number=nhs-number")
    assert status == 1
    report = json.loads(out)
    assert report["valid"] is False
    assert report["rows"] == 40
    (column,) = report["columns"]
    assert column["kind"] == "nhs_number"
    assert (column["valid"], column["invalid"], column["missing"]) == (33, 5, 2)
    assert column["reasons"] == {"invalid_character": 2, "check_digit_ten": 1, "checksum": 1, "length": 1}
    assert [failure["row"] for failure in column["failures"]] == [3, 11, 19, 27, 34]
    assert column["failures"][0] == {"row": 3, "reason": "checksum", "value": "*** *** 3515", "id": None}


def test_csv_report(capsys: Capture) -> None:
    _, out, _ = check(capsys, str(EXAMPLE), "--format", "csv", "-c", "GP Practice Code=ods-code", "-n", "1")
    rows = list(csv.DictReader(io.StringIO(out)))
    counts = {(r["outcome"], r["reason"]): int(r["count"]) for r in rows if r["record"] == "count"}
    assert counts == {
        ("valid", ""): 37,
        ("default", ""): 0,
        ("invalid", "invalid_character"): 2,
        ("invalid", "length"): 1,
        ("missing", ""): 0,
    }
    failures = [r for r in rows if r["record"] == "failure"]
    # ODS codes are not personal data: shown as they are
    assert [(r["row"], r["reason"], r["value"]) for r in failures] == [("9", "invalid_character", "A8100!")]


# --------------------------------------------------------------------------
# Exit status, detection, dialects


def test_all_valid_exits_0_and_missing_cells_are_not_invalid(tmp_path: Path, capsys: Capture) -> None:
    path = write(tmp_path / "ok.csv", "id,nhs_no\n1,943 476 5919\n2,\n3,9990212538\n")
    status, out, err = check(capsys, str(path))
    assert status == 0
    assert "'nhs_no' as nhs-number" in err
    assert "nhs_no [nhs-number]: 2 valid, 0 invalid, 1 missing" in out
    assert "result: all values valid" in out


# Issue 12: "missing (empty and null treated alike)": a cell of only whitespace holds no value
# either, so it is missing -- in every input -- not invalid.
BLANKS = ["  ", "\t", " \t  "]


def test_whitespace_only_cell_is_missing_not_invalid(tmp_path: Path, capsys: Capture) -> None:
    cells = "".join(f'"{blank}"\n' for blank in BLANKS)
    path = write(tmp_path / "blank.csv", f"nhs_number\n{cells}9434765919\n")
    status, out, _ = check(capsys, str(path))
    assert status == 0
    assert f"nhs_number [nhs-number]: 1 valid, 0 invalid, {len(BLANKS)} missing" in out


def test_whitespace_only_cells_are_missing_in_parquet_and_excel(tmp_path: Path, capsys: Capture) -> None:
    values = [*BLANKS, "", None, "9434765919"]
    parquet = tmp_path / "blank.parquet"
    pq.write_table(pa.table({"nhs_number": pa.array(values, pa.string())}), parquet)
    book = workbook(tmp_path / "blank.xlsx", [["nhs_number"], *([value] for value in values)])
    for path in (parquet, book):
        status, out, _ = check(capsys, str(path))
        assert status == 0
        assert "nhs_number [nhs-number]: 1 valid, 0 invalid, 5 missing" in out


def test_no_detectable_column_is_a_usage_error(tmp_path: Path, capsys: Capture) -> None:
    path = write(tmp_path / "plain.csv", "a,b\n1,2\n")
    status, _, err = check(capsys, str(path))
    assert status == 2
    assert "--column NAME=KIND" in err


def test_unknown_column_and_kind(tmp_path: Path, capsys: Capture) -> None:
    path = write(tmp_path / "plain.csv", "a,b\n1,2\n")
    status, _, err = check(capsys, str(path), "--column", "nhs=nhs-number")
    assert status == 2
    assert "no column named 'nhs'" in err
    with pytest.raises(SystemExit) as exit_info:
        main(["check", str(path), "--column", "a=nhs-numbr"])
    assert exit_info.value.code == 2
    assert "unknown kind" in capsys.readouterr().err


def test_explicit_columns_replace_detection(tmp_path: Path, capsys: Capture) -> None:
    path = write(tmp_path / "x.csv", "patient,nhs_number\n9434765919,junk\n")
    status, out, err = check(capsys, str(path), "--column", "patient=nhs_number")
    assert status == 0
    assert "detected" not in err
    assert "patient [nhs-number]: 1 valid" in out


@pytest.mark.parametrize(("delimiter", "name"), [(";", "';'"), ("\t", "tab"), ("|", "'|'"), (",", "','")])
def test_dialect_is_sniffed(tmp_path: Path, capsys: Capture, delimiter: str, name: str) -> None:
    text = delimiter.join(["NHS Number", "Name"]) + "\n"
    text += delimiter.join(["943 476 5919", '"Smith, J; A|B"']) + "\n"
    text += delimiter.join(["9434765918", "Jones"]) + "\n"
    path = write(tmp_path / "d.csv", text)
    status, out, _ = check(capsys, str(path))
    assert status == 1
    assert f"delimiter {name}" in out
    assert "NHS Number [nhs-number]: 1 valid, 1 invalid" in out


def test_delimiter_override(tmp_path: Path, capsys: Capture) -> None:
    # Sniffing would pick ";" (two fields per line); the override says the file has one column.
    path = write(tmp_path / "one.csv", "nhs_number;x\n9434765919;y\n")
    status, out, _ = check(capsys, str(path), "--delimiter", "tab", "--column", "nhs_number;x=nhs-number")
    assert status == 1
    assert "invalid_character  1" in out
    status, _, _ = check(capsys, str(path), "--delimiter", ";")
    assert status == 0


def test_utf8_bom_crlf_and_quoted_newlines(tmp_path: Path, capsys: Capture) -> None:
    text = 'NHS Number,Note\r\n9434765919,"two\r\nlines, and a ""quote"""\r\n999 021 2538,x\r\n'
    path = write(tmp_path / "bom.csv", b"\xef\xbb\xbf" + text.encode())
    status, out, _ = check(capsys, str(path))
    assert status == 0
    assert "2 rows" in out


def test_parquet_input(tmp_path: Path, capsys: Capture) -> None:
    path = tmp_path / "p.parquet"
    pq.write_table(pa.table({"nhs_number": ["9434765919", None, "1"], "n": [1, 2, 3]}), path)
    status, out, _ = check(capsys, str(path))
    assert status == 1
    assert "(Parquet; row 1 is the first)" in out
    assert "nhs_number [nhs-number]: 1 valid, 1 invalid, 1 missing" in out


def test_parquet_integer_nhs_numbers_are_read_as_ten_digit_text(tmp_path: Path, capsys: Capture) -> None:
    # An int64 column has lost leading zeros; NHS Numbers are ten digits (Data Dictionary n10), so
    # the text is rebuilt with its zeros, with a warning, and each number validated as usual.
    valid = "0000000000"  # Modulus 11 passes (every repdigit does): a placeholder, counted as default
    checksum = nhs_number.generate(random.Random(7))
    checksum = checksum[:9] + str((int(checksum[9]) + 1) % 10)
    path = tmp_path / "ints.parquet"
    pq.write_table(pa.table({"nhs_number": pa.array([int(valid), int(checksum), None], pa.int64())}), path)
    status, out, err = check(capsys, str(path))
    assert status == 1
    assert "'nhs_number' holds integers, not text: read as ten-digit text" in err
    assert "nhs_number [nhs-number]: 1 valid (1 default), 1 invalid, 1 missing" in out
    assert "checksum  1" in out


# --------------------------------------------------------------------------
# --output


def test_output_csv_copy_has_valid_and_reason_columns(tmp_path: Path, capsys: Capture) -> None:
    source = write(tmp_path / "in.csv", "id;nhs_number\n1;943 476 5919\n2;9434765918\n3;\n")
    target = tmp_path / "out.csv"
    status, _, _ = check(capsys, str(source), "--output", str(target))
    assert status == 1
    table = pa_csv.read_csv(
        target,
        parse_options=pa_csv.ParseOptions(delimiter=";"),
        convert_options=pa_csv.ConvertOptions(
            column_types={"id": pa.string(), "nhs_number": pa.string()}, strings_can_be_null=True
        ),
    )
    assert table.column_names == ["id", "nhs_number", "nhs_number_valid", "nhs_number_reason"]
    assert table.column("nhs_number").to_pylist() == ["943 476 5919", "9434765918", None]
    assert table.column("nhs_number_valid").to_pylist() == [True, False, None]
    assert table.column("nhs_number_reason").to_pylist() == [None, "checksum", None]


def test_output_parquet_copy(tmp_path: Path, capsys: Capture) -> None:
    target = tmp_path / "out.parquet"
    status, _, _ = check(capsys, str(EXAMPLE), "--output", str(target))
    assert status == 1
    table = pq.read_table(target)
    assert table.num_rows == 40
    assert table.column_names[-2:] == ["GP Practice Code_valid", "GP Practice Code_reason"]
    assert table.column("Postcode_reason").to_pylist()[6] == "pseudo_postcode"


def test_output_must_not_overwrite_the_input(tmp_path: Path, capsys: Capture) -> None:
    source = write(tmp_path / "in.csv", "nhs_number\n9434765919\n")
    status, _, err = check(capsys, str(source), "--output", str(source))
    assert status == 2
    assert "must not be the file being checked" in err
    assert source.read_text() == "nhs_number\n9434765919\n"


def test_output_column_name_clash(tmp_path: Path, capsys: Capture) -> None:
    source = write(tmp_path / "in.csv", "nhs_number,nhs_number_valid\n9434765919,yes\n")
    status, _, err = check(capsys, str(source), "-c", "nhs_number=nhs-number", "-o", str(tmp_path / "o.csv"))
    assert status == 2
    assert "already has a column named 'nhs_number_valid'" in err


# --------------------------------------------------------------------------
# Streaming: many batches give the same answer as one


def test_small_blocks_count_and_number_rows_across_batches(tmp_path: Path, capsys: Capture) -> None:
    rng = random.Random(3)
    lines = ["nhs_number,other"]
    expected_bad: list[int] = []
    for row in range(1, 5001):
        number = nhs_number.generate(rng)
        if rng.random() < 0.01:
            number = number[:9] + str((int(number[9]) + 1) % 10)
            expected_bad.append(row)
        lines.append(f"{number},{'x' * rng.randint(0, 30)}")
    path = write(tmp_path / "many.csv", "\n".join(lines) + "\n")
    status, out, _ = check(capsys, str(path), "--block-size", "4096", "--format", "json", "-n", "1000")
    assert status == 1
    (column,) = json.loads(out)["columns"]
    assert column["rows"] == 5000
    assert column["invalid"] == len(expected_bad)
    assert [failure["row"] for failure in column["failures"]] == expected_bad


def test_progress_bar_goes_to_stderr(capsys: Capture) -> None:
    status, out, _ = check(capsys, str(EXAMPLE), "--progress", "--format", "json")
    assert status == 1
    assert json.loads(out)["rows"] == 40


# --------------------------------------------------------------------------
# Unreadable input: exit 2, naming the file, the line and the problem


def expect_error(capsys: Capture, path: Path, *fragments: str) -> str:
    status, out, err = check(capsys, str(path))
    assert status == 2
    assert out == ""
    message = err.splitlines()[-1]  # after the note on detected columns, if any
    assert message.startswith(f"nhsstd check: error: {path}")
    for fragment in fragments:
        assert fragment in message
    return err


def test_non_utf8_byte_names_its_line(tmp_path: Path, capsys: Capture) -> None:
    path = write(
        tmp_path / "latin1.csv", "nhs_number,name\n9434765919,a\n9434765919,Zo\xeb\n".encode("latin-1")
    )
    expect_error(capsys, path, "line 3", "not valid UTF-8")


def test_non_utf8_far_into_the_file(tmp_path: Path, capsys: Capture) -> None:
    body = "nhs_number,name\n" + "9434765919,a\n" * 20000
    path = write(tmp_path / "late.csv", body.encode() + b"9434765919,\xff\n")
    status, _, err = check(capsys, str(path), "--block-size", "65536")
    assert status == 2
    assert "line 20002: not valid UTF-8" in err


def test_non_utf8_in_a_column_that_is_not_checked(tmp_path: Path, capsys: Capture) -> None:
    path = write(tmp_path / "other.csv", b"nhs_number,name\n9434765919,\xe9\n")
    expect_error(capsys, path, "line 2", "not valid UTF-8")


def test_utf16_file(tmp_path: Path, capsys: Capture) -> None:
    path = write(tmp_path / "u16.csv", "nhs_number\n9434765919\n".encode("utf-16"))
    expect_error(capsys, path, "line 1", "UTF-16, not UTF-8")


def test_truncated_last_row(tmp_path: Path, capsys: Capture) -> None:
    path = write(tmp_path / "cut.csv", "nhs_number,name,postcode\n9434765919,a,LS1 4AP\n9434765919,b")
    err = expect_error(capsys, path, "line 3", "expected 3 fields, found 2", "truncated")
    assert "9434765919" not in err


def test_truncated_inside_a_quoted_field(tmp_path: Path, capsys: Capture) -> None:
    path = write(tmp_path / "cut.csv", 'nhs_number,name\n9434765919,"Smith"\n9434765919,"Jon')
    expect_error(capsys, path, "line 3", "quoted field is never closed")


def test_truncated_inside_a_utf8_character(tmp_path: Path, capsys: Capture) -> None:
    path = write(tmp_path / "cut.csv", "nhs_number,name\n9434765919,Zoë\n".encode()[:-2])
    expect_error(capsys, path, "line 2", "middle of a UTF-8 character")


def test_stray_quote_inside_an_unquoted_field_is_not_truncation(tmp_path: Path, capsys: Capture) -> None:
    path = write(tmp_path / "stray.csv", "nhs_number,height\n9434765919,5'10\"\n")
    status, _, _ = check(capsys, str(path))
    assert status == 0


def test_malformed_row_in_the_middle(tmp_path: Path, capsys: Capture) -> None:
    body = "nhs_number,name\n" + "9434765919,a\n" * 3000 + "9434765919,a,extra\n" + "9434765919,a\n" * 10
    path = write(tmp_path / "bad.csv", body)
    expect_error(capsys, path, "line 3002", "expected 2 fields, found 3")


def test_missing_final_newline_is_a_warning(tmp_path: Path, capsys: Capture) -> None:
    path = write(tmp_path / "nonl.csv", "nhs_number\n9434765919")
    status, _, err = check(capsys, str(path))
    assert status == 0
    assert "does not end with a newline" in err


@pytest.mark.parametrize(
    ("name", "data", "fragment"),
    [
        ("empty.csv", b"", "the file is empty"),
        ("data.csv.bz2", bz2.compress(b"nhs_number\n9434765919\n"), "bzip2-compressed"),
        ("cut.parquet", b"PAR1\x00\x00", "not a readable Parquet file"),
    ],
)
def test_unreadable_files(tmp_path: Path, capsys: Capture, name: str, data: bytes, fragment: str) -> None:
    expect_error(capsys, write(tmp_path / name, data), fragment)


def test_truncated_parquet(tmp_path: Path, capsys: Capture) -> None:
    path = tmp_path / "whole.parquet"
    pq.write_table(pa.table({"nhs_number": ["9434765919"] * 1000}), path)
    cut = write(tmp_path / "cut.parquet", path.read_bytes()[:-100])
    expect_error(capsys, cut, "not a readable Parquet file")


def test_missing_file(tmp_path: Path, capsys: Capture) -> None:
    expect_error(capsys, tmp_path / "nope.csv", "cannot read the file")


# --------------------------------------------------------------------------
# Other inputs: standard input, gzip and zip, Excel, huge fields, plain progress lines

GOOD_AND_BAD = "record,nhs_number\nA1,943 476 5919\nA2,943 476 5918\n"


def summary_of(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("nhs_number ["))


def test_standard_input(monkeypatch: pytest.MonkeyPatch, capsys: Capture) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(GOOD_AND_BAD.encode()))
    monkeypatch.setattr("sys.stdin", stdin)
    status, out, _ = check(capsys, "-", "--id-column", "record")
    assert status == 1
    assert out.startswith("-: 2 rows (CSV, delimiter ','")
    assert "row 2 (id A2): checksum (*** *** 5918)" in out


def test_gzip_and_zip_csv_are_read_directly(tmp_path: Path, capsys: Capture) -> None:
    plain = write(tmp_path / "plain.csv", GOOD_AND_BAD)
    squeezed = write(tmp_path / "data.csv.gz", gzip.compress(GOOD_AND_BAD.encode()))
    archive = tmp_path / "data.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as handle:
        handle.writestr("extract/data.csv", GOOD_AND_BAD)
    _, expected, _ = check(capsys, str(plain))
    for path, label in ((squeezed, "gzip CSV"), (archive, "zip CSV")):
        status, out, _ = check(capsys, str(path))
        assert status == 1
        assert f"({label}, delimiter ','" in out
        assert summary_of(out) == summary_of(expected)
    leftovers = [name for name in os.listdir(tempfile.gettempdir()) if name.startswith("nhsstd-check-")]
    assert leftovers == []  # the decompressed copies are deleted


def test_zip_with_several_files_and_corrupt_gzip(tmp_path: Path, capsys: Capture) -> None:
    archive = tmp_path / "two.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("a.csv", GOOD_AND_BAD)
        handle.writestr("b.csv", GOOD_AND_BAD)
    expect_error(capsys, archive, "holds 2 files")
    cut = write(tmp_path / "cut.csv.gz", gzip.compress(GOOD_AND_BAD.encode())[:-12])
    expect_error(capsys, cut, "cannot decompress the file")


def workbook(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Extract"
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_excel_workbook_is_read_like_its_csv_export(tmp_path: Path, capsys: Capture) -> None:
    rows: list[list[object]] = [
        ["record", "nhs_number", "date_of_birth"],
        ["A1", "943 476 5919", datetime.datetime(1970, 9, 1)],  # a date cell: written CCYY-MM-DD
        ["A2", "943 476 5918", "1970-02-30"],
        ["A3", None, datetime.datetime(1880, 1, 1)],
    ]
    book = workbook(tmp_path / "extract.xlsx", rows)
    export = write(
        tmp_path / "export.csv",
        "record,nhs_number,date_of_birth\nA1,943 476 5919,1970-09-01\n"
        "A2,943 476 5918,1970-02-30\nA3,,1880-01-01\n",
    )
    status, out, err = check(capsys, str(book), "--id-column", "record")
    _, expected, _ = check(capsys, str(export), "--id-column", "record")
    assert status == 1
    assert (
        out.splitlines()[0]
        == f"{book}: 3 rows (Excel workbook, sheet 'Extract'; row 1 is the first after the header)"
    )
    assert out.splitlines()[1:] == expected.splitlines()[1:]
    assert "warning" not in err


def test_number_cells_in_a_workbook_are_reported(tmp_path: Path, capsys: Capture) -> None:
    # A number cell has no leading zeros left: a CHI Number typed as a number loses its first 0.
    book = workbook(tmp_path / "numbers.xlsx", [["chi_number"], [101011230]])
    status, out, err = check(capsys, str(book))
    assert status == 1
    assert "'chi_number' holds numbers in the workbook: any leading zeros are lost" in err
    assert "length  1" in out


def test_excel_without_the_extra_and_old_workbooks(
    tmp_path: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = workbook(tmp_path / "extract.xlsx", [["nhs_number"], ["9434765919"]])
    monkeypatch.setitem(sys.modules, "openpyxl", None)  # as if the 'excel' extra were not installed
    expect_error(capsys, book, "Excel workbook", "nhsstd[excel]", "export the sheet as CSV")
    # An .xls workbook is an OLE2 compound file, magic D0 CF 11 E0 A1 B1 1A E1.
    old = write(tmp_path / "extract.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    expect_error(capsys, old, "Excel 97-2003 workbook", "export the sheet as CSV")


def test_damaged_workbook(tmp_path: Path, capsys: Capture) -> None:
    fake = tmp_path / "fake.xlsx"
    with zipfile.ZipFile(fake, "w") as handle:
        handle.writestr("[Content_Types].xml", "<Types/>")
        handle.writestr("xl/workbook.xml", "<workbook/>")
    expect_error(capsys, fake, "cannot read the Excel workbook")


def test_a_ten_megabyte_field_needs_no_block_size_option(tmp_path: Path, capsys: Capture) -> None:
    # Arrow parses CSV a block (4 MiB by default) at a time and cannot split a field between blocks.
    blob = "9" * (10 << 20)
    path = write(tmp_path / "huge.csv", f'record,nhs_number\nA1,9434765919\nA2,"{blob}"\nA3,9434765919\n')
    status, out, _ = check(capsys, str(path), "--id-column", "record")
    assert status == 1
    assert "nhs_number [nhs-number]: 2 valid, 1 invalid, 0 missing" in out
    failure = next(line for line in out.splitlines() if "row 2 (id A2): length" in line)
    assert f"({len(blob)} characters)" in failure
    assert len(failure) < 200


def test_progress_lines_when_stderr_is_not_a_terminal(tmp_path: Path, capsys: Capture) -> None:
    status, _, err = check(capsys, str(EXAMPLE), "--progress", "--format", "json")
    assert status == 1
    lines = [line for line in err.splitlines() if "% read" in line]
    assert lines
    assert lines[-1].startswith(f"nhsstd check: {EXAMPLE}: 100% read (")
    assert "\r" not in err
    assert "\x1b" not in err


def test_gzip_on_standard_input(monkeypatch: pytest.MonkeyPatch, capsys: Capture) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(gzip.compress(GOOD_AND_BAD.encode())))
    monkeypatch.setattr("sys.stdin", stdin)
    status, out, _ = check(capsys, "-")
    assert status == 1
    assert out.startswith("-: 2 rows (gzip CSV, delimiter ','")
    assert [name for name in os.listdir(tempfile.gettempdir()) if name.startswith("nhsstd-check-")] == []

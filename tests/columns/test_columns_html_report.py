"""``nhsstd check --report report.html``, opened in headless Chromium: what renders, offline."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import struct
import subprocess
import zlib
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple

import pytest

from nhsstd.cli import main
from nhsstd.columns import _html

Capture = pytest.CaptureFixture[str]

ROWS = [
    # record, NHS Number, Postcode, GP Practice Code, Date of Birth, Date of Death
    ("R1", "9434765919", "LS1 4AP", "A81001", "1970-09-01", ""),
    ("R2", "9434765918", "ZZ99 3VZ", "A81001", "1970-09-01", "1969-01-01"),
    ("R3", "9999999999", "LS1 4AP", "A8", "1970-02-30", ""),
    ("R4", "", "SW1A 1AA", "Y12345", "1950-01-01", "2001-05-05"),
    ("R5", "943 476 5919", "", "A81001", "01/01/1950", ""),
    ("R6", "9434765919", "LS1 4AP", "A81001", "1985-06-15", ""),
]


def chromium(*arguments: str, profile: Path) -> subprocess.CompletedProcess[bytes]:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    assert binary is not None, "headless Chromium is needed: apt-get install chromium (.ci/run does)"
    command = [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--host-resolver-rules=MAP * ~NOTFOUND",  # belt and braces: no name resolves
        f"--user-data-dir={profile}",
        *arguments,
    ]
    return subprocess.run(command, capture_output=True, timeout=120, check=True)


class Elements(HTMLParser):
    """The elements of a page with their attributes, and the text of each table's cells."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        if tag == "table":
            self._table = attributes.get("id") or ""
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self.tables[self._table].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._table is not None:
            self.tables[self._table][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def png_pixels(data: bytes) -> tuple[int, int, list[tuple[int, int, int]]]:
    """Width, height and RGB pixels of an 8-bit RGB or RGBA, non-interlaced PNG (RFC 2083)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks, header = 8, [], b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks.append(body)
        position += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert (depth, interlace) == (8, 0)
    channels = {2: 3, 6: 4}[colour]
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels
    previous = bytearray(stride)
    pixels: list[tuple[int, int, int]] = []
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for index in range(stride):
            left = line[index - channels] if index >= channels else 0
            up = previous[index]
            corner = previous[index - channels] if index >= channels else 0
            if kind == 1:
                line[index] = (line[index] + left) & 0xFF
            elif kind == 2:
                line[index] = (line[index] + up) & 0xFF
            elif kind == 3:
                line[index] = (line[index] + (left + up) // 2) & 0xFF
            elif kind == 4:
                estimate = left + up - corner
                nearest = min(
                    (abs(estimate - left), 0, left),
                    (abs(estimate - up), 1, up),
                    (abs(estimate - corner), 2, corner),
                )[2]
                line[index] = (line[index] + nearest) & 0xFF
        pixels += [tuple(line[i : i + 3]) for i in range(0, stride, channels)]  # type: ignore[misc]
        previous = line
    return width, height, pixels


def rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


class Rendered(NamedTuple):
    report: dict  # type: ignore[type-arg]
    html: str
    dom: Elements
    pixels: Counter[tuple[int, int, int]]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    folder = tmp_path_factory.mktemp("html")
    lines = ["record,NHS Number,Postcode,GP Practice Code,Date of Birth,Date of Death"]
    lines += [",".join(row) for row in ROWS]
    data = folder / "extract.csv"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    page = folder / "report.html"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(
            ["check", str(data), "--id-column", "record", "--format", "json", "--report", str(page)]
        )
    assert status == 1
    profile = folder / "profile"
    dom = chromium("--dump-dom", page.as_uri(), profile=profile).stdout.decode("utf-8")
    shot = folder / "shot.png"
    chromium("--window-size=1000,2600", f"--screenshot={shot}", page.as_uri(), profile=profile)
    _, _, pixels = png_pixels(shot.read_bytes())
    elements = Elements()
    elements.feed(dom)
    return Rendered(json.loads(out.getvalue()), page.read_text(encoding="utf-8"), elements, Counter(pixels))


def test_the_page_is_self_contained(rendered: Rendered) -> None:
    page = rendered.html.lower()
    for reference in ("http:", "https:", "<script", "<link", "<img", "<iframe", "url(", "@import", "src="):
        assert reference not in page
    policies = [
        attrs for tag, attrs in rendered.dom.elements if attrs.get("http-equiv") == "Content-Security-Policy"
    ]
    assert [policy["content"] for policy in policies] == [_html.CONTENT_SECURITY_POLICY]


def rects(rendered: Rendered, css: str) -> list[dict[str, str | None]]:
    return [attrs for tag, attrs in rendered.dom.elements if tag == "rect" and attrs.get("class") == css]


def test_charts_rendered_with_the_report_numbers(rendered: Rendered) -> None:
    report = rendered.report
    columns = report["columns"]
    # Validity by column: one bar segment per non-zero outcome of each column.
    for outcome in ("default", "invalid", "missing"):
        expected = sum(1 for column in columns if column[outcome])
        assert len(rects(rendered, outcome)) == expected
    assert len(rects(rendered, "valid")) == sum(1 for c in columns if c["valid"] - c["default"])
    # Reasons: one bar per reason over all columns, plus one per broken rule.
    reasons = {reason for column in columns for reason in column["reasons"]}
    broken = [rule for rule in report["rules"] if rule["failed"]]
    assert len(rects(rendered, "reason")) == len(reasons) + len(broken)
    # Trend: one bar per bucket of rows holding a failure (one row per bucket for six rows).
    assert report["trend_rows_per_bucket"] == 1
    failing_rows = {failure["row"] for column in columns for failure in column["failures"]}
    failing_rows |= {failure["row"] for rule in report["rules"] for failure in rule["failures"]}
    assert len(rects(rendered, "trend")) == len(failing_rows)


def test_tables_carry_the_json_numbers(rendered: Rendered) -> None:
    report = rendered.report
    body = rendered.dom.tables["columns-table"][1:]
    expected = [
        [
            c["column"],
            c["kind"].replace("_", "-"),
            *map(str, [c["rows"], c["valid"], c["default"], c["invalid"], c["missing"]]),
            f"{c['score']:.1f}",
        ]
        for c in report["columns"]
    ]
    assert body == expected
    failures = rendered.dom.tables["failures-table"][1:]
    listed = sorted(
        (str(f["row"]), f["id"], c["column"], f["reason"], f["value"])
        for c in report["columns"]
        for f in c["failures"]
    )
    assert sorted(tuple(row) for row in failures) == listed
    rules = {row[0]: row[3:] for row in rendered.dom.tables["rules-table"][1:]}
    assert rules == {rule["rule"]: [str(rule["checked"]), str(rule["failed"])] for rule in report["rules"]}
    scores = [attrs for tag, attrs in rendered.dom.elements if attrs.get("id") == "file-score"]
    assert len(scores) == 1
    # Personal values stay masked in the page.
    page = rendered.html
    assert "9434765918" not in page
    assert "1970-02-30" not in page
    # ODS codes are not personal: shown as they are.
    assert ["3", "R3", "GP Practice Code", "length", "A8"] in failures


def test_colours_painted(rendered: Rendered) -> None:
    # The screenshot shows each chart's colours: the bars were laid out and painted, not just parsed.
    for colour in (
        _html.COLOURS["valid"],
        _html.COLOURS["invalid"],
        _html.COLOURS["missing"],
        _html.COLOURS["default"],
        _html.REASON_COLOUR,
    ):
        assert rendered.pixels[rgb(colour)] > 200, colour

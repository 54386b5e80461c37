"""``nhsstd check --report report.html``: the report as one self-contained HTML page (private).

The page is built from the same dictionary as ``--format json``, so the two
carry the same numbers.  Everything is inline -- styles, and charts drawn as
SVG on the server side -- and a Content-Security-Policy forbids loading
anything at all, so the file opens offline, from an e-mail attachment or a
shared drive, without reaching any network.  No script runs in it.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

from nhsstd.columns._check import Report

#: Colours of the outcomes (valid and not a default, default, invalid, missing), shared by charts and keys.
COLOURS = {"valid": "#2e7d32", "default": "#f9a825", "invalid": "#c62828", "missing": "#9e9e9e"}
REASON_COLOUR = "#1565c0"
#: Nothing may be fetched, and no script runs: the page is complete in itself.
CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'"
TREND_COLOUR = "#c62828"

_WIDTH = 760
_LABEL = 220  # room for the labels left of the bars
_BAR_AREA = _WIDTH - _LABEL - 110

_STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Arial, sans-serif; color: #212b32;
       margin: 2em auto; max-width: 60em; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { margin-top: 2em; border-bottom: 2px solid #d8dde0; }
.summary { display: flex; gap: 2em; align-items: baseline; flex-wrap: wrap; }
.score { font-size: 3em; font-weight: bold; }
table { border-collapse: collapse; margin: 1em 0; } th, td { padding: 0.3em 0.8em; text-align: left; }
th { background: #f0f4f5; } tr:nth-child(even) td { background: #fafbfb; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
.key span { display: inline-block; width: 0.9em; height: 0.9em; margin: 0 0.3em 0 1em;
           vertical-align: middle; }
figure { margin: 1.5em 0; } figcaption { font-weight: bold; margin-bottom: 0.4em; }
svg text { font: 12px system-ui, Arial, sans-serif; fill: #212b32; }
.note { color: #4c6272; font-size: 0.9em; }
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _kind(kind: str) -> str:
    return kind.replace("_", "-")


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "n/a"


def _score(score: float | None) -> str:
    return "n/a" if score is None else f"{score:.1f}"


def _svg(chart_id: str, height: int, label: str, body: Iterable[str]) -> str:
    return (
        f'<svg id="{chart_id}" role="img" aria-label="{_e(label)}" width="{_WIDTH}" height="{height}" '
        f'viewBox="0 0 {_WIDTH} {height}">' + "".join(body) + "</svg>"
    )


def _rect(css: str, x: float, y: float, width: float, height: float, colour: str, title: str) -> str:
    return (
        f'<rect class="{css}" x="{x:.2f}" y="{y:.2f}" width="{width:.2f}" height="{height:.2f}" '
        f'fill="{colour}"><title>{_e(title)}</title></rect>'
    )


def _text(x: float, y: float, text: str, anchor: str = "start") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{_e(text)}</text>'


def _outcomes(column: dict[str, Any]) -> list[tuple[str, int]]:
    return [
        ("valid", column["valid"] - column["default"]),
        ("default", column["default"]),
        ("invalid", column["invalid"]),
        ("missing", column["missing"]),
    ]


def validity_chart(columns: Sequence[dict[str, Any]]) -> str:
    """One stacked bar per column: valid, default, invalid and missing shares of its rows."""
    row_height = 30
    parts = []
    for index, column in enumerate(columns):
        top = 10 + index * row_height
        parts.append(_text(_LABEL - 8, top + 16, column["column"][:32], "end"))
        x = float(_LABEL)
        rows = column["rows"]
        for outcome, count in _outcomes(column):
            if not rows or not count:
                continue
            width = _BAR_AREA * count / rows
            title = f"{column['column']}: {count} {outcome} ({_percent(count, rows)})"
            parts.append(_rect(outcome, x, top, width, 20, COLOURS[outcome], title))
            x += width
        valid = column["valid"]
        parts.append(_text(_LABEL + _BAR_AREA + 6, top + 16, f"{_percent(valid, rows)} valid"))
    height = 20 + row_height * max(len(columns), 1)
    return _svg("validity-chart", height, "Validity by column", parts)


def reasons_chart(columns: Sequence[dict[str, Any]], rules: Sequence[dict[str, Any]]) -> str:
    """One bar per reason (over every column) and per broken cross-field rule, longest first."""
    totals: dict[str, int] = {}
    for column in columns:
        for reason, count in column["reasons"].items():
            totals[reason] = totals.get(reason, 0) + count
    for rule in rules:
        if rule["failed"]:
            totals[f"rule: {rule['rule']}"] = rule["failed"]
    ordered = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    largest = max((count for _, count in ordered), default=0)
    row_height = 26
    parts = []
    for index, (reason, count) in enumerate(ordered):
        top = 10 + index * row_height
        width = max(_BAR_AREA * count / largest, 1.0)
        parts.append(_text(_LABEL - 8, top + 14, reason, "end"))
        parts.append(_rect("reason", _LABEL, top, width, 18, REASON_COLOUR, f"{reason}: {count}"))
        parts.append(_text(_LABEL + width + 6, top + 14, str(count)))
    if not ordered:
        parts.append(_text(_LABEL, 24, "no invalid values"))
    height = 20 + row_height * max(len(ordered), 1)
    return _svg("reasons-chart", height, "Invalid values by reason", parts)


def trend_chart(report: dict[str, Any]) -> str:
    """Failures (invalid values and broken rules) per bucket of rows, in file order."""
    series = [column["trend"] for column in report["columns"]] + [rule["trend"] for rule in report["rules"]]
    buckets = max((len(trend) for trend in series), default=0)
    totals = [sum(trend[index] for trend in series if index < len(trend)) for index in range(buckets)]
    width_per_row = report["trend_rows_per_bucket"]
    height, top, bottom, left = 200, 16, 160, 60
    largest = max(totals, default=0)
    parts = [
        f'<line x1="{left}" y1="{bottom}" x2="{_WIDTH - 10}" y2="{bottom}" stroke="#768692"/>',
        _text(left - 6, top + 4, str(largest), "end"),
        _text(left - 6, bottom, "0", "end"),
    ]
    if buckets:
        step = (_WIDTH - 10 - left) / buckets
        for index, total in enumerate(totals):
            if not total:
                continue
            bar = (bottom - top) * total / largest
            first = index * width_per_row + 1
            last = min((index + 1) * width_per_row, report["rows"])
            title = f"rows {first}-{last}: {total} failure{'s' if total != 1 else ''}"
            parts.append(
                _rect(
                    "trend",
                    left + index * step + 1,
                    bottom - bar,
                    max(step - 2, 1.0),
                    bar,
                    TREND_COLOUR,
                    title,
                )
            )
        parts.append(_text(left, bottom + 18, "row 1"))
        parts.append(_text(_WIDTH - 10, bottom + 18, f"row {report['rows']}", "end"))
    if not largest:
        parts.append(_text(left + 10, (top + bottom) / 2, "no failures"))
    return _svg("trend-chart", height, "Failures through the file", parts)


def _table(table_id: str, headers: Sequence[str], rows: Iterable[Sequence[object]], numeric: set[int]) -> str:
    head = "".join(f"<th>{_e(header)}</th>" for header in headers)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="number">{_e(cell)}</td>' if index in numeric else f"<td>{_e(cell)}</td>"
            for index, cell in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def _key() -> str:
    return (
        '<p class="key">'
        + "".join(
            f'<span style="background:{colour}"></span>{outcome}' for outcome, colour in COLOURS.items()
        )
        + "</p>"
    )


def render(report: Report, data: dict[str, Any]) -> str:
    """The HTML page for *report*; *data* is its ``--format json`` dictionary."""
    columns = data["columns"]
    rules = data["rules"]
    column_rows = [
        (
            column["column"],
            _kind(column["kind"]),
            column["rows"],
            column["valid"],
            column["default"],
            column["invalid"],
            column["missing"],
            _score(column["score"]),
        )
        for column in columns
    ]
    reason_rows = [
        (column["column"], reason, count) for column in columns for reason, count in column["reasons"].items()
    ]
    failure_rows = [
        (failure["row"], failure["id"] or "", column["column"], failure["reason"], failure["value"])
        for column in columns
        for failure in column["failures"]
    ]
    failure_rows.sort(key=lambda row: (row[0], row[2]))
    rule_rows = [
        (rule["rule"], rule["description"], ", ".join(rule["columns"]), rule["checked"], rule["failed"])
        for rule in rules
    ]
    rule_failure_rows = [
        (failure["row"], failure["id"] or "", rule["rule"]) for rule in rules for failure in rule["failures"]
    ]
    source = report.source
    verdict = "every value valid" if data["valid"] else "problems found"
    warnings = "".join(f'<p class="note">Warning: {_e(warning)}</p>' for warning in data["warnings"])
    sections = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Data quality: {_e(data['file'])}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>Data quality report: {_e(data['file'])}</h1>",
        f'<div class="summary"><div><div class="score" id="file-score">{_score(data["score"])}</div>'
        "<div>DQMI-style score (0-100)</div></div>"
        f"<div><strong>{data['rows']}</strong> rows, {_e(source.format_label)}; "
        f"{len(columns)} column{'s' if len(columns) != 1 else ''} checked; "
        f"<strong>{verdict}</strong>.</div></div>",
        warnings,
        "<h2>Validity by column</h2>",
        "<figure><figcaption>Share of each column's rows</figcaption>"
        f"{validity_chart(columns)}{_key()}</figure>",
        _table(
            "columns-table",
            ("Column", "Kind", "Rows", "Valid", "of which default", "Invalid", "Missing", "Score"),
            column_rows,
            {2, 3, 4, 5, 6, 7},
        ),
        "<h2>Why values are invalid</h2>",
        f"<figure><figcaption>Invalid values by reason</figcaption>{reasons_chart(columns, rules)}</figure>",
        _table("reasons-table", ("Column", "Reason", "Count"), reason_rows, {2}),
        "<h2>Where the failures are</h2>",
        "<figure><figcaption>Failures through the file "
        f"({data['trend_rows_per_bucket']} row{'s' if data['trend_rows_per_bucket'] != 1 else ''} per bar)"
        f"</figcaption>{trend_chart(data)}</figure>",
        "<h2>Cross-field rules</h2>",
        _table(
            "rules-table",
            ("Rule", "Description", "Columns", "Rows checked", "Rows failing"),
            rule_rows,
            {3, 4},
        )
        if rule_rows
        else "<p>No cross-field rule applies to the columns checked.</p>",
        _table("rule-failures-table", ("Row", "Record id", "Rule"), rule_failure_rows, {0})
        if rule_failure_rows
        else "",
        "<h2>First failing rows</h2>",
        _table("failures-table", ("Row", "Record id", "Column", "Reason", "Value"), failure_rows, {0}),
        '<p class="note">Row 1 is the first row of data. Values of personal identifiers, postcodes and '
        "dates are masked unless the report was made with --unmask. The score of a column is NHS "
        "England's Data Quality Maturity Index data item score: (valid values - default values above "
        f"the {100 * data['default_threshold']:g}% threshold) / rows x 100; the file's is the mean of its "
        "columns'.</p>",
        "</body></html>",
    ]
    return "\n".join(section for section in sections if section) + "\n"

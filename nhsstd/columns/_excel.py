"""The first sheet of an Excel workbook as CSV text, for ``nhsstd check`` (private; the ``excel`` extra).

openpyxl reads the workbook row by row (its read-only mode), so memory stays
flat.  Cells become the text a person sees in them: whole numbers without a
decimal point, dates as ``CCYY-MM-DD``.  A number cell has no leading zeros
to give back, so columns holding numbers are reported: identifiers belong in
columns formatted as Text.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Callable
from typing import IO, Any


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def _moment(value: datetime.datetime) -> str:
    if value.time() == datetime.time():
        return value.date().isoformat()
    return value.isoformat(sep=" ")


#: How each type of cell value is written (bool before int: a bool is an int).
_CELL_TEXT: tuple[tuple[type, Callable[[Any], str]], ...] = (
    (str, str),
    (bool, lambda value: "TRUE" if value else "FALSE"),
    (int, str),
    (float, _number),
    (datetime.datetime, _moment),
    (datetime.date, datetime.date.isoformat),
    (datetime.time, datetime.time.isoformat),
)


def _text(value: Any) -> str:
    if value is None:
        return ""
    for kind, write in _CELL_TEXT:
        if isinstance(value, kind):
            return write(value)
    return str(value)


def sheet_as_csv(path: str, target: IO[str]) -> tuple[str, list[str]]:
    """Write the first sheet of the workbook *path* to *target* as CSV.

    Returns the sheet's title and the headers of the columns that hold number cells.
    ``ImportError`` without openpyxl.
    """
    import openpyxl  # type: ignore[import-untyped]

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        writer = csv.writer(target, lineterminator="\n")
        header: list[str] = []
        numeric: set[int] = set()
        for index, row in enumerate(sheet.iter_rows(values_only=True)):
            if index == 0:
                header = [_text(value) for value in row]
            else:
                numeric.update(
                    position
                    for position, value in enumerate(row)
                    if isinstance(value, (int, float)) and not isinstance(value, bool)
                )
            writer.writerow([_text(value) for value in row])
        names = [
            header[position] if position < len(header) else str(position + 1) for position in sorted(numeric)
        ]
        return str(sheet.title), names
    finally:
        workbook.close()

"""FHIRPath's System values that Python has no type for: dates, times and quantities.

FHIRPath N1 section 2.1.1 (Literals) and 6.1-6.2: a date, dateTime or time
keeps the precision it was written with, and comparing two values of
different precision is empty unless they already differ at a precision both
have.  Seconds and their fraction are one precision.  A timezone offset, when
both sides have one, is applied before comparing.

>>> day, morning = parse_moment("2023-06-21", "date"), parse_moment("2023-06-21T06:20:00Z", "dateTime")
>>> compare_moments(day, morning) is None
True
>>> compare_moments(parse_moment("2023-06-20", "date"), morning)
-1
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Final

import attrs

__all__ = ["Moment", "Quantity", "add_duration", "compare_moments", "parse_moment"]

_DATE_TIME: Final = re.compile(
    r"(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?"
    r"(?:T(?:(?P<hour>\d{2})(?::(?P<minute>\d{2})(?::(?P<second>\d{2}(?:\.\d+)?))?)?)?"
    r"(?P<zone>Z|[+-]\d{2}:\d{2})?)?"
)
_TIME: Final = re.compile(r"(?P<hour>\d{2})(?::(?P<minute>\d{2})(?::(?P<second>\d{2}(?:\.\d+)?))?)?")
_CALENDAR_DURATIONS: Final = frozenset(
    {"year", "month", "week", "day", "hour", "minute", "second", "millisecond"}
)
#: The precisions of a date/dateTime, in order; a time's are the last three.
_PARTS: Final = ("year", "month", "day", "hour", "minute", "second")


@attrs.frozen
class Moment:
    """A FHIRPath Date, DateTime or Time with the precision it was given (``kind`` says which).

    ``parts`` holds the given components only (year first; for a time, hour
    first), the seconds as a Decimal; ``zone`` is the offset in minutes.
    """

    kind: str
    parts: tuple[int | Decimal, ...]
    zone: int | None
    text: str

    def __str__(self) -> str:
        return self.text


@attrs.frozen
class Quantity:
    """A FHIRPath Quantity: a Decimal value and a unit (a UCUM code or a calendar duration)."""

    value: Decimal
    unit: str

    def __str__(self) -> str:
        if self.unit.rstrip("s") in _CALENDAR_DURATIONS:
            return f"{self.value} {self.unit}"  # a calendar duration is written as a word
        return f"{self.value} '{self.unit}'"


def parse_moment(text: str, kind: str) -> Moment | None:
    """*text* (without ``@``) as a *kind* (``date``, ``dateTime``, ``time``) Moment, or None."""
    pattern = _TIME if kind == "time" else _DATE_TIME
    found = pattern.fullmatch(text)
    if found is None:
        return None
    groups = found.groupdict()
    names = _PARTS[3:] if kind == "time" else _PARTS
    parts: list[int | Decimal] = []
    for name in names:
        value = groups.get(name)
        if value is None:
            break
        parts.append(Decimal(value) if name == "second" else int(value))
    zone_text = groups.get("zone")
    zone = None
    if zone_text:
        zone = (
            0
            if zone_text == "Z"
            else int(zone_text[0] + "1") * (int(zone_text[1:3]) * 60 + int(zone_text[4:6]))
        )
    if kind == "date" and (len(parts) > 3 or "T" in text):
        return None
    if kind == "time":
        return Moment("time", tuple(parts), None, text)
    return Moment("date" if len(parts) <= 3 and "T" not in text else "dateTime", tuple(parts), zone, text)


def _in_utc(moment: Moment) -> tuple[int | Decimal, ...]:
    parts = moment.parts
    if moment.zone is None or moment.zone == 0 or len(parts) < 4:
        return parts
    year, month, day, hour = (int(part) for part in parts[:4])
    minute = int(parts[4]) if len(parts) > 4 else 0
    try:
        shifted = datetime.datetime(year, month, day, hour, minute) - datetime.timedelta(minutes=moment.zone)
    except (ValueError, OverflowError):
        return parts
    utc = (shifted.year, shifted.month, shifted.day, shifted.hour, shifted.minute)
    return utc[: len(parts)] + parts[5:]


def compare_moments(left: Moment, right: Moment) -> int | None:
    """-1, 0 or 1 as *left* is before, at or after *right*; None when their precisions decide.

    A date and a dateTime compare (a date is a dateTime to the day); a time
    compares only with a time.
    """
    if (left.kind == "time") != (right.kind == "time"):
        raise TypeError("a time compares only with a time")
    if left.zone is not None and right.zone is not None:
        left_parts, right_parts = _in_utc(left), _in_utc(right)
    elif (left.zone is None) != (right.zone is None) and len(left.parts) > 3 and len(right.parts) > 3:
        return None  # one has an offset and the other none: the time of day cannot be compared
    else:
        left_parts, right_parts = left.parts, right.parts
    for mine, theirs in zip(left_parts, right_parts, strict=False):
        if mine != theirs:
            return -1 if mine < theirs else 1
    return 0 if len(left_parts) == len(right_parts) else None


#: Durations that can be added to a date, as seconds (calendar months and years are counted
#: apart); the UCUM codes ``a`` and ``mo`` are not calendar years and months (N1 section 6.6.1).
_SECONDS: Final[dict[str, int | Decimal]] = {
    "week": 604800, "day": 86400, "hour": 3600, "minute": 60, "second": 1, "millisecond": Decimal("0.001"),
}  # fmt: skip
#: How many seconds one unit of each precision of a date/dateTime (or time) holds.
_PRECISION_SECONDS: Final = (None, None, 86400, 3600, 60, Decimal("0.001"))


def add_duration(moment: Moment, amount: Decimal, unit: str) -> Moment | None:
    """*moment* plus *amount* of a calendar duration *unit* (``year``, ``month``, ``week``, ``day``,
    ``hour``, ``minute``, ``second``, ``millisecond``), at *moment*'s own precision (FHIRPath N1
    section 6.6.1: whole units are added, and a duration finer than the precision is truncated to
    it).  None for any other unit or a result out of range.
    """
    is_time = moment.kind == "time"
    given = list(moment.parts)
    defaults: list[int | Decimal] = [2000, 1, 1, 0, 0, Decimal(0)]
    full = [2000, 1, 1, *given] if is_time else list(given)
    full += defaults[len(full) :]
    precision = len(given) + (3 if is_time else 0)
    year, month, day = int(full[0]), int(full[1]), int(full[2])
    seconds = Decimal(0)
    if unit != "millisecond":
        amount = Decimal(int(amount))
    if unit in ("year", "month"):
        months = int(amount) * (12 if unit == "year" else 1)
        year, month = divmod(year * 12 + month - 1 + months, 12)
        month += 1
        if not 1 <= year <= 9999:
            return None
        day = min(day, _month_days(year, month))
    elif unit in _SECONDS:
        seconds = Decimal(amount) * _SECONDS[unit]
        step = _PRECISION_SECONDS[precision - 1]
        if step is None:
            return None if seconds else moment
        seconds = Decimal(int(seconds / step)) * step
    else:
        return None
    second = Decimal(full[5]) + seconds
    try:
        start = datetime.datetime(year, month, day, int(full[3]), int(full[4]))
        shifted = start + datetime.timedelta(seconds=int(second // 1))
    except (ValueError, OverflowError):
        return None
    values: list[int | Decimal] = [shifted.year, shifted.month, shifted.day, shifted.hour, shifted.minute]
    values.append(Decimal(shifted.second) + second % 1)
    kept = tuple(values[3 : 3 + len(given)] if is_time else values[: len(given)])
    return Moment(moment.kind, kept, moment.zone, _moment_text(moment, kept))


def _month_days(year: int, month: int) -> int:
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    return (following - datetime.timedelta(days=1)).day


_FRACTION: Final = re.compile(r"\.(\d+)")
_ZONE: Final = re.compile(r"(Z|[+-]\d{2}:\d{2})$")


def _moment_text(moment: Moment, parts: tuple[int | Decimal, ...]) -> str:
    """*parts* written as *moment* was (same precision, fraction digits and offset)."""
    names = _PARTS[3:] if moment.kind == "time" else _PARTS
    text = ""
    for name, value in zip(names, parts, strict=False):
        whole = int(value)
        if name == "year":
            text += f"{whole:04d}"
        elif name in ("month", "day"):
            text += f"-{whole:02d}"
        elif name == "hour":
            text += ("" if moment.kind == "time" else "T") + f"{whole:02d}"
        elif name == "minute":
            text += f":{whole:02d}"
        else:
            fraction = _FRACTION.search(moment.text)
            places = len(fraction.group(1)) if fraction else 0
            text += f":{whole:02d}" + (f"{Decimal(value) - whole:.{places}f}"[1:] if places else "")
    zone = _ZONE.search(moment.text) if moment.kind == "dateTime" else None
    return text + (zone.group(1) if zone else "")

"""Partial dates (private module; import from :mod:`nhsstd.models`)."""

from __future__ import annotations

import calendar
import datetime
import enum
import re

import attrs

from nhsstd.exceptions import InvalidFormat, Reason
from nhsstd.models._errors import InvariantError

__all__ = ["DatePrecision", "PartialDate"]

# Four ASCII digits, then optionally -MM, then optionally -DD.  (``\d`` would
# also match non-ASCII digits, hence the explicit classes.)
_PATTERN = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")


class DatePrecision(str, enum.Enum):
    """How much of a :class:`PartialDate` is known."""

    __module__ = "nhsstd.models"

    YEAR = "year"
    MONTH = "month"
    DAY = "day"

    def __str__(self) -> str:
        return self.value


def _is_int(value: object) -> bool:
    return type(value) is int


_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _days_in_month(year: int, month: int) -> int:
    if month == 2 and calendar.isleap(year):
        return 29
    return _DAYS[month - 1]


_fromisoformat = datetime.date.fromisoformat
_new = object.__new__
_set = object.__setattr__


@attrs.frozen(repr=False)
class PartialDate:
    """A calendar date that may be known only to the year or the month.

    FHIR ``date`` (``Patient.birthDate``) allows ``YYYY``, ``YYYY-MM`` and
    ``YYYY-MM-DD``; so does this type, and nothing else.  Years run from 1 to
    9999; a day needs a month; the day must exist in that month.

    >>> from nhsstd.models import PartialDate
    >>> PartialDate.parse("1970-09")
    PartialDate('1970-09')
    >>> PartialDate(1970, 9, 1).isoformat(), PartialDate(1970).precision
    ('1970-09-01', <DatePrecision.YEAR: 'year'>)
    >>> PartialDate.parse("1970-02-29")
    Traceback (most recent call last):
        ...
    nhsstd.models.InvariantError: PartialDate: day is not a day of that month

    Partial dates are not ordered (is ``1970`` before ``1970-06``?); use
    :meth:`earliest`, :meth:`latest` and :meth:`is_definitely_before`:

    >>> PartialDate.parse("1970").is_definitely_before(PartialDate.parse("1970-06"))
    False
    >>> PartialDate.parse("1969").is_definitely_before(PartialDate.parse("1970-06"))
    True
    """

    year: int
    month: int | None = None
    day: int | None = None

    def __attrs_post_init__(self) -> None:
        year, month, day = self.year, self.month, self.day
        if not _is_int(year):
            raise TypeError(f"PartialDate.year: expected int, got {type(year).__name__}")
        if not 1 <= year <= 9999:
            raise InvariantError(
                "PartialDate", ("year",), "year must be 1 to 9999", reason=Reason.INVALID_DATE
            )
        if month is None:
            if day is not None:
                raise InvariantError(
                    "PartialDate", ("month", "day"), "a day needs a month", reason=Reason.INVALID_DATE
                )
            return
        if not _is_int(month):
            raise TypeError(f"PartialDate.month: expected int or None, got {type(month).__name__}")
        if not 1 <= month <= 12:
            raise InvariantError(
                "PartialDate", ("month",), "month must be 1 to 12", reason=Reason.INVALID_DATE
            )
        if day is None:
            return
        if not _is_int(day):
            raise TypeError(f"PartialDate.day: expected int or None, got {type(day).__name__}")
        if not 1 <= day <= _days_in_month(year, month):
            raise InvariantError(
                "PartialDate", ("day",), "day is not a day of that month", reason=Reason.INVALID_DATE
            )

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Parse ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (ASCII digits, nothing else).

        No whitespace, time or time zone is accepted.
        """
        if not isinstance(text, str):
            raise InvalidFormat(
                Reason.NOT_A_STRING,
                kind=None,
                detail=f"partial date: expected str, got {type(text).__name__}",
            )
        if len(text) == 10 and text[4] == "-" and text[7] == "-" and text.isascii():
            # Fast path for complete dates (fromisoformat alone would also take
            # other ISO forms, hence the shape check).
            try:
                complete = _fromisoformat(text)
            except ValueError:
                pass
            else:
                result: PartialDate = _new(cls)
                _set(result, "year", complete.year)
                _set(result, "month", complete.month)
                _set(result, "day", complete.day)
                return result
        match = _PATTERN.fullmatch(text) if len(text) <= 10 else None
        if match is None:
            raise InvalidFormat(
                Reason.FORMAT, kind=None, detail="partial date: expected YYYY, YYYY-MM or YYYY-MM-DD"
            )
        year, month, day = match.groups()
        return cls(
            int(year),
            None if month is None else int(month),
            None if day is None else int(day),
        )

    @classmethod
    def from_date(cls, value: datetime.date) -> PartialDate:
        """A complete partial date from a :class:`datetime.date` (``datetime`` is refused)."""
        if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
            raise TypeError(f"expected datetime.date, got {type(value).__name__}")
        return cls(value.year, value.month, value.day)

    @property
    def precision(self) -> DatePrecision:
        """Year, month or day."""
        if self.month is None:
            return DatePrecision.YEAR
        return DatePrecision.MONTH if self.day is None else DatePrecision.DAY

    @property
    def is_complete(self) -> bool:
        """True when year, month and day are all known."""
        return self.day is not None

    def to_date(self) -> datetime.date:
        """The :class:`datetime.date`; raises :class:`ValueError` unless :attr:`is_complete`."""
        if self.month is None or self.day is None:
            raise ValueError("the partial date is not complete")
        return datetime.date(self.year, self.month, self.day)

    def earliest(self) -> datetime.date:
        """The first day the partial date could mean."""
        return datetime.date(self.year, self.month or 1, self.day or 1)

    def latest(self) -> datetime.date:
        """The last day the partial date could mean."""
        month = self.month or 12
        return datetime.date(self.year, month, self.day or _days_in_month(self.year, month))

    def is_definitely_before(self, other: PartialDate | datetime.date) -> bool:
        """True when every day this could mean is before every day *other* could mean."""
        if isinstance(other, PartialDate):
            return self.latest() < other.earliest()
        return self.latest() < other

    def isoformat(self) -> str:
        """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``."""
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def __str__(self) -> str:
        return self.isoformat()

    def __repr__(self) -> str:
        return f"PartialDate({self.isoformat()!r})"


def to_partial_date(value: PartialDate | datetime.date | None) -> PartialDate | None:
    """attrs converter: accept a :class:`datetime.date` (not a ``datetime``) for a partial date."""
    if value is None or type(value) is PartialDate:
        return value
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return PartialDate(value.year, value.month, value.day)
    return value  # type: ignore[return-value]  # the model's own check reports the wrong type

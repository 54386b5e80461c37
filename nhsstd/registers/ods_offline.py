"""An embedded, offline ODS register built from the published CSV extracts.

The Organisation Data Service publishes its organisations as headerless CSV
files in one shared 27-column layout -- ``epraccur`` (GP practices), ``etr``
(NHS trusts), ``ets`` (NHS trust sites) and more -- from ODS Data Search and
Export (``https://www.odsdatasearchandexport.nhs.uk/api/getReport?report=<name>``),
under the Open Government Licence.  :class:`OfflineOdsRegister` loads them into
SQLite (the standard library's :mod:`sqlite3`; a file, or in memory) and
answers lookups and searches without any network: the same
:class:`~nhsstd.registers.ods.OrganisationRegister` protocol as the online ORD
and ODT clients, so the two can be swapped.

Columns (0-based) as read: 0 organisation code, 1 name, 2 national grouping,
3 high level health geography, 4-8 address lines 1-5, 9 postcode, 10 open date,
11 close date (``YYYYMMDD``), 12 status code (``A`` active, ``C`` closed,
``D`` dormant, ``P`` proposed), 13 organisation sub-type, 14 commissioner /
parent, 15 join and 16 left parent date, 17 telephone, 21 amended record
indicator, 23 provider/purchaser, 25 prescribing setting; the other columns
are empty in the published files and kept as read.

Loading is all or nothing: every row is checked first (27 columns, a well-formed
ODS code, a name, real ``YYYYMMDD`` dates, a known status code, no duplicate
codes), and a bad row raises :class:`MalformedExtract` with its line number
before the database is touched.  Loading a newer extract of the same kind
replaces the older one in a single transaction.

A database file may be shared: by several registers in one process and by other
processes.  It is kept in SQLite's write-ahead-log mode, and a load writes
through a connection of its own, so readers go on answering from the extract
they had while a load runs, and every reader -- lookups from its cache included
-- answers from the new extract as soon as the load commits.  (A register held
in memory has one connection: its lookups wait while it loads.)

Several extracts combine.  Each extract's rows are kept under its kind, and a
code found in several loaded extracts (a dispensing GP practice is in both
``epraccur`` and ``edispensary``) is one organisation: its record -- name,
address, status, dates, ``extras["ods"]`` -- is the one from the extract of
highest precedence (the kinds of :data:`EXTRACT_ROLES` in that order, then any
other kind in alphabetical order), and its roles are those of every extract it
is in (that extract's first, then the others' in precedence order, each once).
Searches and counts see these organisations -- each code once, matched on the
record and roles they are returned with -- and reloading or emptying one kind
takes away that kind's part only.

A small synthetic extract in the real layout ships with nhsstd for tests and
examples (the codes, names and telephone numbers are made up):

>>> register = OfflineOdsRegister.sample()
>>> register.get_organisation("Y12345").name
'TREVELYAN SQUARE MEDICAL CENTRE'
>>> [org.ods_code.compact for org in register.search_organisations(postcode="LS1", role="RO76")]
['Y12345', 'Y12346']
>>> register.lookup("ZZZ999") is None
True
"""

from __future__ import annotations

import collections
import csv
import datetime
import io
import itertools
import operator
import os
import re
import sqlite3
import threading
import zipfile
from collections.abc import Iterator, Sequence
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, TypeVar

from nhsstd.exceptions import NhsStdError
from nhsstd.identifiers.nhs_pseudo_postcode import NHSPseudoPostcode
from nhsstd.registers import _adapters
from nhsstd.registers._errors import InvalidParameter, NotFound, RegisterTimeout
from nhsstd.registers._orgdata import OrgData

if TYPE_CHECKING:
    from nhsstd.models import Organisation

__all__ = [
    "EXTRACT_COLUMNS",
    "EXTRACT_ROLES",
    "ExtractInfo",
    "MalformedExtract",
    "OfflineOdsRegister",
]

#: Number of columns of the ODS standard extract layout.
EXTRACT_COLUMNS = 27

#: Extract name -> ODS role codes of its records (primary role first).
#: England's GP practices are prescribing cost centres (RO177) with the GP
#: practice role (RO76); trusts are RO197 and their sites RO198; general dental
#: practices RO110, primary care networks RO272 and clinical commissioning
#: groups RO98 (each the primary role of its records).  Other kinds (such as
#: ``edispensary``) need ``roles=`` when loaded.  The order is also the
#: precedence of the kinds' records for a code in several extracts (any other
#: kind comes after these, in alphabetical order).
EXTRACT_ROLES: dict[str, tuple[str, ...]] = {
    "epraccur": ("RO177", "RO76"),
    "etr": ("RO197",),
    "ets": ("RO198",),
    "egdpprac": ("RO110",),
    "epcn": ("RO272",),
    "eccg": ("RO98",),
}

_STATUS_CODES = frozenset({"A", "C", "D", "P"})
_CODE = re.compile(r"[A-Z0-9]{3,9}")
_ROLE = re.compile(r"RO[0-9]{1,4}")
_KIND = re.compile(r"[a-z][a-z0-9_]{0,31}")
_SAMPLE_FILES = ("epraccur-sample.csv", "etr-sample.csv", "ets-sample.csv")

_T = TypeVar("_T", bound="OfflineOdsRegister")


class MalformedExtract(NhsStdError, ValueError):
    """An extract row (or the file) does not follow the ODS layout.

    :attr:`line` is the 1-based line number of the offending row (0 when the
    problem is the file as a whole).  Nothing of the extract was loaded.
    """

    line: int

    def __init__(self, line: int, detail: str) -> None:
        self.line = line
        self.detail = detail
        where = f"line {line}: " if line else ""
        super().__init__(f"malformed ODS extract: {where}{detail}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (MalformedExtract, (self.line, self.detail))


class ExtractInfo:
    """What is loaded for one extract kind."""

    __slots__ = ("kind", "loaded_at", "roles", "rows", "source")

    def __init__(self, kind: str, rows: int, roles: tuple[str, ...], source: str, loaded_at: str) -> None:
        self.kind = kind
        self.rows = rows
        self.roles = roles
        self.source = source
        self.loaded_at = loaded_at

    def __repr__(self) -> str:
        return f"ExtractInfo(kind={self.kind!r}, rows={self.rows}, roles={self.roles!r})"


# Version 2 added the model's values (name ... ods), computed and checked on loading so
# that a lookup builds the model without checking again (nhsstd.registers._adapters).
# Version 3 keeps each extract's rows under their kind (a code can be in several extracts):
# ``chosen`` is 1 on the one row of a code whose record the organisation has (all of them
# while a code is in one extract), and ``merged_roles``, on that row, the roles of all the
# code's rows when they are more than the row's own (NULL otherwise: the common case costs
# nothing).  Searches and lookups read chosen rows only; _combine keeps both up to date.
_SCHEMA_VERSION = 3
_SCHEMA = """
CREATE TABLE IF NOT EXISTS organisation (
    code TEXT NOT NULL,
    kind TEXT NOT NULL,
    name_upper TEXT NOT NULL,
    postcode_compact TEXT NOT NULL,
    postcode_outward TEXT NOT NULL,
    status TEXT NOT NULL,
    active INTEGER NOT NULL,
    roles TEXT NOT NULL,
    last_change TEXT,
    fields TEXT NOT NULL,
    name TEXT,
    lines TEXT,
    city TEXT,
    district TEXT,
    postcode TEXT,
    postcode_pseudo INTEGER,
    phone TEXT,
    ods TEXT NOT NULL,
    chosen INTEGER NOT NULL DEFAULT 1,
    merged_roles TEXT,
    PRIMARY KEY (code, kind)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS organisation_postcode ON organisation (postcode_compact);
CREATE TABLE IF NOT EXISTS extract (
    kind TEXT PRIMARY KEY,
    rows INTEGER NOT NULL,
    roles TEXT NOT NULL,
    source TEXT NOT NULL,
    loaded_at TEXT NOT NULL
);
"""

# The 27 fields of a row are stored as read (stripped), joined by the ASCII unit
# separator; control characters are refused on loading, so it cannot occur in a field.
_SEPARATOR = "\x1f"
# Columns not mapped onto the model, with the keys they are given in ``extras["ods"]``.
_EXTRA_NAMES = {
    2: "national_grouping",
    3: "high_level_health_geography",
    13: "organisation_sub_type",
    15: "join_parent_date",
    16: "left_parent_date",
    21: "amended_record_indicator",
    23: "provider_purchaser",
    25: "prescribing_setting",
}
_EXTRA_COLUMNS = (2, 3, 13, 15, 16, 18, 19, 20, 21, 22, 23, 24, 25, 26)
_EXTRA_KEYS = tuple((i, _EXTRA_NAMES.get(i, f"column_{i + 1}")) for i in _EXTRA_COLUMNS)
# The model's values (see _stored_row), stored so that a lookup need not check them again.
_MODEL_COLUMNS = ("name", "lines", "city", "district", "postcode", "postcode_pseudo", "phone", "ods")
# (A plain INSERT: the kind's rows were deleted first, and a code is once in an extract.)
_INSERT = (
    "INSERT INTO organisation (code, kind, name_upper, postcode_compact, postcode_outward, "
    "status, active, roles, last_change, fields, " + ", ".join(_MODEL_COLUMNS) + ") "
    "VALUES (" + ", ".join("?" * (10 + len(_MODEL_COLUMNS))) + ")"
)
# The roles of an organisation: of all its extracts, or (the common case) of its one.
_ROLES_OF = "IFNULL(merged_roles, roles)"
_SELECT = f"SELECT kind, status, active, {_ROLES_OF}, last_change, fields FROM organisation"
# What _model builds the model from: the row _adapters.stored_organisation takes, kind, ods.
_SELECT_MODEL = (
    f"SELECT code, active, {_ROLES_OF}, name, lines, city, district, postcode, postcode_pseudo, phone, "
    "kind, ods FROM organisation"
)
_LOOKUP = _SELECT_MODEL + " WHERE code = ? AND chosen = 1"
# Every code of several rows, and every code left with one row that is not in the state
# rows are inserted in (chosen, no merged roles) because other rows of it were deleted.
_TO_COMBINE = (
    "SELECT code, kind, roles, chosen, merged_roles FROM organisation WHERE code IN ("
    "SELECT code FROM organisation GROUP BY code "
    "HAVING COUNT(*) > 1 OR MIN(chosen) = 0 OR MAX(merged_roles IS NOT NULL)) ORDER BY code"
)
_SET_COMBINED = "UPDATE organisation SET chosen = ?, merged_roles = ? WHERE code = ? AND kind = ?"
# The keys of extras["ods"] after "source", in the order _adapters.organisation writes them; the
# ``ods`` column holds their values in this order, joined by _SEPARATOR, empty for an absent one.
_ODS_KEYS = (
    "status_code",
    "open_date",
    "close_date",
    "parent_code",
    "last_change_date",
    "postcode_text",
    *(key for _, key in _EXTRA_KEYS),
)
_extra_values = operator.itemgetter(*_EXTRA_COLUMNS)


def _read_ods(source: str, stored: str) -> dict[str, str]:
    """The ``extras["ods"]`` object from the stored ``ods`` column (*source* first)."""
    ods = {"source": source}
    for key, value in zip(_ODS_KEYS, stored.split(_SEPARATOR), strict=True):
        if value:  # an empty value is an absent key
            ods[key] = value
    return ods


def _precedence(kind: str) -> tuple[int, str]:
    """Sort key of extract kinds: whose record a code in several extracts has (the first)."""
    for index, known in enumerate(EXTRACT_ROLES):
        if known == kind:
            return index, ""
    return len(EXTRACT_ROLES), kind


def _combine(conn: sqlite3.Connection) -> None:
    """Set ``chosen`` and ``merged_roles`` of the codes in several extracts (within a load).

    For each such code, the row of the kind of highest precedence (:func:`_precedence`)
    is chosen, and its roles are its own then the other rows' (in precedence order),
    each once.  A code left in one extract gets back the state rows are inserted in.
    Only rows whose values change are written.
    """
    updates: list[tuple[int, str | None, str, str]] = []
    rows = conn.execute(_TO_COMBINE).fetchall()
    for _, group in itertools.groupby(rows, key=operator.itemgetter(0)):
        records = sorted(group, key=lambda record: _precedence(record[1]))
        roles: list[str] = []
        for record in records:
            roles.extend(role for role in record[2].split() if role not in roles)
        merged = " " + " ".join(roles) + " " if roles else " "
        for index, (code, kind, own, chosen, merged_roles) in enumerate(records):
            wanted = (1, None if merged == own else merged) if index == 0 else (0, None)
            if (chosen, merged_roles) != wanted:
                updates.append((*wanted, code, kind))
    conn.executemany(_SET_COMBINED, updates)


_known_postcode = _adapters.known_postcode
_UNSEEN: Any = object()
_stored_organisation = _adapters.stored_organisation
_SOURCES: dict[str, str] = {}


def _model(row: tuple[Any, ...]) -> Organisation:
    """The :class:`~nhsstd.models.Organisation` of a row of :data:`_SELECT_MODEL`."""
    kind = row[10]
    source = _SOURCES.get(kind)
    if source is None:
        source = _SOURCES.setdefault(kind, "extract:" + kind)
    return _stored_organisation(row, _read_ods(source, row[11]))


def _stored_row(
    fields: list[str],
    kind: str,
    roles: str,
    status: str,
    open_date: str | None,
    close_date: str | None,
    last_change: str | None,
) -> tuple[Any, ...]:
    """The values of a row of the ``organisation`` table, for a loaded extract row.

    *fields* are the row's 27 fields, stripped and checked; *status* the status code
    (derived from the close date when the extract has none); the dates are ISO text.
    The model's values (:data:`_MODEL_COLUMNS`) are exactly what
    :func:`nhsstd.registers._adapters.organisation` puts in the model for the row's
    :class:`OrgData` -- for a stripped field ``_adapters.text(field)`` is the field
    when non-empty and printable -- as the tests check row by row.  Called once a row
    when loading, so written for speed.
    """
    code, name, town, county, raw_postcode, phone = (
        fields[0], fields[1], fields[7], fields[8], fields[9], fields[17]
    )
    parsed = _known_postcode(raw_postcode, _UNSEEN)
    if parsed is _UNSEEN:
        parsed = _adapters.postcode(raw_postcode)
    if parsed is None:
        compact = "".join(raw_postcode.split()).upper()
        model_postcode = pseudo = None
        postcode_text = raw_postcode
    else:
        compact = model_postcode = parsed.compact
        pseudo = 1 if type(parsed) is NHSPseudoPostcode else 0
        postcode_text = ""
    kept = [line for line in (fields[4], fields[5], fields[6]) if line and line.isprintable()]
    ods = [status, open_date or "", close_date or "", fields[14], last_change or "", postcode_text]
    ods.extend(_extra_values(fields))
    return (
        code,
        kind,
        name.upper(),
        compact,
        compact[:-3] if len(compact) >= 5 else compact,
        status,
        1 if status == "A" else 0,
        roles,
        last_change,
        _SEPARATOR.join(fields),
        # the model's values
        name if name.isprintable() else None,  # never empty: refused on loading
        _SEPARATOR.join(kept) if kept else None,
        town if town and town.isprintable() else None,
        county if county and county.isprintable() else None,
        model_postcode,
        pseudo,
        phone if phone and phone.isprintable() else None,
        _SEPARATOR.join(ods),
    )


# C0 controls except line feed and carriage return, DEL and the C1 controls; and unpaired
# surrogates (a decoder such as "unicode_escape" can produce them; UTF-8 cannot).
_CONTROL = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_DIGITS8 = re.compile("[0-9]{8}")
_CACHE_SIZE = 4096
_SEEN_SIZE = 2 * _CACHE_SIZE


class _Dates:
    """``YYYYMMDD`` checking with a cache (extract dates repeat a great deal)."""

    def __init__(self) -> None:
        self._seen: dict[str, str] = {}
        #: The ISO text of a ``YYYYMMDD`` value already checked, or ``None``.
        self.known = self._seen.get

    def iso(self, value: str, line: int, column: int) -> str | None:
        """ISO date text for ``YYYYMMDD`` (None for an empty field), or :class:`MalformedExtract`."""
        if not value:
            return None
        known = self._seen.get(value)
        if known is not None:
            return known
        if not _DIGITS8.fullmatch(value):
            raise MalformedExtract(line, f"column {column + 1} is not a YYYYMMDD date")
        try:
            text = datetime.date(int(value[:4]), int(value[4:6]), int(value[6:])).isoformat()
        except ValueError:
            raise MalformedExtract(line, f"column {column + 1} is not a real calendar date") from None
        self._seen[value] = text
        return text


def _day(value: str) -> datetime.date | None:
    """A stored ``YYYYMMDD`` field (already checked) as a date."""
    if not value:
        return None
    return datetime.date(int(value[:4]), int(value[4:6]), int(value[6:]))


def _compact_postcode(value: str) -> str:
    return "".join(value.split()).upper()


def _parse_rows(text: str, kind: str, roles: str) -> list[tuple[Any, ...]]:
    # Control characters are looked for in the whole text at once (much faster than per
    # field); the error is raised when the reader reaches that line, so that the first
    # bad line is the one reported whatever is wrong with it.
    control = _CONTROL.search(text)
    control_line = control_message = None
    if control is not None:
        control_line = text.count("\n", 0, control.start()) + 1
        control_message = (
            "a field contains an unpaired surrogate"
            if "\ud800" <= control.group() <= "\udfff"
            else "a field contains a control character"
        )
    rows: list[tuple[Any, ...]] = []
    seen: set[str] = set()
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    today = datetime.date.today().isoformat()
    dates = _Dates()
    iso = dates.iso
    known = dates.known
    strip = str.strip
    stored_row = _stored_row
    line = 0
    try:
        for fields in reader:
            line = reader.line_num
            if control_line is not None and line >= control_line:
                raise MalformedExtract(control_line, control_message or "")
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue  # a blank line (the files end with one)
            if len(fields) != EXTRACT_COLUMNS:
                raise MalformedExtract(line, f"expected {EXTRACT_COLUMNS} columns, got {len(fields)}")
            fields = list(map(strip, fields))
            code = fields[0]
            # ASCII only before upper-casing: str.upper() folds some letters into ASCII ("ß" -> "SS").
            if not code.isascii() or not _CODE.fullmatch(code := code.upper()):
                raise MalformedExtract(line, "column 1 is not a well-formed ODS code")
            fields[0] = code
            if code in seen:
                raise MalformedExtract(line, "the organisation code appears twice in the extract")
            seen.add(code)
            name = fields[1]
            if not name:
                raise MalformedExtract(line, "column 2 (name) is empty")
            status = fields[12] = fields[12].upper()
            if status and status not in _STATUS_CODES:
                raise MalformedExtract(line, "column 13 is not a status code (A, C, D or P)")
            # (the dates checked and made ISO text; known ones straight from the cache)
            day = fields[10]
            open_date = (known(day) or iso(day, line, 10)) if day else None
            day = fields[11]
            close_date = (known(day) or iso(day, line, 11)) if day else None
            day = fields[15]
            join_date = (known(day) or iso(day, line, 15)) if day else None
            day = fields[16]
            left_date = (known(day) or iso(day, line, 16)) if day else None
            changes = [day for day in (open_date, close_date, join_date, left_date) if day]
            last_change = max(changes) if changes else None
            if not status:
                status = "C" if close_date is not None and close_date <= today else "A"
            rows.append(stored_row(fields, kind, roles, status, open_date, close_date, last_change))
    except csv.Error:
        raise MalformedExtract(line + 1, "the CSV quoting is broken or a field is too long") from None
    if control_line is not None:  # in a part of the text the reader did not return as a row
        raise MalformedExtract(control_line, control_message or "")
    return rows


def _read_source(source: str | os.PathLike[str] | bytes | IO[bytes]) -> tuple[bytes, str]:
    """The raw bytes of an extract (unzipped if needed) and a name for it."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data, name = bytes(source), "<bytes>"
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        data, name = path.read_bytes(), path.name
    elif hasattr(source, "read"):
        data = source.read()
        if not isinstance(data, bytes):
            raise TypeError("a file object must be opened in binary mode")
        name = os.path.basename(str(getattr(source, "name", "<file>")))
    else:
        raise TypeError("source must be a path, bytes or a binary file object")
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                members = [m for m in archive.namelist() if m.lower().endswith(".csv")]
                if len(members) != 1:
                    raise MalformedExtract(0, "a zipped extract must contain exactly one .csv file")
                data, name = archive.read(members[0]), os.path.basename(members[0])
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError):
            raise MalformedExtract(0, "the zip file is damaged") from None
    return data, name


def _decode(data: bytes, encoding: str) -> str:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise MalformedExtract(line, f"the text is not valid {encoding}") from None
    except LookupError:
        raise ValueError("unknown encoding") from None
    return text.removeprefix("\ufeff")


def _kind_from_name(name: str) -> str | None:
    stem = name.lower().split(".")[0]
    for kind in EXTRACT_ROLES:
        if stem == kind or stem.startswith(kind + "-") or stem.startswith(kind + "_"):
            return kind
    return None


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _check_text(value: object, parameter: str, *, limit: int = 100) -> str:
    if not isinstance(value, str):
        raise InvalidParameter(f"{parameter} must be a str", parameter=parameter)
    value = value.strip()
    if not value or len(value) > limit or not value.isprintable():
        raise InvalidParameter(f"{parameter} must be 1 to {limit} printable characters", parameter=parameter)
    return value


def check_role(role: object, parameter: str = "role") -> str:
    """A role code (``RO76``) from a str or an ``ODSRole``; :class:`InvalidParameter` otherwise."""
    code = getattr(role, "code", role)
    if not isinstance(code, str) or not _ROLE.fullmatch(code):
        raise InvalidParameter(f"{parameter} must be an ODS role code such as 'RO76'", parameter=parameter)
    return code


def check_status(status: object) -> bool:
    """True for ``"active"``, False for ``"inactive"`` (any case)."""
    if isinstance(status, str) and status.strip().lower() in ("active", "inactive"):
        return status.strip().lower() == "active"
    raise InvalidParameter("status must be 'active' or 'inactive'", parameter="status")


def check_code(code: object, parameter: str = "code") -> str:
    """An ODS code in compact form, or :class:`InvalidParameter`."""
    if not isinstance(code, str):
        raise InvalidParameter(f"{parameter} must be a str", parameter=parameter)
    compact = code.strip().upper()
    if not _CODE.fullmatch(compact) or not compact.isascii():
        raise InvalidParameter(f"{parameter} is not a well-formed ODS code", parameter=parameter)
    return compact


def check_postcode(postcode: object) -> str:
    """A full or outward postcode, compact and upper-case, or :class:`InvalidParameter`."""
    if not isinstance(postcode, str):
        raise InvalidParameter("postcode must be a str", parameter="postcode")
    compact = _compact_postcode(postcode)
    if not 2 <= len(compact) <= 7 or not compact.isascii() or not compact.isalnum():
        raise InvalidParameter("postcode must be a full or outward UK postcode", parameter="postcode")
    return compact


def check_limit(limit: object, *, maximum: int = 1_000_000) -> int | None:
    if limit is None:
        return None
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= maximum:
        raise InvalidParameter(f"limit must be an integer from 1 to {maximum}", parameter="limit")
    return limit


class OfflineOdsRegister:
    """ODS organisations from CSV extracts, in SQLite.

    :param database: a file path for a persistent database, or ``None``
        (the default) for one held in memory.

    The object is safe to share between threads.  Close it (or use it as a
    context manager) to release the database.
    """

    def __init__(self, database: str | os.PathLike[str] | None = None) -> None:
        target = ":memory:" if database is None else os.fspath(database)
        self._database = target
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        self._cache: collections.OrderedDict[str, Organisation] = collections.OrderedDict()
        self._seen: set[str] = set()
        #: SQLite's count of commits by other connections, when the cache was last known good.
        self._data_version = -1
        try:
            self._prepare()
        except BaseException:
            self._conn.close()
            raise

    def _prepare(self) -> None:
        conn = self._conn
        try:
            (version,) = conn.execute("PRAGMA user_version").fetchone()
            tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError:
            raise ValueError("the database file is not an SQLite database") from None
        if tables and version != _SCHEMA_VERSION:
            raise ValueError("the file is not an nhsstd offline ODS register (or has an older layout)")
        if tables:
            # A register already: opening it writes nothing (its WAL mode is kept in the file),
            # so it never waits for another connection's load.
            return
        try:
            # Larger pages than SQLite's 4 KiB default: loading is a fifth faster (fewer page
            # splits for these wide rows) and lookups are no slower.  Only a new database can.
            conn.execute("PRAGMA page_size = 16384")
            if self._database != ":memory:":
                # Readers of a file never wait for a load, nor a load for them (the mode is kept
                # in the file, for every connection and process that opens it).
                conn.execute("PRAGMA journal_mode = WAL")
            conn.executescript(_SCHEMA)
            conn.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error):
                raise
            raise RegisterTimeout(
                "the new offline ODS database stayed locked by another connection"
            ) from None

    # -- construction helpers -------------------------------------------------------------

    @classmethod
    def from_extract(
        cls: type[_T],
        source: str | os.PathLike[str] | bytes | IO[bytes],
        *,
        kind: str | None = None,
        roles: Sequence[str] | None = None,
        database: str | os.PathLike[str] | None = None,
        encoding: str = "utf-8",
    ) -> _T:
        """A register holding one extract (see :meth:`load`)."""
        register = cls(database)
        try:
            register.load(source, kind=kind, roles=roles, encoding=encoding)
        except BaseException:
            register.close()
            raise
        return register

    @classmethod
    def sample(cls: type[_T]) -> _T:
        """An in-memory register of the synthetic sample extracts shipped with nhsstd."""
        register = cls()
        for name in _SAMPLE_FILES:
            register.load(sample_extract(name), kind=name.split("-")[0])
        return register

    # -- loading ---------------------------------------------------------------------------

    def load(
        self,
        source: str | os.PathLike[str] | bytes | IO[bytes],
        *,
        kind: str | None = None,
        roles: Sequence[str] | None = None,
        encoding: str = "utf-8",
        allow_empty: bool = False,
    ) -> int:
        """Load one extract, replacing any earlier extract of the same kind; the number of rows.

        Extracts of other kinds stay: a code also in one of them remains one
        organisation (see the module documentation for how they combine).

        :param source: a path, the file's bytes or a binary file object; a zip
            holding one ``.csv`` (as the files were once published) is accepted.
        :param kind: the extract's name (``epraccur``, ``etr``, ``ets``...);
            taken from the file name when not given.
        :param roles: the ODS role codes of its records, primary first; known
            kinds have defaults (:data:`EXTRACT_ROLES`), and other kinds need
            them (:class:`~nhsstd.registers.InvalidParameter` otherwise).
        :param encoding: the text encoding of the file.
        :param allow_empty: accept an extract with no rows (which empties that
            kind); refused by default, as it usually means a failed download.
        :raises MalformedExtract: for the first bad row, with its line number;
            the database is then unchanged.

        >>> register = OfflineOdsRegister.sample()
        >>> register.load(sample_extract("etr-sample.csv"), kind="mytrusts", roles=["RO57"])
        3
        >>> [role.code for role in register.get_organisation("RZZ").roles]  # etr's record, both roles
        ['RO197', 'RO57']
        >>> len(register), register.count(role="RO57")
        (14, 3)
        >>> register.close()
        """
        data, name = _read_source(source)
        if kind is None:
            kind = _kind_from_name(name)
            if kind is None:
                raise ValueError("cannot tell the extract kind from the file name; pass kind=")
        if not isinstance(kind, str) or not _KIND.fullmatch(kind):
            raise ValueError("kind must be a short lower-case name such as 'epraccur'")
        if roles is None:
            if kind not in EXTRACT_ROLES:
                # Guessing would file every organisation of the extract under no role (or a
                # wrong one), and the mistake would only show later, in searches by role.
                raise InvalidParameter(
                    "the roles of this extract kind are not known: pass roles= (its ODS role codes, "
                    "primary first)",
                    parameter="roles",
                )
            roles = EXTRACT_ROLES[kind]
        role_codes = tuple(check_role(role, "roles") for role in roles)
        role_text = " " + " ".join(role_codes) + " " if role_codes else " "
        rows = _parse_rows(_decode(data, encoding), kind, role_text)
        if not rows and not allow_empty:
            raise MalformedExtract(0, "the extract has no rows")
        loaded_at = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        record = (kind, len(rows), " ".join(role_codes), name, loaded_at)
        if self._database == ":memory:":
            with self._lock:
                _write_extract(self._conn, kind, rows, record)
                # (Under the lock, as lookups fill the cache: none can keep a model of before.)
                self._cache.clear()
                self._seen.clear()
        else:
            # A connection of its own: this register's readers go on meanwhile, and see the
            # commit (data_version) as other registers and processes on the file do.
            writer = sqlite3.connect(self._database, isolation_level=None, timeout=_LOAD_WAIT)
            try:
                _write_extract(writer, kind, rows, record)
            finally:
                writer.close()
        return len(rows)

    def extracts(self) -> list[ExtractInfo]:
        """The extracts loaded, by kind."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT kind, rows, roles, source, loaded_at FROM extract ORDER BY kind"
            ).fetchall()
        return [
            ExtractInfo(kind, count, tuple(roles.split()), source, at)
            for kind, count, roles, source, at in rows
        ]

    def __len__(self) -> int:
        """The number of organisations (a code in several extracts counts once)."""
        with self._lock:
            (count,) = self._conn.execute("SELECT COUNT(*) FROM organisation WHERE chosen = 1").fetchone()
        return int(count)

    # -- queries ---------------------------------------------------------------------------

    def _fresh_cache(self) -> collections.OrderedDict[str, Organisation]:
        """The model cache, emptied first if a load has committed since it was filled (call under the lock).

        ``PRAGMA data_version`` changes when another connection -- a load of this register,
        another register on the file, another process -- commits.  (A database in memory has
        no other connection, and its loads clear the cache themselves.)
        """
        if self._database == ":memory:":
            return self._cache
        (version,) = self._conn.execute("PRAGMA data_version").fetchone()
        if version != self._data_version:
            self._cache.clear()
            self._seen.clear()
            self._data_version = version
        return self._cache

    def _data(self, row: Sequence[Any]) -> OrgData:
        kind, status, active, roles, last_change, stored = row
        raw = stored.split(_SEPARATOR)
        role_codes = tuple(roles.split())
        return OrgData(
            code=raw[0],
            name=raw[1],
            active=bool(active),
            status_code=status,
            roles=role_codes,
            primary_role=role_codes[0] if role_codes else None,
            address_lines=tuple(line for line in (raw[4], raw[5], raw[6]) if line),
            town=raw[7] or None,
            county=raw[8] or None,
            postcode=raw[9] or None,
            phone=raw[17] or None,
            open_date=_day(raw[10]),
            close_date=_day(raw[11]),
            parent_code=raw[14] or None,
            last_change_date=datetime.date.fromisoformat(last_change) if last_change else None,
            source=f"extract:{kind}",
            extra=tuple((key, raw[i]) for i, key in _EXTRA_KEYS if raw[i]),
        )

    def lookup_data(self, code: str) -> OrgData | None:
        """The source-neutral record for *code* (private to nhsstd: the sandbox serves it)."""
        compact = check_code(code)
        with self._lock:
            row = self._conn.execute(_SELECT + " WHERE code = ? AND chosen = 1", (compact,)).fetchone()
        return None if row is None else self._data(row)

    def lookup(self, code: str) -> Organisation | None:
        """The organisation with ODS code *code*, or ``None``.

        The model is assembled from values checked when the extract was loaded
        (see :mod:`nhsstd.registers._adapters`), and the models of recently
        looked-up codes are kept (they are immutable), so repeated lookups of the
        same code are cheaper still.
        """
        compact = check_code(code)
        # The model is built under the lock too: it is pure Python (the GIL serialises it
        # anyway), and a reload cannot then slip in between the row and the cache entry.
        with self._lock:
            cache = self._fresh_cache()
            organisation = cache.get(compact)
            if organisation is not None:
                cache.move_to_end(compact)
                return organisation
            row = self._conn.execute(_LOOKUP, (compact,)).fetchone()
            if row is None:
                return None
            organisation = _model(row)
            # Only a code asked for before is cached: one-off lookups (going through a
            # list of codes) then neither pay for the cache nor push the usual codes out.
            seen = self._seen
            if compact in seen:
                cache[compact] = organisation
                if len(cache) > _CACHE_SIZE:
                    cache.popitem(last=False)
            else:
                if len(seen) >= _SEEN_SIZE:
                    seen.clear()
                seen.add(compact)
        return organisation

    def get_organisation(self, code: str) -> Organisation:
        """The organisation with ODS code *code*; :class:`~nhsstd.registers.NotFound` if absent."""
        organisation = self.lookup(code)
        if organisation is None:
            raise NotFound("no organisation with this ODS code in the offline register")
        return organisation

    def _where(
        self,
        name: str | None,
        postcode: str | None,
        role: object | None,
        status: str | None,
        changed_since: datetime.date | None = None,
    ) -> tuple[str, list[Any]]:
        # Criteria apply to organisations as returned: the chosen row's record, all the roles.
        clauses: list[str] = ["chosen = 1"]
        params: list[Any] = []
        if name is not None:
            clauses.append("name_upper LIKE ? ESCAPE '\\'")
            params.append(_like(_check_text(name, "name").upper()))
        if postcode is not None:
            compact = check_postcode(postcode)
            if len(compact) >= 5 and compact[-3].isdigit() and compact[-2:].isalpha():
                clauses.append("postcode_compact = ?")
            else:
                clauses.append("postcode_outward = ?")
            params.append(compact)
        if role is not None:
            clauses.append(_ROLES_OF + " LIKE ?")
            params.append(f"% {check_role(role)} %")
        if status is not None:
            clauses.append("active = ?")
            params.append(1 if check_status(status) else 0)
        if changed_since is not None:
            clauses.append("last_change >= ?")
            params.append(changed_since.isoformat())
        return " WHERE " + " AND ".join(clauses), params

    def search_organisations(
        self,
        *,
        name: str | None = None,
        postcode: str | None = None,
        role: Any = None,
        status: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> Iterator[Organisation]:
        """Organisations matching every criterion given, in code order.

        A criterion applies to the organisation as returned: for a code in
        several extracts, its record is the chosen extract's and its roles
        those of all of them (see the module documentation).

        :param name: part of the name, any case.
        :param postcode: a full postcode (exact match) or an outward code
            (``LS1``: every postcode in that district); spaces are ignored.
        :param role: a role code (``"RO76"`` or an ``nhsstd.codes.ODSRole``).
        :param status: ``"active"`` or ``"inactive"``.
        :param limit: at most this many results.
        :param offset: skip this many first.
        """
        rows = self._search(_SELECT_MODEL, name, postcode, role, status, limit, offset)
        return (_model(row) for row in rows)

    def search_data(
        self,
        *,
        name: str | None = None,
        postcode: str | None = None,
        role: Any = None,
        status: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[OrgData]:
        """:meth:`search_organisations` as source-neutral records (private to nhsstd)."""
        rows = self._search(_SELECT, name, postcode, role, status, limit, offset)
        return [self._data(row) for row in rows]

    def _search(
        self,
        select: str,
        name: str | None,
        postcode: str | None,
        role: Any,
        status: str | None,
        limit: int | None,
        offset: int,
    ) -> list[tuple[Any, ...]]:
        where, params = self._where(name, postcode, role, status)
        limit = check_limit(limit)
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise InvalidParameter("offset must be a non-negative integer", parameter="offset")
        sql = select + where + " ORDER BY code LIMIT ? OFFSET ?"
        params += [limit if limit is not None else -1, offset]
        with self._lock:
            rows: list[tuple[Any, ...]] = self._conn.execute(sql, params).fetchall()
        return rows

    def count(
        self,
        *,
        name: str | None = None,
        postcode: str | None = None,
        role: Any = None,
        status: str | None = None,
    ) -> int:
        """How many organisations :meth:`search_organisations` would give without a limit."""
        where, params = self._where(name, postcode, role, status)
        with self._lock:
            (count,) = self._conn.execute("SELECT COUNT(*) FROM organisation" + where, params).fetchone()
        return int(count)

    def changed_since(self, date: datetime.date) -> list[str]:
        """Codes of organisations whose latest date (open, close, join, left) is on or after *date*.

        The dates are those of the organisation's record (its chosen extract's).
        """
        if not isinstance(date, datetime.date):
            raise InvalidParameter("date must be a datetime.date", parameter="date")
        where, params = self._where(None, None, None, None, changed_since=date)
        with self._lock:
            rows = self._conn.execute("SELECT code FROM organisation" + where + " ORDER BY code", params)
            return [code for (code,) in rows.fetchall()]

    def roles(self) -> list[str]:
        """The role codes present in the loaded extracts (of one row or more)."""
        with self._lock:
            rows = self._conn.execute("SELECT roles FROM extract WHERE rows > 0").fetchall()
        return sorted({role for (roles,) in rows for role in roles.split()}, key=lambda r: int(r[2:]))

    # -- lifetime --------------------------------------------------------------------------

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._conn.close()

    def __enter__(self: _T) -> _T:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        where = "memory" if self._database == ":memory:" else "file"
        return f"OfflineOdsRegister({where}, {len(self)} organisations)"


#: Seconds a load waits for another load of the same file to commit.
_LOAD_WAIT = 300.0


def _write_extract(
    conn: sqlite3.Connection, kind: str, rows: Sequence[tuple[Any, ...]], record: tuple[Any, ...]
) -> None:
    """Replace extract *kind* by *rows* in one transaction (*record*: its ``extract`` table row)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("DELETE FROM organisation WHERE kind = ?", (kind,))
        conn.executemany(_INSERT, rows)
        conn.execute(
            "INSERT OR REPLACE INTO extract (kind, rows, roles, source, loaded_at) VALUES (?, ?, ?, ?, ?)",
            record,
        )
        # With no other extract, every row is its code's only one, as inserted.
        others = conn.execute("SELECT 1 FROM extract WHERE kind != ? AND rows > 0", (kind,))
        if others.fetchone() is not None:
            _combine(conn)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def sample_extract(name: str = "epraccur-sample.csv") -> bytes:
    """The bytes of one of the synthetic sample extracts shipped with nhsstd."""
    if name not in _SAMPLE_FILES:
        raise ValueError(f"no sample extract named {name!r}")
    return resources.files("nhsstd.registers").joinpath("data").joinpath(name).read_bytes()

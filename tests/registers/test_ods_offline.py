"""The offline ODS register: loading extracts into SQLite, lookups, searches, atomic reloads."""

from __future__ import annotations

import contextlib
import datetime
import io
import sqlite3
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nhsstd import json as nhsstd_json
from nhsstd.codes import ODSRole
from nhsstd.models import Extras, Organisation
from nhsstd.registers import InvalidParameter, NotFound, RegisterTimeout, _adapters
from nhsstd.registers.ods import OrganisationRegister
from nhsstd.registers.ods_offline import EXTRACT_COLUMNS, MalformedExtract, OfflineOdsRegister, sample_extract


def row(code: str = "A81001", name: str = "THE DENSHAM SURGERY", **changes: str) -> list[str]:
    fields = [""] * EXTRACT_COLUMNS
    fields[0], fields[1] = code, name
    fields[4], fields[7], fields[9] = "1 HIGH STREET", "STOCKTON", "TS18 1HU"
    fields[10], fields[12], fields[25] = "19740401", "A", "4"
    for key, value in changes.items():
        fields[int(key[1:])] = value
    return fields


def csv_bytes(*rows: list[str]) -> bytes:
    return "".join(",".join(f'"{value}"' for value in fields) + "\r\n" for fields in rows).encode()


@pytest.fixture
def sample() -> OfflineOdsRegister:
    register = OfflineOdsRegister.sample()
    yield register
    register.close()


def test_the_sample_is_in_the_real_layout() -> None:
    for name in ("epraccur-sample.csv", "etr-sample.csv", "ets-sample.csv"):
        text = sample_extract(name).decode("utf-8")
        lines = [line for line in text.splitlines() if line]
        assert lines
        assert all(line.count('","') == EXTRACT_COLUMNS - 1 for line in lines)


def test_lookup_returns_the_model(sample: OfflineOdsRegister) -> None:
    practice = sample.get_organisation("y12345")
    assert isinstance(practice, Organisation)
    assert practice.ods_code is not None
    assert practice.ods_code.compact == "Y12345"
    assert practice.roles == (ODSRole.PRESCRIBING_COST_CENTRE, ODSRole.GP_PRACTICE)
    assert practice.primary_role == ODSRole.PRESCRIBING_COST_CENTRE
    assert practice.is_gp_practice
    assert practice.active
    assert practice.address is not None
    assert str(practice.address.postcode) == "LS1 6AE"
    assert practice.address.lines == ("1 TREVELYAN SQUARE", "BOAR LANE", "CITY CENTRE")
    assert practice.address.city == "LEEDS"
    assert practice.telecom[0].value == "0113 496 0000"
    ods = practice.extras["ods"]
    assert ods["open_date"] == "1974-04-01"
    assert ods["status_code"] == "A"
    assert ods["parent_code"] == "X2W"
    assert ods["prescribing_setting"] == "4"


def test_lookup_missing_and_invalid(sample: OfflineOdsRegister) -> None:
    assert sample.lookup("ZZZ999") is None
    with pytest.raises(NotFound):
        sample.get_organisation("ZZZ999")
    for bad in ("", "R$8", "A" * 10, "RR 8", 5):
        with pytest.raises(InvalidParameter):
            sample.lookup(bad)  # type: ignore[arg-type]


def test_statuses(sample: OfflineOdsRegister) -> None:
    assert sample.get_organisation("Y12347").extras["ods"]["status_code"] == "C"
    assert not sample.get_organisation("Y12347").active
    assert sample.get_organisation("Y12348").extras["ods"]["status_code"] == "D"
    assert sample.get_organisation("Y12349").extras["ods"]["status_code"] == "P"
    # etr has no status column: it is derived from the close date
    assert sample.get_organisation("RZX").extras["ods"]["status_code"] == "C"
    assert sample.get_organisation("RZZ").extras["ods"]["status_code"] == "A"


def codes(results: object) -> list[str]:
    return [org.ods_code.compact for org in results]  # type: ignore[attr-defined]


def test_searches(sample: OfflineOdsRegister) -> None:
    assert codes(sample.search_organisations(name="surgery")) == ["Y12346", "Y23456"]
    assert codes(sample.search_organisations(name="%")) == []  # LIKE wildcards are literal
    assert codes(sample.search_organisations(postcode="ls16ae")) == ["Y12345"]
    assert codes(sample.search_organisations(postcode="LS1")) == ["RZZ02", "Y12345", "Y12346"]
    assert codes(sample.search_organisations(postcode="PL1")) == ["RZY", "RZY01", "Y34567"]
    assert codes(sample.search_organisations(role="RO197")) == ["RZX", "RZY", "RZZ"]
    assert codes(sample.search_organisations(role=ODSRole.NHS_TRUST_SITE)) == ["RZY01", "RZZ01", "RZZ02"]
    assert codes(sample.search_organisations(status="inactive", role="RO76")) == [
        "Y12347",
        "Y12348",
        "Y12349",
    ]
    assert codes(sample.search_organisations(role="RO76", limit=2, offset=1)) == ["Y12346", "Y12347"]
    assert sample.count(role="RO76") == 8
    assert len(sample) == 14


@pytest.mark.parametrize(
    "kwargs",
    [
        {"name": ""},
        {"name": "x" * 101},
        {"name": "a\x00"},
        {"postcode": "L"},
        {"postcode": "LS1 6AE XX"},
        {"postcode": "LS1-6AE"},
        {"role": "76"},
        {"role": "RO"},
        {"status": "closed"},
        {"limit": 0},
        {"limit": True},
        {"offset": -1},
    ],
)
def test_bad_search_parameters(sample: OfflineOdsRegister, kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidParameter):
        list(sample.search_organisations(**kwargs))  # type: ignore[arg-type]


def test_it_follows_the_organisation_register_protocol(sample: OfflineOdsRegister) -> None:
    assert isinstance(sample, OrganisationRegister)


def test_roles_and_changes(sample: OfflineOdsRegister) -> None:
    assert sample.roles() == ["RO76", "RO177", "RO197", "RO198"]
    assert sample.changed_since(datetime.date(2020, 1, 1)) == ["Y12347", "Y12349"]
    assert [info.kind for info in sample.extracts()] == ["epraccur", "ets", "etr"] or [
        info.kind for info in sample.extracts()
    ] == sorted(info.kind for info in sample.extracts())


@pytest.mark.parametrize(
    ("rows", "line", "text"),
    [
        ([row(), row("A81002")[:26]], 2, "27 columns"),
        ([row(), [*row("A81002"), ""]], 2, "27 columns"),
        ([row("A8100$")], 1, "ODS code"),
        ([row(), row()], 2, "twice"),
        ([row(name="")], 1, "name"),
        ([row(c10="1974-04-01")], 1, "YYYYMMDD"),
        ([row(c11="20230230")], 1, "calendar"),
        ([row(c12="X")], 1, "status"),
        ([row(), row(), row("A81003", c9="x\x01")], 2, "twice"),
        ([row(), row("A81002"), row("A81003", c1="BAD\x07NAME")], 3, "control"),
    ],
)
def test_a_malformed_row_is_reported_with_its_line(rows: list[list[str]], line: int, text: str) -> None:
    register = OfflineOdsRegister()
    with pytest.raises(MalformedExtract) as caught:
        register.load(csv_bytes(*rows), kind="epraccur")
    assert caught.value.line == line
    assert text in str(caught.value)
    assert len(register) == 0  # nothing half-loaded
    register.close()


def test_broken_quoting_and_encoding() -> None:
    register = OfflineOdsRegister()
    good = csv_bytes(row())
    with pytest.raises(MalformedExtract) as caught:
        register.load(good + b'"A81002","UNCLOSED\r\n', kind="epraccur")
    assert caught.value.line >= 2
    with pytest.raises(MalformedExtract) as caught:
        register.load(
            good + csv_bytes(row("A81002", name="CAF\xc9")).replace(b"\xc3\x89", b"\xc9"), kind="epraccur"
        )
    assert caught.value.line == 2
    assert "utf-8" in str(caught.value)
    latin = csv_bytes(row("A81002")).replace(b"SURGERY", "SURGÉRY".encode("latin-1"))
    assert register.load(latin, kind="epraccur", encoding="latin-1") == 1
    assert register.get_organisation("A81002").name == "THE DENSHAM SURGÉRY"
    with pytest.raises(MalformedExtract, match="no rows"):
        register.load(b"\r\n", kind="epraccur")
    assert register.load(b"", kind="epraccur", allow_empty=True) == 0
    register.close()


def test_reload_replaces_atomically() -> None:
    register = OfflineOdsRegister()
    register.load(csv_bytes(row("A81001"), row("A81002")), kind="epraccur")
    register.load(sample_extract("etr-sample.csv"), kind="etr")
    # a bad newer extract: the old one stays, whole
    with pytest.raises(MalformedExtract):
        register.load(csv_bytes(row("A81003"), row("A81004")[:3]), kind="epraccur")
    assert codes(register.search_organisations(role="RO76")) == ["A81001", "A81002"]
    # a good newer extract replaces the old one (A81001 closed, A81002 gone, A81005 new); etr untouched
    register.load(csv_bytes(row("A81001", c12="C", c11="20200101"), row("A81005")), kind="epraccur")
    assert codes(register.search_organisations(role="RO76")) == ["A81001", "A81005"]
    assert not register.get_organisation("A81001").active
    assert register.lookup("A81002") is None
    assert len(register.search_data(role="RO197")) == 3
    register.close()


def test_readers_never_see_a_half_loaded_extract(tmp_path: Path) -> None:
    path = tmp_path / "ods.sqlite"
    writer = OfflineOdsRegister(path)
    first = csv_bytes(*(row(f"A{n:05d}") for n in range(3000)))
    second = csv_bytes(*(row(f"B{n:05d}") for n in range(3000)))
    writer.load(first, kind="epraccur")
    seen: set[int] = set()
    stop = threading.Event()
    started = threading.Event()

    def watch() -> None:
        reader = sqlite3.connect(path, timeout=10)
        while not stop.is_set():
            (count,) = reader.execute("SELECT COUNT(*) FROM organisation").fetchone()
            seen.add(count)
            started.set()
        reader.close()

    thread = threading.Thread(target=watch)
    thread.start()
    started.wait(5)
    for extract in (second, first, second):
        writer.load(extract, kind="epraccur")
    stop.set()
    thread.join()
    assert seen == {3000}
    writer.close()


def test_file_database_persists(tmp_path: Path) -> None:
    path = tmp_path / "ods.sqlite"
    with OfflineOdsRegister.from_extract(sample_extract(), kind="epraccur", database=path) as register:
        assert len(register) == 8
    with OfflineOdsRegister(path) as again:
        assert again.get_organisation("Y12345").name == "TREVELYAN SQUARE MEDICAL CENTRE"
        assert [info.rows for info in again.extracts()] == [8]
        assert "file" in repr(again)


def test_sources_path_zip_and_file_object(tmp_path: Path) -> None:
    csv_path = tmp_path / "epraccur.csv"
    csv_path.write_bytes(sample_extract())
    with OfflineOdsRegister() as register:
        assert register.load(csv_path) == 8  # kind from the file name
        assert register.extracts()[0].roles == ("RO177", "RO76")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("etr.csv", sample_extract("etr-sample.csv"))
    zip_path = tmp_path / "etr.zip"
    zip_path.write_bytes(archive.getvalue())
    with OfflineOdsRegister() as register:
        assert register.load(zip_path) == 3
        assert register.extracts()[0].kind == "etr"
        with open(csv_path, "rb") as handle:
            assert register.load(handle, kind="epraccur") == 8
        assert register.load(sample_extract(), kind="mylist", roles=["RO72"]) == 8
        assert len(register.search_data(role="RO72")) == 8
        with pytest.raises(ValueError, match="kind"):
            register.load(sample_extract())
        with pytest.raises(ValueError, match="kind"):
            register.load(sample_extract(), kind="Bad Kind")
        with pytest.raises(InvalidParameter):
            register.load(sample_extract(), kind="x", roles=["GP"])
        with pytest.raises(MalformedExtract, match="zip"):
            register.load(b"PK\x03\x04garbage", kind="x")
        with pytest.raises(TypeError):
            register.load(12345)  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=2000))
def test_arbitrary_bytes_load_or_raise_malformed(data: bytes) -> None:
    with OfflineOdsRegister() as register:
        try:
            register.load(data, kind="epraccur", allow_empty=True)
        except MalformedExtract as error:
            assert error.line >= 0
            assert len(register) == 0


@settings(max_examples=100, deadline=None)
@given(fields=st.lists(st.text(max_size=30), min_size=EXTRACT_COLUMNS, max_size=EXTRACT_COLUMNS))
def test_arbitrary_rows_load_or_raise_malformed(fields: list[str]) -> None:
    import csv

    buffer = io.StringIO()
    csv.writer(buffer).writerow(fields)
    with OfflineOdsRegister() as register:
        try:
            count = register.load(buffer.getvalue().encode("utf-8", "surrogatepass"), kind="epraccur")
        except MalformedExtract:
            assert len(register) == 0
        else:
            assert count == 1


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=50))
def test_hostile_queries(text: str) -> None:
    with OfflineOdsRegister.sample() as register:
        for kwargs in ({"name": text}, {"postcode": text}, {"role": text}, {"status": text}):
            with contextlib.suppress(InvalidParameter):
                list(register.search_organisations(**kwargs))
        with contextlib.suppress(InvalidParameter):
            register.lookup(text)


def test_a_file_that_is_not_a_register_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ValueError, match="SQLite"):
        OfflineOdsRegister(junk)
    other = tmp_path / "other.sqlite"
    connection = sqlite3.connect(other)
    connection.execute("CREATE TABLE something (x)")
    connection.commit()
    connection.close()
    with pytest.raises(ValueError, match="offline ODS register"):
        OfflineOdsRegister(other)


# -- the fast path: models built from the values checked on loading ---------------------------------


def revalidated(value: object) -> object:
    """*value* rebuilt through every constructor's checks (nested models and identifiers too)."""
    if isinstance(value, Extras):
        return Extras(value.thaw())
    if isinstance(value, tuple):
        return tuple(revalidated(item) for item in value)
    if attrs.has(type(value)):
        changes = {
            field.name.lstrip("_"): revalidated(getattr(value, field.name))
            for field in attrs.fields(type(value))
            if field.init
        }
        return type(value)(**changes)
    return value


def assert_fast_path_agrees(register: OfflineOdsRegister, code: str) -> None:
    fast = register.lookup(code)
    checked = _adapters.organisation(register.lookup_data(code))  # type: ignore[arg-type]
    assert fast == checked
    assert list(fast.extras["ods"]) == list(checked.extras["ods"])  # same keys, same order
    assert revalidated(fast) == fast  # every value passes the models' own checks
    assert nhsstd_json.from_json(nhsstd_json.to_json(fast), Organisation) == fast
    assert hash(fast) == hash(checked)


def test_the_fast_path_gives_the_checked_model_for_every_sample_row(sample: OfflineOdsRegister) -> None:
    codes_seen = [info for info in sample.search_data()]
    assert len(codes_seen) == 14
    for data in codes_seen:
        assert_fast_path_agrees(sample, data.code)
    searched = list(sample.search_organisations())
    assert searched == [_adapters.organisation(data) for data in codes_seen]


_FIELD_TEXT = st.one_of(
    st.sampled_from(["", "LEEDS", "  padded  ", "A\u00a0B", "zero\u200bwidth", "line\nbreak", "café", "x,y"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
)
_POSTCODES = st.one_of(
    st.sampled_from(
        ["LS1 6AE", "ls16ae", "LS1  6AE", "ZZ99 3VZ", "zz993cz", "NOT A POSTCODE", "", "SW1A 1AA"]
    ),
    _FIELD_TEXT,
)


@settings(max_examples=150, deadline=None)
@given(
    name=_FIELD_TEXT.filter(lambda text: bool(text.strip())),
    lines=st.lists(_FIELD_TEXT, min_size=3, max_size=3),
    town=_FIELD_TEXT,
    county=_FIELD_TEXT,
    postcode=_POSTCODES,
    phone=_FIELD_TEXT,
    status=st.sampled_from(["A", "c", "", "D", "P"]),
    dates=st.lists(st.sampled_from(["", "19740401", "20991231", "20000229"]), min_size=4, max_size=4),
    extra=st.lists(_FIELD_TEXT, min_size=14, max_size=14),
)
def test_the_fast_path_gives_the_checked_model_for_any_row(
    name: str,
    lines: list[str],
    town: str,
    county: str,
    postcode: str,
    phone: str,
    status: str,
    dates: list[str],
    extra: list[str],
) -> None:
    import csv

    fields = row("A81001", name, c4=lines[0], c5=lines[1], c6=lines[2], c7=town, c8=county, c9=postcode)
    fields[17], fields[12], fields[14] = phone, status, "X2W"
    fields[10], fields[11], fields[15], fields[16] = dates
    for index, value in zip((2, 3, 13, 18, 19, 20, 21, 22, 23, 24, 25, 26), extra, strict=False):
        fields[index] = value
    buffer = io.StringIO()
    csv.writer(buffer).writerow(fields)
    with OfflineOdsRegister() as register:
        try:
            register.load(buffer.getvalue().encode("utf-8"), kind="epraccur")
        except MalformedExtract:
            return  # a control character or the like: refused, nothing to look up
        assert_fast_path_agrees(register, "A81001")
        stored = register._conn.execute(
            "SELECT postcode_compact FROM organisation WHERE code = 'A81001'"
        ).fetchone()[0]
        assert stored == "".join(postcode.strip().split()).upper()  # what postcode searches match


def test_a_code_is_upper_cased_in_ascii_only() -> None:
    with OfflineOdsRegister() as register:
        register.load(csv_bytes(row("a81001")), kind="epraccur")
        assert register.get_organisation("A81001").ods_code.compact == "A81001"
        for code in ("A8100ß", "ﬀ1234"):  # str.upper() would make "A8100SS" and "FF1234"
            with pytest.raises(MalformedExtract, match="ODS code"):
                register.load(csv_bytes(row(code)), kind="epraccur")


def test_unpaired_surrogates_are_refused() -> None:
    text = csv_bytes(row(), row("A81002", name="BAD \\ud800 NAME")).decode()
    with OfflineOdsRegister() as register, pytest.raises(MalformedExtract, match="surrogate") as caught:
        register.load(text.encode("ascii"), kind="epraccur", encoding="unicode_escape")
    assert caught.value.line == 2


def test_a_code_is_cached_from_its_second_lookup() -> None:
    with OfflineOdsRegister.sample() as register:
        first = register.lookup("Y12345")
        second = register.lookup("Y12345")
        third = register.lookup("Y12345")
        assert first == second
        assert third is second  # the cached (immutable) model
        register.load(csv_bytes(row("Y12345", name="RENAMED PRACTICE")), kind="epraccur")
        assert register.get_organisation("Y12345").name == "RENAMED PRACTICE"  # the cache was emptied


def test_a_register_file_of_the_first_layout_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE organisation (code TEXT PRIMARY KEY)")
    connection.execute("PRAGMA user_version = 1")
    connection.commit()
    connection.close()
    with pytest.raises(ValueError, match="older layout"):
        OfflineOdsRegister(path)


def test_a_register_file_of_the_second_layout_is_refused(tmp_path: Path) -> None:
    # Version 2 keyed organisations by code alone; its rows cannot say which extract a
    # shared code came from, so the file is refused like any other layout (load it again).
    path = tmp_path / "v2.sqlite"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE organisation (code TEXT PRIMARY KEY, kind TEXT NOT NULL) WITHOUT ROWID")
    connection.execute("CREATE TABLE extract (kind TEXT PRIMARY KEY, rows INTEGER NOT NULL)")
    connection.execute("PRAGMA user_version = 2")
    connection.commit()
    connection.close()
    with pytest.raises(ValueError, match="older layout"):
        OfflineOdsRegister(path)


# -- the other standard extracts ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "role"),
    [("egdpprac", ODSRole.GENERAL_DENTAL_PRACTICE), ("epcn", ODSRole.PRIMARY_CARE_NETWORK),
     ("eccg", ODSRole.CLINICAL_COMMISSIONING_GROUP)],
)
def test_the_roles_of_the_other_standard_extracts(tmp_path: Path, kind: str, role: ODSRole) -> None:
    path = tmp_path / f"{kind}.csv"
    path.write_bytes(csv_bytes(row("V00001", "SYNTHETIC ORGANISATION")))
    with OfflineOdsRegister() as register:
        assert register.load(path) == 1  # the kind from the file name, the role from the kind
        assert [info.kind for info in register.extracts()] == [kind]
        organisation = register.get_organisation("V00001")
        assert organisation.roles == (role,)
        assert organisation.primary_role == role
        assert register.roles() == [role.code]


def test_an_extract_of_unknown_roles_needs_roles() -> None:
    with OfflineOdsRegister() as register:
        with pytest.raises(InvalidParameter, match="roles=") as caught:
            register.load(csv_bytes(row()), kind="edispensary")
        assert caught.value.parameter == "roles"
        assert len(register) == 0
        assert register.extracts() == []
        assert register.load(csv_bytes(row()), kind="edispensary", roles=["RO177", "RO72"]) == 1
        assert register.load(csv_bytes(row("A81002")), kind="mylist", roles=()) == 1  # explicitly none
        assert register.get_organisation("A81002").roles == ()


# -- several extracts: one organisation per code ------------------------------------------------------

DISPENSARY_ROLES = ("RO177", "RO72")  # (made up for the tests: the kind has no default roles)


def load_dispensary(register: OfflineOdsRegister, *rows: list[str]) -> int:
    return register.load(csv_bytes(*rows), kind="edispensary", roles=DISPENSARY_ROLES, allow_empty=True)


def role_codes(organisation: Organisation | None) -> list[str]:
    assert organisation is not None
    return [role.code for role in organisation.roles]


@pytest.fixture
def shared() -> OfflineOdsRegister:
    """A81001 in epraccur and edispensary (different records); A81002 in epraccur, D00001 in edispensary."""
    register = OfflineOdsRegister()
    load_dispensary(
        register,
        row("A81001", "DENSHAM DISPENSARY", c9="TS17 6BH", c10="20150101"),
        row("D00001", "VILLAGE DISPENSARY"),
    )
    register.load(csv_bytes(row("A81001"), row("A81002", "QUEENS PARK SURGERY", c12="C")), kind="epraccur")
    yield register
    register.close()


def test_a_code_in_two_extracts_is_one_organisation(shared: OfflineOdsRegister) -> None:
    practice = shared.get_organisation("A81001")
    # the record is epraccur's (it comes first in EXTRACT_ROLES, whatever the load order) ...
    assert practice.name == "THE DENSHAM SURGERY"
    assert str(practice.address.postcode) == "TS18 1HU"  # type: ignore[union-attr]
    assert practice.extras["ods"]["source"] == "extract:epraccur"
    assert practice.extras["ods"]["open_date"] == "1974-04-01"
    # ... and the roles are both extracts', epraccur's first, each once
    assert role_codes(practice) == ["RO177", "RO76", "RO72"]
    assert practice.primary_role == ODSRole.PRESCRIBING_COST_CENTRE
    data = shared.lookup_data("A81001")
    assert data is not None
    assert data.roles == ("RO177", "RO76", "RO72")
    assert data.source == "extract:epraccur"
    assert_fast_path_agrees(shared, "A81001")
    # a code in one extract keeps that extract's record and roles
    assert role_codes(shared.lookup("D00001")) == ["RO177", "RO72"]
    assert role_codes(shared.lookup("A81002")) == ["RO177", "RO76"]


def test_searches_and_counts_see_each_organisation_once(shared: OfflineOdsRegister) -> None:
    assert len(shared) == 3
    assert "3 organisations" in repr(shared)
    assert codes(shared.search_organisations()) == ["A81001", "A81002", "D00001"]
    assert [data.code for data in shared.search_data()] == ["A81001", "A81002", "D00001"]
    # found by a role of either extract
    assert codes(shared.search_organisations(role="RO76")) == ["A81001", "A81002"]
    assert codes(shared.search_organisations(role="RO72")) == ["A81001", "D00001"]
    assert codes(shared.search_organisations(role="RO177")) == ["A81001", "A81002", "D00001"]
    assert shared.count(role="RO177") == 3
    assert shared.count() == 3
    # limit and offset count organisations
    assert [codes(shared.search_organisations(limit=1, offset=n)) for n in range(4)] == [
        ["A81001"], ["A81002"], ["D00001"], [],
    ]
    # the record's fields are matched as returned: the chosen extract's, not the other's
    assert codes(shared.search_organisations(name="densham")) == ["A81001"]
    assert codes(shared.search_organisations(name="densham dispensary")) == []
    assert codes(shared.search_organisations(postcode="TS17 6BH")) == []
    assert codes(shared.search_organisations(postcode="TS18")) == ["A81001", "A81002", "D00001"]
    assert shared.count(status="active") + shared.count(status="inactive") == len(shared)
    assert shared.changed_since(datetime.date(2010, 1, 1)) == []  # A81001's 2015 date is edispensary's
    assert shared.roles() == ["RO72", "RO76", "RO177"]
    assert [(info.kind, info.rows) for info in shared.extracts()] == [("edispensary", 2), ("epraccur", 2)]


def test_the_load_order_does_not_matter(shared: OfflineOdsRegister) -> None:
    with OfflineOdsRegister() as other:
        other.load(csv_bytes(row("A81001"), row("A81002", "QUEENS PARK SURGERY", c12="C")), kind="epraccur")
        load_dispensary(
            other,
            row("A81001", "DENSHAM DISPENSARY", c9="TS17 6BH", c10="20150101"),
            row("D00001", "VILLAGE DISPENSARY"),
        )
        assert list(other.search_organisations()) == list(shared.search_organisations())


def test_unknown_kinds_come_after_the_known_ones_in_alphabetical_order() -> None:
    with OfflineOdsRegister() as register:
        register.load(csv_bytes(row("A81001", "FROM ZLIST")), kind="zlist", roles=["RO7"])
        register.load(csv_bytes(row("A81001", "FROM ALIST")), kind="alist", roles=["RO87"])
        assert register.get_organisation("A81001").name == "FROM ALIST"
        assert role_codes(register.lookup("A81001")) == ["RO87", "RO7"]
        register.load(csv_bytes(row("A81001", "FROM ETS")), kind="ets")  # known: before "alist"
        assert register.get_organisation("A81001").name == "FROM ETS"
        assert role_codes(register.lookup("A81001")) == ["RO198", "RO87", "RO7"]
        assert len(register) == 1


def test_emptying_or_reloading_one_kind_keeps_the_others(shared: OfflineOdsRegister) -> None:
    # edispensary emptied: A81001 stays, with epraccur's record and roles only
    assert load_dispensary(shared) == 0
    assert codes(shared.search_organisations()) == ["A81001", "A81002"]
    assert role_codes(shared.lookup("A81001")) == ["RO177", "RO76"]
    assert shared.count(role="RO72") == 0
    assert shared.roles() == ["RO76", "RO177"]
    assert_fast_path_agrees(shared, "A81001")
    # edispensary again, now with A81002 (not A81001)
    load_dispensary(shared, row("A81002", "QUEENS PARK DISPENSARY"), row("D00001", "VILLAGE DISPENSARY"))
    assert role_codes(shared.lookup("A81001")) == ["RO177", "RO76"]
    assert role_codes(shared.lookup("A81002")) == ["RO177", "RO76", "RO72"]
    assert shared.get_organisation("A81002").name == "QUEENS PARK SURGERY"
    assert codes(shared.search_organisations(role="RO72")) == ["A81002", "D00001"]
    # epraccur emptied: A81002 stays, now edispensary's record; A81001 is gone
    shared.load(b"", kind="epraccur", allow_empty=True)
    assert shared.lookup("A81001") is None
    practice = shared.get_organisation("A81002")
    assert practice.name == "QUEENS PARK DISPENSARY"
    assert practice.active  # edispensary's status, not epraccur's "C"
    assert role_codes(practice) == ["RO177", "RO72"]
    assert practice.extras["ods"]["source"] == "extract:edispensary"
    assert_fast_path_agrees(shared, "A81002")
    assert len(shared) == 2
    assert [(info.kind, info.rows) for info in shared.extracts()] == [("edispensary", 2), ("epraccur", 0)]
    # epraccur reloaded: its record is A81002's again
    shared.load(csv_bytes(row("A81002", "QUEENS PARK SURGERY")), kind="epraccur")
    assert shared.get_organisation("A81002").name == "QUEENS PARK SURGERY"
    assert role_codes(shared.lookup("A81002")) == ["RO177", "RO76", "RO72"]
    assert len(shared) == 2


def test_a_malformed_load_leaves_every_kind_intact(shared: OfflineOdsRegister) -> None:
    before = list(shared.search_organisations())
    broken = [row("A81001"), row("A81003")[:5]]
    with pytest.raises(MalformedExtract):
        load_dispensary(shared, *broken)
    with pytest.raises(MalformedExtract):
        shared.load(csv_bytes(*broken), kind="epraccur")
    assert list(shared.search_organisations()) == before
    assert role_codes(shared.lookup("A81001")) == ["RO177", "RO76", "RO72"]
    assert [(info.kind, info.rows) for info in shared.extracts()] == [("edispensary", 2), ("epraccur", 2)]


def test_the_cache_never_serves_a_stale_merged_organisation(shared: OfflineOdsRegister) -> None:
    def cached(code: str) -> Organisation:
        first, second = shared.lookup(code), shared.lookup(code)
        assert first is not None
        assert shared.lookup(code) is second  # (cached from the second lookup)
        return first

    assert role_codes(cached("A81001")) == ["RO177", "RO76", "RO72"]
    assert cached("D00001").name == "VILLAGE DISPENSARY"
    load_dispensary(shared, row("D00001", "RENAMED DISPENSARY"))  # A81001 no longer in edispensary
    assert role_codes(shared.lookup("A81001")) == ["RO177", "RO76"]
    assert shared.get_organisation("D00001").name == "RENAMED DISPENSARY"
    assert role_codes(cached("A81001")) == ["RO177", "RO76"]
    load_dispensary(shared, row("A81001", "DENSHAM DISPENSARY"))  # back in edispensary
    assert role_codes(shared.lookup("A81001")) == ["RO177", "RO76", "RO72"]
    assert shared.lookup("D00001") is None
    cached("A81001")
    shared.load(b"", kind="epraccur", allow_empty=True)  # now edispensary's record
    assert shared.get_organisation("A81001").name == "DENSHAM DISPENSARY"
    with pytest.raises(MalformedExtract):  # a failed load changes nothing: the cache stays right
        shared.load(csv_bytes(row("A81001"), row("A81001")), kind="epraccur")
    assert shared.get_organisation("A81001").name == "DENSHAM DISPENSARY"


# The oracle of the property test below, written out rather than taken from the module.
_PRECEDENCE = ("epraccur", "ets", "alist", "edispensary", "zlist")
_KIND_ROLES = {
    "epraccur": ("RO177", "RO76"),
    "ets": ("RO198",),
    "alist": ("RO87", "RO177"),
    "edispensary": DISPENSARY_ROLES,
    "zlist": ("RO7",),
}
_SHARED_CODES = ("A81001", "A81002", "A81003", "B82001")
_LOADS = st.lists(
    st.tuples(
        st.sampled_from(_PRECEDENCE),
        st.dictionaries(
            st.sampled_from(_SHARED_CODES),
            st.tuples(st.sampled_from(["NORTH", "SOUTH"]), st.sampled_from(["A", "C"])),
            max_size=len(_SHARED_CODES),
        ),
        st.booleans(),  # a malformed extract (refused: nothing changes)
    ),
    min_size=1,
    max_size=6,
)


def assert_combined(register: OfflineOdsRegister, loaded: dict[str, dict[str, tuple[str, str]]]) -> None:
    """The register holds what the extracts in *loaded* (kind -> code -> (word, status)) combine into."""
    expected: dict[str, tuple[str, str, str, list[str]]] = {}  # code -> (kind, word, status, roles)
    for code in _SHARED_CODES:
        kinds = [kind for kind in _PRECEDENCE if code in loaded.get(kind, {})]
        if kinds:
            roles: list[str] = []
            for kind in kinds:
                roles.extend(role for role in _KIND_ROLES[kind] if role not in roles)
            expected[code] = (kinds[0], *loaded[kinds[0]][code], roles)
    for code in _SHARED_CODES:
        organisation = register.lookup(code)
        if code not in expected:
            assert organisation is None
            continue
        kind, word, status, roles = expected[code]
        assert organisation is not None
        assert organisation.name == f"{word} {kind.upper()}"
        assert organisation.active == (status == "A")
        assert role_codes(organisation) == roles
        assert organisation.extras["ods"]["source"] == f"extract:{kind}"
        assert_fast_path_agrees(register, code)
    assert len(register) == register.count() == len(expected)
    assert codes(register.search_organisations()) == sorted(expected)
    assert [
        code for offset in range(len(expected) + 1)
        for code in codes(register.search_organisations(limit=1, offset=offset))
    ] == sorted(expected)
    for role in sorted({role for roles in _KIND_ROLES.values() for role in roles}):
        having = sorted(code for code, (*_, roles) in expected.items() if role in roles)
        assert codes(register.search_organisations(role=role)) == having
        assert register.count(role=role) == len(having)
    for word in ("NORTH", "SOUTH"):
        named = sorted(code for code, (_, name, *_) in expected.items() if name == word)
        assert codes(register.search_organisations(name=word)) == named
    active = sorted(code for code, (_, _, status, _) in expected.items() if status == "A")
    assert codes(register.search_organisations(status="active")) == active
    assert register.count(status="inactive") == len(expected) - len(active)
    assert {info.kind: info.rows for info in register.extracts()} == {
        kind: len(rows) for kind, rows in loaded.items()
    }


@settings(max_examples=60, deadline=None)
@given(loads=_LOADS)
def test_several_extracts_combine_whatever_the_loads(
    loads: list[tuple[str, dict[str, tuple[str, str]], bool]],
) -> None:
    loaded: dict[str, dict[str, tuple[str, str]]] = {}
    with OfflineOdsRegister() as register:
        for kind, records, malformed in loads:
            rows = [
                row(code, f"{word} {kind.upper()}", c12=status)
                for code, (word, status) in records.items()
            ]
            roles = None if kind in ("epraccur", "ets") else _KIND_ROLES[kind]
            if malformed:
                with pytest.raises(MalformedExtract):
                    register.load(csv_bytes(*rows, row("Z99999")[:3]), kind=kind, roles=roles)
            else:
                register.load(csv_bytes(*rows), kind=kind, roles=roles, allow_empty=True)
                loaded[kind] = records
            for code in _SHARED_CODES:  # twice each: the second lookup is cached, and the next load
                register.lookup(code)  # must not leave a stale model behind
                register.lookup(code)
            assert_combined(register, loaded)


# -- freshness across registers and processes (issue 14) ------------------------------------------


def renamed(count: int, name: str) -> bytes:
    return csv_bytes(*(row(f"A{n:05d}", name) for n in range(count)))


def test_another_register_on_the_file_answers_from_the_new_extract_after_a_load(tmp_path: Path) -> None:
    path = tmp_path / "ods.sqlite"
    with OfflineOdsRegister(path) as loader, OfflineOdsRegister(path) as reader:
        loader.load(renamed(10, "OLD NAME"), kind="epraccur")
        for _ in range(3):  # cached from the second lookup
            assert reader.get_organisation("A00001").name == "OLD NAME"
        loader.load(renamed(10, "NEW NAME"), kind="epraccur")
        assert reader.get_organisation("A00001").name == "NEW NAME"
        assert reader.count(name="NEW NAME") == 10
        # and the loader's own cache
        assert loader.get_organisation("A00001").name == "NEW NAME"


def test_a_register_answers_from_an_extract_another_process_loaded(tmp_path: Path) -> None:
    path = tmp_path / "ods.sqlite"
    extract = tmp_path / "epraccur.csv"
    extract.write_bytes(renamed(10, "FROM THE OTHER PROCESS"))
    with OfflineOdsRegister(path) as register:
        register.load(renamed(10, "OLD NAME"), kind="epraccur")
        for _ in range(3):
            assert register.get_organisation("A00001").name == "OLD NAME"
        script = (
            "import sys\n"
            "from nhsstd.registers.ods_offline import OfflineOdsRegister\n"
            "with OfflineOdsRegister(sys.argv[1]) as other:\n"
            "    other.load(sys.argv[2], kind='epraccur')\n"
        )
        subprocess.run([sys.executable, "-c", script, str(path), str(extract)], check=True, timeout=60)
        assert register.get_organisation("A00001").name == "FROM THE OTHER PROCESS"


def load_holds_the_write_lock(probe: sqlite3.Connection) -> bool:
    """Whether another connection holds the file's write lock (SQLite: BEGIN IMMEDIATE fails)."""
    try:
        probe.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return True
    probe.execute("ROLLBACK")
    return False


@pytest.mark.parametrize("same_register", [True, False], ids=["same register", "another register"])
def test_readers_do_not_wait_for_a_whole_load(tmp_path: Path, same_register: bool) -> None:
    # WAL mode: a reader never waits for the writer.  Rather than time the lookups (which a
    # loaded machine can stall), count those that start and end while the load's write
    # transaction holds the lock: a reader that waited for the load's commit (as a register
    # once did, holding its readers for the write) never finishes one inside it.
    path = tmp_path / "ods.sqlite"
    big = 20_000
    with OfflineOdsRegister(path) as loader, OfflineOdsRegister(path) as other:
        reader = loader if same_register else other
        loader.load(renamed(big, "OLD NAME"), kind="epraccur")
        new = renamed(big, "NEW NAME")
        names: list[str] = []
        inside = 0
        done = threading.Event()
        probe = sqlite3.connect(path, timeout=0, isolation_level=None)

        def load() -> None:
            try:
                loader.load(new, kind="epraccur")
            finally:
                done.set()

        thread = threading.Thread(target=load)
        thread.start()
        try:
            while not done.is_set():
                if not load_holds_the_write_lock(probe):
                    names.append(reader.get_organisation("A00007").name)
                    continue
                names.append(reader.get_organisation("A00007").name)
                if load_holds_the_write_lock(probe) and not done.is_set():
                    inside += 1
        finally:
            thread.join()
            probe.close()
        assert reader.get_organisation("A00007").name == "NEW NAME"
    assert set(names) <= {"OLD NAME", "NEW NAME"}  # one extract or the other, never a mix
    assert len(names) > 10  # the reader went on answering during the load
    assert inside >= 1, (inside, len(names))


@contextlib.contextmanager
def write_lock_held(path: Path) -> Iterator[None]:
    """Another connection holding the database's write lock, as a load does for its whole commit."""
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_opening_a_register_does_not_wait_for_another_connections_load(tmp_path: Path) -> None:
    # SQLite WAL mode: readers never wait for the writer, so opening an existing register
    # (whose tables are already at the current layout) must not write anything.
    path = tmp_path / "ods.sqlite"
    with OfflineOdsRegister(path) as loader:
        loader.load(renamed(10, "OLD NAME"), kind="epraccur")
    with write_lock_held(path):
        started = time.monotonic()
        with OfflineOdsRegister(path) as reader:
            assert reader.get_organisation("A00007").name == "OLD NAME"
        assert time.monotonic() - started < 1.0  # (SQLite's busy wait is 5 s)


def test_a_new_register_file_that_stays_locked_is_a_typed_error(tmp_path: Path) -> None:
    path = tmp_path / "ods.sqlite"
    sqlite3.connect(path).close()  # an empty database: its tables must be written
    with write_lock_held(path), pytest.raises(RegisterTimeout, match="locked"):
        OfflineOdsRegister(path)

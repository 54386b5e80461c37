"""``nhsstd.columns.spark`` on a real local Spark session (``local[2]``, started here).

One session for the module, small DataFrames: the point is that the pandas
UDFs run on Spark executors and give exactly the scalar results.
"""

from __future__ import annotations

import csv
import os
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import DataFrame, SparkSession

from nhsstd import identifiers
from nhsstd.columns import _check, _kinds
from nhsstd.columns import spark as nhsstd_spark
from nhsstd.exceptions import ValidationError

KINDS = {
    "nhs": "nhs_number",
    "chi": "chi_number",
    "pc": "postcode",
    "ods": "ods_code",
    "gmc": "gmc_number",  # a kind without a vectorised kernel
}


def scalar(kind: str, value: str | None) -> tuple[str | None, str | None]:
    if value is None:
        return None, None
    try:
        return identifiers.module_for(kind).validate(value), None
    except ValidationError as error:
        return None, error.reason.value


def sample_values(rng: random.Random) -> list[str | None]:
    values: list[str | None] = []
    from nhsstd.identifiers import nhs_number

    for _ in range(150):
        number = nhs_number.generate(rng)
        values += [number, f"{number[:3]} {number[3:6]} {number[6:]}", number[:9] + "0"]
    values += [
        None,
        "",
        "  ",
        "943\u00a0476\u00a05919",
        "\uff19434765919",
        "1904851231",
        "0101201234",
        "3201201234",
        "sw1a 1aa",
        "ZZ99 3VZ",
        "QA1 1AA",
        "a81001",
        "RR 8",
        "1234567",
        "7654321",
        "\x00",
    ]
    return values


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("nhsstd-columns-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "128")  # several Arrow batches per partition
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate()
    )
    yield session
    session.stop()


@pytest.fixture(scope="module")
def frame(spark: SparkSession) -> tuple[DataFrame, list[str | None]]:
    values = sample_values(random.Random(11))
    rows = [tuple(value for _ in KINDS) for value in values]
    schema = ", ".join(f"{name} string" for name in KINDS)
    return spark.createDataFrame(rows, schema), values


def test_with_validation_matches_the_scalar_functions(frame: tuple[DataFrame, list[Any]]) -> None:
    df, values = frame
    checked = nhsstd_spark.with_validation(df, KINDS, compact=True)
    for name in KINDS:
        assert {f"{name}_valid", f"{name}_reason", f"{name}_compact"} <= set(checked.columns)
    rows = checked.collect()
    assert len(rows) == len(values)
    for row in rows:
        for name, kind in KINDS.items():
            value = row[name]
            compact, reason = scalar(kind, value)
            assert row[f"{name}_compact"] == compact, (kind, value)
            assert row[f"{name}_reason"] == reason, (kind, value)
            assert row[f"{name}_valid"] == (None if value is None else reason is None), (kind, value)


def test_is_valid_udf(frame: tuple[DataFrame, list[Any]]) -> None:
    df, _ = frame
    rows = df.select("nhs", nhsstd_spark.is_valid_udf("nhs-number")(df["nhs"]).alias("ok")).collect()
    for row in rows:
        _, reason = scalar("nhs_number", row["nhs"])
        assert row["ok"] == (None if row["nhs"] is None else reason is None)


def test_summarise_counts_outcomes_and_reasons(frame: tuple[DataFrame, list[Any]]) -> None:
    df, values = frame
    summary = nhsstd_spark.summarise(df, {"nhs": "nhs_number", "pc": "postcode"}).collect()
    for column, kind in (("nhs", "nhs_number"), ("pc", "postcode")):
        expected: dict[tuple[str, str | None], int] = {}
        for value in values:
            _, reason = scalar(kind, value)
            outcome = "missing" if value is None else "valid" if reason is None else "invalid"
            expected[(outcome, reason)] = expected.get((outcome, reason), 0) + 1
        got = {(r["outcome"], r["reason"]): r["count"] for r in summary if r["column"] == column}
        assert got == expected
        assert {r["kind"] for r in summary if r["column"] == column} == {kind}


def test_report_equals_the_local_check(spark: SparkSession, tmp_path: Path) -> None:
    # The same rows, in the same order, as a CSV checked locally and as a DataFrame of two
    # partitions (several Arrow batches each) checked on the executors.
    rng = random.Random(4)
    header = ("record", "nhs", "status", "birth", "death", "pc", "ethnic")
    rows: list[tuple[str | None, ...]] = []
    for index in range(700):
        number = identifiers.nhs_number.generate(rng)
        rows.append(
            (
                f"R{index}",
                rng.choice([number, number[:9] + "0", None, "  ", "9999999999", "943 476 5919"]),
                rng.choice(["01", "02", "1", None]),
                rng.choice(["1970-01-01", "2001-02-29", None, " \t", "1950-06-30", "1870-01-01"]),
                rng.choice(["1960-01-01", "2020-01-01", None]),
                rng.choice(["LS1 4AP", "ZZ99 3VZ", "QA1 1AA", None]),
                rng.choice(["A", "99", "Z", "ZZ", None]),
            )
        )
    path = tmp_path / "people.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([["" if value is None else value for value in row] for row in rows])
    kinds = {
        "nhs": "nhs_number",
        "status": "nhs-number-status-indicator-code",
        "birth": "birth_date",
        "death": "death_date",
        "pc": "address_postcode",
        "ethnic": "ethnic_category_england",
    }
    checks = [(name, _kinds.parse_kind(kind)) for name, kind in kinds.items()]
    local = _check.run_check(_check.open_source(str(path)), checks, max_failures=5, id_column="record")
    df = spark.createDataFrame(rows, ", ".join(f"{name} string" for name in header))
    assert df.rdd.getNumPartitions() == 2
    remote = nhsstd_spark.report(df, kinds, id_column="record", max_failures=5)
    assert remote.rows == local.rows == len(rows)
    assert [c.as_dict() for c in remote.columns] == [c.as_dict() for c in local.columns]
    assert [r.as_dict() for r in remote.rules] == [r.as_dict() for r in local.rules]
    assert {r.rule.name for r in remote.rules} == {
        "death_not_before_birth",
        "nhs_number_status_verified_without_number",
    }
    assert remote.score == local.score

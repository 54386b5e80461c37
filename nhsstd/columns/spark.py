"""Validate identifier columns of PySpark DataFrames (the ``spark`` extra).

The functions here wrap the kernels of :mod:`nhsstd.columns` in Arrow-backed
pandas UDFs, so Spark ships each partition to Python as Arrow batches and the
validation runs vectorised on the executors -- the same code, and therefore
the same results, as :func:`nhsstd.columns.validate` and the scalar functions.

* :func:`with_validation` adds ``<column>_valid`` (boolean, null where the
  value is null) and ``<column>_reason`` (a :class:`~nhsstd.exceptions.Reason`
  value, null where valid or null) columns, and optionally ``<column>_compact``;
* :func:`summarise` counts valid, invalid (per reason) and missing values;
* :func:`report` computes the whole data quality report of ``nhsstd check``
  (default values, scores, cross-field rules, first failures, trends) on the
  cluster, equal to the local report of the same rows in the same order;
* :func:`validate_udf` and :func:`is_valid_udf` are the UDFs themselves, for
  use in your own ``select`` / ``withColumn`` expressions.

Every executor needs nhsstd with the ``columns`` extra installed (on
Databricks: a cluster or notebook-scoped library); see ``docs/columns.rst``
for the recipe.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F  # noqa: N812 - the PySpark convention
from pyspark.sql.pandas.functions import pandas_udf as _pandas_udf
from pyspark.sql.types import BooleanType, StringType, StructField, StructType

from nhsstd.columns import _arrow, _check, _frames, _kinds
from nhsstd.columns import _kind as _kind_name
from nhsstd.columns._report import Tally

__all__ = ["RESULT_TYPE", "is_valid_udf", "report", "summarise", "validate_udf", "with_validation"]

#: Spark type returned by :func:`validate_udf`: the compact value and the reason.
RESULT_TYPE = StructType([StructField("compact", StringType()), StructField("reason", StringType())])

# code -> reason string; index -1 (a valid or null row) gives None.
_REASON_STRINGS = np.array([reason.value for reason in _arrow.REASONS] + [None], dtype=object)

ColumnFunction = Callable[..., Column]

# The overloads of pandas_udf key on pandas types, which are untyped here.
_make_udf: Any = _pandas_udf


def _validate_frame(values: pd.Series, kind: str) -> pd.DataFrame:
    result = _frames.pandas_result(values, kind, True)
    compact = result.values.to_numpy(zero_copy_only=False).astype(object)
    return pd.DataFrame({"compact": compact, "reason": _REASON_STRINGS[result.codes]})


def _is_valid_series(values: pd.Series, kind: str) -> pd.Series:
    result = _frames.pandas_result(values, kind, False)
    return pd.Series(pd.arrays.BooleanArray(result.codes == _arrow.VALID, ~result.present))


def validate_udf(kind: str) -> ColumnFunction:
    """A pandas UDF giving ``struct<compact: string, reason: string>`` for identifier *kind*.

    ``compact`` is null where the value is invalid or null, ``reason`` null
    where it is valid or null.  The UDF is marked non-deterministic only so
    that Spark evaluates it once per row when several fields are selected.
    """
    name = _kind_name(kind)

    def validate_identifier(values: pd.Series) -> pd.DataFrame:
        return _validate_frame(values, name)

    udf: Any = _make_udf(validate_identifier, RESULT_TYPE)
    function: ColumnFunction = udf.asNondeterministic()
    return function


def is_valid_udf(kind: str) -> ColumnFunction:
    """A pandas UDF giving a boolean column: is each value a valid *kind*? Null stays null."""
    name = _kind_name(kind)

    def is_valid_identifier(values: pd.Series) -> pd.Series:
        return _is_valid_series(values, name)

    function: ColumnFunction = _make_udf(is_valid_identifier, BooleanType())
    return function


def with_validation(df: DataFrame, columns: Mapping[str, str], *, compact: bool = False) -> DataFrame:
    """Add validation columns to *df* for each ``{column: kind}`` in *columns*.

    For each column ``c``: ``c_valid`` (boolean; null where ``c`` is null) and
    ``c_reason`` (string; null where valid or null), plus ``c_compact`` (the
    compact value, null where invalid) when *compact* is true.
    """
    for column, kind in columns.items():
        scratch = f"__nhsstd_{column}"
        source = df[column]
        df = df.withColumn(scratch, validate_udf(kind)(source))
        reason = F.col(f"`{scratch}`").getField("reason")
        added = {
            f"{column}_valid": F.when(source.isNull(), F.lit(None).cast("boolean")).otherwise(
                reason.isNull()
            ),
            f"{column}_reason": reason,
        }
        if compact:
            added[f"{column}_compact"] = F.col(f"`{scratch}`").getField("compact")
        df = df.withColumns(added).drop(scratch)
    return df


def summarise(df: DataFrame, columns: Mapping[str, str]) -> DataFrame:
    """Counts per column: ``column``, ``kind``, ``outcome`` (valid/invalid/missing), ``reason``, ``count``."""
    parts: list[DataFrame] = []
    for column, kind in columns.items():
        checked = with_validation(df.select(column), {column: kind})
        valid = F.col(f"`{column}_valid`")
        outcome = F.when(valid.isNull(), "missing").when(valid, "valid").otherwise("invalid")
        parts.append(
            checked.groupBy(outcome.alias("outcome"), F.col(f"`{column}_reason`").alias("reason"))
            .count()
            .select(
                F.lit(column).alias("column"),
                F.lit(_kind_name(kind)).alias("kind"),
                "outcome",
                "reason",
                "count",
            )
        )
    if not parts:
        raise ValueError("no columns to summarise")
    result = parts[0]
    for part in parts[1:]:
        result = result.unionByName(part)
    return result


# --------------------------------------------------------------------------
# The data quality report

_STATE_SCHEMA = "partition int, state binary"


def report(
    df: DataFrame,
    columns: Mapping[str, str],
    *,
    id_column: str | None = None,
    max_failures: int = 10,
    unmask: bool = False,
    default_threshold: float = 0.0,
) -> _check.Report:
    """The data quality report of ``nhsstd check`` for the ``{column: kind}`` *columns* of *df*.

    Kinds are those of ``nhsstd check`` (identifiers, Data Dictionary code lists,
    ``birth_date``, ``address_postcode``...).  Each partition is counted on the
    executors, by the same code as a local check, and the partial counts are
    merged on the driver: the result equals the report of the same rows, in the
    same order, checked locally.  Row numbers follow the DataFrame's order (row
    1 is the first row of partition 0), so *df* is read twice -- once to count
    each partition's rows, once to check them -- and should be deterministic
    (a table or files, or cached).  Returns the report object that
    ``nhsstd check`` prints; ``report.columns[i].as_dict()`` and
    ``report.rules[i].as_dict()`` give its numbers.
    """
    checks = [(column, _kinds.parse_kind(kind)) for column, kind in columns.items()]
    options: dict[str, Any] = {
        "max_failures": max_failures,
        "id_column": id_column,
        "unmask": unmask,
        "default_threshold": default_threshold,
    }
    needed = Tally(checks, **options).needed_columns
    selected = df.select(*[F.col(f"`{name}`") for name in needed])
    counted = selected.groupBy(F.spark_partition_id().alias("partition")).count().collect()
    sizes: dict[int, int] = {int(row["partition"]): int(row["count"]) for row in counted}
    offsets: dict[int, int] = {}
    total = 0
    for partition in sorted(sizes):
        offsets[partition] = total
        total += sizes[partition]

    def tally_partition(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa  # type: ignore[import-untyped]
        from pyspark import TaskContext

        context = TaskContext.get()
        partition = context.partitionId() if context is not None else 0
        tally = Tally(checks, **options)
        first_row = offsets.get(partition, 0)
        for batch in batches:
            tally.add_batch(batch, first_row)
            first_row += batch.num_rows
        state = pickle.dumps(tally, protocol=pickle.HIGHEST_PROTOCOL)
        yield pa.RecordBatch.from_pydict(
            {"partition": pa.array([partition], pa.int32()), "state": pa.array([state], pa.binary())}
        )

    merged = Tally(checks, **options)
    parts = selected.mapInArrow(tally_partition, _STATE_SCHEMA).collect()
    for row in sorted(parts, key=lambda row: row["partition"]):
        merged.merge(pickle.loads(row["state"]))  # the tallies our own function built on the executors
    source = _check.Source(
        "<Spark DataFrame>",
        "spark",
        tuple(df.columns),
        None,
        None,
        0,
        total,
        "Spark DataFrame",
        "Spark DataFrame",
    )
    return _check.report_of(merged, source, total, False, tuple(merged.warnings))

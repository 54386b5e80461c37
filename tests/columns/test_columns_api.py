"""The shape of ``nhsstd.columns`` results: types in, the same types out; nulls; errors; imports."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from nhsstd import columns
from nhsstd.exceptions import Reason

NUMBERS = ["943 476 5919", "9434765918", None, "1234567890", "999-021-2538", ""]
COMPACT = ["9434765919", None, None, None, "9990212538", None]
REASONS = [None, "checksum", None, "check_digit_ten", None, "empty"]
VALID = [True, False, None, False, True, False]


def test_reason_categories_are_every_reason_in_order() -> None:
    assert tuple(reason.value for reason in Reason) == columns.REASON_CATEGORIES


@pytest.mark.parametrize("arrow_type", [pa.string(), pa.large_string(), pa.string_view()])
def test_pyarrow_array_types_are_kept(arrow_type: pa.DataType) -> None:
    array = pa.array(NUMBERS, type=arrow_type)
    values, reasons = columns.validate(array, "nhs_number")
    assert values.type == arrow_type
    assert values.to_pylist() == COMPACT
    assert reasons.type == pa.dictionary(pa.int8(), pa.string())
    assert reasons.to_pylist() == REASONS
    assert reasons.dictionary.to_pylist() == list(columns.REASON_CATEGORIES)
    valid = columns.is_valid(array, "nhs_number")
    assert valid.type == pa.bool_()
    assert valid.to_pylist() == VALID


def test_chunked_arrays_come_back_chunked() -> None:
    chunked = pa.chunked_array([NUMBERS[:2], NUMBERS[2:], []], type=pa.string())
    values, reasons = columns.validate(chunked, "nhs_number")
    assert isinstance(values, pa.ChunkedArray)
    assert isinstance(reasons, pa.ChunkedArray)
    assert values.num_chunks == reasons.num_chunks == 3
    assert values.to_pylist() == COMPACT
    assert reasons.to_pylist() == REASONS
    valid = columns.is_valid(chunked, "nhs_number")
    assert isinstance(valid, pa.ChunkedArray)
    assert valid.to_pylist() == VALID


def test_empty_columns() -> None:
    for empty in (pa.array([], pa.string()), pa.chunked_array([], pa.string())):
        values, reasons = columns.validate(empty, "nhs_number")
        assert len(values) == len(reasons) == 0
        assert len(columns.is_valid(empty, "postcode")) == 0


def test_sliced_arrays_respect_their_offset() -> None:
    array = pa.array(["junk", *NUMBERS, "9434765919"]).slice(1, len(NUMBERS))
    assert columns.validate(array, "nhs_number").values.to_pylist() == COMPACT
    assert columns.is_valid(array, "nhs_number").to_pylist() == VALID


def test_dictionary_arrays_are_validated_through_their_dictionary() -> None:
    array = pa.array(NUMBERS * 3).dictionary_encode()
    values, reasons = columns.validate(array, "nhs_number")
    assert values.type == pa.string()
    assert values.to_pylist() == COMPACT * 3
    assert reasons.to_pylist() == REASONS * 3


def test_non_string_values_are_not_a_string_as_in_the_scalar_functions() -> None:
    values, reasons = columns.validate(pa.array([9434765919, None]), "nhs_number")
    assert values.to_pylist() == [None, None]
    assert reasons.to_pylist() == ["not_a_string", None]
    assert columns.is_valid(pa.array([b"9434765919"]), "nhs_number").to_pylist() == [False]
    assert columns.validate(pa.nulls(2), "sctid").reasons.to_pylist() == [None, None]


def test_unknown_kind_and_unsupported_column_types() -> None:
    with pytest.raises(ValueError, match="unknown identifier kind"):
        columns.validate(pa.array(["x"]), "nhs_numbr")
    with pytest.raises(TypeError, match="pyarrow Array"):
        columns.validate(["9434765919"], "nhs_number")
    with pytest.raises(TypeError, match="polars Series"):
        columns.is_valid(np.array(["9434765919"]), "nhs_number")


def test_kind_accepts_the_command_line_spelling() -> None:
    assert columns.is_valid(pa.array(["9434765919"]), "NHS-Number").to_pylist() == [True]


# --------------------------------------------------------------------------
# pandas


@pytest.mark.parametrize(
    "dtype",
    [object, "string", pd.StringDtype("python"), pd.StringDtype("pyarrow"), pd.ArrowDtype(pa.string())],
)
def test_pandas_series_keep_index_name_and_string_dtype(dtype: object) -> None:
    series = pd.Series(NUMBERS, index=list("abcdef"), name="nhs", dtype=dtype)
    values, reasons = columns.validate(series, "nhs_number")
    assert list(values.index) == list(reasons.index) == list("abcdef")
    assert values.name == "nhs"
    assert reasons.name == "nhs_reason"
    if dtype is not object:
        assert values.dtype == series.dtype
    assert [None if pd.isna(v) else v for v in values] == COMPACT
    assert isinstance(reasons.dtype, pd.CategoricalDtype)
    assert list(reasons.cat.categories) == list(columns.REASON_CATEGORIES)
    assert [None if pd.isna(v) else v for v in reasons] == REASONS
    valid = columns.is_valid(series, "nhs_number")
    assert valid.dtype == "boolean"
    assert valid.name == "nhs_valid"
    assert [None if pd.isna(v) else bool(v) for v in valid] == VALID


def test_pandas_missing_markers_are_null_and_other_objects_are_not_strings() -> None:
    series = pd.Series(["9434765919", np.nan, pd.NA, None, 9434765919, b"9434765919", "\ud800"], dtype=object)
    values, reasons = columns.validate(series, "nhs_number")
    assert values.tolist() == ["9434765919", None, None, None, None, None, None]
    assert [None if pd.isna(v) else v for v in reasons] == [
        None,
        None,
        None,
        None,
        "not_a_string",
        "not_a_string",
        "invalid_character",
    ]


def test_pandas_numeric_and_categorical_columns() -> None:
    numbers = pd.Series([9434765919.0, np.nan])
    assert [None if pd.isna(v) else v for v in columns.validate(numbers, "nhs_number").reasons] == [
        "not_a_string",
        None,
    ]
    categories = pd.Series(NUMBERS, dtype="category")
    assert [None if pd.isna(v) else v for v in columns.validate(categories, "nhs_number").values] == COMPACT


# --------------------------------------------------------------------------
# polars


def test_polars_series_names_and_dtypes() -> None:
    series = pl.Series("nhs", NUMBERS)
    values, reasons = columns.validate(series, "nhs_number")
    assert (values.name, values.dtype) == ("nhs", pl.String)
    assert reasons.name == "nhs_reason"
    assert reasons.dtype == pl.Enum(list(columns.REASON_CATEGORIES))
    assert values.to_list() == COMPACT
    assert reasons.to_list() == REASONS
    valid = columns.is_valid(series, "nhs_number")
    assert (valid.name, valid.dtype, valid.to_list()) == ("nhs_valid", pl.Boolean, VALID)


def test_polars_categorical_integer_and_object_columns() -> None:
    assert (
        columns.validate(pl.Series(NUMBERS, dtype=pl.Categorical), "nhs_number").values.to_list() == COMPACT
    )
    assert columns.validate(pl.Series([1, None]), "nhs_number").reasons.to_list() == ["not_a_string", None]
    objects = pl.Series(["9434765919", 5, None], dtype=pl.Object)
    assert columns.validate(objects, "nhs_number").reasons.to_list() == [None, "not_a_string", None]
    assert columns.is_valid(pl.Series([None, None]), "postcode").to_list() == [None, None]


def test_polars_results_drop_into_a_frame() -> None:
    frame = pl.DataFrame({"practice": ["a81001", "A8"]})
    values, reasons = columns.validate(frame["practice"], "ods_code")
    checked = frame.with_columns(values, reasons, columns.is_valid(frame["practice"], "ods_code"))
    assert checked.columns == ["practice", "practice_reason", "practice_valid"]
    assert checked.rows() == [("A81001", None, True), (None, "length", False)]


# --------------------------------------------------------------------------
# imports


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=False
    )


def test_core_import_never_loads_the_column_libraries() -> None:
    result = _run(
        """
        import sys
        import nhsstd, nhsstd.cli
        nhsstd.cli.build_parser()
        heavy = [m for m in ("pyarrow", "pandas", "polars", "pyspark", "numpy") if m in sys.modules]
        print(heavy)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_missing_pyarrow_gives_an_import_error_naming_the_extra() -> None:
    result = _run(
        """
        import sys
        sys.modules["pyarrow"] = None  # as if pyarrow were not installed
        try:
            import nhsstd.columns
        except ImportError as error:
            print(error)
        """
    )
    assert result.returncode == 0, result.stderr
    assert "pip install 'nhsstd[columns]'" in result.stdout


def test_check_command_without_the_extra_says_what_to_install() -> None:
    result = _run(
        """
        import sys
        sys.modules["pyarrow"] = None
        from nhsstd.cli import main
        sys.exit(main(["check", "examples/patients.csv"]))
        """
    )
    assert result.returncode == 2
    assert "pip install 'nhsstd[columns]'" in result.stderr

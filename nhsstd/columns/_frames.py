"""Adapters: pyarrow, pandas and polars columns in, the same type out (private)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]

from nhsstd.columns import _arrow, _kernels
from nhsstd.columns._arrow import CODE, VALID, Codes, Kernel, Mask
from nhsstd.exceptions import Reason

_NOT_A_STRING = CODE[Reason.NOT_A_STRING]


class Result(NamedTuple):
    """One validated Arrow array: compact values, reason codes, which rows were not null."""

    values: Any
    codes: Codes
    present: Mask


def kernel_for(kind: str) -> Kernel:
    return _kernels.KERNELS.get(kind) or _arrow.scalar_kernel(kind)


# --------------------------------------------------------------------------
# Arrow


def validate_array(array: Any, kind: str, kernel: Kernel, want_values: bool = True) -> Result:
    """Validate one (non-chunked) Arrow array of any type.

    ``values`` is ``None`` in the result when *want_values* is false.
    """
    arrow_type = array.type
    if _arrow.is_string_type(arrow_type):
        outcome = kernel(array, want_values)
        return Result(outcome.values, outcome.codes, _arrow.present(array))
    if _arrow.is_string_view(arrow_type):
        result = validate_array(array.cast(pa.large_string()), kind, kernel, want_values)
        values = None if result.values is None else result.values.cast(arrow_type)
        return result._replace(values=values)
    if pa.types.is_dictionary(arrow_type):
        inner = validate_array(array.dictionary, kind, kernel, want_values)
        indices = array.indices
        present = _arrow.present(array)
        index = np.asarray(indices.fill_null(0).to_numpy(zero_copy_only=False), dtype=np.int64)
        codes = np.where(present, inner.codes[index] if len(inner.codes) else VALID, VALID).astype(np.int8)
        values = None if inner.values is None else inner.values.take(indices)
        return Result(values, codes, present)
    present = _arrow.present(array)
    nulls = pa.nulls(len(array), pa.string()) if want_values else None
    if pa.types.is_null(arrow_type):
        return Result(nulls, _arrow.new_codes(len(array)), present)
    # Numbers, binary, dates...: the scalar functions refuse every non-str value.
    codes = np.where(present, _NOT_A_STRING, VALID).astype(np.int8)
    return Result(nulls, codes, present)


def valid_array(result: Result) -> Any:
    mask = None if result.present.all() else ~result.present
    return pa.array(result.codes == VALID, type=pa.bool_(), mask=mask)


def _output_type(arrow_type: Any) -> Any:
    if _arrow.is_string_type(arrow_type) or _arrow.is_string_view(arrow_type):
        return arrow_type
    if pa.types.is_dictionary(arrow_type):
        return _output_type(arrow_type.value_type)
    return pa.string()


def arrow_validate(column: Any, kind: str) -> tuple[Any, Any]:
    kernel = kernel_for(kind)
    if isinstance(column, pa.ChunkedArray):
        results = [validate_array(chunk, kind, kernel) for chunk in column.chunks]
        values = pa.chunked_array([r.values for r in results], type=_output_type(column.type))
        reasons = pa.chunked_array([_arrow.reasons_array(r.codes) for r in results], type=_arrow.REASON_TYPE)
        return values, reasons
    result = validate_array(column, kind, kernel)
    return result.values, _arrow.reasons_array(result.codes)


def arrow_is_valid(column: Any, kind: str) -> Any:
    kernel = kernel_for(kind)
    if isinstance(column, pa.ChunkedArray):
        chunks = [valid_array(validate_array(chunk, kind, kernel, False)) for chunk in column.chunks]
        return pa.chunked_array(chunks, type=pa.bool_())
    return valid_array(validate_array(column, kind, kernel, False))


# --------------------------------------------------------------------------
# Python objects (pandas object columns, polars Object columns)


def validate_objects(
    items: Sequence[Any], missing: Mask, kind: str, kernel: Kernel, want_values: bool = True
) -> Result:
    """Validate a sequence of arbitrary Python objects.

    ``str`` values go through the kernel; values the scalar functions refuse
    (``int``, ``bytes``...) and strings Arrow cannot hold (lone surrogates)
    are handed to the scalar ``validate`` one by one, so the result is the
    scalar result whatever the input.
    """
    check = _arrow.scalar_check(kind)
    strings: list[str | None] = []
    overrides: dict[int, tuple[str | None, int]] = {}
    for position, item in enumerate(items):
        if missing[position]:
            strings.append(None)
            continue
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                pass
            else:
                strings.append(str(item))
                continue
        strings.append(None)
        overrides[position] = check(item)
    result = validate_array(pa.array(strings, type=pa.large_string()), kind, kernel, want_values)
    if not overrides:
        return result
    codes = result.codes.copy()
    present = result.present.copy()
    values = result.values
    changed = any(compact is not None for compact, _ in overrides.values())
    patched = values.to_pylist() if values is not None and changed else None
    for position, (compact, code) in overrides.items():
        codes[position] = code
        present[position] = True
        if patched is not None:
            patched[position] = compact
    if patched is not None:
        values = pa.array(patched, type=pa.large_string())
    return Result(values, codes, present)


# --------------------------------------------------------------------------
# pandas


def is_pandas(column: Any) -> bool:
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(column, pandas.Series)


def pandas_result(series: Any, kind: str, want_values: bool) -> Result:
    import pandas as pd  # type: ignore[import-untyped]

    kernel = kernel_for(kind)
    dtype = series.dtype
    missing = np.asarray(series.isna().to_numpy(), dtype=np.bool_)
    arrow_backed = isinstance(dtype, pd.ArrowDtype) or (
        isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"
    )
    if arrow_backed or isinstance(dtype, pd.CategoricalDtype):
        try:
            array = pa.array(series)
        except (pa.ArrowException, UnicodeEncodeError):
            pass  # categories of mixed types: treat as Python objects below
        else:
            if isinstance(array, pa.ChunkedArray):
                array = array.combine_chunks()
            return validate_array(array, kind, kernel, want_values)
    if pd.api.types.is_object_dtype(dtype) or isinstance(dtype, (pd.StringDtype, pd.CategoricalDtype)):
        objects = series.to_numpy(dtype=object)
        if pd.api.types.infer_dtype(objects, skipna=True) in ("string", "empty"):
            try:
                array = pa.array(objects, type=pa.large_string(), from_pandas=True)
            except (pa.ArrowException, UnicodeEncodeError):
                pass  # lone surrogates
            else:
                return validate_array(array, kind, kernel, want_values)
        return validate_objects(objects, missing, kind, kernel, want_values)
    # Numbers, booleans, dates...: never a str.
    codes = np.where(missing, VALID, _NOT_A_STRING).astype(np.int8)
    return Result(pa.nulls(len(series), pa.string()) if want_values else None, codes, ~missing)


def _suffixed(name: Any, suffix: str) -> Any:
    return f"{name}{suffix}" if isinstance(name, str) else name


def pandas_validate(series: Any, kind: str) -> tuple[Any, Any]:
    import pandas as pd

    result = pandas_result(series, kind, True)
    dtype = series.dtype
    values = result.values
    if isinstance(dtype, pd.StringDtype):
        data = dtype.__from_arrow__(
            values if _arrow.is_string_type(values.type) else values.cast(pa.string())
        )
    elif isinstance(dtype, pd.ArrowDtype) and (
        _arrow.is_string_type(dtype.pyarrow_dtype) or _arrow.is_string_view(dtype.pyarrow_dtype)
    ):
        data = pd.arrays.ArrowExtensionArray(values.cast(dtype.pyarrow_dtype))
    else:
        data = values.to_numpy(zero_copy_only=False).astype(object)
    compact = pd.Series(data, index=series.index, name=series.name, dtype=data.dtype, copy=False)
    categories = pd.CategoricalDtype([reason.value for reason in _arrow.REASONS])
    reasons = pd.Series(
        pd.Categorical.from_codes(result.codes, dtype=categories),
        index=series.index,
        name=_suffixed(series.name, "_reason"),
    )
    return compact, reasons


def pandas_is_valid(series: Any, kind: str) -> Any:
    import pandas as pd

    result = pandas_result(series, kind, False)
    flags = pd.arrays.BooleanArray(result.codes == VALID, ~result.present)
    return pd.Series(flags, index=series.index, name=_suffixed(series.name, "_valid"))


# --------------------------------------------------------------------------
# polars


def is_polars(column: Any) -> bool:
    polars = sys.modules.get("polars")
    return polars is not None and isinstance(column, polars.Series)


def polars_result(series: Any, kind: str, want_values: bool) -> Result:
    import polars as pl

    kernel = kernel_for(kind)
    dtype = series.dtype
    if dtype in (pl.Categorical,) or isinstance(dtype, pl.Enum):
        series = series.cast(pl.String)
        dtype = series.dtype
    if dtype == pl.String or dtype == pl.Null:
        array = series.to_arrow()
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        return validate_array(array, kind, kernel, want_values)
    missing = np.asarray(series.is_null().to_numpy(), dtype=np.bool_)
    if dtype == pl.Object:
        return validate_objects(series.to_list(), missing, kind, kernel, want_values)
    codes = np.where(missing, VALID, _NOT_A_STRING).astype(np.int8)
    return Result(pa.nulls(len(series), pa.string()) if want_values else None, codes, ~missing)


def polars_validate(series: Any, kind: str) -> tuple[Any, Any]:
    import polars as pl

    result = polars_result(series, kind, True)
    values = result.values
    if not (_arrow.is_string_type(values.type) or _arrow.is_string_view(values.type)):
        values = values.cast(pa.large_string())
    compact = pl.Series(series.name, values, dtype=pl.String)
    enum = pl.Enum([reason.value for reason in _arrow.REASONS])
    reasons = pl.Series(f"{series.name}_reason", _arrow.reasons_array(result.codes)).cast(enum)
    return compact, reasons


def polars_is_valid(series: Any, kind: str) -> Any:
    import polars as pl

    result = polars_result(series, kind, False)
    return pl.Series(f"{series.name}_valid", valid_array(result), dtype=pl.Boolean)

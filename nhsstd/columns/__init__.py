"""Validate whole columns of identifiers: pyarrow, pandas and polars.

Needs the ``columns`` extra (``pip install 'nhsstd[columns]'``: pyarrow and
numpy); pandas and polars columns work when those libraries are installed.

:func:`validate` returns the compact values (null where a value is invalid)
and a reason column; :func:`is_valid` returns a boolean column.  The result is
the same type of column as the input, and row for row it is exactly what the
scalar functions of :mod:`nhsstd.identifiers` give: the same normalisation
policy, the same compact value, the same :class:`~nhsstd.exceptions.Reason`
(each kind with its ``validate``'s default options).  Null stays null (pandas
``NaN``/``None``/``NA`` count as null); any other non-``str`` value is
rejected with ``not_a_string``, as the scalar functions do.

>>> import pyarrow as pa
>>> from nhsstd import columns
>>> numbers = pa.array(["943 476 5919", "9434765918", None, "999-021-2538"])
>>> result = columns.validate(numbers, "nhs_number")
>>> result.values.to_pylist()
['9434765919', None, None, '9990212538']
>>> result.reasons.to_pylist()
[None, 'checksum', None, None]
>>> columns.is_valid(numbers, "nhs_number").to_pylist()
[True, False, None, True]

pandas and polars columns come back as pandas and polars columns; the reason
column is a categorical (pandas) or an ``Enum`` (polars) over every
:class:`~nhsstd.exceptions.Reason` value:

>>> import pandas as pd
>>> codes = pd.Series([" a81001", "RR 8", None], name="practice")
>>> values, reasons = columns.validate(codes, "ods_code")
>>> values.tolist(), reasons.tolist()
(['A81001', nan, nan], [nan, 'invalid_character', nan])
>>> import polars as pl
>>> columns.is_valid(pl.Series("postcode", ["sw1a 1aa", "ZZ99 3VZ"]), "postcode").to_list()
[True, False]

NHS Number, CHI Number, H&C Number, SCTID, ODS code, postcode and NHS
pseudo-postcode are vectorised (:data:`VECTORISED_KINDS`); the other kinds call
their scalar ``validate`` once per distinct value.
"""

from __future__ import annotations

from typing import Any, NamedTuple

try:
    import numpy  # noqa: F401
    import pyarrow  # type: ignore[import-untyped]
except ImportError as error:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        "nhsstd.columns needs pyarrow and numpy: install the 'columns' extra, pip install 'nhsstd[columns]'"
    ) from error

from nhsstd import identifiers
from nhsstd.columns import _arrow, _frames, _kernels

__all__ = [
    "REASON_CATEGORIES",
    "VECTORISED_KINDS",
    "ValidatedColumn",
    "is_valid",
    "validate",
]

#: Kinds validated without a per-row Python call.
VECTORISED_KINDS: frozenset[str] = frozenset(_kernels.KERNELS)

#: The categories of every reason column, in code order: the
#: :class:`~nhsstd.exceptions.Reason` values.
REASON_CATEGORIES: tuple[str, ...] = tuple(reason.value for reason in _arrow.REASONS)


class ValidatedColumn(NamedTuple):
    """What :func:`validate` returns; unpacks as ``values, reasons``."""

    #: The compact values: null where the input is invalid or null.  Same
    #: column type as the input.
    values: Any
    #: The reason each invalid value was rejected (a
    #: :class:`~nhsstd.exceptions.Reason` value), null where the input is valid
    #: or null.  A pyarrow ``DictionaryArray`` (``int8`` indices), a pandas
    #: categorical or a polars ``Enum``.
    reasons: Any


def _kind(kind: str) -> str:
    name = kind.strip().lower().replace("-", "_") if isinstance(kind, str) else kind
    if name not in identifiers.KINDS:
        raise ValueError(f"unknown identifier kind {kind!r}; choose from {', '.join(identifiers.KINDS)}")
    return str(name)


def _unsupported(column: Any) -> TypeError:
    return TypeError(
        "expected a pyarrow Array or ChunkedArray, a pandas Series or a polars Series, "
        f"got {type(column).__name__}"
    )


def validate(column: Any, kind: str) -> ValidatedColumn:
    """Validate every value of *column* as identifier *kind* (``"nhs_number"``, ``"postcode"``...).

    Returns a :class:`ValidatedColumn` of two columns of the input's type:
    the compact values (null where invalid) and the reasons (null where valid).

    >>> import pyarrow as pa
    >>> values, reasons = validate(pa.chunked_array([["1904851231", "3201201234"]]), "chi_number")
    >>> values.to_pylist(), reasons.to_pylist()
    (['1904851231', None], [None, 'invalid_date'])
    """
    kind = _kind(kind)
    if isinstance(column, (pyarrow.Array, pyarrow.ChunkedArray)):
        return ValidatedColumn(*_frames.arrow_validate(column, kind))
    if _frames.is_pandas(column):
        return ValidatedColumn(*_frames.pandas_validate(column, kind))
    if _frames.is_polars(column):
        return ValidatedColumn(*_frames.polars_validate(column, kind))
    raise _unsupported(column)


def is_valid(column: Any, kind: str) -> Any:
    """A boolean column: whether each value of *column* is a valid *kind*; null stays null.

    pyarrow gives a ``BooleanArray`` (or ``ChunkedArray``), pandas a
    ``boolean`` Series, polars a ``Boolean`` Series.

    >>> import pyarrow as pa
    >>> is_valid(pa.array(["22298006", "22298007", None]), "sctid").to_pylist()
    [True, False, None]
    """
    kind = _kind(kind)
    if isinstance(column, (pyarrow.Array, pyarrow.ChunkedArray)):
        return _frames.arrow_is_valid(column, kind)
    if _frames.is_pandas(column):
        return _frames.pandas_is_valid(column, kind)
    if _frames.is_polars(column):
        return _frames.polars_is_valid(column, kind)
    raise _unsupported(column)

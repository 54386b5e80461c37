"""Arrow plumbing shared by the column kernels (private).

A kernel takes one Arrow string array (``string`` or ``large_string``, any
offset, nulls allowed) and returns an :class:`Outcome`: the compact values
(null where the input is null or invalid) and one ``int8`` reason code per row
(``VALID`` where the row is valid or null).  Everything else -- chunked
arrays, dictionaries, pandas, polars -- is adaptation around that contract.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from nhsstd import identifiers
from nhsstd.exceptions import Reason, ValidationError

#: Every reason, in the order of their codes (the dictionary of the reason column).
REASONS: tuple[Reason, ...] = tuple(Reason)
#: ``Reason`` -> ``int8`` code.
CODE: dict[Reason, int] = {reason: index for index, reason in enumerate(REASONS)}
#: The code of a valid (or null) row.
VALID = -1

#: The dictionary of every reason column: the ``Reason`` values, in code order.
REASON_DICTIONARY = pa.array([reason.value for reason in REASONS], type=pa.string())
REASON_TYPE = pa.dictionary(pa.int8(), pa.string())

ASCII_WHITESPACE = " \t\n\r\f\v"

Codes = npt.NDArray[np.int8]
Mask = npt.NDArray[np.bool_]


class Outcome(NamedTuple):
    """What a kernel returns for one chunk."""

    #: Compact values, same Arrow type as the kernel's input; null where invalid or
    #: null.  ``None`` when the caller did not ask for them.
    values: Any
    #: One code per row: an index into :data:`REASONS`, or :data:`VALID`.
    codes: Codes


#: ``kernel(array, want_values)``
Kernel = Callable[[Any, bool], Outcome]


def is_string_type(arrow_type: Any) -> bool:
    """``string`` or ``large_string``: the types the kernels read directly."""
    return bool(pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type))


def is_string_view(arrow_type: Any) -> bool:
    """``string_view`` (pyarrow 16 and later)."""
    check = getattr(pa.types, "is_string_view", None)
    return bool(check is not None and check(arrow_type))


def new_codes(length: int) -> Codes:
    return np.full(length, VALID, dtype=np.int8)


def present(array: Any) -> Mask:
    """``True`` for the non-null rows of *array*."""
    if array.null_count == 0:
        return np.ones(len(array), dtype=np.bool_)
    mask: Mask = np.asarray(array.is_valid().to_numpy(zero_copy_only=False), dtype=np.bool_)
    return mask


Offsets = npt.NDArray[np.int32] | npt.NDArray[np.int64]


def offsets_and_data(array: Any) -> tuple[Offsets, npt.NDArray[np.uint8]]:
    """The ``len + 1`` offsets (into *data*) and the data bytes of a string array, zero-copy.

    The offsets keep their Arrow width: ``int32`` for ``string``, ``int64`` for ``large_string``.
    """
    buffers = array.buffers()
    dtype = np.int32 if pa.types.is_string(array.type) else np.int64
    if buffers[1] is None:  # an empty array may have no offsets buffer
        return np.zeros(len(array) + 1, dtype=np.int64), np.zeros(0, dtype=np.uint8)
    offsets: Offsets = np.frombuffer(buffers[1], dtype=dtype)[array.offset : array.offset + len(array) + 1]
    data = np.frombuffer(buffers[2], dtype=np.uint8) if buffers[2] is not None else np.zeros(0, np.uint8)
    return offsets, data


def keep_rows(array: Any, keep: Mask) -> Any:
    """*array* with every row outside *keep* set to null (zero-copy on the string data)."""
    length = len(array)
    kept = int(np.count_nonzero(keep))
    if kept == length and array.null_count == 0:
        return array
    if kept == 0:
        return pa.nulls(length, type=array.type)
    bits = keep if array.offset == 0 else np.concatenate([np.zeros(array.offset, np.bool_), keep])
    bitmap = pa.py_buffer(np.packbits(bits, bitorder="little"))
    buffers = array.buffers()
    return pa.Array.from_buffers(
        array.type, length, [bitmap, buffers[1], buffers[2]], null_count=length - kept, offset=array.offset
    )


def rows_where(array: Any, mask: Mask) -> Any:
    """The rows of *array* selected by *mask* (a copy)."""
    return array.filter(pa.array(mask, type=pa.bool_()))


def bool_of(array: Any) -> Mask:
    """A boolean Arrow array as numpy, nulls as ``False``."""
    result: Mask = np.asarray(array.fill_null(False).to_numpy(zero_copy_only=False), dtype=np.bool_)
    return result


def trim(array: Any) -> Any:
    """Strip leading and trailing ASCII whitespace (``str.strip(ASCII_WHITESPACE)``)."""
    return pc.ascii_trim(array, ASCII_WHITESPACE)


def fixed_width(
    offsets: Offsets, data: npt.NDArray[np.uint8], rows: npt.NDArray[np.intp], width: int
) -> npt.NDArray[np.uint8]:
    """The bytes of *rows* (each exactly *width* bytes long) as a ``(len(rows), width)`` matrix.

    A zero-copy view when the rows are the whole array laid out back to back
    (the common case of a clean column); a gather otherwise.
    """
    count = len(rows)
    if count and len(offsets) == count + 1:
        first = int(offsets[0])
        if int(offsets[-1]) - first == width * count:
            view: npt.NDArray[np.uint8] = data[first : first + width * count].reshape(count, width)
            return view
    if count == 0:
        return np.zeros((0, width), dtype=np.uint8)
    # Fancy indexing the first axis of a sliding window copies whole rows.
    windows = np.lib.stride_tricks.sliding_window_view(data, width)
    gathered: npt.NDArray[np.uint8] = windows[offsets[:-1][rows]]
    return gathered


def outcome_from_unique(
    kind: str,
    array: Any,
    check: Callable[[Any], tuple[str | None, int]],
) -> Outcome:
    """Run a per-value Python *check* once per distinct value of *array* and spread the results."""
    encoded = pc.dictionary_encode(array)
    uniques = encoded.dictionary.to_pylist()
    values: list[str | None] = []
    unique_codes = np.empty(len(uniques) + 1, dtype=np.int8)
    for position, value in enumerate(uniques):
        compact, code = check(value)
        values.append(compact)
        unique_codes[position] = code
    unique_codes[len(uniques)] = VALID  # where the input is null
    indices = encoded.indices
    index = np.asarray(indices.fill_null(len(uniques)).to_numpy(zero_copy_only=False), dtype=np.int64)
    codes: Codes = unique_codes[index]
    compact_values = pc.take(pa.array(values, type=array.type), indices)
    return Outcome(compact_values, codes)


def scalar_check(kind: str) -> Callable[[Any], tuple[str | None, int]]:
    """The scalar ``validate`` of *kind*, as a ``value -> (compact or None, code)`` function."""
    validate = identifiers.module_for(kind).validate

    def check(value: Any) -> tuple[str | None, int]:
        try:
            return validate(value), VALID
        except ValidationError as error:
            return None, CODE[error.reason]

    return check


def scalar_kernel(kind: str) -> Kernel:
    """A kernel that calls the scalar ``validate`` once per distinct value."""
    check = scalar_check(kind)

    def kernel(array: Any, want_values: bool = True) -> Outcome:
        return outcome_from_unique(kind, array, check)

    return kernel


def reasons_array(codes: Codes) -> Any:
    """The reason column for *codes*: a dictionary array over :data:`REASON_DICTIONARY`."""
    indices = pa.array(codes, type=pa.int8(), mask=codes < 0)
    return pa.DictionaryArray.from_arrays(indices, REASON_DICTIONARY)

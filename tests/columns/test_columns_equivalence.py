"""Column results equal the scalar functions, element for element, for every backend.

For random columns -- clean values, the same values spaced, hyphenated, padded
and re-cased, near misses, hostile text and nulls -- ``columns.validate`` must
give exactly ``[scalar.validate(x) for x in column]`` (the compact value or
null) and the ``Reason`` of the error the scalar function raises, and
``columns.is_valid`` the matching booleans.  Run for each vectorised kind with
pyarrow, pandas and polars columns, and for the scalar-fallback kinds with
pyarrow.
"""

from __future__ import annotations

import math
import random
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nhsstd import columns, identifiers
from nhsstd.exceptions import ValidationError
from nhsstd.identifiers import _checksums, postcode

VECTORISED = sorted(columns.VECTORISED_KINDS)
FALLBACK = [kind for kind in identifiers.KINDS if kind not in columns.VECTORISED_KINDS]


def scalar(kind: str, value: Any) -> tuple[str | None, str | None]:
    """What the scalar function says about one value: (compact, reason)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None, None
    try:
        return identifiers.module_for(kind).validate(value), None
    except ValidationError as error:
        return None, error.reason.value


# --------------------------------------------------------------------------
# Strategies


def _chi(rng: random.Random) -> str:
    while True:
        day, month, year = rng.randint(1, 31), rng.randint(1, 12), rng.randint(0, 99)
        payload = f"{day:02d}{month:02d}{year:02d}{rng.randint(0, 999):03d}"
        check = _checksums.mod11_check_digit(payload)
        if check is None or rng.random() < 0.3:
            check = _checksums.luhn_check_digit(payload)
        value = payload + str(check)
        if identifiers.module_for("chi_number").is_valid(value):
            return value


_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _postcode(rng: random.Random) -> str:
    if rng.random() < 0.05:
        return "GIR 0AA"
    for _ in range(1000):
        shape = rng.choice(postcode.OUTWARD_SHAPES) + postcode.INWARD_SHAPE
        value = "".join(
            rng.choice(_LETTERS) if symbol == "A" else rng.choice("0123456789") for symbol in shape
        )
        if postcode.is_valid(value):
            return f"{value[:-3]} {value[-3:]}"
    raise AssertionError("no valid postcode drawn")  # pragma: no cover


def _pseudo(rng: random.Random) -> str:
    return f"ZZ99 {rng.randint(0, 9)}{rng.choice(_LETTERS)}Z"


def _ods(rng: random.Random) -> str:
    return "".join(rng.choice(_LETTERS + "0123456789") for _ in range(rng.randint(3, 9)))


def _module_generate(kind: str) -> Any:
    def generate(rng: random.Random) -> str:
        value: str = identifiers.module_for(kind).generate(rng)  # type: ignore[attr-defined]
        return value

    return generate


GENERATORS = {
    "nhs_number": _module_generate("nhs_number"),
    "hc_number": _module_generate("hc_number"),
    "sctid": _module_generate("sctid"),
    "chi_number": _chi,
    "postcode": _postcode,
    "nhs_pseudo_postcode": _pseudo,
    "ods_code": _ods,
}


@st.composite
def clean_values(draw: st.DrawFn, kind: str) -> str:
    seed = draw(st.integers(0, 2**32 - 1))
    return str(GENERATORS[kind](random.Random(seed)))


@st.composite
def reshaped(draw: st.DrawFn, kind: str) -> str:
    """A clean value in another written form: separators, padding, case, a near miss."""
    value = draw(clean_values(kind))
    chars = list(value.replace(" ", ""))
    for _ in range(draw(st.integers(0, 3))):
        chars.insert(draw(st.integers(0, len(chars))), draw(st.sampled_from([" ", "-", "  ", " - "])))
    if draw(st.booleans()):
        position = draw(st.integers(0, len(chars) - 1))
        chars[position] = draw(st.sampled_from("0123456789aZ"))
    text = "".join(chars)
    if draw(st.booleans()):
        text = text.lower()
    padding = st.text(alphabet=" \t\n\r\x0b\x0c", max_size=3)
    return draw(padding) + text + draw(padding)


@st.composite
def patient_shapes(draw: st.DrawFn) -> str:
    """Digit strings around ten digits: length, checksum and check-digit-ten cases."""
    digits = draw(st.text(alphabet="0123456789", min_size=0, max_size=13))
    if len(digits) == 12 and draw(st.booleans()):
        separator = draw(st.sampled_from(" -"))
        digits = f"{digits[:3]}{separator}{digits[4:7]}{separator}{digits[8:]}"
    return digits


HOSTILE_ALPHABET = st.sampled_from(
    [
        *"0123456789 -\t\n\r\x0b\x0cAZaz.,/_'\"",
        *"\u00a0\u2013\u2212\u200b\u3000\ufeff\x00\x85",  # separator look-alikes, NUL
        *"\u0663\uff10\U0001d7ce\u0966",  # non-ASCII digits
        *"éßİıﬀK",  # letters that Unicode case-folds into ASCII
    ]
)
hostile = st.text(alphabet=HOSTILE_ALPHABET, max_size=14)


def values(kind: str) -> st.SearchStrategy[str | None]:
    return st.one_of(
        clean_values(kind),
        reshaped(kind),
        patient_shapes(),
        hostile,
        st.none(),
    )


def column_of(kind: str) -> st.SearchStrategy[list[str | None]]:
    return st.one_of(
        st.lists(values(kind), max_size=40),
        st.lists(clean_values(kind), min_size=1, max_size=20),  # the all-clean fast paths
        st.lists(st.one_of(clean_values(kind), st.none()), min_size=1, max_size=20),
    )


# --------------------------------------------------------------------------
# Backends


def run_pyarrow(column: list[Any], kind: str) -> tuple[list[Any], list[Any], list[Any]]:
    array = pa.array(column, type=pa.string())
    result = columns.validate(array, kind)
    valid = columns.is_valid(array, kind)
    assert isinstance(result.values, pa.StringArray)
    assert isinstance(result.reasons, pa.DictionaryArray)
    return result.values.to_pylist(), result.reasons.to_pylist(), valid.to_pylist()


def _pandas_cell(value: Any) -> Any:
    return (
        None if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) else value
    )


def run_pandas(column: list[Any], kind: str) -> tuple[list[Any], list[Any], list[Any]]:
    series = pd.Series(column, dtype=object, name="identifier")
    values, reasons = columns.validate(series, kind)
    valid = columns.is_valid(series, kind)
    assert isinstance(reasons.dtype, pd.CategoricalDtype)
    assert str(valid.dtype) == "boolean"
    return (
        [_pandas_cell(v) for v in values.tolist()],
        [_pandas_cell(v) for v in reasons.tolist()],
        [_pandas_cell(v) for v in valid.tolist()],
    )


def run_polars(column: list[Any], kind: str) -> tuple[list[Any], list[Any], list[Any]]:
    series = pl.Series("identifier", column, dtype=pl.String)
    values, reasons = columns.validate(series, kind)
    valid = columns.is_valid(series, kind)
    assert values.dtype == pl.String
    assert isinstance(reasons.dtype, pl.Enum)
    assert valid.dtype == pl.Boolean
    return values.to_list(), reasons.to_list(), valid.to_list()


BACKENDS = {"pyarrow": run_pyarrow, "pandas": run_pandas, "polars": run_polars}


def check_equivalent(column: list[Any], kind: str, backend: str) -> None:
    values, reasons, valid = BACKENDS[backend](column, kind)
    expected = [scalar(kind, value) for value in column]
    assert values == [compact for compact, _ in expected]
    assert reasons == [reason for _, reason in expected]
    assert valid == [
        None if value is None else reason is None for value, (_, reason) in zip(column, expected, strict=True)
    ]


@pytest.mark.parametrize("backend", sorted(BACKENDS))
@pytest.mark.parametrize("kind", VECTORISED)
@given(data=st.data())
def test_vectorised_kind_matches_scalar(kind: str, backend: str, data: st.DataObject) -> None:
    check_equivalent(data.draw(column_of(kind), label="column"), kind, backend)


@pytest.mark.parametrize("kind", FALLBACK)
@given(column=st.lists(st.one_of(patient_shapes(), hostile, st.none()), max_size=30))
def test_fallback_kind_matches_scalar(kind: str, column: list[str | None]) -> None:
    check_equivalent(column, kind, "pyarrow")


@pytest.mark.parametrize("kind", identifiers.KINDS)
@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_shared_vectors(kind: str, backend: str, vectors: dict[str, list[dict[str, Any]]]) -> None:
    """The published vectors, as one column per kind."""
    cases = vectors.get(kind, [])
    column = [case["input"] for case in cases if isinstance(case["input"], str)] + [None]
    assert len(column) > 1 or kind not in vectors
    check_equivalent(column, kind, backend)


# --------------------------------------------------------------------------
# Python objects in pandas columns: non-str values and strings Arrow cannot hold


@pytest.mark.parametrize("kind", VECTORISED)
@given(
    column=st.lists(
        st.one_of(
            st.text(alphabet=st.sampled_from([*"0123456789 -AZaz", "\ud800", "\udfff"]), max_size=12),
            st.integers(),
            st.binary(max_size=10),
            st.booleans(),
            st.floats(allow_nan=True),
            st.none(),
        ),
        max_size=20,
    )
)
def test_pandas_object_columns_match_scalar(kind: str, column: list[Any]) -> None:
    values, reasons, valid = run_pandas(column, kind)
    for value, got_value, got_reason, got_valid in zip(column, values, reasons, valid, strict=True):
        expected_value, expected_reason = scalar(kind, value)
        assert (got_value, got_reason) == (expected_value, expected_reason), repr(value)
        missing = value is None or (isinstance(value, float) and math.isnan(value))
        assert got_valid == (None if missing else expected_reason is None)


# --------------------------------------------------------------------------
# Large columns: every path of the patient-number kernels at once


@pytest.mark.parametrize("kind", ["nhs_number", "chi_number", "hc_number"])
def test_large_mixed_columns_match_scalar(kind: str) -> None:
    rng = random.Random(7)
    generate = GENERATORS[kind]
    clean = [generate(rng) for _ in range(3000)]
    shapes = [
        lambda v: v,
        lambda v: f"{v[:3]} {v[3:6]} {v[6:]}",
        lambda v: f"{v[:3]}-{v[3:6]}-{v[6:]}",
        lambda v: f" {v}\t",
        lambda v: f"\t{v[:3]} {v[3:6]} {v[6:]} ",
        lambda v: f"{v[:5]} {v[5:]}",
        lambda v: v[:9] + str((int(v[9]) + 1) % 10),
        lambda v: v[:9],
        lambda v: None,
    ]
    mixed = [rng.choice(shapes)(value) for value in clean]
    for column in (clean, mixed, [f"{v[:3]} {v[3:6]} {v[6:]}" for v in clean]):
        expected = [scalar(kind, value) for value in column]
        array = pa.array(column, type=pa.string())
        for candidate in (array, array.slice(7), pa.chunked_array([array.slice(0, 1000), array.slice(1000)])):
            result = columns.validate(candidate, kind)
            offset = 7 if candidate is not array and isinstance(candidate, pa.Array) else 0
            assert result.values.to_pylist() == [c for c, _ in expected][offset:]
            assert result.reasons.to_pylist() == [r for _, r in expected][offset:]
        assert np.array_equal(
            np.asarray(columns.is_valid(array, kind).fill_null(False)),
            np.array([r is None and v is not None for v, (_, r) in zip(column, expected, strict=True)]),
        )


# --------------------------------------------------------------------------
# The CHI kernel's date rule (issue 11: the equivalence test above drew only numbers the
# library already accepts, so breaking the leap-year rule went unnoticed)


@st.composite
def chi_candidates(draw: st.DrawFn) -> str:
    """Ten-digit strings shaped like CHI Numbers, whatever the library says of them.

    The rule (Data Dictionary, COMMUNITY HEALTH INDEX NUMBER; research/identifiers.md section 3):
    the first six digits are a real DDMMYY date -- 29 February only when YY is a multiple of 4
    -- and the last digit is the Modulus 11 check digit or, failing that, the Modulus 10 one.
    Days 00-32 and months 00-13 put every edge of the date rule in play (29, 30 and 31
    February, 31 April, day and month 00, month 13); the check digit is right by either
    algorithm or any digit at all, so that the date rule alone decides many rows.
    """
    day = draw(st.sampled_from([0, 1, 28, 29, 30, 31, 32]) | st.integers(0, 32))
    month = draw(st.sampled_from([0, 1, 2, 4, 12, 13]) | st.integers(0, 13))
    year = draw(st.integers(0, 99))
    payload = f"{day:02d}{month:02d}{year:02d}{draw(st.integers(0, 999)):03d}"
    mod11 = _checksums.mod11_check_digit(payload)
    check = draw(
        st.sampled_from(
            [str(mod11) if mod11 is not None else "0", str(_checksums.luhn_check_digit(payload))]
        )
        | st.sampled_from("0123456789")
    )
    return payload + check


@pytest.mark.parametrize("backend", sorted(BACKENDS))
@given(
    column=st.lists(
        st.one_of(chi_candidates(), st.text(alphabet="0123456789", min_size=10, max_size=10)),
        min_size=1,
        max_size=40,
    )
)
def test_chi_kernel_date_rule_matches_scalar_on_any_ten_digits(backend: str, column: list[str]) -> None:
    check_equivalent(column, "chi_number", backend)


@pytest.mark.parametrize("year", range(100))
def test_chi_kernel_29_february_every_two_digit_year(year: int) -> None:
    """29 February of each YY from 00 to 99, with a correct check digit: the kernel and the scalar
    rule agree on every year (leap exactly when YY is a multiple of 4)."""
    column = []
    for serial in range(3):
        payload = f"2902{year:02d}{serial:03d}"
        mod11 = _checksums.mod11_check_digit(payload)
        column.append(payload + str(mod11 if mod11 is not None else _checksums.luhn_check_digit(payload)))
    check_equivalent(column, "chi_number", "pyarrow")
    assert columns.is_valid(pa.array(column), "chi_number").to_pylist() == [year % 4 == 0] * 3

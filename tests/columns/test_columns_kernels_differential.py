"""Each numpy kernel (``nhsstd.columns._kernels.KERNELS``) is a second implementation of its
kind's scalar ``validate``/``is_valid``: these tests draw from every input a column can carry,
not only values the library accepts, so that any divergence fails (issue 13).

For every element the kernel's verdict (``columns.is_valid``), its normalised value and its
reason (``columns.validate``) must be exactly what the scalar functions give for that element
(``test_columns_equivalence.scalar``).  The inputs: arbitrary Unicode text of length 0 to 20,
text over an alphabet of digits, letters, ASCII and Unicode separators and whitespace and
non-ASCII digits (so that lengths and near misses around each kind's shape are common), valid
values and valid values rewritten (spaced, hyphenated, padded, re-cased, one character changed),
values of the kind's shape drawn from its whole space -- any nine digits with their Modulus 11
check digit, SNOMED CT identifiers of every length with their Verhoeff check digit, CHI Numbers
around every edge of the date rule, postcodes of every outward shape with any letters -- so
that the range, date, partition and letter rules decide many rows, nulls, and -- in pandas
object columns, the only columns that can hold them -- non-strings
(integers, floats including NaN, booleans, bytes) and text with unpaired surrogates.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import verhoeff
from test_columns_equivalence import (
    HOSTILE_ALPHABET,
    VECTORISED,
    check_equivalent,
    chi_candidates,
    clean_values,
    reshaped,
    run_pandas,
    scalar,
)

from nhsstd.identifiers import _checksums, nhs_pseudo_postcode, postcode

#: Any text a string column (Arrow, polars) can hold: every code point but the surrogates.
ANY_TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=20)
#: Text near every kind's shape: digits (ASCII and not), letters, separators, whitespace.
NEAR_TEXT = st.text(alphabet=HOSTILE_ALPHABET, max_size=20)


DIGITS = "0123456789"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@st.composite
def mod11_numbers(draw: st.DrawFn, low: int = 0, high: int = 999_999_999) -> str:
    """Nine digits from *low* to *high* and their Modulus 11 check digit (any digit where there is
    none)."""
    payload = f"{draw(st.integers(low, high)):09d}"
    check = _checksums.mod11_check_digit(payload)
    return payload + (str(check) if check is not None else draw(st.sampled_from(DIGITS)))


@st.composite
def verhoeff_numbers(draw: st.DrawFn) -> str:
    """Digits of every length around the SCTID lengths, with their Verhoeff check digit."""
    payload = draw(st.text(DIGITS, min_size=4, max_size=18))
    return payload + verhoeff.calc_check_digit(payload)


@st.composite
def postcode_shapes(draw: st.DrawFn) -> str:
    """A postcode of any outward shape with any letters (or an NHS pseudo-postcode's outward code)."""
    shape = draw(st.sampled_from(postcode.OUTWARD_SHAPES)) + postcode.INWARD_SHAPE
    text = "".join(draw(st.sampled_from(LETTERS if symbol == "A" else DIGITS)) for symbol in shape)
    if draw(st.booleans()):
        text = nhs_pseudo_postcode.OUTWARD + text[-3:]
    return f"{text[:-3]} {text[-3:]}" if draw(st.booleans()) else text


ALNUM_TEXT = st.text(alphabet=LETTERS + LETTERS.lower() + DIGITS + " ", max_size=12)

#: kind -> values of the kind's shape from all over its space, valid or not.
KIND_SPACE: dict[str, st.SearchStrategy[str]] = {
    "nhs_number": mod11_numbers(),
    # Northern Ireland's range is 320 000 001 to 399 999 999 (research/identifiers.md): its
    # edges and the numbers around it, as well as the whole space.
    "hc_number": st.one_of(mod11_numbers(), mod11_numbers(300_000_000, 409_999_999)),
    "chi_number": chi_candidates(),
    "sctid": verhoeff_numbers(),
    "ods_code": ALNUM_TEXT,
    "postcode": postcode_shapes(),
    "nhs_pseudo_postcode": postcode_shapes(),
}


def test_every_kernel_has_its_space() -> None:
    assert set(KIND_SPACE) == set(VECTORISED)


def any_input(kind: str) -> st.SearchStrategy[str | None]:
    return st.one_of(ANY_TEXT, NEAR_TEXT, clean_values(kind), reshaped(kind), KIND_SPACE[kind], st.none())


@pytest.mark.parametrize("backend", ["pyarrow", "polars"])
@pytest.mark.parametrize("kind", VECTORISED)
@settings(max_examples=60)
@given(data=st.data())
def test_kernel_matches_scalar_on_any_text(kind: str, backend: str, data: st.DataObject) -> None:
    column = data.draw(st.lists(any_input(kind), max_size=30), label="column")
    check_equivalent(column, kind, backend)


@pytest.mark.parametrize("kind", VECTORISED)
@settings(max_examples=60)
@given(data=st.data())
def test_kernel_matches_scalar_on_any_pandas_object(kind: str, data: st.DataObject) -> None:
    column: list[Any] = data.draw(
        st.lists(
            st.one_of(
                any_input(kind),
                st.text(max_size=20),  # unpaired surrogates too
                st.integers(),
                st.integers(min_value=10**9, max_value=10**18),  # digit counts of the numbers
                st.floats(allow_nan=True),
                st.booleans(),
                st.binary(max_size=20),
            ),
            max_size=30,
        ),
        label="column",
    )
    values, reasons, valid = run_pandas(column, kind)
    for value, got_value, got_reason, got_valid in zip(column, values, reasons, valid, strict=True):
        expected_value, expected_reason = scalar(kind, value)
        assert (got_value, got_reason) == (expected_value, expected_reason), repr(value)
        missing = value is None or (isinstance(value, float) and math.isnan(value))
        assert got_valid == (None if missing else expected_reason is None), repr(value)

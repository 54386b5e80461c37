"""What a model's ``repr`` may show (private).

A ``repr`` ends up in logs, tracebacks and debugger output, so (house rule) it never shows a
full NHS, CHI or H&C Number, whatever field carries it -- a patient number can arrive as a
local identifier's value, in a reference, in free text.  All three are ten digits, written
whole or in 3-3-4 groups; every such run in a model's ``repr`` is masked the way
:func:`nhsstd.mask` masks a patient number (its last four digits kept).  A ``Patient``'s
``repr`` also withholds the fields that describe the person (name, birth and death, address,
telecom, ethnicity, marital status): it shows what a log may hold.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final, TypeVar, cast

from nhsstd.identifiers._common import mask

__all__ = ["masks_patient_numbers", "withheld"]

# Ten ASCII digits, whole or grouped 3-3-4 by a space or hyphen, not inside a longer run of digits.
_PATIENT_NUMBER: Final = re.compile(r"(?<![0-9])[0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{4}(?![0-9])")

_C = TypeVar("_C", bound=type)


def _mask_match(match: re.Match[str]) -> str:
    return mask(match.group())


def masks_patient_numbers(cls: _C) -> _C:
    """Class decorator (over ``attrs.frozen``): the class's ``repr``, with every patient number masked.

    >>> import attrs
    >>> @masks_patient_numbers
    ... @attrs.frozen
    ... class Note:
    ...     text: str
    >>> Note("NHS no 943 476 5919, seen 2024-05-01")
    Note(text='NHS no *** *** 5919, seen 2024-05-01')
    """
    generated = cast(Callable[[object], str], cls.__repr__)

    def masked_repr(self: object) -> str:
        return _PATIENT_NUMBER.sub(_mask_match, generated(self))

    masked_repr.__name__ = "__repr__"
    masked_repr.__qualname__ = f"{cls.__qualname__}.__repr__"
    cls.__repr__ = masked_repr  # type: ignore[assignment]
    return cls


def withheld(value: object) -> str:
    """The ``repr`` of a personal field: whether it is set, never what it holds.

    >>> withheld(None), withheld(()), withheld(("Smith",))
    ('None', '()', '<withheld>')
    """
    if value is None or value == ():
        return repr(value)
    return "<withheld>"

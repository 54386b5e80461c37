"""What a model's ``repr`` may show (private).

A ``repr`` ends up in logs, tracebacks and debugger output, so (house rule) it never shows a
full NHS, CHI or H&C Number, whatever field carries it -- a patient number can arrive as a
local identifier's value, in a reference, in free text.  All three are ten digits, however
written (the same pattern the register errors redact); every such run in a model's ``repr`` is
masked the way :func:`nhsstd.mask` masks a patient number (its last four digits kept).  A ``Patient``'s
``repr`` also withholds the fields that describe the person (name, birth and death, address,
telecom, ethnicity, marital status): it shows what a log may hold.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

from nhsstd.identifiers._common import mask, replace_patient_numbers

__all__ = ["masks_patient_numbers", "withheld"]

_C = TypeVar("_C", bound=type)


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
        return replace_patient_numbers(generated(self), mask)

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

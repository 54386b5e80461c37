"""UK health identifiers.

One module per kind, each with python-stdnum's interface -- ``compact``,
``validate``, ``is_valid``, ``format`` -- plus a frozen value class:

>>> from nhsstd.identifiers import nhs_number, NHSNumber
>>> nhs_number.validate("943 476 5919")
'9434765919'
>>> NHSNumber.parse("943 476 5919").formatted
'943 476 5919'

The registry below lets generic code (the command line, column validation,
serialisers) work with any kind by name:

>>> module_for("nhs_number").is_valid("9434765919")
True
>>> value_class("nhs_number").__name__
'NHSNumber'
"""

from __future__ import annotations

import importlib
from typing import Protocol

from nhsstd.exceptions import _KIND_LABELS
from nhsstd.identifiers import nhs_number
from nhsstd.identifiers._common import Identifier, mask
from nhsstd.identifiers.nhs_number import NHSNumber

__all__ = [
    "KINDS",
    "Identifier",
    "IdentifierModule",
    "NHSNumber",
    "label",
    "mask",
    "module_for",
    "nhs_number",
    "value_class",
]


class IdentifierModule(Protocol):
    """The python-stdnum-style interface every identifier module provides."""

    KIND: str

    def compact(self, number: str) -> str: ...

    def validate(self, number: str) -> str: ...

    def is_valid(self, number: str) -> bool: ...

    def format(self, number: str) -> str: ...


#: kind (module name) -> value class name.
_VALUE_CLASSES: dict[str, str] = {
    "nhs_number": "NHSNumber",
}

#: Every identifier kind, by module name.
KINDS: tuple[str, ...] = tuple(_VALUE_CLASSES)


def module_for(kind: str) -> IdentifierModule:
    """The module implementing *kind* (``"nhs_number"``...)."""
    if kind not in _VALUE_CLASSES:
        raise KeyError(f"unknown identifier kind {kind!r}")
    module: IdentifierModule = importlib.import_module(f"nhsstd.identifiers.{kind}")  # type: ignore[assignment]
    return module


def value_class(kind: str) -> type[Identifier]:
    """The value class of *kind* (``NHSNumber`` for ``"nhs_number"``...)."""
    cls: type[Identifier] = getattr(module_for(kind), _VALUE_CLASSES[kind])
    return cls


def label(kind: str) -> str:
    """The people-readable name of *kind* ("NHS Number")."""
    return _KIND_LABELS[kind]

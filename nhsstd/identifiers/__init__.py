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
from typing import TYPE_CHECKING, Protocol

from nhsstd import _lazy
from nhsstd.exceptions import _KIND_LABELS
from nhsstd.identifiers._common import Identifier, mask

if TYPE_CHECKING:
    from nhsstd.identifiers import (
        chi_number,
        consultant_code,
        gdc_number,
        gdp_code,
        gmc_number,
        gmp_code,
        gphc_number,
        hc_number,
        hcpc_number,
        nhs_number,
        nhs_pseudo_postcode,
        nmc_pin,
        ods_code,
        postcode,
        sctid,
        uprn,
    )
    from nhsstd.identifiers.chi_number import CHINumber
    from nhsstd.identifiers.consultant_code import ConsultantCode
    from nhsstd.identifiers.gdc_number import GDCNumber
    from nhsstd.identifiers.gdp_code import GDPCode
    from nhsstd.identifiers.gmc_number import GMCNumber
    from nhsstd.identifiers.gmp_code import GMPCode
    from nhsstd.identifiers.gphc_number import GPhCNumber
    from nhsstd.identifiers.hc_number import HCNumber
    from nhsstd.identifiers.hcpc_number import HCPCNumber
    from nhsstd.identifiers.nhs_number import NHSNumber
    from nhsstd.identifiers.nhs_pseudo_postcode import NHSPseudoPostcode
    from nhsstd.identifiers.nmc_pin import NMCPin
    from nhsstd.identifiers.ods_code import ODSCode
    from nhsstd.identifiers.postcode import UKPostcode, parse_address_postcode
    from nhsstd.identifiers.sctid import SCTID
    from nhsstd.identifiers.uprn import UPRN

__all__ = [
    "KINDS",
    "SCTID",
    "UPRN",
    "CHINumber",
    "ConsultantCode",
    "GDCNumber",
    "GDPCode",
    "GMCNumber",
    "GMPCode",
    "GPhCNumber",
    "HCNumber",
    "HCPCNumber",
    "Identifier",
    "IdentifierModule",
    "NHSNumber",
    "NHSPseudoPostcode",
    "NMCPin",
    "ODSCode",
    "UKPostcode",
    "chi_number",
    "consultant_code",
    "gdc_number",
    "gdp_code",
    "gmc_number",
    "gmp_code",
    "gphc_number",
    "hc_number",
    "hcpc_number",
    "label",
    "mask",
    "module_for",
    "nhs_number",
    "nhs_pseudo_postcode",
    "nmc_pin",
    "ods_code",
    "parse_address_postcode",
    "postcode",
    "sctid",
    "uprn",
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
    "chi_number": "CHINumber",
    "hc_number": "HCNumber",
    "sctid": "SCTID",
    "ods_code": "ODSCode",
    "gmc_number": "GMCNumber",
    "consultant_code": "ConsultantCode",
    "gmp_code": "GMPCode",
    "gdp_code": "GDPCode",
    "gdc_number": "GDCNumber",
    "nmc_pin": "NMCPin",
    "hcpc_number": "HCPCNumber",
    "gphc_number": "GPhCNumber",
    "postcode": "UKPostcode",
    "nhs_pseudo_postcode": "NHSPseudoPostcode",
    "uprn": "UPRN",
}

#: Every identifier kind, by module name.
KINDS: tuple[str, ...] = tuple(_VALUE_CLASSES)

# Each kind's module and value class are imported on first use, so that a caller needing
# one kind (the conformance validator, a column check) does not load them all.
_LAZY: dict[str, str] = {
    **{kind: f".{kind}" for kind in _VALUE_CLASSES},
    **{value_class: f".{kind}" for kind, value_class in _VALUE_CLASSES.items()},
    "parse_address_postcode": ".postcode",
}

if not TYPE_CHECKING:  # type checkers see the names imported above, and so catch misspelt ones
    __getattr__, __dir__ = _lazy.hooks(__name__, _LAZY, __all__)


def module_for(kind: str) -> IdentifierModule:
    """The module implementing *kind* (``"nhs_number"``...)."""
    if kind not in _VALUE_CLASSES:
        raise KeyError(f"unknown identifier kind {kind!r}")
    module: IdentifierModule = importlib.import_module(f"nhsstd.identifiers.{kind}")
    return module


def value_class(kind: str) -> type[Identifier]:
    """The value class of *kind* (``NHSNumber`` for ``"nhs_number"``...)."""
    cls: type[Identifier] = getattr(module_for(kind), _VALUE_CLASSES[kind])
    return cls


def label(kind: str) -> str:
    """The people-readable name of *kind* ("NHS Number")."""
    return _KIND_LABELS[kind]

"""Practitioner (private module; import from :mod:`nhsstd.models`)."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from nhsstd.identifiers.consultant_code import ConsultantCode
from nhsstd.identifiers.gdc_number import GDCNumber
from nhsstd.identifiers.gdp_code import GDPCode
from nhsstd.identifiers.gmc_number import GMCNumber
from nhsstd.identifiers.gmp_code import GMPCode
from nhsstd.identifiers.gphc_number import GPhCNumber
from nhsstd.identifiers.hcpc_number import HCPCNumber
from nhsstd.identifiers.nmc_pin import NMCPin
from nhsstd.models import _checks as check
from nhsstd.models._components import Address, ContactPoint, HumanName
from nhsstd.models._extras import EMPTY_EXTRAS, Extras, to_extras
from nhsstd.models._privacy import masks_patient_numbers

__all__ = ["Practitioner"]


def _names(value: Iterable[HumanName]) -> tuple[HumanName, ...]:
    return check.to_tuple(value, "HumanName")  # type: ignore[return-value]


def _addresses(value: Iterable[Address]) -> tuple[Address, ...]:
    return check.to_tuple(value, "Address")  # type: ignore[return-value]


def _telecom(value: Iterable[ContactPoint]) -> tuple[ContactPoint, ...]:
    return check.to_tuple(value, "ContactPoint")  # type: ignore[return-value]


#: Professional identifier fields and their value classes, in declaration order.
PROFESSIONAL_IDENTIFIERS: dict[str, type] = {
    "gmc_number": GMCNumber,
    "gmp_code": GMPCode,
    "consultant_code": ConsultantCode,
    "gdp_code": GDPCode,
    "gdc_number": GDCNumber,
    "nmc_pin": NMCPin,
    "hcpc_number": HCPCNumber,
    "gphc_number": GPhCNumber,
}


@masks_patient_numbers
@attrs.frozen(kw_only=True)
class Practitioner:
    """A health or care professional (FHIR UK Core ``Practitioner``; HL7 v2 XCN).

    Each professional register has its own field holding at most one
    identifier, typed by its value class; ``sds_user_id`` is the person's
    Spine Directory Service user ID (ASCII digits).  Every field is optional.

    >>> from nhsstd.identifiers.gphc_number import GPhCNumber
    >>> from nhsstd.models import HumanName, Practitioner
    >>> pharmacist = Practitioner(
    ...     names=[HumanName(family="Chuck", given=["Jimmy"])], gphc_number=GPhCNumber.parse("2298676"))
    >>> pharmacist.gphc_number
    GPhCNumber('2298676')
    >>> pharmacist.identifiers()
    {'gphc_number': GPhCNumber('2298676')}
    """

    names: tuple[HumanName, ...] = attrs.field(default=(), converter=_names)
    #: General Medical Council reference number.
    gmc_number: GMCNumber | None = None
    #: General Medical Practitioner (PPD) code.
    gmp_code: GMPCode | None = None
    consultant_code: ConsultantCode | None = None
    #: General Dental Practitioner code.
    gdp_code: GDPCode | None = None
    #: General Dental Council registration number.
    gdc_number: GDCNumber | None = None
    #: Nursing and Midwifery Council PIN.
    nmc_pin: NMCPin | None = None
    #: Health and Care Professions Council registration number.
    hcpc_number: HCPCNumber | None = None
    #: General Pharmaceutical Council registration number.
    gphc_number: GPhCNumber | None = None
    #: Spine Directory Service user ID (the NHS smartcard user), ASCII digits.
    sds_user_id: str | None = None
    telecom: tuple[ContactPoint, ...] = attrs.field(default=(), converter=_telecom)
    addresses: tuple[Address, ...] = attrs.field(default=(), converter=_addresses)
    extras: Extras = attrs.field(default=EMPTY_EXTRAS, converter=to_extras)

    def __attrs_post_init__(self) -> None:
        _check_practitioner(self)
        self._check_rules()

    def _check_rules(self) -> None:
        """The rules beyond field types (also run by the fast :mod:`nhsstd.json` reader)."""
        check.check_sds_id("Practitioner", "sds_user_id", self.sds_user_id)

    def identifiers(self) -> dict[str, object]:
        """The professional (register) identifiers that are set, by field name (not ``sds_user_id``)."""
        found: dict[str, object] = {}
        for name in PROFESSIONAL_IDENTIFIERS:
            value = getattr(self, name)
            if value is not None:
                found[name] = value
        return found


_check_practitioner = check.type_checker(Practitioner)

"""ODS organisation roles (private module; import from :mod:`nhsstd.codes`)."""

from __future__ import annotations

from typing import ClassVar, NamedTuple

import attrs

from nhsstd.codes._base import CodeKind, CodeSystem, UnknownCodeError
from nhsstd.exceptions import Reason

__all__ = ["ODSRole"]

_SYSTEM = CodeSystem(
    name="ODS ORGANISATION ROLE",
    key="ods_role",
    fhir_system="https://digital.nhs.uk/services/organisation-data-service/CodeSystem/ODSOrganisationRole",
    sources=(
        "https://odsdatasearchandexport.dc4h.link/referenceDataCatalogue/Roles_571324911.html",
        "https://odsdatasearchandexport.dc4h.link/referenceDataCatalogue/565791179.html",
        "aharriso11/sandpit: nhsd-ord-api/role-ids.md (ORD /roles snapshot)",
        "https://directory.spineservices.nhs.uk/ORD/2-0-0/roles",
    ),
    notes=(
        "Every ODS record has exactly one primary role and any number of non-primary roles. About 200 "
        "roles exist; any 'RO' followed by digits is accepted, and the roles below are named. Display "
        "names change over time (RO98 is shown as CLINICAL COMMISSIONING GROUP in the snapshot used), so "
        "the code is the stable key and the label is informative only. 'Primary' says whether the role "
        "was a primary role in that snapshot. England's GP practices are RO177 records carrying RO76."
    ),
)


class _Known(NamedTuple):
    name: str
    label: str
    primary: bool


_KNOWN: dict[str, _Known] = {
    code: _Known(name, label, primary)
    for code, name, label, primary in (
        ("RO177", "PRESCRIBING_COST_CENTRE", "PRESCRIBING COST CENTRE", True),
        ("RO76", "GP_PRACTICE", "GP PRACTICE", False),
        ("RO197", "NHS_TRUST", "NHS TRUST", True),
        ("RO198", "NHS_TRUST_SITE", "NHS TRUST SITE", True),
        ("RO57", "FOUNDATION_TRUST", "FOUNDATION TRUST", False),
        ("RO98", "CLINICAL_COMMISSIONING_GROUP", "CLINICAL COMMISSIONING GROUP", True),
        ("RO318", "INTEGRATED_CARE_BOARD", "INTEGRATED CARE BOARD", False),
        ("RO319", "SUB_ICB_LOCATION", "SUB ICB LOCATION", False),
        ("RO261", "STRATEGIC_PARTNERSHIP", "STRATEGIC PARTNERSHIP", True),
        ("RO272", "PRIMARY_CARE_NETWORK", "PRIMARY CARE NETWORK", True),
        ("RO96", "BRANCH_SURGERY", "BRANCH SURGERY", True),
        ("RO182", "PHARMACY", "PHARMACY", True),
        ("RO181", "PHARMACY_HEADQUARTER", "PHARMACY HEADQUARTER", True),
        ("RO280", "PHARMACY_SITE", "PHARMACY SITE", True),
        ("RO110", "GENERAL_DENTAL_PRACTICE", "GENERAL DENTAL PRACTICE", True),
        ("RO172", "INDEPENDENT_SECTOR_HEALTHCARE_PROVIDER", "INDEPENDENT SECTOR HEALTHCARE PROVIDER", True),
        ("RO176", "INDEPENDENT_SECTOR_HC_PROVIDER_SITE", "INDEPENDENT SECTOR H/C PROVIDER SITE", True),
        ("RO107", "CARE_TRUST", "CARE TRUST", True),
        ("RO104", "SOCIAL_CARE_PROVIDER", "SOCIAL CARE PROVIDER", True),
        ("RO101", "SOCIAL_CARE_SITE", "SOCIAL CARE SITE", True),
        ("RO141", "LOCAL_AUTHORITY", "LOCAL AUTHORITY", True),
        ("RO144", "WELSH_LOCAL_HEALTH_BOARD", "WELSH LOCAL HEALTH BOARD", True),
        ("RO190", "SCOTTISH_HEALTH_BOARD", "SCOTTISH HEALTH BOARD", True),
        ("RO227", "SCOTTISH_GP_PRACTICE", "SCOTTISH GP PRACTICE", True),
        ("RO315", "NORTHERN_IRELAND_GP_PRACTICE", "NORTHERN IRELAND GP PRACTICE", True),
        (
            "RO154",
            "NORTHERN_IRELAND_HEALTH_AND_SOCIAL_CARE_TRUST",
            "NORTHERN IRELAND HEALTH AND SOCIAL CARE TRUST",
            True,
        ),
        ("RO209", "NHS_ENGLAND_REGION", "NHS ENGLAND (REGION)", True),
        ("RO80", "OUT_OF_HOURS_COST_CENTRE", "OUT OF HOURS COST CENTRE", False),
        ("RO87", "WALK_IN_CENTRE", "WALK IN CENTRE", False),
        ("RO82", "PRISON_PRESCRIBING_COST_CENTRE", "PRISON PRESCRIBING COST CENTRE", False),
        ("RO72", "OTHER_PRESCRIBING_COST_CENTRE", "OTHER PRESCRIBING COST CENTRE", False),
        ("RO7", "HOSPICE", "HOSPICE", False),
    )
}


def _check_code(_instance: ODSRole, _attribute: attrs.Attribute[str], value: str) -> None:
    if type(value) is not str:
        raise UnknownCodeError(
            _SYSTEM, reason=Reason.NOT_A_STRING, detail=f"codes are strings, got {type(value).__name__}"
        )
    if value in _KNOWN:
        return
    if not value:
        raise UnknownCodeError(_SYSTEM, reason=Reason.EMPTY, detail="the code is empty")
    digits = value[2:]
    if not (value.startswith("RO") and digits.isascii() and digits.isdigit()):
        raise UnknownCodeError(
            _SYSTEM, reason=Reason.FORMAT, detail="a role code is 'RO' followed by ASCII digits"
        )


@attrs.frozen(repr=False)
class ODSRole:
    """An ODS organisation role code (``RO`` + digits); the common roles are named.

    Unlike the Data Dictionary lists this is not an enum: the ODS publishes
    about 200 roles and adds new ones, so any well-formed code is accepted.
    Named roles have a :attr:`label`; other codes have ``None``.  Lookup is
    exact (upper-case ``RO``, no spaces).

    >>> ODSRole.from_code("RO76") == ODSRole.GP_PRACTICE
    True
    >>> ODSRole.GP_PRACTICE.label
    'GP PRACTICE'
    >>> ODSRole.from_code("RO999")
    ODSRole('RO999')
    >>> ODSRole.from_code("RO999").label is None
    True
    >>> ODSRole.from_code("ro76")
    Traceback (most recent call last):
        ...
    nhsstd.codes.UnknownCodeError: ODS ORGANISATION ROLE: a role code is 'RO' followed by ASCII digits
    """

    code: str = attrs.field(validator=_check_code)

    code_system: ClassVar[CodeSystem] = _SYSTEM

    PRESCRIBING_COST_CENTRE: ClassVar[ODSRole]
    GP_PRACTICE: ClassVar[ODSRole]
    NHS_TRUST: ClassVar[ODSRole]
    NHS_TRUST_SITE: ClassVar[ODSRole]
    FOUNDATION_TRUST: ClassVar[ODSRole]
    CLINICAL_COMMISSIONING_GROUP: ClassVar[ODSRole]
    INTEGRATED_CARE_BOARD: ClassVar[ODSRole]
    SUB_ICB_LOCATION: ClassVar[ODSRole]
    STRATEGIC_PARTNERSHIP: ClassVar[ODSRole]
    PRIMARY_CARE_NETWORK: ClassVar[ODSRole]
    BRANCH_SURGERY: ClassVar[ODSRole]
    PHARMACY: ClassVar[ODSRole]
    PHARMACY_HEADQUARTER: ClassVar[ODSRole]
    PHARMACY_SITE: ClassVar[ODSRole]
    GENERAL_DENTAL_PRACTICE: ClassVar[ODSRole]
    INDEPENDENT_SECTOR_HEALTHCARE_PROVIDER: ClassVar[ODSRole]
    INDEPENDENT_SECTOR_HC_PROVIDER_SITE: ClassVar[ODSRole]
    CARE_TRUST: ClassVar[ODSRole]
    SOCIAL_CARE_PROVIDER: ClassVar[ODSRole]
    SOCIAL_CARE_SITE: ClassVar[ODSRole]
    LOCAL_AUTHORITY: ClassVar[ODSRole]
    WELSH_LOCAL_HEALTH_BOARD: ClassVar[ODSRole]
    SCOTTISH_HEALTH_BOARD: ClassVar[ODSRole]
    SCOTTISH_GP_PRACTICE: ClassVar[ODSRole]
    NORTHERN_IRELAND_GP_PRACTICE: ClassVar[ODSRole]
    NORTHERN_IRELAND_HEALTH_AND_SOCIAL_CARE_TRUST: ClassVar[ODSRole]
    NHS_ENGLAND_REGION: ClassVar[ODSRole]
    OUT_OF_HOURS_COST_CENTRE: ClassVar[ODSRole]
    WALK_IN_CENTRE: ClassVar[ODSRole]
    PRISON_PRESCRIBING_COST_CENTRE: ClassVar[ODSRole]
    OTHER_PRESCRIBING_COST_CENTRE: ClassVar[ODSRole]
    HOSPICE: ClassVar[ODSRole]

    @classmethod
    def from_code(cls, code: str) -> ODSRole:
        """The role with exactly this code (named or not)."""
        return cls(code)

    @classmethod
    def parse(cls, code: str) -> ODSRole:
        """Same as :meth:`from_code`: role codes are never normalised."""
        return cls(code)

    @classmethod
    def members(cls) -> tuple[ODSRole, ...]:
        """The named roles, in the order of the research snapshot."""
        return tuple(cls(code) for code in _KNOWN)

    @property
    def name(self) -> str | None:
        """The Python name of a named role (``"GP_PRACTICE"``), else ``None``."""
        known = _KNOWN.get(self.code)
        return known.name if known else None

    @property
    def label(self) -> str | None:
        """The ODS display name of a named role, else ``None``."""
        known = _KNOWN.get(self.code)
        return known.label if known else None

    @property
    def is_named(self) -> bool:
        """True when the role is one of the named members."""
        return self.code in _KNOWN

    @property
    def primary_in_snapshot(self) -> bool | None:
        """Whether the role was a primary role in the research snapshot (``None`` if unnamed)."""
        known = _KNOWN.get(self.code)
        return known.primary if known else None

    @property
    def kind(self) -> CodeKind:
        """Always :attr:`CodeKind.NATIONAL`."""
        return CodeKind.NATIONAL

    @property
    def is_national(self) -> bool:
        """Always true."""
        return True

    @property
    def is_default(self) -> bool:
        """Always false."""
        return False

    @property
    def is_retired(self) -> bool:
        """Always false (role retirement is not tracked)."""
        return False

    @property
    def fhir_system(self) -> str | None:
        """The ODS organisation role CodeSystem URL."""
        return _SYSTEM.fhir_system

    def __str__(self) -> str:
        return self.code

    def __repr__(self) -> str:
        return f"ODSRole({self.code!r})"


for _code, _known in _KNOWN.items():
    setattr(ODSRole, _known.name, ODSRole(_code))
del _code, _known

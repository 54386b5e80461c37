"""Organisation (private module; import from :mod:`nhsstd.models`)."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from nhsstd.codes import ODSRole
from nhsstd.identifiers.ods_code import ODSCode
from nhsstd.models import _checks as check
from nhsstd.models._components import Address, ContactPoint, LocalIdentifier
from nhsstd.models._errors import InvariantError
from nhsstd.models._extras import EMPTY_EXTRAS, Extras, to_extras
from nhsstd.models._privacy import masks_patient_numbers

__all__ = ["Organisation"]


def _roles(value: Iterable[ODSRole]) -> tuple[ODSRole, ...]:
    return check.to_tuple(value, "ODSRole")  # type: ignore[return-value]


def _local_identifiers(value: Iterable[LocalIdentifier]) -> tuple[LocalIdentifier, ...]:
    return check.to_tuple(value, "LocalIdentifier")  # type: ignore[return-value]


def _telecom(value: Iterable[ContactPoint]) -> tuple[ContactPoint, ...]:
    return check.to_tuple(value, "ContactPoint")  # type: ignore[return-value]


@masks_patient_numbers
@attrs.frozen(kw_only=True)
class Organisation:
    """An organisation, usually as recorded by the ODS (FHIR UK Core ``Organization``).

    ``ods_code`` is the organisation code; ``ods_site_code`` the ODS code of
    the site when the record is about one site of the organisation (FHIR
    ``identifier:odsSiteCode``).

    ``local_identifiers`` are its other identifiers (FHIR ``identifier`` with
    another system: a charity number, a supplier's or a local system's code).

    Rules: needs an ``ods_code``, an ``ods_site_code``, a local identifier or a
    ``name`` (FHIR ``org-1``: a name or an identifier);
    ``roles`` has no duplicates; ``primary_role``, when given, is one of
    ``roles``.

    >>> from nhsstd.codes import ODSRole
    >>> from nhsstd.identifiers.ods_code import ODSCode
    >>> from nhsstd.models import Organisation
    >>> practice = Organisation(
    ...     ods_code=ODSCode.parse("Y12345"), name="WHITE ROSE MEDICAL CENTRE",
    ...     roles=[ODSRole.PRESCRIBING_COST_CENTRE, ODSRole.GP_PRACTICE],
    ...     primary_role=ODSRole.PRESCRIBING_COST_CENTRE)
    >>> practice.is_gp_practice
    True
    """

    ods_code: ODSCode | None = None
    #: The ODS site code (a site of the organisation: ``RR813``).
    ods_site_code: ODSCode | None = None
    #: Identifiers other than ODS codes, in order.
    local_identifiers: tuple[LocalIdentifier, ...] = attrs.field(default=(), converter=_local_identifiers)
    name: str | None = None
    #: Every role of the organisation, primary or not.
    roles: tuple[ODSRole, ...] = attrs.field(default=(), converter=_roles)
    #: The primary role (ODS records have exactly one); must be one of ``roles``.
    primary_role: ODSRole | None = None
    active: bool | None = None
    address: Address | None = None
    telecom: tuple[ContactPoint, ...] = attrs.field(default=(), converter=_telecom)
    extras: Extras = attrs.field(default=EMPTY_EXTRAS, converter=to_extras)

    def __attrs_post_init__(self) -> None:
        _check_organisation(self)
        self._check_rules()

    def _check_rules(self) -> None:
        """The rules beyond field types (also run by the fast :mod:`nhsstd.json` reader)."""
        if (
            self.ods_code is None
            and self.ods_site_code is None
            and not self.local_identifiers
            and self.name is None
        ):
            raise InvariantError(
                "Organisation",
                ("ods_code", "ods_site_code", "local_identifiers", "name"),
                "an organisation needs an ods_code, an ods_site_code, a local identifier or a name",
            )
        if len(set(self.roles)) != len(self.roles):
            raise InvariantError("Organisation", ("roles",), "roles are repeated")
        if self.primary_role is not None and self.primary_role not in self.roles:
            raise InvariantError(
                "Organisation", ("roles", "primary_role"), "primary_role is not one of roles"
            )

    @property
    def is_gp_practice(self) -> bool:
        """True for an English GP practice (an ODS record with the GP PRACTICE role, RO76)."""
        return ODSRole.GP_PRACTICE in self.roles


_check_organisation = check.type_checker(Organisation)

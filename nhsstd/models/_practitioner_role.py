"""PractitionerRole (private module; import from :mod:`nhsstd.models`)."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from nhsstd.models import _checks as check
from nhsstd.models._components import Coding, ContactPoint, Period, Reference
from nhsstd.models._extras import EMPTY_EXTRAS, Extras, to_extras
from nhsstd.models._privacy import masks_patient_numbers

__all__ = ["PractitionerRole"]


def _codings(value: Iterable[Coding]) -> tuple[Coding, ...]:
    return check.to_tuple(value, "Coding")  # type: ignore[return-value]


def _telecom(value: Iterable[ContactPoint]) -> tuple[ContactPoint, ...]:
    return check.to_tuple(value, "ContactPoint")  # type: ignore[return-value]


@masks_patient_numbers
@attrs.frozen(kw_only=True)
class PractitionerRole:
    """A role that a practitioner holds at an organisation (FHIR UK Core ``PractitionerRole``).

    In the NHS a role is recorded by the Spine Directory Service as a *role
    profile*, with its own ``sds_role_profile_id`` (ASCII digits).  The
    practitioner and the organisation are :class:`Reference` values: a FHIR
    address, an SDS user ID or ODS code, a display text, or several of these.
    ``codes`` says what the role is (SNOMED CT, SDS job role codes...) and
    ``specialties`` in which specialty.  Every field is optional.

    >>> import datetime
    >>> from nhsstd.identifiers.ods_code import ODSCode
    >>> from nhsstd.models import Coding, Period, PractitionerRole, Reference
    >>> role = PractitionerRole(
    ...     sds_role_profile_id="100334993514",
    ...     practitioner=Reference(sds_user_id="123456789012"),
    ...     organisation=Reference(ods_code=ODSCode.parse("B82005")),
    ...     codes=[Coding(system="http://snomed.info/sct", code="62247001", display="General practitioner")],
    ...     period=Period(start=datetime.date(2020, 4, 1)),
    ... )
    >>> role.organisation.ods_code, role.codes[0].display
    (ODSCode('B82005'), 'General practitioner')
    >>> PractitionerRole(sds_role_profile_id="1003 3499")
    Traceback (most recent call last):
        ...
    nhsstd.models.InvariantError: PractitionerRole: sds_role_profile_id must be ASCII digits \
(an SDS identifier)
    """

    #: Spine Directory Service role profile ID, ASCII digits.
    sds_role_profile_id: str | None = None
    #: Whether the role is in use (FHIR ``active``).
    active: bool | None = None
    #: When the practitioner holds (or held) the role.
    period: Period | None = None
    #: The practitioner who holds the role.
    practitioner: Reference | None = None
    #: The organisation where the role is held.
    organisation: Reference | None = None
    #: What the role is: one code per FHIR ``code`` entry.
    codes: tuple[Coding, ...] = attrs.field(default=(), converter=_codings)
    #: The role's specialties: one code per FHIR ``specialty`` entry.
    specialties: tuple[Coding, ...] = attrs.field(default=(), converter=_codings)
    telecom: tuple[ContactPoint, ...] = attrs.field(default=(), converter=_telecom)
    extras: Extras = attrs.field(default=EMPTY_EXTRAS, converter=to_extras)

    def __attrs_post_init__(self) -> None:
        _check_practitioner_role(self)
        self._check_rules()

    def _check_rules(self) -> None:
        """The rules beyond field types (also run by the fast :mod:`nhsstd.json` reader)."""
        check.check_sds_id("PractitionerRole", "sds_role_profile_id", self.sds_role_profile_id)


_check_practitioner_role = check.type_checker(PractitionerRole)

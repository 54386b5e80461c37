"""Patient and GP registration (private module; import from :mod:`nhsstd.models`)."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from nhsstd.codes import (
    EthnicCategoryEngland,
    EthnicCategoryScotland,
    EthnicCategoryWales,
    NHSNumberStatusIndicatorCode,
    PersonMaritalStatus,
    PersonMaritalStatusScotland,
    PersonStatedGenderCode,
)
from nhsstd.exceptions import Reason
from nhsstd.identifiers.chi_number import CHINumber
from nhsstd.identifiers.gmp_code import GMPCode
from nhsstd.identifiers.hc_number import HCNumber
from nhsstd.identifiers.nhs_number import NHSNumber
from nhsstd.identifiers.ods_code import ODSCode
from nhsstd.models import _checks as check
from nhsstd.models._components import Address, ContactPoint, HumanName, LocalIdentifier, Period
from nhsstd.models._errors import InvariantError
from nhsstd.models._extras import EMPTY_EXTRAS, Extras, to_extras
from nhsstd.models._partial_date import PartialDate, to_partial_date
from nhsstd.models._privacy import masks_patient_numbers, withheld

__all__ = ["GPRegistration", "Patient"]

_ETHNIC = (EthnicCategoryEngland, EthnicCategoryWales, EthnicCategoryScotland)
_MARITAL = (PersonMaritalStatus, PersonMaritalStatusScotland)

#: Statuses that say an NHS Number is present.
_NUMBER_PRESENT = frozenset({NHSNumberStatusIndicatorCode.VERIFIED, NHSNumberStatusIndicatorCode.NOT_TRACED})


def _names(value: Iterable[HumanName]) -> tuple[HumanName, ...]:
    return check.to_tuple(value, "HumanName")  # type: ignore[return-value]


def _local_identifiers(value: Iterable[LocalIdentifier]) -> tuple[LocalIdentifier, ...]:
    return check.to_tuple(value, "LocalIdentifier")  # type: ignore[return-value]


def _addresses(value: Iterable[Address]) -> tuple[Address, ...]:
    return check.to_tuple(value, "Address")  # type: ignore[return-value]


def _telecom(value: Iterable[ContactPoint]) -> tuple[ContactPoint, ...]:
    return check.to_tuple(value, "ContactPoint")  # type: ignore[return-value]


@masks_patient_numbers
@attrs.frozen(kw_only=True)
class GPRegistration:
    """A patient's registration with a GP practice (FHIR ``generalPractitioner``; HL7 v2 PD1-3/PD1-4).

    >>> from nhsstd.identifiers.ods_code import ODSCode
    >>> from nhsstd.models import GPRegistration
    >>> GPRegistration(practice=ODSCode.parse("Y12345")).practice
    ODSCode('Y12345')
    """

    #: The practice's ODS code.
    practice: ODSCode
    #: When the registration is (or was) in force.
    period: Period | None = None
    #: The registered GP's GMP (PPD) code, where known.
    general_practitioner: GMPCode | None = None

    def __attrs_post_init__(self) -> None:
        _check_gp_registration(self)
        self._check_rules()

    def _check_rules(self) -> None:
        """The rules beyond field types (also run by the fast :mod:`nhsstd.json` reader)."""


@masks_patient_numbers
@attrs.frozen(kw_only=True)
class Patient:
    """A patient's demographic record (FHIR UK Core ``Patient``; HL7 v2 PID/PD1).

    Every field is optional.  Rules checked on construction and on every
    :func:`attrs.evolve`:

    * ``death_date`` may not be (definitely) before ``birth_date``;
    * a ``death_date`` means the patient is deceased: ``deceased`` is set to
      ``True`` when it is left out, and ``deceased=False`` with a death date
      is refused (``deceased=True`` alone records a death whose date is not
      known);
    * ``nhs_number_status`` ``01`` (verified) or ``02`` (present, not traced)
      needs an ``nhs_number``, and ``07`` (number not present) forbids one.

    ``extras`` carries elements that a serialiser read but this model does not
    hold (see :class:`Extras`).

    The ``repr`` shows what a log may hold: patient numbers masked, the status,
    gender, local identifiers (masked), GP registration; the fields describing the
    person -- names, birth and death, address, telecom, ethnicity, marital status
    -- are shown only as ``<withheld>`` when set.

    >>> import attrs
    >>> from nhsstd.identifiers.nhs_number import NHSNumber
    >>> from nhsstd.codes import NHSNumberStatusIndicatorCode, PersonStatedGenderCode
    >>> from nhsstd.models import HumanName, NameUse, PartialDate
    >>> patient = Patient(
    ...     nhs_number=NHSNumber.parse("943 476 5919"),
    ...     nhs_number_status=NHSNumberStatusIndicatorCode.VERIFIED,
    ...     names=[HumanName(use=NameUse.OFFICIAL, family="Smith", given=["Richard"])],
    ...     birth_date=PartialDate.parse("1970-09"),
    ...     stated_gender=PersonStatedGenderCode.MALE,
    ... )
    >>> patient.names[0].family, str(patient.birth_date)
    ('Smith', '1970-09')
    >>> attrs.evolve(patient, death_date=PartialDate.parse("1969"))
    Traceback (most recent call last):
        ...
    nhsstd.models.InvariantError: Patient: death_date is before birth_date
    >>> attrs.evolve(patient, nhs_number=None)
    Traceback (most recent call last):
        ...
    nhsstd.models.InvariantError: Patient: nhs_number_status 01 needs an nhs_number
    >>> attrs.evolve(patient, death_date=PartialDate.parse("2024-05-01")).deceased
    True
    >>> attrs.evolve(patient, death_date=PartialDate.parse("2024-05-01"), deceased=False)
    Traceback (most recent call last):
        ...
    nhsstd.models.InvariantError: Patient: deceased is False but there is a death_date
    """

    nhs_number: NHSNumber | None = None
    #: How far the NHS Number has been verified (NHS NUMBER STATUS INDICATOR CODE).
    nhs_number_status: NHSNumberStatusIndicatorCode | None = None
    #: Scotland's Community Health Index number.
    chi_number: CHINumber | None = None
    #: Northern Ireland's Health and Care Number.
    hc_number: HCNumber | None = None
    #: Identifiers issued locally, such as hospital numbers (MRNs), in order.
    local_identifiers: tuple[LocalIdentifier, ...] = attrs.field(default=(), converter=_local_identifiers)
    names: tuple[HumanName, ...] = attrs.field(default=(), converter=_names, repr=withheld)
    #: A full date, or only the year or year and month where that is all that is known.
    birth_date: PartialDate | None = attrs.field(default=None, converter=to_partial_date, repr=withheld)
    death_date: PartialDate | None = attrs.field(default=None, converter=to_partial_date, repr=withheld)
    #: Whether the patient has died (``None``: not recorded).  Always ``True`` when there is a
    #: ``death_date``.
    deceased: bool | None = attrs.field(default=None, repr=withheld)
    stated_gender: PersonStatedGenderCode | None = None
    ethnic_category: EthnicCategoryEngland | EthnicCategoryWales | EthnicCategoryScotland | None = (
        attrs.field(default=None, repr=withheld)
    )
    marital_status: PersonMaritalStatus | PersonMaritalStatusScotland | None = attrs.field(
        default=None, repr=withheld
    )
    addresses: tuple[Address, ...] = attrs.field(default=(), converter=_addresses, repr=withheld)
    telecom: tuple[ContactPoint, ...] = attrs.field(default=(), converter=_telecom, repr=withheld)
    registered_gp: GPRegistration | None = None
    extras: Extras = attrs.field(default=EMPTY_EXTRAS, converter=to_extras)

    def __attrs_post_init__(self) -> None:
        _check_patient(self)
        self._check_rules()

    def _check_rules(self) -> None:
        """The rules beyond field types (also run by the fast :mod:`nhsstd.json` reader).

        Also completes ``deceased`` (``True``) for a patient with a death date, so
        that every way of building a patient gives the same model.
        """
        birth, death = self.birth_date, self.death_date
        if death is not None:
            if birth is not None and death.is_definitely_before(birth):
                raise InvariantError(
                    "Patient",
                    ("birth_date", "death_date"),
                    "death_date is before birth_date",
                    reason=Reason.INVALID_DATE,
                )
            if self.deceased is None:
                object.__setattr__(self, "deceased", True)  # frozen: set once, while being built
            elif not self.deceased:
                raise InvariantError(
                    "Patient", ("death_date", "deceased"), "deceased is False but there is a death_date"
                )
        status = self.nhs_number_status
        if status is not None:
            if self.nhs_number is None and status in _NUMBER_PRESENT:
                raise InvariantError(
                    "Patient",
                    ("nhs_number", "nhs_number_status"),
                    f"nhs_number_status {status.code} needs an nhs_number",
                )
            if (
                self.nhs_number is not None
                and status is NHSNumberStatusIndicatorCode.NOT_PRESENT_TRACE_NOT_REQUIRED
            ):
                raise InvariantError(
                    "Patient",
                    ("nhs_number", "nhs_number_status"),
                    "nhs_number_status 07 (number not present) forbids an nhs_number",
                )


_check_gp_registration = check.type_checker(GPRegistration)
_check_patient = check.type_checker(Patient)

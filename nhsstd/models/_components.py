"""Data types shared by the resource models (private; import from :mod:`nhsstd.models`)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

import attrs

from nhsstd.exceptions import Reason
from nhsstd.identifiers.nhs_pseudo_postcode import NHSPseudoPostcode
from nhsstd.identifiers.ods_code import ODSCode
from nhsstd.identifiers.postcode import UKPostcode, is_uk_postcode_country
from nhsstd.identifiers.uprn import UPRN
from nhsstd.models import _checks as check
from nhsstd.models._errors import InvariantError
from nhsstd.models._fhir_codes import AddressUse, ContactPointSystem, ContactPointUse, NameUse
from nhsstd.models._privacy import masks_patient_numbers

__all__ = [
    "Address",
    "AddressPostcode",
    "Coding",
    "ContactPoint",
    "HumanName",
    "LocalIdentifier",
    "Period",
    "Reference",
]

#: Largest ``ContactPoint.rank`` (FHIR ``positiveInt``).
MAX_RANK = 2_147_483_647

#: The postcode of an NHS address: a Royal Mail postcode or an NHS pseudo-postcode.
AddressPostcode = UKPostcode | NHSPseudoPostcode


def _strings(value: Iterable[str]) -> tuple[str, ...]:
    return check.to_tuple(value, "str")  # type: ignore[return-value]


@masks_patient_numbers
@attrs.frozen
class Period:
    """A time range in whole days, open at either end (FHIR ``Period`` at date precision).

    >>> import datetime
    >>> from nhsstd.models import Period
    >>> Period(datetime.date(2020, 1, 1)).contains(datetime.date(2024, 5, 1))
    True
    >>> Period(datetime.date(2021, 1, 1), datetime.date(2020, 1, 1))
    Traceback (most recent call last):
        ...
    nhsstd.models.InvariantError: Period: end is before start
    """

    start: datetime.date | None = None
    end: datetime.date | None = None

    def __attrs_post_init__(self) -> None:
        _check_period(self)
        self._check_rules()

    def _check_rules(self) -> None:
        """The rules beyond field types (also run by the fast :mod:`nhsstd.json` reader)."""
        start, end = self.start, self.end
        if start is None:
            if end is None:
                raise InvariantError("Period", ("start", "end"), "a period needs a start or an end")
        elif end is not None and end < start:
            raise InvariantError(
                "Period", ("start", "end"), "end is before start", reason=Reason.INVALID_DATE
            )

    def contains(self, day: datetime.date) -> bool:
        """True when *day* is within the period (both ends inclusive)."""
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


@masks_patient_numbers
@attrs.frozen(kw_only=True)
class HumanName:
    """A person's name (FHIR ``HumanName``; HL7 v2 XPN).

    Needs at least one of ``text``, ``family`` or ``given``.  Parts are kept
    exactly as given: nothing is trimmed or re-cased.

    >>> from nhsstd.models import HumanName, NameUse
    >>> name = HumanName(use=NameUse.OFFICIAL, family="Smith", given=["Richard", "John"], prefix=["Mr"])
    >>> name.given
    ('Richard', 'John')
    >>> HumanName(given=[])
    Traceback (most recent call last):
        ...
    nhsstd.models.InvariantError: HumanName: a name needs text, a family name or a given name
    """

    use: NameUse | None = None
    text: str | None = None
    family: str | None = None
    given: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    prefix: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    suffix: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    period: Period | None = None

    def __attrs_post_init__(self) -> None:
        _check_human_name(self)
        self._check_rules()

    def _check_rules(self) -> None:
        """The rules beyond field types (also run by the fast :mod:`nhsstd.json` reader)."""
        if self.text is None and self.family is None and not self.given:
            raise InvariantError(
                "HumanName", ("text", "family", "given"), "a name needs text, a family name or a given name"
            )


@masks_patient_numbers
@attrs.frozen(kw_only=True)
class Address:
    """A postal address (FHIR ``Address``; HL7 v2 XAD).

    ``postcode`` is a :class:`~nhsstd.identifiers.postcode.UKPostcode` or an
    :class:`~nhsstd.identifiers.nhs_pseudo_postcode.NHSPseudoPostcode` (parse
    user input with :func:`~nhsstd.identifiers.postcode.parse_address_postcode`);
    ``uprn`` is the property's Unique Property Reference Number (UK Core
    address key).  Needs at least one element; a ``postcode`` needs the
    address to be in the UK -- no ``country``, or one whose postcodes are Royal
    Mail postcodes (:func:`~nhsstd.identifiers.postcode.is_uk_postcode_country`):
    an address abroad has that country's postal code, which the readers keep
    as given.

    >>> from nhsstd.identifiers.postcode import parse_address_postcode
    >>> from nhsstd.models import Address
    >>> address = Address(lines=["1 Trevelyan Square", "Boar Lane"], city="Leeds",
    ...                   postcode=parse_address_postcode("LS1 6AE"))
    >>> address.postcode
    UKPostcode('LS1 6AE')
    >>> Address(postcode=parse_address_postcode("ZZ99 3VZ")).postcode.is_no_fixed_abode
    True
    >>> Address(postcode=parse_address_postcode("LS1 6AE"), country="France")
    Traceback (most recent call last):
        ...
    nhsstd.models.InvariantError: Address: a postcode needs no country or a UK one
    """

    use: AddressUse | None = None
    text: str | None = None
    lines: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    city: str | None = None
    district: str | None = None
    postcode: AddressPostcode | None = None
    country: str | None = None
    uprn: UPRN | None = None
    period: Period | None = None

    def __attrs_post_init__(self) -> None:
        _check_address(self)
        self._check_rules()

    def _check_rules(self) -> None:
        """The rules beyond field types (also run by the fast :mod:`nhsstd.json` reader)."""
        if (
            self.text is None
            and not self.lines
            and self.city is None
            and self.district is None
            and self.postcode is None
            and self.country is None
            and self.uprn is None
        ):
            raise InvariantError("Address", (), "an address needs at least one element")
        if self.postcode is not None and not is_uk_postcode_country(self.country):
            raise InvariantError(
                "Address", ("postcode", "country"), "a postcode needs no country or a UK one"
            )


@masks_patient_numbers
@attrs.frozen(kw_only=True)
class ContactPoint:
    """A telephone number, e-mail address or other telecom value (FHIR ``ContactPoint``).

    ``rank`` orders preference: 1 is the most preferred.

    >>> from nhsstd.models import ContactPoint, ContactPointSystem, ContactPointUse
    >>> ContactPoint(system=ContactPointSystem.PHONE, value="01632 960587", use=ContactPointUse.HOME)
    ContactPoint(system=<ContactPointSystem.PHONE: 'phone'>, value='01632 960587', \
use=<ContactPointUse.HOME: 'home'>, rank=None, period=None)
    """

    system: ContactPointSystem
    value: str
    use: ContactPointUse | None = None
    rank: int | None = None
    period: Period | None = None

    def __attrs_post_init__(self) -> None:
        _check_contact_point(self)
        self._check_rules()

    def _check_rules(self) -> None:
        """The rules beyond field types (also run by the fast :mod:`nhsstd.json` reader)."""
        rank = self.rank
        if rank is not None and not 1 <= rank <= MAX_RANK:
            raise InvariantError(
                "ContactPoint", ("rank",), "rank must be 1 to 2147483647", reason=Reason.OUT_OF_RANGE
            )


@masks_patient_numbers
@attrs.frozen(kw_only=True)
class LocalIdentifier:
    """An identifier issued locally, such as a hospital number (MRN) (FHIR ``Identifier``; HL7 v2 CX).

    ``value`` is kept exactly as issued (local numbering schemes have no
    common format).  ``assigner`` is the ODS code of the issuing
    organisation -- the NHS trust, for an MRN -- and ``system`` the FHIR
    ``Identifier.system`` of the numbering scheme, where one is known.  At
    least one of the two is needed: a value alone says nothing about whose
    number it is.

    >>> from nhsstd.identifiers.ods_code import ODSCode
    >>> from nhsstd.models import LocalIdentifier
    >>> mrn = LocalIdentifier(value="12067204", assigner=ODSCode.parse("R0A"))
    >>> mrn.assigner
    ODSCode('R0A')
    >>> LocalIdentifier(value="12067204")
    Traceback (most recent call last):
        ...
    nhsstd.models.InvariantError: LocalIdentifier: a local identifier needs a system or an assigner
    """

    value: str
    #: The FHIR ``Identifier.system`` (a URI naming the numbering scheme).
    system: str | None = None
    #: The ODS code of the organisation that issued the identifier.
    assigner: ODSCode | None = None

    def __attrs_post_init__(self) -> None:
        _check_local_identifier(self)
        self._check_rules()

    def _check_rules(self) -> None:
        """The rules beyond field types (also run by the fast :mod:`nhsstd.json` reader)."""
        if self.system is None and self.assigner is None:
            raise InvariantError(
                "LocalIdentifier", ("system", "assigner"), "a local identifier needs a system or an assigner"
            )


@masks_patient_numbers
@attrs.frozen(kw_only=True)
class Reference:
    """A reference from one record to another (FHIR ``Reference``): by address, by identifier, or both.

    ``reference`` is where the target is (FHIR literal reference: a relative
    ``Practitioner/123``, an absolute URL, ``urn:uuid:...`` or ``#id``); the
    target can also (or instead) be named by its national identifier -- an
    ODS code for an organisation, an SDS user ID for a practitioner -- and
    described by ``display``.  Needs at least one element, and at most one
    identifier.

    >>> from nhsstd.identifiers.ods_code import ODSCode
    >>> from nhsstd.models import Reference
    >>> Reference(ods_code=ODSCode.parse("B82005"), display="WHITE ROSE MEDICAL CENTRE").ods_code
    ODSCode('B82005')
    >>> Reference(sds_user_id="G123")
    Traceback (most recent call last):
        ...
    nhsstd.models.InvariantError: Reference: sds_user_id must be ASCII digits (an SDS identifier)
    """

    #: The target's address (FHIR ``Reference.reference``).
    reference: str | None = None
    #: The target organisation's ODS code (``Reference.identifier``).
    ods_code: ODSCode | None = None
    #: The target practitioner's SDS user ID (``Reference.identifier``), ASCII digits.
    sds_user_id: str | None = None
    #: Text naming the target (FHIR ``Reference.display``).
    display: str | None = None

    def __attrs_post_init__(self) -> None:
        _check_reference(self)
        self._check_rules()

    def _check_rules(self) -> None:
        """The rules beyond field types (also run by the fast :mod:`nhsstd.json` reader)."""
        ods_code, sds_user_id = self.ods_code, self.sds_user_id
        if ods_code is None and sds_user_id is None:
            if self.reference is None and self.display is None:
                raise InvariantError(
                    "Reference",
                    ("reference", "ods_code", "sds_user_id", "display"),
                    "a reference needs a reference, an identifier or a display",
                )
            return
        if ods_code is not None and sds_user_id is not None:
            raise InvariantError(
                "Reference", ("ods_code", "sds_user_id"), "a reference has at most one identifier"
            )
        check.check_sds_id("Reference", "sds_user_id", sds_user_id)


@masks_patient_numbers
@attrs.frozen(kw_only=True)
class Coding:
    """A code from a code system that nhsstd does not list itself (FHIR ``Coding``).

    For example SNOMED CT (``http://snomed.info/sct``) or the SDS job role
    names.  ``system`` and ``code`` are kept exactly as given; ``display`` is
    the code system's text for the code, where given.

    >>> from nhsstd.models import Coding
    >>> Coding(system="http://snomed.info/sct", code="62247001", display="General practitioner").code
    '62247001'
    """

    #: The code system's URI.
    system: str
    code: str
    display: str | None = None

    def __attrs_post_init__(self) -> None:
        _check_coding(self)
        self._check_rules()

    def _check_rules(self) -> None:
        """The rules beyond field types (also run by the fast :mod:`nhsstd.json` reader)."""


_check_period = check.type_checker(Period)
_check_human_name = check.type_checker(HumanName)
_check_address = check.type_checker(Address)
_check_contact_point = check.type_checker(ContactPoint)
_check_local_identifier = check.type_checker(LocalIdentifier)
_check_reference = check.type_checker(Reference)
_check_coding = check.type_checker(Coding)

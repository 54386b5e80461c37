"""Small FHIR value sets used by the models (private; import from :mod:`nhsstd.models`).

They are :class:`~nhsstd.codes.CodedEnum` lists like the Data Dictionary
ones, so lookup is exact and unknown codes raise
:class:`~nhsstd.codes.UnknownCodeError`.
"""

from __future__ import annotations

from nhsstd.codes import CodedEnum, CodeInfo, CodeSystem
from nhsstd.codes._base import code_list

__all__ = ["AddressUse", "ContactPointSystem", "ContactPointUse", "NameUse"]


def _fhir(name: str, key: str, url: str) -> CodeSystem:
    return CodeSystem(
        name=name, key=key, fhir_system=url, sources=(url.replace("/fhir/", "/fhir/R4/") + ".html",)
    )


@code_list(
    _fhir("NameUse (FHIR)", "name_use", "http://hl7.org/fhir/name-use"),
    {
        "usual": CodeInfo("Usual"),
        "official": CodeInfo("Official"),
        "temp": CodeInfo("Temp"),
        "nickname": CodeInfo("Nickname"),
        "anonymous": CodeInfo("Anonymous"),
        "old": CodeInfo("Old"),
        "maiden": CodeInfo("Name changed for Marriage"),
    },
)
class NameUse(CodedEnum):
    """FHIR ``name-use``: the purpose of a name.

    >>> from nhsstd.models import NameUse
    >>> NameUse.from_code("official")
    <NameUse.OFFICIAL: 'official'>
    """

    __module__ = "nhsstd.models"

    USUAL = "usual"
    OFFICIAL = "official"
    TEMP = "temp"
    NICKNAME = "nickname"
    ANONYMOUS = "anonymous"
    OLD = "old"
    MAIDEN = "maiden"


@code_list(
    _fhir("AddressUse (FHIR)", "address_use", "http://hl7.org/fhir/address-use"),
    {
        "home": CodeInfo("Home"),
        "work": CodeInfo("Work"),
        "temp": CodeInfo("Temporary"),
        "old": CodeInfo("Old / Incorrect"),
        "billing": CodeInfo("Billing"),
    },
)
class AddressUse(CodedEnum):
    """FHIR ``address-use``: the purpose of an address."""

    __module__ = "nhsstd.models"

    HOME = "home"
    WORK = "work"
    TEMP = "temp"
    OLD = "old"
    BILLING = "billing"


@code_list(
    _fhir("ContactPointSystem (FHIR)", "contact_point_system", "http://hl7.org/fhir/contact-point-system"),
    {
        "phone": CodeInfo("Phone"),
        "fax": CodeInfo("Fax"),
        "email": CodeInfo("Email"),
        "pager": CodeInfo("Pager"),
        "url": CodeInfo("URL"),
        "sms": CodeInfo("SMS"),
        "other": CodeInfo("Other"),
    },
)
class ContactPointSystem(CodedEnum):
    """FHIR ``contact-point-system``: the kind of telecom value."""

    __module__ = "nhsstd.models"

    PHONE = "phone"
    FAX = "fax"
    EMAIL = "email"
    PAGER = "pager"
    URL = "url"
    SMS = "sms"
    OTHER = "other"


@code_list(
    _fhir("ContactPointUse (FHIR)", "contact_point_use", "http://hl7.org/fhir/contact-point-use"),
    {
        "home": CodeInfo("Home"),
        "work": CodeInfo("Work"),
        "temp": CodeInfo("Temp"),
        "old": CodeInfo("Old"),
        "mobile": CodeInfo("Mobile"),
    },
)
class ContactPointUse(CodedEnum):
    """FHIR ``contact-point-use``: the purpose of a telecom value."""

    __module__ = "nhsstd.models"

    HOME = "home"
    WORK = "work"
    TEMP = "temp"
    OLD = "old"
    MOBILE = "mobile"

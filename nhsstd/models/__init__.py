"""Typed domain models: frozen, slotted attrs classes.

The models hold identifier value classes (:class:`~nhsstd.identifiers.nhs_number.NHSNumber`,
:class:`~nhsstd.identifiers.ods_code.ODSCode`...) and coded values
(:mod:`nhsstd.codes`) rather than strings, so a model that exists is valid:
fields are type-checked and rules are enforced on construction, raising
:class:`InvariantError` (a :class:`~nhsstd.exceptions.ValidationError`) or
:class:`TypeError` for a value of the wrong Python type.

Models are immutable; update them with :func:`attrs.evolve`, which builds a
new instance and so re-checks every rule:

>>> import attrs, datetime
>>> from nhsstd.models import Period
>>> period = Period(start=datetime.date(2020, 1, 1))
>>> attrs.evolve(period, end=datetime.date(2019, 12, 31))
Traceback (most recent call last):
    ...
nhsstd.models.InvariantError: Period: end is before start

To store or send models use :mod:`nhsstd.json`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nhsstd import _lazy

if TYPE_CHECKING:
    from nhsstd.models._catalogue import MODELS
    from nhsstd.models._components import (
        Address,
        AddressPostcode,
        Coding,
        ContactPoint,
        HumanName,
        LocalIdentifier,
        Period,
        Reference,
    )
    from nhsstd.models._errors import InvariantError
    from nhsstd.models._extras import Extras, JSONValue
    from nhsstd.models._fhir_codes import AddressUse, ContactPointSystem, ContactPointUse, NameUse
    from nhsstd.models._organisation import Organisation
    from nhsstd.models._partial_date import DatePrecision, PartialDate
    from nhsstd.models._patient import GPRegistration, Patient
    from nhsstd.models._practitioner import Practitioner
    from nhsstd.models._practitioner_role import PractitionerRole

__all__ = [
    "MODELS",
    "Address",
    "AddressPostcode",
    "AddressUse",
    "Coding",
    "ContactPoint",
    "ContactPointSystem",
    "ContactPointUse",
    "DatePrecision",
    "Extras",
    "GPRegistration",
    "HumanName",
    "InvariantError",
    "JSONValue",
    "LocalIdentifier",
    "NameUse",
    "Organisation",
    "PartialDate",
    "Patient",
    "Period",
    "Practitioner",
    "PractitionerRole",
    "Reference",
]

# Imported on first use: the conformance validator needs only the private checks
# (``nhsstd.models._checks``), and importing them must not build every model class.
_LAZY: dict[str, str] = {
    "MODELS": "._catalogue",
    "Address": "._components",
    "AddressPostcode": "._components",
    "Coding": "._components",
    "ContactPoint": "._components",
    "HumanName": "._components",
    "LocalIdentifier": "._components",
    "Period": "._components",
    "Reference": "._components",
    "InvariantError": "._errors",
    "Extras": "._extras",
    "JSONValue": "._extras",
    "AddressUse": "._fhir_codes",
    "ContactPointSystem": "._fhir_codes",
    "ContactPointUse": "._fhir_codes",
    "NameUse": "._fhir_codes",
    "Organisation": "._organisation",
    "DatePrecision": "._partial_date",
    "PartialDate": "._partial_date",
    "GPRegistration": "._patient",
    "Patient": "._patient",
    "Practitioner": "._practitioner",
    "PractitionerRole": "._practitioner_role",
}

if not TYPE_CHECKING:  # type checkers see the names imported above, and so catch misspelt ones
    __getattr__, __dir__ = _lazy.hooks(__name__, _LAZY, __all__)

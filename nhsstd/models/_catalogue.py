"""Every model class, for the generic code that handles any of them (private; public as ``MODELS``)."""

from __future__ import annotations

from nhsstd.models._components import (
    Address,
    Coding,
    ContactPoint,
    HumanName,
    LocalIdentifier,
    Period,
    Reference,
)
from nhsstd.models._organisation import Organisation
from nhsstd.models._patient import GPRegistration, Patient
from nhsstd.models._practitioner import Practitioner
from nhsstd.models._practitioner_role import PractitionerRole

__all__ = ["MODELS"]

#: Every model class (each can be a top-level :mod:`nhsstd.json` document), resources first.
#: :class:`PartialDate` is a value type, written as a string inside models.
MODELS: tuple[type, ...] = (
    Patient,
    Practitioner,
    Organisation,
    PractitionerRole,
    GPRegistration,
    LocalIdentifier,
    HumanName,
    Address,
    ContactPoint,
    Reference,
    Coding,
    Period,
)

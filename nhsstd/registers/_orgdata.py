"""What every ODS source (extract rows, ORD JSON, ODT FHIR) is read into, before the model.

The three sources describe an organisation in three shapes; each reader
produces an :class:`OrgData`, and :func:`to_organisation` is the single place
that turns one into the public model, so the sources cannot drift apart.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from nhsstd.models import Organisation

__all__ = ["OrgData", "to_organisation"]


@attrs.frozen
class OrgData:
    """An organisation as the registers describe it (private, source-neutral).

    ``roles`` lists role codes (``RO177``), the primary role first when the
    source says which is primary.
    """

    code: str
    name: str
    active: bool | None
    status_code: str | None = None
    roles: tuple[str, ...] = ()
    primary_role: str | None = None
    address_lines: tuple[str, ...] = ()
    town: str | None = None
    county: str | None = None
    postcode: str | None = None
    country: str | None = None
    phone: str | None = None
    open_date: datetime.date | None = None
    close_date: datetime.date | None = None
    parent_code: str | None = None
    record_class: str | None = None
    last_change_date: datetime.date | None = None
    source: str = ""
    extra: tuple[tuple[str, str], ...] = ()


def to_organisation(data: OrgData) -> Organisation:
    """The :class:`nhsstd.models.Organisation` for *data*."""
    # Imported here: the readers of the three sources import this module, the adapters
    # import the models, and this keeps the readers importable on their own.
    from nhsstd.registers import _adapters

    return _adapters.organisation(data)


def sorted_roles(roles: Sequence[str], primary: str | None) -> tuple[str, ...]:
    """*roles* without duplicates, *primary* first."""
    seen: list[str] = []
    if primary:
        seen.append(primary)
    for role in roles:
        if role and role not in seen:
            seen.append(role)
    return tuple(seen)

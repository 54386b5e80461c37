"""ODS organisation roles: any RO + digits, the research subset named."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nhsstd.codes import CodeKind, ODSRole, UnknownCodeError
from nhsstd.exceptions import Reason

# research/datadictionary.md section 10: (role, display name, primary in the snapshot).
NAMED = [
    ("RO177", "PRESCRIBING COST CENTRE", True),
    ("RO76", "GP PRACTICE", False),
    ("RO197", "NHS TRUST", True),
    ("RO198", "NHS TRUST SITE", True),
    ("RO57", "FOUNDATION TRUST", False),
    ("RO98", "CLINICAL COMMISSIONING GROUP", True),
    ("RO318", "INTEGRATED CARE BOARD", False),
    ("RO319", "SUB ICB LOCATION", False),
    ("RO261", "STRATEGIC PARTNERSHIP", True),
    ("RO272", "PRIMARY CARE NETWORK", True),
    ("RO96", "BRANCH SURGERY", True),
    ("RO182", "PHARMACY", True),
    ("RO181", "PHARMACY HEADQUARTER", True),
    ("RO280", "PHARMACY SITE", True),
    ("RO110", "GENERAL DENTAL PRACTICE", True),
    ("RO172", "INDEPENDENT SECTOR HEALTHCARE PROVIDER", True),
    ("RO176", "INDEPENDENT SECTOR H/C PROVIDER SITE", True),
    ("RO107", "CARE TRUST", True),
    ("RO104", "SOCIAL CARE PROVIDER", True),
    ("RO101", "SOCIAL CARE SITE", True),
    ("RO141", "LOCAL AUTHORITY", True),
    ("RO144", "WELSH LOCAL HEALTH BOARD", True),
    ("RO190", "SCOTTISH HEALTH BOARD", True),
    ("RO227", "SCOTTISH GP PRACTICE", True),
    ("RO315", "NORTHERN IRELAND GP PRACTICE", True),
    ("RO154", "NORTHERN IRELAND HEALTH AND SOCIAL CARE TRUST", True),
    ("RO209", "NHS ENGLAND (REGION)", True),
    ("RO80", "OUT OF HOURS COST CENTRE", False),
    ("RO87", "WALK IN CENTRE", False),
    ("RO82", "PRISON PRESCRIBING COST CENTRE", False),
    ("RO72", "OTHER PRESCRIBING COST CENTRE", False),
    ("RO7", "HOSPICE", False),
]


@pytest.mark.parametrize(("code", "label", "primary"), NAMED)
def test_named_roles(code: str, label: str, primary: bool) -> None:
    role = ODSRole.from_code(code)
    assert role.code == code
    assert str(role) == code
    assert role.label == label
    assert role.primary_in_snapshot is primary
    assert role.is_named
    assert role.name is not None
    assert getattr(ODSRole, role.name) == role
    assert role.kind is CodeKind.NATIONAL
    assert role.is_national
    assert not role.is_default
    assert not role.is_retired
    assert role.fhir_system == (
        "https://digital.nhs.uk/services/organisation-data-service/CodeSystem/ODSOrganisationRole"
    )


def test_members_are_the_named_roles_in_order() -> None:
    assert [role.code for role in ODSRole.members()] == [row[0] for row in NAMED]


@given(st.integers(min_value=0, max_value=10**12))
def test_any_ro_digits_is_accepted(number: int) -> None:
    role = ODSRole.parse(f"RO{number}")
    assert role.code == f"RO{number}"
    assert role == ODSRole(f"RO{number}")
    assert hash(role) == hash(ODSRole(f"RO{number}"))
    assert (role.label is None) is (not role.is_named)
    assert pickle.loads(pickle.dumps(role)) == role


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("ro76", Reason.FORMAT),
        ("RO", Reason.FORMAT),
        ("RO 76", Reason.FORMAT),
        (" RO76", Reason.FORMAT),
        ("RO76 ", Reason.FORMAT),
        ("R076", Reason.FORMAT),
        ("RO٧٦", Reason.FORMAT),
        ("RO-1", Reason.FORMAT),
        ("", Reason.EMPTY),
        (76, Reason.NOT_A_STRING),
        (None, Reason.NOT_A_STRING),
    ],
)
def test_bad_role_codes(bad: object, reason: Reason) -> None:
    with pytest.raises(UnknownCodeError) as caught:
        ODSRole(bad)  # type: ignore[arg-type]
    assert caught.value.reason is reason
    assert caught.value.code_system == "ODS ORGANISATION ROLE"
    if isinstance(bad, str) and len(bad) > 2:
        assert bad not in str(caught.value)


def test_roles_are_frozen() -> None:
    import attrs

    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        ODSRole.GP_PRACTICE.code = "RO1"  # type: ignore[misc]

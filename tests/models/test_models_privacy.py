"""Issue 11: no model ``repr`` shows a full patient number, and a Patient's shows no personal details.

House rule: no default repr shows a full NHS, CHI or H&C Number -- whatever field carries it --
nor a patient's name, birth date, address or telecom.  Every model and every text field is
tried, with each number in each way it is written (whole, or 3-3-4 with spaces or hyphens).
"""

from __future__ import annotations

import datetime
import re
import typing
from typing import Any

import attrs
import pytest

from nhsstd.codes import PersonStatedGenderCode
from nhsstd.identifiers import chi_number, hc_number, nhs_number
from nhsstd.identifiers.chi_number import CHINumber
from nhsstd.identifiers.hc_number import HCNumber
from nhsstd.identifiers.nhs_number import NHSNumber
from nhsstd.identifiers.ods_code import ODSCode
from nhsstd.identifiers.postcode import UKPostcode
from nhsstd.models import (
    MODELS,
    Address,
    Coding,
    ContactPoint,
    ContactPointSystem,
    GPRegistration,
    HumanName,
    LocalIdentifier,
    Organisation,
    PartialDate,
    Patient,
    Period,
    Practitioner,
    PractitionerRole,
    Reference,
)

NHS = "9434765919"
CHI = "1904851231"
HC = "3201201235"  # an H&C Number: 320-399 block, modulus 11 check digit
NUMBERS = [NHS, CHI, HC]
# Ten digits, whole or 3-3-4 grouped: how a patient number shows up in text.
FULL_NUMBER = re.compile(r"(?<![0-9])[0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{4}(?![0-9])")

BASE: dict[type, Any] = {
    Patient: Patient(),
    Practitioner: Practitioner(sds_user_id="1"),
    Organisation: Organisation(name="Leeds Teaching Hospitals"),
    PractitionerRole: PractitionerRole(sds_role_profile_id="1"),
    GPRegistration: GPRegistration(practice=ODSCode.parse("Y12345")),
    LocalIdentifier: LocalIdentifier(value="1", system="https://example.org/mrn"),
    HumanName: HumanName(family="Smith"),
    Address: Address(city="Leeds"),
    ContactPoint: ContactPoint(system=ContactPointSystem.PHONE, value="1"),
    Reference: Reference(display="x"),
    Coding: Coding(system="https://example.org/cs", code="x"),
    Period: Period(start=datetime.date(2020, 1, 1)),
}


def written_forms(number: str) -> list[str]:
    return [number, f"{number[:3]} {number[3:6]} {number[6:]}", f"{number[:3]}-{number[3:6]}-{number[6:]}"]


def text_fields(cls: type) -> list[tuple[str, bool]]:
    """(name, is a tuple of strings) for every text field of *cls*."""
    hints = typing.get_type_hints(cls)
    found = []
    for field in attrs.fields(cls):
        hint = hints[field.name]
        if hint == tuple[str, ...]:
            found.append((field.name, True))
        elif str in typing.get_args(hint) or hint is str:
            found.append((field.name, False))
    return found


def test_every_model_is_tried() -> None:
    assert set(BASE) == set(MODELS)
    assert HCNumber.parse(HC).compact == HC  # valid, so the test is about real numbers
    assert nhs_number.is_valid(NHS)
    assert chi_number.is_valid(CHI)
    assert hc_number.is_valid(HC)


@pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
def test_no_text_field_shows_a_full_patient_number(cls: type) -> None:
    tried = 0
    for name, is_tuple in text_fields(cls):
        for number in NUMBERS:
            # SDS identifiers are ASCII digits only.
            forms = [number] if name.startswith("sds_") else written_forms(number)
            for form in forms:
                model = attrs.evolve(BASE[cls], **{name: (form,) if is_tuple else form})
                shown = repr(model)
                assert FULL_NUMBER.search(shown) is None, (cls.__name__, name)
                assert number[-4:] in shown  # masked, not dropped
                tried += 1
    # Patient's text is all in nested models (the next test); Period and GPRegistration have none.
    assert tried or cls in (Patient, Period, GPRegistration)


def test_patient_identifier_fields_and_nested_models_are_masked() -> None:
    patient = Patient(
        nhs_number=NHSNumber.parse(NHS),
        chi_number=CHINumber.parse(CHI),
        hc_number=HCNumber.parse(HC),
        local_identifiers=[LocalIdentifier(value=NHS, system="urn:oid:2.16.840.1.113883.2.1.4.1")],
    )
    shown = repr(patient)
    assert FULL_NUMBER.search(shown) is None
    assert shown.count("*** *** ") == 4


def test_patient_repr_withholds_personal_details() -> None:
    patient = Patient(
        nhs_number=NHSNumber.parse(NHS),
        names=[HumanName(family="Zebedee", given=["Quentin"])],
        birth_date=PartialDate.parse("1970-09-11"),
        addresses=[Address(lines=["4 Sandmoor Drive"], postcode=UKPostcode.parse("LS17 7DF"))],
        telecom=[ContactPoint(system=ContactPointSystem.EMAIL, value="quentin@example.org")],
        stated_gender=PersonStatedGenderCode.MALE,
    )
    shown = repr(patient)
    for detail in ("Zebedee", "Quentin", "1970", "Sandmoor", "LS17", "quentin@"):
        assert detail not in shown
    assert "names=<withheld>" in shown
    assert "birth_date=<withheld>" in shown
    assert "addresses=<withheld>" in shown
    assert "telecom=<withheld>" in shown
    assert "*** *** 5919" in shown  # what a log may hold: the masked number, the gender
    assert "PersonStatedGenderCode.MALE" in shown
    assert "death_date=None" in shown  # absent fields still say so

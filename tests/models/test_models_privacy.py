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
from nhsstd.hl7v2 import MergePatient, PatientVisit
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
    """The ways a patient number is written in text: whole, or grouped (3-3-4, 4-3-3, 5-5) by any
    separator people and systems use (space, NBSP, narrow NBSP, hyphen, dot, slash, underscore),
    and in fullwidth digits (NHS Digital: the number is ten digits; its display form is 3-3-4)."""
    forms = [number, "".join(chr(0xFF10 + int(digit)) for digit in number)]
    for separator in (" ", "-", ".", "/", "_", "\u00a0", "\u202f"):
        forms.append(separator.join((number[:3], number[3:6], number[6:])))
    forms += [f"{number[:4]} {number[4:7]} {number[7:]}", f"{number[:5]} {number[5:]}"]
    return forms


def assert_masked(shown: str, form: str) -> None:
    assert FULL_NUMBER.search(shown) is None
    assert form not in shown
    assert repr(form)[1:-1] not in shown  # (repr writes NBSP as an escape)
    last_four = "".join(char for char in form if char.isalnum())[-4:]
    assert last_four in "".join(char for char in shown if char.isalnum())  # masked, not dropped


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
                assert_masked(repr(model), form)
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


HL7V2_MODELS: dict[type, Any] = {
    PatientVisit: PatientVisit(patient_class="I"),
    MergePatient: MergePatient(prior_identifiers=[NHSNumber.parse(NHS)]),
}


@pytest.mark.parametrize("cls", list(HL7V2_MODELS), ids=lambda cls: cls.__name__)
def test_no_hl7v2_text_field_shows_a_full_patient_number(cls: type) -> None:
    # PV1-19 and MRG-5 carry visit numbers, which trusts sometimes fill with the NHS Number.
    tried = 0
    for name, is_tuple in text_fields(cls):
        for number in NUMBERS:
            for form in written_forms(number):
                model = attrs.evolve(HL7V2_MODELS[cls], **{name: (form,) if is_tuple else form})
                assert_masked(repr(model), form)
                tried += 1
    assert tried

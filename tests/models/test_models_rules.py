"""Domain models: types, rules enforced on construction, and evolve keeping them."""

from __future__ import annotations

import datetime
import pickle

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nhsstd.codes import (
    EthnicCategoryEngland,
    EthnicCategoryScotland,
    EthnicCategoryWales,
    NHSNumberStatusIndicatorCode,
    ODSRole,
    PersonMaritalStatus,
    PersonMaritalStatusScotland,
    PersonPhenotypicSex,
    PersonStatedGenderCode,
)
from nhsstd.exceptions import Reason, ValidationError
from nhsstd.identifiers.gmp_code import GMPCode
from nhsstd.identifiers.nhs_number import NHSNumber
from nhsstd.identifiers.nhs_pseudo_postcode import NHSPseudoPostcode
from nhsstd.identifiers.ods_code import ODSCode
from nhsstd.identifiers.postcode import UKPostcode, parse_address_postcode
from nhsstd.identifiers.uprn import UPRN
from nhsstd.models import (
    MODELS,
    Address,
    AddressUse,
    Coding,
    ContactPoint,
    ContactPointSystem,
    ContactPointUse,
    GPRegistration,
    HumanName,
    InvariantError,
    LocalIdentifier,
    NameUse,
    Organisation,
    PartialDate,
    Patient,
    Period,
    Practitioner,
    PractitionerRole,
    Reference,
)
from nhsstd.testing import strategies

NUMBER = NHSNumber.parse("943 476 5919")
VERIFIED = NHSNumberStatusIndicatorCode.VERIFIED
D = datetime.date


def test_models_are_frozen_and_slotted() -> None:
    for cls in MODELS:
        assert attrs.has(cls)
        assert "__slots__" in cls.__dict__, cls
        assert cls.__attrs_attrs__  # type: ignore[attr-defined]
    name = HumanName(family="Smith")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        name.family = "Jones"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        name.nickname = "x"  # type: ignore[attr-defined]


# -- Period ----------------------------------------------------------------------


def test_period() -> None:
    assert Period(D(2020, 1, 1)).contains(D(2030, 1, 1))
    assert not Period(end=D(2020, 1, 1)).contains(D(2020, 1, 2))
    assert Period(D(2020, 1, 1), D(2020, 1, 1)).contains(D(2020, 1, 1))
    with pytest.raises(InvariantError) as caught:
        Period(D(2021, 1, 1), D(2020, 1, 1))
    assert caught.value.reason is Reason.INVALID_DATE
    assert caught.value.fields == ("start", "end")
    assert caught.value.model == "Period"
    with pytest.raises(InvariantError):
        Period()
    with pytest.raises(TypeError):
        Period(datetime.datetime(2020, 1, 1))
    with pytest.raises(TypeError):
        Period("2020-01-01")  # type: ignore[arg-type]


# -- HumanName ---------------------------------------------------------------------


def test_human_name_parts_kept_exactly() -> None:
    name = HumanName(use=NameUse.OFFICIAL, family=" de la Cruz", given=["José", "María"], prefix=["Dr"])
    assert name.family == " de la Cruz"
    assert name.given == ("José", "María")
    assert name.prefix == ("Dr",)
    assert HumanName(text="Ann Smith").text == "Ann Smith"


def test_human_name_needs_content() -> None:
    with pytest.raises(InvariantError) as caught:
        HumanName(use=NameUse.OFFICIAL, prefix=["Mr"])
    assert caught.value.fields == ("text", "family", "given")


@pytest.mark.parametrize("bad", ["", "   ", "\t\n", "Smi\x00th", "Smith\x7f", "Sm\ud800ith", "Smith\x1b"])
def test_text_fields_need_visible_content_and_no_control_characters(bad: str) -> None:
    with pytest.raises(InvariantError) as caught:
        HumanName(family=bad)
    assert caught.value.fields == ("family",)
    assert bad not in str(caught.value) or not bad.strip()
    with pytest.raises(InvariantError):
        HumanName(family="Smith", given=["Ann", bad])
    with pytest.raises(InvariantError):
        Address(lines=[bad])


def test_text_may_hold_tab_and_newline_inside_content() -> None:
    assert Address(text="1 High St\nLeeds").text == "1 High St\nLeeds"


def test_a_bare_string_is_not_split_into_characters() -> None:
    with pytest.raises(TypeError, match="list or tuple"):
        HumanName(given="Ann")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Address(lines="1 High Street")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        HumanName(family="x", given={"a": 1})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"family": 5},
        {"family": b"Smith"},
        {"family": "Smith", "use": "official"},
        {"family": "Smith", "given": [1]},
        {"family": "Smith", "period": (D(2020, 1, 1), None)},
    ],
)
def test_wrong_python_types_are_type_errors(kwargs: dict[str, object]) -> None:
    with pytest.raises(TypeError, match="HumanName"):
        HumanName(**kwargs)  # type: ignore[arg-type]


# -- Address, ContactPoint, GPRegistration ----------------------------------------------


@pytest.mark.parametrize("country", ["France", "IE", "USA"])
def test_address_abroad_has_no_uk_postcode(country: str) -> None:
    """Issue 11: a postcode is a UK address's; an address abroad keeps its own postal code
    elsewhere (the FHIR and HL7 v2 readers keep it as given)."""
    with pytest.raises(InvariantError) as caught:
        Address(postcode=parse_address_postcode("LS1 6AE"), country=country)
    assert caught.value.fields == ("postcode", "country")
    assert Address(city="Paris", country=country).postcode is None
    assert Address(postcode=parse_address_postcode("LS1 6AE"), country="United Kingdom").postcode is not None


def test_address_postcode_is_either_type() -> None:
    assert isinstance(Address(postcode=parse_address_postcode("LS1 6AE")).postcode, UKPostcode)
    pseudo = Address(postcode=parse_address_postcode("ZZ99 3VZ")).postcode
    assert isinstance(pseudo, NHSPseudoPostcode)
    with pytest.raises(TypeError):
        Address(postcode="LS16AE")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Address(postcode=ODSCode.parse("LS16AE"))  # type: ignore[arg-type]
    with pytest.raises(InvariantError):
        Address(use=AddressUse.HOME)
    assert Address(uprn=UPRN.parse("100023336956")).uprn == UPRN("100023336956")


def test_contact_point() -> None:
    point = ContactPoint(
        system=ContactPointSystem.EMAIL, value="a@example.com", use=ContactPointUse.WORK, rank=1
    )
    assert point.rank == 1
    for rank in (0, -1, 2_147_483_648):
        with pytest.raises(InvariantError) as caught:
            attrs.evolve(point, rank=rank)
        assert caught.value.reason is Reason.OUT_OF_RANGE
    with pytest.raises(TypeError):
        attrs.evolve(point, rank=True)
    with pytest.raises(TypeError):
        attrs.evolve(point, rank=1.0)
    with pytest.raises(TypeError):
        ContactPoint(system="email", value="a@example.com")  # type: ignore[arg-type]
    with pytest.raises(InvariantError):
        ContactPoint(system=ContactPointSystem.PHONE, value=" ")


def test_gp_registration() -> None:
    registration = GPRegistration(
        practice=ODSCode.parse("B82005"), general_practitioner=GMPCode.parse("G1234569")
    )
    assert registration.period is None
    with pytest.raises(TypeError):
        GPRegistration(practice="B82005")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        GPRegistration()  # type: ignore[call-arg]


# -- Patient ---------------------------------------------------------------------------


def test_empty_patient_is_valid() -> None:
    patient = Patient()
    assert patient.names == ()
    assert patient.extras == {}
    assert patient.nhs_number is None


def test_death_before_birth_is_refused() -> None:
    with pytest.raises(InvariantError) as caught:
        Patient(birth_date=PartialDate(1970, 5, 2), death_date=PartialDate(1970, 5, 1))
    error = caught.value
    assert isinstance(error, ValidationError)
    assert error.reason is Reason.INVALID_DATE
    assert error.fields == ("birth_date", "death_date")
    assert error.model == "Patient"
    assert "1970" not in str(error)


@pytest.mark.parametrize(
    ("birth", "death"),
    [
        ("1970", "1970"),
        ("1970", "1970-01-01"),
        ("1970-05", "1970"),
        ("1970-05-02", "1970-05"),
        ("1970-05-02", "1970-05-02"),
        ("1970-05-02", "2020"),
    ],
)
def test_partial_dates_that_may_overlap_are_allowed(birth: str, death: str) -> None:
    patient = Patient(birth_date=PartialDate.parse(birth), death_date=PartialDate.parse(death))
    assert patient.death_date == PartialDate.parse(death)


@pytest.mark.parametrize(
    ("birth", "death"), [("1971", "1970-12-31"), ("1970-06", "1970-05-31"), ("2000", "1999")]
)
def test_partial_dates_definitely_before_are_refused(birth: str, death: str) -> None:
    with pytest.raises(InvariantError):
        Patient(birth_date=PartialDate.parse(birth), death_date=PartialDate.parse(death))


def test_birth_date_accepts_a_date() -> None:
    assert Patient(birth_date=D(1970, 1, 2)).birth_date == PartialDate(1970, 1, 2)
    with pytest.raises(TypeError):
        Patient(birth_date=datetime.datetime(1970, 1, 2))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Patient(birth_date="1970-01-02")  # type: ignore[arg-type]


@pytest.mark.parametrize("status", ["01", "02"])
def test_status_saying_number_present_needs_a_number(status: str) -> None:
    code = NHSNumberStatusIndicatorCode.from_code(status)
    with pytest.raises(InvariantError) as caught:
        Patient(nhs_number_status=code)
    assert caught.value.fields == ("nhs_number", "nhs_number_status")
    assert Patient(nhs_number=NUMBER, nhs_number_status=code).nhs_number_status is code


def test_status_07_forbids_a_number() -> None:
    code = NHSNumberStatusIndicatorCode.NOT_PRESENT_TRACE_NOT_REQUIRED
    assert Patient(nhs_number_status=code).nhs_number is None
    with pytest.raises(InvariantError):
        Patient(nhs_number=NUMBER, nhs_number_status=code)


@pytest.mark.parametrize("status", ["03", "04", "05", "06", "08"])
def test_other_statuses_allow_either(status: str) -> None:
    code = NHSNumberStatusIndicatorCode.from_code(status)
    assert Patient(nhs_number_status=code).nhs_number_status is code
    assert Patient(nhs_number=NUMBER, nhs_number_status=code).nhs_number == NUMBER


def test_patient_field_types() -> None:
    with pytest.raises(TypeError):
        Patient(nhs_number="9434765919")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Patient(nhs_number_status="01")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Patient(stated_gender=PersonPhenotypicSex.MALE)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Patient(ethnic_category=PersonStatedGenderCode.MALE)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Patient(names=[Address(city="Leeds")])  # type: ignore[list-item]
    for category in (
        EthnicCategoryEngland.WHITE_BRITISH,
        EthnicCategoryWales.ARAB,
        EthnicCategoryScotland.POLISH,
    ):
        assert Patient(ethnic_category=category).ethnic_category is category
    for status in (
        PersonMaritalStatus.SINGLE,
        PersonMaritalStatusScotland.MARRIED,
        PersonMaritalStatus.RETIRED_SINGLE,
    ):
        assert Patient(marital_status=status).marital_status is status


def test_patient_repr_masks_the_nhs_number() -> None:
    assert "9434765919" not in repr(Patient(nhs_number=NUMBER))
    assert "943 476 5919" not in repr(Patient(nhs_number=NUMBER))


def test_death_date_means_deceased() -> None:
    assert Patient().deceased is None
    assert Patient(deceased=True).deceased is True
    assert Patient(deceased=False).deceased is False
    dead = Patient(death_date=PartialDate(2020))
    assert dead.deceased is True
    assert dead == Patient(death_date=PartialDate(2020), deceased=True)
    assert hash(dead) == hash(Patient(death_date=PartialDate(2020), deceased=True))
    with pytest.raises(InvariantError) as caught:
        Patient(death_date=PartialDate(2020), deceased=False)
    assert caught.value.fields == ("death_date", "deceased")
    assert str(caught.value) == "Patient: deceased is False but there is a death_date"
    with pytest.raises(InvariantError):
        attrs.evolve(dead, deceased=False)
    # Removing the date keeps the fact of death (set deceased=None as well to forget it).
    assert attrs.evolve(dead, death_date=None).deceased is True
    assert attrs.evolve(dead, death_date=None, deceased=None).deceased is None
    with pytest.raises(TypeError):
        Patient(deceased=1)  # type: ignore[arg-type]


def test_local_identifiers() -> None:
    mrn = LocalIdentifier(value="12067204", assigner=ODSCode.parse("R0A"))
    patient = Patient(local_identifiers=[mrn, LocalIdentifier(value="E1", system="urn:oid:1.2.3")])
    assert patient.local_identifiers[0] is mrn
    with pytest.raises(InvariantError) as caught:
        LocalIdentifier(value="12067204")
    assert caught.value.fields == ("system", "assigner")
    with pytest.raises(InvariantError):
        LocalIdentifier(value=" ", assigner=ODSCode.parse("R0A"))
    with pytest.raises(TypeError):
        LocalIdentifier(value="1", assigner="R0A")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Patient(local_identifiers=[NUMBER])  # type: ignore[list-item]


# -- evolve keeps validation ----------------------------------------------------------------


def test_evolve_reruns_every_rule() -> None:
    patient = Patient(nhs_number=NUMBER, nhs_number_status=VERIFIED, birth_date=PartialDate(1970))
    assert attrs.evolve(patient, death_date=PartialDate(2020)).death_date == PartialDate(2020)
    with pytest.raises(InvariantError):
        attrs.evolve(patient, death_date=PartialDate(1969))
    with pytest.raises(InvariantError):
        attrs.evolve(patient, nhs_number=None)
    with pytest.raises(TypeError):
        attrs.evolve(patient, nhs_number="9434765919")
    with pytest.raises(InvariantError):
        attrs.evolve(HumanName(family="Smith"), family=None)
    with pytest.raises(InvariantError):
        attrs.evolve(Period(start=D(2020, 1, 1)), end=D(2019, 1, 1))
    organisation = Organisation(ods_code=ODSCode.parse("B82005"), roles=[ODSRole.GP_PRACTICE])
    with pytest.raises(InvariantError):
        attrs.evolve(organisation, primary_role=ODSRole.NHS_TRUST)
    # The original is untouched.
    assert patient.death_date is None


# Each example of these two draws a whole model, which costs far more than checking it: 100 examples
# (Hypothesis's default) rather than the ci profile's 300 keep the suite under 6 minutes on 2 cores.
@settings(max_examples=100)
@given(strategies.models())
def test_evolve_without_changes_gives_an_equal_model(model: object) -> None:
    assert attrs.evolve(model) == model  # type: ignore[misc]
    assert hash(attrs.evolve(model)) == hash(model)  # type: ignore[misc]


@settings(max_examples=100)
@given(strategies.models())
def test_models_pickle(model: object) -> None:
    assert pickle.loads(pickle.dumps(model)) == model


# -- Practitioner and Organisation ---------------------------------------------------------------


def test_practitioner_identifiers() -> None:
    practitioner = Practitioner(gmp_code=GMPCode.parse("G1234569"))
    assert practitioner.identifiers() == {"gmp_code": GMPCode("G1234569")}
    assert Practitioner().identifiers() == {}
    with pytest.raises(TypeError):
        Practitioner(gmc_number=GMPCode.parse("G1234569"))  # type: ignore[arg-type]


def test_organisation_rules() -> None:
    code = ODSCode.parse("RR8")
    assert Organisation(name="Leeds Teaching Hospitals").ods_code is None
    assert Organisation(ods_site_code=ODSCode.parse("RR813")).ods_site_code == ODSCode("RR813")
    with pytest.raises(InvariantError) as caught:
        Organisation()
    assert caught.value.fields == ("ods_code", "ods_site_code", "local_identifiers", "name")
    # FHIR org-1: a name or an identifier -- any identifier, not only an ODS code (issue 11).
    charity = LocalIdentifier(value="1234567", system="https://register-of-charities.example/id")
    assert Organisation(local_identifiers=[charity]).local_identifiers == (charity,)
    with pytest.raises(InvariantError):
        Organisation(ods_code=code, roles=[ODSRole.NHS_TRUST, ODSRole("RO197")])
    with pytest.raises(InvariantError):
        Organisation(ods_code=code, roles=[ODSRole.NHS_TRUST], primary_role=ODSRole.GP_PRACTICE)
    trust = Organisation(
        ods_code=code, roles=[ODSRole.NHS_TRUST], primary_role=ODSRole.NHS_TRUST, active=True
    )
    assert not trust.is_gp_practice
    with pytest.raises(TypeError):
        Organisation(ods_code=code, active=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Organisation(ods_code=code, roles=["RO76"])  # type: ignore[list-item]


@pytest.mark.parametrize("bad", ["P12345678", "1234 5678", "١٢٣", "12-34", "+1"])
def test_sds_identifiers_are_ascii_digits(bad: str) -> None:
    assert Practitioner(sds_user_id="123456789012").sds_user_id == "123456789012"
    assert Practitioner(sds_user_id="123456789012").identifiers() == {}  # not a register identifier
    with pytest.raises(InvariantError) as caught:
        Practitioner(sds_user_id=bad)
    assert caught.value.fields == ("sds_user_id",)
    assert bad not in str(caught.value)
    with pytest.raises(InvariantError):
        PractitionerRole(sds_role_profile_id=bad)
    with pytest.raises(InvariantError):
        Reference(sds_user_id=bad)


def test_references() -> None:
    assert Reference(reference="Practitioner/1").reference == "Practitioner/1"
    assert Reference(display="Dr Jones").display == "Dr Jones"
    assert Reference(ods_code=ODSCode.parse("B82005")).ods_code == ODSCode("B82005")
    with pytest.raises(InvariantError) as caught:
        Reference()
    assert caught.value.fields == ("reference", "ods_code", "sds_user_id", "display")
    with pytest.raises(InvariantError) as caught:
        Reference(ods_code=ODSCode.parse("B82005"), sds_user_id="123")
    assert caught.value.fields == ("ods_code", "sds_user_id")


def test_practitioner_role() -> None:
    role = PractitionerRole(
        sds_role_profile_id="100334993514",
        practitioner=Reference(reference="Practitioner/1"),
        organisation=Reference(ods_code=ODSCode.parse("B82005")),
        codes=[Coding(system="http://snomed.info/sct", code="62247001")],
        period=Period(start=D(2020, 4, 1)),
        active=True,
    )
    assert role.codes[0].code == "62247001"
    assert PractitionerRole() == PractitionerRole()
    with pytest.raises(TypeError):
        PractitionerRole(codes=[("http://snomed.info/sct", "62247001")])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        PractitionerRole(organisation=ODSCode.parse("B82005"))  # type: ignore[arg-type]
    with pytest.raises(InvariantError):
        Coding(system="http://snomed.info/sct", code="")


# -- invariant errors ------------------------------------------------------------------------


def test_invariant_error_pickles() -> None:
    with pytest.raises(InvariantError) as caught:
        Period()
    copy = pickle.loads(pickle.dumps(caught.value))
    assert (type(copy), copy.model, copy.fields, copy.reason, str(copy)) == (
        InvariantError,
        "Period",
        ("start", "end"),
        caught.value.reason,
        str(caught.value),
    )


_WHITESPACE = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2028\u2029\u202f\u205f\u3000"


@given(st.text(alphabet=_WHITESPACE, min_size=1, max_size=40))
def test_blank_text_errors_do_not_echo_the_value(text: str) -> None:
    with pytest.raises(InvariantError) as caught:
        HumanName(family=text)
    assert str(caught.value) == "HumanName: family is empty or only whitespace"


@given(strategies.texts())
def test_any_valid_text_is_kept_exactly(text: str) -> None:
    assert HumanName(family=text).family == text

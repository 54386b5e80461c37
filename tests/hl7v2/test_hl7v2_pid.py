"""PID and PD1 to and from the models (G5), and model -> PID -> model (G1 for HL7 v2)."""

from __future__ import annotations

import datetime
import random
import warnings
from typing import Any

import attrs
import hl7
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nhsstd.codes import (
    EthnicCategoryEngland,
    EthnicCategoryScotland,
    EthnicCategoryWales,
    NHSNumberStatusIndicatorCode,
    PersonMaritalStatus,
    PersonMaritalStatusScotland,
    PersonStatedGenderCode,
)
from nhsstd.fhir import InvalidIdentifierWarning, SerialisationError
from nhsstd.hl7v2 import HL7v2Error, parse_message, patient_from_hl7, patient_to_hl7
from nhsstd.identifiers import gmp_code, hc_number, nhs_number
from nhsstd.identifiers.chi_number import CHINumber
from nhsstd.identifiers.gmp_code import GMPCode
from nhsstd.identifiers.hc_number import HCNumber
from nhsstd.identifiers.nhs_number import NHSNumber
from nhsstd.identifiers.ods_code import ODSCode
from nhsstd.identifiers.postcode import is_uk_postcode_country, parse_address_postcode
from nhsstd.identifiers.uprn import UPRN
from nhsstd.models import (
    Address,
    AddressUse,
    ContactPoint,
    ContactPointSystem,
    ContactPointUse,
    GPRegistration,
    HumanName,
    LocalIdentifier,
    NameUse,
    PartialDate,
    Patient,
    Period,
)

MSH = "MSH|^~\\&|PAS|RR8|TIE|RR8|20240101120000||ADT^A28|MSG0001|P|2.4"
# The ITK pattern (serialisers brief section 2.1), with a practice code that is a valid ODS code.
ITK_PID = (
    "PID|||8000002^^^RMW00^MR~9434765919^^^NHS^NH||SMSPDEMO23^PATIENT^^^Mrs||19581119|F|||"
    "1 MY AVENUE^^WAKEFIELD^WEST YORKS^WF1 1XX|||||||||||||||||||||NSTS02"
)
ITK_PD1 = "PD1|||SAUGHALL PRACTICE^^A81123|G1234569^Mister GP^GP^^^Dr"


def seg(name: str, fields: dict[int, str]) -> str:
    """A segment with the given fields (1-based), the others empty."""
    return "|".join([name, *(fields.get(n, "") for n in range(1, max(fields, default=0) + 1))])


def segments_of(patient: Patient, **options: Any) -> list[str]:
    return patient_to_hl7(patient, **options).split("\r")


# --- reading -------------------------------------------------------------------------------------


def test_itk_example_is_read() -> None:
    patient = patient_from_hl7(f"{MSH}\r{ITK_PID}\r{ITK_PD1}")
    assert patient.nhs_number == NHSNumber("9434765919")
    assert patient.nhs_number_status is NHSNumberStatusIndicatorCode.NOT_TRACED
    assert patient.names == (HumanName(family="SMSPDEMO23", given=["PATIENT"], prefix=["Mrs"]),)
    assert patient.birth_date == PartialDate(1958, 11, 19)
    assert patient.stated_gender is PersonStatedGenderCode.FEMALE
    address = patient.addresses[0]
    assert address.lines == ("1 MY AVENUE",)
    assert address.city == "WAKEFIELD"
    assert address.district == "WEST YORKS"
    assert address.postcode == parse_address_postcode("WF1 1XX")
    assert patient.registered_gp == GPRegistration(
        practice=ODSCode("A81123"), general_practitioner=GMPCode("G1234569")
    )
    assert patient.local_identifiers == (LocalIdentifier(value="8000002", assigner=ODSCode("RMW00")),)
    assert patient.deceased is None


@pytest.mark.parametrize(
    "segments",
    [
        [ITK_PID, ITK_PD1],
        ["PID|1||3588061231^^^HSNI^NH~1904851231^^^CHI^NH||SMITH^Ann^Mary^Jr^Dr^^L^^^^^20200101^20241231"],
        ['PID|1||9434765919^^^NHS^NH||""||197009|U|||""'],
        [
            seg(
                "PID",
                {
                    3: "9434765919^^^NHS^NH",
                    5: "SMITH^John^^^^^R",
                    7: "197009110830",
                    8: "A",
                    11: "LS1 6AE^^^^ls1 6ae^^B",
                    30: "Y",
                },
            )
        ],
        [
            seg(
                "PID",
                {
                    3: "9434765919^^^NHS^NH~E123^^^RR8^MR",
                    5: "JONES^Ann",
                    7: "1970",
                    8: "F",
                    11: "^^LEEDS^^ZZ99 3VZ^ENGLAND^H^^^^^^20200101",
                },
            )
        ],
        [seg("PID", {5: "Smith", 7: "19700101", 8: "M", 29: "20240105", 30: "Y", 32: "NSTS01~AL"})],
        [seg("PID", {5: "SMITH", 32: "NSTS07"})],
        [
            "PID|||||O'Brien \\T\\ Sons \\F\\ Co\\E\\^Ann \\S\\ B||||||||||||||||||||||||||",
            "PD1|1||^^B82005|G2468107",
        ],
        ["PID|||||SMITH", "PD1||||G2468107^Mister GP"],
        ["PID|||||SMITH", "PD1|||WHITE ROSE^^B82005^^^^^^^B82005"],
        ["PID|||||SMITH", "PD1"],
        ["PID|||9434765919^^^NHS^NH^^20200101&20201231||SMITH~&JONES^Ann~^^Mid"],
    ],
)
def test_pid_to_model_to_pid_preserves_content(segments: list[str]) -> None:
    """G5: what is read is written back (the texts here use canonical escapes)."""
    text = "\r".join(segments)
    patient = patient_from_hl7(text)
    assert segments_of(patient) == [segment.rstrip("|") for segment in segments]
    # Through a whole message too.
    assert segments_of(patient_from_hl7(f"{MSH}\r{text}")) == [segment.rstrip("|") for segment in segments]


def test_escapes_are_normalised() -> None:
    patient = patient_from_hl7("PID|||||A\\X26\\B^C\\.br\\D")
    assert patient.names[0].family == "A&B"
    assert patient.names[0].given == ("C\nD",)
    assert segments_of(patient) == ["PID|||||A\\T\\B^C\\X0A\\D"]


def test_other_delimiters_are_read_and_default_ones_written() -> None:
    patient = patient_from_hl7("MSH#$*@%#PAS\rPID###9434765919$$$NHS$NH##SMITH$Ann")
    assert patient.names[0].given == ("Ann",)
    assert segments_of(patient) == ["PID|||9434765919^^^NHS^NH||SMITH^Ann"]


def test_explicit_null_is_kept_apart_from_empty() -> None:
    patient = patient_from_hl7('PID|||||SMITH|""|""|""')
    assert patient.birth_date is None
    assert patient.stated_gender is None
    assert segments_of(patient) == ['PID|||||SMITH|""|""|""']


def test_kept_values_are_dropped_when_the_model_changes() -> None:
    patient = patient_from_hl7("PID|||||SMITH||197009110830|A")
    assert segments_of(patient) == ["PID|||||SMITH||197009110830|A"]
    changed = attrs.evolve(patient, birth_date=PartialDate(1971), stated_gender=PersonStatedGenderCode.MALE)
    assert segments_of(changed) == ["PID|||||SMITH||1971|M"]


def test_invalid_nhs_number_is_an_error_with_its_location() -> None:
    with pytest.raises(SerialisationError) as raised:
        patient_from_hl7(
            "PID|||E1^^^RR8^MR~9434765918^^^NHS^NH||SMITH||1970-01-01|||||||||||||||||||||||NSTS01"
        )
    problems = [(p.path, p.reason.value) for p in raised.value.problems]
    assert problems == [("PID-3[2].1", "checksum"), ("PID-7", "invalid_date")]
    assert "9434765918" not in str(raised.value)


def test_invalid_identifiers_can_be_kept() -> None:
    text = "PID|||9434765918^^^NHS^NH~E1^^^R R8^MR||SMITH|||||^^^^NOT A POSTCODE|||||||||||||||||||||NSTS01"
    with pytest.warns(InvalidIdentifierWarning):
        patient = patient_from_hl7(text, identifiers="warn")
    assert patient.nhs_number is None
    assert patient.nhs_number_status is None
    assert patient.addresses == ()
    assert segments_of(patient) == [text]
    assert segments_of(patient_from_hl7(text, identifiers="preserve")) == [text]


def test_keep_unknown_false_drops_what_the_model_does_not_hold() -> None:
    """The MRN is modelled (``local_identifiers``), so it stays, written after the NHS Number.

    (Before MRNs were modelled, keep_unknown=False dropped it.)
    """
    patient = patient_from_hl7(f"{ITK_PID}\r{ITK_PD1}", keep_unknown=False)
    assert not patient.extras
    assert segments_of(patient) == [
        "PID|||9434765919^^^NHS^NH~8000002^^^RMW00^MR||SMSPDEMO23^PATIENT^^^Mrs||19581119|F|||"
        "1 MY AVENUE^^WAKEFIELD^WEST YORKS^WF1 1XX|||||||||||||||||||||NSTS02",
        "PD1|||^^A81123|G1234569",
    ]


def test_mrns_are_local_identifiers() -> None:
    """PID-3 ``<mrn>^^^<trust ODS code>^MR``; a system URI may ride in CX.4.2 with CX.4.3 ``URI``."""
    text = seg(
        "PID",
        {
            3: "9434765919^^^NHS^NH~12067204^^^R0A^MR~E55^^^RR8&https://trust.example/Id/mrn&URI^MR",
            5: "SMITH",
        },
    )
    patient = patient_from_hl7(text)
    assert patient.local_identifiers == (
        LocalIdentifier(value="12067204", assigner=ODSCode("R0A")),
        LocalIdentifier(value="E55", system="https://trust.example/Id/mrn", assigner=ODSCode("RR8")),
    )
    assert segments_of(patient) == [text]
    assert not patient.extras  # nothing needed keeping: all of it is modelled, in canonical order
    only_system = Patient(local_identifiers=[LocalIdentifier(value="X 1", system="urn:oid:1.2.3")])
    assert segments_of(only_system) == ["PID|||X 1^^^&urn:oid:1.2.3&URI^MR"]
    assert patient_from_hl7(patient_to_hl7(only_system)) == only_system


def test_other_identifier_types_and_authorities_are_kept_as_they_are() -> None:
    text = seg("PID", {3: "12067204^^^R0A^PI~77^^^^MR~88^^^&1.2.3&ISO^MR", 5: "SMITH"})
    patient = patient_from_hl7(text)
    assert patient.local_identifiers == ()
    assert segments_of(patient) == [text]


def test_mrn_with_an_invalid_trust_code() -> None:
    text = seg("PID", {3: "12067204^^^R 0A^MR", 5: "SMITH"})
    with pytest.raises(SerialisationError) as raised:
        patient_from_hl7(text)
    assert [p.path for p in raised.value.problems] == ["PID-3[1].4"]
    patient = patient_from_hl7(text, identifiers="preserve")
    assert patient.local_identifiers == ()
    assert segments_of(patient) == [text]


@pytest.mark.parametrize(
    ("fields", "death", "deceased"),
    [
        ({30: "Y"}, None, True),
        ({30: "N"}, None, False),
        ({29: "20240105", 30: "Y"}, PartialDate(2024, 1, 5), True),
        ({29: "20240105"}, PartialDate(2024, 1, 5), True),
        ({}, None, None),
    ],
)
def test_death_indicator(fields: dict[int, str], death: PartialDate | None, deceased: bool | None) -> None:
    """PID-30 ``Y``/``N`` is ``deceased``; a PID-29 date implies it (and is written with ``Y``)."""
    text = seg("PID", {5: "SMITH", **fields})
    patient = patient_from_hl7(text)
    assert (patient.death_date, patient.deceased) == (death, deceased)
    assert segments_of(patient) == [text]  # G5: as it was read
    canonical = seg("PID", {5: "SMITH", **fields, **({30: "Y"} if death is not None else {})})
    assert segments_of(attrs.evolve(patient, extras={})) == [canonical]
    assert patient_from_hl7(canonical) == attrs.evolve(patient, extras={})


def test_death_date_with_death_indicator_n_is_an_error() -> None:
    with pytest.raises(SerialisationError) as raised:
        patient_from_hl7(seg("PID", {5: "SMITH", 29: "20240105", 30: "N"}))
    assert raised.value.problems[0].path == "PID"
    assert "deceased" in str(raised.value)


def test_on_warning_receives_the_warnings() -> None:
    text = "PID|||9434765918^^^NHS^NH||SMITH"
    seen: list[InvalidIdentifierWarning] = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing may go through the warnings module
        patient = patient_from_hl7(text, identifiers="warn", on_warning=seen.append)
    assert patient.nhs_number is None
    assert [(type(w), w.path) for w in seen] == [(InvalidIdentifierWarning, "PID-3[1].1")]
    with pytest.raises(TypeError):
        patient_from_hl7(text, on_warning="print")  # type: ignore[arg-type]


def test_contradictory_status_is_an_error() -> None:
    """NSTS07 says "number not present" next to an NHS Number: the model refuses it."""
    with pytest.raises(SerialisationError) as raised:
        patient_from_hl7(seg("PID", {3: "9434765919^^^NHS^NH", 32: "NSTS07"}))
    assert raised.value.problems[0].path == "PID"


def test_a_message_without_pid() -> None:
    with pytest.raises(SerialisationError):
        patient_from_hl7(f"{MSH}\rEVN|A28")


@pytest.mark.parametrize("value", [None, 42, b"PID|1", {"PID": 1}])
def test_not_a_message(value: object) -> None:
    with pytest.raises(HL7v2Error):
        patient_from_hl7(value)


@given(st.text(max_size=300))
def test_any_text_gives_a_patient_or_a_typed_error(text: str) -> None:
    for candidate in (text, "PID|" + text, f"{MSH}\rPID|||" + text, f"PID|||||{text}|{text}"):
        try:
            patient = patient_from_hl7(candidate, identifiers="preserve")
        except (HL7v2Error, SerialisationError) as error:
            assert error.kind in ("hl7v2", "serialisation")
        else:
            assert isinstance(patient, Patient)


# --- python-hl7 ----------------------------------------------------------------------------------


def test_python_hl7_message_and_segment() -> None:
    message = hl7.parse(f"{MSH}\r{ITK_PID}\r{ITK_PD1}")
    assert patient_from_hl7(message) == patient_from_hl7(f"{MSH}\r{ITK_PID}\r{ITK_PD1}")
    segment = message.segment("PID")
    assert patient_from_hl7(segment).nhs_number == NHSNumber("9434765919")


def test_own_message_and_segment_objects() -> None:
    message = parse_message(f"{MSH}\r{ITK_PID}\r{ITK_PD1}")
    assert patient_from_hl7(message).registered_gp is not None
    assert patient_from_hl7(message.segment("PID")).registered_gp is None
    assert patient_from_hl7(list(message.segments)).registered_gp is not None


# --- writing -------------------------------------------------------------------------------------


def test_what_pid_cannot_carry_is_listed() -> None:
    patient = Patient(
        names=[HumanName(text="Ann Smith"), HumanName(family="Smith", given=["A", "B", "C"])],
        telecom=[ContactPoint(system=ContactPointSystem.URL, value="https://example.org")],
        addresses=[Address(lines=["1", "2", "3"], text="x")],
        registered_gp=GPRegistration(
            practice=ODSCode("B82005"), period=Period(start=datetime.date(2020, 1, 1))
        ),
    )
    with pytest.raises(SerialisationError) as raised:
        patient_to_hl7(patient)
    assert [p.path for p in raised.value.problems] == [
        "telecom[0].system",
        "registered_gp.period",
        "names[0].text",
        "names[0]",
        "names[1].given",
        "addresses[0].text",
        "addresses[0].lines",
    ]
    assert segments_of(patient, lossy=True) == [seg("PID", {5: "Smith^A^B C", 11: "1^2"}), "PD1|||^^B82005"]


_UPRN = UPRN("100023336956")


# One patient per "cannot carry" check, holding only what that check refuses (and nothing a
# neighbouring check would catch), so that removing any one check makes its case fail.
@pytest.mark.parametrize(
    ("patient", "paths"),
    [
        pytest.param(
            Patient(telecom=[ContactPoint(system=ContactPointSystem.SMS, value="07700 900000")]),
            ["telecom[0].system"],
            id="telecom-system-without-table-0202-code",
        ),
        pytest.param(
            Patient(
                telecom=[
                    ContactPoint(
                        system=ContactPointSystem.PHONE, value="0113 000 0000", use=ContactPointUse.OLD
                    )
                ]
            ),
            ["telecom[0].use"],
            id="telecom-use-without-table-0201-code",
        ),
        pytest.param(
            Patient(
                telecom=[
                    ContactPoint(
                        system=ContactPointSystem.EMAIL, value="a@nhs.net", use=ContactPointUse.MOBILE
                    )
                ]
            ),
            ["telecom[0].use"],
            id="mobile-use-of-an-e-mail",
        ),
        pytest.param(
            Patient(
                registered_gp=GPRegistration(
                    practice=ODSCode("B82005"), period=Period(start=datetime.date(2020, 1, 1))
                )
            ),
            ["registered_gp.period"],
            id="registration-period",
        ),
        pytest.param(
            Patient(names=[HumanName(family="Smith", text="Ann Smith")]), ["names[0].text"], id="name-text"
        ),
        pytest.param(
            Patient(names=[HumanName(family="Smith", given=["A", "B", "C"])]),
            ["names[0].given"],
            id="three-given-names",
        ),
        pytest.param(
            Patient(names=[HumanName(family="Smith", prefix=["Dr", "Prof"])]),
            ["names[0].prefix"],
            id="two-prefixes",
        ),
        pytest.param(
            Patient(names=[HumanName(family="Smith", suffix=["OBE", "MP"])]),
            ["names[0].suffix"],
            id="two-suffixes",
        ),
        pytest.param(
            Patient(names=[HumanName(text="Ann Smith", prefix=["Dr"])]),
            ["names[0].text", "names[0]"],
            id="name-without-family-or-given",
        ),
        pytest.param(
            Patient(addresses=[Address(city="Leeds", text="1 Road, Leeds")]),
            ["addresses[0].text"],
            id="address-text",
        ),
        pytest.param(
            Patient(addresses=[Address(lines=["1", "2", "3"])]), ["addresses[0].lines"], id="three-lines"
        ),
        pytest.param(
            Patient(addresses=[Address(city="Leeds", uprn=_UPRN)]), ["addresses[0].uprn"], id="uprn"
        ),
        pytest.param(
            Patient(addresses=[Address(use=AddressUse.HOME, uprn=_UPRN)]),
            ["addresses[0].uprn", "addresses[0]"],
            id="address-with-no-line-city-district-postcode-or-country",
        ),
    ],
)
def test_each_cannot_carry_check_refuses_on_its_own(patient: Patient, paths: list[str]) -> None:
    with pytest.raises(SerialisationError) as raised:
        patient_to_hl7(patient)
    assert [p.path for p in raised.value.problems] == paths
    assert all("has no place in PID/PD1" in str(p) for p in raised.value.problems)
    # lossy=True writes what can be written instead of raising.
    assert patient_to_hl7(patient, lossy=True).startswith("PID")


def test_model_to_pid() -> None:
    patient = Patient(
        nhs_number=NHSNumber("9434765919"),
        nhs_number_status=NHSNumberStatusIndicatorCode.VERIFIED,
        chi_number=CHINumber("1904851231"),
        hc_number=HCNumber("3462950622"),
        names=[HumanName(use=NameUse.OFFICIAL, family="Smith", given=["Jane", "Ann"], prefix=["Mrs"])],
        birth_date=PartialDate(1970, 9),
        death_date=PartialDate(2020, 1, 2),
        stated_gender=PersonStatedGenderCode.INDETERMINATE,
        addresses=[
            Address(
                use=AddressUse.TEMP, lines=["Flat 1", "2 Road"], postcode=parse_address_postcode("LS1 6AE")
            )
        ],
        registered_gp=GPRegistration(practice=ODSCode("B82005"), general_practitioner=GMPCode("G2468107")),
    )
    pid = {
        3: "9434765919^^^NHS^NH~1904851231^^^CHI^NH~3462950622^^^HSNI^NH",
        5: "Smith^Jane^Ann^^Mrs^^L",
        7: "197009",
        8: "O",
        11: "Flat 1^2 Road^^^LS1 6AE^^C",
        29: "20200102",
        30: "Y",
        32: "NSTS01",
    }
    assert segments_of(patient) == [seg("PID", pid), "PD1|||^^B82005|G2468107"]
    assert patient_from_hl7(patient_to_hl7(patient)) == patient


# --- model -> PID -> model (hypothesis) ------------------------------------------------------------

text = st.text(
    alphabet=st.characters(exclude_categories=("Cs", "Cc")) | st.sampled_from('\t\r\n|^~&\\"'), min_size=1
).filter(lambda value: value.strip() != "")
dates = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2100, 12, 31))
partial_dates = st.one_of(
    st.integers(1900, 2100).map(PartialDate),
    st.tuples(st.integers(1900, 2100), st.integers(1, 12)).map(lambda ym: PartialDate(*ym)),
    dates.map(PartialDate.from_date),
)
periods = (
    st.tuples(st.none() | dates, st.none() | dates)
    .filter(lambda se: se != (None, None))
    .map(
        lambda se: (
            Period(start=min(d for d in se if d is not None) if se[0] else None, end=se[1])
            if se[0] is None or se[1] is None
            else Period(start=min(se), end=max(se))
        )  # type: ignore[type-var]
    )
)
names = (
    st.fixed_dictionaries(
        {},
        optional={
            "use": st.sampled_from(list(NameUse)),
            "family": text,
            "given": st.lists(text, min_size=1, max_size=2),
            "prefix": st.lists(text, min_size=1, max_size=1),
            "suffix": st.lists(text, min_size=1, max_size=1),
            "period": periods,
        },
    )
    .filter(lambda kw: "family" in kw or "given" in kw)
    .map(lambda kw: HumanName(**kw))
)
postcodes = st.sampled_from(["LS1 6AE", "WF1 1XX", "SW1A 1AA", "B1 2JF", "ZZ99 3VZ", "ZZ99 3WZ"]).map(
    parse_address_postcode
)
addresses = (
    st.fixed_dictionaries(
        {},
        optional={
            "use": st.sampled_from(list(AddressUse)),
            "lines": st.lists(text, min_size=1, max_size=2),
            "city": text,
            "district": text,
            "postcode": postcodes,
            "country": text,
            "period": periods,
        },
    )
    # An address abroad has no (UK) postcode: the Address rule, issue 11.
    .map(lambda kw: kw if is_uk_postcode_country(kw.get("country")) else {**kw, "postcode": None})
    .filter(lambda kw: bool(set(kw) - {"use", "period", "postcode"}) or kw.get("postcode") is not None)
    .map(lambda kw: Address(**kw))
)
ods_codes = st.from_regex(r"[A-Z0-9]{3,8}", fullmatch=True).map(ODSCode)
gmp_codes = st.from_regex(r"[0-9]{6}", fullmatch=True).map(lambda din: GMPCode(gmp_code.build(din)))
registrations = st.builds(GPRegistration, practice=ods_codes, general_practitioner=st.none() | gmp_codes)
local_identifiers = (
    st.tuples(text, st.none() | text, st.none() | ods_codes)
    .filter(lambda vsa: vsa[1] is not None or vsa[2] is not None)
    .map(lambda vsa: LocalIdentifier(value=vsa[0], system=vsa[1], assigner=vsa[2]))
)


telecom_systems = st.sampled_from(
    [ContactPointSystem.PHONE, ContactPointSystem.FAX, ContactPointSystem.PAGER, ContactPointSystem.EMAIL]
)
contacts = st.builds(
    ContactPoint,
    system=telecom_systems,
    value=text,
    use=st.none() | st.sampled_from([u for u in ContactPointUse if u is not ContactPointUse.OLD]),
    rank=st.none() | st.integers(1, 2_147_483_647),
    period=st.none() | periods,
).filter(lambda c: c.use is not ContactPointUse.MOBILE or c.system is ContactPointSystem.PHONE)
marital_statuses = st.sampled_from([*PersonMaritalStatus, *PersonMaritalStatusScotland])
ethnic_categories = st.sampled_from([*EthnicCategoryEngland, *EthnicCategoryWales, *EthnicCategoryScotland])


def personal_then_business(telecom: list[ContactPoint]) -> list[ContactPoint]:
    """PID-13 (personal) is read before PID-14 (business): the order the model gets back."""
    return sorted(telecom, key=lambda c: c.use is ContactPointUse.WORK)


@st.composite
def hl7_patients(draw: st.DrawFn) -> Patient:
    rng = draw(st.randoms(use_true_random=False))
    number = draw(st.none() | st.just(NHSNumber(nhs_number.generate(rng))))
    statuses = list(NHSNumberStatusIndicatorCode)
    status = draw(st.none() | st.sampled_from(statuses))
    if status is not None and number is None and status.code in ("01", "02"):
        status = None
    if status is not None and number is not None and status.code == "07":
        status = None
    birth = draw(st.none() | partial_dates)
    death = draw(st.none() | partial_dates)
    if birth is not None and death is not None and death.is_definitely_before(birth):
        birth, death = death, birth
    deceased = True if death is not None else draw(st.none() | st.booleans())
    return Patient(
        nhs_number=number,
        nhs_number_status=status,
        chi_number=draw(st.none() | st.just(CHINumber("1904851231"))),
        hc_number=draw(st.none() | st.just(HCNumber(hc_number.generate(random.Random(rng.random()))))),
        local_identifiers=draw(st.lists(local_identifiers, max_size=3)),
        names=draw(st.lists(names, max_size=3)),
        birth_date=birth,
        death_date=death,
        deceased=deceased,
        stated_gender=draw(st.none() | st.sampled_from(list(PersonStatedGenderCode))),
        addresses=draw(st.lists(addresses, max_size=3)),
        telecom=personal_then_business(draw(st.lists(contacts, max_size=3))),
        marital_status=draw(st.none() | marital_statuses),
        ethnic_category=draw(st.none() | ethnic_categories),
        registered_gp=draw(st.none() | registrations),
    )


# Each example draws a whole Patient, which costs far more than checking them: 100 examples (Hypothesis's
# default) rather than the ci profile's 300 keep the suite under 6 minutes on 2 cores.
@settings(max_examples=100, suppress_health_check=[HealthCheck.large_base_example, HealthCheck.too_slow])
@given(hl7_patients())
def test_model_to_pid_to_model_is_exact(patient: Patient) -> None:
    text = patient_to_hl7(patient)
    assert patient_from_hl7(text) == patient
    # And with a full message around it, after parsing with the ER7 layer.
    assert patient_from_hl7(parse_message(f"{MSH}\r{text}")) == patient


@settings(max_examples=100, suppress_health_check=[HealthCheck.large_base_example, HealthCheck.too_slow])
@given(hl7_patients())
def test_written_segments_read_back_to_the_same_text(patient: Patient) -> None:
    text = patient_to_hl7(patient)
    assert patient_to_hl7(patient_from_hl7(text)) == text


er7_text = st.text(alphabet=st.sampled_from('|^~\\&"ANHSMRYG0123456789 -\r\nXTEFR.b'), max_size=40)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.integers(1, 35), er7_text), max_size=4),
    st.sampled_from(["strict", "warn", "preserve"]),
)
def test_damaged_messages_give_a_patient_or_a_typed_error(
    damage: list[tuple[int, str]], identifiers: Any
) -> None:
    pid = ITK_PID.split("|")
    pid.extend([""] * 40)
    for number, value in damage:
        pid[number] = value
    text = f"{MSH}\r{'|'.join(pid).rstrip('|')}\r{ITK_PD1}"
    try:
        patient = patient_from_hl7(text, identifiers=identifiers)
    except (HL7v2Error, SerialisationError) as error:
        assert error.kind in ("hl7v2", "serialisation")
    else:
        # G5: what was read is written back, field by field, escapes decoded.
        written = parse_message(f"{MSH}\r{patient_to_hl7(patient)}")
        original = parse_message(text)
        for name in ("PID", "PD1"):
            before, after = original.segment(name), written.segment(name)
            assert after is not None
            assert before is not None
            count = max(len(before.fields), len(after.fields))
            assert [decoded(before, n) for n in range(1, count + 1)] == [
                decoded(after, n) for n in range(1, count + 1)
            ]


def decoded(segment: Any, number: int) -> list[Any]:
    """Field *number* decoded to repetitions -> components -> subcomponents, trailing empties dropped."""
    d = segment.delimiters
    out: list[Any] = []
    for r_index, rep in enumerate(segment.repetitions(number), start=1):
        comps: list[Any] = []
        for c_index, comp in enumerate(rep.split(d.component), start=1):
            subs = [
                segment.value(number, repetition=r_index, component=c_index, subcomponent=s_index)
                for s_index in range(1, len(comp.split(d.subcomponent)) + 1)
            ]
            while subs and subs[-1] == "":
                subs.pop()
            comps.append(subs)
        while comps and not comps[-1]:
            comps.pop()
        out.append(comps)
    while out and not out[-1]:
        out.pop()
    return out


# --- issue 11 regressions --------------------------------------------------------------------------


@pytest.mark.parametrize("sex", ["F~^", "F~", "F~^~", "F~&"])
def test_trailing_empty_repetitions_do_not_change_sex_on_a_second_round_trip(sex: str) -> None:
    """HL7 v2.5.1 chapter 2, 2.5.3: an empty value is "not present", so trailing empty repetitions
    of PID-8 (administrative sex, table 0001) carry nothing: ``F~^`` is ``F`` on every read."""
    first = patient_from_hl7(f"PID|||||SMITH||19700911|{sex}")
    second = patient_from_hl7(patient_to_hl7(first))
    assert first.stated_gender == second.stated_gender == PersonStatedGenderCode.FEMALE
    assert patient_to_hl7(second) == patient_to_hl7(first)


def test_a_leading_empty_repetition_keeps_sex_unread_on_every_round_trip() -> None:
    """``~F`` is two repetitions of a non-repeating field: not read as a sex, and kept as it is."""
    first = patient_from_hl7("PID|||||SMITH||19700911|~F")
    second = patient_from_hl7(patient_to_hl7(first))
    assert first.stated_gender is None
    assert second.stated_gender is None
    assert patient_to_hl7(second).endswith("|~F")


def test_pid_13_and_14_telecom_are_read_and_written_back() -> None:
    """XTN (HL7 v2.5.1 chapter 2A.89; v2.4 as in the ITK ADT specification): use code XTN.2
    (table 0201), equipment type XTN.3 (table 0202), number XTN.1, e-mail address XTN.4.  PID-13
    holds personal numbers, PID-14 business ones."""
    fields = {
        5: "SMITH",
        13: "01632 960587^PRN^PH~^NET^Internet^jane@example.org~07700 900123^PRN^CP~01632 960999^^FX",
        14: "0113 496 0000^WPN^PH",
    }
    text = seg("PID", fields)
    patient = patient_from_hl7(text)
    assert patient.telecom == (
        ContactPoint(system=ContactPointSystem.PHONE, value="01632 960587", use=ContactPointUse.HOME),
        ContactPoint(system=ContactPointSystem.EMAIL, value="jane@example.org"),
        ContactPoint(system=ContactPointSystem.PHONE, value="07700 900123", use=ContactPointUse.MOBILE),
        ContactPoint(system=ContactPointSystem.FAX, value="01632 960999"),
        ContactPoint(system=ContactPointSystem.PHONE, value="0113 496 0000", use=ContactPointUse.WORK),
    )
    assert patient_to_hl7(patient) == text
    assert patient_to_hl7(Patient(names=patient.names, telecom=patient.telecom)) == text


def test_pid_14_without_a_use_code_is_a_business_number_and_kept_as_written() -> None:
    """PID-14 is "Phone Number - Business" (HL7 v2.5.1 chapter 3, 3.4.2.14): a number there is
    a work number even without XTN.2 WPN; the text comes back as it was sent."""
    text = seg("PID", {5: "SMITH", 14: "0113 496 0000"})
    patient = patient_from_hl7(text)
    assert patient.telecom == (
        ContactPoint(system=ContactPointSystem.PHONE, value="0113 496 0000", use=ContactPointUse.WORK),
    )
    assert patient_to_hl7(patient) == text
    assert patient_to_hl7(Patient(names=patient.names, telecom=patient.telecom)) == seg(
        "PID", {5: "SMITH", 14: "0113 496 0000^WPN^PH"}
    )


def test_a_business_number_in_pid_13_is_kept_where_it_was() -> None:
    """The writer puts work numbers in PID-14; a WPN repetition in PID-13 is therefore kept as
    it is (in extras) rather than moved, so PID -> model -> PID gives PID-13 back unchanged."""
    text = seg("PID", {5: "SMITH", 13: "0113 496 0000^WPN^PH~01632 960587^PRN^PH"})
    patient = patient_from_hl7(text)
    assert [c.value for c in patient.telecom] == ["01632 960587"]
    assert patient_to_hl7(patient) == text


@pytest.mark.parametrize(
    ("ce", "status"),
    [
        ("M", PersonMaritalStatus.MARRIED_OR_CIVIL_PARTNER),
        # ITK table 0002 is the NHS list: N is "Not disclosed" and P "Separated" (HL7's own
        # table 0002 has N "Annulled" and P "Domestic partner").
        ("N", PersonMaritalStatus.NOT_DISCLOSED),
        ("P^Separated", PersonMaritalStatus.SEPARATED),
        ("S^Single^HL70002", PersonMaritalStatus.SINGLE),
        (
            "B^^https://fhir.hl7.org.uk/CodeSystem/UKCore-PersonMaritalStatusScotland",
            PersonMaritalStatusScotland.MARRIED,
        ),
    ],
)
def test_pid_16_marital_status(ce: str, status: object) -> None:
    """PID-16 (CE): the NHS ITK HL7 v2 ADT specification's table 0002 is PERSON MARITAL STATUS."""
    text = seg("PID", {5: "SMITH", 16: ce})
    patient = patient_from_hl7(text)
    assert patient.marital_status is status
    assert patient_to_hl7(patient) == text


@pytest.mark.parametrize(
    ("ce", "category"),
    [
        ("A", EthnicCategoryEngland.WHITE_BRITISH),
        ("N^African", EthnicCategoryEngland.BLACK_AFRICAN),
        ("99", EthnicCategoryEngland.NOT_KNOWN),
        ("Z^^HL70189", EthnicCategoryEngland.NOT_STATED),
        ("B^^https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryWales", EthnicCategoryWales("B")),
    ],
)
def test_pid_22_ethnic_group(ce: str, category: object) -> None:
    """PID-22 (CE, repeating): the NHS ITK HL7 v2 ADT specification's table 0189 is ETHNIC
    CATEGORY (England); the model holds one, other repetitions are kept."""
    text = seg("PID", {5: "SMITH", 22: ce})
    patient = patient_from_hl7(text)
    assert patient.ethnic_category is category
    assert patient_to_hl7(patient) == text


def test_unknown_codes_in_pid_16_and_22_are_errors_with_their_location() -> None:
    with pytest.raises(SerialisationError) as raised:
        patient_from_hl7(seg("PID", {5: "SMITH", 16: "X", 22: "Q^Other"}))
    assert [p.path for p in raised.value.problems] == ["PID-16[1].1", "PID-22[1].1"]


def test_codes_from_another_coding_system_are_kept_not_read() -> None:
    text = seg("PID", {5: "SMITH", 16: "M^Married^L", 22: "2186-5^Not Hispanic^CDCREC"})
    patient = patient_from_hl7(text)
    assert patient.marital_status is None
    assert patient.ethnic_category is None
    assert patient_to_hl7(patient) == text


def test_pid_10_race_is_kept_as_it_is() -> None:
    """PID-10 (race, HL7 table 0005) has no place in the model (ethnic category is PID-22 in
    the ITK specification): it is kept and written back, never read as an ethnic category."""
    text = seg("PID", {5: "SMITH", 10: "A^White British", 22: "B"})
    patient = patient_from_hl7(text)
    assert patient.ethnic_category is EthnicCategoryEngland.WHITE_IRISH
    assert patient_to_hl7(patient) == text
    assert patient_from_hl7(seg("PID", {5: "SMITH", 10: "A"})).ethnic_category is None


def test_writer_carries_telecom_marital_status_and_ethnic_category() -> None:
    patient = Patient(
        names=[HumanName(family="Jones")],
        telecom=[ContactPoint(system=ContactPointSystem.PHONE, value="0113 000 0000")],
        marital_status=PersonMaritalStatus.SINGLE,
        ethnic_category=EthnicCategoryEngland.CHINESE,
    )
    assert patient_to_hl7(patient) == seg("PID", {5: "Jones", 13: "0113 000 0000^^PH", 16: "S", 22: "R"})
    assert patient_from_hl7(patient_to_hl7(patient)) == patient

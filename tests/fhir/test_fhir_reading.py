"""Reading liberally, writing canonically, and the error cases the serialisers brief names."""

from __future__ import annotations

import collections
import copy
import datetime
import decimal
import enum
import json
import math
import pickle
import types
from typing import Any

import attrs
import pytest
from fhir_helpers import fixture_resources, read_recording
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nhsstd import fhir
from nhsstd.codes import EthnicCategoryEngland, NHSNumberStatusIndicatorCode, ODSRole
from nhsstd.fhir import (
    CanonicalisationWarning,
    InvalidIdentifierWarning,
    LegacyURLWarning,
    SerialisationError,
)
from nhsstd.identifiers.gmp_code import GMPCode
from nhsstd.identifiers.nhs_number import NHSNumber
from nhsstd.identifiers.ods_code import ODSCode
from nhsstd.models import (
    Coding,
    Extras,
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

NHS = "https://fhir.nhs.uk/Id/nhs-number"
EXT_VERIFICATION = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus"
ENGLAND = "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland"
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
SITE = "https://fhir.nhs.uk/Id/ods-site-code"
SDS_USER = "https://fhir.nhs.uk/Id/sds-user-id"
ROLE_PROFILE = "https://fhir.nhs.uk/Id/sds-role-profile-id"
VALID = "9434765919"
WRONG_CHECK_DIGIT = "9434765918"
MARITAL = "https://fhir.hl7.org.uk/CodeSystem/UKCore-PersonMaritalStatusEngland"


def verified_patient(
    *,
    extension_url: str = EXT_VERIFICATION,
    system: str = ENGLAND,
    code: str = "01",
    value: str = VALID,
    **coding_extra: Any,
) -> dict[str, Any]:
    coding = {"system": system, "code": code, "display": "Number present and verified", **coding_extra}
    return {
        "resourceType": "Patient",
        "identifier": [
            {
                "system": NHS,
                "value": value,
                "extension": [{"url": extension_url, "valueCodeableConcept": {"coding": [coding]}}],
            }
        ],
    }


def legacy_messages(caught: list[Any]) -> list[str]:
    return [str(w.message) for w in caught if issubclass(w.category, LegacyURLWarning)]


# --- legacy URLs (serialisers brief sections 1.1, 1.3 and 6) -------------------------------------


def test_legacy_pds_verification_extension_url() -> None:
    resource = verified_patient(
        extension_url="https://fhir.nhs.uk/R4/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus"
    )
    patient, caught = read_recording(fhir.from_fhir, resource)
    assert patient.nhs_number_status is NHSNumberStatusIndicatorCode.VERIFIED
    assert legacy_messages(caught) == [
        "$.identifier[0].extension[0].url: a legacy extension URL replaced by the UK Core canonical URL"
    ]
    written = fhir.to_fhir(patient)
    assert written == verified_patient()


def test_legacy_pds_verification_code_system_with_version() -> None:
    resource = verified_patient(
        system="https://fhir.nhs.uk/R4/CodeSystem/UKCore-NHSNumberVerificationStatus", version="1.0.0"
    )
    patient, caught = read_recording(fhir.from_fhir, resource)
    assert len(legacy_messages(caught)) == 1
    # The version belonged to the legacy code system: it goes with it.
    assert fhir.to_fhir(patient) == verified_patient()


def test_pds_sandbox_verification_code_system_without_england() -> None:
    resource = verified_patient(
        system="https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatus", version="1.0.0"
    )
    patient, caught = read_recording(fhir.from_fhir, resource)
    assert patient.nhs_number_status is NHSNumberStatusIndicatorCode.VERIFIED
    assert len(legacy_messages(caught)) == 1
    assert fhir.to_fhir(patient) == verified_patient()


def test_canonical_urls_read_without_warnings() -> None:
    resource = verified_patient()
    patient, caught = read_recording(fhir.from_fhir, resource)
    assert caught == []
    assert fhir.to_fhir(patient) == resource


def test_ods_organisation_code_spelling_in_organization() -> None:
    resource = {
        "resourceType": "Organization",
        "identifier": [{"system": "https://fhir.nhs.uk/Id/ods-organisation-code", "value": "RR8"}],
        "name": "LEEDS TEACHING HOSPITALS NHS TRUST",
    }
    organisation, caught = read_recording(fhir.from_fhir, resource)
    assert organisation.ods_code == ODSCode("RR8")
    assert legacy_messages(caught) == [
        "$.identifier[0].system: a variant identifier system replaced by the UK Core canonical URL"
    ]
    assert fhir.to_fhir(organisation)["identifier"] == [{"system": ODS, "value": "RR8"}]


def test_ods_organisation_code_spelling_in_general_practitioner() -> None:
    resource = {
        "resourceType": "Patient",
        "generalPractitioner": [
            {
                "type": "Organization",
                "identifier": {"system": "https://fhir.nhs.uk/Id/ods-organisation-code", "value": "Y12345"},
            }
        ],
    }
    patient, caught = read_recording(fhir.from_fhir, resource)
    assert patient.registered_gp == GPRegistration(practice=ODSCode("Y12345"))
    assert len(legacy_messages(caught)) == 1
    assert fhir.to_fhir(patient)["generalPractitioner"] == [
        {"type": "Organization", "identifier": {"system": ODS, "value": "Y12345"}}
    ]


def test_pds_ods_gp_identifier_system() -> None:
    """The PDS published example: organisation-data-service system plus a directory reference."""
    reference = "https://directory.spineservices.nhs.uk/STU3/Organization/Y12345"
    resource = {
        "resourceType": "Patient",
        "generalPractitioner": [
            {
                "type": "Organization",
                "identifier": {
                    "system": "https://digital.nhs.uk/services/organisation-data-service",
                    "value": "Y12345",
                },
                "reference": reference,
            }
        ],
    }
    patient, caught = read_recording(fhir.from_fhir, resource)
    assert patient.registered_gp is not None
    assert patient.registered_gp.practice == ODSCode("Y12345")
    assert legacy_messages(caught) == [
        "$.generalPractitioner[0].identifier.system: a variant identifier system replaced by the UK Core "
        "canonical URL"
    ]
    written = fhir.to_fhir(patient)["generalPractitioner"][0]
    assert written == {
        "type": "Organization",
        "identifier": {"system": ODS, "value": "Y12345"},
        "reference": reference,
    }


def test_legacy_warnings_can_be_turned_into_errors() -> None:
    resource = verified_patient(system="https://fhir.nhs.uk/R4/CodeSystem/UKCore-NHSNumberVerificationStatus")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", LegacyURLWarning)
        with pytest.raises(LegacyURLWarning):
            fhir.from_fhir(resource)


def test_strict_mode_refuses_legacy_urls_and_unknown_elements() -> None:
    resource = verified_patient(system="https://fhir.nhs.uk/R4/CodeSystem/UKCore-NHSNumberVerificationStatus")
    resource["id"] = "example"
    with pytest.raises(SerialisationError) as raised:
        read_recording(fhir.from_fhir, resource, strict=True)
    paths = [problem.path for problem in raised.value.problems]
    assert paths == ["$.identifier[0].extension[0].valueCodeableConcept.coding[0].system", "$.id"]


def test_strict_mode_accepts_a_canonical_modelled_resource() -> None:
    resource = verified_patient()
    assert fhir.from_fhir(resource, strict=True).nhs_number == NHSNumber(VALID)


# --- negative cases ------------------------------------------------------------------------------


def test_wrong_check_digit_is_one_error_with_its_path() -> None:
    resource = verified_patient(value=WRONG_CHECK_DIGIT)
    with pytest.raises(SerialisationError) as raised:
        fhir.from_fhir(resource)
    error = raised.value
    assert (
        str(error)
        == "FHIR Patient: 1 problem\n  $.identifier[0].value: NHS Number: check digit does not match"
    )
    assert error.reason == "checksum"
    assert WRONG_CHECK_DIGIT not in str(error)
    assert WRONG_CHECK_DIGIT not in repr(error)
    assert isinstance(error, ValueError)


def test_every_problem_is_listed_once() -> None:
    resource = verified_patient(value=WRONG_CHECK_DIGIT)
    resource["gender"] = "mail"
    resource["birthDate"] = "1970-02-30"
    resource["name"] = [{"family": ""}, "Smith"]
    resource["telecom"] = []
    with pytest.raises(SerialisationError) as raised:
        fhir.from_fhir(resource)
    assert [(p.path, p.reason.value) for p in raised.value.problems] == [
        ("$.identifier[0].value", "checksum"),
        ("$.gender", "unknown_code"),
        ("$.birthDate", "invalid_date"),
        ("$.name[0].family", "empty"),
        ("$.name[1]", "format"),
        ("$.telecom", "empty"),
    ]
    for value in (WRONG_CHECK_DIGIT, "mail", "1970-02-30", "Smith"):
        assert value not in str(raised.value)


def test_the_error_pickles() -> None:
    with pytest.raises(SerialisationError) as raised:
        fhir.from_fhir(verified_patient(value=WRONG_CHECK_DIGIT))
    copy_ = pickle.loads(pickle.dumps(raised.value))
    assert str(copy_) == str(raised.value)
    assert copy_.problems == raised.value.problems


def test_identifiers_warn_keeps_the_identifier_as_it_was() -> None:
    resource = verified_patient(value=WRONG_CHECK_DIGIT)
    patient, caught = read_recording(fhir.from_fhir, resource, identifiers="warn")
    assert patient.nhs_number is None
    assert patient.nhs_number_status is None
    assert [str(w.message) for w in caught if issubclass(w.category, InvalidIdentifierWarning)] == [
        "$.identifier[0].value: NHS Number: check digit does not match; kept unvalidated in extras"
    ]
    assert fhir.to_fhir(patient) == resource


def test_identifiers_preserve_is_silent() -> None:
    resource = verified_patient(value=WRONG_CHECK_DIGIT)
    patient, caught = read_recording(fhir.from_fhir, resource, identifiers="preserve")
    assert caught == []
    assert fhir.to_fhir(patient) == resource


def test_unknown_extension_is_kept_in_place() -> None:
    resource = {
        "resourceType": "Patient",
        "extension": [
            {"url": "https://example.org/fhir/StructureDefinition/favourite-colour", "valueString": "blue"},
            {
                "url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory",
                "valueCodeableConcept": {
                    "coding": [
                        {
                            "system": "https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryEngland",
                            "code": "A",
                            "display": "White - British",
                        }
                    ]
                },
            },
        ],
    }
    patient, caught = read_recording(fhir.from_fhir, resource)
    assert caught == []
    assert patient.ethnic_category is EthnicCategoryEngland.WHITE_BRITISH
    assert fhir.to_fhir(patient) == resource
    with pytest.raises(SerialisationError) as raised:
        fhir.from_fhir(resource, strict=True)
    assert [p.path for p in raised.value.problems] == ["$.extension[0]"]


@pytest.mark.parametrize("number", [2**64 - 1, -(2**63), 1.5, 10**18, 1e300])
def test_numbers_kept_in_extras_round_trip_exactly(number: float) -> None:
    # Integers within 64 bits and floats: what JSON text read under nhsstd's policy holds exactly.
    resource = {
        "resourceType": "Patient",
        "name": [
            {"family": "Smith", "extension": [{"url": "https://example.org/n", "valueDecimal": number}]}
        ],
        "multipleBirthInteger": number,
    }
    for read in (fhir.from_fhir, lambda r: fhir.loads(json.dumps(r))):
        patient = read(resource)
        written = fhir.to_fhir(patient)
        assert written == resource
        assert json.dumps(written) == json.dumps(resource)
        # and a changed name drops the stale patch rather than misapplying it
        changed = attrs.evolve(patient, names=(HumanName(family="Jones"),))
        assert fhir.to_fhir(changed)["name"] == [{"family": "Jones"}]


def test_nan_given_directly_is_refused_not_written_as_null() -> None:
    with pytest.raises(SerialisationError) as raised:
        fhir.from_fhir({"resourceType": "Patient", "multipleBirthDecimal": float("nan")})
    assert [p.path for p in raised.value.problems] == ["$"]


NOT_JSON = "an element kept as it is is not JSON (keys must be strings, no NaN, integers within 64 bits)"


class _Text(str):
    pass


class _Number(float):
    pass


class _Items(list):  # type: ignore[type-arg]
    pass


class _Rank(enum.IntEnum):
    FIRST = 1


def _uprn_key(**extra: Any) -> dict[str, Any]:
    return {
        "url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-AddressKey",
        "extension": [
            {
                "url": "type",
                "valueCoding": {
                    "system": "https://fhir.hl7.org.uk/CodeSystem/UKCore-AddressKeyType",
                    "code": "UPRN",
                },
            },
            {"url": "value", "valueString": "123456789012"},
        ],
        **extra,
    }


def _where_kept(value: Any) -> list[dict[str, Any]]:
    """Patients keeping *value* at the top, in an unknown extension of a modelled name (a slot's
    patch), in an unmodelled name item, under a modelled element's override, in a modelled
    item's nested object, beside and inside a modelled item of a nested array (a template)."""
    ods = "https://fhir.nhs.uk/Id/ods-organization-code"
    return [
        {"resourceType": "Patient", "x": value},
        {"resourceType": "Patient", "name": [{"family": "S", "extension": [{"url": "u", "valueX": value}]}]},
        {"resourceType": "Patient", "name": [{"prefix": ["Dr"], "x": [value]}]},
        {
            "resourceType": "Patient",
            "maritalStatus": {"coding": [{"system": MARITAL, "code": "M"}], "x": {"y": value}},
        },
        {
            "resourceType": "Patient",
            "generalPractitioner": [
                {"type": "Organization", "identifier": {"system": ods, "value": "Y12345", "x": value}}
            ],
        },
        {
            "resourceType": "Patient",
            "address": [{"extension": [{"url": "u", "valueX": [value]}, _uprn_key()], "city": "Leeds"}],
        },
        {"resourceType": "Patient", "address": [{"extension": [_uprn_key(x=value)], "city": "Leeds"}]},
    ]


@pytest.mark.parametrize(
    "value",
    [
        float("nan"),
        {"a": [1, {"b": math.inf}]},
        (1, 2),
        [[(1,)]],
        {1, 2},
        frozenset(),
        decimal.Decimal("1.5"),
        b"x",
        types.MappingProxyType({"a": 1}),
        _Number("nan"),
        object(),
        2**64,
        [-(2**63) - 1],
    ],
    ids=lambda value: type(value).__name__,
)
def test_what_is_not_json_is_refused_at_the_root(value: Any) -> None:
    # The kept-content walk proves what is kept is JSON (no read-back of the residual text):
    # a dict built in code may hold NaN, tuples, sets... anywhere that is kept.
    for resource in _where_kept(value):
        with pytest.raises(SerialisationError) as raised:
            fhir.from_fhir(resource)
        assert [(p.path, p.message) for p in raised.value.problems] == [("$", NOT_JSON)]


@pytest.mark.parametrize(
    "value",
    [
        collections.OrderedDict(a=1, b=[2]),
        _Rank.FIRST,
        _Text("x"),
        _Number(1.5),
        _Items([1, "a"]),
        2**64 - 1,
        -0.5,
        1e300,
    ],
    ids=lambda value: type(value).__name__,
)
def test_subclasses_of_json_classes_are_kept_as_their_json_value(value: Any) -> None:
    for resource in _where_kept(value):
        written = fhir.to_fhir(fhir.from_fhir(resource))
        assert written == resource
        assert json.dumps(written) == json.dumps(resource)


def test_null_in_a_dict_subclass_is_refused_where_it_is() -> None:
    resource = {"resourceType": "Patient", "x": collections.OrderedDict(a=None)}
    with pytest.raises(SerialisationError) as raised:
        fhir.from_fhir(resource)
    assert [p.path for p in raised.value.problems] == ["$.x.a"]


def _is_json(value: Any) -> bool:
    """The reference: *value* reads back equal from the standard library's JSON text (which
    writes a tuple as an array: it then reads back as a list, not equal), and its integers are
    within 64 bits (nhsstd's JSON text policy: no writer of nhsstd writes larger ones)."""
    try:
        text = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return bool(json.loads(text) == value) and _within_64_bits(value)


def _within_64_bits(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_within_64_bits(item) for item in value.values())
    if isinstance(value, list):
        return all(_within_64_bits(item) for item in value)
    return not isinstance(value, int) or -(2**63) <= value < 2**64


_leaves = st.one_of(
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    st.decimals(allow_nan=False, places=2),
    st.binary(max_size=2),
    st.builds(_Number, st.floats()),
    st.sampled_from([_Rank.FIRST, _Text("t"), frozenset()]),
)
_kept_values = st.recursive(
    _leaves,
    lambda children: (
        st.lists(children, max_size=3)
        | st.lists(children, max_size=2).map(tuple)
        | st.dictionaries(st.text(max_size=3), children, max_size=3)
        | st.dictionaries(st.text(max_size=3), children, max_size=2).map(collections.OrderedDict)
    ),
    max_leaves=12,
)


@settings(deadline=None)
@given(_kept_values)
def test_kept_values_are_refused_exactly_when_they_are_not_json(value: Any) -> None:
    # Any value, JSON or not (None is not drawn: nulls have their own problems): the walk
    # must refuse exactly those that do not read back from JSON text.
    for resource in _where_kept(value):
        if _is_json(value):
            written = fhir.to_fhir(fhir.from_fhir(resource))
            assert json.loads(json.dumps(written)) == json.loads(json.dumps(resource))
        else:
            with pytest.raises(SerialisationError) as raised:
                fhir.from_fhir(resource)
            assert [(p.path, p.message) for p in raised.value.problems] == [("$", NOT_JSON)]


def test_primitive_extension_on_birth_date_is_kept() -> None:
    """``_birthDate`` (the birth-time extension): the case fhir.resources mishandles."""
    resource = {
        "resourceType": "Patient",
        "birthDate": "1970-09-11",
        "_birthDate": {
            "extension": [
                {
                    "url": "http://hl7.org/fhir/StructureDefinition/patient-birthTime",
                    "valueDateTime": "1970-09-11T08:30:00+01:00",
                }
            ]
        },
    }
    patient = fhir.from_fhir(resource)
    assert patient.birth_date == PartialDate(1970, 9, 11)
    assert fhir.to_fhir(patient) == resource


@pytest.mark.parametrize(
    ("element", "value", "path"),
    [
        ("name", [], "$.name"),
        ("name", [{}], "$.name[0]"),
        ("name", [{"family": "Smith", "given": []}], "$.name[0].given"),
        ("name", [{"family": "Smith", "given": [""]}], "$.name[0].given[0]"),
        ("birthDate", "", "$.birthDate"),
        ("gender", "", "$.gender"),
        ("identifier", [], "$.identifier"),
    ],
)
def test_empty_values_are_refused(element: str, value: Any, path: str) -> None:
    with pytest.raises(SerialisationError) as raised:
        fhir.from_fhir({"resourceType": "Patient", element: value})
    assert [p.path for p in raised.value.problems] == [path]


def test_null_flavor_ni_status_is_preserved_exactly() -> None:
    """G4: NullFlavor NI has no Data Dictionary code; it is kept as it was."""
    resource = verified_patient(system="http://terminology.hl7.org/CodeSystem/v3-NullFlavor", code="NI")
    resource["identifier"][0]["extension"][0]["valueCodeableConcept"]["coding"][0]["display"] = (
        "NoInformation"
    )
    patient, caught = read_recording(fhir.from_fhir, resource)
    assert caught == []
    assert patient.nhs_number == NHSNumber(VALID)
    assert patient.nhs_number_status is None
    assert fhir.to_fhir(patient) == resource


@pytest.mark.parametrize("code", [member.code for member in NHSNumberStatusIndicatorCode])
def test_every_verification_status_code_round_trips(code: str) -> None:
    status = NHSNumberStatusIndicatorCode.from_code(code)
    number = None if code in ("07",) else NHSNumber(VALID)
    patient = Patient(nhs_number=number, nhs_number_status=status)
    written = fhir.to_fhir(patient)
    identifier = written["identifier"][0]
    assert identifier["extension"][0]["valueCodeableConcept"]["coding"][0]["code"] == code
    if number is not None:
        assert identifier["value"] == VALID
    assert fhir.from_fhir(written) == patient


def test_nhs_number_with_spaces_is_written_as_ten_digits() -> None:
    resource = verified_patient(value="943 476 5919")
    patient, caught = read_recording(fhir.from_fhir, resource)
    assert [w.category for w in caught] == [CanonicalisationWarning]
    assert fhir.to_fhir(patient)["identifier"][0]["value"] == VALID


def test_death_time_is_kept_while_the_death_date_is_unchanged() -> None:
    resource = {"resourceType": "Patient", "deceasedDateTime": "2010-10-22T09:15:00+00:00"}
    patient = fhir.from_fhir(resource)
    assert patient.death_date == PartialDate(2010, 10, 22)
    assert fhir.to_fhir(patient) == resource
    changed = attrs.evolve(patient, death_date=PartialDate(2011))
    assert fhir.to_fhir(changed) == {"resourceType": "Patient", "deceasedDateTime": "2011"}


def test_kept_parts_of_an_element_follow_it_only_while_it_is_unchanged() -> None:
    resource = {
        "resourceType": "Patient",
        "name": [{"id": "n1", "family": "Smith", "given": ["Jane"]}, {"id": "n2", "family": "Jones"}],
    }
    patient = fhir.from_fhir(resource)
    assert fhir.to_fhir(patient) == resource
    renamed = attrs.evolve(patient, names=[patient.names[0], HumanName(family="Brown")])
    assert fhir.to_fhir(renamed)["name"] == [
        {"id": "n1", "family": "Smith", "given": ["Jane"]},
        {"family": "Brown"},
    ]
    reordered = attrs.evolve(patient, names=list(reversed(patient.names)))
    assert fhir.to_fhir(reordered)["name"] == [{"family": "Jones"}, {"family": "Smith", "given": ["Jane"]}]


def test_deceased_boolean_is_not_written_next_to_a_death_date() -> None:
    patient = fhir.from_fhir({"resourceType": "Patient", "deceasedBoolean": True})
    dated = attrs.evolve(patient, death_date=PartialDate(2020, 1, 2))
    assert fhir.to_fhir(dated) == {"resourceType": "Patient", "deceasedDateTime": "2020-01-02"}


def test_gp_and_practice_references() -> None:
    patient = Patient(
        registered_gp=GPRegistration(practice=ODSCode("Y12345"), general_practitioner=GMPCode("G1234569"))
    )
    written = fhir.to_fhir(patient)
    assert written["generalPractitioner"] == [
        {"type": "Organization", "identifier": {"system": ODS, "value": "Y12345"}},
        {
            "type": "Practitioner",
            "identifier": {"system": "https://fhir.hl7.org.uk/Id/gmp-number", "value": "G1234569"},
        },
    ]
    assert fhir.from_fhir(written) == patient


def test_gp_without_a_practice_is_kept_as_it_is() -> None:
    resource = {
        "resourceType": "Patient",
        "generalPractitioner": [
            {"identifier": {"system": "https://fhir.hl7.org.uk/Id/gmp-number", "value": "G1234569"}}
        ],
    }
    patient = fhir.from_fhir(resource)
    assert patient.registered_gp is None
    assert fhir.to_fhir(patient) == resource


def test_organisation_roles_and_primary_role() -> None:
    organisation = Organisation(
        ods_code=ODSCode("Y12345"),
        name="WHITE ROSE MEDICAL CENTRE",
        roles=[ODSRole.GP_PRACTICE, ODSRole.PRESCRIBING_COST_CENTRE],
        primary_role=ODSRole.PRESCRIBING_COST_CENTRE,
    )
    written = fhir.to_fhir(organisation)
    assert written["type"][1]["extension"] == [
        {"url": "https://nhsstd.readthedocs.io/StructureDefinition/ods-primary-role", "valueBoolean": True}
    ]
    assert fhir.from_fhir(written) == organisation


def test_site_code_is_checked_and_kept() -> None:
    resource = {
        "resourceType": "Organization",
        "identifier": [{"system": "https://fhir.nhs.uk/Id/ods-site-code", "value": "RR813"}],
        "name": "ST JAMES'S",
    }
    organisation = fhir.from_fhir(resource)
    assert organisation.ods_code is None
    assert organisation.ods_site_code == ODSCode("RR813")
    assert fhir.to_fhir(organisation) == resource
    bad = copy.deepcopy(resource)
    bad["identifier"][0]["value"] = "RR 8"
    with pytest.raises(SerialisationError):
        fhir.from_fhir(bad)


def test_practitioner_identifier_systems() -> None:
    resource = {
        "resourceType": "Practitioner",
        "identifier": [
            {"system": "https://fhir.hl7.org.uk/Id/gphc-number", "value": "2298676"},
            {"system": "https://fhir.nhs.uk/Id/sds-user-id", "value": "123456789012"},
        ],
    }
    practitioner = fhir.from_fhir(resource, as_=Practitioner)
    assert practitioner.gphc_number is not None
    assert practitioner.gphc_number.compact == "2298676"
    assert practitioner.sds_user_id == "123456789012"
    assert fhir.to_fhir(practitioner) == resource


def test_placeholder_sds_user_id_needs_a_lenient_mode() -> None:
    """SDS user IDs are ASCII digits; the UK Core pharmacist example's P12345678 is a placeholder.

    (Before sds_user_id was modelled the value was kept unchecked; it is now validated like the
    other identifiers, so the placeholder needs "preserve", as the GMC placeholder does.)
    """
    resource = {
        "resourceType": "Practitioner",
        "identifier": [{"system": "https://fhir.nhs.uk/Id/sds-user-id", "value": "P12345678"}],
    }
    with pytest.raises(SerialisationError) as raised:
        fhir.from_fhir(resource)
    assert str(raised.value) == (
        "FHIR Practitioner: 1 problem\n  $.identifier[0].value: SDS user ID: expected ASCII digits"
    )
    practitioner = fhir.from_fhir(resource, identifiers="preserve", as_=Practitioner)
    assert practitioner.sds_user_id is None
    assert fhir.to_fhir(practitioner) == resource


def test_organisation_and_site_codes_are_written_in_that_order() -> None:
    site_only = Organisation(ods_site_code=ODSCode("RR813"))
    assert fhir.to_fhir(site_only) == {
        "resourceType": "Organization",
        "identifier": [{"system": SITE, "value": "RR813"}],
    }
    both = Organisation(ods_code=ODSCode("RR8"), ods_site_code=ODSCode("RR813"))
    written = fhir.to_fhir(both)
    assert written["identifier"] == [{"system": ODS, "value": "RR8"}, {"system": SITE, "value": "RR813"}]
    assert fhir.from_fhir(written, strict=True) == both
    # A second site code is not modelled: kept as it is.
    two = {**written, "identifier": [*written["identifier"], {"system": SITE, "value": "RR814"}]}
    read = fhir.from_fhir(two, as_=Organisation)
    assert read.ods_site_code == ODSCode("RR813")
    assert fhir.to_fhir(read) == two


# --- local identifiers (MRNs) ---------------------------------------------------------------------

MRN_SYSTEM = "https://fhir.example-trust.nhs.uk/Id/mrn"


def test_local_identifiers_are_read_and_written() -> None:
    resource = {
        "resourceType": "Patient",
        "identifier": [
            {"system": NHS, "value": VALID},
            {
                "system": MRN_SYSTEM,
                "value": "E123",
                "assigner": {"identifier": {"system": ODS, "value": "RR8"}},
            },
            {"use": "usual", "system": "urn:oid:1.2.3.4", "value": "77"},
            {"value": "no system, no assigner"},
        ],
    }
    patient, caught = read_recording(fhir.from_fhir, resource)
    assert caught == []
    assert patient.local_identifiers == (
        LocalIdentifier(value="E123", system=MRN_SYSTEM, assigner=ODSCode("RR8")),
        LocalIdentifier(value="77", system="urn:oid:1.2.3.4"),
    )
    assert fhir.to_fhir(patient) == resource
    bare = fhir.from_fhir(resource, keep_unknown=False)
    unmodelled_dropped = [*resource["identifier"][:2], {"system": "urn:oid:1.2.3.4", "value": "77"}]
    assert fhir.to_fhir(bare)["identifier"] == unmodelled_dropped
    # From HL7 v2 an MRN may have an assigner and no system: written without one.
    from_pid = Patient(local_identifiers=[LocalIdentifier(value="8000002", assigner=ODSCode("RMW00"))])
    assert fhir.to_fhir(from_pid)["identifier"] == [
        {"value": "8000002", "assigner": {"identifier": {"system": ODS, "value": "RMW00"}}}
    ]
    assert fhir.from_fhir(fhir.to_fhir(from_pid), strict=True) == from_pid


def test_local_identifier_assigner_with_the_variant_ods_system() -> None:
    resource = {
        "resourceType": "Patient",
        "identifier": [
            {
                "value": "E123",
                "assigner": {
                    "identifier": {"system": "https://fhir.nhs.uk/Id/ods-organisation-code", "value": "rr8"}
                },
            }
        ],
    }
    patient, caught = read_recording(fhir.from_fhir, resource)
    assert patient.local_identifiers == (LocalIdentifier(value="E123", assigner=ODSCode("RR8")),)
    assert legacy_messages(caught) == [
        "$.identifier[0].assigner.identifier.system: a variant identifier system replaced by the UK Core "
        "canonical URL"
    ]
    assert fhir.to_fhir(patient)["identifier"] == [
        {"value": "E123", "assigner": {"identifier": {"system": ODS, "value": "RR8"}}}
    ]


def test_local_identifier_with_an_invalid_assigner_code() -> None:
    resource = {
        "resourceType": "Patient",
        "identifier": [{"value": "E123", "assigner": {"identifier": {"system": ODS, "value": "R 8"}}}],
    }
    with pytest.raises(SerialisationError) as raised:
        fhir.from_fhir(resource)
    assert [p.path for p in raised.value.problems] == ["$.identifier[0].assigner.identifier.value"]
    patient = fhir.from_fhir(resource, identifiers="preserve", as_=Patient)
    assert patient.local_identifiers == ()
    assert fhir.to_fhir(patient) == resource


def test_local_identifier_value_must_be_a_string() -> None:
    with pytest.raises(SerialisationError) as raised:
        fhir.from_fhir({"resourceType": "Patient", "identifier": [{"system": MRN_SYSTEM, "value": 12}]})
    assert [p.path for p in raised.value.problems] == ["$.identifier[0].value"]


# --- deceased ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("deceased", [True, False])
def test_deceased_boolean(deceased: bool) -> None:
    resource = {"resourceType": "Patient", "deceasedBoolean": deceased}
    patient = fhir.from_fhir(resource, strict=True, as_=Patient)
    assert patient.deceased is deceased
    assert patient.death_date is None
    assert fhir.to_fhir(patient) == resource


def test_death_date_means_deceased() -> None:
    patient = fhir.from_fhir({"resourceType": "Patient", "deceasedDateTime": "2020-01-02"}, as_=Patient)
    assert patient.deceased is True
    assert fhir.to_fhir(patient) == {"resourceType": "Patient", "deceasedDateTime": "2020-01-02"}
    # Removing the date keeps the fact of death: written as deceasedBoolean.
    undated = attrs.evolve(patient, death_date=None)
    assert fhir.to_fhir(undated) == {"resourceType": "Patient", "deceasedBoolean": True}


@pytest.mark.parametrize(
    ("resource", "path"),
    [
        ({"deceasedBoolean": "true"}, "$.deceasedBoolean"),
        ({"deceasedBoolean": True, "deceasedDateTime": "2020"}, "$.deceasedBoolean"),
        ({"deceasedDateTime": "2020", "deceasedBoolean": False}, "$.deceasedBoolean"),
    ],
)
def test_bad_deceased(resource: dict[str, Any], path: str) -> None:
    with pytest.raises(SerialisationError) as raised:
        fhir.from_fhir({"resourceType": "Patient", **resource})
    assert [p.path for p in raised.value.problems] == [path]


# --- PractitionerRole ---------------------------------------------------------------------------


def test_practitioner_role_references_by_identifier() -> None:
    resource = {
        "resourceType": "PractitionerRole",
        "identifier": [{"system": ROLE_PROFILE, "value": "555086415105"}],
        "active": True,
        "period": {"start": "2020-04-01"},
        "practitioner": {
            "type": "Practitioner",
            "identifier": {"system": SDS_USER, "value": "123456789012"},
            "display": "Dr Jane Jones",
        },
        "organization": {
            "identifier": {"system": "https://fhir.nhs.uk/Id/ods-organisation-code", "value": "B82005"}
        },
        "code": [
            {
                "coding": [
                    {"system": "https://fhir.hl7.org.uk/CodeSystem/UKCore-SDSJobRoleName", "code": "R8000"},
                    {"system": "http://snomed.info/sct", "code": "62247001"},
                ],
                "text": "GP",
            }
        ],
    }
    role, caught = read_recording(fhir.from_fhir, resource)
    assert isinstance(role, PractitionerRole)
    assert role.sds_role_profile_id == "555086415105"
    assert role.active is True
    assert role.period == Period(start=datetime.date(2020, 4, 1))
    assert role.practitioner == Reference(sds_user_id="123456789012", display="Dr Jane Jones")
    assert role.organisation == Reference(ods_code=ODSCode("B82005"))
    assert role.codes == (
        Coding(system="https://fhir.hl7.org.uk/CodeSystem/UKCore-SDSJobRoleName", code="R8000"),
    )
    assert legacy_messages(caught) == [
        "$.organization.identifier.system: a variant identifier system replaced by the UK Core canonical URL"
    ]
    written = fhir.to_fhir(role)
    assert written["organization"] == {"identifier": {"system": ODS, "value": "B82005"}}
    assert {k: v for k, v in written.items() if k != "organization"} == {
        k: v for k, v in resource.items() if k != "organization"
    }
    # The reference's type and the second coding are kept while the model's values are unchanged.
    moved = attrs.evolve(role, practitioner=Reference(sds_user_id="210987654321"))
    assert fhir.to_fhir(moved)["practitioner"] == {
        "identifier": {"system": SDS_USER, "value": "210987654321"}
    }


def test_practitioner_role_unmodelled_parts_are_kept() -> None:
    resource = {
        "resourceType": "PractitionerRole",
        "period": {"start": "2020-04-01T09:00:00Z"},
        "practitioner": {
            "identifier": {"system": "https://fhir.hl7.org.uk/Id/gphc-number", "value": "2298676"}
        },
        "organization": {"reference": "urn:uuid:2bf9f37c-d88b-4f86-ad5f-373c1416e04b"},
        "location": [{"reference": "Location/1"}],
        "code": [{"text": "Pharmacist"}],
    }
    role = fhir.from_fhir(resource, as_=PractitionerRole)
    assert role.period is None
    assert role.practitioner is None
    assert role.organisation == Reference(reference="urn:uuid:2bf9f37c-d88b-4f86-ad5f-373c1416e04b")
    assert role.codes == ()
    assert fhir.to_fhir(role) == resource
    with pytest.raises(SerialisationError) as raised:
        fhir.from_fhir(resource, strict=True)
    assert [p.path for p in raised.value.problems] == [
        "$.period",
        "$.practitioner",
        "$.location",
        "$.code[0]",
    ]


def test_practitioner_role_bad_values() -> None:
    resource = {
        "resourceType": "PractitionerRole",
        "identifier": [{"system": ROLE_PROFILE, "value": "R-1"}],
        "active": "yes",
        "practitioner": "Practitioner/1",
        "organization": {"identifier": {"system": ODS, "value": "B 8"}},
        "code": [{"coding": [{"system": "http://snomed.info/sct", "code": ""}]}],
        "specialty": [],
    }
    with pytest.raises(SerialisationError) as raised:
        fhir.from_fhir(resource)
    assert [p.path for p in raised.value.problems] == [
        "$.identifier[0].value",
        "$.active",
        "$.practitioner",
        "$.organization.identifier.value",
        "$.code[0].coding[0].code",
        "$.specialty",
    ]
    role = fhir.from_fhir(
        {"resourceType": "PractitionerRole", "identifier": resource["identifier"]},
        identifiers="preserve",
        as_=PractitionerRole,
    )
    assert role.sds_role_profile_id is None
    assert fhir.to_fhir(role) == {"resourceType": "PractitionerRole", "identifier": resource["identifier"]}


# --- hostile and wrong input -----------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, [], "Patient", 42, b"{}"])
def test_not_an_object(value: Any) -> None:
    with pytest.raises(SerialisationError) as raised:
        fhir.from_fhir(value)
    assert raised.value.problems[0].path == "$"


def test_wrong_resource_type_and_as_() -> None:
    with pytest.raises(SerialisationError):
        fhir.from_fhir({"resourceType": "Observation"})
    with pytest.raises(SerialisationError):
        fhir.from_fhir({"resourceType": "Patient"}, as_=Practitioner)
    with pytest.raises(TypeError):
        fhir.from_fhir({"resourceType": "Patient"}, as_=dict)  # type: ignore[call-overload]


@pytest.mark.parametrize(
    "text",
    ["", "{", "[1, 2]", '{"resourceType": "Patient", "x": NaN}', "\ud800", "[" * 100_000 + "]" * 100_000],
)
def test_loads_refuses_bad_text(text: str) -> None:
    with pytest.raises(SerialisationError):
        fhir.loads(text)


def test_deep_nesting() -> None:
    deep: Any = "x"
    for _ in range(200):
        deep = {"a": deep}
    resource = {"resourceType": "Patient", "contact": [deep]}
    assert fhir.to_fhir(fhir.from_fhir(resource)) == resource
    for _ in range(100_000):
        deep = {"a": deep}
    with pytest.raises(SerialisationError) as raised:
        fhir.from_fhir({"resourceType": "Patient", "contact": [deep]})
    assert str(raised.value) == "FHIR Patient: 1 problem\n  $: the resource is nested too deeply"


def test_huge_strings_are_handled() -> None:
    resource = {"resourceType": "Patient", "name": [{"family": "S" * 5_000_000}]}
    assert fhir.from_fhir(resource).names[0].family == "S" * 5_000_000
    text = json.dumps({"resourceType": "Patient", "identifier": [{"system": NHS, "value": "9" * 1_000_000}]})
    with pytest.raises(SerialisationError):
        fhir.loads(text)


def test_control_characters_are_refused() -> None:
    with pytest.raises(SerialisationError) as raised:
        fhir.from_fhir({"resourceType": "Patient", "name": [{"family": "Smi\x00th"}]})
    assert raised.value.problems[0].path == "$.name[0]"


def test_options_are_checked() -> None:
    with pytest.raises(ValueError, match="identifiers"):
        fhir.from_fhir({"resourceType": "Patient"}, identifiers="lenient")  # type: ignore[arg-type]


def test_converter_is_its_own() -> None:
    import cattrs

    patient = Patient(nhs_number=NHSNumber(VALID))
    assert fhir.converter is not cattrs.global_converter
    assert fhir.converter.unstructure(patient) == fhir.to_fhir(patient)
    assert fhir.converter.structure(fhir.to_fhir(patient), Patient) == patient


def test_retired_marital_status_cannot_be_written() -> None:
    from nhsstd.codes import PersonMaritalStatus

    with pytest.raises(SerialisationError) as raised:
        fhir.to_fhir(Patient(marital_status=PersonMaritalStatus.RETIRED_SINGLE))
    assert raised.value.problems[0].path == "$.maritalStatus"


# --- fuzzing -------------------------------------------------------------------------------------


KEYS = [
    "resourceType", "id", "identifier", "extension", "name", "telecom", "gender", "birthDate",
    "deceasedDateTime", "deceasedBoolean", "address", "maritalStatus", "generalPractitioner", "active",
    "type", "system", "value", "url", "valueCodeableConcept", "coding", "code", "display", "family",
    "given", "line", "postalCode", "period", "start", "end", "use", "rank", "text", "version",
    "practitioner", "organization", "specialty", "reference", "identifier", "assigner",
]  # fmt: skip
SYSTEMS = [
    NHS, ENGLAND, EXT_VERIFICATION, ODS, "https://fhir.hl7.org.uk/Id/gmc-number",
    "https://fhir.nhs.uk/Id/ods-organisation-code", "https://fhir.hl7.org.uk/Id/gmp-number",
    "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory",
    "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-AddressKey",
    "https://fhir.nhs.uk/Id/sds-user-id", "https://fhir.nhs.uk/Id/sds-role-profile-id",
    "https://fhir.nhs.uk/Id/ods-site-code", "http://snomed.info/sct",
]  # fmt: skip
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=12),
    st.sampled_from([*SYSTEMS, VALID, WRONG_CHECK_DIGIT, "01", "NI", "male", "1970", "LS1 6AE", "UPRN"]),
    st.sampled_from(["RR8", "123456789012", "Practitioner/1"]),
)  # fmt: skip
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=25,
)


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.sampled_from(["Patient", "Practitioner", "Organization", "PractitionerRole"]),
    st.dictionaries(st.sampled_from(KEYS) | st.integers(), json_values, max_size=6),
    st.sampled_from(["strict", "warn", "preserve"]),
    st.booleans(),
)
def test_any_json_gives_a_model_or_one_error(
    resource_type: str, body: dict[Any, Any], identifiers: Any, strict: bool
) -> None:
    resource = {**body, "resourceType": resource_type}
    try:
        model, _ = read_recording(fhir.from_fhir, resource, identifiers=identifiers, strict=strict)
    except SerialisationError as error:
        assert error.problems
        assert WRONG_CHECK_DIGIT not in str(error)
        assert VALID not in str(error)
    else:
        written = fhir.to_fhir(model)
        assert written["resourceType"] == resource_type
        again, _ = read_recording(fhir.from_fhir, written, identifiers=identifiers)
        assert fhir.to_fhir(again) == written


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_paths(item, (*path, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_paths(item, (*path, index)))
    return found


FIXTURES = [resource for _, resource in fixture_resources()]


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.sampled_from(FIXTURES), st.data(), st.sampled_from(["strict", "warn", "preserve"]))
def test_damaged_fixtures_give_a_model_or_one_error(
    resource: dict[str, Any], data: Any, identifiers: Any
) -> None:
    damaged = copy.deepcopy(resource)
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(damaged)[1:]))
        parent = damaged
        for step in path[:-1]:
            parent = parent[step]
        if path[-1] == "resourceType":
            continue
        parent[path[-1]] = data.draw(json_values)
    try:
        model, _ = read_recording(fhir.from_fhir, damaged, identifiers=identifiers)
    except SerialisationError as error:
        assert error.problems
        assert all(problem.path.startswith("$") for problem in error.problems)
    else:
        written = fhir.to_fhir(model)
        again, _ = read_recording(fhir.from_fhir, written, identifiers=identifiers)
        assert fhir.to_fhir(again) == written


def test_extras_written_by_hand() -> None:
    """extras["fhir"] may also be a JSON object built in code; other keys are not FHIR and are ignored."""
    patient = Patient(
        names=[HumanName(family="Smith")], extras={"fhir": {"id": "p1", "active": True}, "x": 1}
    )
    assert fhir.to_fhir(patient) == {
        "resourceType": "Patient",
        "id": "p1",
        "active": True,
        "name": [{"family": "Smith"}],
    }
    for bad in ("not json", "[1]", 5):
        with pytest.raises(SerialisationError) as raised:
            fhir.to_fhir(Patient(extras={"fhir": bad}))
        assert raised.value.problems[0].path == "extras.fhir"


def test_residual_as_a_frozen_object_weaves_like_its_text() -> None:
    """extras["fhir"] given as an object -- here frozen, arrays as tuples -- is the same residual as
    the JSON text from_fhir stores: the kept name member and the unmodelled name go back in place."""
    resource = {
        "resourceType": "Patient",
        "id": "p1",
        "name": [{"text": "Baby of Smith", "use": "temp", "id": "n0"}, {"family": "Smith", "id": "n1"}],
    }
    read = fhir.from_fhir(resource, as_=Patient)
    frozen = Extras(json.loads(read.extras["fhir"]))
    assert type(frozen["name"]) is tuple
    assert fhir.to_fhir(attrs.evolve(read, extras={"fhir": frozen})) == resource


def test_integers_beyond_64_bits_read_as_floats_from_text() -> None:
    """JSON text is read under nhsstd's one policy (nhsstd._json_text, as nhsstd.json reads it):
    integers within 64 bits exactly, an integer beyond them as an IEEE double (RFC 8259 section 6)."""
    for exact in (2**64 - 1, -(2**63)):
        resource = {"resourceType": "Patient", "name": [{"family": "Smith"}], "multipleBirthInteger": exact}
        text = json.dumps(resource, separators=(",", ":"))
        assert fhir.dumps(fhir.loads(text)) == text
    for big in (2**64, -(2**63) - 1, 10**30):
        text = json.dumps({"resourceType": "Patient", "multipleBirthInteger": big})
        written = fhir.to_fhir(fhir.loads(text))
        assert written["multipleBirthInteger"] == float(big)
        assert type(written["multipleBirthInteger"]) is float


def test_integers_beyond_64_bits_given_in_a_dict_are_refused() -> None:
    """The JSON text policy's integers: no nhsstd writer writes one beyond 64 bits (they would
    not read back as written), so a resource given as a dict that keeps one is refused."""
    for big in (2**64, 2**64 + 1, -(2**63) - 1, 10**30):
        with pytest.raises(SerialisationError) as raised:
            fhir.from_fhir({"resourceType": "Patient", "multipleBirthInteger": big})
        assert [p.path for p in raised.value.problems] == ["$"]
    for edge in (2**64 - 1, -(2**63)):
        kept = fhir.to_fhir(fhir.from_fhir({"resourceType": "Patient", "multipleBirthInteger": edge}))
        assert kept["multipleBirthInteger"] == edge


def test_null_in_an_array_in_an_array_is_refused() -> None:
    """Only an item of a primitive array (an element's own array) may be null, beside its _element
    partner (FHIR R4 JSON, primitive elements): an array nested in an array never may."""
    resource = {"resourceType": "Patient", "contained": [{"x": [[None]], "_x": [[{"id": "a"}]]}]}
    with pytest.raises(SerialisationError) as raised:
        fhir.from_fhir(resource)
    assert [(p.path, p.message) for p in raised.value.problems] == [
        ("$.contained[0].x[0][0]", "null is not allowed in FHIR JSON (leave the item out)")
    ]


def test_residual_is_json_text_with_sorted_keys() -> None:
    one = fhir.from_fhir({"resourceType": "Patient", "id": "a", "meta": {"versionId": "1", "source": "x"}})
    two = fhir.from_fhir({"resourceType": "Patient", "meta": {"source": "x", "versionId": "1"}, "id": "a"})
    assert one == two
    assert json.loads(one.extras["fhir"]) == {"id": "a", "meta": {"source": "x", "versionId": "1"}}


def test_only_identifiers_that_are_not_personal_are_remembered() -> None:
    from nhsstd.exceptions import ValidationError
    from nhsstd.fhir import _datatypes
    from nhsstd.identifiers.chi_number import CHINumber
    from nhsstd.identifiers.hc_number import HCNumber
    from nhsstd.identifiers.postcode import UKPostcode
    from nhsstd.identifiers.uprn import UPRN

    # The same text gives the same (immutable) object for ODS codes, UPRNs and postcodes...
    assert _datatypes.parse_identifier(ODSCode, "y12345") is _datatypes.parse_identifier(ODSCode, "y12345")
    uprn = _datatypes.parse_identifier(UPRN, "100023336956")
    assert _datatypes.parse_identifier(UPRN, "100023336956") is uprn
    postcode = _datatypes.address_postcode("ls1 6ae")
    assert postcode == UKPostcode.parse("LS1 6AE")
    assert _datatypes.address_postcode("ls1 6ae") is postcode
    # ... a failed parse is not remembered: it fails every time ...
    for _ in range(2):
        with pytest.raises(ValidationError):
            _datatypes.parse_identifier(ODSCode, "not a code")
    # ... and patient numbers are parsed afresh every time, never kept.
    for cls, number in ((NHSNumber, "9434765919"), (CHINumber, "1904851231"), (HCNumber, "3462950622")):
        if not cls.personal:  # pragma: no cover - all three are personal
            pytest.fail(f"{cls.__name__} should be personal")
        first = _datatypes.parse_identifier(cls, number)
        assert _datatypes.parse_identifier(cls, number) is not first
        assert _datatypes._PARSERS[cls] == cls.parse

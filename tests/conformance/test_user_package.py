"""A supplier's own package: its ValueSets are checked, its broken profiles refused (issue 15 gaps 1, 2).

The package is tests/conformance/supplier_ig.py's (its docstring lists what it holds).

Terminology rules (FHIR R4 ValueSet, compose): the codes of a ValueSet are those its ``include``
parts select (a ``concept`` list, a ``filter`` -- ``is-a`` is the code and its descendants in the
CodeSystem's hierarchy -- or an imported ``valueSet``), less those its ``exclude`` parts select.
A required binding: "the concept SHALL be from the specified value set" (terminologies.html).

Profile rules: a constraint's differential names elements of the type it constrains, and its
``baseDefinition`` is a definition of that type that the validator has (R4 StructureDefinition).
"""

from __future__ import annotations

import copy
import json
import pickle
from pathlib import Path
from typing import Any

import pytest
from supplier_ig import (
    CONTACT_ROLE_SYSTEM,
    CONTACT_ROLE_VALUESET,
    PROFILE,
    PROFILE_URL,
    V3_MARITAL,
    write_package,
)

from nhsstd.cli import main
from nhsstd.conformance import PackageError, ProfileError, Validator

SNOMED = "http://snomed.info/sct"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NHSSTD_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def validator(tmp_path: Path, cache: Path) -> Validator:
    return Validator(packages=[write_package(tmp_path / "package")])


def _patient(**elements: Any) -> dict[str, Any]:
    return {"resourceType": "Patient", "gender": "female", **elements}


def _binding_issues(validator: Validator, resource: dict[str, Any]) -> list[tuple[str, str]]:
    outcome = validator.validate(resource, profiles=[PROFILE_URL], uk_core=False)
    return [(issue.severity, issue.location) for issue in outcome.issues if issue.rule == "nhsstd-binding"]


def _relationship(code: str, system: str = CONTACT_ROLE_SYSTEM) -> dict[str, Any]:
    return _patient(
        contact=[{"relationship": [{"coding": [{"system": system, "code": code}]}], "name": {"text": "A"}}]
    )


# --- gap 1: the package's ValueSets and CodeSystems ------------------------------------------------


@pytest.mark.parametrize("code", ["carer", "family-carer", "next-of-kin"])
def test_codes_of_the_packages_valueset_are_members(validator: Validator, code: str) -> None:
    # carer and its descendant family-carer (is-a carer), next-of-kin (concept list)
    assert _binding_issues(validator, _relationship(code)) == []


@pytest.mark.parametrize("code", ["paid-carer", "neighbour", "no-such-code"])
def test_codes_outside_the_packages_valueset_are_errors(validator: Validator, code: str) -> None:
    # paid-carer is excluded; neighbour is in the CodeSystem but selected by no include
    assert _binding_issues(validator, _relationship(code)) == [
        ("error", "Patient.contact[0].relationship[0]")
    ]


def test_a_code_of_another_system_is_not_a_member(validator: Validator) -> None:
    relationship = _relationship("C", "http://terminology.hl7.org/CodeSystem/v2-0131")
    assert _binding_issues(validator, relationship) == [("error", "Patient.contact[0].relationship[0]")]


def test_an_imported_r4_valueset_less_an_exclude(validator: Validator) -> None:
    def marital(code: str) -> dict[str, Any]:
        return _patient(maritalStatus={"coding": [{"system": V3_MARITAL, "code": code}]})

    assert _binding_issues(validator, marital("M")) == []  # in R4 marital-status
    assert _binding_issues(validator, marital("P")) == [("error", "Patient.maritalStatus")]  # excluded
    unknown = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-NullFlavor", "code": "UNK"}]}
    assert _binding_issues(validator, _patient(maritalStatus=unknown)) == []  # R4's import of NullFlavor


def test_a_snomed_filter_stays_not_checked(validator: Validator) -> None:
    # An ECL filter needs SNOMED CT itself: information, not an error (no terminology client here).
    language = {"coding": [{"system": SNOMED, "code": "297289008"}]}  # a valid SCTID
    assert _binding_issues(validator, _patient(communication=[{"language": language}])) == [
        ("information", "Patient.communication[0].language")
    ]


def test_without_its_valuesets_the_bindings_are_not_checked(tmp_path: Path, cache: Path) -> None:
    # The same package, its ValueSets left out: a code is "not checked" information, not an error.
    bare = write_package(tmp_path / "without-valuesets")
    for path in bare.glob("ValueSet-*.json"):
        path.unlink()
    without = Validator(packages=[bare])
    assert _binding_issues(without, _relationship("neighbour")) == [
        ("information", "Patient.contact[0].relationship[0]")
    ]


def test_the_packages_codesystem_checks_codings_of_its_system(validator: Validator) -> None:
    # A Coding's code must be defined by its CodeSystem when that system is complete (R4 Coding).
    identifier_type = {"coding": [{"system": CONTACT_ROLE_SYSTEM, "code": "not-defined"}]}
    outcome = validator.validate(
        _patient(identifier=[{"type": identifier_type, "value": "1"}]), uk_core=False
    )
    assert [(i.location, i.rule) for i in outcome.errors] == [
        ("Patient.identifier[0].type.coding[0]", "nhsstd-code")
    ]


def test_a_package_valueset_replaces_a_shipped_one_of_the_same_url(tmp_path: Path, cache: Path) -> None:
    # The package's definition wins (as a later package does): gender bound to a narrower set.
    narrowed = {
        "resourceType": "ValueSet",
        "id": "administrative-gender",
        "url": "http://hl7.org/fhir/ValueSet/administrative-gender",
        "status": "draft",
        "compose": {
            "include": [
                {"system": "http://hl7.org/fhir/administrative-gender", "concept": [{"code": "female"}]}
            ]
        },
    }
    validator = Validator(packages=[write_package(tmp_path / "package", narrowed)])
    assert validator.validate({"resourceType": "Patient", "gender": "female"}, uk_core=False).ok
    assert not validator.validate({"resourceType": "Patient", "gender": "male"}, uk_core=False).ok


# --- gap 2: broken profiles are refused when the package is loaded ---------------------------------


def _profile(ident: str, base: str, *elements: dict[str, Any]) -> dict[str, Any]:
    profile = copy.deepcopy(PROFILE)
    profile.update(id=ident, url=f"https://example.org/fhir/StructureDefinition/{ident}", name=ident)
    profile["baseDefinition"] = base
    profile["differential"] = {"element": list(elements)}
    return profile


def _refused(tmp_path: Path, *resources: dict[str, Any]) -> ProfileError:
    with pytest.raises(ProfileError) as caught:
        Validator(packages=[write_package(tmp_path / "broken", *resources)])
    return caught.value


def test_an_unknown_differential_path_is_refused(tmp_path: Path, cache: Path) -> None:
    broken = _profile(
        "Nickname", PROFILE_URL, {"id": "Patient.name.nickname", "path": "Patient.name.nickname", "min": 1}
    )
    error = _refused(tmp_path, broken)
    assert (error.profile, error.path, error.problem) == (
        broken["url"],
        "Patient.name.nickname",
        "unknown-element",
    )
    assert broken["url"] in str(error)
    assert "Patient.name.nickname" in str(error)
    # a typed error of the nhsstd family, like any package that cannot be read
    assert isinstance(error, PackageError)
    assert isinstance(error, ValueError)
    assert error.reason == "format"


def test_choice_and_typed_choice_paths_are_known(tmp_path: Path, cache: Path) -> None:
    # value[x] and one of its typed names (valueQuantity) both name Observation.value[x].
    good = _profile(
        "Weight",
        "http://hl7.org/fhir/StructureDefinition/Observation",
        {"id": "Observation.value[x]", "path": "Observation.value[x]", "type": [{"code": "Quantity"}]},
        {"id": "Observation.value[x].unit", "path": "Observation.value[x].unit", "min": 1},
        {"id": "Observation.valueQuantity.code", "path": "Observation.valueQuantity.code", "min": 1},
        {"id": "Observation.component.value[x].system", "path": "Observation.component.value[x].system"},
    )
    good["type"] = "Observation"
    Validator(packages=[write_package(tmp_path / "good", good)])  # no error
    bad = copy.deepcopy(good)
    bad["differential"]["element"].append({"id": "Observation.valueFoo", "path": "Observation.valueFoo"})
    assert _refused(tmp_path, bad).path == "Observation.valueFoo"


def test_an_unknown_base_definition_is_refused(tmp_path: Path, cache: Path) -> None:
    base = "https://example.org/fhir/StructureDefinition/NotInThePackage"
    error = _refused(tmp_path, _profile("Orphan", base))
    assert (error.problem, error.path) == ("unknown-base", None)
    assert base in str(error)


def test_a_base_definition_of_another_type_is_refused(tmp_path: Path, cache: Path) -> None:
    error = _refused(
        tmp_path, _profile("Mixed", "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Observation")
    )
    assert error.problem == "base-type"


def test_a_cyclic_base_definition_is_refused_once_per_profile(tmp_path: Path, cache: Path) -> None:
    first = "https://example.org/fhir/StructureDefinition/First"
    second = "https://example.org/fhir/StructureDefinition/Second"
    error = _refused(tmp_path, _profile("First", second), _profile("Second", first))
    assert [(p.profile, p.problem) for p in error.problems] == [(first, "base-cycle"), (second, "base-cycle")]
    self_based = _refused(
        tmp_path / "self", _profile("Self", "https://example.org/fhir/StructureDefinition/Self")
    )
    assert self_based.problem == "base-cycle"


def test_a_base_in_another_given_package_is_known(tmp_path: Path, cache: Path) -> None:
    derived = _profile(
        "Derived", PROFILE_URL, {"id": "Patient.birthDate", "path": "Patient.birthDate", "min": 1}
    )
    other = tmp_path / "other"
    other.mkdir()
    (other / "StructureDefinition-Derived.json").write_text(json.dumps(derived), encoding="utf-8")
    with pytest.raises(ProfileError):
        Validator(packages=[other])  # alone, its base is unknown
    validator = Validator(packages=[write_package(tmp_path / "package"), other])
    outcome = validator.validate({"resourceType": "Patient"}, profiles=[derived["url"]], uk_core=False)
    assert sorted(i.location for i in outcome.errors) == ["Patient.birthDate", "Patient.gender"]


EXAMPLE = "https://example.org/fhir/StructureDefinition/"
PATIENT = "http://hl7.org/fhir/StructureDefinition/Patient"
MRN_SYSTEM = "https://example.org/fhir/mrn"


def _identifier_slicing(rules: str, path: str = "system", **more: Any) -> dict[str, Any]:
    slicing = {"discriminator": [{"type": "value", "path": path}], "rules": rules}
    return {"id": "Patient.identifier", "path": "Patient.identifier", "slicing": slicing, **more}


def _id_slice(name: str, **facts: Any) -> dict[str, Any]:
    return {"id": f"Patient.identifier:{name}", "path": "Patient.identifier", "sliceName": name, **facts}


def _fixed(name: str, child: str, **fixed: Any) -> dict[str, Any]:
    return {"id": f"Patient.identifier:{name}.{child}", "path": f"Patient.identifier.{child}", **fixed}


#: Patient identifiers sliced by system, closed: MRNs only.
CLOSED = _profile(
    "ClosedIds", PATIENT,
    _identifier_slicing("closed"), _id_slice("mrn"), _fixed("mrn", "system", fixedUri=MRN_SYSTEM),
)  # fmt: skip
#: Identifiers sliced by system (open), MRNs re-sliced by use, closed: official MRNs only.
CLOSED_RESLICING = _profile(
    "ClosedUses", PATIENT,
    _identifier_slicing("open"),
    _id_slice("mrn", slicing={"discriminator": [{"type": "value", "path": "use"}], "rules": "closed"}),
    _fixed("mrn", "system", fixedUri=MRN_SYSTEM),
    _id_slice("mrn/official"), _fixed("mrn/official", "use", fixedCode="official"),
)  # fmt: skip


def test_a_slice_added_to_an_ancestors_closed_slicing_is_refused(tmp_path: Path, cache: Path) -> None:
    # R4 ElementDefinition.slicing.rules closed: "No additional content is allowed other than that
    # described by the slices in this profile" -- a derived profile cannot add a slice to it
    added = _profile("MoreIds", CLOSED["url"], _id_slice("nhs"), _fixed("nhs", "system", fixedUri="urn:x"))
    error = _refused(tmp_path, CLOSED, added)
    assert [(p.profile, p.path, p.problem) for p in error.problems] == [
        (added["url"], "Patient.identifier:nhs", "closed-slicing")
    ]
    assert "closed slicing" in str(error)
    # so is one added further down, below a profile that restates the closed slicing's slice
    restated = _profile("RestatedIds", CLOSED["url"], _id_slice("mrn", max="1"))
    below = _profile("BelowIds", restated["url"], _id_slice("nhs"))
    error = _refused(tmp_path / "below", CLOSED, restated, below)
    assert [(p.profile, p.problem) for p in error.problems] == [(below["url"], "closed-slicing")]


def test_restating_the_slices_of_a_closed_slicing_is_allowed(tmp_path: Path, cache: Path) -> None:
    restated = _profile(
        "RestatedIds", CLOSED["url"],
        _identifier_slicing("closed"), _id_slice("mrn", max="1"), _fixed("mrn", "value", min=1),
    )  # fmt: skip
    validator = Validator(packages=[write_package(tmp_path / "package", CLOSED, restated)])
    patient = _patient(identifier=[{"system": MRN_SYSTEM}])
    outcome = validator.validate(patient, profiles=[restated["url"]], uk_core=False)
    assert [issue.location for issue in outcome.errors] == ["Patient.identifier[0].value"]


def test_a_reslice_added_to_a_closed_reslicing_is_refused(tmp_path: Path, cache: Path) -> None:
    # slice mrn's re-slicing is closed: a derived profile cannot add mrn/old to it ...
    added = _profile("OldMrn", CLOSED_RESLICING["url"], _id_slice("mrn/old"))
    error = _refused(tmp_path, CLOSED_RESLICING, added)
    assert [(p.path, p.problem) for p in error.problems] == [("Patient.identifier:mrn/old", "closed-slicing")]
    # ... while the slicing of the identifiers themselves is open: a new slice there is allowed
    other = _profile("NhsToo", CLOSED_RESLICING["url"], _id_slice("nhs"))
    Validator(packages=[write_package(tmp_path / "open", CLOSED_RESLICING, other)])


def test_the_error_pickles(tmp_path: Path, cache: Path) -> None:
    error = _refused(tmp_path, _profile("Orphan", "https://example.org/fhir/StructureDefinition/Nowhere"))
    copied = pickle.loads(pickle.dumps(error))
    assert (str(copied), copied.problems, copied.reason) == (str(error), error.problems, error.reason)


def test_the_cli_exits_2_naming_the_profile_and_path(
    tmp_path: Path, cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = _profile("Nickname", PROFILE_URL, {"id": "Patient.nickname", "path": "Patient.nickname"})
    package = write_package(tmp_path / "broken", broken)
    resource = tmp_path / "patient.json"
    resource.write_text('{"resourceType": "Patient"}', encoding="utf-8")
    assert main(["conform", "--package", str(package), str(resource)]) == 2
    err = capsys.readouterr().err
    assert "cannot load the package" in err
    assert broken["url"] in err
    assert "Patient.nickname" in err


def test_the_shipped_profiles_have_no_faults() -> None:
    # The check itself: every R4 and UK Core profile and extension passes it (no false alarm).
    from nhsstd.conformance._pack import RulePack
    from nhsstd.conformance._profile_check import broken_profiles
    from nhsstd.fhir._structure import r4_model

    pack = RulePack.shipped()
    assert len(pack.section_urls[0]) > 400
    assert broken_profiles(pack, r4_model(), pack.section_urls[0]) == []


# --- hierarchies of the shipped code systems, and value sets of another given package -------------

ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
OTHER_PROFILE_URL = "https://example.org/fhir/StructureDefinition/FamilyPatient"
FAMILY_VALUESET = "https://example.org/fhir/ValueSet/family-contact"


def _other_package(directory: Path, compose: dict[str, Any]) -> Path:
    """A second package: a profile binding contact relationships (required) to its one ValueSet."""
    profile = _profile(
        "FamilyPatient",
        "http://hl7.org/fhir/StructureDefinition/Patient",
        {
            "id": "Patient.contact.relationship",
            "path": "Patient.contact.relationship",
            "binding": {"strength": "required", "valueSet": FAMILY_VALUESET},
        },
    )
    valueset = {
        "resourceType": "ValueSet",
        "id": "family-contact",
        "url": FAMILY_VALUESET,
        "status": "draft",
        "compose": compose,
    }
    directory.mkdir(parents=True)
    for resource in (profile, valueset):
        name = f"{resource['resourceType']}-{resource['id']}.json"
        (directory / name).write_text(json.dumps(resource), encoding="utf-8")
    return directory


def _family_issues(validator: Validator, code: str, system: str = CONTACT_ROLE_SYSTEM) -> list[str]:
    outcome = validator.validate(_relationship(code, system), profiles=[OTHER_PROFILE_URL], uk_core=False)
    return [issue.severity for issue in outcome.issues if issue.rule == "nhsstd-binding"]


def test_a_hierarchy_filter_on_an_r4_code_system(tmp_path: Path, cache: Path) -> None:
    # v3-RoleCode: family members (is-a FAMMEMB), less the descendants of CHILD (descendent-of):
    # the code CHILD itself stays.  The pack keeps RoleCode's hierarchy, so this is checked.
    def where(op: str, value: str) -> dict[str, Any]:
        return {"system": ROLE_CODE, "filter": [{"property": "concept", "op": op, "value": value}]}

    compose = {"include": [where("is-a", "FAMMEMB")], "exclude": [where("descendent-of", "CHILD")]}
    validator = Validator(packages=[_other_package(tmp_path / "family", compose)])
    for code in ("FAMMEMB", "MTH", "GRMTH", "CHILD"):
        assert _family_issues(validator, code, ROLE_CODE) == [], code
    # DAU (daughter) and DAUADOPT are under CHILD; NURSE is no family member; nor is a made-up code
    for code in ("DAU", "DAUADOPT", "NURSE", "no-such-code"):
        assert _family_issues(validator, code, ROLE_CODE) == ["error"], code


@pytest.mark.parametrize("order", ["supplier first", "supplier last"])
def test_a_valueset_may_import_one_of_another_package(tmp_path: Path, cache: Path, order: str) -> None:
    # The second package's ValueSet is the supplier's contact-role ValueSet less family-carer.
    compose = {
        "include": [{"valueSet": [CONTACT_ROLE_VALUESET]}],
        "exclude": [{"system": CONTACT_ROLE_SYSTEM, "concept": [{"code": "family-carer"}]}],
    }
    packages = [write_package(tmp_path / "package"), _other_package(tmp_path / "family", compose)]
    validator = Validator(packages=packages if order == "supplier first" else packages[::-1])
    assert _family_issues(validator, "carer") == []
    assert _family_issues(validator, "next-of-kin") == []
    for code in ("family-carer", "paid-carer", "neighbour"):  # excluded here, excluded there, never in
        assert _family_issues(validator, code) == ["error"], code
    # the supplier's own bindings are as before
    assert _binding_issues(validator, _relationship("family-carer")) == []


def test_an_import_from_a_package_not_given_is_not_checked(tmp_path: Path, cache: Path) -> None:
    compose = {"include": [{"valueSet": [CONTACT_ROLE_VALUESET]}]}
    alone = Validator(packages=[_other_package(tmp_path / "family", compose)])
    assert _family_issues(alone, "carer") == ["information"]
    assert _family_issues(alone, "neighbour") == ["information"]


def test_a_valueset_may_exclude_one_of_another_package(tmp_path: Path, cache: Path) -> None:
    # The whole contact-role system less the supplier's contact-role ValueSet.
    compose = {
        "include": [{"system": CONTACT_ROLE_SYSTEM}],
        "exclude": [{"valueSet": [CONTACT_ROLE_VALUESET]}],
    }
    family = _other_package(tmp_path / "family", compose)
    validator = Validator(packages=[family, write_package(tmp_path / "package")])
    assert _family_issues(validator, "neighbour") == []
    assert _family_issues(validator, "paid-carer") == []
    assert _family_issues(validator, "carer") == ["error"]
    assert _family_issues(validator, "next-of-kin") == ["error"]


def test_an_imported_valueset_is_the_last_packages(tmp_path: Path, cache: Path) -> None:
    # A third package redefines the supplier's contact-role ValueSet (neighbour only): the
    # import in the second package sees the later definition, as a binding to it would.
    compose = {"include": [{"valueSet": [CONTACT_ROLE_VALUESET]}]}
    redefined = tmp_path / "redefined"
    redefined.mkdir()
    (redefined / "ValueSet-contact-role.json").write_text(
        json.dumps(
            {
                "resourceType": "ValueSet",
                "id": "contact-role",
                "url": CONTACT_ROLE_VALUESET,
                "status": "draft",
                "compose": {"include": [{"system": CONTACT_ROLE_SYSTEM, "concept": [{"code": "neighbour"}]}]},
            }
        ),
        encoding="utf-8",
    )
    packages = [write_package(tmp_path / "package"), _other_package(tmp_path / "family", compose), redefined]
    validator = Validator(packages=packages)
    assert _family_issues(validator, "neighbour") == []
    assert _family_issues(validator, "carer") == ["error"]
    assert _binding_issues(validator, _relationship("neighbour")) == []  # the supplier's binding too
    # compiled once: a second validator reads the same cached section
    cached = sorted(p.name for p in (cache / "conformance").glob("*-terminology-*.json"))
    assert len(cached) == 1
    assert _family_issues(Validator(packages=packages), "carer") == ["error"]
    assert sorted(p.name for p in (cache / "conformance").glob("*-terminology-*.json")) == cached


def test_a_filter_on_another_packages_code_system(tmp_path: Path, cache: Path) -> None:
    # descendent-of carer on the supplier's contact-role CodeSystem: its two children.
    descendent_of_carer = {"property": "concept", "op": "descendent-of", "value": "carer"}
    where = {"system": CONTACT_ROLE_SYSTEM, "filter": [descendent_of_carer]}
    family = _other_package(tmp_path / "family", {"include": [where]})
    assert _family_issues(Validator(packages=[family]), "paid-carer") == ["information"]  # alone: unknown
    validator = Validator(packages=[family, write_package(tmp_path / "package")])
    assert _family_issues(validator, "paid-carer") == []
    assert _family_issues(validator, "family-carer") == []
    assert _family_issues(validator, "carer") == ["error"]

"""Slicing by ``profile`` discriminator, and re-slicing (issue 15: "slicing with its discriminators").

The rules, from FHIR R4 profiling.html:

* Discriminator type ``profile``: "The slices are differentiated by conformance of the nominated
  element to a specified profile"; "the slice is identified by the type of the element conforming
  to the profile".  The path may end in ``resolve()``: then the element is the resource the
  reference names, and its profile is the reference's target profile.
* "Re-profiling and Re-slicing": a profile may slice a slice again; the slices of slice ``a``
  are named ``a/b``, sort the items of ``a`` only (they are "further subsets" of it), and have
  their own cardinalities and slicing rules (closed, ordered) within ``a``.

The profiles are small hand-written ones in a supplier's package (see supplier_ig.py), each
built to show one rule.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from supplier_ig import PROFILE, PROFILE_URL, write_package

from nhsstd.conformance import Outcome, Validator

BASE = "http://hl7.org/fhir/StructureDefinition/"
EXAMPLE = "https://example.org/fhir/StructureDefinition/"
MRN_SYSTEM = "https://example.org/fhir/mrn"


def _profile(
    ident: str, type_name: str, base: str, *elements: dict[str, Any], kind: str = "resource"
) -> dict[str, Any]:
    profile = copy.deepcopy(PROFILE)
    profile.update(id=ident, url=EXAMPLE + ident, name=ident, type=type_name, kind=kind, baseDefinition=base)
    profile["differential"] = {"element": list(elements)}
    return profile


def _slicing(
    path: str, kind: str, discriminator_path: str, rules: str = "open", **more: Any
) -> dict[str, Any]:
    slicing = {"discriminator": [{"type": kind, "path": discriminator_path}], "rules": rules}
    return {"id": path, "path": path, "slicing": slicing, **more}


def _slice(path: str, name: str, **facts: Any) -> dict[str, Any]:
    return {"id": f"{path}:{name}", "path": path, "sliceName": name, **facts}


#: A Bundle whose entries are sliced by the profile their resource conforms to: one SupplierPatient
#: (gender required) is required, and at most one.
PATIENT_BUNDLE = _profile(
    "PatientBundle", "Bundle", BASE + "Bundle",
    _slicing("Bundle.entry", "profile", "resource"),
    _slice("Bundle.entry", "patient", min=1, max="1"),
    {
        "id": "Bundle.entry:patient.resource", "path": "Bundle.entry.resource",
        "type": [{"code": "Patient", "profile": [PROFILE_URL]}],
    },
)  # fmt: skip

#: A List whose entries are sliced by the profile of the resource their item refers to.
PATIENT_LIST = _profile(
    "PatientList", "List", BASE + "List",
    _slicing("List.entry", "profile", "item.resolve()"),
    _slice("List.entry", "patient", min=1),
    {
        "id": "List.entry:patient.item", "path": "List.entry.item",
        "type": [{"code": "Reference", "targetProfile": [PROFILE_URL]}],
    },
)  # fmt: skip

#: An Identifier datatype profile: a local medical record number.
MRN = _profile(
    "Mrn", "Identifier", BASE + "Identifier",
    {"id": "Identifier", "path": "Identifier"},
    {"id": "Identifier.system", "path": "Identifier.system", "min": 1, "fixedUri": MRN_SYSTEM},
    {"id": "Identifier.value", "path": "Identifier.value", "min": 1},
    kind="complex-type",
)  # fmt: skip

#: A Patient whose identifiers are all MRNs (closed slicing by profile on the identifier itself).
MRN_PATIENT = _profile(
    "MrnPatient", "Patient", BASE + "Patient",
    _slicing("Patient.identifier", "profile", "$this", rules="closed"),
    _slice("Patient.identifier", "mrn", min=1, type=[{"code": "Identifier", "profile": [EXAMPLE + "Mrn"]}]),
)  # fmt: skip

#: A Quantity datatype profile: a mass in kilograms (UCUM).
KILOGRAMS = _profile(
    "Kilograms", "Quantity", BASE + "Quantity",
    {"id": "Quantity", "path": "Quantity"},
    {"id": "Quantity.system", "path": "Quantity.system", "min": 1, "fixedUri": "http://unitsofmeasure.org"},
    {"id": "Quantity.code", "path": "Quantity.code", "min": 1, "fixedCode": "kg"},
    kind="complex-type",
)  # fmt: skip

#: An Observation whose components are sliced by the profile of their value[x] (closed): a choice
#: element reached by the discriminator path, with the type and profile discriminators paired.
WEIGHED = _profile(
    "Weighed", "Observation", BASE + "Observation",
    {
        "id": "Observation.component", "path": "Observation.component",
        "slicing": {
            "discriminator": [{"type": "type", "path": "value[x]"}, {"type": "profile", "path": "value[x]"}],
            "rules": "closed",
        },
    },
    _slice("Observation.component", "weight", min=1),
    {
        "id": "Observation.component:weight.value[x]", "path": "Observation.component.value[x]",
        "type": [{"code": "Quantity", "profile": [EXAMPLE + "Kilograms"]}],
    },
)  # fmt: skip

#: A Patient whose MRN identifiers (slice ``mrn``, by system) are re-sliced by use, closed: exactly
#: one official MRN, which must have a period, and at most one old one.
RESLICED = _profile(
    "ReslicedPatient", "Patient", BASE + "Patient",
    _slicing("Patient.identifier", "value", "system"),
    _slice(
        "Patient.identifier", "mrn", min=1,
        slicing={"discriminator": [{"type": "value", "path": "use"}], "rules": "closed"},
    ),
    {"id": "Patient.identifier:mrn.system", "path": "Patient.identifier.system", "fixedUri": MRN_SYSTEM},
    _slice("Patient.identifier", "mrn/official", min=1, max="1"),
    {"id": "Patient.identifier:mrn/official.use", "path": "Patient.identifier.use", "fixedCode": "official"},
    {"id": "Patient.identifier:mrn/official.period", "path": "Patient.identifier.period", "min": 1},
    _slice("Patient.identifier", "mrn/old", max="1"),
    {"id": "Patient.identifier:mrn/old.use", "path": "Patient.identifier.use", "fixedCode": "old"},
)  # fmt: skip

BY_USE = {"type": "value", "path": "use"}

#: As ReslicedPatient, with the re-slicing open (so a derived profile may add slices to it).
RESLICED_OPEN = _profile(
    "ReslicedOpen", "Patient", BASE + "Patient",
    _slicing("Patient.identifier", "value", "system"),
    _slice("Patient.identifier", "mrn", slicing={"discriminator": [BY_USE], "rules": "open"}),
    {"id": "Patient.identifier:mrn.system", "path": "Patient.identifier.system", "fixedUri": MRN_SYSTEM},
    _slice("Patient.identifier", "mrn/official", min=1, max="1"),
    {"id": "Patient.identifier:mrn/official.use", "path": "Patient.identifier.use", "fixedCode": "official"},
)  # fmt: skip

#: A profile on ReslicedOpen that adds a slice to the inherited re-slicing, without restating
#: slice ``mrn`` (its slicing is the ancestor's): a ``secondary`` MRN is now required too.
RESLICED_MORE = _profile(
    "ReslicedMore", "Patient", EXAMPLE + "ReslicedOpen",
    _slice("Patient.identifier", "mrn/secondary", min=1),
    {
        "id": "Patient.identifier:mrn/secondary.use", "path": "Patient.identifier.use",
        "fixedCode": "secondary",
    },
)  # fmt: skip

#: The same, restating slice ``mrn`` (at most two now) without restating its slicing.
RESLICED_RESTATED = _profile(
    "ReslicedRestated", "Patient", EXAMPLE + "ReslicedOpen",
    _slice("Patient.identifier", "mrn", max="2"),
    _slice("Patient.identifier", "mrn/secondary", min=1),
    {
        "id": "Patient.identifier:mrn/secondary.use", "path": "Patient.identifier.use",
        "fixedCode": "secondary",
    },
)  # fmt: skip

#: A searchset Bundle whose matches (slice ``match``, by ``search.mode``) are SupplierPatients: a
#: slice's ``resource`` typed with a profile, told apart by a value rather than by that profile.
MATCH_BUNDLE = _profile(
    "MatchBundle", "Bundle", BASE + "Bundle",
    _slicing("Bundle.entry", "value", "search.mode"),
    _slice("Bundle.entry", "match"),
    {"id": "Bundle.entry:match.search.mode", "path": "Bundle.entry.search.mode", "fixedCode": "match"},
    {
        "id": "Bundle.entry:match.resource", "path": "Bundle.entry.resource",
        "type": [{"code": "Patient", "profile": [PROFILE_URL]}],
    },
)  # fmt: skip

#: The same with two profiles for the matches: a match must conform to one of them (R4
#: ElementDefinition.type.profile: "the content must conform to at least one of them").
EITHER_BUNDLE = _profile(
    "EitherBundle", "Bundle", BASE + "Bundle",
    _slicing("Bundle.entry", "value", "search.mode"),
    _slice("Bundle.entry", "match"),
    {"id": "Bundle.entry:match.search.mode", "path": "Bundle.entry.search.mode", "fixedCode": "match"},
    {
        "id": "Bundle.entry:match.resource", "path": "Bundle.entry.resource",
        "type": [{"code": "Patient", "profile": [PROFILE_URL, EXAMPLE + "MrnPatient"]}],
    },
)  # fmt: skip

#: A Patient whose contained carer (slice ``carer``, by id) is a SupplierPatient: a ``contained``
#: slice typed Resource with a profile.
CARED_FOR = _profile(
    "CaredFor", "Patient", BASE + "Patient",
    _slicing("Patient.contained", "value", "id"),
    _slice("Patient.contained", "carer", type=[{"code": "Resource", "profile": [PROFILE_URL]}]),
    {"id": "Patient.contained:carer.id", "path": "Patient.contained.id", "fixedId": "carer"},
)  # fmt: skip

#: A string of at most 10 characters: a profile of a primitive type.
SHORT_STRING = _profile(
    "ShortString", "string", BASE + "string",
    {"id": "string", "path": "string", "maxLength": 10},
    kind="primitive-type",
)  # fmt: skip

#: A Location whose aliases are all short strings (closed slicing by profile on a primitive element).
SHORT_ALIASES = _profile(
    "ShortAliases", "Location", BASE + "Location",
    _slicing("Location.alias", "profile", "$this", rules="closed"),
    _slice("Location.alias", "short", min=1, type=[{"code": "string", "profile": [EXAMPLE + "ShortString"]}]),
)  # fmt: skip

BIRTH_PLACE = "http://hl7.org/fhir/StructureDefinition/patient-birthPlace"
BIRTH_TIME = "http://hl7.org/fhir/StructureDefinition/patient-birthTime"

#: A Patient whose place of birth (an extension slice) is required, and whose birth date, when
#: given, must carry the time of birth (an extension slice on a primitive's extensions).
BORN = _profile(
    "Born", "Patient", BASE + "Patient",
    _slice("Patient.extension", "birthPlace", min=1, type=[{"code": "Extension", "profile": [BIRTH_PLACE]}]),
    _slice(
        "Patient.birthDate.extension", "birthTime", min=1,
        type=[{"code": "Extension", "profile": [BIRTH_TIME]}],
    ),
)  # fmt: skip

#: A Bundle whose entries are sliced by the type of their resource (closed): exactly one Patient,
#: any number of Organizations.
TYPED_BUNDLE = _profile(
    "TypedBundle", "Bundle", BASE + "Bundle",
    _slicing("Bundle.entry", "type", "resource", rules="closed"),
    _slice("Bundle.entry", "patient", min=1, max="1"),
    {"id": "Bundle.entry:patient.resource", "path": "Bundle.entry.resource", "type": [{"code": "Patient"}]},
    _slice("Bundle.entry", "organization"),
    {
        "id": "Bundle.entry:organization.resource", "path": "Bundle.entry.resource",
        "type": [{"code": "Organization"}],
    },
)  # fmt: skip

#: A Patient whose contained resources are sliced by their own type ($this, closed): an
#: Organization is required.
CONTAINED_ORGANIZATION = _profile(
    "ContainedOrganization", "Patient", BASE + "Patient",
    _slicing("Patient.contained", "type", "$this", rules="closed"),
    _slice("Patient.contained", "organization", min=1, type=[{"code": "Organization"}]),
)  # fmt: skip

#: A Bundle of Patients only: Bundle.entry.resource narrowed to one resource type.
PATIENTS_ONLY = _profile(
    "PatientsOnly", "Bundle", BASE + "Bundle",
    {"id": "Bundle.entry.resource", "path": "Bundle.entry.resource", "type": [{"code": "Patient"}]},
)  # fmt: skip

#: An Identifier profile for another local system than Mrn's.
OTHER_ID = _profile(
    "OtherId", "Identifier", BASE + "Identifier",
    {"id": "Identifier", "path": "Identifier"},
    {"id": "Identifier.system", "path": "Identifier.system", "min": 1, "fixedUri": "https://example.org/fhir/other"},
    kind="complex-type",
)  # fmt: skip

#: A Patient whose identifiers are each an Mrn or an OtherId (a datatype with two type profiles).
EITHER_ID = _profile(
    "EitherId", "Patient", BASE + "Patient",
    {
        "id": "Patient.identifier", "path": "Patient.identifier",
        "type": [{"code": "Identifier", "profile": [EXAMPLE + "Mrn", EXAMPLE + "OtherId"]}],
    },
)  # fmt: skip

#: A string of at most 3 characters, and a Location whose aliases are short or tiny strings (a
#: primitive with two type profiles).
TINY_STRING = _profile(
    "TinyString", "string", BASE + "string", {"id": "string", "path": "string", "maxLength": 3},
    kind="primitive-type",
)  # fmt: skip
SHORT_OR_TINY = _profile(
    "ShortOrTiny", "Location", BASE + "Location",
    {
        "id": "Location.alias", "path": "Location.alias",
        "type": [{"code": "string", "profile": [EXAMPLE + "TinyString", EXAMPLE + "ShortString"]}],
    },
)  # fmt: skip

#: A string that must carry an extension, and a Location whose aliases are all such strings (closed
#: slicing by profile on a primitive whose profile requires its extras).
ANNOTATED_STRING = _profile(
    "AnnotatedString", "string", BASE + "string",
    {"id": "string", "path": "string"}, {"id": "string.extension", "path": "string.extension", "min": 1},
    kind="primitive-type",
)  # fmt: skip
ANNOTATED_ALIASES = _profile(
    "AnnotatedAliases", "Location", BASE + "Location",
    _slicing("Location.alias", "profile", "$this", rules="closed"),
    _slice(
        "Location.alias", "annotated", type=[{"code": "string", "profile": [EXAMPLE + "AnnotatedString"]}]
    ),
)  # fmt: skip

UCUM = "http://unitsofmeasure.org"
BY_TYPE = {"type": "type", "path": "$this"}

#: Observations whose value[x] is sliced by type, closed, with one optional Quantity slice (the
#: shape of R4's vital-signs profile; its own definition is not in the pack).
VITAL_SIGN = _profile(
    "VitalSign", "Observation", BASE + "Observation",
    {
        "id": "Observation.value[x]", "path": "Observation.value[x]",
        "slicing": {"discriminator": [BY_TYPE], "rules": "closed"},
    },
    _slice("Observation.value[x]", "valueQuantity", max="1", type=[{"code": "Quantity"}]),
)  # fmt: skip

#: A body temperature on VitalSign (the shape of R4's bodytemp): the Quantity slice is required
#: (``value[x]:valueQuantity`` 1..1, "the value must be a Quantity"), with a value, a UCUM system and
#: a code from R4's body temperature units.
BODY_TEMPERATURE = _profile(
    "BodyTemperature", "Observation", EXAMPLE + "VitalSign",
    _slice("Observation.value[x]", "valueQuantity", min=1),
    {"id": "Observation.value[x]:valueQuantity.value", "path": "Observation.value[x].value", "min": 1},
    {
        "id": "Observation.value[x]:valueQuantity.system", "path": "Observation.value[x].system", "min": 1,
        "fixedUri": UCUM,
    },
    {
        "id": "Observation.value[x]:valueQuantity.code", "path": "Observation.value[x].code", "min": 1,
        "binding": {"strength": "required", "valueSet": "http://hl7.org/fhir/ValueSet/ucum-bodytemp|4.0.1"},
    },
)  # fmt: skip

#: The same with the type-specific shorthand (``Observation.valueQuantity``), which R4 takes as the
#: type slice ``value[x]:valueQuantity``.
BODY_TEMPERATURE_SHORTHAND = _profile(
    "BodyTemperatureShorthand", "Observation", EXAMPLE + "VitalSign",
    {
        "id": "Observation.valueQuantity", "path": "Observation.valueQuantity", "min": 1,
        "type": [{"code": "Quantity"}],
    },
    {"id": "Observation.valueQuantity.value", "path": "Observation.valueQuantity.value", "min": 1},
    {
        "id": "Observation.valueQuantity.system", "path": "Observation.valueQuantity.system", "min": 1,
        "fixedUri": UCUM,
    },
    {
        "id": "Observation.valueQuantity.code", "path": "Observation.valueQuantity.code", "min": 1,
        "binding": {"strength": "required", "valueSet": "http://hl7.org/fhir/ValueSet/ucum-bodytemp|4.0.1"},
    },
)  # fmt: skip

#: A profile on BodyTemperature restating its required slice with the shorthand: the same rule, so
#: one issue.
BODY_TEMPERATURE_RESTATED = _profile(
    "BodyTemperatureRestated", "Observation", EXAMPLE + "BodyTemperature",
    {"id": "Observation.valueQuantity", "path": "Observation.valueQuantity", "min": 1},
)  # fmt: skip

#: An Observation whose value may be anything but a string: an open type slicing of value[x] whose
#: ``valueString`` slice has max 0.
NO_TEXT_VALUE = _profile(
    "NoTextValue", "Observation", BASE + "Observation",
    {
        "id": "Observation.value[x]", "path": "Observation.value[x]",
        "slicing": {"discriminator": [BY_TYPE], "rules": "open"},
    },
    _slice("Observation.value[x]", "valueString", max="0"),
)  # fmt: skip

#: The same with the slice named otherwise, its type given by ElementDefinition.type.
NO_TEXT_TYPED = _profile(
    "NoTextTyped", "Observation", BASE + "Observation",
    {
        "id": "Observation.value[x]", "path": "Observation.value[x]",
        "slicing": {"discriminator": [BY_TYPE], "rules": "open"},
    },
    _slice("Observation.value[x]", "text", max="0", type=[{"code": "string"}]),
)  # fmt: skip


@pytest.fixture(scope="module")
def validator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Validator]:
    root = tmp_path_factory.mktemp("slicing")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NHSSTD_CACHE_DIR", str(root / "cache"))
        package = write_package(
            root / "package",
            PATIENT_BUNDLE,
            PATIENT_LIST,
            MRN,
            MRN_PATIENT,
            RESLICED,
            RESLICED_OPEN,
            RESLICED_MORE,
            RESLICED_RESTATED,
            KILOGRAMS,
            WEIGHED,
            MATCH_BUNDLE,
            EITHER_BUNDLE,
            CARED_FOR,
            SHORT_STRING,
            SHORT_ALIASES,
            BORN,
            TYPED_BUNDLE,
            CONTAINED_ORGANIZATION,
            PATIENTS_ONLY,
            OTHER_ID,
            EITHER_ID,
            TINY_STRING,
            SHORT_OR_TINY,
            ANNOTATED_STRING,
            ANNOTATED_ALIASES,
            VITAL_SIGN,
            BODY_TEMPERATURE,
            BODY_TEMPERATURE_SHORTHAND,
            BODY_TEMPERATURE_RESTATED,
            NO_TEXT_VALUE,
            NO_TEXT_TYPED,
        )
        yield Validator(packages=[package])


def _issues(outcome: Outcome, severities: tuple[str, ...] = ("error", "fatal")) -> list[tuple[str, str]]:
    return [(issue.location, issue.message) for issue in outcome.issues if issue.severity in severities]


def _patient(ident: str, **elements: Any) -> dict[str, Any]:
    return {"resourceType": "Patient", "id": ident, **elements}


def _bundle(*resources: dict[str, Any], kind: str = "collection") -> dict[str, Any]:
    entries = [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources]
    return {"resourceType": "Bundle", "type": kind, "entry": entries}


# --- profile discriminator on the element itself ----------------------------------------------------


def test_an_entry_is_in_the_slice_when_its_resource_conforms(validator: Validator) -> None:
    bundle = _bundle(_patient("7d3e1a52-0000-4000-8000-000000000001", gender="female"))
    assert _issues(validator.validate(bundle, profiles=[PATIENT_BUNDLE["url"]], uk_core=False)) == []


def test_an_entry_whose_resource_does_not_conform_is_in_no_slice(validator: Validator) -> None:
    # a Patient, but without the gender SupplierPatient requires: it does not conform, so it is not
    # in slice patient (a Patient resource type alone is not enough), and the slice is missing
    bundle = _bundle(_patient("7d3e1a52-0000-4000-8000-000000000002"))
    issues = _issues(validator.validate(bundle, profiles=[PATIENT_BUNDLE["url"]], uk_core=False))
    assert issues == [("Bundle.entry", "slice patient: at least 1 required, 0 found")]


def test_each_conforming_entry_counts_towards_the_slice_maximum(validator: Validator) -> None:
    bundle = _bundle(
        _patient("7d3e1a52-0000-4000-8000-000000000003", gender="male"),
        _patient("7d3e1a52-0000-4000-8000-000000000004"),  # does not conform: not counted
        _patient("7d3e1a52-0000-4000-8000-000000000005", gender="other"),
    )
    issues = _issues(validator.validate(bundle, profiles=[PATIENT_BUNDLE["url"]], uk_core=False))
    assert issues == [("Bundle.entry", "slice patient: at most 1 allowed, 2 found")]


def test_a_datatype_profile_sorts_the_items_of_a_closed_slicing(validator: Validator) -> None:
    url = MRN_PATIENT["url"]
    mrn = {"system": MRN_SYSTEM, "value": "A1"}
    assert _issues(validator.validate(_patient("p", identifier=[mrn]), profiles=[url], uk_core=False)) == []
    # an identifier of another system does not conform to Mrn: in no slice of a closed slicing
    other = {"system": "https://example.org/fhir/other", "value": "B2"}
    issues = _issues(
        validator.validate(_patient("p", identifier=[mrn, other]), profiles=[url], uk_core=False)
    )
    assert issues == [("Patient.identifier[1]", "the item matches none of the slices")]
    # an MRN without its value breaks the profile (value 1..1): it is not an MRN either
    issues = _issues(
        validator.validate(_patient("p", identifier=[{"system": MRN_SYSTEM}]), profiles=[url], uk_core=False)
    )
    assert ("Patient.identifier", "slice mrn: at least 1 required, 0 found") in issues
    assert ("Patient.identifier[0]", "the item matches none of the slices") in issues


def _weighed(*values: dict[str, Any]) -> dict[str, Any]:
    code = {"text": "weight"}
    components = [{"code": code, **value} for value in values]
    observation = {"resourceType": "Observation", "status": "final", "code": code, "component": components}
    return observation


def test_a_choice_value_is_in_the_slice_when_it_conforms(validator: Validator) -> None:
    url = WEIGHED["url"]
    kilograms = {"valueQuantity": {"value": 70, "system": "http://unitsofmeasure.org", "code": "kg"}}
    assert _issues(validator.validate(_weighed(kilograms), profiles=[url], uk_core=False)) == []
    grams = {"valueQuantity": {"value": 70000, "system": "http://unitsofmeasure.org", "code": "g"}}
    text = {"valueString": "70 kg"}
    issues = _issues(validator.validate(_weighed(kilograms, grams, text), profiles=[url], uk_core=False))
    assert issues == [
        ("Observation.component[1]", "the item matches none of the slices"),
        ("Observation.component[2]", "the item matches none of the slices"),
    ]


# --- profile discriminator through resolve() --------------------------------------------------------


LIST_ID = "9b1f0c2e-0000-4000-8000-000000000001"


def _list(*items: str, contained: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "List", "id": LIST_ID, "status": "current", "mode": "working",
        "meta": {"profile": [PATIENT_LIST["url"]]},
        "entry": [{"item": {"reference": reference}} for reference in items],
    }  # fmt: skip
    if contained:
        resource["contained"] = contained
    return resource


def test_a_reference_is_in_the_slice_when_the_resource_it_names_conforms(validator: Validator) -> None:
    patient = _patient("7d3e1a52-0000-4000-8000-000000000011", gender="female")
    bundle = _bundle(_list(f"urn:uuid:{patient['id']}"), patient)
    assert _issues(validator.validate(bundle, uk_core=False)) == []


def test_a_reference_to_a_resource_that_does_not_conform_is_in_no_slice(validator: Validator) -> None:
    patient = _patient("7d3e1a52-0000-4000-8000-000000000012")  # no gender
    bundle = _bundle(_list(f"urn:uuid:{patient['id']}"), patient)
    issues = _issues(validator.validate(bundle, uk_core=False))
    assert issues == [("Bundle.entry[0].resource.entry", "slice patient: at least 1 required, 0 found")]


def test_a_contained_resource_is_resolved_too(validator: Validator) -> None:
    conforming = _list("#p1", contained=[_patient("p1", gender="unknown")])
    assert _issues(validator.validate(conforming, uk_core=False)) == []
    not_conforming = _list("#p1", contained=[_patient("p1")])
    assert _issues(validator.validate(not_conforming, uk_core=False)) == [
        ("List.entry", "slice patient: at least 1 required, 0 found")
    ]


def test_a_reference_that_cannot_be_resolved_is_in_no_slice_with_a_warning(validator: Validator) -> None:
    # the resource is not here, so whether it conforms cannot be told (the HL7 Java validator: the
    # slice cannot be determined); the item is in no slice, and a warning says why
    outcome = validator.validate(_list("Patient/elsewhere"), uk_core=False)
    assert _issues(outcome) == [("List.entry", "slice patient: at least 1 required, 0 found")]
    warnings = [(i.location, i.rule) for i in outcome.issues if "slice (by profile)" in i.message]
    assert warnings == [("List.entry[0]", "nhsstd-slice")]
    assert all(i.severity == "warning" for i in outcome.issues if "slice (by profile)" in i.message)


def test_a_bundle_that_refers_to_itself_ends(validator: Validator) -> None:
    # A List whose item refers to the List itself: checking whether the List conforms needs the
    # same check again; the check is bounded and the List is in no slice.
    listing = _list(f"List/{LIST_ID}")
    bundle = {
        "resourceType": "Bundle", "type": "collection",
        "entry": [{"fullUrl": f"https://example.org/fhir/List/{LIST_ID}", "resource": listing}],
    }  # fmt: skip
    issues = _issues(validator.validate(bundle, uk_core=False))
    assert issues == [("Bundle.entry[0].resource.entry", "slice patient: at least 1 required, 0 found")]


# --- re-slicing -------------------------------------------------------------------------------------


def _mrn(use: str, **more: Any) -> dict[str, Any]:
    return {"system": MRN_SYSTEM, "use": use, "value": "M" + use, **more}


PERIOD = {"period": {"start": "2020-01-01"}}


def _resliced(
    validator: Validator, *identifiers: dict[str, Any], profile: str = RESLICED["url"]
) -> list[tuple[str, str]]:
    return _issues(
        validator.validate(_patient("p", identifier=list(identifiers)), profiles=[profile], uk_core=False)
    )


def test_the_reslices_of_a_slice_are_counted_within_it(validator: Validator) -> None:
    assert _resliced(validator, _mrn("official", **PERIOD), _mrn("old")) == []
    assert _resliced(validator, _mrn("official", **PERIOD), _mrn("official", **PERIOD)) == [
        ("Patient.identifier", "slice mrn/official: at most 1 allowed, 2 found")
    ]
    assert _resliced(validator, _mrn("old")) == [
        ("Patient.identifier", "slice mrn/official: at least 1 required, 0 found")
    ]


def test_a_closed_reslicing_applies_to_the_items_of_its_slice_only(validator: Validator) -> None:
    # slice mrn is re-sliced closed: an MRN of another use is in none of its slices ...
    assert _resliced(validator, _mrn("official", **PERIOD), _mrn("usual")) == [
        ("Patient.identifier[1]", "the item matches none of the slices")
    ]
    # ... while the top slicing is open: an identifier outside slice mrn is not re-sliced at all
    other = {"system": "https://example.org/fhir/other", "use": "usual", "value": "X"}
    assert _resliced(validator, _mrn("official", **PERIOD), other) == []


def test_an_item_in_a_reslice_meets_that_reslices_definition(validator: Validator) -> None:
    # mrn/official requires a period: an official MRN without one breaks it
    assert _resliced(validator, _mrn("official")) == [
        ("Patient.identifier[0].period", "period: at least 1 required, 0 found")
    ]


def test_a_derived_profile_reslices_with_the_slicing_its_ancestor_declared(validator: Validator) -> None:
    more = RESLICED_MORE["url"]
    assert _resliced(validator, _mrn("official"), _mrn("secondary"), _mrn("usual"), profile=more) == []
    # the new reslice is required, and the ancestor's reslices still apply
    assert _resliced(validator, _mrn("official"), profile=more) == [
        ("Patient.identifier", "slice mrn/secondary: at least 1 required, 0 found")
    ]
    assert _resliced(validator, _mrn("secondary"), profile=more) == [
        ("Patient.identifier", "slice mrn/official: at least 1 required, 0 found")
    ]


def test_a_restated_slice_keeps_the_reslicing_its_ancestor_declared(validator: Validator) -> None:
    restated = RESLICED_RESTATED["url"]
    assert _resliced(validator, _mrn("official"), _mrn("secondary"), profile=restated) == []
    assert _resliced(validator, _mrn("official"), profile=restated) == [
        ("Patient.identifier", "slice mrn/secondary: at least 1 required, 0 found")
    ]


# --- a resource in a slice whose type has a profile -------------------------------------------------


SERVER = "https://example.org/fhir"


def _searchset(*entries: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle", "type": "searchset",
        "entry": [
            {"fullUrl": f"{SERVER}/Patient/{r['id']}", "resource": r, "search": {"mode": mode}}
            for mode, r in entries
        ],
    }  # fmt: skip


def test_a_resource_in_a_slice_is_walked_against_its_types_profile(validator: Validator) -> None:
    url = MATCH_BUNDLE["url"]
    good = _searchset(("match", _patient("p1", gender="female")), ("include", _patient("p2")))
    assert _issues(validator.validate(good, profiles=[url], uk_core=False)) == []
    # a match must be a SupplierPatient (gender 1..1); an included Patient need not be
    bad = _searchset(("match", _patient("p1")), ("include", _patient("p2")))
    assert _issues(validator.validate(bad, profiles=[url], uk_core=False)) == [
        ("Bundle.entry[0].resource.gender", "gender: at least 1 required, 0 found")
    ]


def test_a_resource_must_conform_to_one_of_its_types_profiles(validator: Validator) -> None:
    url = EITHER_BUNDLE["url"]
    supplier = _patient("p1", gender="female")
    mrn = _patient("p2", identifier=[{"system": MRN_SYSTEM, "value": "A1"}])
    both = _searchset(("match", supplier), ("match", mrn))
    assert _issues(validator.validate(both, profiles=[url], uk_core=False)) == []
    neither = _patient("p3", identifier=[{"system": "https://example.org/fhir/other", "value": "B2"}])
    issues = _issues(validator.validate(_searchset(("match", neither)), profiles=[url], uk_core=False))
    assert issues == [
        ("Bundle.entry[0].resource", "the resource conforms to none of the profiles allowed here")
    ]


def _cared_for(carer: dict[str, Any]) -> dict[str, Any]:
    link = [{"other": {"reference": f"#{carer['id']}"}, "type": "seealso"}]
    return _patient("p", contained=[carer], link=link)


def test_a_contained_slice_typed_resource_with_a_profile_is_walked_against_it(validator: Validator) -> None:
    url = CARED_FOR["url"]
    carer = _patient("carer", gender="male")
    assert _issues(validator.validate(_cared_for(carer), profiles=[url], uk_core=False)) == []
    assert _issues(validator.validate(_cared_for(_patient("carer")), profiles=[url], uk_core=False)) == [
        ("Patient.contained[0].gender", "gender: at least 1 required, 0 found")
    ]
    # a contained resource in no slice has no profile to meet
    assert _issues(validator.validate(_cared_for(_patient("friend")), profiles=[url], uk_core=False)) == []
    # a resource of another type in the slice cannot conform to a Patient profile
    organization = {"resourceType": "Organization", "id": "carer", "name": "Carers Ltd"}
    managed = _patient("p", contained=[organization], managingOrganization={"reference": "#carer"})
    assert _issues(validator.validate(managed, profiles=[url], uk_core=False)) == [
        ("Patient.contained[0]", "the resource conforms to none of the profiles allowed here")
    ]


# --- the profile discriminator judges the slice's profile alone -------------------------------------


def test_a_resources_own_profiles_do_not_decide_its_slice(validator: Validator) -> None:
    # The Patient conforms to SupplierPatient (it has a gender), so its entry is in slice patient,
    # although it also claims MrnPatient, which it breaks: that is reported on the resource itself,
    # not taken as the entry being in no slice.
    other = {"system": "https://example.org/fhir/other", "value": "B2"}
    patient = _patient(
        "7d3e1a52-0000-4000-8000-000000000021", gender="female", identifier=[other],
        meta={"profile": [MRN_PATIENT["url"]]},
    )  # fmt: skip
    issues = _issues(validator.validate(_bundle(patient), profiles=[PATIENT_BUNDLE["url"]], uk_core=False))
    assert issues == [
        ("Bundle.entry[0].resource.identifier[0]", "the item matches none of the slices"),
        ("Bundle.entry[0].resource.identifier", "slice mrn: at least 1 required, 0 found"),
    ]


# --- primitives sliced by profile -------------------------------------------------------------------


def _location(**elements: Any) -> dict[str, Any]:
    return {"resourceType": "Location", "id": "l", **elements}


def test_a_primitive_is_in_the_slice_when_it_conforms_to_a_primitive_profile(validator: Validator) -> None:
    def issues(*aliases: str) -> list[tuple[str, str]]:
        located = _location(alias=list(aliases))
        return _issues(validator.validate(located, profiles=[SHORT_ALIASES["url"]], uk_core=False))

    assert issues("Ward 7", "Annexe") == []
    # a string longer than ShortString allows does not conform: in no slice of a closed slicing
    assert issues("Ward 7", "The Old Cottage Annexe") == [
        ("Location.alias[1]", "the item matches none of the slices")
    ]
    assert issues("The Old Cottage Annexe") == [
        ("Location.alias[0]", "the item matches none of the slices"),
        ("Location.alias", "slice short: at least 1 required, 0 found"),
    ]


def test_a_primitive_with_extras_only_is_judged_by_them(validator: Validator) -> None:
    # an alias with no value, only an extension: nothing breaks the profile, so it is in the slice
    reason = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
    absent = {"extension": [{"url": reason, "valueCode": "unknown"}]}
    located = _location(alias=["Ward 7", None], _alias=[None, absent])
    assert _issues(validator.validate(located, profiles=[SHORT_ALIASES["url"]], uk_core=False)) == []


# --- a required slice of an element that is absent ---------------------------------------------------
# R4 profiling.html: a slice's cardinality counts the element's items in it (ElementDefinition.min),
# so a slice with min >= 1 needs the element even where the element itself is optional.


def test_a_required_slice_is_missing_when_its_element_is_absent(validator: Validator) -> None:
    url = MRN_PATIENT["url"]
    expected = [("Patient.identifier", "slice mrn: at least 1 required, 0 found")]
    assert _issues(validator.validate(_patient("p"), profiles=[url], uk_core=False)) == expected
    # the same as when the element is present with no item in the slice
    other = {"system": "https://example.org/fhir/other", "value": "B2"}
    present = _issues(validator.validate(_patient("p", identifier=[other]), profiles=[url], uk_core=False))
    assert expected[0] in present
    # an empty array is no item either (and breaks ele-1)
    empty = validator.validate(_patient("p", identifier=[]), profiles=[url], uk_core=False)
    assert [(i.location, i.rule) for i in empty.errors] == [
        ("Patient.identifier", "ele-1"), ("Patient.identifier", "nhsstd-slice")
    ]  # fmt: skip


def test_required_reslices_are_missing_when_the_element_is_absent(validator: Validator) -> None:
    outcome = validator.validate(_patient("p"), profiles=[RESLICED["url"]], uk_core=False)
    assert _issues(outcome) == [
        ("Patient.identifier", "slice mrn: at least 1 required, 0 found"),
        ("Patient.identifier", "slice mrn/official: at least 1 required, 0 found"),
    ]


def test_a_required_extension_slice_is_missing_when_there_are_no_extensions(validator: Validator) -> None:
    url = BORN["url"]
    place = {"url": BIRTH_PLACE, "valueAddress": {"city": "Leeds"}}
    assert _issues(validator.validate(_patient("p", extension=[place]), profiles=[url], uk_core=False)) == []
    assert _issues(validator.validate(_patient("p"), profiles=[url], uk_core=False)) == [
        ("Patient.extension", "slice birthPlace: at least 1 required, 0 found")
    ]


def test_a_required_extension_slice_of_a_primitive_is_missing_without_its_extras(
    validator: Validator,
) -> None:
    url = BORN["url"]
    place = [{"url": BIRTH_PLACE, "valueAddress": {"city": "Leeds"}}]
    timed = {"extension": [{"url": BIRTH_TIME, "valueDateTime": "2020-01-01T10:30:00Z"}]}
    born = _patient("p", extension=place, birthDate="2020-01-01", _birthDate=timed)
    assert _issues(validator.validate(born, profiles=[url], uk_core=False)) == []
    untimed = _patient("p", extension=place, birthDate="2020-01-01")
    assert _issues(validator.validate(untimed, profiles=[url], uk_core=False)) == [
        ("Patient.birthDate.extension", "slice birthTime: at least 1 required, 0 found")
    ]
    # no birth date at all: the primitive is optional, so its extensions are not needed
    assert _issues(validator.validate(_patient("p", extension=place), profiles=[url], uk_core=False)) == []


# --- the type discriminator on resources --------------------------------------------------------------
# R4 profiling.html, discriminator "type": the slices differ by the element's type; the type of a
# resource is its resourceType (the element Bundle.entry.resource or contained is typed Resource).


def test_a_type_discriminator_tells_entries_by_their_resource_type(validator: Validator) -> None:
    url = TYPED_BUNDLE["url"]
    organization = {"resourceType": "Organization", "id": "o1", "name": "Leeds GP"}
    patient = _patient("7d3e1a52-0000-4000-8000-000000000031")
    assert _issues(validator.validate(_bundle(patient, organization), profiles=[url], uk_core=False)) == []
    assert _issues(validator.validate(_bundle(organization), profiles=[url], uk_core=False)) == [
        ("Bundle.entry", "slice patient: at least 1 required, 0 found")
    ]
    practitioner = {"resourceType": "Practitioner", "id": "pr1"}
    assert _issues(validator.validate(_bundle(patient, practitioner), profiles=[url], uk_core=False)) == [
        ("Bundle.entry[1]", "the item matches none of the slices")
    ]


def test_a_type_discriminator_on_this_tells_contained_resources_by_type(validator: Validator) -> None:
    url = CONTAINED_ORGANIZATION["url"]
    organization = {"resourceType": "Organization", "id": "o1", "name": "Leeds GP"}
    managed = _patient("p", contained=[organization], managingOrganization={"reference": "#o1"})
    assert _issues(validator.validate(managed, profiles=[url], uk_core=False)) == []
    carer = _patient("c1")
    linked = _patient("p", contained=[carer], link=[{"other": {"reference": "#c1"}, "type": "seealso"}])
    assert _issues(validator.validate(linked, profiles=[url], uk_core=False)) == [
        ("Patient.contained[0]", "the item matches none of the slices"),
        ("Patient.contained", "slice organization: at least 1 required, 0 found"),
    ]


# --- resource elements narrowed to resource types ------------------------------------------------------
# R4 ElementDefinition.type: the types the element's value is permitted to be.


def test_a_resource_element_narrowed_to_a_type_refuses_other_types(validator: Validator) -> None:
    url = PATIENTS_ONLY["url"]
    patient = _patient("7d3e1a52-0000-4000-8000-000000000041")
    assert _issues(validator.validate(_bundle(patient), profiles=[url], uk_core=False)) == []
    organization = {"resourceType": "Organization", "id": "o1", "name": "Leeds GP"}
    assert _issues(validator.validate(_bundle(patient, organization), profiles=[url], uk_core=False)) == [
        ("Bundle.entry[1].resource", "the type Organization is not allowed here")
    ]


def test_a_slices_resource_narrowed_to_a_type_refuses_other_types(validator: Validator) -> None:
    # slice match of MatchBundle types its resource Patient (with a profile): an Organization there
    # is refused; in an entry outside the slice it is allowed
    url = MATCH_BUNDLE["url"]
    organization = {"resourceType": "Organization", "id": "o1", "name": "Leeds GP"}

    def searchset(mode: str) -> dict[str, Any]:
        entry = {"fullUrl": f"{SERVER}/Organization/o1", "resource": organization, "search": {"mode": mode}}
        return {"resourceType": "Bundle", "type": "searchset", "entry": [entry]}

    assert _issues(validator.validate(searchset("include"), profiles=[url], uk_core=False)) == []
    assert _issues(validator.validate(searchset("match"), profiles=[url], uk_core=False)) == [
        ("Bundle.entry[0].resource", "the type Organization is not allowed here")
    ]


# --- a datatype with several type profiles -------------------------------------------------------------
# R4 ElementDefinition.type.profile: "If any profiles are specified, then the content must conform
# to at least one of them."


def test_a_datatype_must_conform_to_one_of_its_types_profiles(validator: Validator) -> None:
    url = EITHER_ID["url"]

    def issues(*identifiers: dict[str, Any]) -> list[tuple[str, str]]:
        return _issues(
            validator.validate(_patient("p", identifier=list(identifiers)), profiles=[url], uk_core=False)
        )

    mrn = {"system": MRN_SYSTEM, "value": "A1"}
    other = {"system": "https://example.org/fhir/other", "value": "B2"}
    assert issues(mrn, other) == []
    third = {"system": "https://example.org/fhir/third", "value": "C3"}
    assert issues(mrn, third) == [
        ("Patient.identifier[1]", "the element conforms to none of the profiles allowed here")
    ]
    # an MRN without its value breaks Mrn, and has not OtherId's system
    assert issues({"system": MRN_SYSTEM}) == [
        ("Patient.identifier[0]", "the element conforms to none of the profiles allowed here")
    ]


def test_a_primitive_must_conform_to_one_of_its_types_profiles(validator: Validator) -> None:
    def issues(*aliases: str) -> list[tuple[str, str]]:
        located = _location(alias=list(aliases))
        return _issues(validator.validate(located, profiles=[SHORT_OR_TINY["url"]], uk_core=False))

    assert issues("W7", "Ward 7") == []
    assert issues("W7", "The Old Cottage Annexe") == [
        ("Location.alias[1]", "the element conforms to none of the profiles allowed here")
    ]


def test_a_primitive_without_extras_breaks_a_profile_that_requires_an_extension(validator: Validator) -> None:
    reason = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
    annotated = {"extension": [{"url": reason, "valueCode": "unknown"}]}

    def issues(**elements: Any) -> list[tuple[str, str]]:
        return _issues(
            validator.validate(_location(**elements), profiles=[ANNOTATED_ALIASES["url"]], uk_core=False)
        )

    assert issues(alias=["Ward 7"], _alias=[annotated]) == []
    assert issues(alias=["Ward 7"]) == [("Location.alias[0]", "the item matches none of the slices")]


# --- type slices of a choice element -------------------------------------------------------------------
# R4 profiling.html, slicing choice elements: a type slice of value[x] (value[x]:valueQuantity, for which
# Observation.valueQuantity is a shorthand) constrains the value when it is of that type; its
# cardinality counts the values of that type (ElementDefinition.min: "The minimum number of times this
# element SHALL appear in the instance"), so min 1 means "the value must be a Quantity", and max 0
# rules the type out.  A closed type slicing allows no type without a slice.


def _temperature(**value: Any) -> dict[str, Any]:
    return {"resourceType": "Observation", "status": "final", "code": {"text": "temperature"}, **value}


CELSIUS = {"value": 36.6, "unit": "C", "system": UCUM, "code": "Cel"}


@pytest.mark.parametrize(
    "profile", [BODY_TEMPERATURE["url"], BODY_TEMPERATURE_SHORTHAND["url"], BODY_TEMPERATURE_RESTATED["url"]]
)
def test_a_required_type_slice_needs_a_value_of_that_type(validator: Validator, profile: str) -> None:
    def issues(**value: Any) -> list[tuple[str, str]]:
        return _issues(validator.validate(_temperature(**value), profiles=[profile], uk_core=False))

    assert issues(valueQuantity=CELSIUS) == []
    missing = ("Observation.valueQuantity", "valueQuantity: at least 1 required, 0 found")
    assert issues() == [missing]
    # another type: not a Quantity, and outside VitalSign's closed type slicing
    assert issues(valueString="36.6 C") == [
        ("Observation.value.ofType(string)", "the type string is not allowed here"),
        missing,
    ]


@pytest.mark.parametrize("profile", [BODY_TEMPERATURE["url"], BODY_TEMPERATURE_SHORTHAND["url"]])
def test_a_type_slices_constraints_apply_to_a_value_of_that_type(validator: Validator, profile: str) -> None:
    def issues(**quantity: Any) -> list[tuple[str, str]]:
        value = {k: v for k, v in {**CELSIUS, **quantity}.items() if v is not None}
        observation = _temperature(valueQuantity=value)
        return _issues(validator.validate(observation, profiles=[profile], uk_core=False))

    at = "Observation.value.ofType(Quantity)"
    assert issues(system=None) == [
        (f"{at}.system", "system: at least 1 required, 0 found"),
        (at, "invariant qty-3 failed"),  # a code needs its system (R4 Quantity)
    ]
    assert issues(system="https://example.org/units") == [
        (f"{at}.system", "the value is not the one the profile fixes")
    ]
    assert issues(code="kg") == [(f"{at}.code", "the code is not in the required value set")]
    assert issues(value=None) == [(f"{at}.value", "value: at least 1 required, 0 found")]


def _value_issues(validator: Validator, url: str, **value: Any) -> list[tuple[str, str]]:
    return _issues(validator.validate(_temperature(**value), profiles=[url], uk_core=False))


def test_a_closed_type_slicing_allows_only_its_slices_types(validator: Validator) -> None:
    url = VITAL_SIGN["url"]
    assert _value_issues(validator, url, valueQuantity=CELSIUS) == []
    # the Quantity slice is optional here: no value at all is fine
    assert _value_issues(validator, url) == []
    assert _value_issues(validator, url, valueBoolean=True) == [
        ("Observation.value.ofType(boolean)", "the type boolean is not allowed here")
    ]


@pytest.mark.parametrize("url", [NO_TEXT_VALUE["url"], NO_TEXT_TYPED["url"]])
def test_a_type_slice_with_max_0_forbids_that_type(validator: Validator, url: str) -> None:
    assert _value_issues(validator, url, valueQuantity=CELSIUS) == []
    assert _value_issues(validator, url, valueString="36.6 C") == [
        ("Observation.value.ofType(string)", "value.ofType(string) is not allowed here")
    ]


# --- a re-slice's minimum when its slice has no items ---------------------------------------------------


def test_a_required_reslice_is_missing_when_its_optional_slice_has_no_items(validator: Validator) -> None:
    """A re-slice's minimum counts the items of its slice, and holds when that slice has none.

    R4 profiling.html, "Re-profiling and Re-slicing": "if Profile B defines the slice "example", and
    profile C defines the slice "example/example1", then this is deemed to be "example1" slice of the
    example slice" -- the rules of slicing apply to it with slice ``example`` as the sliced element
    ("Slice Cardinality": "Each individual slice can have a minimum cardinality of 0 (less than m ...),
    but the total number of elements in the instance must still be greater or equal to m"), and its
    cardinality is that of any ElementDefinition, "The minimum number of times this element SHALL
    appear in the instance" (ElementDefinition.min), with no condition on its slice having items.
    So ReslicedOpen's ``mrn`` 0..* with ``mrn/official`` 1..1 requires an official MRN: an instance
    with no MRN has 0 items in ``mrn/official``, as a required slice of an optional element is missing
    when the element is absent.
    """
    url = RESLICED_OPEN["url"]
    missing = ("Patient.identifier", "slice mrn/official: at least 1 required, 0 found")
    other = {"system": "https://example.org/fhir/other", "use": "usual", "value": "X"}
    assert _resliced(validator, other, profile=url) == [missing]
    assert _issues(validator.validate(_patient("p"), profiles=[url], uk_core=False)) == [missing]
    assert _resliced(validator, _mrn("old"), profile=url) == [missing]
    assert _resliced(validator, _mrn("official"), other, profile=url) == []

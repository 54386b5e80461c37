"""Local ValueSet expansion and membership (nhsstd.conformance._terminology).

The expected answers come from the rules of FHIR R4 ValueSet.compose
(https://hl7.org/fhir/R4/valueset.html#compositions) applied to the R4
CodeSystems, from RFC 5646 (language tags) and RFC 6838 (media types).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nhsstd.conformance._terminology import (
    BCP_13,
    BCP_47,
    SNOMED,
    Membership,
    Terminology,
    compile_terminology,
)
from nhsstd.identifiers import sctid
from nhsstd.registers.terminology import TerminologyClient, ecl_value_set
from nhsstd.testing.sandbox import Sandbox

MEMBER, NOT_MEMBER, UNKNOWN = Membership.MEMBER, Membership.NOT_MEMBER, Membership.UNKNOWN
GENDER_VS = "http://hl7.org/fhir/ValueSet/administrative-gender"
GENDER = "http://hl7.org/fhir/administrative-gender"
ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
ACT_MOOD = "http://terminology.hl7.org/CodeSystem/v3-ActMood"


@pytest.fixture(scope="module")
def r4_resources(fhir_packages: Path) -> dict[str, Mapping[str, Any]]:
    """The R4 ValueSets and CodeSystems by URL (the sources, to derive expectations from)."""
    found: dict[str, Mapping[str, Any]] = {}
    for name in ("valuesets.json", "v2-tables.json", "v3-codesystems.json"):
        bundle = json.loads((fhir_packages / "hl7.fhir.r4.core-4.0.1" / name).read_bytes())
        for entry in bundle["entry"]:
            found.setdefault(entry["resource"]["url"], entry["resource"])
    return found


@pytest.fixture(scope="module")
def compiled(fhir_packages: Path) -> dict[str, Any]:
    return compile_terminology(fhir_packages / "hl7.fhir.r4.core-4.0.1", fhir_packages / "uk-core-2.0.2")


@pytest.fixture(scope="module")
def terminology(compiled: dict[str, Any]) -> Terminology:
    return Terminology(compiled)


def _concepts(concepts: list[Mapping[str, Any]]) -> Iterator[tuple[Mapping[str, Any], list[str]]]:
    """Each concept of a CodeSystem with the codes of its nesting ancestors."""
    stack = [(concept, []) for concept in reversed(concepts)]
    while stack:
        concept, ancestors = stack.pop()
        yield concept, ancestors
        stack.extend((child, [*ancestors, concept["code"]]) for child in reversed(concept.get("concept", [])))


def test_whole_code_system_include(terminology: Terminology, r4_resources: dict[str, Any]) -> None:
    # administrative-gender includes its whole CodeSystem: every code of it, nothing else.
    codes = [concept["code"] for concept in r4_resources[GENDER]["concept"]]
    assert codes
    for code in codes:
        assert terminology.check(GENDER_VS, GENDER, code) is MEMBER
        assert terminology.check(GENDER_VS, None, code) is MEMBER  # a ``code`` element: no system
    assert terminology.check(GENDER_VS, None, "F") is NOT_MEMBER
    assert terminology.check(GENDER_VS, None, codes[0].upper()) is NOT_MEMBER  # codes are case-sensitive
    assert terminology.check(GENDER_VS, "http://example.org/other", codes[0]) is NOT_MEMBER
    assert terminology.is_expandable(GENDER_VS)


def test_versioned_canonicals(terminology: Terminology) -> None:
    # A canonical reference may carry |version (FHIR R4 references.html#canonical).
    assert terminology.check(GENDER_VS + "|4.0.1", GENDER + "|4.0.1", "male") is MEMBER
    assert terminology.is_expandable(GENDER_VS + "|4.0.1")


def test_unknown_valueset_is_unknown(terminology: Terminology) -> None:
    assert terminology.check("http://example.org/ValueSet/nowhere", GENDER, "male") is UNKNOWN
    assert not terminology.is_expandable("http://example.org/ValueSet/nowhere")


def test_is_a_filter_with_exclude(terminology: Terminology, r4_resources: dict[str, Any]) -> None:
    # v3-PersonalRelationshipRoleType: is-a _PersonalRelationshipRoleType (the code and its
    # descendants), then the abstract root excluded.
    url = "http://terminology.hl7.org/ValueSet/v3-PersonalRelationshipRoleType"
    root = "_PersonalRelationshipRoleType"
    under_root, elsewhere = [], []
    for concept, ancestors in _concepts(r4_resources[ROLE_CODE]["concept"]):
        (under_root if root in ancestors else elsewhere).append(concept["code"])
    assert under_root
    assert elsewhere
    for code in under_root:
        assert terminology.check(url, ROLE_CODE, code) is MEMBER, code
    assert terminology.check(url, ROLE_CODE, root) is NOT_MEMBER
    # Codes reached only through the ``child`` property are members too; the others are not.
    outside = [code for code in elsewhere if terminology.check(url, ROLE_CODE, code) is NOT_MEMBER]
    assert outside
    assert terminology.is_expandable(url)


def test_descendent_of_excludes_the_code_itself(
    terminology: Terminology, r4_resources: dict[str, Any]
) -> None:
    # FHIR R4 filter-operator descendent-of: "includes all codes that have a transitive is-a
    # relationship with the concept provided as the value, excluding the provided concept itself".
    url = "http://hl7.org/fhir/ValueSet/inactive"
    children = [
        concept["code"]
        for concept, ancestors in _concepts(r4_resources[ACT_MOOD]["concept"])
        if ancestors[-1:] == ["_ActMoodPredicate"]
    ]
    assert children
    for code in children:
        assert terminology.check(url, ACT_MOOD, code) is MEMBER
    assert terminology.check(url, ACT_MOOD, "_ActMoodPredicate") is NOT_MEMBER


def test_valueset_import(terminology: Terminology, r4_resources: dict[str, Any]) -> None:
    # yesnodontknow = the v2-0136 ValueSet (imported) + data-absent-reason#asked-unknown.
    url = "http://hl7.org/fhir/ValueSet/yesnodontknow"
    v2_0136 = "http://terminology.hl7.org/CodeSystem/v2-0136"
    absent = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
    for concept in r4_resources[v2_0136]["concept"]:
        assert terminology.check(url, v2_0136, concept["code"]) is MEMBER
    assert terminology.check(url, absent, "asked-unknown") is MEMBER
    assert terminology.check(url, absent, "masked") is NOT_MEMBER
    assert terminology.check(url, v2_0136, "asked-unknown") is NOT_MEMBER


def test_snomed_parts_are_unknown_but_invalid_sctids_are_not_members(terminology: Terminology) -> None:
    # clinical-findings: SNOMED CT is-a 404684003, which needs SNOMED CT itself.
    url = "http://hl7.org/fhir/ValueSet/clinical-findings"
    assert terminology.check(url, SNOMED, "22298006") is UNKNOWN
    # The SCTID check digit (Verhoeff) is wrong: not a SNOMED CT code, in no ValueSet.
    assert not sctid.is_valid("22298007")
    assert terminology.check(url, SNOMED, "22298007") is NOT_MEMBER
    assert terminology.check(url, SNOMED, "finding") is NOT_MEMBER
    assert terminology.check("http://example.org/ValueSet/any", SNOMED, "22298007") is NOT_MEMBER
    assert not terminology.is_expandable(url)


def test_fragment_code_system(terminology: Terminology, r4_resources: dict[str, Any]) -> None:
    # content = fragment: the listed codes exist, others may too.
    system = "http://terminology.hl7.org/CodeSystem/insurance-plan-type"
    assert r4_resources[system]["content"] == "fragment"
    listed = r4_resources[system]["concept"][0]["code"]
    url = "http://hl7.org/fhir/ValueSet/insuranceplan-type"
    assert terminology.check(url, system, listed) is MEMBER
    assert terminology.check(url, system, "not-listed") is UNKNOWN
    assert terminology.code_in_system(system, "not-listed") is None
    assert not terminology.is_expandable(url)


def test_known_systems(terminology: Terminology) -> None:
    assert terminology.known_system(GENDER)
    assert terminology.known_system(BCP_47)
    assert not terminology.known_system("http://loinc.org")
    assert terminology.code_in_system(GENDER, "other") is True
    assert terminology.code_in_system(GENDER, "O") is False
    assert terminology.code_in_system("http://loinc.org", "1234-5") is None


# RFC 5646 Appendix A examples of well-formed tags, and malformed ones (section 2.1 syntax).
WELL_FORMED_TAGS = [
    "de", "fr", "ja", "i-enochian", "zh-Hant", "zh-Hans", "sr-Cyrl", "sr-Latn", "zh-cmn-Hans-CN",
    "cmn-Hans-CN", "zh-yue-HK", "yue-HK", "zh-Hans-CN", "sr-Latn-RS", "sl-rozaj", "sl-rozaj-biske",
    "sl-nedis", "de-CH-1901", "sl-IT-nedis", "hy-Latn-IT-arevela", "de-DE", "en-US", "es-419",
    "de-CH-x-phonebk", "az-Arab-x-AZE-derbend", "x-whatever", "qaa-Qaaa-QM-x-southern", "de-Qaaa",
    "sr-Latn-QM", "sr-Qaaa-RS", "en-US-u-islamcal", "zh-CN-a-myext-x-private", "en-a-myext-b-another",
    "en-GB", "EN-gb", "sgn-BE-FR", "en-GB-oed",
]  # fmt: skip
MALFORMED_TAGS = [
    "",
    "en_GB",
    "englishlanguage",
    "e",
    "en-",
    "-en",
    "de-419-DE",
    "a-DE",
    "en GB",
    "ar-a-aaa-b-bbb-a-",
]


@pytest.mark.parametrize("tag", WELL_FORMED_TAGS)
def test_all_languages_accepts_well_formed_tags(terminology: Terminology, tag: str) -> None:
    assert terminology.check("http://hl7.org/fhir/ValueSet/all-languages", BCP_47, tag) is MEMBER


@pytest.mark.parametrize("tag", MALFORMED_TAGS)
def test_all_languages_rejects_malformed_tags(terminology: Terminology, tag: str) -> None:
    assert terminology.check("http://hl7.org/fhir/ValueSet/all-languages", BCP_47, tag) is NOT_MEMBER


def test_languages_is_its_concept_list(terminology: Terminology, r4_resources: dict[str, Any]) -> None:
    # "languages" lists common tags: a well-formed tag outside the list is not a member.
    url = "http://hl7.org/fhir/ValueSet/languages"
    listed = [concept["code"] for concept in r4_resources[url]["compose"]["include"][0]["concept"]]
    for code in listed:
        assert terminology.check(url, BCP_47, code) is MEMBER
    assert "cy-GB" not in listed
    assert terminology.check(url, BCP_47, "cy-GB") is NOT_MEMBER


_ALPHA = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=8)
_DIGITS = st.text(alphabet="0123456789", min_size=3, max_size=3)


@st.composite
def language_tags(draw: st.DrawFn) -> str:
    """Tags built from the RFC 5646 langtag production: language [-script] [-region] *variant."""
    parts = [draw(_ALPHA.filter(lambda s: 2 <= len(s) <= 3 or len(s) >= 5))]
    if draw(st.booleans()):
        parts.append(draw(_ALPHA.filter(lambda s: len(s) == 4)))
    if draw(st.booleans()):
        parts.append(draw(st.one_of(_ALPHA.filter(lambda s: len(s) == 2), _DIGITS)))
    parts.extend(draw(st.lists(_ALPHA.filter(lambda s: len(s) >= 5), max_size=2)))
    return "-".join(parts)


@settings(max_examples=60)
@given(language_tags())
def test_generated_language_tags_are_members(tag: str) -> None:
    assert Terminology({"systems": {}, "valuesets": {}}).code_in_system(BCP_47, tag) is True


@pytest.mark.parametrize(
    ("media_type", "expected"),
    [
        ("text/plain", MEMBER),
        ("application/fhir+json", MEMBER),
        ("image/svg+xml", MEMBER),
        ("application/vnd.ms-excel", MEMBER),
        ("text/plain; charset=UTF-8", MEMBER),
        # FHIR R4 signatures: an unquoted URL parameter (Signature.targetFormat).
        ("application/fhir+json;canonicalization=http://hl7.org/fhir/canonicalization/json#document", MEMBER),
        # R4 CapabilityStatement.format: "xml | json | ttl | mime type".
        ("json", MEMBER),
        ("xml", MEMBER),
        ('multipart/form-data;boundary="a b"', MEMBER),
        ("text", NOT_MEMBER),
        ("text/", NOT_MEMBER),
        ("/plain", NOT_MEMBER),
        ("text/plain;", NOT_MEMBER),
        ("text /plain", NOT_MEMBER),
        ("text/plain; charset", NOT_MEMBER),
    ],
)
def test_mimetypes_by_media_type_grammar(
    terminology: Terminology, media_type: str, expected: Membership
) -> None:
    # RFC 6838 section 4.2 type/subtype names; RFC 2045 section 5.1 parameters.
    assert terminology.check("http://hl7.org/fhir/ValueSet/mimetypes", BCP_13, media_type) is expected


def test_server_answers_what_is_unknown_locally(terminology: Terminology, compiled: dict[str, Any]) -> None:
    # Codes that cannot be checked locally go to the terminology server's ValueSet/$validate-code.
    value_set = ecl_value_set("<< 64572001")
    with Sandbox() as sandbox, TerminologyClient(base_url=sandbox.terminology_url) as client:
        online = Terminology(compiled, client=client)
        assert terminology.check(value_set, SNOMED, "22298006") is UNKNOWN
        assert online.check(value_set, SNOMED, "22298006") is MEMBER  # myocardial infarction: a disease
        assert online.check(value_set, SNOMED, "404684003") is NOT_MEMBER  # clinical finding: its parent
        # Local answers are not sent: an invalid SCTID, or a code of a ValueSet expanded here.
        assert online.check(value_set, SNOMED, "22298007") is NOT_MEMBER
        assert online.check(GENDER_VS, GENDER, "male") is MEMBER
        # A system the client cannot send (not an absolute URI): still not known.
        assert online.check(value_set, "local-codes", "22298006") is UNKNOWN


def test_compiled_form_is_facts_only(compiled: dict[str, Any]) -> None:
    # No display text or definitions: only codes, completeness, the hierarchy (as indices into
    # the code list) and per-system parts.
    assert set(compiled) == {"systems", "valuesets"}
    for entry in compiled["systems"].values():
        assert set(entry) in ({"codes", "complete"}, {"codes", "complete", "parents"})
        assert entry["codes"] == sorted(set(entry["codes"]))
        if "parents" in entry:  # "1,2;;0": for each code, the indices of its parents in the list
            fields = entry["parents"].split(";")
            assert len(fields) == len(entry["codes"])
            for field in fields:
                parents = [int(i) for i in field.split(",")] if field else []
                assert field == ",".join(str(i) for i in parents)
                assert parents == sorted(set(parents))
                assert all(0 <= i < len(entry["codes"]) for i in parents)
    for parts in compiled["valuesets"].values():
        for part in parts.values():
            assert part in ("*", "?") or (isinstance(part, list) and part == sorted(set(part)))


def test_uk_core_person_relationship_type(
    terminology: Terminology, r4_resources: dict[str, Any], fhir_packages: Path
) -> None:
    # UKCore-PersonRelationshipType: v2-0131 without "O" (Other), the v3 personal relationship
    # roles (is-a _PersonalRelationshipRoleType, the abstract root excluded) and UK Core's own
    # additional roles.
    url = "https://fhir.hl7.org.uk/ValueSet/UKCore-PersonRelationshipType"
    v2_0131 = "http://terminology.hl7.org/CodeSystem/v2-0131"
    for concept in r4_resources[v2_0131]["concept"]:
        expected = NOT_MEMBER if concept["code"] == "O" else MEMBER
        assert terminology.check(url, v2_0131, concept["code"]) is expected
    assert terminology.check(url, ROLE_CODE, "MTH") is MEMBER
    assert terminology.check(url, ROLE_CODE, "_PersonalRelationshipRoleType") is NOT_MEMBER
    uk_system = "https://fhir.hl7.org.uk/CodeSystem/UKCore-AdditionalPersonRelationshipRole"
    uk_codes = _uk_core_codes(fhir_packages, "CodeSystem-UKCore-AdditionalPersonRelationshipRole.xml")
    assert uk_codes
    for code in uk_codes:
        assert terminology.check(url, uk_system, code) is MEMBER
    assert terminology.is_expandable(url)


def test_uk_core_snomed_valuesets_are_partly_local(terminology: Terminology) -> None:
    # UKCore-AllergyCode: SNOMED CT (an ECL constraint), dm+d (parent filters) and NullFlavor#NI.
    url = "https://fhir.hl7.org.uk/ValueSet/UKCore-AllergyCode"
    null_flavor = "http://terminology.hl7.org/CodeSystem/v3-NullFlavor"
    assert terminology.check(url, null_flavor, "NI") is MEMBER
    assert terminology.check(url, null_flavor, "UNK") is NOT_MEMBER
    assert terminology.check(url, SNOMED, "91936005") is UNKNOWN
    assert terminology.check(url, "https://dmd.nhs.uk", "39720311000001101") is UNKNOWN
    assert not terminology.is_expandable(url)


def _uk_core_codes(fhir_packages: Path, file_name: str) -> list[str]:
    root = ET.parse(fhir_packages / "uk-core-2.0.2" / "codesystems" / file_name).getroot()
    fhir = "{http://hl7.org/fhir}"
    return [str(code.get("value")) for code in root.iter(fhir + "code") if code.get("value")]


def test_v2_tables_with_placeholder_codes_are_not_complete(
    terminology: Terminology, r4_resources: dict[str, Any]
) -> None:
    # v2-0203 lists "NNxxx": "National Person Identifier where the xxx is the ISO table 3166
    # 3-character (alphabetic) country code" -- NNFIN and the like are codes it does not list.
    system = "http://terminology.hl7.org/CodeSystem/v2-0203"
    listed = [concept["code"] for concept in r4_resources[system]["concept"]]
    assert "NNxxx" in listed
    assert "NNFIN" not in listed
    assert terminology.code_in_system(system, "NNFIN") is None
    assert terminology.code_in_system(system, "MR") is True
    # identifier-type lists its codes: NNFIN is not one of them.
    assert terminology.check("http://hl7.org/fhir/ValueSet/identifier-type", system, "NNFIN") is NOT_MEMBER


def test_a_code_with_no_system_may_be_in_any_part_of_its_valueset() -> None:
    # A ``code`` element's system is implied by its binding (FHIR R4 datatypes.html#code), so a
    # code is in the ValueSet when any system the ValueSet draws on holds it; when none does but
    # a part cannot be expanded, membership cannot be told.
    first, second, snomed_vs = "http://example.org/a", "http://example.org/b", "http://example.org/VS/s"
    terminology = Terminology(
        {
            "systems": {},
            "valuesets": {
                "http://example.org/VS/ab": {first: ["a1", "a2"], second: ["b1"]},
                "http://example.org/VS/ab-lang": {first: ["a1"], BCP_47: "*"},
                snomed_vs: {first: ["a1"], SNOMED: "?"},
            },
        }
    )
    both = terminology.valueset("http://example.org/VS/ab|2")
    assert [both.check(None, code) for code in ("a2", "b1", "c1")] == [MEMBER, MEMBER, NOT_MEMBER]
    assert both.check(second, "a1") is NOT_MEMBER  # with its system, only that system's part counts
    with_languages = terminology.valueset("http://example.org/VS/ab-lang")
    assert with_languages.check(None, "en-GB") is MEMBER  # RFC 5646 tag, from the whole-system part
    assert with_languages.check(None, "not a tag") is NOT_MEMBER
    partly_snomed = terminology.valueset(snomed_vs)
    assert partly_snomed.check(None, "a1") is MEMBER
    assert partly_snomed.check(None, "22298006") is UNKNOWN  # a valid SCTID: the part is not expanded
    assert partly_snomed.check(None, "22298007") is NOT_MEMBER  # Verhoeff check digit fails

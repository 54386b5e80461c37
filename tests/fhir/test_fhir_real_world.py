"""Issue 11: what published FHIR resources exposed (each test is built from the rule it cites)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from nhsstd import fhir
from nhsstd.codes import NHSNumberStatusIndicatorCode
from nhsstd.fhir import FHIRWarning, LegacyURLWarning, SerialisationError

NHS = "https://fhir.nhs.uk/Id/nhs-number"
EXT_VERIFICATION = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus"
ENGLAND = "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland"
RETIRED = "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatus"
VALID = "9434765919"

# The retired UK Core NHSNumberVerificationStatus code system (v2.1.0) coded the statuses as
# text: the England display lower-cased and hyphenated (05 and 08 cut before their bracket).
RETIRED_CODES = [
    ("number-present-and-verified", "01"),
    ("number-present-but-not-traced", "02"),
    ("trace-required", "03"),
    ("trace-attempted-no-match-or-multiple-match-found", "04"),
    ("trace-needs-to-be-resolved", "05"),
    ("trace-in-progress", "06"),
    ("number-not-present-and-trace-not-required", "07"),
    ("trace-postponed", "08"),
]


def patient_with_status(system: str, code: str, *, value: str | None = VALID) -> dict[str, Any]:
    identifier: dict[str, Any] = {
        "system": NHS,
        "extension": [
            {
                "url": EXT_VERIFICATION,
                "valueCodeableConcept": {"coding": [{"system": system, "version": "2.1.0", "code": code}]},
            }
        ],
    }
    if value is not None:
        identifier["value"] = value
    return {"resourceType": "Patient", "identifier": [identifier]}


def slug(display: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", display.lower()).strip("-")


@pytest.mark.parametrize(("retired", "status"), RETIRED_CODES)
def test_retired_textual_verification_codes_read_as_the_england_status(retired: str, status: str) -> None:
    member = NHSNumberStatusIndicatorCode.from_code(status)
    # The table above follows the rule: each retired code starts the slug of the England display.
    assert slug(fhir._urls.NHS_NUMBER_VERIFICATION_DISPLAY[status]).startswith(retired)
    # 07 forbids an NHS Number in the model (Data Dictionary); the rest are read with one.
    value = None if status == "07" else VALID
    caught: list[FHIRWarning] = []
    for mode in ("strict", "preserve"):
        caught.clear()
        patient = fhir.from_fhir(
            patient_with_status(RETIRED, retired, value=value), identifiers=mode, on_warning=caught.append
        )
        assert patient.nhs_number_status is member
        assert [type(w) for w in caught] == [LegacyURLWarning]
    coding = fhir.to_fhir(patient)["identifier"][0]["extension"][0]["valueCodeableConcept"]["coding"][0]
    assert (coding["system"], coding["code"]) == (ENGLAND, status)
    assert "version" not in coding


def test_retired_textual_codes_only_under_the_retired_system() -> None:
    with pytest.raises(SerialisationError, match="not a code of this list"):
        fhir.from_fhir(patient_with_status(ENGLAND, "number-present-and-verified"))
    with pytest.raises(SerialisationError, match="not a code of this list"):
        fhir.from_fhir(patient_with_status(RETIRED, "number-present-and-checked"))


def test_retired_textual_codes_are_refused_in_strict_mode() -> None:
    with pytest.raises(SerialisationError, match="strict mode"):
        fhir.from_fhir(
            patient_with_status(RETIRED, "number-present-and-verified"), strict=True, on_warning=print
        )

"""from_fhir(..., on_warning=...): warnings handed to a function, per call, safe across threads."""

from __future__ import annotations

import json
import threading
import warnings
from typing import Any

import pytest

from nhsstd import fhir
from nhsstd.fhir import FHIRWarning, InvalidIdentifierWarning, LegacyURLWarning, SerialisationError
from nhsstd.models import Patient

LEGACY_EXTENSION = "https://fhir.nhs.uk/R4/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus"
ENGLAND = "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland"
NHS = "https://fhir.nhs.uk/Id/nhs-number"
VALID = "9434765919"


def legacy_patient(position: int) -> dict[str, Any]:
    """A Patient whose legacy extension URL is at ``$.identifier[position]`` (one warning)."""
    others = [{"system": f"https://example.org/Id/{n}", "value": str(n)} for n in range(position)]
    nhs = {
        "system": NHS,
        "value": VALID,
        "extension": [
            {"url": LEGACY_EXTENSION, "valueCodeableConcept": {"coding": [{"system": ENGLAND, "code": "01"}]}}
        ],
    }
    return {"resourceType": "Patient", "identifier": [*others, nhs]}


def expected_path(position: int) -> str:
    return f"$.identifier[{position}].extension[0].url"


def test_the_handler_gets_each_warning_instead_of_the_warnings_module() -> None:
    seen: list[FHIRWarning] = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning issued through the module would raise here
        patient = fhir.from_fhir(legacy_patient(2), on_warning=seen.append)
    assert isinstance(patient, Patient)
    assert [type(w) for w in seen] == [LegacyURLWarning]
    assert seen[0].path == expected_path(2)
    assert str(seen[0]) == f"{expected_path(2)}: a legacy extension URL replaced by the UK Core canonical URL"


def test_without_a_handler_the_warnings_module_is_used() -> None:
    with pytest.warns(LegacyURLWarning):
        fhir.from_fhir(legacy_patient(0))


def test_loads_takes_the_handler_too() -> None:
    seen: list[FHIRWarning] = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fhir.loads(json.dumps(legacy_patient(1)), on_warning=seen.append)
    assert [w.path for w in seen] == [expected_path(1)]


def test_warnings_reach_the_handler_before_the_error_is_raised() -> None:
    resource = legacy_patient(0)
    resource["identifier"].append({"system": NHS, "value": "9434765918"})  # a second, invalid number
    resource["birthDate"] = "1970-02-30"
    seen: list[FHIRWarning] = []
    with pytest.raises(SerialisationError) as raised:
        fhir.from_fhir(resource, identifiers="warn", on_warning=seen.append)
    assert [type(w) for w in seen] == [LegacyURLWarning, InvalidIdentifierWarning]
    assert [p.path for p in raised.value.problems] == ["$.birthDate"]


def test_the_handler_is_checked_first() -> None:
    with pytest.raises(TypeError, match="on_warning"):
        fhir.from_fhir(legacy_patient(0), on_warning="ignore")  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="on_warning"):
        fhir.loads("not JSON", on_warning=42)  # type: ignore[call-overload]


def test_the_converter_path_is_unchanged() -> None:
    with pytest.warns(LegacyURLWarning):
        fhir.converter.structure(legacy_patient(0), Patient)


THREADS = 8
READS = 150


def test_threads_each_get_their_own_warnings() -> None:
    """Several threads read at once, each with its own handler: nobody sees anybody else's warnings,
    and nothing goes through the (process-wide) warnings module."""
    barrier = threading.Barrier(THREADS)
    results: dict[int, list[str]] = {}
    failures: list[BaseException] = []

    def work(index: int) -> None:
        try:
            seen: list[str] = []
            text = json.dumps(legacy_patient(index))
            barrier.wait()
            for read in range(READS):
                if read % 2:
                    fhir.loads(text, on_warning=lambda w: seen.append(w.path))
                else:
                    fhir.from_fhir(json.loads(text), on_warning=lambda w: seen.append(w.path))
            results[index] = seen
        except BaseException as error:  # reported by the main thread
            failures.append(error)

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warnings.warn from a worker would fail that worker
        threads = [threading.Thread(target=work, args=(index,)) for index in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert failures == []
    assert results == {index: [expected_path(index)] * READS for index in range(THREADS)}

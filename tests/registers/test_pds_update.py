"""The PDS write path (issue 14): JSON Patch updates guarded by the version read, and related people.

Against the local sandbox, which follows the published PDS sandbox's update behaviour
(``If-Match`` required, ``W/"<version>"`` compared, ``{"patches": [...]}`` bodies) and the
patch rules of PDS's update specification.
"""

from __future__ import annotations

import asyncio
import datetime
import functools
import json
from typing import Any

import attrs
import pytest

from nhsstd.codes import PersonStatedGenderCode
from nhsstd.exceptions import ValidationError
from nhsstd.models import Patient
from nhsstd.registers import (
    Forbidden,
    InvalidParameter,
    InvalidPatch,
    InvalidRequest,
    MalformedResponse,
    NotFound,
    RegisterConnectionError,
    RetryPolicy,
    ServerError,
    VersionConflict,
)
from nhsstd.registers.pds import AsyncPdsClient, PdsClient, PdsPatient, patient_patch
from nhsstd.testing.sandbox import Sandbox

NUMBER = "9000000009"
PDS_PATH = "/personal-demographics"
RETRY = RetryPolicy(max_attempts=3, total_time=5.0, backoff_base=0.01, backoff_max=0.02)


def client(sandbox: Sandbox) -> PdsClient:
    return PdsClient(base_url=sandbox.pds_url, rate_limit=None, retry=RETRY)


def patches_sent(sandbox: Sandbox) -> list[Any]:
    return [r for r in sandbox.requests if r.method == "PATCH"]


def renamed(record: PdsPatient, given: str) -> Patient:
    name = attrs.evolve(record.patient.names[0], given=(given,))
    return attrs.evolve(record.patient, names=(name,))


# -- the round trip -----------------------------------------------------------------------------------


def test_update_round_trip_and_a_conflicting_version(sandbox: Sandbox) -> None:
    with client(sandbox) as pds:
        first = pds.get_patient(NUMBER)
        assert (first.etag, first.version_id) == ('W/"2"', "2")
        patch = patient_patch(first, renamed(first, "Janet"))
        updated = pds.update_patient(NUMBER, patch, etag=first.etag)
        assert updated.version_id == "3"
        assert updated.etag == 'W/"3"'
        assert updated.patient.names[0].given == ("Janet",)
        reread = pds.get_patient(NUMBER)
        assert reread.version_id == "3"
        assert reread.patient.names[0].given == ("Janet",)
        # a second writer still holding version 2
        with pytest.raises(VersionConflict) as caught:
            pds.update_patient(NUMBER, patient_patch(first, renamed(first, "Joan")), etag=first)
        assert caught.value.status == 409
        assert caught.value.spine_code == "RESOURCE_VERSION_MISMATCH"
        assert pds.get_patient(NUMBER).patient.names[0].given == ("Janet",)  # nothing applied
        # redone on a fresh read, it goes through
        fresh = pds.get_patient(NUMBER)
        assert (
            pds.update_patient(NUMBER, patient_patch(fresh, renamed(fresh, "Joan")), etag=fresh).version_id
            == "4"
        )
    request = patches_sent(sandbox)[0]
    assert request.header("If-Match") == 'W/"2"'
    assert request.header("Content-Type") == "application/json-patch+json"
    assert json.loads(request.body) == {"patches": patch}
    assert len(patches_sent(sandbox)) == 3  # each write sent once


def test_update_round_trip_async(sandbox: Sandbox) -> None:
    async def main() -> tuple[str | None, str | None]:
        async with AsyncPdsClient(base_url=sandbox.pds_url, rate_limit=None) as pds:
            record = await pds.get_patient(NUMBER)
            changed = attrs.evolve(record.patient, stated_gender=PersonStatedGenderCode.MALE)
            updated = await pds.update_patient(
                NUMBER, patient_patch(record, changed), etag=record.version_id or ""
            )
            with pytest.raises(VersionConflict):
                await pds.update_patient(NUMBER, patient_patch(record, changed), etag=record.etag or "")
            return updated.version_id, updated.raw.get("gender")

    assert asyncio.run(main()) == ("3", "male")


def test_the_sandbox_reset_undoes_updates(sandbox: Sandbox) -> None:
    with client(sandbox) as pds:
        record = pds.get_patient(NUMBER)
        pds.update_patient(NUMBER, patient_patch(record, renamed(record, "Janet")), etag=record)
        sandbox.reset()
        again = pds.get_patient(NUMBER)
    assert again.version_id == "2"
    assert again.patient.names[0].given == ("Jane",)


# -- patches from two models --------------------------------------------------------------------------


def test_a_changed_list_item_is_replaced_whole_with_its_id(sandbox: Sandbox) -> None:
    with client(sandbox) as pds:
        record = pds.get_patient(NUMBER)
    patch = patient_patch(record, renamed(record, "Janet"))
    assert patch == [
        {"op": "replace", "path": "/name/0", "value": {**record.raw["name"][0], "given": ["Janet"]}}
    ]
    assert patch[0]["value"]["id"] == record.raw["name"][0]["id"]


def test_removed_items_are_tested_then_removed_from_the_last_and_new_ones_added_at_the_end(
    sandbox: Sandbox,
) -> None:
    with client(sandbox) as pds:
        record = pds.get_patient(NUMBER)
        telecoms = record.patient.telecom
        assert len(telecoms) == 3
        fewer = attrs.evolve(record.patient, telecom=telecoms[:1])
        patch = patient_patch(record, fewer)
        ids = [item["id"] for item in record.raw["telecom"]]
        assert patch == [
            {"op": "test", "path": "/telecom/2/id", "value": ids[2]},
            {"op": "remove", "path": "/telecom/2"},
            {"op": "test", "path": "/telecom/1/id", "value": ids[1]},
            {"op": "remove", "path": "/telecom/1"},
        ]
        updated = pds.update_patient(NUMBER, patch, etag=record)
        assert len(updated.patient.telecom) == 1
        more = attrs.evolve(updated.patient, telecom=(*updated.patient.telecom, telecoms[2]))
        added = patient_patch(updated, more)
        assert [(op["op"], op["path"]) for op in added] == [("add", "/telecom/-")]
        assert "id" not in added[0]["value"]  # PDS numbers new items itself
        again = pds.update_patient(NUMBER, added, etag=updated)
    assert len(again.patient.telecom) == 2
    assert again.raw["telecom"][1]["id"] != ids[2]  # PDS gives a new item its own id


def test_a_patch_cannot_change_the_nhs_number(sandbox: Sandbox) -> None:
    with client(sandbox) as pds:
        record = pds.get_patient(NUMBER)
        other = pds.get_patient("9000000033").patient
    with pytest.raises(InvalidParameter, match="NHS Number") as caught:
        patient_patch(record, attrs.evolve(record.patient, nhs_number=other.nhs_number))
    assert NUMBER not in str(caught.value)


# -- errors ---------------------------------------------------------------------------------------------


def test_an_invalid_patch_is_refused_and_nothing_is_applied(sandbox: Sandbox) -> None:
    # PDS: a change inside a list item needs the item's id (update specification, "Replacing").
    patch = [
        {"op": "replace", "path": "/gender", "value": "male"},
        {"op": "replace", "path": "/address/0/line/0", "value": "2 Whitehall Quay"},
    ]
    with client(sandbox) as pds:
        record = pds.get_patient(NUMBER)
        with pytest.raises(InvalidPatch) as caught:
            pds.update_patient(NUMBER, patch, etag=record)
        after = pds.get_patient(NUMBER)
    assert caught.value.status == 400
    assert caught.value.spine_code == "INVALID_UPDATE"
    assert "no id or url found" in (caught.value.diagnostics or "")
    assert (after.version_id, after.raw["gender"]) == ("2", record.raw["gender"])


def test_a_removal_without_a_test_is_refused(sandbox: Sandbox) -> None:
    with client(sandbox) as pds:
        record = pds.get_patient(NUMBER)
        with pytest.raises(InvalidPatch, match="test"):
            pds.update_patient(NUMBER, [{"op": "remove", "path": "/telecom/0"}], etag=record)


def test_a_second_usual_name_is_forbidden(sandbox: Sandbox) -> None:
    with client(sandbox) as pds:
        record = pds.get_patient(NUMBER)
        new_name = {"use": "usual", "given": ["Jo"], "family": "Smith"}
        with pytest.raises(Forbidden) as caught:
            pds.update_patient(NUMBER, [{"op": "add", "path": "/name/-", "value": new_name}], etag=record)
    assert caught.value.status == 403
    assert caught.value.spine_code == "FORBIDDEN_UPDATE"


def test_a_patched_record_that_is_no_longer_a_patient_is_refused(sandbox: Sandbox) -> None:
    with client(sandbox) as pds:
        record = pds.get_patient(NUMBER)
        with pytest.raises(InvalidPatch, match="not a valid Patient"):
            pds.update_patient(
                NUMBER, [{"op": "replace", "path": "/birthDate", "value": "31/12/2010"}], etag=record
            )


@pytest.mark.parametrize(
    ("status", "spine_code", "error"),
    [
        (412, "PRECONDITION_FAILED", VersionConflict),
        (403, "ACCESS_DENIED", Forbidden),
        (400, None, InvalidRequest),
    ],
)
def test_pds_write_errors_map_to_typed_errors(
    sandbox: Sandbox, status: int, spine_code: str | None, error: type[Exception]
) -> None:
    issue: dict[str, Any] = {"severity": "error", "code": "processing"}
    if spine_code:
        issue["details"] = {"coding": [{"code": spine_code}]}
    body = json.dumps({"resourceType": "OperationOutcome", "issue": [issue]}).encode()
    sandbox.faults.respond(
        status, body, {"Content-Type": "application/fhir+json"}, path=PDS_PATH, method="PATCH"
    )
    with client(sandbox) as pds, pytest.raises(error) as caught:
        pds.update_patient(NUMBER, [{"op": "replace", "path": "/gender", "value": "male"}], etag='W/"2"')
    assert getattr(caught.value, "status", None) == status
    assert len(patches_sent(sandbox)) == 1


# -- never blindly retried ----------------------------------------------------------------------------


def test_a_write_that_may_have_arrived_is_not_retried(sandbox: Sandbox) -> None:
    patch = [{"op": "replace", "path": "/gender", "value": "male"}]
    with client(sandbox) as pds:
        sandbox.faults.error(503, path=PDS_PATH, method="PATCH")
        with pytest.raises(ServerError):
            pds.update_patient(NUMBER, patch, etag='W/"2"')
        sandbox.faults.reset(path=PDS_PATH, method="PATCH")
        with pytest.raises(RegisterConnectionError):
            pds.update_patient(NUMBER, patch, etag='W/"2"')
    assert len(patches_sent(sandbox)) == 2  # one each


def test_a_write_refused_with_429_is_sent_again_with_the_same_request_id(sandbox: Sandbox) -> None:
    sandbox.faults.rate_limit(0.05, path=PDS_PATH, method="PATCH")
    with client(sandbox) as pds:
        updated = pds.update_patient(
            NUMBER, [{"op": "replace", "path": "/gender", "value": "male"}], etag='W/"2"'
        )
    assert updated.version_id == "3"
    sent = patches_sent(sandbox)
    assert len(sent) == 2
    assert sent[0].header("X-Request-ID") == sent[1].header("X-Request-ID")


# -- checked before sending ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "patch",
    [
        [],
        {"op": "replace"},
        "[]",
        [{"op": "move", "path": "/gender", "from": "/x"}],
        [{"op": "replace", "path": "gender", "value": "male"}],
        [{"op": "replace", "path": "/gender"}],
        [{"op": "remove", "path": "/gender", "value": "male"}],
        [["op", "replace"]],
        # RFC 8259: JSON has no NaN nor Infinity, no dates, and PDS reads no deeper than it must.
        [{"op": "add", "path": "/x", "value": float("nan")}],
        [{"op": "add", "path": "/x", "value": float("inf")}],
        [{"op": "add", "path": "/x", "value": datetime.date(2024, 1, 1)}],
        [{"op": "add", "path": "/x", "value": {1: "non-string key"}.keys()}],
        [{"op": "add", "path": "/x", "value": functools.reduce(lambda inner, _: [inner], range(10**5), [])}],
    ],
)
def test_a_malformed_patch_is_refused_before_sending(sandbox: Sandbox, patch: Any) -> None:
    with client(sandbox) as pds, pytest.raises(InvalidParameter) as caught:
        pds.update_patient(NUMBER, patch, etag='W/"2"')
    assert caught.value.parameter == "patch"
    assert sandbox.requests == []


@pytest.mark.parametrize("etag", ["", 'W/"two"', "*", None, 2])
def test_a_malformed_etag_is_refused_before_sending(sandbox: Sandbox, etag: Any) -> None:
    with client(sandbox) as pds, pytest.raises(InvalidParameter) as caught:
        pds.update_patient(NUMBER, [{"op": "replace", "path": "/gender", "value": "male"}], etag=etag)
    assert caught.value.parameter == "etag"
    assert sandbox.requests == []


def test_an_invalid_number_is_refused_before_sending(sandbox: Sandbox) -> None:
    with client(sandbox) as pds, pytest.raises(ValidationError):
        pds.update_patient(
            "9000000000", [{"op": "replace", "path": "/gender", "value": "male"}], etag='W/"2"'
        )
    assert sandbox.requests == []


# -- related people -----------------------------------------------------------------------------------


def test_related_persons(sandbox: Sandbox) -> None:
    with client(sandbox) as pds:
        (mother,) = pds.get_related_persons(NUMBER)
        assert pds.get_related_persons("9000000033") == []
        with pytest.raises(NotFound):
            pds.get_related_persons("9111231130")
    assert mother.nhs_number == "9000000017"
    assert mother.relationships == ("MTH",)
    assert mother.active is True
    assert mother.raw["name"][0]["given"] == ["Joan"]
    assert "9000000017" not in repr(mother)
    assert sandbox.requests[0].path.endswith(f"/Patient/{NUMBER}/RelatedPerson")


def test_related_persons_async(sandbox: Sandbox) -> None:
    async def main() -> list[str | None]:
        async with AsyncPdsClient(base_url=sandbox.pds_url, rate_limit=None) as pds:
            return [person.nhs_number for person in await pds.get_related_persons(NUMBER)]

    assert asyncio.run(main()) == ["9000000017"]


@pytest.mark.parametrize("relationship", [5, "MTH", {"coding": []}, True])
def test_a_related_person_whose_relationship_is_not_a_list_is_malformed(
    sandbox: Sandbox, relationship: Any
) -> None:
    # FHIR R4 RelatedPerson.relationship is 0..* CodeableConcept: a JSON array.
    person = {"resourceType": "RelatedPerson", "id": "X", "relationship": relationship}
    bundle = {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": person}]}
    sandbox.faults.respond(
        200, json.dumps(bundle).encode(), {"Content-Type": "application/fhir+json"}, path=PDS_PATH
    )
    with client(sandbox) as pds, pytest.raises(MalformedResponse):
        pds.get_related_persons(NUMBER)
    assert len(sandbox.requests) == 1


def test_a_related_person_with_an_invalid_number_has_none(sandbox: Sandbox) -> None:
    # PDS's own example related person carries an 11-digit "NHS Number"; it is not one.
    person = {"resourceType": "RelatedPerson", "id": "X", "patient": {"identifier": {"value": "90000000009"}}}
    bundle = {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": person}]}
    sandbox.faults.respond(
        200, json.dumps(bundle).encode(), {"Content-Type": "application/fhir+json"}, path=PDS_PATH
    )
    with client(sandbox) as pds:
        (related,) = pds.get_related_persons(NUMBER)
    assert related.nhs_number is None
    assert related.relationships == ()

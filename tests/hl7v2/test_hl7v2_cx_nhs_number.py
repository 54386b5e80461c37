"""Issue 11: a PID-3 CX whose identifier type code means NHS Number is the NHS Number.

HL7 table 0203 ``NH`` (national health number) is the type NHS ITK ADT gives the NHS Number
(``<number>^^^NHS^NH``, research/serialisers.md section 2); CHI and H&C Numbers use it too, with
assigning authority ``CHI`` or ``HSNI``.  Any other authority -- a trust's ODS code, none -- or the
NHS Number OID as the authority's universal id says the value is an NHS Number.
"""

from __future__ import annotations

import pytest

from nhsstd.fhir import SerialisationError
from nhsstd.hl7v2 import patient_from_hl7, patient_to_hl7
from nhsstd.identifiers.chi_number import CHINumber

VALID = "9434765919"
NHS_OID = "2.16.840.1.113883.2.1.4.1"


def pid(cx: str) -> str:
    return f"PID|||{cx}||SMITH^ANN||19700911|F"


@pytest.mark.parametrize(
    "cx",
    [
        f"{VALID}^^^RR8^NH",  # a trust as the authority
        f"{VALID}^^^^NH",  # no authority
        f"{VALID}^^^&{NHS_OID}&ISO",  # the NHS Number OID, no type code
        f"{VALID}^^^RR8&{NHS_OID}&ISO^NH",
    ],
)
def test_cx_meaning_nhs_number_is_the_nhs_number(cx: str) -> None:
    text = pid(cx)
    patient = patient_from_hl7(text)
    assert patient.nhs_number is not None
    assert patient.nhs_number.compact == VALID
    assert patient.local_identifiers == ()
    assert VALID not in repr(patient)
    assert patient_to_hl7(patient) == text  # the repetition as written is kept


def test_cx_nh_with_a_wrong_check_digit_is_refused() -> None:
    with pytest.raises(SerialisationError):
        patient_from_hl7(pid("9434765918^^^RR8^NH"))


def test_chi_and_hc_authorities_keep_their_meaning() -> None:
    chi = "1904851231"
    patient = patient_from_hl7(pid(f"{chi}^^^CHI^NH"))
    assert patient.chi_number == CHINumber.parse(chi)
    assert patient.nhs_number is None

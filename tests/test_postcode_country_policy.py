"""Issue 11: a postcode is judged as a UK postcode only when the address is in the UK.

The rule (UK Core ``Address.country``, HL7 v2 XAD.6): an address with no country, or with a
country whose postcodes are Royal Mail postcodes, has its postcode checked against the Royal Mail
rules; an address abroad has its own country's postal code, kept exactly as given.  The FHIR and
HL7 v2 readers share one policy function, so both are tested from the same table.
"""

from __future__ import annotations

from typing import Any

import pytest

from nhsstd import fhir, hl7v2
from nhsstd.fhir import SerialisationError
from nhsstd.identifiers.postcode import UKPostcode, is_uk_postcode_country

# ISO 3166-1 (alpha-2, alpha-3, numeric) and ISO 3166-2:GB codes, and names, of the UK, its
# countries and the Crown Dependencies (Royal Mail postcode areas GY, JE, IM), in the case and
# spacing people write them.
UK_COUNTRIES = [
    "GB", "gbr", "826", "UK", "United Kingdom", "united  kingdom", "England", "WALES", "Scotland",
    "Northern Ireland", "GB-ENG", "gb-wls", "GB-SCT", "GB-NIR", "Jersey", "IM", "GGY",
]  # fmt: skip
# Addresses abroad, with a postal code of their own country.
ABROAD = [
    ("FR", "75001"), ("Ireland", "D02 X285"), ("USA", "90210-1234"), ("DEU", "10115"), ("IE", "A65 F4E2"),
]  # fmt: skip


def fhir_patient(address: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Patient", "address": [address]}


def pid(postcode: str, country: str) -> str:
    return f"PID|||9434765919^^^NHS^NH||SMITH^ANN||19700911|F|||1 Main Street^^Town^^{postcode}^{country}"


@pytest.mark.parametrize("country", UK_COUNTRIES)
def test_uk_countries_have_their_postcode_judged(country: str) -> None:
    assert is_uk_postcode_country(country)
    resource = fhir_patient({"postalCode": "ls1 4ap", "country": country})
    patient = fhir.from_fhir(resource, on_warning=[].append)
    assert patient.addresses[0].postcode == UKPostcode.parse("LS1 4AP")
    read = hl7v2.patient_from_hl7(pid("LS1 4AP", country))
    assert read.addresses[0].postcode == UKPostcode.parse("LS14AP")
    with pytest.raises(SerialisationError, match="postalCode"):
        fhir.from_fhir(fhir_patient({"postalCode": "75001", "country": country}))
    with pytest.raises(SerialisationError):
        hl7v2.patient_from_hl7(pid("75001", country))


def test_no_country_means_a_uk_postcode() -> None:
    assert is_uk_postcode_country(None)
    with pytest.raises(SerialisationError, match="postalCode"):
        fhir.from_fhir(fhir_patient({"postalCode": "75001"}))


@pytest.mark.parametrize(("country", "postal_code"), ABROAD)
def test_a_postal_code_abroad_is_kept_as_given(country: str, postal_code: str) -> None:
    assert not is_uk_postcode_country(country)
    resource = fhir_patient({"line": ["1 Main Street"], "postalCode": postal_code, "country": country})
    patient = fhir.from_fhir(resource)
    assert patient.addresses[0].postcode is None
    assert patient.addresses[0].country == country
    assert fhir.to_fhir(patient) == resource
    text = pid(postal_code, country)
    read = hl7v2.patient_from_hl7(text)
    assert read.addresses[0].postcode is None
    assert hl7v2.patient_to_hl7(read) == text


def test_a_uk_looking_code_abroad_is_not_read_as_a_uk_postcode() -> None:
    """Even a value that fits the Royal Mail rules is another country's code when the address is abroad."""
    resource = fhir_patient({"postalCode": "LS1 4AP", "country": "FR"})
    assert fhir.from_fhir(resource).addresses[0].postcode is None

"""URLs written and read by the FHIR serialiser (private; documented in ``docs/fhir.rst``).

Every URL written is the UK Core (or UK NamingSystems) canonical one.  The
legacy and variant URLs below are accepted on read, rewritten to the canonical
form, and reported with a :class:`~nhsstd.fhir.LegacyURLWarning`.

Sources: NHSDigital/FHIR-R4-UKCORE-STAGING-MAIN at 3d2827e3 (structure
definitions and code systems); NHSDigital/personal-demographics-service-api
(``specification/components/examples/Patient.json`` and ``sandbox/mocks``)
for the legacy forms; ``research/serialisers.md`` sections 1.1-1.3.
"""

from __future__ import annotations

from typing import Final

from nhsstd.identifiers import (
    chi_number,
    gdc_number,
    gmc_number,
    gmp_code,
    gphc_number,
    hc_number,
    hcpc_number,
    nhs_number,
    nmc_pin,
    ods_code,
)

UK_CORE_SD: Final = "https://fhir.hl7.org.uk/StructureDefinition/"
UK_CORE_CS: Final = "https://fhir.hl7.org.uk/CodeSystem/"
LEGACY_SD: Final = "https://fhir.nhs.uk/R4/StructureDefinition/"
LEGACY_CS: Final = "https://fhir.nhs.uk/R4/CodeSystem/"

# --- extensions -------------------------------------------------------------------------------
EXT_NHS_NUMBER_VERIFICATION: Final = UK_CORE_SD + "Extension-UKCore-NHSNumberVerificationStatus"
EXT_ETHNIC_CATEGORY: Final = UK_CORE_SD + "Extension-UKCore-EthnicCategory"
EXT_ADDRESS_KEY: Final = UK_CORE_SD + "Extension-UKCore-AddressKey"

#: Legacy extension URL -> canonical URL (PDS FHIR API, older releases).
LEGACY_EXTENSIONS: Final = {
    LEGACY_SD + "Extension-UKCore-NHSNumberVerificationStatus": EXT_NHS_NUMBER_VERIFICATION,
    LEGACY_SD + "Extension-UKCore-EthnicCategory": EXT_ETHNIC_CATEGORY,
    LEGACY_SD + "Extension-UKCore-AddressKey": EXT_ADDRESS_KEY,
}

# --- code systems -----------------------------------------------------------------------------
CS_NHS_NUMBER_VERIFICATION: Final = UK_CORE_CS + "UKCore-NHSNumberVerificationStatusEngland"
#: Code systems read as the England verification-status list (rewritten to
#: :data:`CS_NHS_NUMBER_VERIFICATION`; their ``version`` is dropped with them).
LEGACY_NHS_NUMBER_VERIFICATION_SYSTEMS: Final = frozenset(
    {
        UK_CORE_CS + "UKCore-NHSNumberVerificationStatus",  # PDS sandbox, version 1.0.0
        LEGACY_CS + "UKCore-NHSNumberVerificationStatus",  # PDS published example, version 1.0.0
    }
)
#: The retired UK Core list (the URL without ``England``, version 2.1.0) coded the same eight
#: statuses as text; BaRS messages still send them.  Read as the England code of the same meaning
#: (the retired code is the England display, lower-cased and hyphenated, cut short for 05 and 08),
#: with a :class:`~nhsstd.fhir.LegacyURLWarning`, and written as that England code.
LEGACY_NHS_NUMBER_VERIFICATION_CODES: Final = {
    "number-present-and-verified": "01",
    "number-present-but-not-traced": "02",
    "trace-required": "03",
    "trace-attempted-no-match-or-multiple-match-found": "04",
    "trace-needs-to-be-resolved": "05",
    "trace-in-progress": "06",
    "number-not-present-and-trace-not-required": "07",
    "trace-postponed": "08",
}
CS_ADDRESS_KEY_TYPE: Final = UK_CORE_CS + "UKCore-AddressKeyType"

#: FHIR displays of the England NHS Number verification status codes
#: (CodeSystem-UKCore-NHSNumberVerificationStatusEngland; 05 differs in case
#: from the Data Dictionary label).
NHS_NUMBER_VERIFICATION_DISPLAY: Final = {
    "01": "Number present and verified",
    "02": "Number present but not traced",
    "03": "Trace required",
    "04": "Trace attempted - No match or multiple match found",
    "05": "Trace needs to be resolved - (NHS number or patient detail conflict)",
    "06": "Trace in progress",
    "07": "Number not present and trace not required",
    "08": "Trace postponed (baby under six weeks old)",
}

# --- identifier systems -----------------------------------------------------------------------
ID_NHS_NUMBER: Final = nhs_number.FHIR_SYSTEM
#: Read as NHS Numbers, rewritten to :data:`ID_NHS_NUMBER`: the NHS Number OID as a URN (the
#: NamingSystem's other unique id; research/identifiers.md section 2).
LEGACY_NHS_NUMBER_SYSTEMS: Final = frozenset({f"urn:oid:{nhs_number.OID}"})
ID_CHI_NUMBER: Final = chi_number.FHIR_SYSTEM
#: Written for H&C Numbers (no official system exists; both known ones are read
#: and the one read is kept).
ID_HC_NUMBER: Final = hc_number.KNOWN_FHIR_SYSTEMS[0]
ID_HC_NUMBER_ALL: Final = frozenset(hc_number.KNOWN_FHIR_SYSTEMS)
ID_ODS_ORGANISATION: Final = ods_code.FHIR_SYSTEM
ID_ODS_SITE: Final = ods_code.FHIR_SYSTEM_SITE
#: Identifier systems read as ODS organisation codes, rewritten to :data:`ID_ODS_ORGANISATION`.
LEGACY_ODS_SYSTEMS: Final = frozenset(
    {
        ods_code.FHIR_SYSTEM_ORGANISATION_MISSPELT,  # "organisation" with an s (UK Core guidance page)
        "https://digital.nhs.uk/services/organisation-data-service",  # PDS published example GP reference
    }
)
ID_GMC: Final = gmc_number.FHIR_SYSTEM
ID_GMP: Final = gmp_code.FHIR_SYSTEM
#: Read as GMP codes, rewritten to :data:`ID_GMP`.
LEGACY_GMP_SYSTEMS: Final = frozenset({gmp_code.FHIR_SYSTEM_WRONG})
ID_GDC: Final = gdc_number.FHIR_SYSTEM
#: There is no agreed system for GDP codes: nhsstd writes (and reads) its own,
#: so that the value survives a round trip.  Documented in docs/fhir.rst.
ID_GDP: Final = "https://nhsstd.readthedocs.io/Id/gdp-code"
ID_NMC: Final = nmc_pin.FHIR_SYSTEM
ID_HCPC: Final = hcpc_number.FHIR_SYSTEM
ID_GPHC: Final = gphc_number.FHIR_SYSTEM
ID_SDS_USER: Final = "https://fhir.nhs.uk/Id/sds-user-id"
ID_SDS_ROLE_PROFILE: Final = "https://fhir.nhs.uk/Id/sds-role-profile-id"

"""ODS organisation and site codes.

The Organisation Data Service (ODS) publishes the codes that identify NHS and
related organisations (trusts, GP practices, commissioners, local
authorities...) and their sites.  Organisation codes are alphanumeric and up
to 8 characters (``8HA03``, ``TAK``, ``EE134290``); site codes up to 9
(``RH802``, ``7A101``, ``000AA``).  The shortest coding frame has 3
characters.

Rule: after normalisation, 3 to 9 ASCII letters and digits,
``^[A-Z0-9]{3,9}$``.  There is no check digit, so a well-formed code may still
not exist: only an ODS lookup (ORD or the ODS FHIR API) can tell.

:func:`code_pattern` offers a *hint* about which coding frame a code looks
like (GP practice, NHS trust, NHS trust site).  It is pattern matching only,
not an ODS lookup, and plays no part in validity.

Normalisation: surrounding ASCII whitespace is stripped and ASCII letters
upper-cased.  Inner whitespace is *not* removed (``RR 8`` is invalid).

Sources:

* Organisation coding frames:
  https://archive.datadictionary.nhs.uk/DD%20Release%20September%202020/supporting_information/organisation_coding_frames.html
* Site coding frames:
  https://archive.datadictionary.nhs.uk/DD%20Release%20March%202021/supporting_information/organisation_site_coding_frames.html
* GP practices as prescribing cost centres (role RO76):
  https://odsdatasearchandexport.dc4h.link/referenceDataCatalogue/565791179.html
* FHIR systems: UK NamingSystems index,
  https://simplifier.net/guide/UKNamingSystems/Home/Identifiersystems/IndexofIdentifierNamingsystems?version=current
  nhsconnect/gpconnect
  ``pages/accessrecord_structured/accessrecord_structured_development_resources_overview.md``.

>>> validate(" rr8 ")
'RR8'
>>> code_pattern("B82005")
<CodePattern.GP_PRACTICE_PATTERN: 'gp_practice_pattern'>
>>> ODSCode.parse("rh802").code_pattern
<CodePattern.NHS_TRUST_SITE: 'nhs_trust_site'>
>>> is_valid("R$8")
False
"""

from __future__ import annotations

import enum
import re

import attrs

from nhsstd.identifiers import _common

__all__ = [
    "FHIR_SYSTEM",
    "FHIR_SYSTEM_ORGANISATION_MISSPELT",
    "FHIR_SYSTEM_SITE",
    "OID",
    "ORGANISATION_SYSTEMS_READ",
    "CodePattern",
    "ODSCode",
    "code_pattern",
    "compact",
    "format",
    "is_valid",
    "validate",
]

KIND = "ods_code"

#: FHIR ``Identifier.system`` for ODS organisation codes (American "z").
FHIR_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
#: FHIR ``Identifier.system`` for ODS site codes.
FHIR_SYSTEM_SITE = "https://fhir.nhs.uk/Id/ods-site-code"
#: A British-spelling variant of :data:`FHIR_SYSTEM` seen in the wild.  It is
#: *not* an agreed system: accept it when reading, never write it.
FHIR_SYSTEM_ORGANISATION_MISSPELT = "https://fhir.nhs.uk/Id/ods-organisation-code"
#: Systems a liberal reader may treat as "ODS organisation code".
ORGANISATION_SYSTEMS_READ: frozenset[str] = frozenset({FHIR_SYSTEM, FHIR_SYSTEM_ORGANISATION_MISSPELT})
#: OID used as the root of ODS organisation identifiers (ORD ``orgId``).
OID = "2.16.840.1.113883.2.1.3.2.4.18.48"

MIN_LENGTH = 3
MAX_LENGTH = 9


class CodePattern(str, enum.Enum):
    """Which coding frame a code *looks like*: a hint, not an ODS lookup.

    The patterns are disjoint (they need 6, 3 and 5 characters respectively).
    A code matching none, or a real organisation of another type that happens
    to match, is possible: confirm with ODS before relying on the type.
    """

    #: ``^[A-Z][0-9]{5}$``: GP practice / prescribing cost centre (``A81001``).
    GP_PRACTICE_PATTERN = "gp_practice_pattern"
    #: ``^R[A-Z0-9]{2}$``: NHS trust (``RR8``).
    NHS_TRUST = "nhs_trust"
    #: ``^R[A-Z0-9]{4}$``: NHS trust site (``RH802``).
    NHS_TRUST_SITE = "nhs_trust_site"
    #: Anything else (commissioners, Welsh LHBs, independent providers...).
    OTHER = "other"


_PATTERNS: tuple[tuple[re.Pattern[str], CodePattern], ...] = (
    (re.compile(r"[A-Z][0-9]{5}"), CodePattern.GP_PRACTICE_PATTERN),
    (re.compile(r"R[A-Z0-9]{2}"), CodePattern.NHS_TRUST),
    (re.compile(r"R[A-Z0-9]{4}"), CodePattern.NHS_TRUST_SITE),
)


def compact(code: str) -> str:
    """Normalise *code* without validating it: strip ASCII whitespace, upper-case ASCII letters.

    >>> compact(" a81001\\n")
    'A81001'
    """
    return _common.compact_upper(code, KIND)


def _validate_compact(code: str) -> str:
    _common.check_alnum(code, KIND)
    _common.check_length(code, KIND, MIN_LENGTH, MAX_LENGTH)
    return code


def validate(code: str) -> str:
    """Return the compact form of *code* or raise a :class:`~nhsstd.exceptions.ValidationError`.

    >>> validate("00q")
    '00Q'
    >>> validate("RR 8")
    Traceback (most recent call last):
        ...
    nhsstd.exceptions.InvalidFormat: ODS code: only the ASCII letters A-Z and digits 0-9 are allowed
    """
    return _validate_compact(compact(code))


def is_valid(code: str) -> bool:
    """True if *code* is a well-formed ODS code; never raises."""
    return _common.passes(validate, code)


def format(code: str) -> str:
    """Return *code* in its display form (the compact code).

    Like python-stdnum's ``format``, this reformats without validating: the
    value is normalised by :func:`compact` and laid out, whether or not it is a
    valid code; check it with :func:`validate` or :func:`is_valid`.

    >>> format("rr801")
    'RR801'
    """
    return _format_compact(compact(code))


def _format_compact(code: str) -> str:
    return code


def _pattern_of(code: str) -> CodePattern:
    for pattern, hint in _PATTERNS:
        if pattern.fullmatch(code):
            return hint
    return CodePattern.OTHER


def code_pattern(code: str) -> CodePattern:
    """The coding frame *code* looks like (validated first); a hint only.

    >>> code_pattern("RR8"), code_pattern("7A4")
    (<CodePattern.NHS_TRUST: 'nhs_trust'>, <CodePattern.OTHER: 'other'>)
    """
    return _pattern_of(validate(code))


@attrs.frozen(repr=False)
class ODSCode(_common.Identifier):
    """An ODS organisation or site code: frozen, hashable, compared on its compact form.

    >>> ODSCode.parse("b82005") == ODSCode("B82005")
    True
    >>> ODSCode.parse("B82005")
    ODSCode('B82005')
    """

    kind = KIND
    fhir_system = FHIR_SYSTEM
    personal = False

    _validate = staticmethod(validate)
    _format_compact = staticmethod(_format_compact)

    @property
    def code_pattern(self) -> CodePattern:
        """The coding frame the code looks like (see :class:`CodePattern`)."""
        return _pattern_of(self.compact)

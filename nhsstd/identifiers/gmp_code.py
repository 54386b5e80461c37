"""GMP codes (GENERAL MEDICAL PRACTITIONER PPD CODE).

A GP in England or Wales receives a six-digit Doctor Index Number (DIN) on
entering general practice; NHS Prescription Services turns it into the GMP
code by adding a leading ``G`` and a trailing check digit: 8 characters,
``^G[0-9]{7}$``.

Check digit (NHSBSA): weight the six DIN digits 1, 3, 7, 1, 3, 7, add the
products and keep the units digit of the total.  It is that units digit
itself, not ten minus it: DIN ``123456`` gives 89, so ``G1234569``.

Checks run in this order: ``empty``, ``invalid_character`` (anything but
ASCII letters and digits), ``length``, ``invalid_prefix`` (first character not
``G``), ``format`` (a letter after the prefix), ``checksum``.  The second
character is not restricted: one programme profile's regex and prose disagree
about it and neither is backed by the Data Dictionary.

The HES default code ``G9999998`` ("GMP code not known") is a valid GMP code
by these rules; ``G1234567`` and ``G9999999``, seen in public examples, fail
the check digit.

Normalisation: surrounding ASCII whitespace is stripped and ASCII letters
upper-cased.  Inner whitespace is not removed.

Sources:

* Doctor Index Number:
  https://archive.datadictionary.nhs.uk/DD%20Release%20September%202012/data_dictionary/attributes/d/disc/doctor_index_number_de.asp@shownav=1.html
* Check digit: https://nhsbsa-live.powerappsportals.com/knowledgebase/article/KA-03100/en-us
* FHIR system, OID, HL7 v2 code:
  https://nw-gmsa.github.io/R4/StructureDefinition-PractitionerIdentifier.html ;
  https://nhsdigital.github.io/national-imaging-repository-specification/StructureDefinition-gmp-code.html

>>> validate(" g2468107 ")
'G2468107'
>>> build("123456")
'G1234569'
>>> GMPCode.parse("G5555550").din
'555555'
>>> is_valid("G1234567")
False
"""

from __future__ import annotations

import attrs

from nhsstd.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, Reason
from nhsstd.identifiers import _checksums, _common

__all__ = [
    "FHIR_SYSTEM",
    "FHIR_SYSTEM_DIN",
    "FHIR_SYSTEM_WRONG",
    "HL7V2_ASSIGNING_AUTHORITY",
    "OID",
    "GMPCode",
    "build",
    "compact",
    "format",
    "is_valid",
    "validate",
]

KIND = "gmp_code"

#: FHIR ``Identifier.system`` for GMP codes.
FHIR_SYSTEM = "https://fhir.hl7.org.uk/Id/gmp-number"
#: HL7 OID of the GMP code namespace.
OID = "2.16.840.1.113883.2.1.3.2.4.16.62"
#: HL7 v2 code listed for GMP codes.
HL7V2_ASSIGNING_AUTHORITY = "GMP"
#: FHIR system for the bare six-digit Doctor Index Number.
FHIR_SYSTEM_DIN = "https://fhir.hl7.org.uk/Id/din-number"
#: A wrong variant of :data:`FHIR_SYSTEM` seen in third-party test data.  Not
#: an agreed system: accept it when reading if you must, never write it.
FHIR_SYSTEM_WRONG = "https://fhir.nhs.uk/Id/gmp-number"

PREFIX = "G"
LENGTH = 8


def compact(code: str) -> str:
    """Normalise *code* without validating it: strip ASCII whitespace, upper-case ASCII letters.

    >>> compact("\\tg1234569 ")
    'G1234569'
    """
    return _common.ascii_upper(_common.strip(_common.require_str(code, KIND)))


def _validate_compact(code: str) -> str:
    if not code:
        _common.fail(InvalidLength, Reason.EMPTY, KIND, "the value is empty")
    if not _common.is_ascii_alnum(code):
        _common.fail(
            InvalidFormat,
            Reason.INVALID_CHARACTER,
            KIND,
            "only the ASCII letters A-Z and digits 0-9 are allowed",
        )
    if len(code) != LENGTH:
        _common.fail(InvalidLength, Reason.LENGTH, KIND, f"expected {LENGTH} characters, got {len(code)}")
    if code[0] != PREFIX:
        _common.fail(InvalidComponent, Reason.INVALID_PREFIX, KIND, "a GMP code starts with G")
    if not code[1:].isdigit():
        _common.fail(InvalidFormat, Reason.FORMAT, KIND, "G must be followed by seven digits")
    if _checksums.check_digit_137(code[1:7]) != ord(code[7]) - 48:
        _common.fail(InvalidChecksum, Reason.CHECKSUM, KIND)
    return code


def validate(code: str) -> str:
    """Return the compact form of *code* or raise a :class:`~nhsstd.exceptions.ValidationError`.

    >>> validate("G9999999")
    Traceback (most recent call last):
        ...
    nhsstd.exceptions.InvalidChecksum: GMP code: check digit does not match
    >>> validate("C2468100")
    Traceback (most recent call last):
        ...
    nhsstd.exceptions.InvalidComponent: GMP code: a GMP code starts with G
    """
    return _validate_compact(compact(code))


def is_valid(code: str) -> bool:
    """True if *code* is a valid GMP code; never raises."""
    try:
        validate(code)
    except ValueError:
        return False
    return True


def format(code: str) -> str:
    """Validate *code* and return its display form (the compact code).

    >>> format("g5555550")
    'G5555550'
    """
    return _format_compact(validate(code))


def _format_compact(code: str) -> str:
    return code


def build(din: str) -> str:
    """The GMP code of a six-digit Doctor Index Number (adds ``G`` and the check digit).

    *din* must be exactly six ASCII digits (surrounding ASCII whitespace is
    stripped); otherwise :class:`~nhsstd.exceptions.InvalidFormat` or
    :class:`~nhsstd.exceptions.InvalidLength` is raised.

    >>> build("999999")
    'G9999998'
    """
    digits = _common.check_digit_string(_common.strip(_common.require_str(din, KIND)), 6, KIND)
    return f"{PREFIX}{digits}{_checksums.check_digit_137(digits)}"


@attrs.frozen(repr=False)
class GMPCode(_common.Identifier):
    """A GMP code: frozen, hashable, compared on its compact form.

    >>> code = GMPCode.parse("g2468107")
    >>> code, code.din, code.check_digit
    (GMPCode('G2468107'), '246810', 7)
    """

    kind = KIND
    fhir_system = FHIR_SYSTEM
    personal = False

    @staticmethod
    def _validate(value: str) -> str:
        return validate(value)

    @staticmethod
    def _format_compact(compact: str) -> str:
        return _format_compact(compact)

    @property
    def din(self) -> str:
        """The six-digit Doctor Index Number (characters 2-7)."""
        return self.compact[1:7]

    @property
    def check_digit(self) -> int:
        """The 1-3-7 check digit (the last character)."""
        return ord(self.compact[7]) - 48

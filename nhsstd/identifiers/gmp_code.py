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

from nhsstd.identifiers import _common, _prefixed_137

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
LENGTH = _prefixed_137.LENGTH


def compact(code: str) -> str:
    """Normalise *code* without validating it: strip ASCII whitespace, upper-case ASCII letters.

    >>> compact("\\tg1234569 ")
    'G1234569'
    """
    return _common.compact_upper(code, KIND)


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
    return _prefixed_137.validate_compact(compact(code), KIND, PREFIX)


def is_valid(code: str) -> bool:
    """True if *code* is a valid GMP code; never raises."""
    return _common.passes(validate, code)


def format(code: str) -> str:
    """Return *code* in its display form (the compact code).

    Like python-stdnum's ``format``, this reformats without validating: the
    value is normalised by :func:`compact` and laid out, whether or not it is a
    valid code; check it with :func:`validate` or :func:`is_valid`.

    >>> format("g5555550")
    'G5555550'
    """
    return _format_compact(compact(code))


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
    return _prefixed_137.build(din, KIND, PREFIX)


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

    _validate = staticmethod(validate)
    _format_compact = staticmethod(_format_compact)

    @property
    def din(self) -> str:
        """The six-digit Doctor Index Number (characters 2-7)."""
        return self.compact[1:7]

    @property
    def check_digit(self) -> int:
        """The 1-3-7 check digit (the last character)."""
        return ord(self.compact[7]) - 48

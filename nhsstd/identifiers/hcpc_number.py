"""Health and Care Professions Council (HCPC) registration numbers.

An HCPC registration number is the registrant's profession code followed by
up to six digits, for example ``PH123456`` or ``PYL123456``.  There are 15
profession codes (see :class:`Profession`); three of them have three letters,
so the "two letters + six digits" shape quoted in some FHIR guides is wrong
for ``HAD``, ``ODP`` and ``PYL``.  No check digit is known.

Rule: after normalisation,
``^(AS|BS|CH|CS|DT|HAD|ODP|OR|OT|PA|PH|PO|PYL|RA|SL)[0-9]{1,6}$``.  Checks run
in this order: ``empty``, ``invalid_character`` (anything but ASCII letters
and digits), ``length`` (more than nine characters), ``format`` (not letters
followed by digits), ``invalid_prefix`` (letters that are not a current
profession code -- including ``SW``: social workers in England left the HCPC
register in 2019), ``length`` (no digits, or more than six).

Prescribing form: NHS prescription systems need 8-character prescriber codes
and insert zeros after the letters (``PH095159``), so ``PH95159`` and
``PH095159`` may be the same registrant.  The compact form keeps the digits
as written (both are valid and they are *not* equal as values);
:attr:`HCPCNumber.prescribing_form` gives the 8-character form and
:attr:`HCPCNumber.registrant_key` a key that is the same for both.

Normalisation: surrounding ASCII whitespace is stripped and ASCII letters
upper-cased.  Inner whitespace is not removed.

Sources:

* Format: https://prod.hcpc-uk.org/check-the-register/how-to-check
* Profession codes: https://www.hcpc-uk.co.uk/resources/data/2025/registrant-snapshot-january-2025
* Prescribing form: https://nw-gmsa.github.io/R4/StructureDefinition-PractitionerIdentifier.html
* FHIR system: UK NamingSystems index,
  https://simplifier.net/guide/UKNamingSystems/Home/Identifiersystems/IndexofIdentifierNamingsystems?version=current

>>> validate(" odp12345 ")
'ODP12345'
>>> number = HCPCNumber.parse("PH95159")
>>> number.profession.label, number.prescribing_form
('Physiotherapist', 'PH095159')
>>> is_valid("SW123456")
False
"""

from __future__ import annotations

import enum
import re

import attrs

from nhsstd.exceptions import InvalidComponent, InvalidFormat, InvalidLength, Reason
from nhsstd.identifiers import _common

__all__ = [
    "FHIR_SYSTEM",
    "HCPCNumber",
    "Profession",
    "compact",
    "format",
    "is_valid",
    "prescribing_form",
    "validate",
]

KIND = "hcpc_number"

#: FHIR ``Identifier.system`` for HCPC registration numbers.
FHIR_SYSTEM = "https://fhir.hl7.org.uk/Id/hcpc-number"

MAX_DIGITS = 6
#: Length of the prescribing form.
PRESCRIBING_LENGTH = 8


class Profession(str, enum.Enum):
    """The 15 HCPC profession codes (the value is the code)."""

    ARTS_THERAPIST = "AS"
    BIOMEDICAL_SCIENTIST = "BS"
    CHIROPODIST_PODIATRIST = "CH"
    CLINICAL_SCIENTIST = "CS"
    DIETITIAN = "DT"
    HEARING_AID_DISPENSER = "HAD"
    OPERATING_DEPARTMENT_PRACTITIONER = "ODP"
    ORTHOPTIST = "OR"
    OCCUPATIONAL_THERAPIST = "OT"
    PARAMEDIC = "PA"
    PHYSIOTHERAPIST = "PH"
    PROSTHETIST_ORTHOTIST = "PO"
    PRACTITIONER_PSYCHOLOGIST = "PYL"
    RADIOGRAPHER = "RA"
    SPEECH_AND_LANGUAGE_THERAPIST = "SL"

    @property
    def label(self) -> str:
        """The profession's name, for people.

        >>> Profession("PYL").label
        'Practitioner psychologist'
        """
        return _LABELS[self]


_LABELS: dict[Profession, str] = {
    Profession.ARTS_THERAPIST: "Arts therapist",
    Profession.BIOMEDICAL_SCIENTIST: "Biomedical scientist",
    Profession.CHIROPODIST_PODIATRIST: "Chiropodist / podiatrist",
    Profession.CLINICAL_SCIENTIST: "Clinical scientist",
    Profession.DIETITIAN: "Dietitian",
    Profession.HEARING_AID_DISPENSER: "Hearing aid dispenser",
    Profession.OPERATING_DEPARTMENT_PRACTITIONER: "Operating department practitioner",
    Profession.ORTHOPTIST: "Orthoptist",
    Profession.OCCUPATIONAL_THERAPIST: "Occupational therapist",
    Profession.PARAMEDIC: "Paramedic",
    Profession.PHYSIOTHERAPIST: "Physiotherapist",
    Profession.PROSTHETIST_ORTHOTIST: "Prosthetist / orthotist",
    Profession.PRACTITIONER_PSYCHOLOGIST: "Practitioner psychologist",
    Profession.RADIOGRAPHER: "Radiographer",
    Profession.SPEECH_AND_LANGUAGE_THERAPIST: "Speech and language therapist",
}

_PROFESSIONS: dict[str, Profession] = {profession.value: profession for profession in Profession}
_MAX_LENGTH = max(len(code) for code in _PROFESSIONS) + MAX_DIGITS
_SHAPE = re.compile(r"([A-Z]+)([0-9]*)")


def compact(number: str) -> str:
    """Normalise *number* without validating it: strip ASCII whitespace, upper-case ASCII letters.

    >>> compact(" ph095159 ")
    'PH095159'
    """
    return _common.compact_upper(number, KIND)


def _split(number: str) -> tuple[Profession, str]:
    """Validate an upper-cased candidate; return its profession and digits."""
    _common.check_alnum(number, KIND)
    if len(number) > _MAX_LENGTH:
        _common.fail(
            InvalidLength,
            Reason.LENGTH,
            KIND,
            f"expected at most {_MAX_LENGTH} characters, got {len(number)}",
        )
    match = _SHAPE.fullmatch(number)
    if match is None:
        _common.fail(InvalidFormat, Reason.FORMAT, KIND, "expected a profession code followed by digits")
    letters, digits = match.groups()
    profession = _PROFESSIONS.get(letters)
    if profession is None:
        _common.fail(InvalidComponent, Reason.INVALID_PREFIX, KIND, "not a current HCPC profession code")
    if not 1 <= len(digits) <= MAX_DIGITS:
        _common.fail(
            InvalidLength,
            Reason.LENGTH,
            KIND,
            f"expected 1 to {MAX_DIGITS} digits after the profession code, got {len(digits)}",
        )
    return profession, digits


def validate(number: str) -> str:
    """Return the compact form of *number* or raise a :class:`~nhsstd.exceptions.ValidationError`.

    >>> validate("SW123456")
    Traceback (most recent call last):
        ...
    nhsstd.exceptions.InvalidComponent: HCPC number: not a current HCPC profession code
    """
    normalised = compact(number)
    _split(normalised)
    return normalised


def is_valid(number: str) -> bool:
    """True if *number* is a well-formed HCPC number; never raises."""
    return _common.passes(validate, number)


def format(number: str) -> str:
    """Return *number* in its display form (the compact form, digits as written).

    Like python-stdnum's ``format``, this reformats without validating: the
    value is normalised by :func:`compact` and laid out, whether or not it is a
    valid number; check it with :func:`validate` or :func:`is_valid`.

    >>> format("ph95159")
    'PH95159'
    """
    return _format_compact(compact(number))


def _format_compact(number: str) -> str:
    return number


def _prescribing_form(profession: Profession, digits: str) -> str | None:
    width = PRESCRIBING_LENGTH - len(profession.value)
    significant = digits.lstrip("0") or "0"
    if len(significant) > width:
        return None
    return profession.value + significant.rjust(width, "0")


def prescribing_form(number: str) -> str | None:
    """The 8-character prescribing form of *number* (validated first).

    Zeros go between the profession code and the digits.  A three-letter code
    followed by six significant digits has no 8-character form: ``None``.

    >>> prescribing_form("CH29821"), prescribing_form("PH095159"), prescribing_form("PYL123456")
    ('CH029821', 'PH095159', None)
    """
    return _prescribing_form(*_split(validate(number)))


@attrs.frozen(repr=False)
class HCPCNumber(_common.Identifier):
    """An HCPC registration number: frozen, hashable, compared on its compact form.

    >>> a, b = HCPCNumber.parse("PH95159"), HCPCNumber.parse("PH095159")
    >>> a == b, a.registrant_key == b.registrant_key
    (False, True)
    """

    kind = KIND
    fhir_system = FHIR_SYSTEM
    personal = False

    _validate = staticmethod(validate)
    _format_compact = staticmethod(_format_compact)

    @property
    def profession(self) -> Profession:
        """The profession code."""
        return _split(self.compact)[0]

    @property
    def digits(self) -> str:
        """The digits after the profession code, as written."""
        return _split(self.compact)[1]

    @property
    def number(self) -> int:
        """The registration number as an integer (zero fill ignored)."""
        return int(self.digits)

    @property
    def registrant_key(self) -> tuple[Profession, int]:
        """``(profession, number)``: equal for the written and prescribing forms."""
        profession, digits = _split(self.compact)
        return profession, int(digits)

    @property
    def prescribing_form(self) -> str | None:
        """The 8-character prescribing form, or ``None`` where none exists
        (see :func:`prescribing_form`)."""
        return _prescribing_form(*_split(self.compact))

"""Health and Care Number (Northern Ireland).

The Health and Care (H&C) Number identifies a patient within Health and Social
Care in Northern Ireland.  It has the same format as the NHS Number -- ten
ASCII digits, the tenth a Modulus 11 check digit (weights 10..2, 11 -> 0,
10 -> never issued), displayed in 3-3-4 groups -- and is taken from the block
reserved for Northern Ireland: first nine digits 320 000 001 to 399 999 999.
Unlike the NHS Number, that range is part of the definition, so it is part of
validity here: the lowest valid number is ``320 000 0015`` and the highest
``399 999 9993``.

Normalisation (the patient-number policy): surrounding ASCII whitespace is
stripped and every ASCII space and hyphen-minus removed; any other character
(NBSP, en dash, full stop, non-ASCII digits) is rejected.

FHIR: no official ``Identifier.system`` has been published, so
:attr:`HCNumber.fhir_system` is ``None``.  The two systems seen in use are
listed in :data:`KNOWN_FHIR_SYSTEMS`; neither is canonical, so choose the one
your exchange partner expects.

Sources:

* NHS Data Dictionary, HEALTH AND CARE NUMBER:
  https://archive.datadictionary.nhs.uk/DD%20Release%20August%202024/attributes/health_and_care_number.html
* FHIR systems in use: http://dev.patientsknowbest.com/home/fhir-api/identifier-systems ;
  https://openhealthhub.org/t/interoperability-standards-scotland-and-northern-ireland/2905
* HL7 v2 assigning authority ``HSNI``:
  https://interop-nwengland.github.io/LTW-Genomics/StructureDefinition-NHSNumber.html

>>> validate("346 295 0622")
'3462950622'
>>> format("3588061231")
'358 806 1231'
>>> validate("9990215189")
Traceback (most recent call last):
    ...
nhsstd.exceptions.InvalidComponent: H&C Number: outside the Northern Ireland number range
>>> HCNumber.parse("3462950622")
HCNumber('*** *** 0622')
"""

from __future__ import annotations

import random as _random

import attrs

from nhsstd.exceptions import InvalidComponent, Reason
from nhsstd.identifiers import _checksums, _common, nhs_number

__all__ = [
    "FIRST_NINE_HIGH",
    "FIRST_NINE_LOW",
    "HL7V2_ASSIGNING_AUTHORITY",
    "KNOWN_FHIR_SYSTEMS",
    "HCNumber",
    "compact",
    "format",
    "generate",
    "is_valid",
    "validate",
]

KIND = "hc_number"

#: FHIR ``Identifier.system`` URIs seen in use for H&C Numbers.  Neither is
#: official or canonical: ``https://fhir.nhs.uk/Id/hsc-number`` is a
#: provisional URI proposed on openhealthhub.org, and the ``urn:uuid:`` one is
#: used by Patients Know Best (sources in the module docstring).
KNOWN_FHIR_SYSTEMS: tuple[str, ...] = (
    "https://fhir.nhs.uk/Id/hsc-number",
    "urn:uuid:1479257a-ce8f-482a-89fa-429ac066c158",
)
#: HL7 v2 CX.4 assigning authority used for H&C Numbers.
HL7V2_ASSIGNING_AUTHORITY = "HSNI"

#: Lowest first-nine-digit value of the Northern Ireland block (inclusive).
FIRST_NINE_LOW = 320_000_001
#: Highest first-nine-digit value of the Northern Ireland block (inclusive).
FIRST_NINE_HIGH = 399_999_999


def compact(number: str) -> str:
    """Normalise *number* without validating it.

    Strips surrounding ASCII whitespace and removes every ASCII space and
    hyphen-minus; nothing else is changed.

    >>> compact(" 346-295 0622 ")
    '3462950622'
    """
    return _common.compact_patient_number(number, KIND)


def _validate_compact(number: str) -> str:
    nhs_number.validate_compact(number, kind=KIND)
    if not FIRST_NINE_LOW <= int(number[:9]) <= FIRST_NINE_HIGH:
        _common.fail(
            InvalidComponent,
            Reason.OUT_OF_RANGE,
            KIND,
            "outside the Northern Ireland number range",
        )
    return number


def validate(number: str) -> str:
    """Return the compact form of *number* or raise a :class:`~nhsstd.exceptions.ValidationError`.

    Format and check digit are checked first (reasons ``empty``,
    ``invalid_character``, ``length``, ``checksum``, ``check_digit_ten``),
    then the range (``out_of_range``, :class:`~nhsstd.exceptions.InvalidComponent`).

    >>> validate("3200000015")
    '3200000015'
    >>> validate("3200000007")
    Traceback (most recent call last):
        ...
    nhsstd.exceptions.InvalidComponent: H&C Number: outside the Northern Ireland number range
    """
    return _validate_compact(compact(number))


def is_valid(number: str) -> bool:
    """True if *number* is a valid H&C Number under the normalisation policy.

    Never raises, whatever the input.

    >>> is_valid("399 999 9993")
    True
    >>> is_valid("4000000632")
    False
    """
    return _common.passes(validate, number)


def format(number: str) -> str:
    """Return *number* in 3-3-4 display form.

    Like python-stdnum's ``format``, this reformats without validating: the
    value is normalised by :func:`compact` and laid out, whether or not it is a
    valid number; check it with :func:`validate` or :func:`is_valid`.

    >>> format("3462950622")
    '346 295 0622'
    """
    return _format_compact(compact(number))


def _format_compact(number: str) -> str:
    return f"{number[:3]} {number[3:6]} {number[6:]}"


def generate(rng: _random.Random | None = None) -> str:
    """A random valid H&C Number (compact form).

    Numbers are drawn from the whole Northern Ireland block, so they may be
    real patients' numbers: use them for testing validation code, not as
    published fixtures.  Give *rng* for reproducible output.

    >>> import random
    >>> is_valid(generate(random.Random(7)))
    True
    """
    rng = rng or _random.Random()
    return _checksums.random_mod11_number(rng, FIRST_NINE_LOW, FIRST_NINE_HIGH)


@attrs.frozen(repr=False)
class HCNumber(_common.Identifier):
    """A Northern Ireland Health and Care Number: frozen, hashable, compared on its compact form.

    ``fhir_system`` is ``None`` (no official system; see
    :data:`KNOWN_FHIR_SYSTEMS`).

    >>> number = HCNumber.parse("358-806-1231")
    >>> number.compact, number.formatted, str(number)
    ('3588061231', '358 806 1231', '358 806 1231')
    >>> number == HCNumber("3588061231"), HCNumber.fhir_system is None
    (True, True)
    """

    kind = KIND
    fhir_system = None
    personal = True

    _validate = staticmethod(validate)
    _format_compact = staticmethod(_format_compact)

"""CHI Number (Community Health Index, Scotland).

The Community Health Index number identifies a patient within NHS Scotland.
It is ten ASCII digits:

* digits 1-6: the person's birth date as ``DDMMYY``, as recorded when the
  number was allocated -- it must be a real calendar date;
* digits 7-8: serial digits;
* digit 9: its parity records the sex at registration (see
  :func:`sex_at_registration_parity`);
* digit 10: a check digit.

Date rule: 1 <= MM <= 12 and 1 <= DD <= days in that month, with February
having 29 days exactly when ``YY mod 4 == 0`` (so ``00`` counts as a leap
year, as it did in 2000).  The number does not encode a century, so this
module never invents one: :func:`embedded_date` gives the day, the month and
the two-digit year only.

Check digit: historically Modulus 11, exactly as for the NHS Number (weights
10..2 on the first nine digits, 11 -> 0, 10 -> never issued).  Once the
Modulus 11 numbers for a birth date run out, CHI numbers are issued with a
Modulus 10 check digit instead (Luhn on the first nine digits: digits 1, 3, 5,
7 and 9 doubled).  By default a number is therefore valid when *either*
algorithm matches (``check_digit="mod11_or_mod10"``); pass
``check_digit="mod11"`` for the legacy Modulus-11-only rule.  Any other value
of ``check_digit`` is a programming error and raises :class:`TypeError` (it is
outside the :data:`CheckDigitMode` ``Literal`` type, so a type checker reports
it too); it is deliberately not a :class:`ValueError`, so that :func:`is_valid`
does not hide the mistake by returning ``False``.

Normalisation (the patient-number policy): surrounding ASCII whitespace is
stripped and every ASCII space and hyphen-minus removed; any other character
(NBSP, en dash, full stop, non-ASCII digits) is rejected.  The display form is
the ten digits unseparated: no national grouping for CHI numbers is published.

Sources:

* NHS Data Dictionary, COMMUNITY HEALTH INDEX NUMBER:
  https://www.datadictionary.nhs.uk/attributes/community_health_index_number.html
* Public Health Scotland, phsmethods ``R/chi_check.R`` and
  ``tests/testthat/test-chi_check.R`` (date rule, Modulus 11 and Modulus 10);
  Modulus 10 decision: https://github.com/Public-Health-Scotland/phsmethods/issues/147
  and https://github.com/Public-Health-Scotland/phsmethods/pull/149
* FHIR system and HL7 v2 assigning authority:
  https://nw-gmsa.github.io/StructureDefinition-NHSNumber.html ;
  http://dev.patientsknowbest.com/home/fhir-api/identifier-systems ;
  https://openhealthhub.org/t/interoperability-standards-scotland-and-northern-ireland/2905

>>> validate("190485 1231")
'1904851231'
>>> check_digit_algorithm("0101201234")
'mod10'
>>> is_valid("0101201234", check_digit="mod11")
False
>>> validate("3201201234")
Traceback (most recent call last):
    ...
nhsstd.exceptions.InvalidComponent: CHI Number: the first six digits are not a real DDMMYY date
>>> embedded_date("1904851231")
EmbeddedDate(day=19, month=4, two_digit_year=85)
>>> CHINumber.parse("2210741505")
CHINumber('*** *** 1505')
"""

from __future__ import annotations

import enum
from typing import Literal, NamedTuple, TypeVar, get_args

import attrs

from nhsstd.exceptions import InvalidChecksum, InvalidComponent, Reason
from nhsstd.identifiers import _checksums, _common

__all__ = [
    "FHIR_SYSTEM",
    "HL7V2_ASSIGNING_AUTHORITY",
    "OID",
    "CHINumber",
    "CheckDigitAlgorithm",
    "CheckDigitMode",
    "EmbeddedDate",
    "Parity",
    "check_digit_algorithm",
    "compact",
    "embedded_date",
    "format",
    "is_valid",
    "sex_at_registration_parity",
    "validate",
]

KIND = "chi_number"

#: HL7 OID of the CHI Number namespace.
OID = "2.16.840.1.113883.2.1.3.2.4.16.53"
#: FHIR ``Identifier.system`` in use for CHI Numbers (not in the UK
#: NamingSystems index; the OID as a URN, as used by the sources above).
FHIR_SYSTEM = f"urn:oid:{OID}"
#: HL7 v2 CX.4 assigning authority used for CHI Numbers.
HL7V2_ASSIGNING_AUTHORITY = "CHI"

#: Which check-digit rule(s) to accept.
CheckDigitMode = Literal["mod11_or_mod10", "mod11"]
#: The check-digit algorithm a valid number satisfies.
CheckDigitAlgorithm = Literal["mod11", "mod10"]

_MODES: frozenset[str] = frozenset(get_args(CheckDigitMode))

# Days per month, February with its leap-year length (adjusted below).
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


class Parity(str, enum.Enum):
    """Parity of the ninth digit of a CHI Number.

    Deliberately *not* a sex or gender label: see
    :func:`sex_at_registration_parity`.
    """

    ODD = "odd"
    EVEN = "even"

    def __str__(self) -> str:
        return self.value


class EmbeddedDate(NamedTuple):
    """The ``DDMMYY`` date at the start of a CHI Number, without a century."""

    day: int
    month: int
    #: ``YY`` as written (0-99); the century is not part of the number.
    two_digit_year: int


def _check_mode(mode: object) -> None:
    if not isinstance(mode, str) or mode not in _MODES:
        raise TypeError("check_digit must be 'mod11_or_mod10' or 'mod11'")


def _is_real_date(day: int, month: int, two_digit_year: int) -> bool:
    if not 1 <= month <= 12 or day < 1:
        return False
    if month == 2 and two_digit_year % 4 != 0:
        return day <= 28
    return day <= _DAYS_IN_MONTH[month - 1]


def _matching_algorithm(number: str, mode: str) -> CheckDigitAlgorithm | None:
    """Which algorithm the ten-digit *number* satisfies (Modulus 11 first)."""
    if _checksums.mod11_is_valid(number):
        return "mod11"
    if mode == "mod11_or_mod10" and _checksums.luhn_check_digit(number[:9]) == ord(number[9]) - 48:
        return "mod10"
    return None


def compact(number: str) -> str:
    """Normalise *number* without validating it.

    Strips surrounding ASCII whitespace and removes every ASCII space and
    hyphen-minus; nothing else is changed (a lost leading zero is not
    restored).

    >>> compact(" 010120-1234 ")
    '0101201234'
    """
    return _common.compact_patient_number(number, KIND)


def _validate_compact(number: str, mode: str) -> CheckDigitAlgorithm:
    _common.check_digit_string(number, 10, KIND)
    if not _is_real_date(int(number[0:2]), int(number[2:4]), int(number[4:6])):
        _common.fail(
            InvalidComponent, Reason.INVALID_DATE, KIND, "the first six digits are not a real DDMMYY date"
        )
    algorithm = _matching_algorithm(number, mode)
    if algorithm is not None:
        return algorithm
    if mode == "mod11":
        if _checksums.mod11_check_digit(number[:9]) is None:
            _common.fail(
                InvalidChecksum,
                Reason.CHECK_DIGIT_TEN,
                KIND,
                "Modulus 11 check digit would be 10 (never issued under the Modulus 11 rule)",
            )
        _common.fail(InvalidChecksum, Reason.CHECKSUM, KIND, "check digit does not match Modulus 11")
    _common.fail(
        InvalidChecksum, Reason.CHECKSUM, KIND, "check digit matches neither Modulus 11 nor Modulus 10"
    )


def validate(number: str, *, check_digit: CheckDigitMode = "mod11_or_mod10") -> str:
    """Return the compact form of *number* or raise a :class:`~nhsstd.exceptions.ValidationError`.

    Reasons: ``empty``, ``invalid_character``, ``length`` (format);
    ``invalid_date`` (:class:`~nhsstd.exceptions.InvalidComponent`);
    ``checksum`` -- and, in ``"mod11"`` mode only, ``check_digit_ten`` for a
    payload whose Modulus 11 check would be 10 (in the default mode such a
    payload can still be valid through Modulus 10, so the reason there is
    ``checksum``).

    >>> validate("2902201230")
    '2902201230'
    >>> validate("0101201234", check_digit="mod11")
    Traceback (most recent call last):
        ...
    nhsstd.exceptions.InvalidChecksum: CHI Number: check digit does not match Modulus 11
    """
    _check_mode(check_digit)
    number = compact(number)
    _validate_compact(number, check_digit)
    return number


def is_valid(number: str, *, check_digit: CheckDigitMode = "mod11_or_mod10") -> bool:
    """True if *number* is a valid CHI Number under the normalisation policy.

    Never raises for any *number*; an unknown *check_digit* mode raises
    :class:`TypeError`.

    >>> is_valid("1904851231")
    True
    >>> is_valid("2902191230")
    False
    """
    _check_mode(check_digit)
    return _common.passes(lambda value: validate(value, check_digit=check_digit), number)


def check_digit_algorithm(
    number: str, *, check_digit: CheckDigitMode = "mod11_or_mod10"
) -> CheckDigitAlgorithm:
    """Validate *number* and say which check-digit algorithm it satisfies.

    ``"mod11"`` is reported when both match (a number valid under the legacy
    rule stays a Modulus 11 number).

    >>> check_digit_algorithm("1904851231")
    'mod11'
    >>> check_digit_algorithm("0101201234")
    'mod10'
    """
    _check_mode(check_digit)
    return _validate_compact(compact(number), check_digit)


def format(number: str) -> str:
    """Return *number* in its display form (the ten digits, unseparated).

    Like python-stdnum's ``format``, this reformats without validating: the
    value is normalised by :func:`compact` and laid out, whether or not it is a
    valid number; check it with :func:`validate` or :func:`is_valid`.

    >>> format("221074 1505")
    '2210741505'
    """
    return _format_compact(compact(number))


def _format_compact(number: str) -> str:
    return number


def _date_of(number: str) -> EmbeddedDate:
    return EmbeddedDate(int(number[0:2]), int(number[2:4]), int(number[4:6]))


def _parity_of(number: str) -> Parity:
    return Parity.ODD if (ord(number[8]) - 48) % 2 else Parity.EVEN


def embedded_date(number: str, *, check_digit: CheckDigitMode = "mod11_or_mod10") -> EmbeddedDate:
    """Validate *number* and return its ``DDMMYY`` date as integers.

    This is the birth date recorded when the number was allocated.  The
    century is not part of a CHI Number and is not guessed: resolve it from
    a full date of birth held elsewhere if you need one.

    >>> embedded_date("2902201230")
    EmbeddedDate(day=29, month=2, two_digit_year=20)
    """
    return _date_of(validate(number, check_digit=check_digit))


def sex_at_registration_parity(number: str, *, check_digit: CheckDigitMode = "mod11_or_mod10") -> Parity:
    """Validate *number* and return the parity of its ninth digit.

    The Data Dictionary defines the ninth digit as even for females and odd
    for males.  It is fixed when the number is allocated and records the sex
    registered then: it is not gender identity, it is not updated when a
    person's recorded sex or gender changes, and it is not FHIR
    ``Patient.gender`` (administrative gender).  This function therefore
    returns only the parity; mapping it to any label is left to callers who
    know that context.

    >>> sex_at_registration_parity("1904851231")
    <Parity.ODD: 'odd'>
    >>> str(sex_at_registration_parity("2210741505"))
    'even'
    """
    return _parity_of(validate(number, check_digit=check_digit))


_CHINumberT = TypeVar("_CHINumberT", bound="CHINumber")


@attrs.frozen(repr=False)
class CHINumber(_common.Identifier):
    """A CHI Number: frozen, hashable, compared on its compact form.

    Constructing one directly (``CHINumber("...")``) applies the default
    ``"mod11_or_mod10"`` rule; use :meth:`parse` with ``check_digit="mod11"``
    for the legacy rule.

    >>> number = CHINumber.parse("190485-1231")
    >>> number.compact, number.formatted, number.check_digit_algorithm
    ('1904851231', '1904851231', 'mod11')
    >>> number.embedded_date.month, number.sex_at_registration_parity.value
    (4, 'odd')
    >>> number == CHINumber("1904851231")
    True
    """

    kind = KIND
    fhir_system = FHIR_SYSTEM
    personal = True

    _validate = staticmethod(validate)
    _format_compact = staticmethod(_format_compact)

    @classmethod
    def parse(
        cls: type[_CHINumberT], value: str, *, check_digit: CheckDigitMode = "mod11_or_mod10"
    ) -> _CHINumberT:
        """Validate *value* (see :func:`validate`) and wrap it.

        >>> CHINumber.parse("0101201234", check_digit="mod11")
        Traceback (most recent call last):
            ...
        nhsstd.exceptions.InvalidChecksum: CHI Number: check digit does not match Modulus 11
        """
        return cls._from_valid(validate(value, check_digit=check_digit))

    @property
    def check_digit_algorithm(self) -> CheckDigitAlgorithm:
        """``"mod11"`` or ``"mod10"`` (Modulus 11 when both match)."""
        algorithm = _matching_algorithm(self.compact, "mod11_or_mod10")
        assert algorithm is not None  # guaranteed by the compact validator
        return algorithm

    @property
    def embedded_date(self) -> EmbeddedDate:
        """Day, month and two-digit year (see :func:`embedded_date`)."""
        return _date_of(self.compact)

    @property
    def sex_at_registration_parity(self) -> Parity:
        """Parity of the ninth digit (see :func:`sex_at_registration_parity`)."""
        return _parity_of(self.compact)

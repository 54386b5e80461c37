"""NHS Number (England, Wales and the Isle of Man).

The primary identifier of a person in the NHS in England and Wales (ISB 0149):
ten ASCII digits, the tenth a Modulus 11 check digit, displayed in 3-3-4 groups.

Check digit (NHS Data Dictionary, NHS NUMBER): multiply digits 1-9 by the
weights 10..2, sum, take the remainder modulo 11 and subtract it from 11.
A result of 11 gives check digit 0; a result of 10 means the number is never
issued, whatever its tenth digit.

Validity is format + Modulus 11 only, as in the Data Dictionary.  Which block
issued a number is a separate question, answered by :func:`issuing_block`; it
is not part of validity (so repdigits such as ``4444444444`` are valid).

Normalisation: surrounding ASCII whitespace is stripped and every ASCII space
and hyphen-minus removed; any other character (NBSP, en dash, full stop,
non-ASCII digits) is rejected.

Sources:

* NHS Data Dictionary, NHS NUMBER:
  https://archive.datadictionary.nhs.uk/DD%20Release%20August%202021/attributes/nhs_number.html
* Number ranges: uk-fci/nhs-number ``nhs_number/constants.py``; NHS number
  article, https://en.wikipedia.org/wiki/NHS_number; test range 999: NW GMSA
  NHSNumber profile, https://nw-gmsa.github.io/StructureDefinition-NHSNumber.html
* FHIR system: UK NamingSystems index (``https://fhir.nhs.uk/Id/nhs-number``).

>>> validate("943 476 5919")
'9434765919'
>>> format("9434765919")
'943 476 5919'
>>> is_valid("943 476 5918")
False
>>> issuing_block("9434765919")
<IssuingBlock.NOT_ISSUED_TEST_9XX: 'not_issued_test_9xx'>
>>> NHSNumber.parse("987-654-3210")
NHSNumber('*** *** 3210')
>>> str(NHSNumber.parse("9876543210"))
'987 654 3210'
"""

from __future__ import annotations

import enum
import random as _random
from typing import NoReturn

import attrs

from nhsstd.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, Reason
from nhsstd.identifiers import _checksums, _common

__all__ = [
    "FHIR_SYSTEM",
    "HL7V2_ASSIGNING_AUTHORITY",
    "OID",
    "IssuingBlock",
    "NHSNumber",
    "compact",
    "format",
    "from_int",
    "generate",
    "is_test_number",
    "is_valid",
    "issuing_block",
    "validate",
]

KIND = "nhs_number"

#: FHIR ``Identifier.system`` for the NHS Number.
FHIR_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
#: HL7 OID of the NHS Number namespace.
OID = "2.16.840.1.113883.2.1.4.1"
#: HL7 v2 CX.4 assigning authority used for NHS Numbers.
HL7V2_ASSIGNING_AUTHORITY = "NHS"


class IssuingBlock(str, enum.Enum):
    """The block of the shared numbering scheme a number falls in.

    Boundaries are on the first nine digits (``research/identifiers.md``,
    section 2).  First-nine values not covered by a published block --
    ``000000000``, ``010000000``-``010099999``, and ``320000000`` (just below
    the Northern Ireland range, which starts at ``320000001``) -- are reported
    as :attr:`UNRESERVED`.
    """

    UNRESERVED = "unreserved"
    SCOTLAND_CHI = "scotland_chi"
    NORTHERN_IRELAND = "northern_ireland"
    ENGLAND_WALES_IOM = "england_wales_iom"
    NOT_ISSUED_5XX = "not_issued_5xx"
    REPUBLIC_OF_IRELAND_IHI = "republic_of_ireland_ihi"
    UNALLOCATED = "unallocated"
    NOT_ISSUED_TEST_9XX = "not_issued_test_9xx"


# (first nine digits lower bound inclusive, upper bound inclusive, block)
_BLOCKS: tuple[tuple[int, int, IssuingBlock], ...] = (
    (0, 10_099_999, IssuingBlock.UNRESERVED),
    (10_100_000, 311_299_999, IssuingBlock.SCOTLAND_CHI),
    (311_300_000, 320_000_000, IssuingBlock.UNRESERVED),
    (320_000_001, 399_999_999, IssuingBlock.NORTHERN_IRELAND),
    (400_000_000, 499_999_999, IssuingBlock.ENGLAND_WALES_IOM),
    (500_000_000, 599_999_999, IssuingBlock.NOT_ISSUED_5XX),
    (600_000_000, 799_999_999, IssuingBlock.ENGLAND_WALES_IOM),
    (800_000_000, 859_999_999, IssuingBlock.REPUBLIC_OF_IRELAND_IHI),
    (860_000_000, 899_999_999, IssuingBlock.UNALLOCATED),
    (900_000_000, 999_999_999, IssuingBlock.NOT_ISSUED_TEST_9XX),
)

#: Lowest first-nine value of the designated test range (999 000 000x).
TEST_RANGE_START = 999_000_000


def compact(number: str) -> str:
    """Normalise *number* without validating it.

    Strips surrounding ASCII whitespace and removes every ASCII space and
    hyphen-minus; nothing else is changed.

    >>> compact(" 943-476 5919 ")
    '9434765919'
    """
    return _common.compact_patient_number(number, KIND)


# Enum members as module constants: looking one up on the class costs more than the whole check.
_NOT_A_STRING, _EMPTY, _INVALID_CHARACTER, _LENGTH, _CHECKSUM, _CHECK_DIGIT_TEN = (
    Reason.NOT_A_STRING, Reason.EMPTY, Reason.INVALID_CHARACTER, Reason.LENGTH, Reason.CHECKSUM,
    Reason.CHECK_DIGIT_TEN,
)  # fmt: skip


def _check(number: object) -> str | Reason:
    """The compact form of a valid NHS Number, or the :class:`~nhsstd.exceptions.Reason` it is not one.

    The one statement of the normalisation and the rules (a ``str``; ten ASCII digits once
    stripped of surrounding ASCII whitespace, spaces and hyphens; Modulus 11), in the
    order :func:`validate` reports them.  It never raises, so that :func:`is_valid`
    decides without raising and catching.  Ten ASCII digits are their own compact form,
    so only other text is normalised.
    """
    if number.__class__ is not str or len(number) != 10 or not (number.isdigit() and number.isascii()):
        if not isinstance(number, str):
            return _NOT_A_STRING
        number = _common.patient_number_text(number)
        if len(number) != 10 or not (number.isdigit() and number.isascii()):
            if not number:
                return _EMPTY
            if not (number.isdigit() and number.isascii()):
                return _INVALID_CHARACTER
            return _LENGTH
    # Modulus 11: the check digit is (11 - remainder) mod 11, and a remainder of 1 would need a
    # check digit of 10, which no number has.
    remainder = _checksums.mod11_remainder(number)
    if (remainder + ord(number[9]) - 48) % 11 == 0:
        return number
    return _CHECK_DIGIT_TEN if remainder == 1 else _CHECKSUM


def _fail(reason: Reason, number: object, kind: str) -> NoReturn:
    """Raise the error for the *reason* :func:`_check` gave for *number*."""
    if reason is Reason.NOT_A_STRING:
        _common.require_str(number, kind)  # raises, naming the type
    if reason is Reason.EMPTY:
        _common.fail(InvalidLength, reason, kind, _common.EMPTY_DETAIL)
    if reason is Reason.INVALID_CHARACTER:
        _common.fail(InvalidFormat, reason, kind, _common.DIGITS_DETAIL)
    if reason is Reason.LENGTH:
        got = len(_common.patient_number_text(str(number)))
        _common.fail(InvalidLength, reason, kind, f"expected 10 digits, got {got}")
    if reason is Reason.CHECK_DIGIT_TEN:
        _common.fail(InvalidChecksum, reason, kind, "check digit would be 10 (never issued)")
    _common.fail(InvalidChecksum, reason, kind)


def validate_compact(number: str, kind: str = KIND) -> str:
    """Check a compacted candidate (ten ASCII digits + Modulus 11), with errors naming *kind*.

    Shared with :mod:`nhsstd.identifiers.hc_number`, which adds its range rule.  A compact
    value is its own normal form, so this is :func:`validate` for *kind*.
    """
    result = _check(number)
    if result.__class__ is Reason:
        _fail(result, number, kind)
    return result


def validate(number: str) -> str:
    """Return the compact form of *number* or raise a :class:`~nhsstd.exceptions.ValidationError`.

    >>> validate("9876543210")
    '9876543210'
    >>> validate("1234567890")
    Traceback (most recent call last):
        ...
    nhsstd.exceptions.InvalidChecksum: NHS Number: check digit would be 10 (never issued)
    """
    result = _check(number)
    if result.__class__ is Reason:
        _fail(result, number, KIND)
    return result


def is_valid(number: object) -> bool:
    """True if *number* is a valid NHS Number under the normalisation policy.

    Never raises, whatever the input.  Same verdict as :func:`validate`, from the same
    code, found without raising and catching exceptions (which would dominate the cost
    on invalid input).
    """
    return _check(number).__class__ is not Reason


def format(number: str) -> str:
    """Return *number* in 3-3-4 display form.

    Like python-stdnum's ``format``, this reformats without validating: the
    value is normalised by :func:`compact` and laid out, whether or not it is a
    valid number; check it with :func:`validate` or :func:`is_valid`.

    >>> format("9990212538")
    '999 021 2538'
    """
    return _format_compact(compact(number))


def _format_compact(number: str) -> str:
    return f"{number[:3]} {number[3:6]} {number[6:]}"


def issuing_block(number: str) -> IssuingBlock:
    """Which numbering block issued *number* (validated first).

    >>> issuing_block("4000000632")
    <IssuingBlock.ENGLAND_WALES_IOM: 'england_wales_iom'>
    >>> issuing_block("3462950622")
    <IssuingBlock.NORTHERN_IRELAND: 'northern_ireland'>
    """
    return _block_of(validate(number))


def _block_of(number: str) -> IssuingBlock:
    first_nine = int(number[:9])
    for low, high, block in _BLOCKS:
        if low <= first_nine <= high:
            return block
    raise AssertionError("the block table covers 0..999999999")  # pragma: no cover


def is_test_number(number: str) -> bool:
    """True if *number* is valid and in the designated test range ``999 xxx xxxx``.

    >>> is_test_number("999 021 2007")
    True
    >>> is_test_number("9434765919")
    False
    """
    return int(validate(number)[:9]) >= TEST_RANGE_START


def from_int(value: int) -> str:
    """Validate an integer NHS Number, zero-padding it to ten digits.

    For data that went through a spreadsheet or an integer column.  ``bool``
    is refused, as are negative values and values over ten digits.

    >>> from_int(9876543210)
    '9876543210'
    """
    value = _common.require_int(value, KIND)
    if not 0 <= value <= 9_999_999_999:
        raise InvalidFormat(Reason.LENGTH, kind=KIND, detail="integer out of the ten-digit range")
    return validate_compact(f"{value:010d}")


def generate(rng: _random.Random | None = None, *, test_range: bool = True) -> str:
    """A random valid NHS Number, from the ``999`` test range by default.

    Pass ``test_range=False`` for any valid number (any block), for example to
    exercise code that classifies blocks.  Give *rng* for reproducible output.

    >>> import random
    >>> is_test_number(generate(random.Random(1)))
    True
    """
    rng = rng or _random.Random()
    return _checksums.random_mod11_number(rng, TEST_RANGE_START if test_range else 0, 999_999_999)


@attrs.frozen(repr=False)
class NHSNumber(_common.Identifier):
    """An NHS Number: frozen, hashable, compared on its compact form.

    >>> number = NHSNumber.parse(" 943 476 5919 ")
    >>> number.compact, number.formatted, number.is_test_number
    ('9434765919', '943 476 5919', False)
    >>> number == NHSNumber("9434765919")
    True
    """

    kind = KIND
    fhir_system = FHIR_SYSTEM
    personal = True

    _validate = staticmethod(validate)
    _format_compact = staticmethod(_format_compact)

    @classmethod
    def from_int(cls, value: int) -> NHSNumber:
        """Wrap an integer NHS Number (see :func:`from_int`)."""
        return cls(from_int(value))

    @property
    def issuing_block(self) -> IssuingBlock:
        """The numbering block (see :func:`issuing_block`)."""
        return _block_of(self.compact)

    @property
    def is_test_number(self) -> bool:
        """True for the designated ``999`` test range."""
        return int(self.compact[:9]) >= TEST_RANGE_START

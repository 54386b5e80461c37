"""Typed errors raised by nhsstd.

Every validation error subclasses the matching python-stdnum exception, so code
written against python-stdnum (``except stdnum.exceptions.InvalidChecksum``,
``except ValueError``) keeps working when it switches to nhsstd.

On top of that each error carries:

* :attr:`ValidationError.reason` -- a machine-readable :class:`Reason`
  (a ``str`` enum, so ``error.reason == "checksum"`` works);
* :attr:`ValidationError.kind` -- the identifier kind that was being validated
  (``"nhs_number"``, ``"postcode"`` ...).

Messages are written for people but never contain the value that failed.
Identifiers such as NHS, CHI and H&C numbers are personal data, and error
messages end up in logs, tracebacks and monitoring tools.

>>> from nhsstd.identifiers import nhs_number
>>> try:
...     nhs_number.validate("943 476 5918")
... except ValueError as error:
...     print(error.reason, "|", error)
checksum | NHS Number: check digit does not match
"""

from __future__ import annotations

import enum

import stdnum.exceptions as _stdnum_exceptions

__all__ = [
    "InvalidChecksum",
    "InvalidComponent",
    "InvalidFormat",
    "InvalidLength",
    "NhsStdError",
    "Reason",
    "ValidationError",
]


class Reason(str, enum.Enum):
    """Why a value was rejected: stable, machine-readable codes.

    The values are part of the public API; new members may be added in minor
    releases but existing ones are never renamed.
    """

    #: The value is not a ``str`` (``int``, ``bytes``, ``None``...).
    NOT_A_STRING = "not_a_string"
    #: Nothing left after stripping surrounding whitespace.
    EMPTY = "empty"
    #: A character outside the allowed set (including non-ASCII digits and
    #: separator look-alikes such as NBSP or en dash).
    INVALID_CHARACTER = "invalid_character"
    #: Wrong number of characters after normalisation.
    LENGTH = "length"
    #: Right characters and length but not the required pattern.
    FORMAT = "format"
    #: The check digit does not match the rest of the number.
    CHECKSUM = "checksum"
    #: Modulus 11 gives a check value of 10: no number with this payload is
    #: ever issued.
    CHECK_DIGIT_TEN = "check_digit_ten"
    #: The number is outside the range the standard reserves for this kind.
    OUT_OF_RANGE = "out_of_range"
    #: A date embedded in the number is not a real calendar date.
    INVALID_DATE = "invalid_date"
    #: A SNOMED CT partition identifier that is reserved or unknown.
    INVALID_PARTITION = "invalid_partition"
    #: A leading zero where the standard forbids one.
    LEADING_ZERO = "leading_zero"
    #: A prefix (letter code, profession code...) that the standard does not
    #: define for this kind.
    INVALID_PREFIX = "invalid_prefix"
    #: A letter in a position where the standard never uses it (postcodes).
    LETTER_RULE = "letter_rule"
    #: A coded value that is not a code of the code list (codes are exact:
    #: ``"01"`` is not ``"1"``).
    UNKNOWN_CODE = "unknown_code"
    #: A retired code where only current codes are accepted.
    RETIRED_CODE = "retired_code"
    #: Values that are each valid but contradict each other (a model rule,
    #: such as a death date before the birth date).
    INCONSISTENT = "inconsistent"
    #: An NHS pseudo-postcode (``ZZ99 ...``) where a Royal Mail postcode was
    #: expected; validate it with :mod:`nhsstd.identifiers.nhs_pseudo_postcode`.
    PSEUDO_POSTCODE = "pseudo_postcode"

    def __str__(self) -> str:
        return self.value


class NhsStdError(Exception):
    """Base class of every error that nhsstd raises deliberately."""


class ValidationError(NhsStdError, _stdnum_exceptions.ValidationError):
    """A value failed validation.

    :param reason: the machine-readable :class:`Reason`.
    :param kind: the identifier kind (module name) being validated.
    :param detail: extra human-readable text; it must never contain the
        rejected value itself.
    """

    message = "The value is not valid."

    reason: Reason
    kind: str | None

    def __init__(self, reason: Reason, *, kind: str | None = None, detail: str | None = None) -> None:
        self.reason = reason
        self.kind = kind
        text = detail or self.message
        if kind is not None:
            text = f"{_KIND_LABELS.get(kind, kind)}: {text}"
        super().__init__(text)

    def __reduce__(self) -> tuple[object, ...]:
        # Keep errors picklable (multiprocessing, Spark) without re-running
        # __init__ with a positional message.
        return (_rebuild, (type(self), self.reason, self.kind, str(self)))


class InvalidFormat(ValidationError, _stdnum_exceptions.InvalidFormat):
    """Characters, delimiters or structure are not allowed for this kind."""

    message = "the value has an invalid format"


class InvalidLength(InvalidFormat, _stdnum_exceptions.InvalidLength):
    """The number of characters is wrong for this kind."""

    message = "the value has an invalid length"


class InvalidChecksum(ValidationError, _stdnum_exceptions.InvalidChecksum):
    """The check digit does not match."""

    message = "check digit does not match"


class InvalidComponent(ValidationError, _stdnum_exceptions.InvalidComponent):
    """A part of the value (date, range, partition, prefix) is not valid."""

    message = "a component of the value is not valid"


def _rebuild(cls: type[ValidationError], reason: Reason, kind: str | None, text: str) -> ValidationError:
    error = cls.__new__(cls)
    error.reason = reason
    error.kind = kind
    Exception.__init__(error, text)
    return error


# People-readable names used as the prefix of error messages.  Kept here (not in
# each identifier module) so that an error raised anywhere can be labelled
# without importing the module that owns the kind.
_KIND_LABELS: dict[str, str] = {
    "nhs_number": "NHS Number",
    "chi_number": "CHI Number",
    "hc_number": "H&C Number",
    "sctid": "SNOMED CT identifier",
    "ods_code": "ODS code",
    "gmc_number": "GMC number",
    "consultant_code": "Consultant code",
    "gmp_code": "GMP code",
    "gdp_code": "GDP code",
    "gdc_number": "GDC number",
    "nmc_pin": "NMC PIN",
    "hcpc_number": "HCPC number",
    "gphc_number": "GPhC number",
    "postcode": "Postcode",
    "nhs_pseudo_postcode": "NHS pseudo-postcode",
    "uprn": "UPRN",
}

"""Shared machinery for the identifier modules (private).

Normalisation policy (``research/identifiers.md`` section 1), in one place so
that every kind applies it the same way:

* only ``str`` is accepted by ``compact``/``validate``/``format``;
* leading and trailing ASCII whitespace (space, TAB, LF, CR, FF, VT) is
  stripped -- never Unicode whitespace such as NBSP;
* digits are ASCII ``0``-``9`` only: no NFKC folding of fullwidth, Arabic-Indic
  or mathematical digits;
* 10-digit patient numbers drop every ASCII space and hyphen-minus anywhere;
* alphanumeric codes are upper-cased (ASCII letters only).
"""

from __future__ import annotations

import abc
import re
from collections.abc import Callable
from typing import Any, ClassVar, Final, NoReturn, TypeVar

import attrs

from nhsstd.exceptions import (
    InvalidFormat,
    InvalidLength,
    Reason,
    ValidationError,
)

ASCII_WHITESPACE = " \t\n\r\f\v"

_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def require_str(value: object, kind: str) -> str:
    """Return *value* if it is a ``str``; raise :class:`InvalidFormat` otherwise.

    ``bool``, ``int``, ``float``, ``bytes`` and ``None`` are refused rather than
    converted: a float NHS Number has already lost information (spreadsheet
    damage), and silently ``str()``-ing objects hides bugs.
    """
    if isinstance(value, str):
        return value
    raise InvalidFormat(
        Reason.NOT_A_STRING, kind=kind, detail=f"expected str, got {type(value).__name__}"
    )


def strip(value: str) -> str:
    """Strip leading and trailing ASCII whitespace only."""
    return value.strip(ASCII_WHITESPACE)


def ascii_upper(value: str) -> str:
    """Upper-case ASCII letters only (``str.upper`` would also fold ``ß`` and
    other non-ASCII letters into ASCII look-alikes)."""
    return value.translate(_ASCII_UPPER)


def remove_spaces_and_hyphens(value: str) -> str:
    """Remove every ASCII space and hyphen-minus (patient-number policy)."""
    return value.replace(" ", "").replace("-", "")


def is_ascii_digits(value: str) -> bool:
    """True when *value* is non-empty and made only of ASCII ``0``-``9``."""
    return value.isascii() and value.isdigit()


def is_ascii_alnum(value: str) -> bool:
    """True when *value* is non-empty and made only of ASCII letters and digits."""
    return value.isascii() and value.isalnum()


def compact_stripped(value: object, kind: str) -> str:
    """Compact form of a numeric kind: surrounding ASCII whitespace stripped, nothing else."""
    return strip(require_str(value, kind))


def compact_upper(value: object, kind: str) -> str:
    """Compact form of an alphanumeric code: stripped and ASCII upper-cased."""
    return ascii_upper(strip(require_str(value, kind)))


def patient_number_text(value: str) -> str:
    """The normal form of a 10-digit patient number's text: stripped, ASCII spaces and hyphens removed.

    The normalisation of :func:`compact_patient_number`, for a value already known to be a
    ``str`` (the ``is_valid`` functions, which must not raise).
    """
    return value.strip(ASCII_WHITESPACE).replace(" ", "").replace("-", "")


def compact_patient_number(value: object, kind: str) -> str:
    """Compact form of a 10-digit patient number: stripped, ASCII spaces and hyphens removed."""
    return patient_number_text(require_str(value, kind))


def fail(error: type[ValidationError], reason: Reason, kind: str, detail: str | None = None) -> NoReturn:
    """Raise *error* for *kind*; a helper so call sites stay one line."""
    raise error(reason, kind=kind, detail=detail)


def passes(validate: Callable[[str], object], value: str) -> bool:
    """True if ``validate(value)`` returns; False if it raises ``ValueError``.

    The ``is_valid`` of kinds without a dedicated fast path.  Every error
    nhsstd raises for a bad value (a non-``str`` included) is a ``ValueError``.
    """
    try:
        validate(value)
    except ValueError:
        return False
    return True


def require_int(value: object, kind: str) -> int:
    """Return *value* if it is exactly an ``int`` (not ``bool``); raise :class:`InvalidFormat` otherwise.

    The type check of the ``from_int`` helpers; each kind checks its own range.
    """
    if type(value) is not int:
        fail(InvalidFormat, Reason.NOT_A_STRING, kind, f"expected int, got {type(value).__name__}")
    return value


#: The details of the ``empty`` and (for digit strings) ``invalid_character`` errors.
EMPTY_DETAIL: Final = "the value is empty"
DIGITS_DETAIL: Final = "only the ASCII digits 0-9 are allowed"


def check_digits(value: str, kind: str) -> None:
    """Raise unless *value* is non-empty (``empty``) and all ASCII digits (``invalid_character``)."""
    if not value:
        fail(InvalidLength, Reason.EMPTY, kind, EMPTY_DETAIL)
    if not is_ascii_digits(value):
        fail(InvalidFormat, Reason.INVALID_CHARACTER, kind, DIGITS_DETAIL)


def check_alnum(
    value: str, kind: str, detail: str = "only the ASCII letters A-Z and digits 0-9 are allowed"
) -> None:
    """Raise unless *value* is non-empty (``empty``) and all ASCII letters and digits.

    The ``invalid_character`` error carries *detail* as its message.
    """
    if not value:
        fail(InvalidLength, Reason.EMPTY, kind, EMPTY_DETAIL)
    if not is_ascii_alnum(value):
        fail(InvalidFormat, Reason.INVALID_CHARACTER, kind, detail)


def check_length(value: str, kind: str, low: int, high: int | None = None, noun: str = "characters") -> None:
    """Raise ``length`` unless *value* has *low* (to *high*, when given) characters."""
    if high is None:
        if len(value) != low:
            fail(InvalidLength, Reason.LENGTH, kind, f"expected {low} {noun}, got {len(value)}")
    elif not low <= len(value) <= high:
        fail(InvalidLength, Reason.LENGTH, kind, f"expected {low} to {high} {noun}, got {len(value)}")


def check_digit_string(value: str, length: int, kind: str) -> str:
    """Check that *value* is exactly *length* ASCII digits; return it."""
    check_digits(value, kind)
    check_length(value, kind, length, noun="digits")
    return value


def mask(value: object, *, visible: int = 4) -> str:
    """Mask an identifier for display, keeping only its last *visible* characters.

    Ten-digit patient numbers (NHS, CHI, H&C) in any of their usual written
    forms are shown in 3-3-4 groups; anything else keeps its punctuation and
    has every letter and digit but the last *visible* replaced by ``*``.  Values
    with *visible* or fewer letters and digits are masked completely.  Non-``str``
    values give ``"***"`` rather than an error, so the helper is always safe to
    call from logging code.

    >>> mask("9434765919")
    '*** *** 5919'
    >>> mask("943-476-5919")
    '*** *** 5919'
    >>> mask("C2345678")
    '****5678'
    >>> mask("123")
    '***'
    """
    if not isinstance(value, str):
        return "***"
    if visible < 0:
        raise ValueError("visible must be zero or more")
    compact = remove_spaces_and_hyphens(strip(value))
    if len(compact) == 10 and is_ascii_digits(compact) and visible == 4:
        return "*** *** " + compact[6:]
    alnum_positions = [i for i, char in enumerate(value) if char.isalnum()]
    keep = set(alnum_positions[-visible:]) if 0 < visible < len(alnum_positions) else set()
    return "".join(
        char if (i in keep or not char.isalnum()) else "*" for i, char in enumerate(value)
    )


# Between two digits of a written patient number: any kind of space (NBSP too), a dot, slash,
# underscore, hyphen or dash -- or one of those escaped the way ``repr`` and JSON write it
# (``\xa0``, ``\u202f``), since a repr or an echoed JSON body is where the number is looked for.
_NUMBER_SEPARATOR = r"(?:[\s.\-/_\u2010-\u2015\u2212]|\\x[0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4})"

#: A UUID (RFC 4122: 32 hex digits grouped 8-4-4-4-12), such as an ``X-Request-ID``.
UUID: Final = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")

# A ten-digit patient number (NHS, CHI or H&C) written in text: ten digits of any script (a
# server may echo fullwidth or Arabic-Indic ones) with up to three separators between any two,
# however grouped (3-3-4, 4-3-3, 5-5, 943.476.5919...), so that a form nobody thought of is found
# too; a longer run of digits is left alone.  A digit run next to a letter is still a number
# (``MRN9434765919``); a UUID is matched first and kept, since its digit groups can join into ten.
_PATIENT_NUMBER_OR_UUID: Final = re.compile(
    rf"(?P<uuid>(?<![0-9a-fA-F]){UUID.pattern}(?![0-9a-fA-F]))"
    rf"|(?<!\d)\d(?:{_NUMBER_SEPARATOR}{{0,3}}\d){{9}}(?!\d)"
)


def replace_patient_numbers(text: str, replacement: Callable[[str], str]) -> str:
    """*text* with every patient number in it, however written, replaced by ``replacement(number)``.

    Register error redaction and model reprs both use it, so they agree on what a number is.

    >>> replace_patient_numbers("NHS no 943.476.5919, request 374c2718-fbb6-4123-8567-12f7b3d4e016",
    ...                         lambda number: "[redacted]")
    'NHS no [redacted], request 374c2718-fbb6-4123-8567-12f7b3d4e016'
    """

    def replace(match: re.Match[str]) -> str:
        return match.group() if match.group("uuid") else replacement(match.group())

    return _PATIENT_NUMBER_OR_UUID.sub(replace, text)


_IdentifierT = TypeVar("_IdentifierT", bound="Identifier")


@attrs.frozen(repr=False)
class Identifier(abc.ABC):
    """Base of the identifier value classes (``NHSNumber``, ``ODSCode``...).

    Instances are frozen and slotted, hold the compact (canonical storage)
    form in :attr:`compact`, compare and hash on it, and ``str()`` to the
    display form.  Constructing one directly requires the compact form; use
    :meth:`parse` for user input.
    """

    compact: str = attrs.field()

    #: Module name of the kind, e.g. ``"nhs_number"``.
    kind: ClassVar[str]
    #: FHIR ``Identifier.system`` URI, where the kind has an agreed one.
    fhir_system: ClassVar[str | None] = None
    #: Whether the value identifies a person (masked in ``repr``).
    personal: ClassVar[bool] = False

    @compact.validator
    def _check_compact(self, _attribute: attrs.Attribute[str], value: str) -> None:
        canonical = self._validate(value)
        if canonical != value:
            raise InvalidFormat(
                Reason.FORMAT,
                kind=self.kind,
                detail="not in compact form; use parse() for user input",
            )

    @staticmethod
    @abc.abstractmethod
    def _validate(value: str, /) -> str:
        """The kind's module-level ``validate``."""

    @staticmethod
    @abc.abstractmethod
    def _format_compact(compact: str, /) -> str:
        """Render an already-valid compact value in its display form."""

    @classmethod
    def parse(cls: type[_IdentifierT], value: str) -> _IdentifierT:
        """Validate *value* under the normalisation policy and wrap it."""
        return cls._from_valid(cls._validate(value))

    @classmethod
    def _from_valid(cls: type[_IdentifierT], compact: str) -> _IdentifierT:
        """Wrap what the kind's ``validate`` has just returned, without validating it again.

        Private: the constructor's validator would repeat the whole check, which is
        most of the cost of reading an identifier (FHIR and HL7 v2 readers, columns).
        """
        instance = object.__new__(cls)
        object.__setattr__(instance, "compact", compact)
        return instance

    @property
    def formatted(self) -> str:
        """The display form."""
        return self._format_compact(self.compact)

    def masked(self) -> str:
        """The value with all but its last four characters hidden."""
        return mask(self.formatted)

    def __str__(self) -> str:
        return self.formatted

    def __repr__(self) -> str:
        shown = self.masked() if self.personal else self.formatted
        return f"{type(self).__name__}({shown!r})"


# -- remembered parses -----------------------------------------------------------------------------

#: How many built identifiers each remembering cache (:func:`remembering`) holds; 0 turns them
#: off (the benchmarks compare both).
REMEMBERED = 4096
_REMEMBERING_CACHES: list[dict[str, Any]] = []
_T = TypeVar("_T")


def remembering(build: Callable[[str], _T]) -> Callable[[str], _T]:
    """*build*, remembering what it returned for the last few thousand texts.

    For identifiers that are not personal data only (postcodes, ODS and practitioner codes,
    UPRNs...): the value classes are immutable, so one object can serve every document or
    resource with the same text -- the same practice in a thousand records is not validated a
    thousand times.  Patient numbers (``personal`` kinds) are never to be remembered.  A build
    that raises is not remembered.
    """
    cache: dict[str, _T] = {}
    remembered = cache.get

    def build_remembered(text: str) -> _T:
        value = remembered(text)
        if value is None:
            value = build(text)
            if REMEMBERED:
                if len(cache) >= REMEMBERED:
                    cache.clear()
                cache[text] = value
        return value

    _REMEMBERING_CACHES.append(cache)
    return build_remembered


def forget_remembered() -> None:
    """Empty every :func:`remembering` cache (for tests and benchmarks)."""
    for cache in _REMEMBERING_CACHES:
        cache.clear()

"""SNOMED CT identifiers (SCTID), including dm+d codes.

Every SNOMED CT component -- concept, description, relationship,
postcoordinated expression -- is named by an SCTID.  The NHS Dictionary of
medicines and devices (dm+d) uses SNOMED CT identifiers for all its codes, so
dm+d codes are validated here too.

Rules (SNOMED CT Release File Specification, section 6):

* a string of 6 to 18 ASCII digits whose first digit is not ``0``, with an
  integer value greater than 10^5 (so ``100000`` itself is refused);
* the 2nd and 3rd digits from the right are the *partition identifier*:
  ``00``/``01``/``02`` for short-format concepts, descriptions and
  relationships (International Release), ``10``/``11``/``12`` for the same in
  long format (extensions, with a seven-digit namespace identifier) and ``16``
  for long-format postcoordinated expressions; every other value is reserved;
* the rightmost digit is a Verhoeff (dihedral group D5) check digit, computed
  with :mod:`stdnum.verhoeff`.

Checks run in that order, so a value that breaks several rules is reported
with the first: ``invalid_character`` or ``empty``, ``length``,
``leading_zero``, ``out_of_range``, ``invalid_partition``, ``checksum``.

Layout: ``item identifier | [namespace (7 digits)] | partition (2) | check (1)``.
The accessors decompose the integer value, so a long-format SCTID of exactly
ten digits has item identifier ``0``.

Normalisation: surrounding ASCII whitespace is stripped; nothing else.  Inner
spaces, signs, thousands separators and non-ASCII digits are rejected.

Sources:

* SCTID data type, constraints, partition identifiers, item identifier:
  https://docs.snomed.org/snomed-ct-specifications/snomed-ct-release-file-specification/snomed-ct-identifiers/6.1-sctid-data-type
  https://docs.snomed.org/snomed-ct-specifications/snomed-ct-release-file-specification/snomed-ct-identifiers/6.3-sctid-constraints
  https://docs.snomed.org/snomed-ct-specifications/snomed-ct-release-file-specification/snomed-ct-identifiers/6.5-partition-identifier
  https://docs.snomed.org/snomed-ct-specifications/snomed-ct-release-file-specification/snomed-ct-identifiers/6.7-item-identifier-digits
* Check digit: https://confluence.snomedtools.org/display/DOCRELFMT/6.4.2+Check-digit+Computation
* dm+d and SNOMED CT: http://www.dmd.nhs.uk/snomed_links/index.html
* FHIR systems: UK NamingSystems terminology index,
  https://simplifier.net/guide/UKNamingSystems/Home/Terminologysystems/IndexofTerminologyNamingSystems?version=current

>>> validate(" 22298006 ")
'22298006'
>>> is_valid("22298007")
False
>>> sctid = SCTID.parse("17960711000001109")
>>> sctid.partition, sctid.namespace, sctid.item_identifier
(<Partition.LONG_CONCEPT: '10'>, '1000001', 1796071)
>>> build(1796071, Partition.LONG_CONCEPT, namespace="1000001")
'17960711000001109'
"""

from __future__ import annotations

import enum
import random as _random

import attrs
from stdnum import verhoeff as _verhoeff

from nhsstd.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, Reason
from nhsstd.identifiers import _common

__all__ = [
    "DMD_SYSTEM",
    "FHIR_SYSTEM",
    "SCTID",
    "ComponentType",
    "Partition",
    "build",
    "compact",
    "format",
    "from_int",
    "generate",
    "is_valid",
    "validate",
]

KIND = "sctid"

#: FHIR ``Coding.system`` for SNOMED CT (international and UK editions).
FHIR_SYSTEM = "http://snomed.info/sct"
#: FHIR code system URI the UK NamingSystems index lists for dm+d.  dm+d codes
#: are SCTIDs, so most profiles code them under :data:`FHIR_SYSTEM` instead.
DMD_SYSTEM = "https://dmd.nhs.uk"

MIN_LENGTH = 6
MAX_LENGTH = 18
#: SCTIDs must be strictly greater than this value.
MIN_EXCLUSIVE = 10**5


class ComponentType(str, enum.Enum):
    """The kind of SNOMED CT component an SCTID names."""

    CONCEPT = "concept"
    DESCRIPTION = "description"
    RELATIONSHIP = "relationship"
    #: A postcoordinated expression (long format only).
    EXPRESSION = "expression"


class Partition(str, enum.Enum):
    """The partition identifier: the 2nd and 3rd digits from the right.

    The value is the two-digit code; the first digit says short (``0``) or
    long (``1``) format, the second the component type.

    >>> Partition("11").component_type, Partition("11").is_long_format
    (<ComponentType.DESCRIPTION: 'description'>, True)
    """

    SHORT_CONCEPT = "00"
    SHORT_DESCRIPTION = "01"
    SHORT_RELATIONSHIP = "02"
    LONG_CONCEPT = "10"
    LONG_DESCRIPTION = "11"
    LONG_RELATIONSHIP = "12"
    LONG_EXPRESSION = "16"

    @property
    def is_long_format(self) -> bool:
        """True for the long-format partitions (which carry a namespace)."""
        return self.value[0] == "1"

    @property
    def component_type(self) -> ComponentType:
        """The component type this partition holds."""
        return _COMPONENT_TYPES[self.value[1]]


_COMPONENT_TYPES: dict[str, ComponentType] = {
    "0": ComponentType.CONCEPT,
    "1": ComponentType.DESCRIPTION,
    "2": ComponentType.RELATIONSHIP,
    "6": ComponentType.EXPRESSION,
}

_PARTITIONS: dict[str, Partition] = {partition.value: partition for partition in Partition}


def compact(number: str) -> str:
    """Normalise *number* without validating it: strip surrounding ASCII whitespace.

    >>> compact("\\t73211009 \\n")
    '73211009'
    """
    return _common.compact_stripped(number, KIND)


def _validate_compact(number: str) -> str:
    _common.check_digits(number, KIND)
    _common.check_length(number, KIND, MIN_LENGTH, MAX_LENGTH, "digits")
    if number[0] == "0":
        _common.fail(InvalidFormat, Reason.LEADING_ZERO, KIND, "an SCTID never starts with 0")
    if int(number) <= MIN_EXCLUSIVE:
        _common.fail(InvalidComponent, Reason.OUT_OF_RANGE, KIND, "an SCTID must be greater than 100000")
    if number[-3:-1] not in _PARTITIONS:
        _common.fail(
            InvalidComponent,
            Reason.INVALID_PARTITION,
            KIND,
            "the partition identifier is reserved or unknown",
        )
    if _verhoeff.checksum(number) != 0:
        _common.fail(InvalidChecksum, Reason.CHECKSUM, KIND)
    return number


def validate(number: str) -> str:
    """Return the compact form of *number* or raise a :class:`~nhsstd.exceptions.ValidationError`.

    >>> validate("900000000000207008")
    '900000000000207008'
    >>> validate("0038341003")
    Traceback (most recent call last):
        ...
    nhsstd.exceptions.InvalidFormat: SNOMED CT identifier: an SCTID never starts with 0
    >>> validate("3834051")
    Traceback (most recent call last):
        ...
    nhsstd.exceptions.InvalidComponent: SNOMED CT identifier: the partition identifier is reserved or unknown
    """
    return _validate_compact(compact(number))


def is_valid(number: str) -> bool:
    """True if *number* is a valid SCTID; never raises.

    >>> is_valid("38341003"), is_valid("38341004")
    (True, False)
    """
    return _common.passes(validate, number)


def format(number: str) -> str:
    """Return *number* in its display form (the compact digits).

    Like python-stdnum's ``format``, this reformats without validating: the
    value is normalised by :func:`compact` and laid out, whether or not it is a
    valid number; check it with :func:`validate` or :func:`is_valid`.

    >>> format(" 404684003")
    '404684003'
    """
    return _format_compact(compact(number))


def _format_compact(number: str) -> str:
    return number


def from_int(value: int) -> str:
    """Validate an SCTID held as an integer (a 64-bit column, say).

    ``bool`` and other non-``int`` values are refused.

    >>> from_int(22298006)
    '22298006'
    """
    value = _common.require_int(value, KIND)
    if not MIN_EXCLUSIVE < value < 10**MAX_LENGTH:
        raise InvalidComponent(Reason.OUT_OF_RANGE, kind=KIND, detail="integer out of the SCTID range")
    return _validate_compact(str(value))


def build(item: int, partition: Partition | str, namespace: str | None = None) -> str:
    """Assemble an SCTID from its parts, computing the Verhoeff check digit.

    *item* is the item identifier (a non-negative ``int``), *partition* a
    :class:`Partition` or its two-digit code.  Long-format partitions need
    *namespace*, seven ASCII digits; short-format ones must not have one.
    The result is validated, so parts that give too small or too long a value
    raise :class:`~nhsstd.exceptions.ValidationError`; misuse of the arguments
    raises :class:`ValueError` or :class:`TypeError`.

    >>> build(22298, "00")
    '22298006'
    >>> build(99900001, Partition.LONG_CONCEPT, namespace="1000000")
    '999000011000000103'
    """
    if type(item) is not int:
        raise TypeError("item must be an int")
    if item < 0:
        raise ValueError("item must not be negative")
    part = Partition(partition)
    if part.is_long_format:
        if namespace is None or len(namespace) != 7 or not _common.is_ascii_digits(namespace):
            raise ValueError("a long-format partition needs a seven-digit namespace")
        payload_int = (item * 10**7 + int(namespace)) * 100 + int(part.value)
    else:
        if namespace is not None:
            raise ValueError("a short-format partition has no namespace")
        payload_int = item * 100 + int(part.value)
    payload = str(payload_int)
    return _validate_compact(payload + _verhoeff.calc_check_digit(payload))


def generate(
    rng: _random.Random | None = None,
    *,
    partition: Partition | str = Partition.SHORT_CONCEPT,
    namespace: str | None = None,
) -> str:
    """A random valid SCTID in *partition* (for tests and fixtures).

    Long-format partitions use *namespace* if given, else a random one.

    >>> import random
    >>> SCTID.parse(generate(random.Random(3), partition="11")).component_type
    <ComponentType.DESCRIPTION: 'description'>
    """
    rng = rng or _random.Random()
    part = Partition(partition)
    if part.is_long_format:
        namespace = namespace if namespace is not None else f"{rng.randint(1_000_000, 9_999_999)}"
        return build(rng.randint(1, 99_999_999), part, namespace)
    return build(rng.randint(1_000, 999_999_999_999_999), part)


@attrs.frozen(repr=False)
class SCTID(_common.Identifier):
    """A SNOMED CT identifier: frozen, hashable, compared on its digits.

    >>> concept = SCTID.parse("38341003")
    >>> concept.component_type, concept.is_long_format, concept.namespace
    (<ComponentType.CONCEPT: 'concept'>, False, None)
    >>> concept.item_identifier, int(concept)
    (38341, 38341003)
    """

    kind = KIND
    fhir_system = FHIR_SYSTEM
    personal = False

    _validate = staticmethod(validate)
    _format_compact = staticmethod(_format_compact)

    @classmethod
    def from_int(cls, value: int) -> SCTID:
        """Wrap an integer SCTID (see :func:`from_int`)."""
        return cls(from_int(value))

    def __int__(self) -> int:
        return int(self.compact)

    @property
    def partition(self) -> Partition:
        """The partition identifier."""
        return _PARTITIONS[self.compact[-3:-1]]

    @property
    def is_long_format(self) -> bool:
        """True when the SCTID carries a namespace identifier (extensions)."""
        return self.partition.is_long_format

    @property
    def component_type(self) -> ComponentType:
        """Concept, description, relationship or expression."""
        return self.partition.component_type

    @property
    def namespace(self) -> str | None:
        """The seven-digit namespace identifier, or ``None`` for short format.

        For example ``"1000001"``, the namespace commonly used to recognise
        the UK Drug Extension (dm+d).  It says who issued the identifier, not
        what it means.
        """
        if not self.is_long_format:
            return None
        return f"{int(self.compact) // 1000 % 10**7:07d}"

    @property
    def item_identifier(self) -> int:
        """The item identifier: the digits left of the partition (short
        format) or of the namespace (long format), as an ``int``."""
        return int(self.compact) // (10**10 if self.is_long_format else 1000)

    @property
    def check_digit(self) -> int:
        """The Verhoeff check digit (the rightmost digit)."""
        return ord(self.compact[-1]) - 48

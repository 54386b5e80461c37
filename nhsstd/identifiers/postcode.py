"""UK postcodes (Royal Mail / BS 7666).

A postcode has an *outward code* (the postcode area, one or two letters, and
the district) and an *inward code* (the sector digit and the two-letter unit),
written with one space between them: ``SW1A 1AA``.

Rules (Royal Mail's, as published in its *Programmers' Guide to PAF* -- the
postcode format section -- and reproduced for BS 7666 / e-GIF by the sources
below; re-checked letter by letter against Royal Mail's rules for issue 11):

* the outward code has one of six shapes, ``A9``, ``A99``, ``A9A``, ``AA9``,
  ``AA99`` or ``AA9A`` (``A`` a letter, ``9`` a digit); the inward code is
  always ``9AA``;
* Q, V and X are not used in the first position;
* I, J and Z are not used in the second position;
* only A B C D E F G H J K P S T U W are used in the third position (shape
  ``A9A``); P joined the list with the London district ``N1P``, which the
  older e-GIF regular expressions predate;
* only A B E H M N P R V W X Y are used in the fourth position (shape
  ``AA9A``);
* C I K M O V are never used in the inward code;
* ``GIR 0AA`` (Girobank) breaks these rules and is valid all the same.

Validity is the format only: a postcode that fits the rules need not exist.
NHS pseudo-postcodes (``ZZ99 3VZ``...) fail the rules and are rejected with
:attr:`~nhsstd.exceptions.Reason.PSEUDO_POSTCODE`; they are a separate kind,
:mod:`nhsstd.identifiers.nhs_pseudo_postcode`, and
:func:`parse_address_postcode` accepts either.  Overseas territory codes
(``BBND 1ZZ``) and BFPO numbers are not UK postcodes and are rejected.

Normalisation: surrounding ASCII whitespace is stripped, ASCII letters are
upper-cased and every ASCII space is removed (so the fixed-width forms below
read back).  Any other character -- TAB or newline inside the value, NBSP,
hyphen, non-ASCII letters or digits -- is rejected with
:attr:`~nhsstd.exceptions.Reason.INVALID_CHARACTER`.

Renderings (``research/identifiers.md`` section 8):

* display form and :func:`pc8`: one space before the inward code
  (``B1 2JF``, ``SW1A 1AA``), 6 to 8 characters;
* :func:`pc7`: always 7 characters, the outward code padded with spaces to 4
  (``B1  2JF``, ``LS1 4AP``, ``CF101EP``);
* :func:`hes`: always 8 characters, the inward code starting at character 6
  (``B1   2JF``), as in HES and the NHS Postcode Directory.

Sources:

* Shapes and letter rules: Royal Mail, *Programmers' Guide to PAF*, section
  "Postcode format" (https://www.poweredbypaf.com/ , "Programmers' guide");
  the older BS 7666 / e-GIF reproductions
  https://dotat.at/@/2008-08-27-uk-postcode-regular-expression.html and
  https://regexlib.com/REDetails.aspx?regexp_id=583 (third position without P)
* ``GIR 0AA``: http://linkbuildingexperts.co.uk/help/what-can-i-do/forms/advanced/validation/postcode-validation.html
* pc7 / pc8: Public-Health-Scotland/phsmethods ``R/format_postcode.R``
* HES 8-character form:
  https://www.hesonline.org.uk/Ease/servlet/ContentServer_siteID-1937-categoryID-571-dirID-110582 ;
  wardle/clods ``test/src/com/eldrix/clods/core_test.clj``
* NHS Data Dictionary, POSTCODE ("max an8"):
  https://www.datadictionary.nhs.uk/data_dictionary/data_field_notes/p/po/postcode_de.asp?shownav=0

>>> validate("sw1a 1aa")
'SW1A1AA'
>>> format("CF101EP")
'CF10 1EP'
>>> pc7("B1 2JF").replace(" ", "_"), hes("B1 2JF").replace(" ", "_")
('B1__2JF', 'B1___2JF')
>>> is_valid("ZZ99 3CZ")
False
>>> UKPostcode.parse("EC1A 1BB").area
'EC'
>>> parse_address_postcode("ZZ99 3VZ")
NHSPseudoPostcode('ZZ99 3VZ')
"""

from __future__ import annotations

import re
import string
from typing import NamedTuple, NoReturn

import attrs

from nhsstd.exceptions import InvalidFormat, Reason
from nhsstd.identifiers import _common, _postcodes, nhs_pseudo_postcode
from nhsstd.identifiers.nhs_pseudo_postcode import NHSPseudoPostcode

__all__ = [
    "GIROBANK",
    "INWARD_SHAPE",
    "OUTWARD_SHAPES",
    "PATTERN",
    "UK_POSTCODE_COUNTRIES",
    "UKPostcode",
    "compact",
    "format",
    "hes",
    "is_uk_postcode_country",
    "is_valid",
    "parse_address_postcode",
    "pc7",
    "pc8",
    "validate",
]

KIND = "postcode"

#: Compact form of ``GIR 0AA``, the one valid postcode outside the rules.
GIROBANK = "GIR0AA"
#: The six outward-code shapes (``A`` a letter, ``9`` a digit).
OUTWARD_SHAPES: tuple[str, ...] = ("A9", "A99", "A9A", "AA9", "AA99", "AA9A")
#: The shape of every inward code.
INWARD_SHAPE = "9AA"

MIN_LENGTH = 5
MAX_LENGTH = 7


class _LetterRule(NamedTuple):
    allowed: frozenset[str]
    #: Error text: names the rule, never the offending value.
    detail: str


def _all_letters_except(excluded: str) -> frozenset[str]:
    return frozenset(string.ascii_uppercase) - frozenset(excluded)


# The letter rules, one per position of the outward code (a letter in the
# third position only occurs in shape A9A, one in the fourth only in AA9A),
# and one for both letters of the inward code.
_OUTWARD_RULES: tuple[_LetterRule, ...] = (
    _LetterRule(_all_letters_except("QVX"), "Q, V and X are not used in the first position"),
    _LetterRule(_all_letters_except("IJZ"), "I, J and Z are not used in the second position"),
    _LetterRule(
        frozenset("ABCDEFGHJKPSTUW"),
        "only A B C D E F G H J K P S T U W are used in the third position",
    ),
    _LetterRule(
        frozenset("ABEHMNPRVWXY"),
        "only A B E H M N P R V W X Y are used in the fourth position",
    ),
)
_INWARD_RULE = _LetterRule(
    _all_letters_except("CIKMOV"), "C, I, K, M, O and V are not used in the inward code"
)


def _char_class(letters: frozenset[str], *, or_digit: bool = False) -> str:
    return "[" + ("0-9" if or_digit else "") + "".join(sorted(letters)) + "]"


def _build_pattern() -> re.Pattern[str]:
    first, second = (_char_class(rule.allowed) for rule in _OUTWARD_RULES[:2])
    # Optional last character of A99/A9A and of AA99/AA9A: a digit or a letter
    # allowed in the third (A9A) or fourth (AA9A) position.
    third = _char_class(_OUTWARD_RULES[2].allowed, or_digit=True)
    fourth = _char_class(_OUTWARD_RULES[3].allowed, or_digit=True)
    unit = _char_class(_INWARD_RULE.allowed)
    # The six outward shapes, factored on their common prefixes:
    # A9 | A99 | A9A  and  AA9 | AA99 | AA9A.
    outward = f"{first}(?:[0-9]{third}?|{second}[0-9]{fourth}?)"
    return re.compile(f"{outward}[0-9]{unit}{unit}|{GIROBANK}")


#: Compact valid postcodes, built from the letter rules above (plus
#: ``GIR0AA``).  Use it with ``fullmatch``: a ``$`` anchor would also accept a
#: trailing newline.
PATTERN = _build_pattern()

_SHAPE_TABLE = str.maketrans(string.ascii_uppercase + string.digits, "A" * 26 + "9" * 10)


def compact(postcode: str) -> str:
    """Normalise *postcode* without validating it.

    Strips surrounding ASCII whitespace, upper-cases ASCII letters and removes
    every ASCII space.

    >>> compact(" sw1a  1aa ")
    'SW1A1AA'
    >>> compact("B1   2JF")
    'B12JF'
    """
    return _postcodes.normalise(_common.require_str(postcode, KIND))


def _diagnose(value: str) -> NoReturn:
    """Raise the error explaining why compact *value* does not match :data:`PATTERN`.

    Only called on failure, so the happy path is a single regex match.
    """
    _postcodes.check_characters(value, KIND, MIN_LENGTH, MAX_LENGTH)
    if nhs_pseudo_postcode.PATTERN.fullmatch(value) is not None:
        _common.fail(
            InvalidFormat,
            Reason.PSEUDO_POSTCODE,
            KIND,
            "an NHS pseudo-postcode (ZZ99), not a Royal Mail postcode",
        )
    shape = value.translate(_SHAPE_TABLE)
    if shape[:-3] not in OUTWARD_SHAPES or shape[-3:] != INWARD_SHAPE:
        _common.fail(
            InvalidFormat,
            Reason.FORMAT,
            KIND,
            "expected an outward code shaped A9, A99, A9A, AA9, AA99 or AA9A and an inward code 9AA",
        )
    checks = [
        *zip(value[:-3], shape[:-3], _OUTWARD_RULES[: len(value) - 3], strict=True),
        *zip(value[-3:], INWARD_SHAPE, (_INWARD_RULE,) * 3, strict=True),
    ]
    for char, symbol, rule in checks:
        if symbol == "A" and char not in rule.allowed:
            _common.fail(InvalidFormat, Reason.LETTER_RULE, KIND, rule.detail)
    raise AssertionError("PATTERN and the letter rules disagree")  # pragma: no cover


def _validate_compact(value: str) -> str:
    if PATTERN.fullmatch(value) is None:
        _diagnose(value)
    return value


def validate(postcode: str) -> str:
    """Return the compact form of *postcode* or raise a :class:`~nhsstd.exceptions.ValidationError`.

    >>> validate("W1A 0AX")
    'W1A0AX'
    >>> validate("ZZ99 3CZ")
    Traceback (most recent call last):
        ...
    nhsstd.exceptions.InvalidFormat: Postcode: an NHS pseudo-postcode (ZZ99), not a Royal Mail postcode
    >>> validate("VA1 1AA")
    Traceback (most recent call last):
        ...
    nhsstd.exceptions.InvalidFormat: Postcode: Q, V and X are not used in the first position
    """
    return _validate_compact(compact(postcode))


def is_valid(postcode: str) -> bool:
    """True if *postcode* is a valid UK postcode under the normalisation policy; never raises.

    >>> is_valid("gir 0aa"), is_valid("BBND 1ZZ")
    (True, False)
    """
    return _postcodes.matches(PATTERN, postcode)


def format(postcode: str) -> str:
    """Return *postcode* in its display form (one space before the inward code).

    Like python-stdnum's ``format``, this reformats without validating: the
    value is normalised by :func:`compact` and laid out, whether or not it is a
    valid postcode; check it with :func:`validate` or :func:`is_valid`.

    >>> format("m11ae")
    'M1 1AE'
    """
    return _format_compact(compact(postcode))


_format_compact = _postcodes.display


def pc7(postcode: str) -> str:
    """Validate *postcode* and return the 7-character form.

    The outward code is padded with spaces to four characters: two spaces in a
    5-character postcode, one in a 6-character one, none in a 7-character one.

    >>> [pc7(code).replace(" ", "_") for code in ("M1 1AE", "LS1 4AP", "CF10 1EP")]
    ['M1__1AE', 'LS1_4AP', 'CF101EP']
    """
    return _postcodes.pc7(validate(postcode))


def pc8(postcode: str) -> str:
    """Validate *postcode* and return the ``pc8`` form: one space before the inward code.

    This is the display form, 6 to 8 characters long (not padded).

    >>> pc8("SW1A1AA")
    'SW1A 1AA'
    """
    return _format_compact(validate(postcode))


def hes(postcode: str) -> str:
    """Validate *postcode* and return the 8-character HES / NHS Postcode Directory form.

    The inward code always starts at character 6.

    >>> [hes(code).replace(" ", "_") for code in ("B1 2JF", "LS1 4AP", "SW1A 1AA")]
    ['B1___2JF', 'LS1__4AP', 'SW1A_1AA']
    """
    return _postcodes.hes(validate(postcode))


def parse_address_postcode(postcode: str) -> UKPostcode | NHSPseudoPostcode:
    """Parse the postcode of an NHS address: a Royal Mail postcode or an NHS pseudo-postcode.

    Raises the :class:`UKPostcode` error (``kind == "postcode"``) when the value
    is neither.

    >>> parse_address_postcode("so17 1bj")
    UKPostcode('SO17 1BJ')
    >>> parse_address_postcode("ZZ99 6CZ").meaning
    'India'
    >>> parse_address_postcode("ZZ99 3CA")
    Traceback (most recent call last):
        ...
    nhsstd.exceptions.InvalidFormat: Postcode: I, J and Z are not used in the second position
    """
    value = compact(postcode)
    if nhs_pseudo_postcode.PATTERN.fullmatch(value) is not None:
        return NHSPseudoPostcode(value)
    return UKPostcode._from_valid(_validate_compact(value))


#: Country values (compared case-insensitively, spacing collapsed) of the places whose postcodes
#: are Royal Mail postcodes: the United Kingdom and its four countries, as names and as ISO 3166
#: codes -- ISO 3166-1 ``GB``/``GBR``/``826``, the ``UK`` code ISO 3166/MA exceptionally reserves
#: for the United Kingdom, the ISO 3166-2:GB country and nation codes (``GB-ENG``, ``GB-NIR``,
#: ``GB-SCT``, ``GB-WLS``, and ``GB-GBN``, ``GB-UKM``, ``GB-EAW`` for Great Britain, the United
#: Kingdom and England and Wales) -- and the Crown Dependencies, which Royal Mail's postcode
#: system also covers (``GY``, ``JE`` and ``IM`` areas; ISO 3166-1 ``GG``/``GGY``/``831``,
#: ``JE``/``JEY``/``832``, ``IM``/``IMN``/``833``).
UK_POSTCODE_COUNTRIES: frozenset[str] = frozenset(
    {
        "gb", "gbr", "826", "uk", "united kingdom", "united kingdom of great britain and northern ireland",
        "great britain", "britain", "england", "wales", "cymru", "scotland", "northern ireland",
        "gb-eng", "gb-nir", "gb-sct", "gb-wls", "gb-cym", "gb-gbn", "gb-ukm", "gb-eaw",
        "england and wales",
        "gg", "ggy", "831", "guernsey", "je", "jey", "832", "jersey", "im", "imn", "833", "isle of man",
    }
)  # fmt: skip


def is_uk_postcode_country(country: str | None) -> bool:
    """True when an address in *country* has a Royal Mail postcode, so its postcode is judged by
    the UK rules: no country given, or one of :data:`UK_POSTCODE_COUNTRIES`.

    An address abroad (UK Core patients may live abroad) has its own country's postal code,
    which the FHIR and HL7 v2 readers keep exactly as given instead of judging it.

    >>> [is_uk_postcode_country(country) for country in (None, "GBR", "northern  ireland")]
    [True, True, True]
    >>> is_uk_postcode_country("FR"), is_uk_postcode_country("Ireland")
    (False, False)
    """
    if country is None:
        return True
    return " ".join(country.split()).casefold() in UK_POSTCODE_COUNTRIES


@attrs.frozen(repr=False)
class UKPostcode(_common.Identifier):
    """A Royal Mail postcode: frozen, hashable, compared on its compact form.

    ``area``, ``district``, ``sector`` and ``unit`` are the four components
    that make up the postcode, in order.

    >>> code = UKPostcode.parse("sw1a 1aa")
    >>> code.compact, code.formatted, code.outward, code.inward
    ('SW1A1AA', 'SW1A 1AA', 'SW1A', '1AA')
    >>> code.area, code.district, code.sector, code.unit
    ('SW', '1A', '1', 'AA')
    >>> UKPostcode.parse("B1   2JF") == UKPostcode("B12JF")
    True
    >>> code
    UKPostcode('SW1A 1AA')
    """

    kind = KIND
    fhir_system = None
    personal = False

    _validate = staticmethod(validate)
    _format_compact = staticmethod(_format_compact)

    @property
    def outward(self) -> str:
        """The outward code: area and district (``"SW1A"``)."""
        return self.compact[:-3]

    @property
    def inward(self) -> str:
        """The inward code: sector digit and unit (``"1AA"``)."""
        return self.compact[-3:]

    @property
    def area(self) -> str:
        """The postcode area: the leading letters of the outward code (``"SW"``).

        ``"GIR"`` for ``GIR 0AA``.
        """
        outward = self.outward
        return outward[: len(outward) - len(outward.lstrip(string.ascii_uppercase))]

    @property
    def district(self) -> str:
        """The district: the outward code after the area (``"1A"`` in ``SW1A``).

        Empty for ``GIR 0AA``.
        """
        outward = self.outward
        return outward.lstrip(string.ascii_uppercase)

    @property
    def sector(self) -> str:
        """The sector digit, the first character of the inward code (``"1"``)."""
        return self.compact[-3]

    @property
    def unit(self) -> str:
        """The unit, the last two letters (``"AA"``)."""
        return self.compact[-2:]

    @property
    def pc7(self) -> str:
        """The 7-character form (see :func:`pc7`)."""
        return _postcodes.pc7(self.compact)

    @property
    def pc8(self) -> str:
        """The ``pc8`` form, one space before the inward code (see :func:`pc8`)."""
        return self.formatted

    @property
    def hes(self) -> str:
        """The 8-character HES form (see :func:`hes`)."""
        return _postcodes.hes(self.compact)

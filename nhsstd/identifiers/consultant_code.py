"""Consultant codes (CONSULTANT CODE, HES field ``consult``).

An 8-character code naming the consultant responsible for an episode of care
in Commissioning Data Set and Hospital Episode Statistics (HES) data.  There
is no check digit.  Accepted shapes, after normalisation:

==============  =====================================================  ===============
Shape           Meaning                                                :class:`CodeType`
==============  =====================================================  ===============
``C`` + 7       ``C`` followed by the doctor's 7-digit GMC number      ``GMC``
``CD`` + 6      dental consultant: ``CD``, zero fill, GDC number       ``GDC``
``D`` + 7       dental consultant with no GMC number: legacy
                Dentists' Practice Board number prefixed with ``D``    ``DENTAL_DPB``
pseudo code     one of the six HES default codes below                 ``PSEUDO``
==============  =====================================================  ===============

Pseudo (default) codes (HES ``consult``; NHS Data Dictionary default codes):

============  ==========================================================
``C9999998``  consultant code (GMC code) not known
``CD999998``  dental consultant: GMC number / GDC number not known
``D9999998``  dentist code (Dental Practice Board code) not known
``H9999998``  other health care professional
``M9999998``  not applicable: midwife episode
``N9999998``  nurse episode
============  ==========================================================

``H``, ``M`` and ``N`` appear only in those pseudo codes: a midwife's or
nurse's own code is never used as a consultant code.  Any other first letter
(``G`` GP codes, ``R`` referrer codes...) is refused with ``invalid_prefix``.

Decisions where the sources are silent:

* the ``D`` + 7 digits form comes from the NHS Data Dictionary (v2)
  CONSULTANT CODE definition; its check digit (if any) is not enforced;
* a ``CD`` code's GDC part is six digits; :attr:`ConsultantCode.gdc_number`
  removes the zero fill but keeps at least three digits, since GDC numbers
  have three to six (so ``CD000123`` -> ``123``, ``CD000012`` -> ``012``).

Normalisation: surrounding ASCII whitespace is stripped and ASCII letters
upper-cased.  Inner whitespace is not removed.

Sources:

* HES ``consult``: https://www.hesonline.org.uk/Ease/servlet/ContentServer_siteID-1937-categoryID-571-dirID-110659
* NHS Data Dictionary CONSULTANT CODE and default codes:
  https://v2.datadictionary.nhs.uk/data_dictionary/attributes/c/cons/consultant_code_de.asp@shownav=1.html ,
  https://v2.datadictionary.nhs.uk/web_site_content/pages/codes/administrative_codes/default_codes_summary_table.asp@shownav=1.html
* Dental consultants (``CD`` + zero fill + GDC number):
  https://www.odsdatasearchandexport.nhs.uk/referenceDataCatalogue/Dental-Consultant_587367123.html
* ``C`` + 7 digits on the ``gmc-number`` FHIR system (NHS England programme
  profile): https://get-ig.org/canonicals/3a5960a6-8ff4-4660-9eb8-355647b289f5?tab=FHIR+Schema

>>> validate(" c2345678 ")
'C2345678'
>>> ConsultantCode.parse("CD012345").gdc_number
'12345'
>>> ConsultantCode.parse("M9999998").pseudo_code_meaning
'not applicable: midwife episode'
>>> is_valid("G1234569")
False
"""

from __future__ import annotations

import enum

import attrs

from nhsstd.exceptions import InvalidComponent, InvalidFormat, Reason
from nhsstd.identifiers import _common, gdc_number

__all__ = [
    "PSEUDO_CODES",
    "CodeType",
    "ConsultantCode",
    "compact",
    "format",
    "from_gdc_number",
    "from_gmc_number",
    "is_pseudo_code",
    "is_valid",
    "validate",
]

KIND = "consultant_code"

LENGTH = 8

#: HES / NHS Data Dictionary pseudo (default) codes and what each means.
PSEUDO_CODES: dict[str, str] = {
    "C9999998": "consultant code (GMC code) not known",
    "CD999998": "dental consultant: GMC number / GDC number not known",
    "D9999998": "dentist code (Dental Practice Board code) not known",
    "H9999998": "other health care professional",
    "M9999998": "not applicable: midwife episode",
    "N9999998": "nurse episode",
}


class CodeType(str, enum.Enum):
    """Which kind of consultant code a (valid) value is."""

    #: ``C`` + 7-digit GMC number.
    GMC = "gmc"
    #: ``CD`` + zero-filled GDC number.
    GDC = "gdc"
    #: ``D`` + 7 digits: legacy Dental Practice Board number.
    DENTAL_DPB = "dental_dpb"
    #: One of :data:`PSEUDO_CODES`.
    PSEUDO = "pseudo"


def compact(code: str) -> str:
    """Normalise *code* without validating it: strip ASCII whitespace, upper-case ASCII letters.

    >>> compact(" cd012345 ")
    'CD012345'
    """
    return _common.compact_upper(code, KIND)


def _type_of(code: str) -> CodeType:
    """Classify an upper-cased candidate, raising for anything else."""
    _common.check_alnum(code, KIND)
    _common.check_length(code, KIND, LENGTH)
    if code in PSEUDO_CODES:
        return CodeType.PSEUDO
    if code.startswith("CD"):
        code_type, digits = CodeType.GDC, code[2:]
    elif code[0] == "C":
        code_type, digits = CodeType.GMC, code[1:]
    elif code[0] == "D":
        code_type, digits = CodeType.DENTAL_DPB, code[1:]
    elif code[0] in "HMN":
        _common.fail(
            InvalidComponent,
            Reason.INVALID_PREFIX,
            KIND,
            "the prefixes H, M and N are used only in pseudo codes",
        )
    else:
        _common.fail(InvalidComponent, Reason.INVALID_PREFIX, KIND, "the prefix must be C, CD or D")
    if not digits.isdigit():
        _common.fail(InvalidFormat, Reason.FORMAT, KIND, "the prefix must be followed by digits only")
    return code_type


def validate(code: str) -> str:
    """Return the compact form of *code* or raise a :class:`~nhsstd.exceptions.ValidationError`.

    >>> validate("cd999998")
    'CD999998'
    >>> validate("N1234567")
    Traceback (most recent call last):
        ...
    nhsstd.exceptions.InvalidComponent: Consultant code: the prefixes H, M and N are used only in pseudo codes
    """
    normalised = compact(code)
    _type_of(normalised)
    return normalised


def is_valid(code: str) -> bool:
    """True if *code* is a well-formed consultant code; never raises."""
    return _common.passes(validate, code)


def format(code: str) -> str:
    """Return *code* in its display form (the compact code).

    Like python-stdnum's ``format``, this reformats without validating: the
    value is normalised by :func:`compact` and laid out, whether or not it is a
    valid code; check it with :func:`validate` or :func:`is_valid`.

    >>> format("c2345678")
    'C2345678'
    """
    return _format_compact(compact(code))


def _format_compact(code: str) -> str:
    return code


def is_pseudo_code(code: str) -> bool:
    """True if *code* (validated first) is one of the HES pseudo codes.

    >>> is_pseudo_code("C9999998"), is_pseudo_code("C2345678")
    (True, False)
    """
    return validate(code) in PSEUDO_CODES


def from_gmc_number(number: str) -> str:
    """The consultant code of a doctor: ``C`` + the GMC number (validated as a GMC number).

    >>> from_gmc_number("2345678")
    'C2345678'
    """
    from nhsstd.identifiers import gmc_number  # imported here: gmc_number imports this module

    return "C" + gmc_number.validate(number)


def from_gdc_number(number: str) -> str:
    """The consultant code of a dental consultant: ``CD`` + zero fill + GDC number.

    >>> from_gdc_number("52816")
    'CD052816'
    """
    return "CD" + gdc_number.validate(number).rjust(LENGTH - 2, "0")


@attrs.frozen(repr=False)
class ConsultantCode(_common.Identifier):
    """A consultant code: frozen, hashable, compared on its compact form.

    >>> code = ConsultantCode.parse("C2345678")
    >>> code.code_type, code.gmc_number, code.is_pseudo_code
    (<CodeType.GMC: 'gmc'>, '2345678', False)
    """

    kind = KIND
    fhir_system = None
    personal = False

    _validate = staticmethod(validate)
    _format_compact = staticmethod(_format_compact)

    @property
    def code_type(self) -> CodeType:
        """GMC-derived, GDC-derived, legacy dental (DPB) or pseudo code."""
        return _type_of(self.compact)

    @property
    def is_pseudo_code(self) -> bool:
        """True for the HES pseudo (default) codes, see :data:`PSEUDO_CODES`."""
        return self.compact in PSEUDO_CODES

    @property
    def pseudo_code_meaning(self) -> str | None:
        """What a pseudo code stands for, or ``None`` for a real code."""
        return PSEUDO_CODES.get(self.compact)

    @property
    def gmc_number(self) -> str | None:
        """The 7-digit GMC number of a ``C`` code (``None`` otherwise, and for ``C9999998``)."""
        if self.code_type is CodeType.GMC:
            return self.compact[1:]
        return None

    @property
    def gdc_number(self) -> str | None:
        """The GDC number of a ``CD`` code without its zero fill (at least three
        digits); ``None`` for other codes and for ``CD999998``."""
        if self.code_type is CodeType.GDC:
            return self.compact[2:].lstrip("0").rjust(gdc_number.MIN_LENGTH, "0")
        return None

"""Shared machinery for the code lists (private).

Every NHS Data Dictionary code list is an :class:`enum.Enum` subclass of
:class:`CodedEnum` whose member values are the codes themselves, as strings.
The members are deliberately *not* ``str`` subclasses: a ``str`` enum would
make ``EthnicCategoryEngland.B == EthnicCategoryWales.B == "B"`` true, hiding
exactly the cross-nation trap the lists are separated to prevent.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Mapping
from typing import ClassVar, TypeVar

import attrs

from nhsstd.exceptions import InvalidComponent, Reason

__all__ = [
    "CodeError",
    "CodeInfo",
    "CodeKind",
    "CodeSystem",
    "CodedEnum",
    "RetiredCodeError",
    "UnknownCodeError",
    "code_list",
]


class CodeKind(str, enum.Enum):
    """Whether a code is a national code, a default code or a retired one.

    The NHS Data Dictionary separates *national codes* (the classification
    proper) from *default codes* ("not known", "not applicable"), which many
    data sets forbid; a *retired* code is no longer valid for new data but
    still turns up in old records.  Lists that do not come from the Data
    Dictionary (FHIR ``administrative-gender``) have national codes only.
    """

    __module__ = "nhsstd.codes"

    NATIONAL = "national"
    DEFAULT = "default"
    RETIRED = "retired"

    def __str__(self) -> str:
        return self.value


@attrs.frozen
class CodeSystem:
    """What a code list is and where it comes from.

    :param name: the Data Dictionary element name, e.g. ``"PERSON STATED GENDER CODE"``.
    :param key: a stable snake_case key used in JSON documents and errors.
    :param fhir_system: the FHIR ``CodeSystem`` URL, where one exists.
    :param sources: URLs (or ``owner/repo: path`` references) the codes were checked against.
    :param notes: people-readable remarks shown with the table in the documentation.
    """

    name: str
    key: str
    fhir_system: str | None
    sources: tuple[str, ...]
    notes: str = ""


@attrs.frozen
class CodeInfo:
    """The description of one code: its label, its kind and whether the FHIR CodeSystem has it."""

    label: str
    kind: CodeKind = CodeKind.NATIONAL
    in_fhir: bool = True


class CodeError(InvalidComponent):
    """A code was rejected by a code list.

    Messages never contain the rejected value (a misplaced field may hold
    personal data); they name the code system and, for short lists, the codes
    it does accept.

    :attr code_system: the Data Dictionary name of the code list.
    """

    __module__ = "nhsstd.codes"

    message = "the value is not a valid code"

    code_system: str

    def __init__(
        self,
        code_system: CodeSystem | str,
        *,
        reason: Reason = Reason.UNKNOWN_CODE,
        detail: str | None = None,
    ) -> None:
        name = code_system.name if isinstance(code_system, CodeSystem) else code_system
        key = code_system.key if isinstance(code_system, CodeSystem) else None
        self.code_system = name
        super().__init__(reason, kind=None, detail=f"{name}: {detail or self.message}")
        self.kind = key

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_code_error, (type(self), self.reason, self.kind, self.code_system, str(self)))


class UnknownCodeError(CodeError):
    """The value is not a code of the code list (lookup is exact: ``"01"`` is not ``"1"``).

    >>> from nhsstd.codes import NHSNumberStatusIndicatorCode
    >>> NHSNumberStatusIndicatorCode.from_code("1")
    Traceback (most recent call last):
        ...
    nhsstd.codes.UnknownCodeError: NHS NUMBER STATUS INDICATOR CODE: not a code of this list \
(expected one of 01, 02, 03, 04, 05, 06, 07, 08)
    """

    __module__ = "nhsstd.codes"

    message = "not a code of this list"


class RetiredCodeError(CodeError):
    """The code exists but is retired, and the caller asked for current codes only."""

    __module__ = "nhsstd.codes"

    message = "the code is retired"


def _rebuild_code_error(
    cls: type[CodeError], reason: Reason, kind: str | None, code_system: str, text: str
) -> CodeError:
    error = cls.__new__(cls)
    error.reason = reason
    error.kind = kind
    error.code_system = code_system
    Exception.__init__(error, text)
    return error


_E = TypeVar("_E", bound="CodedEnum")

#: Lists with more codes than this are not spelled out in error messages.
_MAX_LISTED = 24


class CodedEnum(enum.Enum):
    """Base of the code-list enums.

    Members compare by identity, so members of different lists never compare
    equal even when their codes are the same string.  ``str(member)`` is the
    code.  Lookup by code is exact and strict: ``Cls("1")`` and
    :meth:`from_code` raise :class:`UnknownCodeError` for anything that is not
    exactly one of the codes.
    """

    _value_: str

    #: What the list is and where it comes from (set by :func:`code_list`).
    code_system: ClassVar[CodeSystem]
    _infos: ClassVar[Mapping[str, CodeInfo]]

    @property
    def code(self) -> str:
        """The code, exactly as transmitted (``"01"``, ``"X"``, ``"99"``)."""
        return self._value_

    @property
    def label(self) -> str:
        """The Data Dictionary label of the code."""
        return self._infos[self._value_].label

    @property
    def kind(self) -> CodeKind:
        """National, default or retired."""
        return self._infos[self._value_].kind

    @property
    def is_national(self) -> bool:
        """True for a national code."""
        return self.kind is CodeKind.NATIONAL

    @property
    def is_default(self) -> bool:
        """True for a default code ("not known", "not applicable"...)."""
        return self.kind is CodeKind.DEFAULT

    @property
    def is_retired(self) -> bool:
        """True for a retired code (parseable, but not for new data)."""
        return self.kind is CodeKind.RETIRED

    @property
    def fhir_system(self) -> str | None:
        """The FHIR CodeSystem URL that holds this code, if any."""
        if not self._infos[self._value_].in_fhir:
            return None
        return self.code_system.fhir_system

    @classmethod
    def _missing_(cls, value: object) -> CodedEnum:
        raise _unknown(cls, value)

    @classmethod
    def from_code(cls: type[_E], code: str, *, allow_retired: bool = True) -> _E:
        """The member whose code is exactly *code*.

        No normalisation at all: no stripping, no case folding, no padding.
        Retired codes are returned (check :attr:`is_retired`) unless
        *allow_retired* is false, when they raise :class:`RetiredCodeError`.
        """
        member = cls._lookup(code)
        if not allow_retired and member.is_retired:
            raise RetiredCodeError(cls.code_system, reason=Reason.RETIRED_CODE)
        return member

    @classmethod
    def parse(cls: type[_E], code: str) -> _E:
        """Parse a transmitted code; for most lists the same as :meth:`from_code`."""
        return cls._lookup(code)

    @classmethod
    def _lookup(cls: type[_E], code: object) -> _E:
        if type(code) is str:
            member = cls._value2member_map_.get(code)
            if member is not None:
                return member  # type: ignore[return-value]
        elif isinstance(code, str) and not isinstance(code, enum.Enum):
            # str subclasses: look up the plain string so that nothing but the
            # characters matters.  (``str`` enums of other lists are refused.)
            return cls._lookup(str.__str__(code))
        raise _unknown(cls, code)

    @classmethod
    def codes(cls) -> tuple[str, ...]:
        """Every code of the list, in Data Dictionary order."""
        return tuple(member.code for member in cls)

    @classmethod
    def members(cls: type[_E], kind: CodeKind | None = None) -> Iterator[_E]:
        """The members, optionally only those of one :class:`CodeKind`."""
        for member in cls:
            if kind is None or member.kind is kind:
                yield member

    def __str__(self) -> str:
        return self._value_


def _unknown(cls: type[CodedEnum], value: object) -> CodeError:
    if not isinstance(value, str) or isinstance(value, enum.Enum):
        return UnknownCodeError(
            cls.code_system,
            reason=Reason.NOT_A_STRING,
            detail=f"codes are strings, got {type(value).__name__}",
        )
    if not value:
        return UnknownCodeError(cls.code_system, reason=Reason.EMPTY, detail="the code is empty")
    codes = cls.codes()
    if len(codes) <= _MAX_LISTED:
        return UnknownCodeError(
            cls.code_system, detail=f"not a code of this list (expected one of {', '.join(codes)})"
        )
    return UnknownCodeError(cls.code_system)


def code_list(system: CodeSystem, infos: Mapping[str, CodeInfo]) -> Callable[[type[_E]], type[_E]]:
    """Class decorator attaching *system* and the per-code *infos* to a :class:`CodedEnum`.

    Checks at import time that *infos* describes exactly the members' codes.
    """

    def decorate(cls: type[_E]) -> type[_E]:
        codes = [member.value for member in cls]
        if sorted(codes) != sorted(infos) or len(set(codes)) != len(codes):
            raise AssertionError(f"{cls.__name__}: the code table does not match the members")
        if any(type(code) is not str or not code for code in codes):
            raise AssertionError(f"{cls.__name__}: codes must be non-empty strings")
        type.__setattr__(cls, "code_system", system)
        type.__setattr__(cls, "_infos", dict(infos))
        return cls

    return decorate

"""Mappings between code lists (private module; import from :mod:`nhsstd.codes`).

Only the mappings that a standard publishes (or that follow directly from
the retirement notice) exist.  There is deliberately no mapping from PERSON
PHENOTYPIC SEX or from the CHI Number sex digit to administrative gender:
observed sex and sex at registration are not gender, and PDS says
``Patient.gender`` must not be conflated with sex at birth.  The functions
below refuse those types with :class:`TypeError`.
"""

from __future__ import annotations

import enum

from nhsstd.codes._administrative_gender import AdministrativeGender
from nhsstd.codes._person_gender_code import PersonGenderCode
from nhsstd.codes._person_stated_gender import PersonStatedGenderCode

__all__ = [
    "ADMINISTRATIVE_GENDER_TO_STATED_GENDER",
    "PERSON_GENDER_CODE_TO_STATED_GENDER",
    "STATED_GENDER_TO_ADMINISTRATIVE_GENDER",
    "administrative_gender_to_stated_gender",
    "person_gender_code_to_stated_gender",
    "stated_gender_to_administrative_gender",
]

#: UK Core ConceptMap-UKCore-AdministrativeGender (every row "equivalent").
ADMINISTRATIVE_GENDER_TO_STATED_GENDER: dict[AdministrativeGender, PersonStatedGenderCode] = {
    AdministrativeGender.MALE: PersonStatedGenderCode.MALE,
    AdministrativeGender.FEMALE: PersonStatedGenderCode.FEMALE,
    AdministrativeGender.OTHER: PersonStatedGenderCode.INDETERMINATE,
    AdministrativeGender.UNKNOWN: PersonStatedGenderCode.NOT_KNOWN,
}

#: The inverse of :data:`ADMINISTRATIVE_GENDER_TO_STATED_GENDER` (the map is one to one).
STATED_GENDER_TO_ADMINISTRATIVE_GENDER: dict[PersonStatedGenderCode, AdministrativeGender] = {
    stated: administrative for administrative, stated in ADMINISTRATIVE_GENDER_TO_STATED_GENDER.items()
}

#: Retired PERSON GENDER CODE -> PERSON STATED GENDER CODE: 1->1, 2->2, 9->9, 0->X.
#: An inference from the retirement notices (same meanings; "not known" moved
#: from 0 to X), not a published map.
PERSON_GENDER_CODE_TO_STATED_GENDER: dict[PersonGenderCode, PersonStatedGenderCode] = {
    PersonGenderCode.NOT_KNOWN: PersonStatedGenderCode.NOT_KNOWN,
    PersonGenderCode.MALE: PersonStatedGenderCode.MALE,
    PersonGenderCode.FEMALE: PersonStatedGenderCode.FEMALE,
    PersonGenderCode.NOT_SPECIFIED: PersonStatedGenderCode.INDETERMINATE,
}


def _refuse(value: object, expected: str) -> TypeError:
    return TypeError(
        f"expected {expected}, got {type(value).__name__}; nhsstd maps only PERSON STATED GENDER CODE "
        "to and from administrative gender (never phenotypic sex or the CHI sex digit)"
    )


def administrative_gender_to_stated_gender(gender: AdministrativeGender | str) -> PersonStatedGenderCode:
    """FHIR administrative-gender -> PERSON STATED GENDER CODE (UK Core ConceptMap).

    A ``str`` is looked up strictly as an administrative-gender code.

    >>> administrative_gender_to_stated_gender("unknown")
    <PersonStatedGenderCode.NOT_KNOWN: 'X'>
    >>> administrative_gender_to_stated_gender(AdministrativeGender.OTHER)
    <PersonStatedGenderCode.INDETERMINATE: '9'>
    """
    if isinstance(gender, enum.Enum) and not isinstance(gender, AdministrativeGender):
        raise _refuse(gender, "AdministrativeGender or its code")
    if isinstance(gender, str):
        gender = AdministrativeGender.from_code(gender)
    elif not isinstance(gender, AdministrativeGender):
        raise _refuse(gender, "AdministrativeGender or its code")
    return ADMINISTRATIVE_GENDER_TO_STATED_GENDER[gender]


def stated_gender_to_administrative_gender(code: PersonStatedGenderCode | str) -> AdministrativeGender:
    """PERSON STATED GENDER CODE -> FHIR administrative-gender (UK Core ConceptMap, reversed).

    A ``str`` is looked up strictly as a PERSON STATED GENDER CODE.

    >>> stated_gender_to_administrative_gender("9")
    <AdministrativeGender.OTHER: 'other'>
    >>> from nhsstd.codes import PersonPhenotypicSex
    >>> stated_gender_to_administrative_gender(PersonPhenotypicSex.MALE)
    Traceback (most recent call last):
        ...
    TypeError: expected PersonStatedGenderCode or its code, got PersonPhenotypicSex; nhsstd maps only \
PERSON STATED GENDER CODE to and from administrative gender (never phenotypic sex or the CHI sex digit)
    """
    if isinstance(code, enum.Enum) and not isinstance(code, PersonStatedGenderCode):
        raise _refuse(code, "PersonStatedGenderCode or its code")
    if isinstance(code, str):
        code = PersonStatedGenderCode.from_code(code)
    elif not isinstance(code, PersonStatedGenderCode):
        raise _refuse(code, "PersonStatedGenderCode or its code")
    return STATED_GENDER_TO_ADMINISTRATIVE_GENDER[code]


def person_gender_code_to_stated_gender(code: PersonGenderCode | str) -> PersonStatedGenderCode:
    """Retired PERSON GENDER CODE -> PERSON STATED GENDER CODE (0 becomes X).

    >>> person_gender_code_to_stated_gender("0")
    <PersonStatedGenderCode.NOT_KNOWN: 'X'>
    """
    if isinstance(code, enum.Enum) and not isinstance(code, PersonGenderCode):
        raise _refuse(code, "PersonGenderCode or its code")
    if isinstance(code, str):
        code = PersonGenderCode.from_code(code)
    elif not isinstance(code, PersonGenderCode):
        raise _refuse(code, "PersonGenderCode or its code")
    return PERSON_GENDER_CODE_TO_STATED_GENDER[code]

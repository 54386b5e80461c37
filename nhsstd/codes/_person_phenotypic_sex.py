"""PERSON PHENOTYPIC SEX (private module; import from :mod:`nhsstd.codes`)."""

from __future__ import annotations

from nhsstd.codes._base import CodedEnum, CodeInfo, CodeSystem, code_list

__all__ = ["PersonPhenotypicSex"]

_SYSTEM = CodeSystem(
    name="PERSON PHENOTYPIC SEX",
    key="person_phenotypic_sex",
    fhir_system=None,
    sources=(
        "https://archive.datadictionary.nhs.uk/DD%20Release%20August%202024/classes/person_phenotypic_sex.html",
        "https://www.datadictionary.nhs.uk/data_elements/person_phenotypic_sex.html",
        "SocialCareData/controlled-vocabularies: specification.md",
    ),
    notes=(
        "The observed sex of a person, recorded by someone else (such as a care professional); "
        "it is not self-stated. There is deliberately no mapping from it to FHIR administrative gender. "
        "Values 'not known' and 'not stated' seen in some vocabularies are not shipped: they are not "
        "confirmed as national codes."
    ),
)


@code_list(
    _SYSTEM,
    {
        "1": CodeInfo("Male"),
        "2": CodeInfo("Female"),
        "9": CodeInfo("Indeterminate (unable to be classified as either male or female)"),
    },
)
class PersonPhenotypicSex(CodedEnum):
    """PERSON PHENOTYPIC SEX: observed sex, not self-stated.

    >>> PersonPhenotypicSex.from_code("9").label
    'Indeterminate (unable to be classified as either male or female)'
    >>> PersonPhenotypicSex.MALE == PersonPhenotypicSex.MALE, PersonPhenotypicSex.MALE.code
    (True, '1')
    """

    __module__ = "nhsstd.codes"

    MALE = "1"
    FEMALE = "2"
    INDETERMINATE = "9"

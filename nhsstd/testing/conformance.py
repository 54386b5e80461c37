"""A test assertion that a FHIR resource conforms to R4, UK Core and your profiles.

For a supplier's own test suite: make the FHIR your system produces, then assert it conforms.
Nothing is downloaded; the checks are those of :func:`nhsstd.conformance.validate`.

>>> from nhsstd.testing.conformance import assert_conforms
>>> outcome = assert_conforms({"resourceType": "Patient", "gender": "female"})

It returns the outcome, whose warnings you may check too (this Patient has no narrative):

>>> [issue.rule for issue in outcome.warnings]
['dom-6']

A failure lists every error and warning, one a line, so the test report says what to fix;
like every conformance message, it never repeats the patient's values:

>>> assert_conforms({"resourceType": "Patient", "gender": "woman", "birthDate": "1970-02-30"})
Traceback (most recent call last):
  ...
AssertionError: the Patient does not conform (2 errors):
  error Patient.gender: the code is not in the required value set [nhsstd-binding]
  error Patient.birthDate: not a valid date: no such date [nhsstd-format]
  warning Patient: invariant dom-6 failed [dom-6]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from nhsstd.conformance import Outcome, Validator, validate

__all__ = ["assert_conforms"]


def assert_conforms(
    resource: Mapping[str, Any] | str | bytes,
    *,
    profiles: Sequence[str] | None = None,
    uk_core: bool = True,
    validator: Validator | None = None,
) -> Outcome:
    """Fail (``AssertionError``) unless ``resource`` validates with no fatal issue and no error.

    :param resource: a FHIR resource: a mapping, FHIR JSON text or FHIR XML text.
    :param profiles: canonical URLs of profiles to check against as well.
    :param uk_core: also check against UK Core's profile of the resource's type.
    :param validator: the :class:`~nhsstd.conformance.Validator` to use, for your own
        implementation guide (``Validator(packages=[...])``); by default the embedded R4 and
        UK Core rules.
    :returns: the outcome, for further checks of its warnings.
    :raises AssertionError: listing the errors and warnings.
    :raises KeyError: a profile in ``profiles`` is not known to the validator.
    """
    if validator is None:
        outcome = validate(resource, profiles=profiles, uk_core=uk_core)
    else:
        outcome = validator.validate(resource, profiles=profiles, uk_core=uk_core)
    if not outcome.ok:
        errors = len(outcome.errors)
        shown = "\n".join(f"  {issue}" for issue in outcome.issues if issue.severity != "information")
        what = _resource_type(resource)
        raise AssertionError(
            f"the {what} does not conform ({errors} error{'s' if errors != 1 else ''}):\n{shown}"
        )
    return outcome


def _resource_type(resource: Mapping[str, Any] | str | bytes) -> str:
    if isinstance(resource, Mapping) and isinstance(resource.get("resourceType"), str):
        return str(resource["resourceType"])
    return "resource"

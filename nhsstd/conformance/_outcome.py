"""What a conformance check found: :class:`Issue` and :class:`Outcome` (private; exported by the package).

An issue says where (a FHIRPath expression with indices), what kind of problem
(a FHIR ``IssueType`` code), how bad (a FHIR ``IssueSeverity``) and which rule
fired.  Its message describes the problem and never echoes the instance's
values: a location such as ``Patient.identifier[0].value`` is safe to log, the
NHS Number found there is not.

>>> outcome = Outcome((Issue("error", "value", "Patient.birthDate", "not a valid date", "nhsstd-format"),))
>>> outcome.ok, len(outcome.errors), len(outcome.warnings)
(False, 1, 0)
>>> print(outcome)
error Patient.birthDate: not a valid date [nhsstd-format]
>>> outcome.to_operation_outcome()["issue"][0]["expression"]
['Patient.birthDate']
"""

from __future__ import annotations

from typing import Any, Literal

import attrs

__all__ = ["Issue", "Outcome", "Severity"]

#: FHIR ``IssueSeverity`` codes, worst first.
Severity = Literal["fatal", "error", "warning", "information"]

_FAILING: frozenset[str] = frozenset({"fatal", "error"})


@attrs.frozen
class Issue:
    """One finding of a conformance check.

    :param severity: ``"fatal"``, ``"error"``, ``"warning"`` or ``"information"``.
    :param code: the FHIR ``IssueType`` code (``"structure"``, ``"required"``, ``"value"``,
        ``"invariant"``, ``"code-invalid"``...).
    :param location: the FHIRPath of the element, with indices (``Patient.identifier[0].value``).
    :param message: what is wrong, without the instance's value.
    :param rule: the id of the rule that fired: an invariant key (``"pat-1"``) or an
        ``nhsstd-*`` id (``"nhsstd-cardinality"``).
    """

    severity: Severity
    code: str
    location: str
    message: str
    rule: str

    def __str__(self) -> str:
        return f"{self.severity} {self.location}: {self.message} [{self.rule}]"

    def to_fhir(self) -> dict[str, Any]:
        """This issue as an ``OperationOutcome.issue`` element."""
        return {
            "severity": self.severity,
            "code": self.code,
            "details": {"coding": [{"system": _RULE_SYSTEM, "code": self.rule}], "text": self.message},
            "expression": [self.location],
        }


#: Coding system of the rule ids in ``OperationOutcome.issue.details`` (nhsstd's own).
_RULE_SYSTEM = "https://nhsstd.readthedocs.io/CodeSystem/conformance-rule"


@attrs.frozen
class Outcome:
    """Every issue found in one resource, in document order.

    :attr:`ok` is true when there is no fatal issue and no error (warnings and
    information do not count).
    """

    issues: tuple[Issue, ...] = ()

    @property
    def ok(self) -> bool:
        """No fatal issue and no error."""
        return not any(issue.severity in _FAILING for issue in self.issues)

    @property
    def errors(self) -> tuple[Issue, ...]:
        """The fatal issues and errors."""
        return tuple(issue for issue in self.issues if issue.severity in _FAILING)

    @property
    def warnings(self) -> tuple[Issue, ...]:
        """The warnings."""
        return tuple(issue for issue in self.issues if issue.severity == "warning")

    def to_operation_outcome(self) -> dict[str, Any]:
        """A FHIR R4 ``OperationOutcome`` resource holding every issue.

        A resource without issues gives the single ``information``/``informational``
        issue FHIR requires (``OperationOutcome.issue`` is ``1..*``).
        """
        issues = [issue.to_fhir() for issue in self.issues] or [
            {"severity": "information", "code": "informational", "details": {"text": "no issues found"}}
        ]
        return {"resourceType": "OperationOutcome", "issue": issues}

    def __str__(self) -> str:
        return "\n".join(str(issue) for issue in self.issues) or "no issues"

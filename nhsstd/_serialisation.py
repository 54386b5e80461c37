"""The error shared by the serialisers (private; import from :mod:`nhsstd.fhir` or :mod:`nhsstd.hl7v2`).

A serialiser that reads a document checks all of it before giving up, and
reports every problem at once, each with the path of the element that caused
it.  Like every nhsstd error the message never contains a rejected value:
only paths, the names of rules and the reason codes.

>>> error = SerialisationError(
...     "FHIR Patient",
...     [Problem("$.identifier[0].value", "NHS Number: check digit does not match", Reason.CHECKSUM)],
... )
>>> print(error)
FHIR Patient: 1 problem
  $.identifier[0].value: NHS Number: check digit does not match
>>> error.reason, error.problems[0].path
(<Reason.CHECKSUM: 'checksum'>, '$.identifier[0].value')
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from nhsstd.exceptions import InvalidFormat, Reason

__all__ = ["Problem", "SerialisationError"]


@attrs.frozen
class Problem:
    """One problem found while reading or writing a document.

    :param path: where it is: a JSON path for FHIR (``$.identifier[0].value``),
        a segment-field path for HL7 v2 (``PID-3[1].1``).
    :param message: what is wrong, without the value itself.
    :param reason: the machine-readable reason.
    """

    path: str
    message: str
    reason: Reason = Reason.FORMAT

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class SerialisationError(InvalidFormat):
    """A document could not be read or written; :attr:`problems` lists every reason.

    It is an :class:`~nhsstd.exceptions.InvalidFormat` (so a ``ValueError``);
    :attr:`reason` is the reason of the first problem.
    """

    __module__ = "nhsstd.fhir"

    message = "the document is not valid"

    problems: tuple[Problem, ...]
    subject: str

    def __init__(self, subject: str, problems: Iterable[Problem]) -> None:
        self.subject = subject
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = [f"{subject}: {count} problem{'s' if count != 1 else ''}"]
        lines.extend(f"  {problem}" for problem in self.problems)
        reason = self.problems[0].reason if self.problems else Reason.FORMAT
        super().__init__(reason, kind=None, detail="\n".join(lines))
        # ValidationError prefixed nothing (kind=None); record the kind afterwards.
        self.kind = "serialisation"

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else self.subject

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.subject, self.problems))

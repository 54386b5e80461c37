"""Errors raised by the domain models (private module; import from :mod:`nhsstd.models`)."""

from __future__ import annotations

from nhsstd.exceptions import InvalidComponent, Reason

__all__ = ["InvariantError"]


class InvariantError(InvalidComponent):
    """A model was constructed (or evolved) with values that break one of its rules.

    For example a death date before the birth date, or an NHS Number status of
    ``01`` (verified) without an NHS Number.  Like every nhsstd error the
    message never contains the offending values, only the names of the fields.

    :attr model: the model class name (``"Patient"``).
    :attr fields: the names of the fields involved, in declaration order.
    """

    __module__ = "nhsstd.models"

    message = "the values break a rule of the model"

    model: str
    fields: tuple[str, ...]

    def __init__(
        self,
        model: str,
        fields: tuple[str, ...],
        detail: str,
        *,
        reason: Reason = Reason.INCONSISTENT,
    ) -> None:
        self.model = model
        self.fields = fields
        super().__init__(reason, kind=None, detail=f"{model}: {detail}")
        self.kind = model.lower()

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (type(self), self.reason, self.model, self.fields, str(self)))


def _rebuild(
    cls: type[InvariantError], reason: Reason, model: str, fields: tuple[str, ...], text: str
) -> InvariantError:
    error = cls.__new__(cls)
    error.reason = reason
    error.model = model
    error.fields = fields
    error.kind = model.lower()
    Exception.__init__(error, text)
    return error

"""nhsstd: NHS data standards for Python.

>>> import nhsstd
>>> nhsstd.identifiers.nhs_number.is_valid("943 476 5919")
True
>>> nhsstd.codes.PersonStatedGenderCode.from_code("2").label
'Female'

``import nhsstd`` loads nothing else: :mod:`nhsstd.codes`, :mod:`nhsstd.identifiers`,
:mod:`nhsstd.models` and :func:`mask` are imported the first time they are used, so a
program that needs one part (the conformance validator, a command) pays for that part
alone.  The other parts are imported by name: :mod:`nhsstd.json`, :mod:`nhsstd.fhir`,
:mod:`nhsstd.hl7v2`, :mod:`nhsstd.conformance`, :mod:`nhsstd.registers` (extra
``registers``) and :mod:`nhsstd.columns` (extra ``columns``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nhsstd import _lazy
from nhsstd._version import __version__

if TYPE_CHECKING:
    from nhsstd import codes, exceptions, identifiers, models
    from nhsstd.identifiers import mask

__all__ = ["__version__", "codes", "exceptions", "identifiers", "mask", "models"]

# Imported on first use, so that ``import nhsstd.conformance`` (or any one part) does not
# load every code list, identifier and model first.
_LAZY: dict[str, str] = {
    "codes": ".codes",
    "exceptions": ".exceptions",
    "identifiers": ".identifiers",
    "mask": ".identifiers",
    "models": ".models",
}

if not TYPE_CHECKING:  # type checkers see the names imported above, and so catch misspelt ones
    __getattr__, __dir__ = _lazy.hooks(__name__, _LAZY, __all__)

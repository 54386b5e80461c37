"""nhsstd: NHS data standards for Python.

>>> import nhsstd
>>> nhsstd.identifiers.nhs_number.is_valid("943 476 5919")
True
>>> nhsstd.codes.PersonStatedGenderCode.from_code("2").label
'Female'

Heavier parts are imported on demand: :mod:`nhsstd.json`, :mod:`nhsstd.fhir`,
:mod:`nhsstd.hl7v2`, :mod:`nhsstd.registers` (extra ``registers``) and
:mod:`nhsstd.columns` (extra ``columns``).
"""

from __future__ import annotations

from nhsstd import codes, exceptions, identifiers, models
from nhsstd._version import __version__
from nhsstd.identifiers import mask

__all__ = ["__version__", "codes", "exceptions", "identifiers", "mask", "models"]

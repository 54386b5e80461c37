"""nhsstd: NHS data standards for Python.

>>> import nhsstd
>>> nhsstd.identifiers.nhs_number.is_valid("943 476 5919")
True
"""

from __future__ import annotations

from nhsstd import exceptions, identifiers
from nhsstd._version import __version__
from nhsstd.identifiers import mask

__all__ = ["__version__", "exceptions", "identifiers", "mask"]

"""UK health identifiers.

One module per kind, each with python-stdnum's interface (``compact``,
``validate``, ``is_valid``, ``format``) and a frozen value class.
"""

from __future__ import annotations

from nhsstd.identifiers import nhs_number
from nhsstd.identifiers._common import Identifier, mask
from nhsstd.identifiers.nhs_number import NHSNumber

__all__ = ["Identifier", "NHSNumber", "mask", "nhs_number"]

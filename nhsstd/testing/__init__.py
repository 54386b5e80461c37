"""Testing helpers for suppliers' own test suites.

* :mod:`nhsstd.testing.strategies` -- hypothesis strategies that generate valid
  identifiers, codes and models (needs ``hypothesis``; nothing else in nhsstd
  imports it).

Importing :mod:`nhsstd.testing` itself imports nothing optional: import the
submodule you need.
"""

from __future__ import annotations

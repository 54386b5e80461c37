"""Public names a package imports on first use (PEP 562), so that importing it stays cheap (private).

A package lists its lazily imported names in a table, ``public name -> module`` (a name
relative to the package, such as ``._api``, or an absolute one), and hands attribute look-ups
to :func:`attribute`.  A name whose module is the package's submodule of that name is the
submodule itself (``nhsstd.codes``); any other name is an attribute of its module.  Type
checkers see the names through ``if TYPE_CHECKING:`` imports in the package, so nothing
here is needed for typing:

>>> table = {"identifiers": ".identifiers", "mask": ".identifiers"}
>>> attribute("nhsstd", table, "identifiers").__name__
'nhsstd.identifiers'
>>> attribute("nhsstd", table, "mask").__name__
'mask'
>>> attribute("nhsstd", table, "nothing")
Traceback (most recent call last):
    ...
AttributeError: module 'nhsstd' has no attribute 'nothing'
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["attribute", "names"]


def attribute(package: str, table: Mapping[str, str], name: str) -> Any:
    """The body of ``package``'s module ``__getattr__``: import ``name``'s submodule and return it.

    The value is then set on the package, so later look-ups are plain attribute reads.
    """
    module_name = table.get(name)
    if module_name is None:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    module = importlib.import_module(module_name, package)
    value = module if module.__name__ == f"{package}.{name}" else getattr(module, name)
    setattr(sys.modules[package], name, value)
    return value


def names(package: str, public: Iterable[str]) -> list[str]:
    """The body of ``package``'s module ``__dir__``: what is loaded so far and every public name."""
    return sorted(set(vars(sys.modules[package])) | set(public))

"""Public names a package imports on first use (PEP 562), so that importing it stays cheap (private).

A package lists its lazily imported names in a table, ``public name -> module`` (relative
to the package, such as ``._api``, or absolute), and takes its module ``__getattr__`` and
``__dir__`` from :func:`hooks`::

    if TYPE_CHECKING:
        from nhsstd.fhir._api import dumps, loads
    ...
    if not TYPE_CHECKING:
        __getattr__, __dir__ = _lazy.hooks(__name__, _LAZY, __all__)

A name whose module is the package's submodule of that name is the submodule itself
(``nhsstd.codes``); any other name is an attribute of its module.  Type checkers see the
names through the ``TYPE_CHECKING`` imports and no ``__getattr__``, so a misspelt name is
still an error to them.

>>> module_getattr, module_dir = hooks("nhsstd", {"identifiers": ".identifiers", "mask": ".identifiers"}, [])
>>> module_getattr("identifiers").__name__, module_getattr("mask").__name__
('nhsstd.identifiers', 'mask')
>>> "mask" in module_dir()
True
>>> module_getattr("nothing")
Traceback (most recent call last):
    ...
AttributeError: module 'nhsstd' has no attribute 'nothing'
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["hooks"]


def hooks(
    package: str, table: Mapping[str, str], public: Iterable[str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module ``__getattr__`` and ``__dir__`` of a package importing ``table``'s names on first use.

    A name is set on the package once imported, so later look-ups are plain attribute reads;
    ``__dir__`` lists what is loaded so far and every name of ``public``.
    """
    listed = frozenset(public)

    def module_getattr(name: str) -> Any:
        module_name = table.get(name)
        if module_name is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(module_name, package)
        value = module if module.__name__ == f"{package}.{name}" else getattr(module, name)
        setattr(sys.modules[package], name, value)
        return value

    def module_dir() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | listed)

    return module_getattr, module_dir

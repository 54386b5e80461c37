"""Read-only data built the first time it is needed, then shared between threads (private).

The shipped R4 model, the FHIRPath type tables and the search-parameter facts each take
milliseconds to read, and most programs never need some of them: each is built by the
first caller, under a lock, exactly once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["Once"]

_T = TypeVar("_T")


class Once(Generic[_T]):
    """Calling it gives what *build* returns, built on the first call only.

    >>> calls = []
    >>> answer = Once(lambda: calls.append(1) or 42)
    >>> answer(), answer(), len(calls)
    (42, 42, 1)
    """

    __slots__ = ("_build", "_built", "_lock", "_value")

    def __init__(self, build: Callable[[], _T]) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._built = False
        self._value: _T | None = None

    def __call__(self) -> _T:
        if not self._built:
            with self._lock:
                if not self._built:
                    self._value = self._build()
                    self._built = True
        return self._value  # type: ignore[return-value]

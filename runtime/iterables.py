"""Lazy ``range``, ``enumerate`` and ``zip`` that ``for_each`` can compile.

Iterated in Python they are exactly the builtins. ``for_each`` looks inside
them instead: ``range`` with Python-int bounds becomes a counted scan, with a
traced bound a ``lax.while_loop``; ``enumerate`` and ``zip`` of arrays become
one scan over the leading axis.
"""

from __future__ import annotations

import builtins
import operator
from collections.abc import Iterator
from typing import Any

from runtime.tracing import is_traced
from runtime.variable import Variable

__all__ = ["enumerate", "range", "zip"]


def _bound(x: Any) -> Any:
    return x.value if isinstance(x, Variable) else x


class range:  # noqa: A001 - mirrors the builtin on purpose
    """``range(stop)`` / ``range(start, stop[, step])`` whose bounds may be traced.

    Iterated in Python it is ``builtins.range`` over the same bounds (which
    must then be concrete integers). ``rt.for_each`` compiles it as a counted
    loop.
    """

    __slots__ = ("start", "stop", "step")

    def __init__(self, *args: Any) -> None:
        if not 1 <= len(args) <= 3:
            raise TypeError(f"range expected 1 to 3 arguments, got {len(args)}")
        if len(args) == 1:
            args = (0, args[0], 1)
        elif len(args) == 2:
            args = (args[0], args[1], 1)
        start, stop, step = (_bound(a) for a in args)
        if not is_traced(step) and operator.index(step) == 0:
            raise ValueError("range() arg 3 must not be zero")
        self.start, self.stop, self.step = start, stop, step

    def is_traced(self) -> bool:
        return any(is_traced(b) for b in (self.start, self.stop, self.step))

    def as_builtin(self) -> builtins.range:
        return builtins.range(
            operator.index(self.start), operator.index(self.stop), operator.index(self.step)
        )

    def __iter__(self) -> Iterator[int]:
        return iter(self.as_builtin())

    def __len__(self) -> int:
        return len(self.as_builtin())

    def __repr__(self) -> str:
        return f"rt.range({self.start!r}, {self.stop!r}, {self.step!r})"


class enumerate:  # noqa: A001
    """``enumerate(iterable, start=0)``; as the builtin when iterated in Python."""

    __slots__ = ("iterable", "start")

    def __init__(self, iterable: Any, start: int = 0) -> None:
        self.iterable = iterable
        self.start = start

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        return iter(builtins.enumerate(self.iterable, self.start))

    def __repr__(self) -> str:
        return f"rt.enumerate({self.iterable!r}, start={self.start!r})"


class zip:  # noqa: A001
    """``zip(*iterables, strict=False)``; as the builtin when iterated in Python."""

    __slots__ = ("iterables", "strict")

    def __init__(self, *iterables: Any, strict: bool = False) -> None:
        self.iterables = iterables
        self.strict = strict

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(builtins.zip(*self.iterables, strict=self.strict))

    def __repr__(self) -> str:
        return f"rt.zip({', '.join(builtins.map(repr, self.iterables))})"

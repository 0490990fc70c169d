"""Which Variables a piece of code reads and writes.

A :class:`StateTrace` is a context manager. While it is active, every read and
every write of a :class:`~runtime.Variable` is recorded in it (and in every
enclosing trace: traces nest). ``jit`` and the control-flow functions use it to
find, by running or tracing a function once, the Variables they must pass in
and write back; users never need to list them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runtime.variable import Variable

__all__ = ["StateTrace", "active_traces", "record_read", "record_write"]


class _TraceStack(threading.local):
    def __init__(self) -> None:
        self.traces: list[StateTrace] = []


_STACK = _TraceStack()


def active_traces() -> list[StateTrace]:
    """The traces active in this thread, outermost first."""
    return _STACK.traces


class StateTrace:
    """Records the Variables read and written while it is active.

    Example::

        with StateTrace() as trace:
            f()
        trace.touched()   # every Variable f read or wrote, in first-touch order
        trace.restore()   # put back the values the written ones had on entry
    """

    __slots__ = ("reads", "writes", "originals", "_order")

    def __init__(self) -> None:
        self.reads: dict[int, Variable] = {}
        self.writes: dict[int, Variable] = {}
        # The value each written Variable had before its first write in this trace.
        self.originals: dict[int, Any] = {}
        self._order: dict[int, Variable] = {}

    def __enter__(self) -> StateTrace:
        _STACK.traces.append(self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        popped = _STACK.traces.pop()
        assert popped is self, "StateTrace exited out of order"

    def touched(self) -> list[Variable]:
        """Variables read or written, in the order they were first touched."""
        return list(self._order.values())

    def written(self) -> list[Variable]:
        """Variables written, in the order they were first written."""
        return list(self.writes.values())

    def was_written(self, var: Variable) -> bool:
        return id(var) in self.writes

    def restore(self) -> None:
        """Give every written Variable back the value it had before this trace wrote it.

        The restore itself is not recorded as a write anywhere.
        """
        for key, var in self.writes.items():
            var._value = self.originals[key]

    def __iter__(self) -> Iterator[Variable]:
        return iter(self._order.values())


def record_read(var: Variable) -> None:
    for trace in _STACK.traces:
        key = id(var)
        if key not in trace._order:
            trace._order[key] = var
        if key not in trace.reads:
            trace.reads[key] = var


def record_write(var: Variable) -> None:
    """Record a write; call it *before* the new value is stored."""
    for trace in _STACK.traces:
        key = id(var)
        if key not in trace._order:
            trace._order[key] = var
        if key not in trace.writes:
            trace.writes[key] = var
            trace.originals[key] = var._value

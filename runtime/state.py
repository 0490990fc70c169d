"""Which Variables a piece of code reads and writes.

A :class:`StateTrace` is a context manager. While it is active, every read and
every write of a :class:`~runtime.Variable` is recorded in it (and in every
enclosing trace: traces nest). ``jit`` and the control-flow functions use it to
find, by running or tracing a function once, the Variables they must pass in
and write back; users never need to list them.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from runtime.variable import Variable

__all__ = [
    "AttributeStore",
    "Captured",
    "capture",
    "carry_candidates",
    "StateTrace",
    "active_traces",
    "attribute_watch",
    "record_attribute_store",
    "discover",
    "record_read",
    "record_write",
    "run_with_values",
]


class _TraceStack(threading.local):
    def __init__(self) -> None:
        self.traces: list[StateTrace] = []
        # One list per active rt.jit trace: traced values stored into plain attributes.
        self.attribute_stores: list[list[AttributeStore]] = []
        # Variables whose values are inputs of the traces being built (rt.jit's
        # Variables, a loop body's carried ones): what a loop body may write.
        self.inputs: list[Sequence[Variable]] = []


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
        """Give back the values Variables had before they were written under this trace.

        Covers the writes made while this trace was the innermost one (inner
        traces restore their own). The restore is not recorded as a write.
        """
        for key, value in self.originals.items():
            self.writes[key]._value = value

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
    """Record a write; call it *before* the new value is stored.

    Every active trace learns that ``var`` was written, but only the innermost
    one keeps the value to restore: an enclosing trace may belong to another
    JAX trace level, and must never be handed a value from an inner one. Every
    runtime construct that opens a trace restores what was written under it.
    """
    traces = _STACK.traces
    key = id(var)
    for trace in traces:
        if key not in trace._order:
            trace._order[key] = var
        if key not in trace.writes:
            trace.writes[key] = var
    innermost = traces[-1]
    if key not in innermost.originals:
        innermost.originals[key] = var._value


def run_with_values(
    fn: Callable[..., Any],
    variables: Sequence[Variable],
    values: Sequence[Any],
    *args: Any,
    **kwargs: Any,
) -> tuple[Any, list[Any], StateTrace]:
    """Call ``fn`` as a pure function of the given Variable values.

    Gives each of ``variables`` the matching entry of ``values``, calls
    ``fn(*args, **kwargs)``, and returns its result, the values ``variables``
    hold afterwards, and the trace of what the call touched. On return (or
    error) every Variable holds what it held before: the caller decides what
    to write back. The injected values are recorded as reads by enclosing
    traces, not as writes.
    """
    saved = [var._value for var in variables]
    for var in variables:
        record_read(var)
    inputs = _STACK.inputs
    inputs.append(variables)
    with StateTrace() as trace:
        try:
            for var, value in zip(variables, values):
                var._value = value
            out = fn(*args, **kwargs)
            new_values = [var._value for var in variables]
        finally:
            trace.restore()
            for var, value in zip(variables, saved):
                var._value = value
            inputs.pop()
    return out, new_values, trace


def discover(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, StateTrace]:
    """Trace ``fn`` abstractly and report what it touches, changing nothing.

    Returns the ``jax.eval_shape`` of the call (ShapeDtypeStructs) and the
    trace of the Variables it read and wrote, all restored afterwards.
    """
    import jax

    with StateTrace() as trace:
        try:
            out = jax.eval_shape(fn, *args, **kwargs)
        finally:
            trace.restore()
    return out, trace


def carry_candidates() -> list[Variable]:
    """Variables a loop body may write, to trace it with their values as inputs.

    The Variables whose values are inputs of the traces now being built (an
    ``rt.jit``'s, a loop body's) and are traced values. A Variable holding a
    concrete value is left out: as an input it would turn Python decisions on
    it into traced ones.
    """
    from jax.core import Tracer

    seen: dict[int, Variable] = {}
    for group in _STACK.inputs:
        for var in group:
            if isinstance(var._value, Tracer):
                seen.setdefault(id(var), var)
    return list(seen.values())


class Captured(NamedTuple):
    """A function traced once to a jaxpr by :func:`capture`, to replay without its Python.

    ``written`` are the Variables the call wrote (first-write order),
    ``trace`` what it read and wrote, ``out_avals`` the avals of its outputs.
    """

    jaxpr: Any  # a ClosedJaxpr: (leaves of args, values of inputs) -> (outputs, written values)
    inputs: list[Variable]
    written: list[Variable]
    trace: StateTrace
    out_avals: list[Any]

    def replay(self, args: Any, values: Sequence[Any]) -> tuple[list[Any], list[Any]]:
        """The call's outputs and the written Variables' new values, for these inputs.

        Binds the recorded operations in the current trace; runs no user code.
        """
        import jax

        flat = jax.core.eval_jaxpr(
            self.jaxpr.jaxpr, self.jaxpr.consts, *jax.tree_util.tree_leaves(args), *values
        )
        n = len(self.out_avals)
        return flat[:n], flat[n:]


def capture(fn: Callable[..., list[Any]], args: Any, inputs: Sequence[Variable] = ()) -> Captured:
    """Trace ``fn(*args)`` once to a jaxpr; report what it touched, changing nothing.

    ``fn`` returns a flat list of arrays. The values of ``inputs`` are inputs
    of the jaxpr (each Variable holds a fresh tracer during the call); other
    Variables it reads are constants of the jaxpr. Its outputs are ``fn``'s,
    then the values of the Variables it wrote. Like :func:`discover`, every
    Variable holds its old value afterwards. The reads and writes are recorded
    by enclosing traces, so constructs around this one learn them.
    """
    import jax

    inputs = list(inputs)
    box: list[tuple[StateTrace, list[Variable]]] = []

    def traced(args: Any, values: list[Any]) -> tuple[list[Any], list[Any]]:
        saved = [var._value for var in inputs]
        _STACK.inputs.append(inputs)
        with StateTrace() as trace:
            try:
                for var, value in zip(inputs, values):
                    var._value = value
                out = fn(*args)
                written = trace.written()
                new_values = [var._value for var in written]
            finally:
                trace.restore()
                for var, value in zip(inputs, saved):
                    var._value = value
                _STACK.inputs.pop()
        box.append((trace, written))
        return out, new_values

    values = [jax.ShapeDtypeStruct(v._value.shape, v._value.dtype) for v in inputs]
    jaxpr, (out_shapes, _) = jax.make_jaxpr(traced, return_shape=True)(args, values)
    trace, written = box[-1]
    out_avals = [
        jax.ShapeDtypeStruct(a.shape, a.dtype, weak_type=a.weak_type)
        for a in jaxpr.out_avals[: len(out_shapes)]
    ]
    return Captured(jaxpr, inputs, written, trace, out_avals)


class AttributeStore:
    """A traced value that converted code stored into a plain attribute.

    ``previous`` is what the attribute held before (``MISSING`` if absent);
    ``where`` the user's ``file:line`` of the construct that wrote it. The
    object is held weakly when it can be: an object the traced function made
    and dropped cannot leak anything.
    """

    __slots__ = ("_obj", "name", "value", "previous", "where")

    MISSING: Any = object()

    def __init__(self, obj: Any, name: str, value: Any, previous: Any, where: str) -> None:
        try:
            self._obj: Callable[[], Any] = weakref.ref(obj)
        except TypeError:  # no weak references (say, __slots__ without __weakref__)
            self._obj = lambda: obj
        self.name = name
        self.value = value
        self.previous = previous
        self.where = where

    @property
    def obj(self) -> Any:
        """The object, or None once it is gone."""
        return self._obj()

    def still_there(self) -> bool:
        """Is the object alive, and does its attribute still hold the stored value?"""
        obj = self._obj()
        return obj is not None and getattr(obj, self.name, AttributeStore.MISSING) is self.value

    def undo(self) -> None:
        """Put back what the attribute held before the store, if it still holds it."""
        if not self.still_there():
            return
        obj = self._obj()
        if self.previous is AttributeStore.MISSING:
            delattr(obj, self.name)
        else:
            setattr(obj, self.name, self.previous)


class attribute_watch:  # noqa: N801 - used as a context manager, like a function
    """Collect the traced attribute stores made while active (one rt.jit trace).

    Example::

        with attribute_watch() as stores:
            trace_the_function()
        leaked = [s for s in stores if s.still_there()]
    """

    __slots__ = ("stores",)

    def __init__(self) -> None:
        self.stores: list[AttributeStore] = []

    def __enter__(self) -> list[AttributeStore]:
        _STACK.attribute_stores.append(self.stores)
        return self.stores

    def __exit__(self, *exc_info: object) -> None:
        popped = _STACK.attribute_stores.pop()
        assert popped is self.stores, "attribute_watch exited out of order"


def record_attribute_store(store: AttributeStore) -> bool:
    """Tell the innermost ``attribute_watch`` about a store; False if none is active."""
    stacks = _STACK.attribute_stores
    if not stacks:
        return False
    stacks[-1].append(store)
    return True


def watching_attributes() -> bool:
    """Is an ``attribute_watch`` active in this thread (an rt.jit trace)?"""
    return bool(_STACK.attribute_stores)

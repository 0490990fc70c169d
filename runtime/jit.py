"""jit: compile functions, methods and Modules that read and write Variables.

How it works. Each jitted function keeps the list of Variables it is known to
touch. A call passes their current values to ``jax.jit(pure)``, where
``pure(values, *args)`` runs the user's function with those values swapped in
(:func:`runtime.state.run_with_values`) and returns the result together with a
``{index: new value}`` dict of the Variables it wrote. If, while JAX traces
``pure``, the function touches a Variable that is not in the list, the trace is
aborted (before anything is compiled) by a private exception, the list grows
and the call is made again. So a first call costs two traces and one compile,
and any later retrace (new shapes, new static arguments) that reaches new
state heals itself. The written set lives in the *structure* of the output, so
the Python side never hashes a signature: ``jax.jit``'s C++ cache does it.
"""

from __future__ import annotations

import functools
import inspect
import operator
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar, overload

import jax
import numpy as np

from runtime.control import find_undefined
from runtime.errors import AttributeStateError
from runtime.module import Module
from runtime.operators import take_check_failure
from runtime.state import (
    _STACK,
    AttributeStore,
    attribute_watch,
    record_read,
    record_write,
    run_with_values,
)
from runtime.tracing import of_trace
from runtime.variable import Variable

__all__ = ["jit", "JitFunction", "JitModule"]

M = TypeVar("M", bound=Module)

_Tracer = jax.core.Tracer

try:  # JAX >= 0.4.36 keeps the current trace in a context object.
    from jax._src.core import trace_ctx as _trace_ctx

    def _current_trace() -> Any:
        return _trace_ctx.trace

except ImportError:  # pragma: no cover - other JAX layouts

    def _current_trace() -> Any:
        return None


# A Variable created from a constant on every call looks like new state each
# time; past this many discovery rounds in one call we stop and say so.
_MAX_ROUNDS = 16

# Argument types that can never hold a Variable or a Module: the hot path
# skips them with one set lookup.
try:
    from jax._src.array import ArrayImpl as _ArrayImpl
except ImportError:  # pragma: no cover - other JAX layouts
    _ArrayImpl = np.ndarray  # type: ignore[misc,assignment]
_get_value = operator.attrgetter("_value")

_PLAIN_TYPES = frozenset({_ArrayImpl, np.ndarray, int, float, bool, complex, str, type(None)})


class _NewVariables(Exception):
    """Aborts a JAX trace of ``owner`` that touched Variables it did not know."""

    def __init__(self, owner: JitFunction, variables: list[Variable]) -> None:
        super().__init__(f"{len(variables)} new Variable(s)")
        self.owner = owner
        self.variables = variables


class _VarSlot:
    """Stands, in the arguments given to ``jax.jit``, for a Variable argument.

    It is a pytree without leaves whose static data is the Variable's index in
    the known list, so the Variable's value travels with the other Variable
    values (and writes to it are written back) instead of being copied.
    """

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index

    def __hash__(self) -> int:
        return hash((_VarSlot, self.index))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _VarSlot) and other.index == self.index


class _Static:
    """Passes an object (a Module argument) to ``jax.jit`` as static, by identity."""

    __slots__ = ("obj",)

    def __init__(self, obj: Any) -> None:
        self.obj = obj

    def __hash__(self) -> int:
        return id(self.obj)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Static) and other.obj is self.obj


jax.tree_util.register_pytree_node(_VarSlot, lambda s: ((), s.index), lambda i, _: _VarSlot(i))
jax.tree_util.register_pytree_node(_Static, lambda s: ((), s), lambda s, _: s)


def _holds_state(x: Any) -> bool:
    """Does ``x`` (or a list, tuple or dict inside it) contain a Variable or Module?"""
    if isinstance(x, (Variable, Module)):
        return True
    if isinstance(x, (list, tuple)):
        return any(_holds_state(item) for item in x)
    if isinstance(x, dict):
        return any(_holds_state(item) for item in x.values())
    return False


def _is_marker(x: Any) -> bool:
    return isinstance(x, (_VarSlot, _Static))


def _resolve_marker(x: Any, variables: list[Variable]) -> Any:
    if isinstance(x, _VarSlot):
        return variables[x.index]
    if isinstance(x, _Static):
        return x.obj
    return x


def _unwrap_outputs(out: Any) -> Any:
    return jax.tree_util.tree_map(
        lambda leaf: leaf.value if isinstance(leaf, Variable) else leaf,
        out,
        is_leaf=lambda leaf: isinstance(leaf, Variable),
    )


def _name(fn: Any) -> str:
    return getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)


def _pure_signature(fn: Callable[..., Any]) -> inspect.Signature | None:
    """The signature of ``fn`` with a leading ``values`` parameter.

    ``jax.jit`` reads it to map ``static_argnums`` and ``static_argnames`` to
    the user's parameters (it cannot see through ``*args, **kwargs``).
    """
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    values = inspect.Parameter("__rt_values", inspect.Parameter.POSITIONAL_ONLY)
    return sig.replace(parameters=[values, *sig.parameters.values()])


class JitFunction:
    """A compiled function that tracks the Variables it reads and writes.

    Made by :func:`jit`; call it like the function it wraps.
    """

    def __init__(
        self,
        fn: Callable[..., Any],
        static_argnums: int | Sequence[int] = (),
        static_argnames: str | Sequence[str] = (),
    ) -> None:
        if not callable(fn):
            raise TypeError(f"jit expects a function, method or Module, got {type(fn).__name__}")
        if isinstance(static_argnums, int):
            static_argnums = (static_argnums,)
        if isinstance(static_argnames, str):
            static_argnames = (static_argnames,)
        self._fn = fn
        self._vars: list[Variable] = []
        self._index: dict[int, int] = {}
        functools.update_wrapper(self, fn, updated=())  # type: ignore[arg-type]

        owner = self

        def pure(values: list[Any], *args: Any, **kwargs: Any) -> tuple[Any, dict[int, Any]]:
            variables = owner._vars[: len(values)]
            current = _current_trace()
            args, kwargs = jax.tree_util.tree_map(
                lambda x: _resolve_marker(x, variables), (args, kwargs), is_leaf=_is_marker
            )
            with attribute_watch() as stores:
                try:
                    out, new_values, trace = run_with_values(
                        _call_and_unwrap, variables, values, fn, args, kwargs
                    )
                except BaseException:
                    _undo(stores)
                    raise
            known = {id(var) for var in variables}
            unknown = [
                var
                for var in trace.touched()
                if id(var) not in known and not of_trace(var._value, current)
            ]
            if unknown:
                _undo(stores)  # the retrace must load the values from before this trace
                raise _NewVariables(owner, unknown)
            if stores:
                _check_attribute_stores(fn, stores, current)
            updates = {
                i: new_values[i] for i, var in enumerate(variables) if trace.was_written(var)
            }
            return out, updates

        pure.__name__ = getattr(fn, "__name__", "fn")
        pure.__qualname__ = _name(fn)
        sig = _pure_signature(fn)
        if sig is not None:
            pure.__signature__ = sig  # type: ignore[attr-defined]
        # With only one of static_argnums / static_argnames given, jax.jit
        # infers the other from the signature, as it does for user functions.
        self._jitted = jax.jit(
            pure,
            static_argnums=tuple(i + 1 if i >= 0 else i for i in static_argnums) or None,
            static_argnames=tuple(static_argnames) or None,
        )

        # While no Variable is known (a pure function, so far), calls skip the
        # empty value list and the empty update dict: jax.jit's own dispatch,
        # plus this wrapper's few checks, is then all a call costs.
        def stateless(*args: Any, **kwargs: Any) -> Any:
            return pure([], *args, **kwargs)[0]

        stateless.__name__ = pure.__name__
        stateless.__qualname__ = pure.__qualname__
        try:
            stateless.__signature__ = inspect.signature(fn)  # type: ignore[attr-defined]
        except (TypeError, ValueError):
            pass
        self._stateless = jax.jit(
            stateless,
            static_argnums=tuple(static_argnums) or None,
            static_argnames=tuple(static_argnames) or None,
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # Hot path: no active StateTrace and no Variable or Module argument.
        if _STACK.traces:
            return self._call_slow(args, kwargs)
        for arg in args:
            if type(arg) not in _PLAIN_TYPES and _holds_state(arg):
                return self._call_slow(args, kwargs)
        if kwargs and _holds_state(kwargs):
            return self._call_slow(args, kwargs)
        variables = self._vars
        try:
            if not variables:
                return self._stateless(*args, **kwargs)
            out, updates = self._jitted([var._value for var in variables], *args, **kwargs)
        except _NewVariables as exc:
            if exc.owner is not self:
                raise
            self._learn(exc.variables)
            return self._call_slow(args, kwargs)
        except _JaxRuntimeError as exc:
            _reraise_check_failure(exc)
            raise
        if updates:
            for value in updates.values():
                if type(value) is not _ArrayImpl and isinstance(value, _Tracer):
                    raise _escaping_state_error(self._fn, [variables[i] for i in updates])
            for i, value in updates.items():
                variables[i]._value = value
        return out

    def _cache_size(self) -> int:
        """How many compiled versions exist (both dispatch paths), for tests counting compiles."""
        return int(self._jitted._cache_size() + self._stateless._cache_size())  # type: ignore[attr-defined]

    def _call_slow(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        args, kwargs = self._mark_state_arguments(args, kwargs)
        for _ in range(_MAX_ROUNDS):
            variables = self._vars
            if _STACK.traces:
                # An enclosing jit or control-flow construct must learn what this
                # call reads even when jax.jit reuses a cached trace of ``pure``.
                for var in variables:
                    record_read(var)
            try:
                out, updates = self._jitted(list(map(_get_value, variables)), *args, **kwargs)
            except _NewVariables as exc:
                if exc.owner is not self:
                    raise
                self._learn(exc.variables)
                continue
            except _JaxRuntimeError as exc:
                _reraise_check_failure(exc)
                raise
            if updates:
                self._write_back(updates)
            return out
        raise RuntimeError(
            f"rt.jit({_name(self._fn)}): the Variables it touches kept changing over "
            f"{_MAX_ROUNDS} traces. This happens when the function creates a Variable from "
            "a constant array on every call: create the Variable outside the function "
            "(for example in the Module's __init__) instead."
        )

    def _learn(self, variables: list[Variable]) -> None:
        for var in variables:
            if id(var) not in self._index:
                self._index[id(var)] = len(self._vars)
                self._vars.append(var)

    def _mark_state_arguments(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """Replace Variable arguments by slots in the known list and Modules by statics."""

        def mark(x: Any) -> Any:
            if isinstance(x, Variable):
                self._learn([x])
                return _VarSlot(self._index[id(x)])
            if isinstance(x, Module):
                return _Static(x)
            if isinstance(x, (list, tuple, dict)) and _holds_state(x):
                return jax.tree_util.tree_map(
                    mark, x, is_leaf=lambda y: isinstance(y, (Variable, Module))
                )
            return x

        return tuple(mark(a) for a in args), {k: mark(v) for k, v in kwargs.items()}

    def _write_back(self, updates: dict[int, Any]) -> None:
        variables = self._vars
        if _STACK.traces:
            for i, value in updates.items():
                var = variables[i]
                record_write(var)
                var._value = value
            return
        for value in updates.values():
            if isinstance(value, _Tracer):
                raise _escaping_state_error(self._fn, [variables[i] for i in updates])
        for i, value in updates.items():
            variables[i]._value = value

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        # Used as a method decorator: bind like a function (self becomes static).
        if instance is None:
            return self
        return functools.partial(self, instance)

    def __repr__(self) -> str:
        return f"<rt.jit of {_name(self._fn)}>"


class JitModule(JitFunction, Generic[M]):
    """A compiled Module: calling it runs the Module's ``__call__`` compiled.

    Attribute access (get and set) goes to the Module, so ``model = rt.jit(net)``
    can be used in place of ``net``: ``model(x)``, ``model.w``, ``model.vars()``.
    """

    _OWN = frozenset({"_fn", "_vars", "_index", "_jitted", "_stateless", "_module"})

    def __init__(
        self,
        module: M,
        static_argnums: int | Sequence[int] = (),
        static_argnames: str | Sequence[str] = (),
        *,
        call: Callable[..., Any] | None = None,
    ) -> None:
        """``call``: what a call runs instead of ``module.__call__`` (say, a
        rewritten version of it); attribute access still goes to ``module``."""
        object.__setattr__(self, "_module", module)
        fn = call if call is not None else module.__call__  # type: ignore[operator]
        super().__init__(fn, static_argnums, static_argnames)
        # The Module's own Variables are known up front, so the first call needs one
        # trace, not a discovery trace that stops at the first unknown Variable.
        if isinstance(module, Module):
            self._learn(list(module.vars().values()))

    @property
    def module(self) -> M:
        """The Module this compiles."""
        return self._module  # type: ignore[no-any-return]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in JitModule._OWN:
            raise AttributeError(name)
        return getattr(self._module, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in JitModule._OWN or name.startswith("__"):
            object.__setattr__(self, name, value)
        else:
            setattr(self._module, name, value)

    def __repr__(self) -> str:
        return f"<rt.jit of {type(self._module).__name__} module>"


def _call_and_unwrap(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    out = fn(*args, **kwargs)
    unbound = find_undefined(out)
    if unbound is not None:
        unbound._fail()  # returning a name with no value: Python raises at the return
    return _unwrap_outputs(out)


_JaxRuntimeError: type[BaseException] = getattr(jax.errors, "JaxRuntimeError", RuntimeError)


def _reraise_check_failure(error: BaseException) -> None:
    """If ``error`` reports a failed assert or raise check, raise the user's exception."""
    original = take_check_failure(error)
    if original is not None:
        raise original.with_traceback(None) from error


def _undo(stores: list[AttributeStore]) -> None:
    for store in reversed(stores):
        store.undo()


def _check_attribute_stores(fn: Any, stores: list[AttributeStore], current: Any) -> None:
    """Raise if a traced value stored into a plain attribute outlives the trace."""
    leaked = [
        store
        for store in stores
        if store.still_there() and of_trace(store.value, current)
    ]
    if not leaked:
        return
    _undo(stores)
    first = leaked[0]
    names = ", ".join(dict.fromkeys(f"{type(s.obj).__name__}.{s.name}" for s in leaked))
    before = (
        "did not exist"
        if first.previous is AttributeStore.MISSING
        else f"held a Python {type(first.previous).__name__}"
    )
    aval = getattr(first.value, "aval", None)
    kind = aval.str_short() if aval is not None and hasattr(aval, "str_short") else type(first.value).__name__
    raise AttributeStateError(
        f"rt.jit({_name(fn)}): the plain attribute {type(first.obj).__name__}.{first.name} "
        f"(before the call it {before}) is written at {first.where} by control flow that ran "
        f"on traced values (a traced condition, or a compiled loop), so after the call it "
        f"would hold a traced value ({kind}) that leaks out of the compiled function. "
        f"Leaking: {names}; nothing was written to them.\n"
        f"Make it an rt.Variable (self.{first.name} = rt.Variable(jnp.asarray(...)) in "
        f"__init__) so compiled calls carry it, or write it only on paths whose conditions "
        f"are Python values. See docs/errors.md#attribute-state"
    )


def _escaping_state_error(fn: Any, variables: list[Variable]) -> RuntimeError:
    return RuntimeError(
        f"rt.jit({_name(fn)}) writes {len(variables)} Variable(s) "
        f"({', '.join(f'shape {v.shape} {v.dtype}' for v in variables)}), but it is called "
        "inside a JAX transformation (jax.jit, jax.vmap, jax.grad, ...) that cannot carry "
        "Variable state out, so the new values would be leaked tracers. Nothing was "
        "written. Compile the outer function with rt.jit instead of jax.jit, or return "
        "the new values and assign them outside the transformation."
    )


@overload
def jit(
    fn: M,
    static_argnums: int | Sequence[int] = (),
    static_argnames: str | Sequence[str] = (),
) -> JitModule[M]: ...


@overload
def jit(
    fn: Callable[..., Any],
    static_argnums: int | Sequence[int] = (),
    static_argnames: str | Sequence[str] = (),
) -> JitFunction: ...


@overload
def jit(
    fn: None = None,
    static_argnums: int | Sequence[int] = (),
    static_argnames: str | Sequence[str] = (),
) -> Callable[[Callable[..., Any]], JitFunction]: ...


def jit(
    fn: Any = None,
    static_argnums: int | Sequence[int] = (),
    static_argnames: str | Sequence[str] = (),
) -> Any:
    """Compile a function, bound method or Module, tracking the Variables it touches.

    Equivalent to this Python (but compiled with ``jax.jit``)::

        def jitted(*args, **kwargs):
            return fn(*args, **kwargs)     # reads and writes Variables in place

    Unlike ``jax.jit``, the Variables the call reads or writes -- attributes of
    ``self``, of sub-Modules, globals, closures, Variables passed as arguments --
    are found automatically: their values are passed in and the written ones
    are written back after the call, so eager and compiled calls leave the same
    state. Variables returned by ``fn`` are returned as their values.

    Unlike Python:

    - ``fn`` is traced, as by ``jax.jit``: Python control flow on traced values
      needs ``rt.where`` / ``rt.ifelse`` / ``rt.for_loop`` / ``rt.while_loop``
      (or ``autoflow.jit``), and Python side effects run only while tracing.
    - Compiled code is cached per input signature (shapes, dtypes, static
      arguments) and per set of Variables (their shapes and dtypes too); it is
      recompiled when either changes. Module arguments are static (by identity).
    - A call from inside ``jax.jit``/``jax.vmap``/``jax.grad`` may read
      Variables but may not write them (a clear error); inside ``rt.jit`` and
      runtime control flow it may do both.

    Args:
      fn: a function, a bound method, or a :class:`~runtime.Module` instance (its
        ``__call__`` is compiled). Omit it to use ``jit(static_argnums=...)`` as
        a decorator.
      static_argnums: positions of arguments that are static (hashable Python
        values; a new value compiles anew), as in ``jax.jit``.
      static_argnames: names of arguments that are static.

    Returns:
      A :class:`JitFunction`, or for a Module a :class:`JitModule` that forwards
      attribute access to the Module.

    Example::

        class Counter(rt.Module):
            def __init__(self):
                self.n = rt.Variable(jnp.zeros((), jnp.int32))

            def __call__(self, step):
                self.n += step
                return self.n

        counter = rt.jit(Counter())
        counter(2)     # Array(2, dtype=int32)
        counter.n      # Variable(2, dtype=int32)
    """
    if fn is None:
        return functools.partial(
            jit, static_argnums=static_argnums, static_argnames=static_argnames
        )
    if isinstance(fn, Module):
        return JitModule(fn, static_argnums, static_argnames)
    return JitFunction(fn, static_argnums, static_argnames)

"""Loops that can be left early, and the value of a function that may not return.

``for_each_until`` is the form the transpiler emits for a ``for`` loop with a
``break`` (or a ``return`` inside it): the first carried value is the exit
flag. ``NoReturn`` / ``return_value`` stand for the ``None`` a function returns
when it falls off its end, so that a traced path mixing "returned a value"
and "fell off the end" is a clear error naming the line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from runtime.control import Undefined, _is_traced, _predicate, _split, ifelse
from runtime.iterables import range as _range
from runtime.loops import (
    Pending,
    fill_learned,
    for_each,
    learn,
    normalize_state,
    scan_plan,
    unbound_if_no_trip,
    while_loop,
)
from runtime.state import discover
from runtime.tracing import inside_transformation
from runtime.variable import Variable

__all__ = ["NoReturn", "for_each_until", "return_slot", "return_value", "returned"]


class NoReturn(Undefined):
    """The ``None`` a function returns by falling off its end (line ``line``).

    Generated code assigns it to the return value on the paths that reach the
    end of a function without ``return``; :func:`return_value` turns it into
    ``None``. If a traced ``if`` or loop mixes it with a returned value, the
    runtime's :class:`~runtime.BranchMismatchError` names it, and so the line.
    """

    __slots__ = ()

    def __init__(self, function: str, where: str | None = None) -> None:
        name = (
            function
            if where is None
            else (f"return value of {function}() (it returns None at {where} on some paths)")
        )
        super().__init__(name)


# A pytree with no leaves, like Undefined (registration is per class).
jax.tree_util.register_pytree_node(NoReturn, lambda u: ((), u.name), lambda name, _: NoReturn(name))


def return_value(value: Any) -> Any:
    """``None`` for :class:`NoReturn`, else ``value`` (the function's result)."""
    return None if isinstance(value, NoReturn) else value


def return_slot(name: str) -> Undefined:
    """The value of a ``return`` inside a loop, before that ``return`` has run.

    Generated code binds it before a loop holding a ``return``, assigns the
    returned value to it at the ``return`` (through :func:`returned` when a
    traced ``if`` may decide), and reads it after the loop only if the loop's
    ``_return_N`` flag is set. Until then it is an :class:`~runtime.Undefined`
    named ``name``; a compiled loop carries zeros of the returned type in its
    place, as nothing reads it on the paths where no ``return`` ran.
    """
    return Undefined(name, Pending(f"{name!r} is set only by a return inside a loop"))


def returned(value: Any, slot: Any) -> Any:
    """``value``, the value of a ``return`` inside a loop; tells ``slot`` its type.

    Equivalent to this Python::

        slot = value

    Unlike Python, the type of ``value`` is remembered by the
    :func:`return_slot` ``slot``, so that a compiled loop around a traced
    ``if`` holding the ``return`` can carry the slot from its first step.
    """
    learn(slot, value)
    return value


class _Guarded:
    """``body(item, *state)`` that does nothing once the exit flag ``state[0]`` is set.

    Looks like ``body`` to the runtime's error messages (``__code__``).
    """

    def __init__(self, body: Callable[..., Any]) -> None:
        self.body = body
        self.__code__ = getattr(body, "__code__", None)
        self.__qualname__ = getattr(body, "__qualname__", type(body).__name__)

    def __call__(self, item: Any, *state: Any) -> Any:
        def skip(*s: Any) -> tuple[Any, ...]:
            return s

        def run(*s: Any) -> Any:
            return normalize_state("for_each_until", self.body, self.body(item, *s), s)

        return ifelse(state[0], (skip, run), state)


def for_each_until(
    body_fun: Callable[..., Any], iterable: Any, state: tuple[Any, ...]
) -> tuple[Any, ...]:
    """A ``for`` statement that stops once its exit flag is set.

    Equivalent to this Python (``state[0]`` is the flag, set by ``break``)::

        for item in iterable:
            state = body_fun(item, *state)
            if state[0]:
                break
        return state

    Unlike Python, where :func:`runtime.for_each` compiles the loop:
      * over arrays, Variables and ``rt.range`` with Python-int bounds it is a
        *masked scan*: every later iteration is ``lax.cond(flag, skip, body)``,
        so the body's work stops after the flag is set (one predicate per
        remaining step) and the loop stays reverse-differentiable;
      * over ``rt.range`` with a traced bound it is a ``lax.while_loop`` whose
        condition also tests the flag, so it really stops;
      * carried values the body assigns that are not bound yet
        (``rt.Undefined``) start as zeros of the type the body gives them.
    A loop over Python objects, or outside any transformation, is the Python
    loop above with a real ``break`` (a generator is not consumed further).
    A zero-trip loop over an empty array returns ``state`` unchanged (the
    flag stays a Python bool).

    Args:
      body_fun: ``body_fun(item, *state)`` returns the new state tuple.
      iterable: what the ``for`` statement iterates over.
      state: the carried values; ``state[0]`` is the exit flag.

    Returns:
      The final state tuple.
    """
    if not isinstance(state, tuple) or not state:
        raise TypeError("for_each_until: state must be a tuple whose first value is the exit flag")
    if isinstance(iterable, _range) and iterable.is_traced():
        return _range_until(body_fun, iterable, state)
    plan = scan_plan(iterable) if inside_transformation() else None
    if plan is None:
        return _py_for_each_until(body_fun, iterable, state)
    if plan.length == 0:
        return state
    x_avals = jax.tree_util.tree_map(lambda a: jax.ShapeDtypeStruct(a.shape[1:], a.dtype), plan.xs)
    item_aval = plan.item(x_avals)
    state = _settle_undefined(body_fun, item_aval, state)
    return for_each(_Guarded(body_fun), iterable, state)


def _py_for_each_until(
    body_fun: Callable[..., Any], iterable: Any, state: tuple[Any, ...]
) -> tuple[Any, ...]:
    guarded = _Guarded(body_fun)
    for item in iterable:
        step = guarded if _is_traced(state[0]) else body_fun
        state = normalize_state("for_each_until", body_fun, step(item, *state), state)
        flag = state[0]
        if not _is_traced(flag) and _predicate("for_each_until", flag, "the exit flag"):
            break
    return state


def _settle_undefined(
    body_fun: Callable[..., Any], item: Any, state: tuple[Any, ...]
) -> tuple[Any, ...]:
    """Give carried names the body binds (but are unbound before the loop) zeros.

    The masked step ``cond(flag, skip, body)`` needs both sides to agree, so
    an ``Undefined`` the body assigns must already have the body's type.
    """
    if not any(isinstance(s, Undefined) for s in state):
        return state
    split = _split(state)

    def probe(x: Any, dyn: list[Any]) -> Any:
        out = normalize_state("for_each_until", body_fun, body_fun(x, *split.rebuild(dyn)), state)
        return tuple(None if isinstance(o, Undefined) else o for o in out)

    out, _ = discover(probe, item, split.dynamic)
    state = fill_learned(state)  # return slots set under a traced if
    filled = []
    for s, o in zip(state, out):
        if isinstance(s, Undefined) and o is not None:
            o = jax.tree_util.tree_map(
                lambda a: jnp.zeros(a.shape, a.dtype) if isinstance(a, jax.ShapeDtypeStruct) else a,
                o,
                is_leaf=lambda v: isinstance(v, Variable),
            )
            filled.append(o)
        else:
            filled.append(s)
    return tuple(filled)


def _range_until(
    body_fun: Callable[..., Any], r: _range, state: tuple[Any, ...]
) -> tuple[Any, ...]:
    """``for i in range(...)`` with a traced bound and a break: a while loop testing the flag."""
    stop, step = r.stop, r.step

    def cond(i: Any, flag: Any, *_: Any) -> Any:
        if _is_traced(step):
            more = jnp.where(step > 0, i < stop, i > stop)
        else:
            more = i < stop if step > 0 else i > stop
        return jnp.logical_and(jnp.logical_not(flag), more)

    def body(i: Any, *s: Any) -> tuple[Any, ...]:
        return (i + step, *normalize_state("for_each_until", body_fun, body_fun(i, *s), s))

    start = jnp.asarray(r.start, dtype=jnp.result_type(r.start, stop, step))
    item = jax.ShapeDtypeStruct((), start.dtype)
    settled = _settle_undefined(body_fun, item, state)
    out = while_loop(body, cond, (start, *settled))
    # The zeros that stood in for names the body binds are no values if it ran zero times.
    return unbound_if_no_trip(state, tuple(out[1:]), body_fun)

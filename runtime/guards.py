"""Guards that change nothing: ``if mask.any(): x = where(mask, a, x)`` needs no test.

Neuron models guard their spike handling::

    if spike.any():
        self.t_last.value = jnp.where(spike, t, self.t_last.value)
        self.count += spike.astype(jnp.int32)

A small branch like this runs as a select (runtime/branch_select.py): every
step computes ``mask.any()`` and picks, for each value the branch writes,
between the branch's result and the value before. But where ``mask`` is all
False the branch's result *is* the value before (``where(False, t, x)`` is
``x``; ``x + 0`` is ``x``), so the pick always gives the branch's result. The
reduction and the selects then only cost compile time: on XLA CPU, 15-20 ms of
the Hodgkin-Huxley example's 115 ms.

:func:`drop_redundant_guards` finds, in a loop body's jaxpr, each
``select_n(any(mask), before, after)`` for which substituting an all-False
``mask`` into the computation of ``after`` gives exactly ``before`` (by a
handful of identities: a select on a known predicate, adding zero, or-ing
False, casts and broadcasts of constants), and uses ``after`` directly. The
values are the same in every case, and so are the derivatives.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
from jax.extend.core import ClosedJaxpr, Literal, Var

__all__ = ["drop_dead_code", "drop_redundant_guards"]


class _Uniform(NamedTuple):
    """Every element of the value is ``value`` (a NumPy scalar)."""

    value: Any


class _Same(NamedTuple):
    """The value is that of ``var`` in the jaxpr being simplified."""

    var: Any


_UNKNOWN = None  # anything else


def drop_redundant_guards(closed: ClosedJaxpr) -> ClosedJaxpr:
    """``closed`` with every select guarded by ``mask.any()`` that changes nothing removed.

    Returns ``closed`` itself when there is none.
    """
    jaxpr = closed.jaxpr
    made_by = {out: eqn for eqn in jaxpr.eqns for out in eqn.outvars}
    replace: dict[Any, Any] = {}
    for eqn in jaxpr.eqns:
        if eqn.primitive.name != "select_n" or len(eqn.invars) != 3:
            continue
        which, before, after = eqn.invars
        (out,) = eqn.outvars
        if not (isinstance(after, Var) and _same_type(after, out)):
            continue
        mask = _any_of(which, made_by)
        if mask is None:
            continue
        evaluate = _Evaluator(made_by, {mask: _Uniform(np.zeros((), np.bool_))})
        unguarded, unchanged = evaluate(after), _same(before)
        if unguarded is not _UNKNOWN and unguarded == unchanged:
            replace[out] = after
    if not replace:
        return closed

    def new(atom: Any) -> Any:
        while isinstance(atom, Var) and atom in replace:
            atom = replace[atom]
        return atom

    eqns = [
        eqn.replace(invars=[new(v) for v in eqn.invars])
        for eqn in jaxpr.eqns
        if not (eqn.primitive.name == "select_n" and eqn.outvars[0] in replace)
    ]
    return ClosedJaxpr(
        jaxpr.replace(eqns=eqns, outvars=[new(v) for v in jaxpr.outvars]), closed.consts
    )


def _same_type(a: Any, b: Any) -> bool:
    weak = getattr(a.aval, "weak_type", False) == getattr(b.aval, "weak_type", False)
    return bool(a.aval == b.aval and weak)


def _same(atom: Any) -> Any:
    if isinstance(atom, Literal):
        value = np.asarray(atom.val)
        return _Uniform(value[()]) if value.ndim == 0 else _UNKNOWN
    return _Same(atom)


def _any_of(which: Any, made_by: dict[Any, Any]) -> Any:
    """The ``mask`` if ``which`` is ``mask.any()`` (over all axes), else None."""
    while isinstance(which, Var) and which in made_by:
        eqn = made_by[which]
        name = eqn.primitive.name
        if name in ("reshape", "squeeze") or (
            name == "convert_element_type" and eqn.params.get("new_dtype") == np.bool_
        ):
            which = eqn.invars[0]
            continue
        if name in ("reduce_or", "reduce_max"):
            (mask,) = eqn.invars
            aval: Any = mask.aval
            if (
                isinstance(mask, Var)
                and aval.dtype == np.bool_
                and tuple(sorted(eqn.params["axes"])) == tuple(range(aval.ndim))
            ):
                return mask
        return None
    return None


# -- evaluating with the mask known to be all False -------------------------------


def _zero(v: Any) -> bool:
    return isinstance(v, _Uniform) and not bool(v.value)


def _one(v: Any) -> bool:
    return isinstance(v, _Uniform) and bool(v.value == 1)


def _select_n(ins: list[Any]) -> Any:
    which, *cases = ins
    if isinstance(which, _Uniform):
        return cases[int(which.value)]
    return _UNKNOWN


def _add(ins: list[Any]) -> Any:
    a, b = ins
    return b if _zero(a) else a if _zero(b) else _UNKNOWN


def _sub(ins: list[Any]) -> Any:
    a, b = ins
    return a if _zero(b) else _UNKNOWN


def _mul(ins: list[Any]) -> Any:
    a, b = ins
    return b if _one(a) else a if _one(b) else _UNKNOWN


def _or(ins: list[Any]) -> Any:
    a, b = ins
    return b if _zero(a) else a if _zero(b) else _UNKNOWN


def _and(ins: list[Any]) -> Any:
    a, b = ins
    if _zero(a) or _zero(b):
        return _Uniform(np.zeros((), np.bool_))
    return _UNKNOWN


# Identities that hold whatever the unknown operands are (no 0 * x: x may be inf).
_RULES: dict[str, Callable[[list[Any]], Any]] = {
    "select_n": _select_n,
    "add": _add,
    "add_any": _add,
    "sub": _sub,
    "mul": _mul,
    "or": _or,
    "and": _and,
}

# Primitives that keep a uniform value uniform (elementwise on one operand, or reshaping).
_SHAPE_ONLY = {"broadcast_in_dim", "reshape", "squeeze", "expand_dims", "copy", "copy_p"}


class _Evaluator:
    """Symbolic values of jaxpr variables, given some of them."""

    def __init__(self, made_by: dict[Any, Any], known: dict[Any, Any]) -> None:
        self.made_by = made_by
        self.values: dict[Any, Any] = dict(known)

    def __call__(self, atom: Any) -> Any:
        if isinstance(atom, Literal):
            return _same(atom)
        if atom in self.values:
            return self.values[atom]
        eqn = self.made_by.get(atom)
        value = _Same(atom) if eqn is None else self._equation(eqn, atom)
        self.values[atom] = value
        return value

    def _equation(self, eqn: Any, out: Any) -> Any:
        ins = [self(v) for v in eqn.invars]
        if all(isinstance(v, _Same) and v.var is a for v, a in zip(ins, eqn.invars)):
            return _Same(out)  # nothing known about its inputs: it is what it is
        name = eqn.primitive.name
        if name in _SHAPE_ONLY and isinstance(ins[0], _Uniform):
            return ins[0]
        if name == "convert_element_type" and isinstance(ins[0], _Uniform):
            return _Uniform(np.asarray(ins[0].value).astype(eqn.params["new_dtype"])[()])
        if name in ("jit", "pjit", "closed_call") and len(eqn.outvars) == 1:
            return self._call(eqn, ins)
        rule = _RULES.get(name)
        result = rule(ins) if rule is not None else _UNKNOWN
        if isinstance(result, _Same) and not _same_type(result.var, out):
            return _UNKNOWN
        return result

    def _call(self, eqn: Any, ins: list[Any]) -> Any:
        inner = eqn.params.get("jaxpr") or eqn.params.get("call_jaxpr")
        if not isinstance(inner, ClosedJaxpr) or inner.consts:
            return _UNKNOWN
        sub = inner.jaxpr
        made_by = {out: e for e in sub.eqns for out in e.outvars}
        evaluate = _Evaluator(made_by, dict(zip(sub.invars, ins)))
        return evaluate(sub.outvars[0])


def drop_dead_code(closed: ClosedJaxpr) -> ClosedJaxpr:
    """``closed`` without the equations no output needs (and that have no effects).

    After :func:`drop_redundant_guards` the guards' reductions are dead, and so
    are a loop counter's index computations once :mod:`runtime.records` has
    taken the rows out. XLA would remove them too; removing them here saves
    binding them again each time the body is replayed, and their lowering.
    """
    jaxpr = closed.jaxpr
    live = {v for v in jaxpr.outvars if isinstance(v, Var)}
    kept = []
    for eqn in reversed(jaxpr.eqns):
        if eqn.effects or any(out in live for out in eqn.outvars):
            kept.append(eqn)
            live.update(v for v in eqn.invars if isinstance(v, Var))
    if len(kept) == len(jaxpr.eqns):
        return closed
    return ClosedJaxpr(jaxpr.replace(eqns=kept[::-1]), closed.consts)

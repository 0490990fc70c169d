"""Which traced ``if`` branches may run as a select instead of a ``lax.cond``.

A ``lax.cond`` costs compile time (tens of milliseconds each on XLA CPU) and,
inside a loop, a real branch at every step. A branch that is small, cheap and
has no effects can instead be evaluated every time, with its result picked by
``lax.select_n`` (what JAX itself does to a ``cond`` under ``vmap``). The
result is the same; :func:`selectable` says when the gradient is the same too.

The gradient trap. Selecting between two computed values gives the untaken
one a zero cotangent, but reverse mode still multiplies that zero by the
untaken branch's local derivatives: ``jnp.where(x > 0, jnp.log(x), 0.0)`` has
a NaN gradient at ``x = 0`` (``0 * inf``), while ``if x > 0: y = log(x)`` as a
``lax.cond`` never differentiates the untaken ``log``. So a branch is selected
only when every primitive in it has finite derivatives wherever its inputs are
finite: sums, products, comparisons, data movement. ``log``, ``exp``
(overflows), division, ``sqrt``, ``pow``, ``tanh``... keep the ``cond``.

Equivalent to what a ``cond`` computes as long as the untaken branch itself
stays finite: a branch that overflows a float (``x * x`` for ``|x| > 1.8e19``
in float32) on the inputs it does not take can still put a NaN in a gradient.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import jax
import numpy as np

__all__ = ["MAX_SELECT_ELEMENTS", "selectable"]

#: Bound on the work of the branches one select evaluates every time: the sum,
#: over every equation of every branch, of its largest operand or result, in
#: elements. A select computes all branches at every evaluation where a cond
#: computes one, so it wins only while that extra work costs less than the
#: cond's compile time (tens of ms on XLA CPU). Measured on XLA CPU, a
#: 10,000-step lax.scan whose step holds a never-taken ``where``-and-add
#: branch (~4 equations of N elements each): N = 4,000 costs +1 ms of run time
#: as a select, N = 16,000 (work 2**16) +6 ms, N = 65,536 +100 ms, against
#: 10-30 ms saved in compilation. So at this bound the select's extra run time
#: catches up with the compile time it saves only after some 30,000 steps per
#: compilation; beyond it, skipping the branch matters and the cond stays.
#: (A cond in a loop also costs at every step: in the HH benchmark, 10,000
#: steps took ~100 ms with the spike branch as a cond, ~55 ms as a select.) The HH example's spike branch is ~4,000 elements.
MAX_SELECT_ELEMENTS = 1 << 16

# Cheap primitives whose derivatives are finite wherever their inputs are finite
# (or which have none). Linear ops, data movement, piecewise-linear and
# piecewise-constant functions, comparisons and logic.
_SAFE = frozenset(
    {
        # arithmetic: linear, or derivative built from the finite operands
        "add", "add_any", "sub", "neg", "mul", "square",
        "max", "min", "clamp", "sign", "floor", "ceil", "round", "is_finite",
        "stop_gradient",
        # choice, comparisons and logic
        "select_n", "eq", "ne", "lt", "le", "gt", "ge", "and", "or", "not", "xor",
        # dtype, shape and data movement (all linear)
        "convert_element_type", "broadcast_in_dim", "reshape", "squeeze",
        "concatenate", "pad", "slice", "dynamic_slice", "dynamic_update_slice",
        "gather", "scatter", "scatter-add", "transpose", "rev", "iota", "copy",
        "split", "tile", "real", "imag", "conj", "complex", "sharding_constraint",
        # reductions: sum is linear; max/min spread the cotangent over the ties
        "reduce_sum", "reduce_max", "reduce_min", "reduce_or", "reduce_and",
        "reduce_xor", "argmax", "argmin", "cumsum",
    }
)  # fmt: skip

# Allowed only when every operand and result is an integer or bool: no
# derivative at all, and cheap (XLA defines integer division by zero, no trap).
_INTEGER_ONLY = frozenset(
    {
        "div", "rem", "shift_left", "shift_right_logical", "shift_right_arithmetic",
        "population_count", "clz", "mulhi",
    }
)  # fmt: skip

# Allowed for real (and integer) operands only: |z| of a complex z has the
# derivative conj(z)/|z|, NaN at 0.
_REAL_ONLY = frozenset({"abs"})

# Calls whose body is a jaxpr in their params: the body is checked instead.
_CALLS = frozenset({"jit", "pjit", "closed_call", "core_call", "remat2", "checkpoint"})


def selectable(jaxprs: Sequence[Any], limit: int = MAX_SELECT_ELEMENTS) -> bool:
    """True when the branches given as ClosedJaxprs may all be computed and selected.

    That is, when every branch has no effects (prints, callbacks, run-time
    checks must run only on the path taken), uses only primitives that are
    cheap and gradient-safe (see the module docstring; an unknown primitive
    counts as unsafe), and the branches together do at most ``limit``
    elements of work.
    """
    budget: list[float] = [limit]
    for closed in jaxprs:
        jaxpr = getattr(closed, "jaxpr", closed)
        if getattr(closed, "effects", None) or not _check(jaxpr, budget):
            return False
    return True


def _check(jaxpr: Any, budget: list[float], rules: bool = True) -> bool:
    """Walk one (open) jaxpr, spending its work from ``budget[0]``; False on anything unsafe.

    ``rules``: check the JVP rules of ``custom_jvp`` calls too (not inside a
    rule, which holds its own function's call as its primal).
    """
    if jaxpr.effects:
        return False
    for eqn in jaxpr.eqns:
        if eqn.effects:
            return False
        name = eqn.primitive.name
        if name in _CALLS:
            body = eqn.params.get("jaxpr", eqn.params.get("call_jaxpr"))
            if body is None or not _check(getattr(body, "jaxpr", body), budget, rules):
                return False
            continue
        if name == "custom_jvp_call":
            if not _check_custom_jvp(eqn, budget, rules):
                return False
            continue
        avals = [v.aval for v in (*eqn.invars, *eqn.outvars)]
        if name in _SAFE:
            pass
        elif name == "integer_pow":
            if eqn.params.get("y", -1) < 0:  # x ** -n divides: infinite slope at 0
                return False
        elif name in _REAL_ONLY:
            if any(_is_complex(a) for a in avals):
                return False
        elif name in _INTEGER_ONLY:
            if not all(_is_integer(a) for a in avals):
                return False
        else:
            return False
        budget[0] -= max((_size(a) for a in avals), default=0)
        if budget[0] < 0:
            return False
    return True


def _check_custom_jvp(eqn: Any, budget: list[float], rules: bool) -> bool:
    """A ``custom_jvp`` function (``jax.nn.relu``): its primal and its JVP rule must both pass.

    Reverse mode differentiates the rule, not the primal, so a rule that
    divides is as unsafe as a primal that does. The rule is reached through
    JAX internals (``jvp_jaxpr_fun``, traced with no symbolic zeros); where
    that fails (another JAX version), the call is not selected.
    """
    body = eqn.params.get("call_jaxpr")
    if body is None or not _check(getattr(body, "jaxpr", body), budget, rules):
        return False
    if not rules:
        return True
    rule = eqn.params.get("jvp_jaxpr_fun")
    try:
        call = getattr(rule, "call_wrapped", None)
        traced = call(*([False] * len(eqn.invars))) if call is not None else None
        jvp_jaxpr = traced[0] if isinstance(traced, tuple) else None
    except Exception:  # an internal API that moved: keep the cond
        return False
    if jvp_jaxpr is None:
        return False
    # The rule's own work is not spent from the budget: it runs only under autodiff.
    return _check(getattr(jvp_jaxpr, "jaxpr", jvp_jaxpr), [math.inf], rules=False)


def _dtype(aval: Any) -> Any:
    return getattr(aval, "dtype", None)


def _is_integer(aval: Any) -> bool:
    dtype = _dtype(aval)
    if dtype is None:
        return False
    try:
        return bool(jax.dtypes.issubdtype(dtype, np.integer) or dtype == np.bool_)
    except TypeError:  # an extended dtype (a PRNG key)
        return False


def _is_complex(aval: Any) -> bool:
    dtype = _dtype(aval)
    try:
        return dtype is None or bool(jax.dtypes.issubdtype(dtype, np.complexfloating))
    except TypeError:
        return True


def _size(aval: Any) -> float:
    shape: Iterable[Any] = getattr(aval, "shape", ())
    try:
        return math.prod(int(d) for d in shape)
    except TypeError:  # a symbolic dimension: unknown, so too big
        return math.inf

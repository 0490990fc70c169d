"""Small, cheap, effect-free traced branches run as a select: same values and gradients as Python.

``rt.ifelse`` with a traced predicate computes such branches all and picks
with ``lax.select_n`` instead of building a ``lax.cond`` (runtime/branch_select.py).
Checked here: results against eager Python, which branches keep the cond
(expensive, effectful, gradient-unsafe or big ones), and gradients.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import runtime as rt
from runtime.branch_select import MAX_SELECT_ELEMENTS, selectable

SETTINGS = settings(max_examples=20, deadline=None)
# No subnormals: XLA flushes them to zero, so a compiled `x > 0` differs from Python there.
floats = st.floats(-50, 50, allow_nan=False, allow_subnormal=False, width=32)
small_ints = st.integers(-10, 10)


def _primitives(jaxpr: Any) -> set[str]:
    """Names of every primitive in a jaxpr, nested bodies (jit, cond branches, scan) included."""
    jaxpr = getattr(jaxpr, "jaxpr", jaxpr)
    names: set[str] = set()
    for eqn in jaxpr.eqns:
        names.add(eqn.primitive.name)
        for param in eqn.params.values():
            for sub in param if isinstance(param, (tuple, list)) else (param,):
                if hasattr(sub, "eqns") or hasattr(getattr(sub, "jaxpr", None), "eqns"):
                    names |= _primitives(sub)
    return names


def _has_cond(fn: Callable[..., Any], *args: Any) -> bool:
    return "cond" in _primitives(jax.make_jaxpr(fn)(*args))


# -- selectable, on jaxprs -----------------------------------------------------------


def _safe_custom_jvp() -> Callable[[Any], Any]:
    @jax.custom_jvp
    def clip_grad(x):
        return x

    clip_grad.defjvps(lambda g, ans, x: jnp.clip(g, -1.0, 1.0))
    return clip_grad


def _unsafe_custom_jvp() -> Callable[[Any], Any]:
    @jax.custom_jvp
    def ident(x):
        return x

    ident.defjvps(lambda g, ans, x: g / x)  # cheap primal, dividing rule
    return ident


SAFE = {
    "add-mul-neg": lambda x: -(x * 2.0 + 1.0),
    "where": lambda x: jnp.where(x > 0, x, 0.0),
    "clip-max-min-abs-sign": lambda x: (
        jnp.clip(x, -1, 1) + jnp.maximum(x, 0) + jnp.abs(x) * jnp.sign(x)
    ),
    "round-floor-ceil": lambda x: jnp.round(x) + jnp.floor(x) + jnp.ceil(x),
    "square-integer-pow": lambda x: x**2 + jnp.square(x) + x**3,
    "index-update": lambda x: x.at[1].set(2.0).at[jnp.array([0, 2])].add(1.0),
    "gather-slice-rev-concat": lambda x: jnp.concatenate([x[::-1], x[1:], x[jnp.array([2, 0])]]),
    "reductions-argmax": lambda x: x.sum() + x.max() + x.min() + jnp.argmax(x) + jnp.cumsum(x),
    "integer-floor-div-mod": lambda x: (x.astype(jnp.int32) // 3) + (x.astype(jnp.int32) % 4),
    "relu (custom_jvp)": jax.nn.relu,
    "custom_jvp with a safe rule": _safe_custom_jvp(),
    "logic": lambda x: ((x > 0) & (x < 2)) | ~(x == 1),
}

UNSAFE = {
    "log": jnp.log,
    "exp": jnp.exp,
    "sqrt": jnp.sqrt,
    "tanh": jnp.tanh,
    "sigmoid": jax.nn.sigmoid,
    "float division": lambda x: x / 3.0,
    "float floor division": lambda x: x // 3.0,
    "float mod": lambda x: x % 3.0,
    "negative power": lambda x: x**-1,
    "pow": lambda x: x**2.5,
    "dot": lambda x: x @ x,
    "norm": jnp.linalg.norm,
    "sort": jnp.sort,
    "abs of complex": lambda x: jnp.abs(x + 1j),
    "softplus (custom_jvp with log)": jax.nn.softplus,
    "custom_jvp with a dividing rule": _unsafe_custom_jvp(),
    "debug print": lambda x: jax.debug.print("{}", x) or x,
    "pure callback": lambda x: jax.pure_callback(
        np.sin, jax.ShapeDtypeStruct((3,), jnp.float32), x
    ),
    "random": lambda x: x + jax.random.uniform(jax.random.PRNGKey(0), (3,)),
    "nested cond": lambda x: jax.lax.cond(x[0] > 0, lambda: x, lambda: -x),
    "loop": lambda x: jax.lax.fori_loop(0, 3, lambda i, s: s + i, x),
}


@pytest.mark.parametrize("fn", SAFE.values(), ids=SAFE.keys())
def test_selectable_accepts_cheap_gradient_safe_ops(fn):
    assert selectable([jax.make_jaxpr(fn)(jnp.arange(3.0))])


@pytest.mark.parametrize("fn", UNSAFE.values(), ids=UNSAFE.keys())
def test_selectable_rejects_costly_unsafe_or_effectful_ops(fn):
    assert not selectable([jax.make_jaxpr(fn)(jnp.arange(3.0))])


def test_selectable_bounds_the_work_of_all_branches_together():
    half = jax.make_jaxpr(lambda x: x + 1.0)(jnp.zeros(MAX_SELECT_ELEMENTS // 2))
    assert selectable([half, half])
    assert not selectable([half, half, half])
    big_reduction = jax.make_jaxpr(jnp.sum)(jnp.zeros(MAX_SELECT_ELEMENTS + 1))
    assert not selectable([big_reduction])  # a scalar result, but a big operand


# -- what rt.ifelse builds -------------------------------------------------------------


def _two_way(branch: Callable[[Any], Any]) -> Callable[[Any, Any], Any]:
    """``if p > 0: x = branch(x)`` in the form autoflow generates."""

    def f(p, x):
        def _if_true(x):
            return (branch(x),)

        def _if_false(x):
            return (x,)

        (x,) = rt.ifelse(p > 0, (_if_true, _if_false), (x,))
        return x

    return f


def _raising(x):
    def _if_true(x):
        rt.raise_(ValueError("negative"))
        return (x,)

    def _if_false(x):
        return (x + 1.0,)

    (x,) = rt.ifelse(x.sum() < 0, (_if_true, _if_false), (x,))
    return x


def _asserting(x):
    def _if_true(x):
        rt.assert_(x[0] < 5, lambda: "too big")
        return (x * 2.0,)

    def _if_false(x):
        return (x,)

    (x,) = rt.ifelse(x.sum() > 0, (_if_true, _if_false), (x,))
    return x


def test_a_small_branch_compiles_to_a_select_without_cond():
    x = jnp.arange(4.0)
    assert not _has_cond(_two_way(lambda x: jnp.where(x > 1, x * 2.0, x)), 1.0, x)
    jaxpr = jax.make_jaxpr(_two_way(lambda x: x + 1.0))(1.0, x)
    assert "select_n" in _primitives(jaxpr)


@pytest.mark.parametrize(
    "branch",
    [jnp.log, lambda x: x @ x * x, lambda x: jax.debug.print("x={}", x) or x],
    ids=["log", "dot", "debug print"],
)
def test_an_unsafe_costly_or_effectful_branch_keeps_the_cond(branch):
    assert _has_cond(_two_way(branch), 1.0, jnp.arange(4.0))


def test_run_time_checks_in_a_branch_keep_the_cond():
    assert _has_cond(_raising, jnp.arange(3.0))
    assert _has_cond(_asserting, jnp.arange(3.0))


def test_a_branch_over_the_size_bound_keeps_the_cond():
    f = _two_way(lambda x: x + 1.0)
    assert not _has_cond(f, 1.0, jnp.zeros(MAX_SELECT_ELEMENTS))
    assert _has_cond(f, 1.0, jnp.zeros(MAX_SELECT_ELEMENTS + 1))


def test_the_run_time_check_still_raises_only_on_the_taken_branch():
    f = rt.jit(_raising)
    np.testing.assert_array_equal(f(jnp.arange(3.0)), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="negative"):
        f(-jnp.arange(1.0, 4.0))


def test_a_concrete_predicate_still_runs_one_branch_in_python():
    calls = []

    def branch(k):
        return lambda: calls.append(k) or k

    assert rt.ifelse(jnp.asarray(True), [branch(0), branch(1)]) == 0
    assert calls == [0]


# -- equivalence with eager Python -----------------------------------------------------


def _python_clip_count(x: float, lo: float, count: int) -> tuple[float, int]:
    if x < lo:
        x = lo
        count += 1
    else:
        x = x * 2.0
    return x, count


def _clip_count(x, lo, count):
    def _if_true(x, count):
        x = lo
        count += 1
        return (x, count)

    def _if_false(x, count):
        x = x * 2.0
        return (x, count)

    return rt.ifelse(x < lo, (_if_true, _if_false), (x, count))


@SETTINGS
@given(floats, floats, small_ints)
def test_scalar_if_else_matches_python(x, lo, count):
    x, lo = float(np.float32(x)), float(np.float32(lo))
    f = jax.jit(_clip_count)
    ex, ec = _python_clip_count(x, lo, count)
    gx, gc = f(np.float32(x), np.float32(lo), count)
    assert float(gx) == np.float32(ex) and int(gc) == ec
    assert not _has_cond(_clip_count, np.float32(x), np.float32(lo), count)


def _python_chain(a: int, x: np.ndarray) -> np.ndarray:
    if a > 5:
        x = x + 1
    elif a > 0:
        x = x.copy()
        x[0] = -x[0]
    else:
        x = np.maximum(x, a)
    return x


def _chain(a, x):
    def _if_1(x):
        return (x + 1,)

    def _if_2(x):
        return (x.at[0].set(-x[0]),)

    def _else(x):
        return (jnp.maximum(x, a),)

    (x,) = rt.ifelse([a > 5, a > 0], (_if_1, _if_2, _else), (x,))
    return x


@SETTINGS
@given(small_ints, st.lists(small_ints, min_size=1, max_size=5))
def test_if_elif_else_matches_python(a, xs):
    x = np.array(xs, np.int32)
    np.testing.assert_array_equal(jax.jit(_chain)(a, x), _python_chain(a, x))
    assert not _has_cond(_chain, a, x)


class _Spiking(rt.Module):
    """A population whose ``if spikes.any():`` writes two Variables (HH's spike branch)."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.last = rt.Variable(jnp.full(n, -1.0))
        self.count = rt.Variable(jnp.zeros(n, jnp.int32))

    def __call__(self, t, v, threshold):
        spikes = v > threshold

        def _if_true():
            self.last.value = jnp.where(spikes, t, self.last.value)
            self.count.value += spikes.astype(jnp.int32)

        def _if_false():
            pass

        rt.ifelse(spikes.any(), (_if_true, _if_false))
        return spikes.sum()


def _python_spiking(steps, threshold, n):
    last, count = np.full(n, -1.0, np.float32), np.zeros(n, np.int32)
    for t, v in steps:
        spikes = v > threshold
        if spikes.any():
            last = np.where(spikes, np.float32(t), last)
            count = count + spikes
    return last, count


@SETTINGS
@given(st.lists(st.tuples(floats, st.lists(floats, min_size=3, max_size=3)), max_size=4), floats)
def test_module_writing_variables_in_one_branch_matches_python_under_rt_jit(steps, threshold):
    model = rt.jit(_Spiking(3))
    for t, v in steps:
        model(np.float32(t), np.asarray(v, np.float32), np.float32(threshold))
    last, count = _python_spiking(
        [(np.float32(t), np.asarray(v, np.float32)) for t, v in steps], np.float32(threshold), 3
    )
    np.testing.assert_array_equal(model.last.value, last)
    np.testing.assert_array_equal(model.count.value, count)


_total = rt.Variable(jnp.zeros(()))


def _add_positive(x):
    def _if_true():
        _total.value += x.sum()

    def _if_false():
        pass

    rt.ifelse((x > 0).all(), (_if_true, _if_false))


@SETTINGS
@given(st.lists(st.lists(small_ints, min_size=2, max_size=2), max_size=5))
def test_function_writing_a_global_variable_in_one_branch_matches_python_under_rt_jit(calls):
    _total.value = jnp.zeros(())
    f = rt.jit(_add_positive)
    expected = 0.0
    for xs in calls:
        x = np.asarray(xs, np.float32)
        f(x)
        if (x > 0).all():
            expected += float(x.sum())
    assert float(_total.value) == expected


def _loop(xs):
    def body(x, s, n):
        def _if_true(s, n):
            s = s + x
            n += 1
            return (s, n)

        def _if_false(s, n):
            s = s - 1.0
            return (s, n)

        s, n = rt.ifelse(x > 0, (_if_true, _if_false), (s, n))
        return s, n

    return rt.for_each(body, xs, (jnp.float32(0.0), 0))


@SETTINGS
@given(st.lists(floats, min_size=1, max_size=6))
def test_if_in_a_for_each_body_matches_python(xs):
    arr = np.asarray(xs, np.float32)
    s, n = np.float32(0.0), 0
    for x in arr:
        if x > 0:
            s = s + x
            n += 1
        else:
            s = s - np.float32(1.0)
    gs, gn = jax.jit(_loop)(arr)
    assert float(gs) == pytest.approx(float(s), rel=1e-6, abs=1e-5) and int(gn) == n
    assert not _has_cond(_loop, arr)


@SETTINGS
@given(st.lists(st.tuples(floats, floats, small_ints), min_size=1, max_size=5))
def test_under_vmap_matches_python_per_element(rows):
    xs, los, counts = (np.asarray(c) for c in zip(*rows))
    gx, gc = jax.vmap(_clip_count)(xs.astype(np.float32), los.astype(np.float32), counts)
    for (x, lo, c), a, b in zip(rows, gx, gc):
        ex, ec = _python_clip_count(float(np.float32(x)), float(np.float32(lo)), c)
        assert float(a) == np.float32(ex) and int(b) == ec


def test_branches_of_different_dtypes_promote_as_with_cond():
    def f(p, x):
        return rt.ifelse(p > 0, [lambda: 1, lambda: x])

    x = jnp.float32(2.5)
    assert not _has_cond(f, 1.0, x)
    taken, other = jax.jit(f)(1.0, x), jax.jit(f)(-1.0, x)
    assert taken.dtype == other.dtype == jnp.float32
    assert float(taken) == 1.0 and float(other) == 2.5


# -- gradients -------------------------------------------------------------------------


def _safe_log(x):
    def _if_true(y):
        return (jnp.log(x),)

    def _if_false(y):
        return (y,)

    (y,) = rt.ifelse(x > 0, (_if_true, _if_false), (jnp.float32(0.0),))
    return y


@pytest.mark.parametrize("x", [0.0, -1.0, 2.0])
def test_grad_of_log_behind_an_if_is_finite_because_the_cond_stays(x):
    assert _has_cond(_safe_log, jnp.float32(1.0))
    grad = float(jax.grad(_safe_log)(jnp.float32(x)))
    assert grad == (1.0 / x if x > 0 else 0.0)  # where(x > 0, log(x), 0) would give NaN at 0


def _piecewise(x):
    def _if_true(x):
        return (3.0 * x * x + 2.0 * x,)

    def _if_false(x):
        return (x * x * x - x,)

    (y,) = rt.ifelse(x > 1.0, (_if_true, _if_false), (x,))
    return y


@SETTINGS
@given(floats)
def test_grad_of_a_selected_branch_is_the_derivative_of_the_branch_taken(x):
    x = np.float32(x)
    assert not _has_cond(_piecewise, x)
    expected = 6.0 * x + 2.0 if x > 1.0 else 3.0 * x * x - 1.0
    assert float(jax.grad(_piecewise)(x)) == pytest.approx(expected, rel=1e-5, abs=1e-5)
    if abs(x - 1.0) > 1e-2:  # away from the switch, a finite difference agrees
        h = 1e-3
        fd = (float(_piecewise(np.float64(x) + h)) - float(_piecewise(np.float64(x) - h))) / (2 * h)
        assert math.isclose(float(jax.grad(_piecewise)(x)), fd, rel_tol=1e-2, abs_tol=1e-2)


def test_grad_through_a_selected_where_branch_under_vmap():
    def f(t, v):
        def _if_true(last):
            return (jnp.where(v > 0, t * t, last),)

        def _if_false(last):
            return (last,)

        (last,) = rt.ifelse((v > 0).any(), (_if_true, _if_false), (jnp.zeros(3),))
        return last.sum()

    ts = jnp.array([1.0, 2.0, 3.0])
    vs = jnp.array([[1.0, -1.0, 2.0], [-1.0, -1.0, -1.0], [0.0, 5.0, 0.0]])
    grads = jax.vmap(jax.grad(f))(ts, vs)
    # d/dt sum(where(v > 0, t^2, 0)) = 2 t * (number of v > 0)
    np.testing.assert_allclose(grads, [2.0 * 1 * 2, 0.0, 2.0 * 3 * 1])

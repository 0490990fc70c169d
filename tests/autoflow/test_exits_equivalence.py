"""break / continue / return: eager Python == convert(f) == jit(f) (called twice).

Inputs come from Hypothesis, empty sequences and zero-trip loops included. The
expected value is always the plain Python function run on NumPy inputs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autoflow
import runtime as rt

# ---------------------------------------------------------------------------
# The functions (plain Python, as users write them)
# ---------------------------------------------------------------------------


def first_positive(xs):
    for x in xs:
        if x > 0:
            return x
    return -1.0


def sum_until_negative(xs):
    s = 0.0
    for x in xs:
        if x < 0:
            break
        s += x
    return s


def skip_negatives(xs):
    s = 0.0
    for x in xs:
        if x < 0:
            continue
        s += x * x
    return s


def break_continue_else(xs):
    s = 0.0
    n = 0
    for x in xs:
        if x < -2:
            continue
        if x > 3:
            break
        s += x
        n += 1
    else:
        s = s + 100.0
    return s, n


def while_break_continue(xs, n):
    i = 0
    s = 0.0
    while i < n:
        i += 1
        if xs[i - 1] < 0:
            continue
        if s > 4:
            break
        s += xs[i - 1]
    else:
        s = -s
    return s, i


def while_true_halving(x):
    n = 0
    while True:
        x = x * 0.5
        n += 1
        if x < 1:
            break
    return n, x


def nested_inner_break(m):
    total = 0.0
    for row in m:
        for v in row:
            if v < 0:
                break
            total += v
    return total


def nested_find(m):
    for row in m:
        for v in row:
            if v > 2:
                return v
    return 0.0


def several_breaks(xs):
    s = 0.0
    last = -1.0
    for x in xs:
        if x > 4:
            last = x
            break
        elif x < -4:
            last = -x
            break
        s += x
    return s, last


def target_after_break(xs):
    x = 0.0
    for x in xs:
        if x > 1:
            break
    return x


def if_returns(x):
    if x > 1:
        return x * 2, 1
    elif x < -1:
        return -x, -1
    y = x + 1
    return y, 0


def return_in_while(xs, n):
    i = 0
    while i < n:
        if xs[i] > 2:
            return i, xs[i]
        if xs[i] < -2:
            return -i, -xs[i]
        i += 1
    return n, 0.0


def range_break(n):
    s = 0
    for i in range(n):
        if i * i > 30:
            break
        s += i
    return s


def enumerate_continue(xs):
    s = 0.0
    for i, x in enumerate(xs):
        if i % 2 == 1:
            continue
        s += x
    return s


def first_above_or_none(xs):
    for x in xs:
        if x > 0:
            return x


def return_branch_local_in_concrete_while(xs):
    # The while's condition is concrete at first (a Python loop), then traced:
    # the return value is only bound in the returning branch.
    c = 0
    while c < 3:
        c += 1
        if xs[0] > c:
            t = xs[0] * 2.0
            return t
    return -1.0


def return_branch_local_over_list(xs):
    for k in [1.0, 2.0, 3.0]:
        if xs[0] > k:
            t = (xs[0] + k, k)
            return t
    return (0.0, 0.0)


def return_branch_local_in_range(xs, n):
    s = 0.0
    for i in range(n):
        s += xs[i]
        if s > 1:
            u = s * 10.0
            return u
    return s


def return_in_loop_else(xs):
    s = 0.0
    for x in xs:
        s += x
        if s > 1.0:
            return s
    else:
        for x in xs:
            if x < 0.0:
                return x * 2.0
        return -s


def return_in_else_of_loop_with_break(xs, m):
    s = 0.0
    for x in xs:
        if x > 2.0:
            break
        s += x
        if s > m:
            return s * 10.0
    else:
        for x in xs:
            if x < 0.0:
                return x
        s = -s
    return s


def break_in_inner_else(xs):
    c = 0
    s = 0.0
    while c < 3:
        c += 1
        if xs[0] > 0:
            for x in xs:
                s += x
            else:
                break
        s -= 1.0
    return s


# ---------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------

_floats = st.floats(-6, 6, allow_nan=False, allow_subnormal=False, width=32)  # XLA flushes subnormals


def _vec(max_size: int = 6) -> st.SearchStrategy[np.ndarray]:
    # Few distinct lengths: one compilation each.
    return st.sampled_from([0, 1, 3, max_size]).flatmap(
        lambda n: st.lists(_floats, min_size=n, max_size=n).map(lambda v: np.array(v, np.float32))
    )


def _mat() -> st.SearchStrategy[np.ndarray]:
    return st.sampled_from([(0, 3), (2, 3), (3, 3)]).flatmap(
        lambda s: st.lists(_floats, min_size=s[0] * s[1], max_size=s[0] * s[1]).map(
            lambda v: np.array(v, np.float32).reshape(s)
        )
    )


def _vec_n() -> st.SearchStrategy[tuple[np.ndarray, int]]:
    # Not empty: a traced `while` traces its body even when it runs zero times,
    # and indexing an empty array fails at trace time (runtime.while_loop).
    return _vec().filter(len).flatmap(lambda v: st.tuples(st.just(v), st.integers(0, len(v))))


CASES: list[tuple[Callable[..., Any], st.SearchStrategy[tuple[Any, ...]]]] = [
    (first_positive, st.tuples(_vec())),
    (sum_until_negative, st.tuples(_vec())),
    (skip_negatives, st.tuples(_vec())),
    (break_continue_else, st.tuples(_vec())),
    (while_break_continue, _vec_n()),
    (while_true_halving, st.tuples(st.floats(0.5, 1e4, width=32).map(np.float32))),
    (nested_inner_break, st.tuples(_mat())),
    (nested_find, st.tuples(_mat())),
    (several_breaks, st.tuples(_vec())),
    (target_after_break, st.tuples(_vec())),
    (if_returns, st.tuples(_floats.map(np.float32))),
    (return_in_while, _vec_n()),
    (enumerate_continue, st.tuples(_vec())),
    (return_branch_local_in_concrete_while, st.tuples(_vec().filter(len))),
    (return_branch_local_over_list, st.tuples(_vec().filter(len))),
    (return_branch_local_in_range, _vec_n()),
    (break_in_inner_else, st.tuples(_vec().filter(len))),
    (return_in_loop_else, st.tuples(_vec())),
    (return_in_else_of_loop_with_break, st.tuples(_vec(), _floats.map(np.float32))),
]


def assert_same(expected: Any, got: Any, what: str) -> None:
    e_leaves, e_tree = jax.tree_util.tree_flatten(expected)
    g_leaves, g_tree = jax.tree_util.tree_flatten(got)
    assert e_tree == g_tree, f"{what}: structure {g_tree} != {e_tree}"
    for e, g in zip(e_leaves, g_leaves):
        np.testing.assert_allclose(np.asarray(g), np.asarray(e), rtol=1e-5, atol=1e-5, err_msg=what)


_JITTED: dict[str, Any] = {}
_SHAPES: dict[str, set[Any]] = {}


@pytest.mark.parametrize("fn, args", CASES, ids=[c[0].__name__ for c in CASES])
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_equivalent(fn: Callable[..., Any], args: Any, data: st.DataObject) -> None:
    values = data.draw(args)
    name = fn.__name__
    expected = fn(*values)
    assert_same(expected, autoflow.convert(fn)(*values), "convert, eager")
    jitted = _JITTED.setdefault(name, autoflow.jit(fn))
    device = [jnp.asarray(v) if isinstance(v, np.ndarray | np.floating) else v for v in values]
    assert_same(expected, jitted(*device), "jit, first call")
    assert_same(expected, jitted(*device), "jit, second call")
    # One trace per input signature (Python ints are traced values too).
    sig = tuple((jnp.shape(v), jnp.result_type(v)) for v in device)
    _SHAPES.setdefault(name, set()).add(sig)
    assert jitted._cache_size() == len(_SHAPES[name]), (name, _SHAPES[name])


@given(n=st.integers(-3, 20))
@settings(max_examples=15, deadline=None)
def test_range_break_traced_bound(n: int) -> None:
    # A traced range bound: a while loop that also tests the break flag.
    assert int(autoflow.jit(range_break)(n)) == range_break(n)
    assert autoflow.convert(range_break)(n) == range_break(n)


def test_python_iterables_really_break() -> None:
    # A generator is not consumed past the break (a real Python break).
    seen: list[float] = []

    def gen():
        for v in (1.0, 2.0, -1.0, 5.0, 6.0):
            seen.append(v)
            yield v

    assert autoflow.convert(sum_until_negative)(gen()) == 3.0
    assert seen == [1.0, 2.0, -1.0]


def test_falls_off_end_returns_none_eagerly() -> None:
    f = autoflow.convert(first_above_or_none)
    assert f(np.array([-1.0, 2.0], np.float32)) == 2.0
    assert f(np.array([-1.0], np.float32)) is None
    assert f(np.array([], np.float32)) is None


def test_falls_off_end_is_a_clear_error_when_traced() -> None:
    # Traced: "returned a value" and "fell off the end" cannot be told apart.
    with pytest.raises(rt.BranchMismatchError, match=r"first_above_or_none\(\).*returns None at test_exits_equivalence.py:\d+"):
        autoflow.jit(first_above_or_none)(jnp.array([-1.0, 2.0]))


def test_zero_trip_loop_over_empty_array_compiles() -> None:
    # A static zero-trip loop: the flags stay Python values, as in eager Python.
    assert float(autoflow.jit(first_positive)(jnp.zeros((0,)))) == -1.0
    assert float(autoflow.jit(sum_until_negative)(jnp.zeros((0,)))) == 0.0


def test_masked_scan_is_one_loop_and_differentiable() -> None:
    def hand(xs):
        def body(carry, x):
            stop, s = carry
            stop = stop | (x < 0)
            return (stop, jnp.where(stop, s, s + x * x)), None

        (_, s), _ = jax.lax.scan(body, (False, 0.0), xs)
        return s

    def user(xs):
        s = 0.0
        for x in xs:
            if x < 0:
                break
            s += x * x
        return s

    xs = jnp.array([1.0, 2.0, -1.0, 3.0])
    g = jax.grad(autoflow.convert(user))(xs)
    np.testing.assert_allclose(g, jax.grad(hand)(xs))
    jaxpr = str(jax.make_jaxpr(autoflow.convert(user))(xs))
    assert jaxpr.count("scan[") == 1 and "while[" not in jaxpr


def test_grad_through_continue_equals_hand_written() -> None:
    def hand(xs):
        def body(s, x):
            return jax.lax.cond(x < 0, lambda s: s, lambda s: s + jnp.sin(x) * x, s), None

        s, _ = jax.lax.scan(body, 0.0, xs)
        return s

    def user(xs):
        s = 0.0
        for x in xs:
            if x < 0:
                continue
            s += jnp.sin(x) * x
        return s

    xs = jnp.array([0.5, -1.0, 2.0, -0.25, 1.5])
    np.testing.assert_allclose(jax.grad(autoflow.convert(user))(xs), jax.grad(hand)(xs), rtol=1e-6)
    np.testing.assert_allclose(jax.grad(autoflow.jit(user))(xs), jax.grad(hand)(xs), rtol=1e-6)


def _first_doubled_above_one(xs: Any) -> Any:
    # Hand-written against the runtime, as the returns pass writes it.
    def body(x: Any, flag: Any, slot: Any) -> Any:
        def found(flag: Any, slot: Any) -> Any:
            t = x * 2.0  # bound only on this path
            return (True, rt.returned(t, slot))

        def not_found(flag: Any, slot: Any) -> Any:
            return (flag, slot)

        return rt.ifelse(x > 1.0, (found, not_found), (flag, slot))

    flag, slot = rt.for_each_until(body, xs, (False, rt.return_slot("_retval_1")))
    return rt.ifelse(flag, (lambda: slot, lambda: -1.0), ())


@given(xs=_vec())
@settings(max_examples=15, deadline=None)
def test_return_slot_is_carried_through_a_traced_if(xs: np.ndarray) -> None:
    expected = next((x * 2.0 for x in xs if x > 1.0), -1.0)
    got = jax.jit(_first_doubled_above_one)(jnp.asarray(xs))
    np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-6)
    # In Python the slot is a plain unbound name until the return sets it.
    assert float(_first_doubled_above_one(xs)) == pytest.approx(expected)


def test_return_slot_unset_is_unbound() -> None:
    slot = rt.return_slot("_retval_1")
    with pytest.raises(UnboundLocalError, match="_retval_1"):
        slot + 1

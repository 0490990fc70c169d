"""rt.while_loop, rt.for_loop, rt.for_each: same result as the Python loop they stand for."""

from __future__ import annotations

import builtins
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import runtime as rt

SETTINGS = settings(max_examples=20, deadline=None)
floats = st.floats(-10, 10, allow_nan=False, allow_subnormal=False, width=32)
arrays = st.lists(floats, min_size=1, max_size=8).map(lambda v: np.asarray(v, np.float32))


# -- while_loop -------------------------------------------------------------------


def _while(n, x):
    def cond(k, s):
        return k < n

    def body(k, s):
        return k + 1, s + 0.5 * x * k

    return rt.while_loop(body, cond, (0, 0))


_while_jit = jax.jit(_while)


def _python_while(n, x):
    k, s = 0, 0
    while k < n:
        k, s = k + 1, s + 0.5 * x * k
    return k, s


@SETTINGS
@given(st.integers(-2, 12), floats)
def test_while_loop_matches_python(n, x):
    k, s = _python_while(n, np.float32(x))
    assert _while(n, np.float32(x)) == (k, s)  # concrete: the Python loop itself
    jk, js = _while_jit(n, x)  # traced predicate: lax.while_loop; s promoted int -> float
    assert int(jk) == k and js.dtype == jnp.float32
    np.testing.assert_allclose(js, s, rtol=1e-5, atol=1e-5)


def test_while_loop_bare_value_and_single_operand():
    assert rt.while_loop(lambda x: x * 2, lambda x: x < 100, 3) == 192
    assert rt.while_loop(lambda x: x * 2, lambda x: x < 100, (3,)) == (192,)
    assert (
        int(jax.jit(lambda x: rt.while_loop(lambda x: x * 2, lambda x: x < 100, (x,))[0])(3)) == 192
    )


def test_while_loop_continues_compiled_when_predicate_becomes_traced():
    seen = []

    def cond(k, s):
        seen.append(type(s))
        return s < 20.0  # concrete while s is a Python float, traced once it depends on x

    def body(k, s):
        return k + 1, s + x

    x = 3.0
    assert rt.while_loop(body, cond, (0, 1.0)) == (7, 22.0)
    seen.clear()
    k, s = jax.jit(lambda y: rt.while_loop(lambda k, s: (k + 1, s + y), cond, (0, 1.0)))(x)
    assert (int(k), float(s)) == (7, 22.0)
    assert seen[0] is float and seen[1] is not float  # first test in Python, then lax


class _Counter(rt.Module):
    """The tutorial's while loop: advance Variables i and counter while i < 10."""

    def __init__(self) -> None:
        super().__init__()
        self.i = rt.Variable(jnp.zeros(1))
        self.counter = rt.Variable(jnp.zeros(1))

    def __call__(self, limit):
        def cond():
            return self.i[0] < limit  # reads the carried i

        def body():
            self.i.value += 1.0
            self.counter.value += self.i

        rt.while_loop(body, cond, ())


@SETTINGS
@given(st.lists(st.integers(-1, 12), min_size=1, max_size=3))
def test_while_loop_carries_variables_like_python(limits):
    eager, compiled = _Counter(), _Counter()
    jitted = rt.jit(compiled)
    i = counter = 0.0
    for limit in limits:
        while i < limit:
            i += 1.0
            counter += i
        eager(limit)
        jitted(jnp.float32(limit))
        for m in (eager, compiled):
            assert float(m.i[0]) == i and float(m.counter[0]) == counter


@SETTINGS
@given(st.lists(st.integers(0, 6), min_size=1, max_size=6))
def test_while_loop_under_vmap_with_batched_predicate(ns):
    ks, ss = jax.vmap(lambda n: _while(n, jnp.float32(1.0)))(jnp.asarray(ns))
    for n, k, s in zip(ns, ks, ss):
        ek, es = _python_while(n, 1.0)
        assert int(k) == ek and float(s) == es


def test_while_loop_forward_mode_works_reverse_mode_is_a_jax_error():
    def f(x):
        return rt.while_loop(lambda k, s: (k + 1, s * x), lambda k, s: k < 3, (jnp.int32(0), x))[1]

    assert float(jax.grad(f)(2.0)) == 32.0  # concrete predicate: Python loop, differentiable
    traced = jax.jit(
        lambda x, n: rt.while_loop(lambda k, s: (k + 1, s * x), lambda k, s: k < n, (0, x))[1]
    )
    _, tangent = jax.jvp(lambda x: traced(x, 3), (2.0,), (1.0,))
    assert float(tangent) == 32.0
    with pytest.raises(ValueError, match="Reverse-mode differentiation does not work"):
        jax.grad(lambda x: traced(x, 3))(2.0)


# -- for_loop ---------------------------------------------------------------------------


class _Accumulate(rt.Module):
    """The tutorial's for_loop: accumulate a sequence into a Variable, return the history."""

    def __init__(self) -> None:
        super().__init__()
        self.acc = rt.Variable(jnp.zeros(()))

    def __call__(self, xs, reverse=False):
        def body(x):
            self.acc.value += x
            return self.acc.value

        return rt.for_loop(body, xs, reverse=reverse)


@SETTINGS
@given(arrays, st.booleans())
def test_for_loop_matches_python(xs, reverse):
    order = xs[::-1] if reverse else xs
    history, acc = [], np.float32(0)
    for x in order:
        acc = np.float32(acc + x)
        history.append(acc)
    expected = np.asarray(history[::-1] if reverse else history)
    eager, compiled = _Accumulate(), _Accumulate()
    np.testing.assert_allclose(eager(xs, reverse), expected, rtol=1e-5, atol=1e-5)
    out = rt.jit(compiled, static_argnums=1)(xs, reverse)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
    for m in (eager, compiled):
        np.testing.assert_allclose(m.acc.value, acc, rtol=1e-5, atol=1e-5)


def test_for_loop_unpacks_tuples_and_handles_none_and_unroll():
    xs, ys = jnp.arange(6.0), jnp.arange(6.0) * 10
    out = rt.for_loop(lambda x, y: (x + y, {"d": x - y}), (xs, ys), unroll=3)
    np.testing.assert_allclose(out[0], xs + ys)
    np.testing.assert_allclose(out[1]["d"], xs - ys)
    v = rt.Variable(jnp.zeros(()))
    assert rt.for_loop(lambda x: v.update(v + x), xs) is None
    assert float(v.value) == 15.0
    np.testing.assert_allclose(rt.for_loop(lambda x: x * 2, rt.Variable(xs)), xs * 2)


def test_for_loop_is_differentiable_and_vmappable():
    def f(xs):
        return rt.for_loop(lambda x: x**2, xs).sum()

    np.testing.assert_allclose(jax.grad(f)(jnp.arange(4.0)), 2 * np.arange(4.0))
    out = jax.vmap(lambda xs: rt.for_loop(lambda x: x * 3, xs))(jnp.ones((2, 5)))
    np.testing.assert_allclose(out, 3 * np.ones((2, 5)))


def test_for_loop_progress_bar_reaches_the_end(capsys):
    f = jax.jit(lambda xs: rt.for_loop(lambda x: x + 1, xs, progress_bar=True))
    out = f(jnp.arange(7.0))
    jax.effects_barrier()
    np.testing.assert_allclose(out, np.arange(7.0) + 1)
    assert "7/7" in capsys.readouterr().err


# -- for_each -----------------------------------------------------------------------


def _body(x, s, t):
    return s + 0.5 * x, t * 0 + x


def _python_for(xs):
    s, t = 0, 0
    for x in xs:
        s, t = _body(x, s, t)
    return s, t


_for_each_jit = jax.jit(lambda xs: rt.for_each(_body, xs, (0, 0)))


@SETTINGS
@given(arrays)
def test_for_each_over_an_array_matches_python(xs):
    s, t = _python_for(xs)
    es, et = rt.for_each(_body, xs, (0, 0))  # eager: the Python loop
    assert float(es) == float(s) and float(et) == float(t)
    js, jt = _for_each_jit(xs)
    assert js.dtype == jnp.float32  # int 0 promoted by the first iteration
    np.testing.assert_allclose([js, jt], [s, t], rtol=1e-5, atol=1e-5)


def test_for_each_outside_transformations_is_plain_python():
    calls = []
    rt.for_each(lambda x, s: calls.append(x) or (s,), jnp.arange(4), (0,))
    assert len(calls) == 4  # a scan would have traced the body once
    with jax.disable_jit():
        calls.clear()
        jax.jit(lambda xs: rt.for_each(lambda x, s: calls.append(x) or (s,), xs, (0,)))(
            jnp.arange(3)
        )
        assert len(calls) == 3


@SETTINGS
@given(st.integers(-3, 9), st.integers(-3, 9), st.sampled_from([1, 2, 3, -1, -2]))
def test_rt_range_enumerate_zip_iterate_like_builtins(start, stop, step):
    assert list(rt.range(start, stop, step)) == list(builtins.range(start, stop, step))
    assert len(rt.range(start, stop, step)) == len(builtins.range(start, stop, step))
    assert list(rt.range(stop)) == list(builtins.range(stop))
    seq = list(builtins.range(stop))
    assert list(rt.enumerate(seq, start)) == list(builtins.enumerate(seq, start))
    assert list(rt.zip(seq, seq[::-1], "abc")) == list(builtins.zip(seq, seq[::-1], "abc"))


@SETTINGS
@given(arrays, st.integers(0, 8))
def test_for_each_over_range_static_and_traced_bounds(xs, n):
    n = min(n, len(xs))

    def f(xs, n):
        return rt.for_each(lambda i, s: (s + xs[i] * i,), rt.range(n), (0.0,))[0]

    expected = sum(float(xs[i]) * i for i in builtins.range(n))
    np.testing.assert_allclose(f(xs, n), expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(
        jax.jit(f, static_argnums=1)(xs, n), expected, rtol=1e-5, atol=1e-5
    )  # Python-int bound: a scan
    np.testing.assert_allclose(jax.jit(f)(xs, n), expected, rtol=1e-5, atol=1e-5)  # traced: while


@SETTINGS
@given(arrays, arrays)
def test_for_each_over_enumerate_zip_matches_python(xs, ys):
    def body(item, s):
        i, (x, y) = item
        return (s + i * x - y,)

    expected = 0.0
    for i, (x, y) in builtins.enumerate(builtins.zip(xs, ys), 1):
        expected += i * float(x) - float(y)
    f = jax.jit(lambda xs, ys: rt.for_each(body, rt.enumerate(rt.zip(xs, ys), 1), (0.0,))[0])
    np.testing.assert_allclose(f(xs, ys), expected, rtol=1e-4, atol=1e-4)


def test_for_each_over_a_list_stays_python_under_jit():
    calls = []

    def body(w, s):
        calls.append(w)
        return (s * w,)

    out = jax.jit(lambda x: rt.for_each(body, [2.0, 3.0, 4.0], (x,))[0])(1.0)
    assert float(out) == 24.0 and calls == [2.0, 3.0, 4.0]


def test_for_each_unrolls_with_a_warning_when_the_index_must_be_concrete():
    weights = [1.0, 10.0, 100.0]

    def body(i, s):
        return (s + weights[i],)  # a Python list needs a concrete index

    f = jax.jit(lambda x: rt.for_each(body, rt.range(3), (x,))[0])
    with pytest.warns(rt.UnrolledLoopWarning, match=r"body.*unrolled in Python") as record:
        assert float(f(0.5)) == 111.5
    assert record[0].filename == __file__
    assert f"{__file__}:{body.__code__.co_firstlineno}: the body of this loop" in str(
        record[0].message
    )
    assert record[0].lineno == body.__code__.co_firstlineno


def _prefix_sum(i, xs, s):
    return (s + xs[: i + 1].sum(),)  # a slice bound from the index


def _ones_sum(i, xs, s):
    return (s + jnp.ones(i + 1).sum() * xs[i],)  # a shape from the index


@pytest.mark.parametrize("body", [_prefix_sum, _ones_sum])
def test_a_body_taking_a_shape_or_slice_from_the_index_unrolls(body):
    xs = jnp.arange(1.0, 5.0)
    eager = (0.0,)
    for i in range(4):
        eager = body(i, xs, *eager)
    f = jax.jit(lambda xs: rt.for_each(lambda i, s: body(i, xs, s), rt.range(4), (0.0,))[0])
    with pytest.warns(rt.UnrolledLoopWarning, match=r"unrolled in Python"):
        assert float(f(xs)) == pytest.approx(float(eager[0]))


def test_a_genuine_error_in_the_body_is_not_turned_into_unrolling():
    def body(i, s):
        return (s + jnp.ones(3) @ jnp.ones(4),)  # a shape error with no tracer in it

    f = jax.jit(lambda x: rt.for_each(body, rt.range(3), (x,))[0])
    with warnings.catch_warnings():
        warnings.simplefilter("error", rt.UnrolledLoopWarning)
        with pytest.raises(TypeError, match="dot_general"):
            f(0.5)


def test_for_each_carries_variables_and_undefined_names():
    v = rt.Variable(jnp.zeros(()))

    def body(x, last, total):
        v.value += x
        last = x * 2  # assigned before use: Undefined before the loop is fine
        return last, total + last

    f = rt.jit(lambda xs: rt.for_each(body, xs, (rt.Undefined("last"), 0.0)))
    last, total = f(jnp.arange(4.0))
    assert (float(last), float(total), float(v.value)) == (6.0, 12.0, 6.0)


def test_for_each_and_range_are_differentiable_and_vmappable():
    def f(x):
        return rt.for_each(lambda i, s: (s * x + i,), rt.range(3), (x,))[0]

    def python(x):
        s = x
        for i in builtins.range(3):
            s = s * x + i
        return s

    g = jax.jit(jax.grad(f))
    np.testing.assert_allclose(g(1.5), jax.grad(python)(1.5), rtol=1e-6)
    xs = jnp.array([0.5, 1.0, 2.0])
    np.testing.assert_allclose(jax.vmap(f)(xs), [python(float(x)) for x in xs], rtol=1e-6)


def test_no_warning_for_rolled_loops():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        jax.jit(lambda xs: rt.for_each(lambda i, s: (s + xs[i],), rt.range(3), (0.0,)))(jnp.ones(3))


class _Weighted(rt.Module):
    def __init__(self) -> None:
        super().__init__()
        self.v = rt.Variable(jnp.zeros(()))

    def __call__(self, xs):
        def body(item, s):
            i, x = item
            self.v.value = self.v * 0.5 + x * i
            return (s + self.v,)

        return rt.for_each(body, rt.enumerate(xs), (0.0,))[0]


@SETTINGS
@given(st.lists(arrays, min_size=1, max_size=3))
def test_for_each_leaves_variables_like_python(calls):
    eager, compiled = _Weighted(), _Weighted()
    jitted = rt.jit(compiled)
    v = np.float32(0)
    for xs in calls:
        s = np.float32(0)
        for i, x in builtins.enumerate(xs):
            v = np.float32(v * 0.5 + x * i)
            s = np.float32(s + v)
        np.testing.assert_allclose(eager(xs), s, rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(jitted(jnp.asarray(xs)), s, rtol=1e-4, atol=1e-4)
        for m in (eager, compiled):
            np.testing.assert_allclose(m.v.value, v, rtol=1e-4, atol=1e-4)


def test_unrolled_fallback_restores_variables_before_running_in_python():
    v = rt.Variable(jnp.zeros(()))
    weights = [1.0, 10.0, 100.0]

    def body(i, s):
        v.value += 1.0  # written before the concretization error of the rolled attempt
        return (s + weights[i],)

    f = rt.jit(lambda x: rt.for_each(body, rt.range(3), (x,))[0])
    with pytest.warns(rt.UnrolledLoopWarning):
        assert float(f(0.5)) == 111.5
    assert float(v.value) == 3.0

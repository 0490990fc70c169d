"""runtime.operators: the Python path equals Python; the traced path equals it too."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import runtime as rt

_f = st.floats(-4, 4, allow_nan=False, allow_subnormal=False, width=32)


def _boom() -> None:
    raise AssertionError("the right side must not be evaluated")


def test_concrete_short_circuit_returns_operands() -> None:
    assert rt.and_(0, _boom) == 0
    assert rt.and_([], _boom) == []
    assert rt.and_(2, lambda: "x") == "x"
    assert rt.or_(3, _boom) == 3
    assert rt.or_(None, lambda: 0, lambda: "d") == "d"
    assert rt.not_(0) is True and rt.not_([1]) is False
    assert rt.ifexp(True, lambda: 1, _boom) == 1


@given(a=_f, b=_f, c=_f)
@settings(max_examples=25, deadline=None)
def test_traced_equals_python(a: float, b: float, c: float) -> None:
    def py(a, b, c):
        return (a > 0 and b > 0, a > 0 or b, not a > b, a if a > b else c, min(a, b), max(a, b, c), min([a, c]))

    def ours(a, b, c):
        return (
            rt.and_(a > 0, lambda: b > 0),
            rt.or_(a > 0, lambda: b),
            rt.not_(a > b),
            rt.ifexp(a > b, lambda: a, lambda: c),
            rt.min(a, b),
            rt.max(a, b, c),
            rt.min([a, c]),
        )

    expected = py(np.float32(a), np.float32(b), np.float32(c))
    got = jax.jit(ours)(a, b, c)
    for e, g in zip(expected, got):
        np.testing.assert_allclose(np.asarray(g, np.float32), np.float32(e))


def test_min_max_of_arrays_match_python_nan_rules() -> None:
    for xs in ([3.0, 1.0, 2.0], [np.nan, 1.0], [1.0, np.nan, 0.5]):
        arr = np.array(xs, np.float32)
        for fn, py in ((rt.min, min), (rt.max, max)):
            np.testing.assert_array_equal(jax.jit(fn)(arr), np.float32(py(arr)))
    with pytest.raises(ValueError, match="empty"):
        jax.jit(rt.min)(jnp.zeros((0,)))
    assert rt.min([3, 1]) == 1 and rt.max(2, 5, key=lambda v: -v) == 2


def test_traced_operand_must_be_scalar() -> None:
    with pytest.raises(TypeError, match="scalar"):
        jax.jit(lambda x: rt.not_(x))(jnp.zeros(3))


def test_at_functional_and_in_place() -> None:
    x = jnp.zeros(4)
    y = rt.at(x)[1:3].op("+=", 2.0)
    assert x.sum() == 0 and y.tolist() == [0, 2, 2, 0]
    n = np.zeros(4)
    assert rt.at(n)[[0, 0]].op("+=", 1.0) is n and n.tolist() == [1, 0, 0, 0]  # NumPy semantics
    assert jnp.asarray(rt.at(jnp.zeros(4))[jnp.array([0, 0])].op("+=", 1.0)).tolist() == [1, 0, 0, 0]
    v = rt.Variable(jnp.zeros(3))
    assert rt.at(v)[0].set(5.0) is v and float(v.value[0]) == 5.0
    d: dict[str, float] = {}
    assert rt.at(d)["k"].set(1.0) is d and d == {"k": 1.0}


def test_print_concrete_and_traced(capfd: pytest.CaptureFixture[str]) -> None:
    rt.print("a", 1, sep="-")
    jax.jit(lambda x: rt.print("x:", x, end="!\n"))(jnp.float32(2.5))
    jax.effects_barrier()
    assert capfd.readouterr().out == "a-1\nx: 2.5!\n"


def test_assert_concrete_and_traced() -> None:
    with pytest.raises(AssertionError, match="^bad"):
        rt.assert_(False, lambda: "bad", "f.py:3")
    rt.assert_(True, _boom)
    f = jax.jit(lambda x: rt.assert_(x > 0, lambda: "positive please", "f.py:7"))
    f(1.0)
    with pytest.raises(Exception, match=r"positive please \(assert at f.py:7\)"):
        jax.block_until_ready(f(-1.0))
    jax.jit(lambda x: rt.assert_(x > 0, None, "f.py:7", checked=False))(-1.0)  # switched off


def test_for_each_until_modes() -> None:
    def body(x, stop, s):
        stop = x > 2
        return stop, rt.ifexp(stop, lambda: s, lambda: s + x)

    xs = [1.0, 2.0, 3.0, 4.0]
    assert rt.for_each_until(body, xs, (False, 0.0)) == (True, 3.0)
    stop, s = jax.jit(lambda a: rt.for_each_until(body, a, (False, 0.0)))(jnp.array(xs))
    assert bool(stop) and float(s) == 3.0
    assert rt.for_each_until(body, jnp.zeros((0,)), (False, 0.0)) == (False, 0.0)
    out = jax.jit(lambda n: rt.for_each_until(lambda i, b, s: (i >= 3, s + i), rt.range(n), (False, 0)))(10)
    assert int(out[1]) == 6


@pytest.mark.parametrize(
    "form",
    [
        lambda c, u: rt.or_(c, lambda: u),
        lambda c, u: rt.and_(c, lambda: u),
        lambda c, u: rt.ifexp(c, lambda: 1.0, lambda: u),
    ],
)
def test_an_unbound_operand_on_a_traced_side_is_an_undefined_name_error(form: Any) -> None:
    unbound = rt.Undefined("t")
    with pytest.raises(rt.UndefinedValueError, match="'t'"):
        jax.jit(lambda c: form(c, unbound))(jnp.asarray(0.0))

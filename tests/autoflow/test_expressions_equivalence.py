"""Ternaries, and/or/not, chained comparisons, builtins, subscript stores, print
and assert: eager Python == convert(f) == jit(f), on Hypothesis inputs.
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

# ---------------------------------------------------------------------------
# The functions
# ---------------------------------------------------------------------------


def ternaries(x):
    y = x if x > 0 else -x
    z = 1.0 if y > 2 else (2.0 if y > 1 else 3.0)
    return y + z


def bool_ops(x, y):
    a = x > 0 and y > 0
    b = x > 0 or y > 0
    c = not x > y
    d = (x > 1 and y < 1) or not (x < -1)
    return a, b, c, d


def or_default(x, y):
    # Python returns an operand: x when truthy, else y.
    return (x > 0) and x or y


def chained(lo, x, hi):
    inside = lo < x <= hi
    around = lo < abs(x) < hi > lo
    return inside, around


def builtins_use(xs, a, b):
    return min(a, b), max(a, b), min(xs), max(xs), abs(a), len(xs), max(a, b, 0.5)


def in_if(x, y):
    if x > 0 and y > 0:
        r = x * y
    elif not x > y:
        r = y - x
    else:
        r = x if x > y + 1 else y
    return r


def in_place(x, i, v):
    x[i] = v
    x[1:3] *= 2.0
    x[0] += x[2]
    return x


def in_place_loop(x):
    for i in range(x.shape[0]):
        if x[i] < 0:
            x[i] = 0.0
        else:
            x[i] += 1.0
    return x


def asserted(x):
    assert x > -100, "x too small"
    return x * 2


_floats = st.floats(-5, 5, allow_nan=False, allow_subnormal=False, width=32).map(np.float32)
_vec = st.sampled_from([1, 4]).flatmap(
    lambda n: st.lists(_floats, min_size=n, max_size=n).map(lambda v: np.array(v, np.float32))
)
_vec4 = st.lists(_floats, min_size=4, max_size=4).map(lambda v: np.array(v, np.float32))

CASES: list[tuple[Callable[..., Any], st.SearchStrategy[tuple[Any, ...]]]] = [
    (ternaries, st.tuples(_floats)),
    (bool_ops, st.tuples(_floats, _floats)),
    (or_default, st.tuples(_floats, _floats)),
    (chained, st.tuples(_floats, _floats, _floats)),
    (builtins_use, st.tuples(_vec, _floats, _floats)),
    (in_if, st.tuples(_floats, _floats)),
    (in_place, st.tuples(_vec4, st.integers(0, 3), _floats)),
    (in_place_loop, st.tuples(_vec4)),
    (asserted, st.tuples(_floats)),
]


def assert_same(expected: Any, got: Any, what: str) -> None:
    e_leaves, e_tree = jax.tree_util.tree_flatten(expected)
    g_leaves, g_tree = jax.tree_util.tree_flatten(got)
    assert e_tree == g_tree, f"{what}: structure {g_tree} != {e_tree}"
    for e, g in zip(e_leaves, g_leaves):
        np.testing.assert_allclose(np.asarray(g), np.asarray(e), rtol=1e-5, atol=1e-5, err_msg=what)


def _copy(values: tuple[Any, ...]) -> list[Any]:
    return [v.copy() if isinstance(v, np.ndarray) else v for v in values]


_JITTED: dict[str, Any] = {}


@pytest.mark.parametrize("fn, args", CASES, ids=[c[0].__name__ for c in CASES])
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_equivalent(fn: Callable[..., Any], args: Any, data: st.DataObject) -> None:
    values = data.draw(args)
    expected = fn(*_copy(values))  # NumPy arrays: Python mutates them in place
    assert_same(expected, autoflow.convert(fn)(*_copy(values)), "convert, NumPy inputs")
    device = [jnp.asarray(v) if isinstance(v, np.ndarray | np.floating) else v for v in values]
    assert_same(expected, autoflow.convert(fn)(*device), "convert, JAX inputs")
    jitted = _JITTED.setdefault(fn.__name__, autoflow.jit(fn))
    assert_same(expected, jitted(*device), "jit, first call")
    assert_same(expected, jitted(*device), "jit, second call")
    assert jitted._cache_size() <= 2  # one per vector length drawn


def _guarded(x):
    return x is not None and x.shape[0] > 0


def _loud_right(log):
    log.append("right")
    return True


def short_circuit(flag, log):
    return flag and _loud_right(log)


def test_short_circuit_on_concrete_values() -> None:
    # The right side is not evaluated when the left decides.
    f = autoflow.convert(short_circuit)
    log: list[str] = []
    assert f(False, log) is False and log == []
    assert f(0, log) == 0 and log == []
    assert f(True, log) is True and log == ["right"]
    assert autoflow.convert(_guarded)(None) is False


def test_and_or_return_operands() -> None:
    f = autoflow.convert(or_default)
    assert f(3.0, 7.0) == 3.0
    assert f(-3.0, 7.0) == 7.0


def test_numpy_in_place_stays_in_place() -> None:
    x = np.zeros(4, np.float32)
    out = autoflow.convert(in_place)(x, 1, 5.0)
    assert out is x and x[1] == 10.0  # x[1] = 5, then x[1:3] *= 2


def test_print_every_iteration(capfd: pytest.CaptureFixture[str]) -> None:
    def loop_print(xs):
        s = 0.0
        for x in xs:
            s += x
            print("s =", s)
        return s

    autoflow.jit(loop_print)(jnp.array([1.0, 2.0, 3.0])).block_until_ready()
    jax.effects_barrier()
    out = capfd.readouterr().out
    assert out.splitlines() == ["s = 1.0", "s = 3.0", "s = 6.0"]


def test_assert_checked_at_run_time() -> None:
    f = autoflow.jit(asserted)
    assert float(f(jnp.float32(1.0))) == 2.0
    with pytest.raises(Exception, match=r"x too small \(assert at test_expressions_equivalence.py:\d+\)"):
        jax.block_until_ready(f(jnp.float32(-1000.0)))
    with pytest.raises(AssertionError, match="x too small"):
        autoflow.convert(asserted)(-1000.0)

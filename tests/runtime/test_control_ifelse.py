"""rt.where and rt.ifelse: same result as the Python statement, eagerly and compiled."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import runtime as rt

# XLA flushes subnormal floats to zero, so compiled `x > 0` differs from Python
# for them: a platform float difference, not control flow; they are not drawn.
SETTINGS = settings(max_examples=25, deadline=None)
ints = st.integers(-20, 20)
floats = st.floats(-100, 100, allow_nan=False, allow_subnormal=False, width=32)


# -- where ---------------------------------------------------------------------


@pytest.mark.parametrize("cond", [True, False, np.bool_(True), np.bool_(False)])
def test_where_python_bool_returns_the_object_itself(cond):
    x, y = object(), [1, 2]
    assert rt.where(cond, x, y) is (x if cond else y)


@SETTINGS
@given(st.lists(st.tuples(floats, floats, st.booleans()), min_size=1, max_size=6))
def test_where_arrays_match_numpy_eager_and_jit(rows):
    x = np.array([r[0] for r in rows], np.float32)
    y = np.array([r[1] for r in rows], np.float32)
    c = np.array([r[2] for r in rows])
    expected = np.where(c, x, y)
    np.testing.assert_array_equal(rt.where(jnp.asarray(c), x, y), expected)
    np.testing.assert_array_equal(_jit_where(c, rt.Variable(x).value, y), expected)
    # Variables as cond and values
    vc, vx = rt.Variable(c), rt.Variable(x)
    np.testing.assert_array_equal(rt.where(vc, vx, y), expected)


_jit_where = jax.jit(lambda c, x, y: rt.where(c, x, y))


def test_where_on_a_variable_tutorial_form():
    a = rt.Variable(jnp.array([-1.0, 2.0, 0.0]))
    np.testing.assert_array_equal(rt.where(a < 0, 0.0, 1.0), [0.0, 1.0, 1.0])


def test_where_rejects_a_non_boolean_cond():
    with pytest.raises(TypeError, match="where: cond must be a bool"):
        rt.where("yes", 1, 2)


# -- ifelse: values, if/elif/else ------------------------------------------------


def _python_chain(a, thresholds, values):
    for t, v in zip(thresholds, values):
        if a > t:
            return v
    return values[-1]


@SETTINGS
@given(ints, st.lists(ints, min_size=1, max_size=4), st.data())
def test_ifelse_values_first_true_wins(a, thresholds, data):
    values = data.draw(st.lists(ints, min_size=len(thresholds) + 1, max_size=len(thresholds) + 1))
    expected = _python_chain(a, thresholds, values)

    def f(a):
        return rt.ifelse([a > t for t in thresholds], values)

    assert f(a) == expected  # Python ints: the Python path
    assert f(jnp.asarray(a)) == expected  # concrete array: still Python
    assert int(jax.jit(f)(a)) == expected  # traced predicates: lax.switch / lax.cond


@SETTINGS
@given(st.lists(st.sampled_from(["T", "F", "t"]), min_size=1, max_size=4), floats)
def test_ifelse_mixed_concrete_and_traced_predicates(kinds, x):
    """Concrete predicates decide left to right until the first traced one."""

    def pred(kind, x):
        return {"T": True, "F": False}.get(kind, x > 0)

    def python(x):
        for i, kind in enumerate(kinds):
            if pred(kind, x):
                return float(i)
        return float(len(kinds))

    branches = [lambda x, i=i: x * 0 + i for i in range(len(kinds) + 1)]

    def f(x):
        return rt.ifelse([pred(k, x) for k in kinds], branches, x)

    assert float(f(jnp.float32(x))) == python(x)
    assert float(jax.jit(f)(x)) == python(x)


def test_concrete_predicate_runs_only_the_chosen_branch():
    def boom():
        raise RuntimeError("the untaken branch ran")

    assert rt.ifelse(True, (lambda: 1, boom)) == 1
    assert rt.ifelse([False, True], (boom, lambda: 2, boom)) == 2
    assert rt.ifelse(jnp.asarray(False), (boom, lambda: 3)) == 3
    # a concrete True before a traced predicate decides, even under jit
    out = jax.jit(
        lambda x: rt.ifelse([x > 100, True, x > 0], (lambda: x, lambda: x * 2, boom, boom))
    )
    assert float(out(3.0)) == 6.0


def test_tutorial_multi_branch_with_functions_of_an_operand():
    def f(a):
        return rt.ifelse(
            [a > 10, a > 5, a > 0, a > -5],
            [lambda a: a + 1, lambda a: a + 2, lambda a: a + 3, lambda a: a + 4, lambda a: a + 5],
            a,
        )

    for a in [11.0, 6.0, 1.0, -1.0, -6.0]:
        expected = _python_chain(a, [10, 5, 0, -5], [a + 1, a + 2, a + 3, a + 4, a + 5])
        assert f(a) == expected
        assert float(jax.jit(f)(a)) == expected


# -- ifelse: carried state and Variables ------------------------------------------


class _Branchy(rt.Module):
    def __init__(self) -> None:
        super().__init__()
        self.v = rt.Variable(jnp.zeros(2))
        self.w = rt.Variable(jnp.zeros(()))

    def __call__(self, x, y):
        def if_true(x, y):
            self.v.value = self.v + x
            return x * 2, y

        def if_false(x, y):
            self.w.value = self.w - y
            return x, y - 1

        return rt.ifelse(x > y, (if_true, if_false), (x, y))


def _python_branchy(state, x, y):
    v, w = state
    if x > y:
        return (v + x, w), (x * 2, y)
    return (v, w - y), (x, y - 1)


@SETTINGS
@given(st.lists(st.tuples(floats, floats), min_size=1, max_size=4))
def test_ifelse_writes_variables_like_python(calls):
    eager, compiled = _Branchy(), _Branchy()
    jitted = rt.jit(compiled)
    state = (np.zeros(2, np.float32), np.float32(0))
    for x, y in calls:
        x, y = np.float32(x), np.float32(y)
        state, expected = _python_branchy(state, x, y)
        np.testing.assert_allclose(eager(x, y), expected, rtol=1e-6)
        np.testing.assert_allclose(jitted(x, y), expected, rtol=1e-6)
        for m in (eager, compiled):
            np.testing.assert_allclose(m.v.value, state[0], rtol=1e-6)
            np.testing.assert_allclose(m.w.value, state[1], rtol=1e-6)


def test_traced_ifelse_promotes_dtypes_like_jax():
    f = jax.jit(lambda x: rt.ifelse(x > 0, (lambda: 2.0, lambda: x)))
    out = f(jnp.float32(-1.5))
    assert out.dtype == jnp.float32 and float(out) == -1.5
    assert float(f(jnp.float32(1.0))) == 2.0
    g = jax.jit(lambda x: rt.ifelse(x > 0, (lambda: 1, lambda: x)))  # int and float -> float
    assert g(jnp.float32(3.0)).dtype == jnp.float32


def test_predicate_of_shape_one_is_accepted():
    f = jax.jit(lambda x: rt.ifelse(x > 0, (lambda: 1.0, lambda: -1.0)))
    assert float(f(jnp.array([2.0]))) == 1.0
    assert rt.ifelse(jnp.array([False]), (1, 2)) == 2


def test_undefined_on_both_sides_passes_through():
    f = jax.jit(
        lambda x: rt.ifelse(x > 0, (lambda y: (x, y), lambda y: (-x, y)), (rt.Undefined("y"),))
    )
    out, y = f(1.0)
    assert float(out) == 1.0 and isinstance(y, rt.Undefined) and y.name == "y"


# -- transformations ------------------------------------------------------------------


@SETTINGS
@given(st.lists(floats, min_size=1, max_size=5))
def test_ifelse_under_vmap_with_batched_predicate(xs):
    xs = np.asarray(xs, np.float32)

    def f(x):
        return rt.ifelse([x > 10, x > 0], (lambda x: x * 3, lambda x: x * 2, lambda x: -x), x)

    expected = [_python_chain(x, [10, 0], [x * 3, x * 2, -x]) for x in xs]
    np.testing.assert_allclose(jax.vmap(f)(xs), expected, rtol=1e-6)


def test_ifelse_is_differentiable():
    def f(x):
        return rt.ifelse(x > 0, (lambda x: x * x, lambda x: -3 * x), x)

    assert float(jax.grad(f)(2.0)) == 4.0
    assert float(jax.grad(jax.jit(f))(-2.0)) == -3.0

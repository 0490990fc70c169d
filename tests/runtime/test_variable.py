"""Variable: value semantics, in-place forms, checks, array protocol."""

from __future__ import annotations

import operator

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import runtime as rt
from runtime.state import StateTrace

# XLA on CPU flushes subnormals to zero; NumPy does not.
finite = st.floats(
    -100, 100, width=32, allow_nan=False, allow_infinity=False, allow_subnormal=False
)
float_arrays = hnp.arrays(np.float32, st.integers(1, 6), elements=finite)


# -- value ------------------------------------------------------------------------


def test_value_get_set_and_update() -> None:
    v = rt.Variable(jnp.zeros(3))
    v.value = jnp.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(v.value, [1.0, 2.0, 3.0])
    v.update(jnp.array([4.0, 5.0, 6.0]))
    np.testing.assert_array_equal(v.value, [4.0, 5.0, 6.0])
    assert isinstance(v.value, jax.Array)


def test_construct_from_lists_scalars_and_variables() -> None:
    assert rt.Variable([1, 2, 3]).dtype == jnp.int32
    assert rt.Variable(0.5).shape == ()
    assert rt.Variable(np.zeros(2), dtype=jnp.int32).dtype == jnp.int32
    src = rt.Variable(jnp.ones(2))
    copy = rt.Variable(src)
    copy[0] = 5.0
    np.testing.assert_array_equal(src.value, [1.0, 1.0])


def test_shape_error_names_both_shapes() -> None:
    v = rt.Variable(jnp.zeros(4))
    with pytest.raises(
        rt.VariableShapeError, match=r"shape \(4,\) cannot take a value of shape \(5,\)"
    ):
        v.value = jnp.zeros(5)
    with pytest.raises(ValueError, match=r"\(4,\).*\(2, 2\)"):  # also a ValueError
        v.update(jnp.zeros((2, 2)))
    np.testing.assert_array_equal(v.value, jnp.zeros(4))  # unchanged


def test_dtype_error_names_both_dtypes() -> None:
    v = rt.Variable(jnp.zeros(3, jnp.int32))
    with pytest.raises(
        rt.VariableDtypeError, match=r"dtype int32 cannot take a value of dtype float32"
    ):
        v.value = jnp.ones(3, jnp.float32)
    with pytest.raises(TypeError, match="astype"):  # a TypeError with the fix
        v.value = jnp.ones(3, jnp.float32)
    assert v.dtype == jnp.int32


def test_python_scalars_take_the_variable_dtype() -> None:
    v = rt.Variable(jnp.zeros((), jnp.float32))
    v.value = 3  # a weakly typed Python int, as eager JAX would promote it
    assert v.dtype == jnp.float32 and float(v) == 3.0
    with pytest.raises(
        rt.VariableShapeError, match=r"shape \(2,\) cannot take a value of shape \(\)"
    ):
        rt.Variable(jnp.zeros(2)).value = 3  # no broadcasting: v[:] = 3 does that
    w = rt.Variable(jnp.zeros((), jnp.int32))
    w.value = 7
    assert w.dtype == jnp.int32 and int(w) == 7


@pytest.mark.parametrize("initial", [0.0, 3, jnp.asarray(1.5), True])
def test_values_are_never_weakly_typed(initial: object) -> None:
    # JAX treats Python scalars as weakly typed; a Variable must not, or it would promote
    # differently before and after a compiled call hands a strongly typed value back.
    v = rt.Variable(initial)
    assert not v.value.weak_type
    eager_dtype = (v.value + jnp.ones((), jnp.float16)).dtype
    v.value = 1  # a Python scalar assigned later is made strong too
    assert not v.value.weak_type
    assert (v.value + jnp.ones((), jnp.float16)).dtype == eager_dtype


def test_a_scalar_variable_compiles_once_per_signature() -> None:
    traces: list[int] = []

    class Counter(rt.Module):
        def __init__(self) -> None:
            super().__init__()
            self.total = rt.Variable(0.0)

        def __call__(self, x: jax.Array) -> jax.Array:
            traces.append(1)
            self.total.value = self.total.value + x
            return self.total.value

    counter = Counter()
    step = rt.jit(counter)
    step(jnp.float32(1.0))
    after_first_call = len(traces)
    step(jnp.float32(1.0))
    step(jnp.float32(1.0))
    assert len(traces) == after_first_call  # no retrace once the value came back from XLA
    assert float(counter.total) == 3.0


def test_batch_axis_allows_size_change_only_along_it() -> None:
    v = rt.Variable(jnp.zeros((2, 3)), batch_axis=0)
    v.value = jnp.ones((5, 3))
    assert v.shape == (5, 3)
    with pytest.raises(rt.VariableShapeError, match=r"\(5, 3\).*\(5, 4\).*only axis 0"):
        v.value = jnp.ones((5, 4))
    with pytest.raises(rt.VariableShapeError):
        v.value = jnp.ones((5, 3, 1))
    last = rt.Variable(jnp.zeros((2, 3)), batch_axis=-1)
    last.value = jnp.zeros((2, 7))
    assert last.shape == (2, 7)
    with pytest.raises(ValueError, match="batch_axis 2 is out of range.*shape \\(2, 3\\)"):
        rt.Variable(jnp.zeros((2, 3)), batch_axis=2)


# -- in-place forms -------------------------------------------------------------------


def test_index_assignment_forms() -> None:
    v = rt.Variable(jnp.zeros(5))
    v[0] = 10
    v[1:3] = 1
    v[jnp.array([4])] = rt.Variable(jnp.array([7.0]))
    np.testing.assert_array_equal(v.value, [10.0, 1.0, 1.0, 0.0, 7.0])
    m = rt.Variable(jnp.zeros((2, 3), jnp.int32))
    m[1] = jnp.arange(3)
    m[:, 0] = 9
    np.testing.assert_array_equal(m.value, [[9, 0, 0], [9, 1, 2]])


@pytest.mark.parametrize(
    ("name", "op"),
    [
        ("+=", operator.iadd),
        ("-=", operator.isub),
        ("*=", operator.imul),
        ("/=", operator.itruediv),
        ("**=", operator.ipow),
    ],
)
@settings(max_examples=15, deadline=None)
@given(x=float_arrays, s=st.floats(0.5, 3, width=32))
def test_inplace_arithmetic_matches_numpy(name: str, op: object, x: np.ndarray, s: float) -> None:
    v = rt.Variable(jnp.asarray(np.abs(x)))
    before = v
    result = op(v, s)  # type: ignore[operator]
    expected = op(np.abs(x).copy(), np.float32(s))  # type: ignore[operator]
    assert result is before, f"{name} must keep the same Variable object"
    assert v.dtype == jnp.float32
    np.testing.assert_allclose(v.value, expected, rtol=1e-5, atol=1e-5)


def test_inplace_integer_and_bitwise_forms() -> None:
    v = rt.Variable(jnp.array([5, 6, 7]))
    v //= 2
    np.testing.assert_array_equal(v.value, [2, 3, 3])
    v %= 2
    np.testing.assert_array_equal(v.value, [0, 1, 1])
    v |= jnp.array([4, 4, 0])
    v ^= 1
    v <<= 1
    v >>= 1
    v &= 7
    np.testing.assert_array_equal(v.value, np.array([5, 4, 0]))
    w = rt.Variable(jnp.eye(2))
    w @= jnp.array([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(w.value, [[1.0, 2.0], [3.0, 4.0]])


def test_inplace_form_shape_error() -> None:
    v = rt.Variable(jnp.zeros(3))
    with pytest.raises(rt.VariableShapeError, match=r"\(3,\).*\(2, 3\)"):
        v += jnp.ones((2, 3))


# -- as an array -------------------------------------------------------------------


@settings(max_examples=20, deadline=None)
@given(x=float_arrays)
def test_arithmetic_returns_plain_arrays(x: np.ndarray) -> None:
    v = rt.Variable(jnp.asarray(x))
    for result, expected in [
        (v + 1, x + 1),
        (1 - v, 1 - x),
        (v * v, x * x),
        (2.0 * v, 2 * x),
        (-v, -x),
        (abs(v), np.abs(x)),
        (v**2, x**2),
        (np.ones_like(x) + v, 1 + x),
        (v > 0, x > 0),
        (v == v, x == x),
    ]:
        assert type(result) is not rt.Variable and isinstance(result, jax.Array)
        # x * x may be subnormal, which XLA flushes to zero.
        tiny = float(np.finfo(np.float32).tiny)
        np.testing.assert_allclose(np.asarray(result), expected, rtol=1e-6, atol=tiny)


def test_jax_numpy_functions_accept_variables_and_return_arrays() -> None:
    x = np.array([0.5, -1.0, 2.0], np.float32)
    v = rt.Variable(jnp.asarray(x))
    cases = [
        (jnp.sin(v), np.sin(x)),
        (jnp.dot(v, v), np.dot(x, x)),
        (jnp.sum(v), np.sum(x)),
        (jnp.where(v > 0, v, 0.0), np.where(x > 0, x, 0.0)),
        (jnp.concatenate([v, v]), np.concatenate([x, x])),
        (jax.nn.relu(v), np.maximum(x, 0)),
        (v.sum(), x.sum()),
        (v.reshape(3, 1), x.reshape(3, 1)),
        (v[1:], x[1:]),
    ]
    for result, expected in cases:
        assert isinstance(result, jax.Array) and not isinstance(result, rt.Variable)
        np.testing.assert_allclose(np.asarray(result), expected, rtol=1e-6)


def test_array_facts() -> None:
    v = rt.Variable(jnp.zeros((2, 3), jnp.int32))
    assert v.shape == (2, 3)
    assert v.ndim == 2
    assert v.size == 6
    assert v.dtype == np.dtype("int32")
    assert len(v) == 2


def test_conversions() -> None:
    v = rt.Variable(jnp.array([1.0, 2.0]))
    as_np = v.to_numpy()
    assert type(as_np) is np.ndarray
    np.testing.assert_array_equal(as_np, [1.0, 2.0])
    assert isinstance(v.to_jax(), jax.Array) and not isinstance(v.to_jax(), rt.Variable)
    assert type(np.asarray(v)) is np.ndarray
    assert np.asarray(v, dtype=np.float64).dtype == np.float64
    j = jnp.asarray(v)
    assert isinstance(j, jax.Array) and not isinstance(j, rt.Variable)
    np.testing.assert_array_equal(j, [1.0, 2.0])
    assert float(rt.Variable(2.5)) == 2.5 and int(rt.Variable(3)) == 3
    assert bool(rt.Variable(True))


def test_repr_is_readable() -> None:
    assert repr(rt.Variable(jnp.array([1.0, 2.0]))) == "Variable([1., 2.], dtype=float32)"
    assert repr(rt.Variable(jnp.zeros((2,), jnp.int32), batch_axis=0)) == (
        "Variable([0, 0], dtype=int32, batch_axis=0)"
    )
    big = repr(rt.Variable(jnp.zeros(1000)))
    assert "..." in big and len(big) < 200


def test_repr_while_traced() -> None:
    v = rt.Variable(jnp.zeros(3))
    seen = []

    def f(x: jax.Array) -> jax.Array:
        v._value = x  # what jit does while tracing
        seen.append(repr(v))
        return x

    saved = v._value
    jax.jit(f)(jnp.ones(3))
    v._value = saved
    assert seen == ["Variable(<traced float32[3]>, dtype=float32)"]


def test_reads_and_writes_are_recorded() -> None:
    a = rt.Variable(jnp.zeros(2))
    b = rt.Variable(jnp.ones(2))
    with StateTrace() as trace:
        _ = b + 1
        a[0] = 3.0
    assert trace.touched() == [b, a]
    assert trace.written() == [a]


def test_copies_made_by_jax_pytree_functions_are_not_state() -> None:
    # jnp functions flatten a Variable and rebuild a temporary copy inside;
    # only the real Variable may be reported as touched.
    v = rt.Variable(jnp.ones(2))
    with StateTrace() as trace:
        jnp.dot(jnp.ones((3, 2)), v)
        (copy,) = jax.tree_util.tree_map(lambda x: x * 2, [v])
        copy.value = copy.value + 1
    assert trace.touched() == [v]
    assert isinstance(copy, rt.Variable)
    np.testing.assert_array_equal(copy.value, [3.0, 3.0])
    np.testing.assert_array_equal(v.value, [1.0, 1.0])

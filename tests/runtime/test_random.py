"""rt.random: a stateful generator whose key is a Variable."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import runtime as rt
from runtime.random import RandomState


def _expected_keys(seed: int, n: int) -> list[jax.Array]:
    """The subkeys the first ``n`` draws should use: split, keep one half, use the other."""
    key = jax.random.key(seed)
    subs = []
    for _ in range(n):
        key, sub = jax.random.split(key)
        subs.append(sub)
    return subs


def test_draws_follow_jax_random_split_chain() -> None:
    rs = RandomState(42)
    k1, k2, k3 = _expected_keys(42, 3)
    np.testing.assert_array_equal(rs.normal(size=3), jax.random.normal(k1, (3,)))
    np.testing.assert_array_equal(rs.random(2), jax.random.uniform(k2, (2,)))
    np.testing.assert_array_equal(
        rs.randint(10, size=4), jax.random.randint(k3, (4,), 0, 10, jnp.int32)
    )


def test_same_seed_same_numbers_and_the_stream_advances() -> None:
    a, b = RandomState(7), RandomState(7)
    first = a.normal(size=5)
    np.testing.assert_array_equal(first, b.normal(size=5))
    assert not np.array_equal(first, a.normal(size=5))
    assert not np.array_equal(RandomState(8).normal(size=5), RandomState(7).normal(size=5))
    a.seed(7)
    np.testing.assert_array_equal(a.normal(size=5), first)


def test_shapes_follow_numpy() -> None:
    rs = RandomState(0)
    assert rs.random().shape == ()
    assert rs.random(3).shape == (3,)
    assert rs.random((2, 3)).shape == (2, 3)
    assert rs.normal(0.0, 1.0, size=(2, 3)).shape == (2, 3)
    assert rs.normal(jnp.zeros(4), 1.0).shape == (4,)  # broadcast of the parameters
    assert rs.uniform(jnp.zeros((2, 1)), jnp.ones(3)).shape == (2, 3)
    assert rs.uniform(size=5).shape == (5,)
    assert rs.randint(5).shape == ()
    assert rs.randint(0, 5, size=(2, 2)).shape == (2, 2)
    assert rs.bernoulli(jnp.full(3, 0.5)).shape == (3,)
    assert rs.bernoulli(0.5, size=np.int64(4)).shape == (4,)


def test_ranges_and_dtypes() -> None:
    rs = RandomState(1)
    u = np.asarray(rs.random(1000))
    assert u.dtype == np.float32 and u.min() >= 0.0 and u.max() < 1.0
    v = np.asarray(rs.uniform(-3.0, -2.0, size=1000))
    assert v.min() >= -3.0 and v.max() < -2.0
    i = np.asarray(rs.randint(5, size=1000))
    assert i.dtype == np.int32 and set(np.unique(i)) == {0, 1, 2, 3, 4}
    j = np.asarray(rs.randint(-2, 2, size=1000))
    assert set(np.unique(j)) == {-2, -1, 0, 1}
    b = np.asarray(rs.bernoulli(0.3, size=4000))
    assert b.dtype == np.bool_ and 0.25 < b.mean() < 0.35
    assert not rs.bernoulli(0.0, size=50).any() and rs.bernoulli(1.0, size=50).all()
    n = np.asarray(rs.normal(3.0, 2.0, size=20000))
    assert abs(n.mean() - 3.0) < 0.1 and abs(n.std() - 2.0) < 0.1


def test_random_state_is_a_variable() -> None:
    rs = RandomState(3)
    assert isinstance(rs, rt.Variable)
    assert rs.dtype == jnp.uint32 and rs.shape == (2,)
    assert repr(RandomState(0)) == "RandomState(key=[0, 0])"

    class Net(rt.Module):
        def __init__(self) -> None:
            self.rng = RandomState(0)

    assert list(Net().vars()) == ["rng"]


def test_split_key_is_a_typed_key() -> None:
    rs = RandomState(5)
    key = rs.split_key()
    np.testing.assert_array_equal(
        jax.random.normal(key, (2,)), jax.random.normal(_expected_keys(5, 1)[0], (2,))
    )


def test_seed_errors_and_forms() -> None:
    with pytest.raises(TypeError, match="seed expects an integer"):
        RandomState(1.5)  # type: ignore[arg-type]
    raw = jax.random.key_data(jax.random.key(11))
    np.testing.assert_array_equal(RandomState(raw).value, raw)
    np.testing.assert_array_equal(RandomState(jax.random.key(11)).value, raw)
    assert RandomState().shape == (2,)  # seeded from the operating system


# -- compiled ----------------------------------------------------------------------


def test_compiled_draws_match_eager_draws_and_advance() -> None:
    eager, compiled = RandomState(9), RandomState(9)
    draw = rt.jit(lambda: compiled.normal(size=3) + compiled.uniform(size=3))
    for _ in range(3):
        expected = eager.normal(size=3) + eager.uniform(size=3)
        np.testing.assert_allclose(draw(), expected, rtol=1e-6)
        np.testing.assert_array_equal(compiled.value, eager.value)


def test_random_state_argument() -> None:
    @rt.jit
    def draw(rs: RandomState) -> jax.Array:
        return rs.random(2)

    a, b = RandomState(0), RandomState(0)
    first = draw(a)
    np.testing.assert_array_equal(draw(b), first)  # b was not advanced by a's draw
    assert not np.array_equal(draw(a), first)


def test_module_level_functions_use_one_default_stream() -> None:
    rt.random.seed(123)
    k1, k2 = _expected_keys(123, 2)
    np.testing.assert_array_equal(rt.random.random(3), jax.random.uniform(k1, (3,)))
    np.testing.assert_array_equal(
        rt.random.bernoulli(0.5, size=4), jax.random.bernoulli(k2, 0.5, (4,))
    )
    assert rt.random.default_state() is rt.random.default_state()
    for fn in (rt.random.uniform, rt.random.normal):
        assert fn(size=2).shape == (2,)
    assert rt.random.randint(3, 9, size=(2,)).dtype == jnp.int32
    assert rt.random.split_key().dtype == jax.random.key(0).dtype


def test_default_stream_is_found_inside_rt_jit() -> None:
    @rt.jit
    def noisy(x: jax.Array) -> jax.Array:
        return x + rt.random.normal(size=x.shape)

    rt.random.seed(0)
    compiled = [noisy(jnp.zeros(2)) for _ in range(3)]
    rt.random.seed(0)
    eager = [jnp.zeros(2) + rt.random.normal(size=2) for _ in range(3)]
    for c, e in zip(compiled, eager):
        np.testing.assert_allclose(c, e, rtol=1e-6)
    # Compiled and eager draws continue one stream.
    rt.random.seed(0)
    noisy(jnp.zeros(2))
    np.testing.assert_allclose(jnp.zeros(2) + rt.random.normal(size=2), eager[1], rtol=1e-6)


_seed_then_draw = rt.jit(lambda s: (rt.random.seed(s), rt.random.normal(size=4))[1])


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_seeded_inside_compiled_code_is_reproducible(seed: int) -> None:
    compiled = _seed_then_draw(jnp.int32(seed))
    compiled_state = rt.random.default_state().value
    rt.random.seed(seed)
    eager = rt.random.normal(size=4)
    np.testing.assert_allclose(compiled, eager, rtol=1e-6)
    np.testing.assert_array_equal(compiled_state, rt.random.default_state().value)

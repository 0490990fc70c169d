"""Stateful random numbers whose key is a Variable.

A :class:`RandomState` is a :class:`~runtime.Variable` holding a raw JAX PRNG
key (``uint32[2]``). Each draw splits the key, keeps one half as the new state
and uses the other, so :func:`runtime.jit` and the control-flow functions find
it like any other Variable and the stream advances inside compiled code too.

Shapes follow NumPy's ``Generator``: the last argument ``size`` is an ``int``,
a tuple, or ``None`` (then the shape is the broadcast shape of the other
arguments: a scalar for scalar arguments)::

    rs = rt.random.RandomState(0)
    rs.random(3)                        # shape (3,), uniform in [0, 1)
    rs.normal(0.0, 1.0, size=(2, 3))    # shape (2, 3)
    rs.uniform(jnp.zeros(4), 2.0)       # shape (4,)

The module-level functions (``rt.random.seed(0)``, ``rt.random.normal(...)``)
draw from one default RandomState, made on first use.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from runtime.variable import Variable, unwrap

__all__ = [
    "RandomState",
    "bernoulli",
    "default_state",
    "normal",
    "randint",
    "random",
    "seed",
    "split_key",
    "uniform",
]

Size = int | Sequence[int] | None


def _fresh_seed() -> int:
    return int.from_bytes(os.urandom(4), "little")


def _key_data(seed: Any) -> jax.Array:
    """Raw key data (``uint32[2]``) for an integer seed, or raw key data as given."""
    if seed is None:
        seed = _fresh_seed()
    seed = unwrap(seed)
    if isinstance(seed, (jax.Array, np.ndarray)) and jnp.issubdtype(
        seed.dtype, jax.dtypes.prng_key
    ):
        return jax.random.key_data(seed)
    if np.shape(seed) == (2,):
        return jnp.asarray(seed, dtype=jnp.uint32)
    if np.shape(seed) != () or not jnp.issubdtype(jnp.result_type(seed), jnp.integer):
        raise TypeError(
            f"seed expects an integer (or a raw uint32[2] key), got {type(seed).__name__} "
            f"of shape {np.shape(seed)}"
        )
    return jax.random.key_data(jax.random.key(seed))


def _shape(size: Size, *params: Any) -> tuple[int, ...]:
    if size is None:
        return tuple(jnp.broadcast_shapes(*(jnp.shape(unwrap(p)) for p in params)))
    if isinstance(size, (int, np.integer)):
        return (int(size),)
    return tuple(int(s) for s in size)


class RandomState(Variable):
    """A random number generator whose state, a PRNG key, is a Variable.

    Equivalent to this Python (NumPy)::

        rs = np.random.default_rng(seed)
        rs.normal(0.0, 1.0, size=(2, 3))

    Unlike NumPy, the numbers come from JAX's counter-based PRNG (the same seed
    gives the same numbers as ``jax.random`` with ``split``, not NumPy's), and
    the state is a Variable: inside :func:`runtime.jit` and runtime control flow
    each draw advances it, and the new key is written back after the call.

    Args:
      seed: an integer, a raw ``uint32[2]`` key, or ``None`` for a seed from the
        operating system.

    Example::

        rs = rt.random.RandomState(0)
        rs.uniform(-1.0, 1.0, size=3)
    """

    __slots__ = ()

    def __init__(self, seed: int | jax.Array | None = None) -> None:
        super().__init__(_key_data(seed))

    def seed(self, seed: int | jax.Array | None = None) -> None:
        """Restart the stream from ``seed`` (``None``: a seed from the operating system)."""
        self.value = _key_data(seed)

    def split_key(self) -> jax.Array:
        """Advance the state and return a fresh typed key for direct ``jax.random`` use."""
        state, sub = jax.random.split(jax.random.wrap_key_data(self.value))
        self.value = jax.random.key_data(state)
        return sub

    def random(self, size: Size = None) -> jax.Array:
        """Uniform floats in ``[0, 1)`` of shape ``size``."""
        return jax.random.uniform(self.split_key(), _shape(size))

    def uniform(self, low: Any = 0.0, high: Any = 1.0, size: Size = None) -> jax.Array:
        """Uniform floats in ``[low, high)``."""
        low, high = unwrap(low), unwrap(high)
        return jax.random.uniform(
            self.split_key(), _shape(size, low, high), minval=low, maxval=high
        )

    def normal(self, loc: Any = 0.0, scale: Any = 1.0, size: Size = None) -> jax.Array:
        """Normal (Gaussian) floats with mean ``loc`` and standard deviation ``scale``."""
        loc, scale = unwrap(loc), unwrap(scale)
        return loc + scale * jax.random.normal(self.split_key(), _shape(size, loc, scale))

    def randint(self, low: Any, high: Any = None, size: Size = None, dtype: Any = int) -> jax.Array:
        """Integers in ``[low, high)``; with one bound, in ``[0, low)`` (as NumPy)."""
        low, high = unwrap(low), unwrap(high)
        if high is None:
            low, high = 0, low
        return jax.random.randint(self.split_key(), _shape(size, low, high), low, high, dtype)

    def bernoulli(self, p: Any = 0.5, size: Size = None) -> jax.Array:
        """Booleans that are ``True`` with probability ``p``."""
        p = unwrap(p)
        return jax.random.bernoulli(self.split_key(), p, _shape(size, p))

    def __repr__(self) -> str:
        value = self._value
        if isinstance(value, jax.core.Tracer):
            return f"RandomState(<traced {value.aval.str_short()}>)"
        return f"RandomState(key={np.asarray(value).tolist()})"


_default: RandomState | None = None


def default_state() -> RandomState:
    """The RandomState the module-level functions draw from (made on first use)."""
    global _default
    if _default is None:
        # Made on first use, possibly while tracing: keep its value concrete.
        with jax.ensure_compile_time_eval():
            _default = RandomState()
    return _default


def seed(seed: int | jax.Array | None = None) -> None:
    """Restart the default stream from ``seed``. Same as ``default_state().seed(seed)``."""
    default_state().seed(seed)


def split_key() -> jax.Array:
    """A fresh typed key from the default stream."""
    return default_state().split_key()


def random(size: Size = None) -> jax.Array:
    """Uniform floats in ``[0, 1)`` from the default stream."""
    return default_state().random(size)


def uniform(low: Any = 0.0, high: Any = 1.0, size: Size = None) -> jax.Array:
    """Uniform floats in ``[low, high)`` from the default stream."""
    return default_state().uniform(low, high, size)


def normal(loc: Any = 0.0, scale: Any = 1.0, size: Size = None) -> jax.Array:
    """Normal floats from the default stream."""
    return default_state().normal(loc, scale, size)


def randint(low: Any, high: Any = None, size: Size = None, dtype: Any = int) -> jax.Array:
    """Integers in ``[low, high)`` (or ``[0, low)``) from the default stream."""
    return default_state().randint(low, high, size, dtype)


def bernoulli(p: Any = 0.5, size: Size = None) -> jax.Array:
    """Booleans, ``True`` with probability ``p``, from the default stream."""
    return default_state().bernoulli(p, size)

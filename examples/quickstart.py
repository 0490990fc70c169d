"""Quickstart: plain Python control flow, compiled with JAX by autoflow.

Run it:                 python examples/quickstart.py
See what it becomes:    autoflow transpile examples/quickstart.py
"""

import jax.numpy as jnp

import autoflow
import runtime as rt


class OddEven(rt.Module):
    """Branches on a random Variable: plain jax.jit raises TracerBoolConversionError."""

    def __init__(self) -> None:
        super().__init__()
        self.rand = rt.Variable(rt.random.random(1))
        self.a = rt.Variable(jnp.zeros(1))

    def __call__(self):
        if self.rand < 0.5:
            self.a += 1
        else:
            self.a -= 1
        return self.a


@autoflow.jit
def total(seq, n):
    """Sum the positive entries among the first n, then a decaying scan."""
    s = 0.0
    i = 0
    while i < n:  # traced bound: a compiled while loop
        if seq[i] > 0:
            s += seq[i]
        i += 1
    for x in seq:  # over an array: one scan, compile time independent of len(seq)
        s = s * 0.5 + x
    return s


if __name__ == "__main__":
    rt.random.seed(0)
    model = autoflow.jit(OddEven())
    print("OddEven:", model(), model())
    seq = jnp.array([1.0, -2.0, 3.0, 4.0])
    print("total:", total(seq, 3))

"""``rt.while_loop``: advance Variables ``i`` and ``counter`` while ``i < 10``.

The condition reads ``i``; the body writes ``i`` and ``counter``. Neither is
passed in: ``while_loop`` finds the Variables by itself and carries them
through ``lax.while_loop`` once compiled (plain Python eagerly). The second
form also carries an operand.

Run it:  python examples/while_loop.py
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

import runtime as rt

i = rt.Variable(jnp.zeros(1))
counter = rt.Variable(jnp.zeros(1))


def without_operands() -> None:
    def cond_f() -> jax.Array:
        return i[0] < 10

    def body_f() -> None:
        i.value += 1.0
        counter.value += i

    rt.while_loop(body_f, cond_f, ())


def with_operands(x: jax.Array) -> jax.Array:
    def cond_f(x: jax.Array) -> jax.Array:
        return i[0] < 10

    def body_f(x: jax.Array) -> jax.Array:
        i.value += 1.0
        counter.value += i
        return x + 1

    return rt.while_loop(body_f, cond_f, x)


def reset() -> None:
    i.value = jnp.zeros(1)
    counter.value = jnp.zeros(1)


def main() -> None:
    rt.jit(without_operands)()
    print(f"without operands: i = {i.value}, counter = {counter.value}")
    reset()
    out = rt.jit(with_operands)(jnp.float32(1.0))
    print(f"with operands: x = {out}, i = {i.value}, counter = {counter.value}")


if __name__ == "__main__":
    main()

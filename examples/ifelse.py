"""if/elif/else on a traced value with ``rt.ifelse``.

Python's::

    if a > 10:   return 1
    elif a > 5:  return 2
    elif a > 0:  return 3
    elif a > -5: return 4
    else:        return 5

as one ``rt.ifelse`` call, with plain values as branches or with functions of
an operand. Under ``jit`` it compiles to one ``lax.switch``.

Run it:  python examples/ifelse.py
"""

from __future__ import annotations

import jax

import runtime as rt


def with_values(a: jax.Array) -> jax.Array:
    return rt.ifelse([a > 10, a > 5, a > 0, a > -5], [1, 2, 3, 4, 5])


def with_functions(a: jax.Array) -> jax.Array:
    return rt.ifelse(
        [a > 10, a > 5, a > 0, a > -5],
        [lambda x: x * 1, lambda x: x * 2, lambda x: x * 3, lambda x: x * 4, lambda x: x * 5],
        a,
    )


def main() -> None:
    f, g = rt.jit(with_values), rt.jit(with_functions)
    for a in (11.0, 6.0, 1.0, -1.0, -6.0):
        print(f"a={a:5}: values -> {int(f(a))}, functions -> {float(g(a))}")


if __name__ == "__main__":
    main()

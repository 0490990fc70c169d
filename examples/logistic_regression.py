"""Logistic regression as a Module whose ``w`` Variable is updated in ``__call__``.

The second example of the BrainPy JIT tutorial: ``rt.jit(model)`` compiles
``__call__``, finds ``self.w`` by itself, passes its value in and writes the
new value back after each call, exactly as the eager call would.

Run it:  python examples/logistic_regression.py [--points 200000 --dims 10 --steps 10]
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import jax
import jax.numpy as jnp

import runtime as rt


class LogisticRegression(rt.Module):
    def __init__(self, dimension: int) -> None:
        super().__init__()
        self.dimension = dimension
        self.w = rt.Variable(2.0 * jnp.ones(dimension) - 1.3)

    def __call__(self, X: jax.Array, Y: jax.Array) -> None:
        """One gradient step on points ``X`` (n, d) with labels ``Y`` (n,)."""
        u = jnp.dot(((1.0 / (1.0 + jnp.exp(-Y * jnp.dot(X, self.w))) - 1.0) * Y), X)
        self.w.value = self.w - u


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=200_000)
    parser.add_argument("--dims", type=int, default=10)
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args(argv)

    rt.random.seed(0)
    points = rt.random.random((args.points, args.dims))
    labels = rt.random.random(args.points)

    eager = LogisticRegression(args.dims)
    model = rt.jit(LogisticRegression(args.dims))
    for _ in range(args.steps):
        eager(points, labels)
        model(points, labels)
    same = jnp.allclose(eager.w.value, model.w.value, rtol=1e-4, atol=1e-4)
    print(f"after {args.steps} steps on {args.points} points in {args.dims} dims:")
    print(f"  compiled w = {model.w.value}")
    print(f"  eager and compiled agree: {bool(same)}")
    if not same:
        raise SystemExit("compiled result differs from eager")


if __name__ == "__main__":
    main()

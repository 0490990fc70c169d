"""GELU under ``rt.jit``: the first example of the BrainPy JIT tutorial.

A pure function of arrays needs nothing but ``rt.jit`` (it behaves like
``jax.jit`` here); the compiled version fuses the element-wise operations.

Run it:  python examples/gelu.py [--size 1000000]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp

import runtime as rt


def gelu(x: jax.Array) -> jax.Array:
    """The tanh approximation of the Gaussian error linear unit."""
    sqrt = jnp.sqrt(2 / jnp.pi)
    cdf = 0.5 * (1.0 + jnp.tanh(sqrt * (x + 0.044715 * (x**3))))
    return x * cdf


gelu_jit = rt.jit(gelu)


def median_seconds(fn: Callable[[jax.Array], jax.Array], x: jax.Array, repeat: int = 20) -> float:
    fn(x).block_until_ready()  # warm up (and compile)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(x).block_until_ready()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="number of inputs")
    args = parser.parse_args(argv)

    rt.random.seed(0)
    x = rt.random.uniform(-3.0, 3.0, size=args.size)
    eager, compiled = gelu(x), gelu_jit(x)
    assert jnp.allclose(eager, compiled, atol=1e-6), "compiled GELU differs from eager"
    print(
        f"gelu on {args.size} inputs: max |eager - compiled| = {jnp.abs(eager - compiled).max():.2e}"
    )
    print(f"  eager   {median_seconds(gelu, x) * 1e3:8.3f} ms")
    print(f"  rt.jit  {median_seconds(gelu_jit, x) * 1e3:8.3f} ms")


if __name__ == "__main__":
    main()

"""The same function under plain ``jax.jit`` and under ``@autoflow.jit``.

``jax.jit`` traces with abstract values, so the Python ``if`` and ``while``
below cannot decide which way to go and JAX raises
``TracerBoolConversionError``. ``autoflow.jit`` rewrites them into
``rt.ifelse`` and ``rt.while_loop`` first, and the function compiles.

Run it:  python examples/jax_jit_vs_autoflow.py [--value 2.0]
"""

from __future__ import annotations

import argparse
import math
import sys

import jax
import jax.numpy as jnp

import autoflow


def safe_sqrt(a):
    """Square root by Newton's method; 0 for a <= 0."""
    if a <= 0:
        x = jnp.zeros_like(a)
    else:
        x = a
        while jnp.abs(x * x - a) > 1e-4 * a:
            x = 0.5 * (x + a / x)
    return x


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="safe_sqrt under jax.jit and autoflow.jit")
    parser.add_argument("--value", type=float, default=2.0)
    parser.add_argument("--show-source", action="store_true", help="print the converted code")
    args = parser.parse_args(argv)
    a = jnp.float32(args.value)

    print(f"eager Python:  safe_sqrt({args.value}) = {float(safe_sqrt(a)):.6f}")

    try:
        jax.jit(safe_sqrt)(a)
    except jax.errors.TracerBoolConversionError as err:
        first_line = str(err).splitlines()[0]
        print(f"jax.jit:       {type(err).__name__}: {first_line}")
    else:  # pragma: no cover - would mean JAX learned to branch on tracers
        print("jax.jit:       no error (unexpected)")
        return 1

    compiled = autoflow.jit(safe_sqrt)
    result = float(compiled(a))
    print(f"autoflow.jit:  safe_sqrt({args.value}) = {result:.6f}")
    if args.value > 0:
        print(f"math.sqrt:     {math.sqrt(args.value):.6f}")
    if args.show_source:
        print("\nconverted source:\n")
        print(autoflow.to_source(safe_sqrt))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""LoopSimple: a Variable summed over a 1000-element sequence, in a plain ``for`` loop.

``for s in self.seq: self.res += s`` under plain ``jax.jit`` is unrolled into
one addition per element, and compile time grows with the sequence. Converted
by autoflow it is one ``lax.scan`` over ``self.seq``, compiled once whatever
its length.

Run it:  python examples/loop_simple.py [--size 1000]
"""

from __future__ import annotations

import argparse
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np

import autoflow
import runtime as rt


class LoopSimple(rt.Module):
    def __init__(self, size: int = 1000, seed: int = 0):
        super().__init__()
        self.seq = rt.Variable(jax.random.uniform(jax.random.PRNGKey(seed), (size,)))
        self.res = rt.Variable(jnp.zeros(1))

    def __call__(self):
        for s in self.seq:
            self.res += s
        return self.res.value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="sum a sequence into a Variable with a for loop")
    parser.add_argument("--size", type=int, default=1000, help="sequence length (1000)")
    args = parser.parse_args(argv)

    model = LoopSimple(args.size)
    run = autoflow.jit(model)
    start = time.perf_counter()
    first = run()
    first.block_until_ready()
    seconds = time.perf_counter() - start
    second = run()  # state carries over: res is now twice the sum

    expected = np.asarray(model.seq.value, dtype=np.float64).sum()
    print(f"size: {args.size}")
    print(f"first call (trace + compile + run): {seconds * 1000:.1f} ms")
    print(f"res after one call:  {float(first[0]):.4f} (NumPy sum: {expected:.4f})")
    print(f"res after two calls: {float(second[0]):.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``rt.for_loop``: accumulate a 1000-element sequence into a Variable, keep the history.

The body adds one element to ``self.res`` and returns its value; ``for_loop``
scans the sequence (one ``lax.scan``, compiled once whatever its length),
stacks what the body returns and writes the final ``res`` back.

Run it:  python examples/for_loop.py [--size 1000] [--progress]
"""

from __future__ import annotations

import argparse

import jax
import jax.numpy as jnp

import runtime as rt


class LoopStruct(rt.Module):
    def __init__(self, size: int = 1000, seed: int = 0, progress: bool = False) -> None:
        super().__init__()
        self.seq = rt.Variable(jax.random.uniform(jax.random.PRNGKey(seed), (size,)))
        self.res = rt.Variable(jnp.zeros(1))
        self.progress = progress

    def __call__(self) -> jax.Array:
        def add(s: jax.Array) -> jax.Array:
            self.res += s
            return self.res.value

        return rt.for_loop(add, self.seq, progress_bar=self.progress)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="accumulate a sequence with rt.for_loop")
    parser.add_argument("--size", type=int, default=1000, help="sequence length (1000)")
    parser.add_argument("--progress", action="store_true", help="show a progress bar")
    args = parser.parse_args(argv)
    model = LoopStruct(args.size, progress=args.progress)
    history = rt.jit(model)()
    print(f"history shape {history.shape}, last {float(history[-1, 0]):.4f}")
    print(f"res = {float(model.res[0]):.4f}, sum of seq = {float(model.seq.value.sum()):.4f}")


if __name__ == "__main__":
    main()

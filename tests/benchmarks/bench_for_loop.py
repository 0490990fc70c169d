"""rt.for_loop over 1000 steps vs a hand-written lax.scan of the same body.

Two pairs, measured side by side (interleaved) in one run:

* pure:     jax.jit(f) where f calls rt.for_loop (no Variables)
            vs jax.jit of lax.scan with the same body;
* variable: rt.jit of a function whose for_loop body accumulates into a
            Variable and returns the history
            vs jax.jit of lax.scan carrying the accumulator explicitly.

For each: steady-state per-call time (median of many calls) and first-call
time (trace + compile + run; median over fresh functions). Prints medians and
ratios; asserts nothing about absolute times.

Run:  python tests/benchmarks/bench_for_loop.py [--steps 1000] [--repeats 7] [--quick]

Prints one row per result in the run_all.py table format.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
from jax import lax

import runtime as rt


def _body(acc: jax.Array, x: jax.Array) -> jax.Array:
    return acc * 0.99 + jnp.tanh(x) * 0.5


def make_pure_for_loop() -> Callable[[jax.Array], Any]:
    def f(xs: jax.Array) -> Any:
        return rt.for_loop(lambda x: _body(x, x), xs)

    return jax.jit(f)


def make_pure_scan() -> Callable[[jax.Array], Any]:
    def f(xs: jax.Array) -> Any:
        return lax.scan(lambda c, x: (c, _body(x, x)), None, xs)[1]

    return jax.jit(f)


def make_variable_for_loop(width: int) -> Callable[[jax.Array], Any]:
    acc = rt.Variable(jnp.zeros(width))

    def f(xs: jax.Array) -> Any:
        def body(x: jax.Array) -> jax.Array:
            acc.value = _body(acc.value, x)
            return acc.value

        return rt.for_loop(body, xs)

    return rt.jit(f)


def make_variable_scan(width: int) -> Callable[[jax.Array, jax.Array], Any]:
    def f(acc: jax.Array, xs: jax.Array) -> Any:
        def body(c: jax.Array, x: jax.Array) -> tuple[jax.Array, jax.Array]:
            c = _body(c, x)
            return c, c

        return lax.scan(body, acc, xs)

    jitted = jax.jit(f)
    state = {"acc": jnp.zeros(width)}

    def call(xs: jax.Array) -> Any:  # keep the carry between calls, as the Variable does
        state["acc"], hist = jitted(state["acc"], xs)
        return hist

    return call


def first_call(make: Callable[[], Callable[[jax.Array], Any]], xs: jax.Array) -> float:
    fn = make()
    t0 = time.perf_counter()
    jax.block_until_ready(fn(xs))
    return time.perf_counter() - t0


def steady(fn: Callable[[jax.Array], Any], xs: jax.Array, calls: int) -> float:
    jax.block_until_ready(fn(xs))
    times = []
    for _ in range(calls):
        t0 = time.perf_counter()
        jax.block_until_ready(fn(xs))
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def compare(
    name: str,
    make_a: Callable[[], Any],
    make_b: Callable[[], Any],
    xs: jax.Array,
    repeats: int,
    calls: int,
) -> None:
    compile_a, compile_b, run_a, run_b = [], [], [], []
    for _ in range(repeats):  # interleaved so drift hits both sides
        compile_a.append(first_call(make_a, xs))
        compile_b.append(first_call(make_b, xs))
    fa, fb = make_a(), make_b()
    for _ in range(repeats):
        run_a.append(steady(fa, xs, calls))
        run_b.append(steady(fb, xs, calls))
    ca, cb = statistics.median(compile_a), statistics.median(compile_b)
    ra, rb = statistics.median(run_a), statistics.median(run_b)
    print(
        f"| {name} | first call vs lax.scan | {ca * 1e3:.1f} ms | {cb * 1e3:.1f} ms | {ca / cb:.2f} | <= 1.2 |"
    )
    print(
        f"| {name} | steady state vs lax.scan | {ra * 1e6:.1f} us | {rb * 1e6:.1f} us | {ra / rb:.2f} | <= 1.05 |"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="fewer repeats, a smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeats, args.calls = 3, 10
    xs = jax.random.normal(jax.random.PRNGKey(0), (args.steps, args.width))
    print(
        f"jax {jax.__version__} on {jax.devices()[0].platform}, {args.steps} steps x {args.width} wide, medians of {args.repeats}"
    )
    compare(
        f"for_loop {args.steps} steps, pure (jax.jit)",
        make_pure_for_loop,
        make_pure_scan,
        xs,
        args.repeats,
        args.calls,
    )
    compare(
        f"for_loop {args.steps} steps, Variable (rt.jit vs jax.jit)",
        lambda: make_variable_for_loop(args.width),
        lambda: make_variable_scan(args.width),
        xs,
        args.repeats,
        args.calls,
    )


if __name__ == "__main__":
    main()

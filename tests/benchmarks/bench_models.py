"""The tutorial models: LoopSimple compile time, GELU and LogisticRegression per-call time.

LoopSimple (``for s in self.seq: self.res += s``) at 100 / 1,000 / 10,000
elements: first-call time (trace + compile + run) of the loop converted by
autoflow, against ``jax.jit`` of the same Python loop (which unrolls it) and a
hand-written ``lax.scan``.

GELU and LogisticRegression: per-call time of ``autoflow.jit`` against
``jax.jit`` of the equivalent pure function.

Results are checked against the baselines before timing. Prints rows in the
format of run_all.py. ``--quick``: smaller sizes, fewer repeats.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from cells import fmt, ratio

import autoflow
import runtime as rt


def row(bench: str, what: str, ours: float | str, base: float | str, target: str = "-") -> None:
    o = fmt(ours) if isinstance(ours, float) else ours
    b = fmt(base) if isinstance(base, float) else base
    r = ratio(ours, base) if isinstance(ours, float) and isinstance(base, float) else "-"
    print(f"| {bench} | {what} | {o} | {b} | {r} | {target} |", flush=True)


def block(tree: Any) -> Any:
    return jax.block_until_ready(tree)


# -- LoopSimple ---------------------------------------------------------------


class LoopSimple(rt.Module):
    def __init__(self, seq: jax.Array):
        super().__init__()
        self.seq = rt.Variable(seq)
        self.res = rt.Variable(jnp.zeros(1))

    def __call__(self):
        for s in self.seq:
            self.res += s
        return self.res.value


def python_loop(seq, res):
    for s in seq:
        res = res + s
    return res


def scan_loop(seq, res):
    total, _ = jax.lax.scan(lambda carry, s: (carry + s, None), res, seq)
    return total


def first_call(make: Callable[[], Callable[[], Any]]) -> tuple[float, Any]:
    """Time one call of a freshly built compiled function (nothing cached for it)."""
    fn = make()
    start = time.perf_counter()
    out = block(fn())
    return time.perf_counter() - start, out


def loop_simple_one(n: int, repeat: int, unrolled_max: int) -> float:
    """Print the rows for one size; return the converted loop's median first-call time."""
    seq = jax.random.uniform(jax.random.PRNGKey(n), (n,))
    res0 = jnp.zeros(1)
    expected = float(np.asarray(seq, np.float64).sum())

    def make_ours() -> Callable[[], Any]:
        return autoflow.jit(LoopSimple(seq))

    def make_scan() -> Callable[[], Any]:
        fn = jax.jit(lambda s, r: scan_loop(s, r))  # a fresh function: no cache hit
        return lambda: fn(seq, res0)

    def make_unrolled() -> Callable[[], Any]:
        fn = jax.jit(lambda s, r: python_loop(s, r))
        return lambda: fn(seq, res0)

    def timed(make: Callable[[], Callable[[], Any]]) -> float:
        t, out = first_call(make)
        assert math.isclose(float(out[0]), expected, rel_tol=1e-4), (out, expected)
        return t

    ours, scan, unrolled = [], [], []
    for _ in range(repeat):
        ours.append(timed(make_ours))
        scan.append(timed(make_scan))
    if n <= unrolled_max:
        for _ in range(repeat if n <= 1000 else 1):  # unrolling 10,000 takes a while
            unrolled.append(timed(make_unrolled))
    o = statistics.median(ours)
    target = "<= 1.2" if n == 1000 else "-"
    row(f"LoopSimple {n}", "first call vs lax.scan", o, statistics.median(scan), target)
    base = statistics.median(unrolled) if unrolled else "skipped"
    row(f"LoopSimple {n}", "first call vs jax.jit (unrolled)", o, base)
    return o


def loop_simple(sizes: list[int], repeat: int, unrolled_max: int) -> None:
    first = {n: loop_simple_one(n, repeat, unrolled_max) for n in sizes}
    lo, hi = min(sizes), max(sizes)
    if lo != hi:
        row(f"LoopSimple {hi} / {lo}", "first call, converted", first[hi], first[lo], "<= 1.3")


# -- per-call -----------------------------------------------------------------


def per_call(fn: Callable[[], Any], calls: int) -> float:
    """Mean seconds per call over ``calls`` back-to-back calls (blocked at the end)."""
    out = None
    start = time.perf_counter()
    for _ in range(calls):
        out = fn()
    block(out)
    return (time.perf_counter() - start) / calls


def compare_per_call(
    ours: Callable[[], Any], base: Callable[[], Any], repeat: int, calls: int
) -> tuple[float, float]:
    block(ours())
    block(base())  # compiled, warm
    a, b = [], []
    for _ in range(repeat):
        a.append(per_call(ours, calls))
        b.append(per_call(base, calls))
    return statistics.median(a), statistics.median(b)


def gelu(x):
    return 0.5 * x * (1.0 + jnp.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))


def gelu_rows(sizes: list[int], repeat: int, calls: int) -> None:
    ours_fn = autoflow.jit(gelu)
    base_fn = jax.jit(gelu)
    for n in sizes:
        x = jax.random.normal(jax.random.PRNGKey(1), (n,))
        np.testing.assert_allclose(np.asarray(ours_fn(x)), np.asarray(base_fn(x)), rtol=1e-6)
        o, b = compare_per_call(lambda x=x: ours_fn(x), lambda x=x: base_fn(x), repeat, calls)
        row(f"GELU {n}", "per call vs jax.jit", o, b, "-")


class LogisticRegression(rt.Module):
    def __init__(self, dimension: int):
        super().__init__()
        self.w = rt.Variable(2.0 * jnp.ones(dimension) - 1.3)

    def __call__(self, X, Y):
        u = jnp.dot(((1.0 / (1.0 + jnp.exp(-Y * jnp.dot(X, self.w))) - 1.0) * Y), X)
        self.w.value = self.w - u


def logistic_step(w, X, Y):
    u = jnp.dot(((1.0 / (1.0 + jnp.exp(-Y * jnp.dot(X, w))) - 1.0) * Y), X)
    return w - u


def logistic_one(points: int, dims: int, repeat: int, calls: int) -> None:
    kx, ky = jax.random.split(jax.random.PRNGKey(2))
    X = jax.random.normal(kx, (points, dims))
    Y = jnp.sign(jax.random.normal(ky, (points,)))
    model = LogisticRegression(dims)
    ours_fn = autoflow.jit(model)
    base_fn = jax.jit(logistic_step)
    # The same 30 training iterations must give the same weights.
    w = model.w.value
    for _ in range(30):
        ours_fn(X, Y)
        w = base_fn(w, X, Y)
    np.testing.assert_allclose(np.asarray(model.w.value), np.asarray(w), rtol=1e-4, atol=1e-5)
    state = {"w": w}

    def base() -> Any:
        state["w"] = base_fn(state["w"], X, Y)
        return state["w"]

    def ours() -> Any:
        ours_fn(X, Y)
        return model.w.value

    o, b = compare_per_call(ours, base, repeat, calls)
    row(f"LogisticRegression {points}x{dims}", "per call vs jax.jit", o, b, "-")


def logistic_rows(shapes: list[tuple[int, int]], repeat: int, calls: int) -> None:
    for points, dims in shapes:
        logistic_one(points, dims, repeat, calls)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    args = parser.parse_args(argv)
    if args.quick:
        loop_simple([100, 1000], repeat=1, unrolled_max=1000)
        gelu_rows([10, 10_000], repeat=3, calls=100)
        logistic_rows([(10, 2), (10_000, 10)], repeat=3, calls=50)
    else:
        loop_simple([100, 1000, 10_000], repeat=5, unrolled_max=10_000)
        gelu_rows([10, 100_000], repeat=7, calls=1000)
        logistic_rows([(10, 2), (200_000, 10)], repeat=7, calls=200)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmarks of the transpiler (not part of the test run).

    python tests/benchmarks/bench_convert.py

Prints medians and ratios measured side by side in one run:

* conversion time per function over the equivalence corpus: cold (parse,
  analyse, passes, codegen, compile) and cached (a second ``convert`` of the
  same function, and of a new function object sharing the code object), next
  to libcst's own parse + print of the same source;
* first-call (trace + compile) time of a converted ``for`` loop over arrays of
  100 / 1,000 / 10,000 elements, and of the hand-written ``lax.scan`` at 1,000;
* steady-state time of the converted loop vs the hand-written ``lax.scan``.
"""

from __future__ import annotations

import inspect
import statistics
import sys
import textwrap
import time
import types
from pathlib import Path

import jax
import jax.numpy as jnp
import libcst as cst
from jax import lax

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import autoflow  # noqa: E402
from autoflow import api  # noqa: E402
from tests.autoflow.corpus import CORPUS  # noqa: E402


def _timeit(fn, repeat: int = 5) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def conversion_times() -> None:
    cold, cached, same_code, libcst_only = [], [], [], []
    for case in CORPUS:
        fn = case.fn
        source = textwrap.dedent(inspect.getsource(fn))
        libcst_only.append(_timeit(lambda source=source: cst.parse_module(source).code))
        cold.append(_timeit(lambda fn=fn: api._build(fn)))
        autoflow.convert(fn)
        cached.append(_timeit(lambda fn=fn: autoflow.convert(fn), repeat=50))

        def fresh(fn=fn) -> None:  # type: ignore[no-untyped-def]
            clone = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__)
            autoflow.convert(clone)

        same_code.append(_timeit(fresh, repeat=20))
    med = statistics.median
    print(f"conversion time per function, median over {len(CORPUS)} functions")
    print(f"  {'libcst parse+print (baseline)':<40}{med(libcst_only) * 1e3:8.3f} ms")
    print(f"  {'autoflow cold':<40}{med(cold) * 1e3:8.3f} ms   ratio to libcst {med(cold) / med(libcst_only):5.2f}")
    print(f"  {'autoflow cached (same function)':<40}{med(cached) * 1e6:8.3f} us")
    print(f"  {'autoflow cached (same code object)':<40}{med(same_code) * 1e6:8.3f} us")
    print(f"  target: <= 6 ms (a tenth of AutoGraph's ~60 ms): {'met' if med(cold) <= 6e-3 else 'NOT met'}")


def _loop(xs):  # type: ignore[no-untyped-def]
    s = 0.0
    for x in xs:
        s = s * 0.5 + x
    return s


def _hand(xs):  # type: ignore[no-untyped-def]
    def body(s, x):
        return s * 0.5 + x, None

    return lax.scan(body, jnp.zeros((), xs.dtype), xs)[0]


def _first_call(make, xs) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(3):
        f = make()
        t0 = time.perf_counter()
        jax.block_until_ready(f(xs))
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def compile_times() -> None:
    print("\nfirst-call (trace + compile) time of a converted for loop")
    results = {}
    for n in (100, 1_000, 10_000):
        xs = jnp.arange(n, dtype=jnp.float32)
        results[n] = _first_call(lambda: autoflow.jit(lambda v: _loop(v)), xs)
        print(f"  n = {n:>6}: {results[n] * 1e3:8.2f} ms")
    print(f"  ratio 10,000 / 100: {results[10_000] / results[100]:.2f}  (target <= 1.3)")
    xs = jnp.arange(1_000, dtype=jnp.float32)
    hand = _first_call(lambda: jax.jit(lambda v: _hand(v)), xs)
    print(f"  hand-written lax.scan at 1,000: {hand * 1e3:8.2f} ms; converted / hand = {results[1_000] / hand:.2f} (target <= 1.2)")


def steady_state() -> None:
    xs = jnp.arange(1_000, dtype=jnp.float32)
    conv = autoflow.jit(_loop)
    hand = jax.jit(_hand)
    jax.block_until_ready(conv(xs))
    jax.block_until_ready(hand(xs))
    t_conv, t_hand = [], []
    for _ in range(200):  # interleaved, so both see the same machine state
        t0 = time.perf_counter()
        jax.block_until_ready(conv(xs))
        t_conv.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        jax.block_until_ready(hand(xs))
        t_hand.append(time.perf_counter() - t0)
    c, h = statistics.median(t_conv), statistics.median(t_hand)
    print("\nsteady state, 1,000-step loop (median of 200 interleaved calls)")
    print(f"  converted {c * 1e6:8.1f} us   hand-written lax.scan {h * 1e6:8.1f} us   ratio {c / h:.3f} (target <= 1.05)")


if __name__ == "__main__":
    conversion_times()
    compile_times()
    steady_state()

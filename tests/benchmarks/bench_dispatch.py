"""Per-call dispatch time: rt.jit on a tiny LogisticRegression vs jax.jit.

The model is the tutorial's (examples/logistic_regression.py) at 10 points in
2 dimensions, so the compiled computation is negligible and the time per call
is the Python dispatch path. Pairs, measured side by side (interleaved
batches) in one run:

* module:   ``rt.jit(LogisticRegression(2))(X, Y)``, which finds ``w``, passes
            it in and writes it back, vs ``w = jax.jit(step)(w, X, Y)`` with
            the state threaded by hand;
* function: ``rt.jit(f)(X, Y)`` of a function that touches no Variable vs
            ``jax.jit(f)(X, Y)`` (the wrapper's own overhead).

Each number is the median over rounds of (time of a batch of calls) / (calls
per batch), after warm-up. Prints medians and ratios; asserts nothing.

Run:  python tests/benchmarks/bench_dispatch.py [--quick] [--rounds 200] [--batch 100]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import jax
import jax.numpy as jnp

import runtime as rt

ROOT = Path(__file__).resolve().parents[2]


def _load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "bench_logistic_regression", ROOT / "examples" / "logistic_regression.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _fmt(seconds: float) -> str:
    return f"{seconds * 1e6:.2f} us"


def measure(
    pairs: dict[str, tuple[Callable[[], object], Callable[[], object]]], rounds: int, batch: int
) -> dict[str, tuple[float, float]]:
    """Median seconds per call of (ours, baseline) for each pair, batches interleaved."""
    samples: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in pairs}
    for ours, base in pairs.values():  # warm up: compile, fill caches
        for _ in range(50):
            jax.block_until_ready(ours())
            jax.block_until_ready(base())
    for _ in range(rounds):
        for name, fns in pairs.items():
            for side, fn in enumerate(fns):
                start = time.perf_counter()
                for _ in range(batch):
                    out = fn()
                jax.block_until_ready(out)
                samples[name][side].append((time.perf_counter() - start) / batch)
    return {k: (statistics.median(a), statistics.median(b)) for k, (a, b) in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, a smoke run")
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    rounds = 20 if args.quick else args.rounds

    example = _load_example()
    X = jax.random.uniform(jax.random.key(0), (10, 2))
    Y = jax.random.uniform(jax.random.key(1), (10,))

    net = example.LogisticRegression(2)
    model = rt.jit(net)

    def step(w: jax.Array, X: jax.Array, Y: jax.Array) -> jax.Array:
        u = jnp.dot(((1.0 / (1.0 + jnp.exp(-Y * jnp.dot(X, w))) - 1.0) * Y), X)
        return w - u

    jax_step = jax.jit(step)
    state = {"w": 2.0 * jnp.ones(2) - 1.3}

    def baseline_module() -> jax.Array:
        state["w"] = jax_step(state["w"], X, Y)
        return state["w"]

    def ours_module() -> object:
        model(X, Y)
        return net.w._value

    w_const = jnp.ones(2)

    def predict(X: jax.Array, Y: jax.Array) -> jax.Array:
        return 1.0 / (1.0 + jnp.exp(-Y * jnp.dot(X, w_const)))

    rt_predict, jax_predict = rt.jit(predict), jax.jit(predict)

    results = measure(
        {
            "module": (ours_module, baseline_module),
            "function": (lambda: rt_predict(X, Y), lambda: jax_predict(X, Y)),
        },
        rounds,
        args.batch,
    )
    print(f"# {jax.devices()[0].platform}, {rounds} rounds x {args.batch} calls, medians per call")
    print("| benchmark | measurement | autoflow | baseline | ratio | target |")
    print("|---|---|---|---|---|---|")
    labels = {
        "module": ("dispatch LogisticRegression 10x2", "rt.jit(module) vs jax.jit(step)"),
        "function": ("dispatch stateless function", "rt.jit(f) vs jax.jit(f)"),
    }
    for name, (ours, base) in results.items():
        bench, what = labels[name]
        print(f"| {bench} | {what} | {_fmt(ours)} | {_fmt(base)} | {ours / base:.2f} | <= 1.5 |")


if __name__ == "__main__":
    main()

"""Benchmark: `autoflow transpile` on a generated 5,000-line model file.

Run:  python tests/benchmarks/bench_cli.py [--quick] [--lines 5000] [--repeat 3]

Prints medians, measured side by side in one run, of: a plain libcst parse +
print of the file (baseline), ``transpile_module`` alone, the CLI's per-file
path (decode, syntax check, conversion, check of the output), and the
end-to-end command in a fresh interpreter; then the ratios. The issue's bar: the 5,000-line file converts in under 30 s on a
2-core machine. Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import libcst

from autoflow.cli import transpile_source
from autoflow.report import Failure, Success
from autoflow.transpile import transpile_module

TEMPLATE = '''\
def step_{i}(x, n, scale):
    """Generated function {i}."""
    total = 0.0
    k = 0
    while k < n:  # traced bound
        if x[k] > {threshold}:
            total = total + x[k] * scale
        elif x[k] < -{threshold}:
            total = total - 0.5
        else:
            total = total * 0.99
        k = k + 1
    for v in x:
        if v < 0:
            total = total * 0.9
    for c in [1.0, 2.0]:
        total = total + c
    return total if total > 0 else -total


'''


def generate(lines: int) -> str:
    parts = ["import jax.numpy as jnp\n\n\n"]
    count, i = 3, 0
    while count < lines:
        block = TEMPLATE.format(i=i, threshold=(i % 7) / 10)
        parts.append(block)
        count += block.count("\n")
        i += 1
    return "".join(parts)


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()  # garbage of the previous measurement is not this one's cost
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="500 lines, one run (a smoke run)")
    args = parser.parse_args(argv)
    if args.quick:
        args.lines, args.repeat = 500, 1

    source = generate(args.lines)
    data = source.encode()
    n_lines = source.count("\n")

    result = transpile_source(data, "model.py")
    if isinstance(result, Failure):
        print(f"conversion failed:\n{result.message}")
        sys.exit(2)
    state = "converted" if isinstance(result, Success) else "UNCHANGED (placeholder transpiler?)"

    def baseline() -> None:
        libcst.parse_module(source).code  # noqa: B018 (the print is what we time)

    t_base = median_seconds(baseline, args.repeat)
    # Interleaved, so that load from other processes hits both alike.
    module_times, cli_times = [], []
    for _ in range(args.repeat):
        module_times.append(median_seconds(lambda: transpile_module(source, "model.py"), 1))
        cli_times.append(median_seconds(lambda: transpile_source(data, "model.py"), 1))
    t_module, t_cli = statistics.median(module_times), statistics.median(cli_times)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.py"
        path.write_bytes(data)
        cmd = [sys.executable, "-m", "autoflow", "transpile", str(path), "-o", str(path) + ".out"]

        def end_to_end() -> None:
            subprocess.run(cmd, check=False, capture_output=True)

        t_e2e = median_seconds(end_to_end, args.repeat)

    def t(seconds: float) -> str:
        return f"{seconds:.2f} s" if seconds >= 1 else f"{seconds * 1000:.0f} ms"

    # Commentary (run_all shows it with --verbose), then the result rows.
    print(f"file: {n_lines} lines, {len(data):,} bytes; result: {state}; median of {args.repeat}")
    print(f"libcst parse + print     {t(t_base):>9}  {n_lines / t_base:10,.0f} lines/s")
    print(f"transpile_module         {t(t_module):>9}  {n_lines / t_module:10,.0f} lines/s")
    print(f"transpile_source (CLI)   {t(t_cli):>9}  {n_lines / t_cli:10,.0f} lines/s")
    print(
        f"autoflow transpile -o    {t(t_e2e):>9}  {n_lines / t_e2e:10,.0f} lines/s (with startup)"
    )
    print(f"end to end {'under' if t_e2e < 30 else 'OVER'} the issue's 30 s bar")
    name = f"transpile {n_lines:,}-line file"
    rows = [
        (
            name,
            "conversion vs libcst parse + print",
            t(t_cli),
            t(t_base),
            f"{t_cli / t_base:.2f}",
            "-",
        ),
        (
            name,
            "CLI path vs transpile_module",
            t(t_cli),
            t(t_module),
            f"{t_cli / t_module:.2f}",
            "<= 1.05",
        ),
        (name, f"end to end, {n_lines / t_e2e:,.0f} lines/s (bar: 30 s)", t(t_e2e), "-", "-", "-"),
    ]
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()

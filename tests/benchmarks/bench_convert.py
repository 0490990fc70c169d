"""Benchmarks of the transpiler (not part of the test run).

    python tests/benchmarks/bench_convert.py [--quick]
    AUTOFLOW_TF_PYTHON=/path/to/python-with-tensorflow python tests/benchmarks/bench_convert.py

Prints rows in run_all.py's format, each a median measured side by side in
one run:

* cold conversion time per function over the equivalence corpus (parse,
  analyse, passes, codegen, compile: ``api._build``), against libcst's own
  parse + print of the same source, and against TensorFlow AutoGraph's
  ``tf.autograph.to_code`` on the same function sources, each converted cold
  (fresh code objects, so AutoGraph's cache never hits). AutoGraph runs
  in-process when TensorFlow imports here, else in the interpreter named by
  ``$AUTOFLOW_TF_PYTHON`` (``autograph_timing.py``); without either the row
  is skipped, with a message;
* the cached ``convert`` of a function already converted, and a conversion
  read back from the on-disk conversion cache (what a new process pays);
* first-call (trace + compile) time of a converted ``for`` loop at 100 and
  10,000 elements, and against a hand-written ``lax.scan`` at 1,000;
* steady-state time of the converted loop against the hand-written
  ``lax.scan`` under ``jax.jit`` and under ``rt.jit`` (the latter separates
  what ``rt.jit``'s dispatch costs from what the converted code costs), and
  whether the two programs lower to the same StableHLO.
"""

from __future__ import annotations

import argparse
import builtins
import contextlib
import inspect
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import libcst as cst
from jax import lax

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
# Conversions here are cold: the conversion cache is off except where a row times it.
os.environ["AUTOFLOW_CACHE"] = "0"

import autoflow  # noqa: E402
import runtime as rt  # noqa: E402
from autoflow import api  # noqa: E402
from autoflow.transpile import transpile_function  # noqa: E402
from tests.autoflow.corpus import CORPUS  # noqa: E402

HERE = Path(__file__).resolve().parent
med = statistics.median


def _timeit(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return med(times)


def _t(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} us"


def row(benchmark: str, measurement: str, ours: float | None, base: float | None, target: str = "-") -> None:
    ratio = f"{ours / base:.2f}" if ours is not None and base else "-"
    cells = [benchmark, measurement, _t(ours) if ours is not None else "-", _t(base) if base else "-", ratio, target]
    print("| " + " | ".join(cells) + " |")


# -- conversion time -------------------------------------------------------------


def _plain_source(fn: Callable[..., Any]) -> str:
    """The function's source, dedented, without decorators: what both converters parse."""
    module = cst.parse_module(textwrap.dedent(inspect.getsource(fn)))
    fdef = module.body[0]
    assert isinstance(fdef, cst.FunctionDef)
    return module.with_changes(body=[fdef.with_changes(decorators=[], leading_lines=[])]).code


def autograph_times(sources: dict[str, str], repeat: int) -> dict[str, Any] | str:
    """AutoGraph's cold ``to_code`` seconds per function, or why they are unavailable."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "autograph_corpus.py"
        # Names that parameter defaults read at definition time must exist (as anything).
        defaults = set()
        for source in sources.values():
            fdef = cst.parse_module(source).body[0]
            assert isinstance(fdef, cst.FunctionDef)
            for param in (*fdef.params.params, *fdef.params.kwonly_params):
                if isinstance(param.default, cst.Name) and not hasattr(builtins, param.default.value):
                    defaults.add(param.default.value)
        preamble = "".join(f"{name} = None\n" for name in sorted(defaults))
        path.write_text(preamble + "\n\n" + "\n\n".join(sources.values()), encoding="utf-8")
        try:
            import tensorflow  # noqa: F401
        except Exception:  # noqa: BLE001 - any import failure means "not here"
            pass
        else:
            sys.path.insert(0, str(HERE))
            from autograph_timing import time_autograph

            return time_autograph(str(path), repeat)
        python = os.environ.get("AUTOFLOW_TF_PYTHON")
        if not python:
            return (
                "tensorflow is not importable here and AUTOFLOW_TF_PYTHON is not set "
                "(e.g. python3 -m venv /tmp/tfvenv && /tmp/tfvenv/bin/pip install tensorflow-cpu; "
                "AUTOFLOW_TF_PYTHON=/tmp/tfvenv/bin/python)"
            )
        cmd = [python, str(HERE / "autograph_timing.py"), str(path), str(repeat)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["?"])[-1]
            return f"AUTOFLOW_TF_PYTHON={python} failed (exit {done.returncode}): {last[:160]}"
        return json.loads(done.stdout.strip().splitlines()[-1])


def conversion_times(repeat: int) -> None:
    sources = {case.name: _plain_source(case.fn) for case in CORPUS}
    cold, cached, libcst_only, from_disk = {}, [], [], []
    disk = tempfile.mkdtemp(prefix="autoflow-bench-cache-")
    for case in CORPUS:
        fn, source = case.fn, sources[case.name]
        libcst_only.append(_timeit(lambda source=source: cst.parse_module(source).code, repeat))
        cold[case.name] = _timeit(lambda fn=fn: api._build(fn), repeat)
        with _conversion_cache(disk):
            api._build(fn)  # stored
            from_disk.append(_timeit(lambda fn=fn: api._build(fn), repeat))
        autoflow.convert(fn)
        cached.append(_timeit(lambda fn=fn: autoflow.convert(fn), 20 * repeat))

        def fresh(fn: Any = fn) -> None:
            clone = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__)
            autoflow.convert(clone)

        _timeit(fresh, 2)  # exercised, not reported: the same-code-object cache
    name = f"convert corpus, {len(CORPUS)} functions"
    print(f"conversion time per function, median over {len(CORPUS)} functions, {repeat} cold runs each")
    row(name, "cold conversion per function vs libcst parse + print", med(cold.values()), med(libcst_only))
    row(name, "cached convert of a converted function", med(cached), None)
    row(name, "conversion read from the conversion cache (a new process's)", med(from_disk), None)
    stage_times(repeat)

    graph = autograph_times(sources, repeat)
    if isinstance(graph, str):
        print(f"AutoGraph row skipped: {graph}")
        return
    theirs = {k: med(v) for k, v in graph["seconds"].items() if v}
    common = [k for k in cold if k in theirs]
    if graph["failed"]:
        print(f"AutoGraph could not convert {len(graph['failed'])} functions (left out of both sides):")
        for k, why in sorted(graph["failed"].items()):
            print(f"  {k}: {why}")
    if not common:
        print("AutoGraph row skipped: it converted none of the corpus functions")
        return
    row(
        f"convert corpus, {len(common)} functions AutoGraph converts",
        f"cold conversion vs TF {graph['tensorflow']} AutoGraph to_code",
        med(cold[k] for k in common),
        med(theirs[k] for k in common),
        "<= 0.1",
    )


@contextlib.contextmanager
def _conversion_cache(directory: str) -> Iterator[None]:
    """autoflow's conversion cache on, in ``directory`` (it is off for the rest of this script)."""
    saved = {k: os.environ.get(k) for k in ("AUTOFLOW_CACHE", "AUTOFLOW_CACHE_DIR")}
    os.environ.update(AUTOFLOW_CACHE="1", AUTOFLOW_CACHE_DIR=directory)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def stage_times(repeat: int) -> None:
    """Where a cold conversion's time goes: median per function of each stage of ``api._build``."""
    stages: dict[str, list[float]] = {
        "read the source (inspect.getsourcelines)": [],
        "libcst parse alone (inside transpile_function)": [],
        "transpile_function: parse, scan, analyse, passes": [],
        "display code (libcst codegen of the result)": [],
        "rest of api._build: hooked calls, factory, compile": [],
    }
    for case in CORPUS:
        per: dict[str, list[float]] = {k: [] for k in stages}
        for _ in range(repeat):
            t0 = time.perf_counter()
            source, filename, first_line = api._source_of(case.fn)
            t1 = time.perf_counter()
            cst.parse_module(source)
            t2 = time.perf_counter()
            result = transpile_function(source, filename, first_line)
            t3 = time.perf_counter()
            _ = result.module.code
            t4 = time.perf_counter()
            api._build(case.fn)
            t5 = time.perf_counter()
            rest = (t5 - t4) - (t4 - t2) - (t1 - t0)  # the build again, less what is measured above
            for k, v in zip(stages, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, max(rest, 0.0))):
                per[k].append(v)
        for k, v in per.items():
            stages[k].append(med(v))
    for k, v in stages.items():
        row(f"convert corpus, {len(CORPUS)} functions, stages", k, med(v), None)


# -- the loop: compile and steady state ------------------------------------------


def _loop(xs):  # type: ignore[no-untyped-def]
    s = 0.0
    for x in xs:
        s = s * 0.5 + x
    return s


def _hand(xs):  # type: ignore[no-untyped-def]
    def body(s, x):  # type: ignore[no-untyped-def]
        return s * 0.5 + x, None

    return lax.scan(body, jnp.zeros((), xs.dtype), xs)[0]


def _first_call(make: Callable[[], Callable[[Any], Any]], xs: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        f = make()
        t0 = time.perf_counter()
        jax.block_until_ready(f(xs))
        times.append(time.perf_counter() - t0)
    return med(times)


def compile_times(repeat: int) -> None:
    first = {}
    for n in (100, 1_000, 10_000):
        xs = jnp.arange(n, dtype=jnp.float32)
        first[n] = _first_call(lambda: autoflow.jit(lambda v: _loop(v)), xs, repeat)
    xs = jnp.arange(1_000, dtype=jnp.float32)
    hand = _first_call(lambda: jax.jit(lambda v: _hand(v)), xs, repeat)
    row("converted for loop, first call", "10,000 vs 100 elements", first[10_000], first[100], "<= 1.3")
    row("converted for loop, first call", "1,000 elements vs jax.jit(lax.scan)", first[1_000], hand, "<= 1.2")


def _module_body(text: str) -> str:
    return re.sub(r"^module @\S+", "module", text, count=1, flags=re.M)


def steady_state(calls: int, rounds: int) -> None:
    xs = jnp.arange(1_000, dtype=jnp.float32)
    same = _module_body(jax.jit(autoflow.convert(_loop)).lower(xs).as_text()) == _module_body(
        jax.jit(_hand).lower(xs).as_text()
    )
    print(f"converted loop and hand-written lax.scan lower to {'the same' if same else 'DIFFERENT'} StableHLO")
    fns = {
        "autoflow.jit": autoflow.jit(_loop),
        "jax.jit(convert)": jax.jit(autoflow.convert(_loop)),
        "rt.jit(scan)": rt.jit(_hand),
        "jax.jit(scan)": jax.jit(_hand),
    }
    for f in fns.values():
        jax.block_until_ready(f(xs))
    per_round: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(rounds):
        samples: dict[str, list[float]] = {k: [] for k in fns}
        for _ in range(calls):  # interleaved call by call, so all see the same machine state
            for k, f in fns.items():
                t0 = time.perf_counter()
                jax.block_until_ready(f(xs))
                samples[k].append(time.perf_counter() - t0)
        for k, v in samples.items():
            per_round[k].append(med(v))
    t = {k: med(v) for k, v in per_round.items()}
    print(f"steady state, medians of {rounds} rounds of {calls} interleaved calls: "
          + ", ".join(f"{k} {_t(v)}" for k, v in t.items()))
    name = "converted for loop, 1,000 steps"
    row(name, "steady state: autoflow.jit vs jax.jit(lax.scan)", t["autoflow.jit"], t["jax.jit(scan)"], "<= 1.05")
    row(name, "steady state: autoflow.jit vs rt.jit(lax.scan) (converted code)", t["autoflow.jit"], t["rt.jit(scan)"], "<= 1.05")
    row(name, "steady state: rt.jit(lax.scan) vs jax.jit(lax.scan) (dispatch)", t["rt.jit(scan)"], t["jax.jit(scan)"])
    row(name, "steady state: jax.jit(convert) vs jax.jit(lax.scan)", t["jax.jit(convert)"], t["jax.jit(scan)"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, a smoke run")
    parser.add_argument("--repeat", type=int, default=5, help="cold conversions / first calls per case")
    args = parser.parse_args(argv)
    repeat, calls, rounds = (2, 50, 3) if args.quick else (args.repeat, 200, 7)
    print(f"jax {jax.__version__} on {jax.default_backend()}")
    conversion_times(repeat)
    compile_times(max(repeat // 2, 1) if args.quick else 3)
    steady_state(calls, rounds)


if __name__ == "__main__":
    main()

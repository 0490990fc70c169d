"""Hodgkin-Huxley network: plain Python compiled by autoflow vs a hand-written lax.scan.

The model is examples/hh_network.py (1000 neurons, 10,000 steps of 0.1 ms by
default): a ``for`` loop over time steps and an ``if`` for spike detection,
compiled with ``autoflow.jit``. The baseline is the same equations (the
example's own rate functions) written by hand as a ``jax.lax.scan``. Before
timing, the voltage traces and spike counts of the two are checked to agree.

Measured, side by side in this process:
  * first call (trace + compile + run), median of fresh models;
  * steady state (a later call of the same compiled function), median;
  * the first call's trace, lowering and XLA compile separately (medians of
    fresh models), and the size of the lowered HLO text;
  * BrainPy's DSRunner on ``HH(N)``, when brainpy is importable.

Prints rows in the format of run_all.py. ``--quick``: 100 neurons, 1000 steps.

Allocator. The recorded traces are large (40 MB of voltages at full size), and
glibc's malloc, by default, may give the top of its heap back to the OS after
each call and fault the pages in again on the next: 1.0x to 1.9x on the
steady-state time of *either* side, depending only on the order of earlier
allocations in the process (measured: the converted model alone 119-131 ms,
65-70 ms next to the baselines or with the setting below; the compiled XLA
programs are the same op for op). So that the ratio compares the programs, the
script re-runs itself with ``MALLOC_TRIM_THRESHOLD_`` and
``MALLOC_MMAP_THRESHOLD_`` set high (both sides then reuse their pages);
``--system-malloc`` keeps the default.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from cells import fmt, ratio

import autoflow

ROOT = Path(__file__).resolve().parents[2]
_TRIM, _MMAP = "MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_"


def load_example() -> Any:
    spec = importlib.util.spec_from_file_location("hh_network", ROOT / "examples" / "hh_network.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["hh_network"] = module
    spec.loader.exec_module(module)
    return module


hh = load_example()


def row(bench: str, what: str, ours: str, base: str, ratio: str, target: str) -> None:
    print(f"| {bench} | {what} | {ours} | {base} | {ratio} | {target} |", flush=True)


def block(tree: Any) -> Any:
    return jax.block_until_ready(tree)


# -- the baseline: the same equations, written by hand as a lax.scan ----------


def make_scan_runner(dt: float, I_ext: float, form: str = "idiomatic") -> Callable[..., Any]:
    """A fresh jitted ``run(state, times) -> (state, (voltages, spikes))``.

    ``state`` is the model's: every Variable of the HH Module (see
    :func:`initial_state`), so the baselines end with the state the Module does.
    ``form``:
      * ``"idiomatic"`` (the baseline of the target): the spike times are
        updated with ``where`` on every step, with no ``if``, and ``scan``
        stacks the recorded values;
      * ``"select"``: the model's own program, written by hand the way
        autoflow compiles it: ``if spike.any()`` as a ``lax.select`` (its
        branch is small and cheap), records stacked by ``scan``;
      * ``"literal"``: the model's program translated statement by statement:
        a ``lax.cond`` for the ``if``, records written with ``.at[i].set``
        into buffers carried through the loop.
    Comparing against all three separates what the model's Python costs from
    what autoflow adds.
    """
    p = hh.HHParams()

    def neurons(V, m, h, n):
        V_new = hh.membrane_step(V, m, h, n, I_ext, dt, p)
        m_rates, h_rates, n_rates = hh.gate_rates(V)
        m = hh.gate_step(m, m_rates, dt)
        h = hh.gate_step(h, h_rates, dt)
        n = hh.gate_step(n, n_rates, dt)
        spike = (V < p.V_th) & (V_new >= p.V_th)
        return V_new, m, h, n, spike

    def step(state, t):
        V, m, h, n, _, t_last, count = state
        V, m, h, n, spike = neurons(V, m, h, n)
        t_last = jnp.where(spike, t, t_last)
        count = count + spike.astype(jnp.int32)
        return (V, m, h, n, spike, t_last, count), (V, spike)

    def select_step(state, t):
        V, m, h, n, _, t_last, count = state
        V, m, h, n, spike = neurons(V, m, h, n)
        fired = spike.any()
        t_last = jax.lax.select(fired, jnp.where(spike, t, t_last), t_last)
        count = jax.lax.select(fired, count + spike.astype(jnp.int32), count)
        return (V, m, h, n, spike, t_last, count), (V, spike)

    def literal_step(carry, item):
        (V, m, h, n, _, t_last, count), voltages, spikes = carry
        i, t = item
        V, m, h, n, spike = neurons(V, m, h, n)

        def record(t_last, count):
            return jnp.where(spike, t, t_last), count + spike.astype(jnp.int32)

        t_last, count = jax.lax.cond(
            spike.any(), record, lambda t_last, count: (t_last, count), t_last, count
        )
        voltages = voltages.at[i].set(V)
        spikes = spikes.at[i].set(spike)
        return ((V, m, h, n, spike, t_last, count), voltages, spikes), None

    @jax.jit
    def run(state, times):
        return jax.lax.scan(step, state, times)

    @jax.jit
    def run_select(state, times):
        return jax.lax.scan(select_step, state, times)

    @jax.jit
    def run_literal(state, times):
        shape = (times.shape[0], state[0].shape[0])
        buffers = (jnp.zeros(shape), jnp.zeros(shape, dtype=bool))
        items = (jnp.arange(times.shape[0]), times)
        (state, voltages, spikes), _ = jax.lax.scan(literal_step, (state, *buffers), items)
        return state, (voltages, spikes)

    return {"idiomatic": run, "select": run_select, "literal": run_literal}[form]


def initial_state(net: Any) -> tuple[jax.Array, ...]:
    """The model's state, as the baselines carry it: all of the HH Module's Variables."""
    return (
        net.V.value,
        net.m.value,
        net.h.value,
        net.n.value,
        net.spike.value,
        net.t_last_spike.value,
        net.spike_count.value,
    )


# -- measurements -------------------------------------------------------------


def settle() -> None:
    """Before a timed first call: a full cycle collection, so neither side inherits a pending one.

    In a process that has imported JAX a full collection of Python's cycle
    collector takes about 50 ms, and it comes after a count of allocations that
    earlier work has mostly used up: without this, it lands in whichever
    first call crosses the threshold (Python's ``timeit`` turns the collector
    off for the same reason).
    """
    gc.collect()


def first_call_autoflow(num: int, times: jax.Array, dt: float, I_ext: float) -> tuple[float, Any]:
    sim = hh.Simulation(num, dt=dt, I_ext=I_ext, seed=0)
    block(initial_state(sim.neurons))
    settle()
    start = time.perf_counter()
    run = autoflow.jit(sim)
    out = block(run(times))
    return time.perf_counter() - start, (sim, run, out)


def first_call_scan(
    num: int, times: jax.Array, dt: float, I_ext: float, form: str = "idiomatic"
) -> tuple[float, Any]:
    net = hh.HH(num, dt=dt, seed=0)
    state = block(initial_state(net))
    settle()
    start = time.perf_counter()
    run = make_scan_runner(dt, I_ext, form)
    out = block(run(state, times))
    return time.perf_counter() - start, (run, state, out)


def stages_autoflow(num: int, times: jax.Array, dt: float, I_ext: float) -> dict[str, float]:
    """Seconds spent tracing, lowering and compiling a fresh converted model (no run)."""
    sim = hh.Simulation(num, dt=dt, I_ext=I_ext, seed=0)
    run = autoflow.jit(sim)
    values = block([var.value for var in run._vars])  # the Module's Variables, known up front
    settle()
    start = time.perf_counter()
    traced = run._jitted.trace(values, times)
    return _stages(start, traced)


def stages_scan(num: int, times: jax.Array, dt: float, I_ext: float, form: str) -> dict[str, float]:
    state = block(initial_state(hh.HH(num, dt=dt, seed=0)))
    settle()
    start = time.perf_counter()
    traced = make_scan_runner(dt, I_ext, form).trace(state, times)
    return _stages(start, traced)


def _stages(start: float, traced: Any) -> dict[str, float]:
    t_trace = time.perf_counter()
    lowered = traced.lower()
    t_lower = time.perf_counter()
    lowered.compile()
    t_compile = time.perf_counter()
    return {
        "trace": t_trace - start,
        "lower": t_lower - t_trace,
        "compile": t_compile - t_lower,
        "hlo_kb": len(lowered.as_text()) / 1e3,
    }


FORMS = {
    "idiomatic": "vs lax.scan",
    "select": "vs the same program in lax (select, scan outputs)",
    "literal": "vs the same program in lax, literally (cond, .at[i].set)",
}


def stage_rows(
    bench: str, num: int, times: jax.Array, dt: float, I_ext: float, repeat: int
) -> None:
    ours: list[dict[str, float]] = []
    base: dict[str, list[dict[str, float]]] = {form: [] for form in FORMS}
    for _ in range(repeat):
        ours.append(stages_autoflow(num, times, dt, I_ext))
        for form in FORMS:
            base[form].append(stages_scan(num, times, dt, I_ext, form))
    for stage in ("trace", "lower", "compile"):
        o = statistics.median(r[stage] for r in ours)
        for form, what in FORMS.items():
            b = statistics.median(r[stage] for r in base[form])
            row(bench, f"first call, {stage} only, {what}", fmt(o), fmt(b), ratio(o, b), "-")
    o = ours[0]["hlo_kb"]
    for form, what in FORMS.items():
        b = base[form][0]["hlo_kb"]
        row(bench, f"HLO text size (kB) {what}", f"{o:.1f}", f"{b:.1f}", ratio(o, b), "-")


def check_agreement(ours: tuple[Any, Any], base: tuple[Any, Any]) -> tuple[float, bool]:
    (v_ours, s_ours), (v_base, s_base) = ours, base
    dv = float(np.max(np.abs(np.asarray(v_ours) - np.asarray(v_base))))
    same_counts = bool(
        np.array_equal(np.asarray(s_ours).sum(axis=0), np.asarray(s_base).sum(axis=0))
    )
    return dv, same_counts


def brainpy_rows(
    bench: str,
    num: int,
    steps: int,
    dt: float,
    I_ext: float,
    base_first: float,
    base_steady: float,
    repeat: int,
    first_repeat: int,
) -> None:
    """BrainPy's DSRunner on its own HH model; the first call is a median of fresh runners.

    (DSRunner.run traces and compiles its loop again on every call, so its
    steady state includes a compilation.)
    """
    if importlib.util.find_spec("brainpy") is None:
        row(bench, "vs BrainPy DSRunner", "-", "not installed", "-", "< 1")
        return
    try:
        import brainpy as bp
        import brainpy.math as bm

        bm.set_dt(dt)

        def make() -> Any:
            model = bp.dyn.HH(num)
            return bp.DSRunner(model, monitors=["V", "spike"], progress_bar=False)

        inputs = jnp.full(steps, I_ext)
        firsts = []
        for _ in range(first_repeat):
            runner = make()
            settle()
            start = time.perf_counter()
            runner.run(inputs=inputs)
            block(runner.mon["V"])
            firsts.append(time.perf_counter() - start)
        bp_first = statistics.median(firsts)
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            runner.run(inputs=inputs)
            block(runner.mon["V"])
            times.append(time.perf_counter() - start)
        bp_steady = statistics.median(times)
    except Exception as err:  # noqa: BLE001 - BrainPy's API varies across versions
        row(bench, f"vs BrainPy DSRunner: {type(err).__name__}", "-", "error", "-", "< 1")
        return
    version = getattr(bp, "__version__", "?")
    row(
        bench,
        f"first call vs BrainPy {version} DSRunner",
        fmt(base_first),
        fmt(bp_first),
        ratio(base_first, bp_first),
        "< 1",
    )
    row(
        bench,
        f"steady state vs BrainPy {version} DSRunner",
        fmt(base_steady),
        fmt(bp_steady),
        ratio(base_steady, bp_steady),
        "< 1",
    )


# -- first call in a fresh interpreter -------------------------------------------


def fresh_process_child(side: str, num: int, steps: int, dt: float, I_ext: float) -> None:
    """In a new interpreter: print the seconds from nothing converted or compiled to a result.

    For autoflow this includes loading its converter on first use (libcst, on
    a conversion-cache miss) and converting the model's functions (or reading
    them from the cache); for the baseline, tracing and compiling the scan.
    Importing JAX and the example module (which imports the runtime) is not
    timed on either side.
    """
    times = jnp.arange(steps, dtype=jnp.float32) * dt
    if side == "autoflow":
        sim = hh.Simulation(num, dt=dt, I_ext=I_ext, seed=0)
        block(initial_state(sim.neurons))
        start = time.perf_counter()
        block(autoflow.jit(sim)(times))
    else:
        state = block(initial_state(hh.HH(num, dt=dt, seed=0)))
        start = time.perf_counter()
        block(make_scan_runner(dt, I_ext)(state, times))
    print(time.perf_counter() - start)


def fresh_process_rows(bench: str, num: int, steps: int, repeat: int) -> None:
    """First calls, each in its own interpreter, with autoflow's conversion cache empty and full."""
    import subprocess
    import tempfile

    def one(side: str, cache_dir: str) -> float:
        env = {**os.environ, "AUTOFLOW_CACHE": "1", "AUTOFLOW_CACHE_DIR": cache_dir}
        argv = [sys.executable, str(Path(__file__).resolve()), "--fresh-process-child", side]
        argv += ["--neurons", str(num), "--steps", str(steps)]
        done = subprocess.run(argv, env=env, capture_output=True, text=True, check=True)
        return float(done.stdout.split()[-1])

    cold: list[float] = []
    warm: list[float] = []
    base: list[float] = []
    with tempfile.TemporaryDirectory() as scratch:
        for k in range(repeat):
            empty = os.path.join(scratch, f"empty-{k}")  # a new, empty cache every time
            full = os.path.join(scratch, "full")  # filled by the first run
            if k == 0:
                one("autoflow", full)
            cold.append(one("autoflow", empty))
            warm.append(one("autoflow", full))
            base.append(one("scan", full))
    b = statistics.median(base)
    for what, ours in (
        ("first call in a fresh process, conversion cache empty, vs lax.scan", cold),
        ("first call in a fresh process, conversion cache filled, vs lax.scan", warm),
    ):
        o = statistics.median(ours)
        row(bench, what, fmt(o), fmt(b), ratio(o, b), "-")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 neurons, 1000 steps")
    parser.add_argument("--neurons", type=int)
    parser.add_argument("--steps", type=int)
    parser.add_argument("--repeat", type=int, default=9, help="steady-state calls (9)")
    parser.add_argument("--first-repeat", type=int, default=8, help="fresh first calls (8)")
    parser.add_argument(
        "--system-malloc",
        action="store_true",
        help="keep glibc's default heap trimming (steady-state times then vary 1.0x-1.9x)",
    )
    parser.add_argument(
        "--fresh-repeat", type=int, default=5, help="first calls in fresh processes, per side (5)"
    )
    parser.add_argument(
        "--fresh-process-child", choices=["autoflow", "scan"], help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if not args.system_malloc and sys.platform.startswith("linux") and _TRIM not in os.environ:
        env = {**os.environ, _TRIM: str(1 << 32), _MMAP: str(1 << 30)}
        argv = sys.argv[1:] if argv is None else argv
        os.execve(sys.executable, [sys.executable, str(Path(__file__).resolve()), *argv], env)
    print(
        "# allocator: "
        + ", ".join(f"{k}={os.environ.get(k, 'unset (glibc default)')}" for k in (_TRIM, _MMAP)),
        file=sys.stderr,
    )
    num = args.neurons or (100 if args.quick else 1000)
    steps = args.steps or (1000 if args.quick else 10_000)
    dt, I_ext = 0.1, 10.0
    if args.fresh_process_child:
        fresh_process_child(args.fresh_process_child, num, steps, dt, I_ext)
        return 0
    bench = f"HH {num} x {steps}"
    times = jnp.arange(steps, dtype=jnp.float32) * dt

    # First calls, interleaved so that drift in machine load hits every side,
    # each round in a rotated order so that no side always runs first.
    ours_first: list[float] = []
    base_first: dict[str, list[float]] = {form: [] for form in FORMS}
    runs: dict[str, Any] = {}
    outs: dict[str, Any] = {}
    sides = ["autoflow", *FORMS]
    for round_ in range(args.first_repeat):
        k = round_ % len(sides)
        for side in sides[k:] + sides[:k]:
            if side == "autoflow":
                t, (sim, run_ours, out_ours) = first_call_autoflow(num, times, dt, I_ext)
                ours_first.append(t)
            else:
                t, (runs[side], state, (_, outs[side])) = first_call_scan(
                    num, times, dt, I_ext, side
                )
                base_first[side].append(t)

    for form in ("select", "literal"):
        dv_form, same_form = check_agreement(outs[form], outs["idiomatic"])
        assert dv_form <= 0.5 and same_form, f"the hand-written baselines disagree ({form})"
    dv, same_counts = check_agreement(out_ours, outs["idiomatic"])
    print(
        f"# max |V_autoflow - V_scan| = {dv:.2e} mV; spike counts equal: {same_counts}",
        file=sys.stderr,
    )
    row(bench, "trace check: max abs dV (mV)", f"{dv:.1e}", "-", "-", "<= 0.5")
    if not (dv <= 0.5 and same_counts):
        print("voltage traces disagree: not timing", file=sys.stderr)
        return 1

    # Steady state: the same compiled functions called again, interleaved.
    ours_steady: list[float] = []
    base_steady: dict[str, list[float]] = {form: [] for form in FORMS}
    for _ in range(args.repeat):
        start = time.perf_counter()
        block(run_ours(times))
        ours_steady.append(time.perf_counter() - start)
        for form in FORMS:
            start = time.perf_counter()
            block(runs[form](state, times))
            base_steady[form].append(time.perf_counter() - start)

    of, os_ = statistics.median(ours_first), statistics.median(ours_steady)
    for form, what in FORMS.items():
        bf, bs = statistics.median(base_first[form]), statistics.median(base_steady[form])
        target = "<= 1.05" if form == "idiomatic" else "-"
        row(bench, f"first call {what}", fmt(of), fmt(bf), ratio(of, bf), target)
        row(bench, f"steady state {what}", fmt(os_), fmt(bs), ratio(os_, bs), target)
    stage_rows(bench, num, times, dt, I_ext, args.first_repeat)
    fresh_process_rows(bench, num, steps, args.fresh_repeat)
    brainpy_rows(bench, num, steps, dt, I_ext, of, os_, args.repeat, args.first_repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())

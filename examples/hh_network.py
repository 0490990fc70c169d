"""A Hodgkin-Huxley network in plain Python, compiled by autoflow.

1000 neurons with the classic squid-axon equations and parameters (as in
BrainPy's ``HH``), driven by a constant input of 10 uA/cm^2, simulated for
1000 ms at dt = 0.1 ms (10,000 steps). The model is an ordinary
``rt.Module``: its ``update`` detects spikes with an ``if`` and ``where``, and
the simulation is a ``for`` loop over time steps. ``autoflow.jit`` turns the
loop into one ``lax.scan`` and the ``if`` into an ``rt.ifelse``.

Run it:
    python examples/hh_network.py                           # 1000 neurons, 1000 ms
    python examples/hh_network.py --neurons 10 --duration 5 # a quick look
    autoflow transpile examples/hh_network.py               # the converted code

The neurons are not coupled (as in BrainPy's ``HH(1000)`` benchmark, which
tests/benchmarks/bench_hh.py compares against); they differ in their initial
potential, so their first spikes differ before the constant input entrains them.

With matplotlib installed (``pip install -e ".[plot]"``) it saves a figure of
voltage traces and a spike raster; without, it prints a summary only.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

import autoflow
import runtime as rt


@dataclass(frozen=True)
class HHParams:
    """Hodgkin-Huxley constants (mV, ms, mS/cm^2, uF/cm^2, uA/cm^2)."""

    ENa: float = 50.0
    EK: float = -77.0
    EL: float = -54.387
    gNa: float = 120.0
    gK: float = 36.0
    gL: float = 0.03
    V_th: float = 20.0
    C: float = 1.0


def exprel(x):
    """``(exp(x) - 1) / x``, with its limit 1 where ``x`` is 0 (the quotient is 0/0 there)."""
    small = jnp.abs(x) < 1e-4
    return jnp.where(small, 1.0 + 0.5 * x, (jnp.exp(x) - 1.0) / jnp.where(small, 1.0, x))


def gate_rates(V):
    """Opening (alpha) and closing (beta) rates of the m, h and n gates at voltage V, in 1/ms."""
    m_alpha = 1.0 / exprel(-(V + 40.0) / 10.0)  # 0.1 (V + 40) / (1 - exp(-(V + 40) / 10))
    m_beta = 4.0 * jnp.exp(-(V + 65.0) / 18.0)
    h_alpha = 0.07 * jnp.exp(-(V + 65.0) / 20.0)
    h_beta = 1.0 / (1.0 + jnp.exp(-(V + 35.0) / 10.0))
    n_alpha = 0.1 / exprel(-(V + 55.0) / 10.0)  # 0.01 (V + 55) / (1 - exp(-(V + 55) / 10))
    n_beta = 0.125 * jnp.exp(-(V + 65.0) / 80.0)
    return (m_alpha, m_beta), (h_alpha, h_beta), (n_alpha, n_beta)


def exponential_euler(x, dxdt, slope, dt):
    """One step of ``dx/dt = dxdt``, exact when the derivative is linear in x with this slope.

    ``x + dxdt * (exp(slope dt) - 1) / slope``: the solution of
    ``dx/dt = dxdt + slope (x' - x)`` after ``dt``. ``slope`` is never 0 here.
    """
    return x + dxdt * ((jnp.exp(slope * dt) - 1.0) / slope)


def gate_step(x, rates, dt):
    """A gate after ``dt``: dx/dt = alpha (1 - x) - beta x, with the rates held fixed."""
    alpha, beta = rates
    return exponential_euler(x, alpha * (1.0 - x) - beta * x, -(alpha + beta), dt)


def membrane_step(V, m, h, n, I_ext, dt, p):
    """The potential after ``dt``: C dV/dt = sum_i g_i (E_i - V) + I_ext, gates held fixed."""
    g_na = p.gNa * m**3 * h
    g_k = p.gK * n**4
    dVdt = (g_na * (p.ENa - V) + g_k * (p.EK - V) + p.gL * (p.EL - V) + I_ext) / p.C
    return exponential_euler(V, dVdt, -(g_na + g_k + p.gL) / p.C, dt)


class HH(rt.Module):
    """A population of Hodgkin-Huxley neurons.

    Each step integrates the gates and the membrane with the exponential Euler
    method (exact for the linear equation each variable obeys while the others
    are held at their values from the start of the step), which is stable at
    dt = 0.1 ms where forward Euler is not.
    """

    def __init__(self, num: int, dt: float = 0.1, seed: int = 0, params: HHParams = HHParams()):
        super().__init__()
        self.num = num
        self.dt = dt
        self.p = params
        # Resting potentials spread over [-70, -60) mV, gates at their steady state there.
        V0 = jax.random.uniform(jax.random.PRNGKey(seed), (num,), minval=-70.0, maxval=-60.0)
        (m_rates, h_rates, n_rates) = gate_rates(V0)
        self.V = rt.Variable(V0)
        self.m = rt.Variable(m_rates[0] / (m_rates[0] + m_rates[1]))
        self.h = rt.Variable(h_rates[0] / (h_rates[0] + h_rates[1]))
        self.n = rt.Variable(n_rates[0] / (n_rates[0] + n_rates[1]))
        self.spike = rt.Variable(jnp.zeros(num, dtype=bool))
        self.t_last_spike = rt.Variable(jnp.full(num, -1e7, dtype=jnp.float32))
        self.spike_count = rt.Variable(jnp.zeros(num, dtype=jnp.int32))

    def update(self, t, I_ext):
        p = self.p
        V = self.V.value
        m, h, n = self.m.value, self.h.value, self.n.value

        V_new = membrane_step(V, m, h, n, I_ext, self.dt, p)
        m_rates, h_rates, n_rates = gate_rates(V)
        self.m.value = gate_step(m, m_rates, self.dt)
        self.h.value = gate_step(h, h_rates, self.dt)
        self.n.value = gate_step(n, n_rates, self.dt)

        # A spike is an upward crossing of the threshold.
        spike = (V < p.V_th) & (V_new >= p.V_th)
        if spike.any():
            self.t_last_spike.value = jnp.where(spike, t, self.t_last_spike.value)
            self.spike_count += spike.astype(jnp.int32)
        self.spike.value = spike
        self.V.value = V_new


class Simulation(rt.Module):
    """Runs an HH population over a sequence of time points and records it."""

    def __init__(self, num: int, dt: float = 0.1, I_ext: float = 10.0, seed: int = 0):
        super().__init__()
        self.neurons = HH(num, dt=dt, seed=seed)
        self.I_ext = I_ext

    def __call__(self, times):
        voltages = jnp.zeros((times.shape[0], self.neurons.num))
        spikes = jnp.zeros((times.shape[0], self.neurons.num), dtype=bool)
        for i, t in enumerate(times):
            self.neurons.update(t, self.I_ext)
            voltages = voltages.at[i].set(self.neurons.V.value)
            spikes = spikes.at[i].set(self.neurons.spike.value)
        return voltages, spikes


def simulate(
    num: int,
    duration: float,
    dt: float = 0.1,
    I_ext: float = 10.0,
    seed: int = 0,
    chunk: int = 500,
    progress: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Run the network; return times, voltages [step, neuron], spikes [step, neuron] and seconds.

    The run is split into chunks of ``chunk`` steps (each one compiled loop;
    all full chunks share one compilation) so a progress bar can advance.
    """
    sim = Simulation(num, dt=dt, I_ext=I_ext, seed=seed)
    run = autoflow.jit(sim)
    steps = int(round(duration / dt))
    times = np.arange(steps, dtype=np.float32) * np.float32(dt)
    voltages, spikes = [], []
    bar = _progress(steps, disable=not progress)
    start = time.perf_counter()
    for lo in range(0, steps, chunk):
        v, s = run(jnp.asarray(times[lo : lo + chunk]))
        voltages.append(np.asarray(v))
        spikes.append(np.asarray(s))
        bar.update(min(chunk, steps - lo))
    seconds = time.perf_counter() - start
    bar.close()
    if not voltages:
        empty = np.zeros((0, num), np.float32)
        return times, empty, empty.astype(bool), seconds
    return times, np.concatenate(voltages), np.concatenate(spikes), seconds


def _progress(total: int, disable: bool):
    try:
        from tqdm import tqdm
    except ImportError:  # tqdm is a dependency, but the example should not hinge on it
        disable = True
        tqdm = None
    if disable or tqdm is None:

        class _Silent:
            def update(self, n: int) -> None:
                pass

            def close(self) -> None:
                pass

        return _Silent()
    return tqdm(total=total, unit="step", desc="simulating", file=sys.stderr)


def summary(times: np.ndarray, voltages: np.ndarray, spikes: np.ndarray, seconds: float) -> str:
    steps, num = voltages.shape
    duration_s = (steps * (times[1] - times[0]) if steps > 1 else 0.0) / 1000.0
    total = int(spikes.sum())
    rate = total / num / duration_s if duration_s > 0 else math.nan
    lines = [
        f"neurons: {num}, steps: {steps}, simulated: {duration_s * 1000:.1f} ms",
        f"wall time: {seconds:.2f} s (compilation included)",
        f"spikes: {total}, mean rate: {rate:.1f} Hz",
        f"V range: [{voltages.min():.2f}, {voltages.max():.2f}] mV" if steps else "V range: -",
    ]
    return "\n".join(lines)


def plot(times: np.ndarray, voltages: np.ndarray, spikes: np.ndarray, path: str) -> bool:
    """Save voltage traces of a few neurons and a raster of all spikes; False without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, (ax_v, ax_s) = plt.subplots(2, 1, figsize=(9, 6))
    shown = times <= times[0] + 100.0  # the first 100 ms: individual spikes stay visible
    for k in range(min(5, voltages.shape[1])):
        ax_v.plot(times[shown], voltages[shown, k], lw=0.8, label=f"neuron {k}")
    ax_v.set_xlabel("time (ms)")
    ax_v.set_ylabel("V (mV)")
    ax_v.legend(loc="upper right", fontsize="small")
    step_idx, neuron_idx = np.nonzero(spikes)
    ax_s.scatter(times[step_idx], neuron_idx, s=0.5, c="k", marker=".")
    ax_s.set_xlabel("time (ms)")
    ax_s.set_ylabel("neuron")
    ax_s.set_ylim(-0.5, voltages.shape[1] - 0.5)
    fig.suptitle(f"Hodgkin-Huxley network, {voltages.shape[1]} neurons")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--neurons", type=int, default=1000, help="number of neurons (1000)")
    parser.add_argument(
        "--duration", type=float, default=1000.0, help="simulated time in ms (1000)"
    )
    parser.add_argument("--dt", type=float, default=0.1, help="time step in ms (0.1)")
    parser.add_argument("--input", type=float, default=10.0, help="external current, uA/cm^2 (10)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--chunk", type=int, default=500, help="steps per compiled call (500)")
    parser.add_argument("--output", default="hh_network.png", help="figure path (hh_network.png)")
    parser.add_argument("--no-plot", action="store_true", help="do not draw the figure")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if args.neurons < 1 or args.duration <= 0 or args.dt <= 0 or args.chunk < 1:
        parser.error("--neurons and --chunk must be >= 1, --duration and --dt > 0")

    times, voltages, spikes, seconds = simulate(
        args.neurons,
        args.duration,
        dt=args.dt,
        I_ext=args.input,
        seed=args.seed,
        chunk=args.chunk,
        progress=not args.no_progress,
    )
    print(summary(times, voltages, spikes, seconds))
    if not args.no_plot:
        if plot(times, voltages, spikes, args.output):
            print(f"figure: {args.output}")
        else:
            print("matplotlib is not installed: no figure (pip install -e '.[plot]')")
    return 0


if __name__ == "__main__":
    sys.exit(main())

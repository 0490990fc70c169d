"""Every script in examples/ runs at a small size, and the models compute what they should.

Scripts run in a subprocess, as a user would run them. Where a result can be
checked independently, it is compared with a computation written here (NumPy),
never with autoflow's own output.
"""

from __future__ import annotations

import importlib.util
import math
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import jax.numpy as jnp
import numpy as np
import pytest

import autoflow

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"

# Small-size flags for scripts that take them; every other script runs as it is.
SMALL_ARGS: dict[str, list[str]] = {
    "hh_network.py": ["--neurons", "3", "--duration", "5", "--no-progress", "--no-plot"],
    "jax_jit_vs_autoflow.py": ["--value", "2.0"],
    "loop_simple.py": ["--size", "100"],
}


def _run(script: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "PYTHONWARNINGS": "error::UserWarning"}
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        cwd=cwd or ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def _load(script: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{Path(script).stem}", EXAMPLES / script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("script", sorted(p.name for p in EXAMPLES.glob("*.py")))
def test_example_script_runs(script: str, tmp_path: Path) -> None:
    result = _run(script, *SMALL_ARGS.get(script, []), cwd=tmp_path)
    assert result.returncode == 0, f"{script} failed:\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr


# ---------------------------------------------------------------------------
# Hodgkin-Huxley: the compiled model against a NumPy reimplementation.

ENA, EK, EL, GNA, GK, GL, V_TH, C = 50.0, -77.0, -54.387, 120.0, 36.0, 0.03, 20.0, 1.0


def _rates(V: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    return {
        "m": (0.1 * (V + 40) / (1 - np.exp(-(V + 40) / 10)), 4.0 * np.exp(-(V + 65) / 18)),
        "h": (0.07 * np.exp(-(V + 65) / 20), 1 / (1 + np.exp(-(V + 35) / 10))),
        "n": (0.01 * (V + 55) / (1 - np.exp(-(V + 55) / 10)), 0.125 * np.exp(-(V + 65) / 80)),
    }


def _reference_hh(V0: np.ndarray, steps: int, dt: float, I_ext: float) -> dict[str, np.ndarray]:
    """Exponential Euler on the HH equations, in float64, one neuron per column."""
    V = V0.astype(np.float64)
    gates = {k: a / (a + b) for k, (a, b) in _rates(V).items()}
    trace = np.empty((steps, V.size))
    spikes = np.zeros((steps, V.size), dtype=bool)
    for k in range(steps):
        g_na = GNA * gates["m"] ** 3 * gates["h"]
        g_k = GK * gates["n"] ** 4
        g = g_na + g_k + GL
        V_inf = (g_na * ENA + g_k * EK + GL * EL + I_ext) / g
        V_new = V_inf + (V - V_inf) * np.exp(-dt * g / C)
        for name, (a, b) in _rates(V).items():
            x_inf, tau = a / (a + b), 1 / (a + b)
            gates[name] = x_inf + (gates[name] - x_inf) * np.exp(-dt / tau)
        spikes[k] = (V < V_TH) & (V_new >= V_TH)
        V = V_new
        trace[k] = V
    return {"V0_gates": np.stack([gates[g] for g in "mhn"]), "trace": trace, "spikes": spikes}


@pytest.fixture(scope="module")
def hh() -> ModuleType:
    return _load("hh_network.py")


def test_hh_initial_gates_are_at_steady_state(hh: ModuleType) -> None:
    net = hh.HH(4, seed=3)
    V0 = np.asarray(net.V.value, dtype=np.float64)
    assert np.all((V0 >= -70) & (V0 < -60))
    for name, (a, b) in _rates(V0).items():
        np.testing.assert_allclose(np.asarray(getattr(net, name).value), a / (a + b), rtol=1e-5)


def test_hh_compiled_matches_numpy_reference(hh: ModuleType) -> None:
    steps, dt = 250, 0.1  # 25 ms: every neuron spikes at least once
    sim = hh.Simulation(2, dt=dt, I_ext=10.0, seed=2)
    V0 = np.asarray(sim.neurons.V.value)
    run = autoflow.jit(sim)
    times = jnp.arange(steps, dtype=jnp.float32) * dt
    voltages, spikes = run(times)

    ref = _reference_hh(V0, steps, dt, 10.0)
    assert ref["spikes"].any(axis=0).all(), "the reference should spike in this window"
    np.testing.assert_allclose(np.asarray(voltages), ref["trace"], atol=0.05)
    np.testing.assert_array_equal(np.asarray(spikes), ref["spikes"])
    # The `if spike.any():` branch wrote the spike times and counts back into the Variables.
    counts = ref["spikes"].sum(axis=0)
    np.testing.assert_array_equal(np.asarray(sim.neurons.spike_count.value), counts)
    last = np.array([np.nonzero(ref["spikes"][:, j])[0][-1] * dt for j in range(2)])
    np.testing.assert_allclose(np.asarray(sim.neurons.t_last_spike.value), last, atol=1e-4)
    np.testing.assert_allclose(np.asarray(sim.neurons.V.value), ref["trace"][-1], atol=0.05)


def test_hh_state_carries_over_between_calls(hh: ModuleType) -> None:
    # Two calls of 100 steps must continue one another: same as one reference run of 200.
    sim = hh.Simulation(2, seed=1)
    V0 = np.asarray(sim.neurons.V.value)
    run = autoflow.jit(sim)
    times = jnp.arange(200, dtype=jnp.float32) * 0.1
    first, _ = run(times[:100])
    second, _ = run(times[100:])
    ref = _reference_hh(V0, 200, 0.1, 10.0)["trace"]
    got = np.concatenate([np.asarray(first), np.asarray(second)])
    np.testing.assert_allclose(got, ref, atol=0.05)


def test_hh_script_prints_summary_and_saves_figure(hh: ModuleType, tmp_path: Path) -> None:
    out = tmp_path / "hh.png"
    result = _run(
        "hh_network.py",
        *[
            "--neurons",
            "2",
            "--duration",
            "20",
            "--seed",
            "2",
            "--no-progress",
            "--output",
            str(out),
        ],
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "neurons: 2, steps: 200" in result.stdout
    spikes = int(re.search(r"spikes: (\d+)", result.stdout).group(1))
    V0 = np.asarray(hh.Simulation(2, seed=2).neurons.V.value)
    expected = int(_reference_hh(V0, 200, 0.1, 10.0)["spikes"].sum())
    assert expected > 0
    assert spikes == expected
    has_mpl = importlib.util.find_spec("matplotlib") is not None
    assert out.exists() == has_mpl
    if not has_mpl:
        assert "matplotlib is not installed" in result.stdout


def test_hh_script_rejects_bad_sizes() -> None:
    result = _run("hh_network.py", "--neurons", "0")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "--neurons" in result.stderr


# ---------------------------------------------------------------------------
# jax.jit vs autoflow, LoopSimple


@pytest.mark.parametrize("value", [2.0, 9.0, -1.0])
def test_jax_jit_vs_autoflow_script(value: float) -> None:
    result = _run("jax_jit_vs_autoflow.py", "--value", str(value))
    assert result.returncode == 0, result.stderr
    assert "jax.jit:       TracerBoolConversionError" in result.stdout
    got = float(re.search(r"autoflow\.jit:\s+safe_sqrt\([^)]*\) = (\S+)", result.stdout).group(1))
    assert got == pytest.approx(math.sqrt(max(value, 0.0)), abs=1e-3)


def test_safe_sqrt_compiled_equals_eager() -> None:
    module = _load("jax_jit_vs_autoflow.py")
    compiled = autoflow.jit(module.safe_sqrt)
    for a in [0.25, 2.0, 10.0, 0.0, -3.0]:
        expected = math.sqrt(a) if a > 0 else 0.0
        assert float(compiled(jnp.float32(a))) == pytest.approx(expected, rel=1e-4, abs=1e-6)


@pytest.mark.parametrize("size", [1, 100, 1000])
def test_loop_simple_sums_sequence(size: int) -> None:
    module = _load("loop_simple.py")
    model = module.LoopSimple(size, seed=size)
    seq = np.asarray(model.seq.value, dtype=np.float64)
    run = autoflow.jit(model)
    out = run()
    assert out.shape == (1,)
    np.testing.assert_allclose(np.asarray(out), [seq.sum()], rtol=1e-5)
    np.testing.assert_allclose(np.asarray(model.res.value), [seq.sum()], rtol=1e-5)
    run()
    np.testing.assert_allclose(np.asarray(model.res.value), [2 * seq.sum()], rtol=1e-5)


def test_runtime_checks_example_raises_where_eager_python_does(tmp_path: Path) -> None:
    result = _run("runtime_checks.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    expected = 1.0 * (1 - 0.1 * 0.5) ** 20  # explicit Euler by hand
    assert f"c = {expected:.4f}" in lines[0]
    assert lines[1].startswith("dt=3.0: NegativeConcentration: the time step is too large")
    assert lines[2].startswith("dt=-0.1: AssertionError: the time step must be positive (assert at")
    assert "runtime_checks=False: no check" in lines[3]

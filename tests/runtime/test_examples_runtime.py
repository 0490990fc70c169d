"""The tutorial examples that need only Variable, Module, jit and random, checked against NumPy."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import runtime as rt

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _load(script: str) -> ModuleType:
    name = f"runtime_example_{Path(script).stem}"
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def gelu() -> ModuleType:
    return _load("gelu.py")


@pytest.fixture(scope="module")
def logreg() -> ModuleType:
    return _load("logistic_regression.py")


def _numpy_gelu(x: np.ndarray) -> np.ndarray:
    x = x.astype(np.float64)
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))


@settings(max_examples=20, deadline=None)
@given(
    x=hnp.arrays(
        np.float32,
        st.integers(1, 8),
        elements=st.floats(-6, 6, width=32, allow_subnormal=False),
    )
)
def test_gelu_jit_matches_numpy(gelu: ModuleType, x: np.ndarray) -> None:
    np.testing.assert_allclose(gelu.gelu_jit(jnp.asarray(x)), _numpy_gelu(x), rtol=1e-5, atol=1e-6)


def test_logistic_regression_updates_w_like_numpy(logreg: ModuleType) -> None:
    rng = np.random.default_rng(0)
    X = rng.random((10, 2)).astype(np.float32)
    Y = rng.random(10).astype(np.float32)
    model = rt.jit(logreg.LogisticRegression(2))
    w = np.full(2, 2.0 * 1.0 - 1.3)
    for _ in range(5):
        assert model(jnp.asarray(X), jnp.asarray(Y)) is None
        u = ((1.0 / (1.0 + np.exp(-Y * (X @ w))) - 1.0) * Y) @ X
        w = w - u
        np.testing.assert_allclose(model.w.value, w, rtol=1e-5)
    assert list(model.vars()) == ["w"]


def test_example_mains_run_at_a_small_size(
    gelu: ModuleType, logreg: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    gelu.main(["--size", "100"])
    logreg.main(["--points", "10", "--dims", "2", "--steps", "3"])
    out = capsys.readouterr().out
    assert "gelu on 100 inputs" in out
    assert "eager and compiled agree: True" in out

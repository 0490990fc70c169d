"""The control-flow examples of the BrainPy JIT tutorial, in runtime form (examples/*.py).

Each is loaded as a module and checked against a computation written here in
plain Python / NumPy, eagerly and compiled with rt.jit.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

import runtime as rt

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        f"control_example_{name}", EXAMPLES / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def odd_even() -> ModuleType:
    return _load("odd_even")


@pytest.mark.parametrize("kind, step", [("even", 1.0), ("odd", -1.0)])
@pytest.mark.parametrize("compiled", [False, True])
def test_odd_even_on_a_static_attribute(odd_even, kind, step, compiled):
    module = odd_even.OddEvenStatic(kind)
    model = rt.jit(module) if compiled else module
    assert [float(model()[0]) for _ in range(3)] == [step, 2 * step, 3 * step]
    assert float(module.a[0]) == 3 * step


@pytest.mark.parametrize("cls_name", ["OddEvenWhere", "OddEvenIfElse"])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("compiled", [False, True])
def test_odd_even_on_a_variable(odd_even, cls_name, seed, compiled):
    module = getattr(odd_even, cls_name)(seed)
    model = rt.jit(module) if compiled else module
    step = 1.0 if float(module.rand[0]) < 0.5 else -1.0  # the Python if it stands for
    assert [float(model()[0]) for _ in range(2)] == [step, 2 * step]
    assert float(module.a[0]) == 2 * step


def _chain(a: float) -> int:
    if a > 10:
        return 1
    elif a > 5:
        return 2
    elif a > 0:
        return 3
    elif a > -5:
        return 4
    else:
        return 5


@pytest.mark.parametrize("a", [11.0, 10.0, 6.0, 5.0, 0.5, 0.0, -1.0, -5.0, -6.0])
def test_multi_branch_ifelse(a):
    ex = _load("ifelse")
    expected = _chain(a)
    assert ex.with_values(a) == expected
    assert int(rt.jit(ex.with_values)(a)) == expected
    assert ex.with_functions(a) == a * expected
    assert float(rt.jit(ex.with_functions)(a)) == a * expected


def test_for_loop_accumulates_the_sequence_and_returns_the_history():
    ex = _load("for_loop")
    model = ex.LoopStruct(size=1000)
    seq = np.asarray(model.seq.value, dtype=np.float64)
    history = rt.jit(model)()
    assert history.shape == (1000, 1)
    np.testing.assert_allclose(history[:, 0], np.cumsum(seq), rtol=1e-4)
    np.testing.assert_allclose(model.res.value, [seq.sum()], rtol=1e-4)
    again = rt.jit(model)()  # state carries over between calls
    np.testing.assert_allclose(again[-1, 0], 2 * seq.sum(), rtol=1e-4)


@pytest.mark.parametrize("compiled", [False, True])
def test_while_loops_advance_i_and_counter(compiled):
    ex = _load("while_loop")
    i, counter = 0.0, 0.0
    while i < 10:
        i += 1.0
        counter += i
    ex.reset()
    (rt.jit(ex.without_operands) if compiled else ex.without_operands)()
    assert (float(ex.i[0]), float(ex.counter[0])) == (i, counter)
    ex.reset()
    x = (rt.jit(ex.with_operands) if compiled else ex.with_operands)(np.float32(1.0))
    assert float(x) == 1.0 + 10
    assert (float(ex.i[0]), float(ex.counter[0])) == (i, counter)

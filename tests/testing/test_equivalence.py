"""The differential checker itself: it must catch wrong answers and accept only clear failures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import hypothesis.strategies as st
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis.extra.numpy import arrays

import autoflow
from autoflow.errors import ConversionError
from autoflow.testing import (
    EquivalenceError,
    ProgramChecker,
    assert_equivalent,
    check_equivalent,
    compare,
    program_from_source,
)

# -- compare ----------------------------------------------------------------


def test_compare_exact_for_ints_and_bools_close_for_floats() -> None:
    assert compare(3, np.int32(3), rtol=1e-5, atol=0) is None
    assert compare(3, np.int32(4), rtol=1e-5, atol=0) is not None
    assert compare(True, np.bool_(True), rtol=0, atol=0) is None
    assert compare(1.0, np.float32(1.0 + 1e-7), rtol=1e-5, atol=0) is None
    assert compare(1.0, np.float32(1.1), rtol=1e-5, atol=1e-5) is not None


def test_compare_checks_kind_shape_and_structure() -> None:
    assert "expected a int, got a float" in (compare(1, 1.0, rtol=0, atol=0) or "")
    assert compare(1, 1.0, rtol=0, atol=0, check_dtype=False) is None
    assert "shape" in (compare(np.zeros(2), np.zeros(3), rtol=0, atol=0) or "")
    assert "shape" in (compare(np.zeros(1), np.float32(0), rtol=0, atol=0) or "")
    assert "result[1]" in (compare((1, 2.0), (1, 3.0), rtol=0, atol=0) or "")
    assert compare((1, 2), [1, 2], rtol=0, atol=0) is not None
    assert compare(None, None, rtol=0, atol=0) is None
    assert compare(None, 0, rtol=0, atol=0) is not None
    assert compare({"a": 1}, {"a": 1}, rtol=0, atol=0) is None
    assert compare({"a": 1}, {"b": 1}, rtol=0, atol=0) is not None


# -- check_equivalent on user functions, against stand-ins for autoflow --------


def _fake_autoflow(
    monkeypatch: pytest.MonkeyPatch, wrap: Callable[[Callable[..., Any]], Callable[..., Any]]
) -> None:
    monkeypatch.setattr(autoflow, "convert", wrap)
    monkeypatch.setattr(autoflow, "jit", wrap)


def _double(x: float) -> float:
    return 2 * x


def test_a_wrong_answer_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_autoflow(monkeypatch, lambda f: lambda *a: f(*a) + 1e-3)
    with pytest.raises(EquivalenceError, match="different value"):
        check_equivalent(_double, (1.0,))


def test_a_value_where_eager_raises_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    def fails(x: float) -> float:
        raise ValueError("no")

    _fake_autoflow(monkeypatch, lambda f: lambda *a: 0.0)
    with pytest.raises(
        EquivalenceError, match="returned 0.0 .* but eager Python raised ValueError"
    ):
        check_equivalent(fails, (1.0,))


def test_a_different_exception_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    def fails(x: float) -> float:
        raise ValueError("no")

    def wrap(f: Callable[..., Any]) -> Callable[..., Any]:
        def g(*a: Any) -> Any:
            raise TypeError("other")

        return g

    _fake_autoflow(monkeypatch, wrap)
    with pytest.raises(EquivalenceError, match="failed differently"):
        check_equivalent(fails, (1.0,))


def test_same_exception_class_passes_and_compiled_may_raise_clear_errors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fails(x: float) -> float:
        raise UnboundLocalError("x")

    def convert(f: Callable[..., Any]) -> Callable[..., Any]:
        def g(*a: Any) -> Any:
            raise NameError("x is undefined")  # any NameError matches UnboundLocalError

        return g

    def jit(f: Callable[..., Any]) -> Callable[..., Any]:
        def g(*a: Any) -> Any:
            raise ConversionError("x is assigned only in the if-branch")

        return g

    monkeypatch.setattr(autoflow, "convert", convert)
    monkeypatch.setattr(autoflow, "jit", jit)
    check_equivalent(fails, (1.0,))
    # ...but the converted function, which runs Python, may not substitute a clear error
    monkeypatch.setattr(autoflow, "convert", jit)
    with pytest.raises(EquivalenceError, match=r"autoflow.convert\(fn\) failed differently"):
        check_equivalent(fails, (1.0,))


def test_an_error_where_eager_succeeds_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    def jit(f: Callable[..., Any]) -> Callable[..., Any]:
        def g(*a: Any) -> Any:
            raise ConversionError("cannot")

        return g

    monkeypatch.setattr(autoflow, "jit", jit)
    with pytest.raises(
        EquivalenceError, match=r"autoflow.jit\(fn\) raised but eager Python returned 2.0"
    ):
        check_equivalent(_double, (1.0,))


def test_inputs_are_copied_for_each_run(monkeypatch: pytest.MonkeyPatch) -> None:
    def bump(a: np.ndarray) -> float:
        a[0] += 1.0
        return float(a[0])

    monkeypatch.setattr(autoflow, "convert", lambda f: f)
    monkeypatch.setattr(autoflow, "jit", lambda f: f)
    arg = np.zeros(1)
    check_equivalent(bump, (arg,))  # every run sees 0.0, so all return 1.0
    assert arg[0] == 0.0


# -- drawn programs through the real autoflow -----------------------------------


def test_program_checker_passes_a_correct_program() -> None:
    program = program_from_source(
        """
def f(x, n):
    s = 0.0
    i = 0
    while i < n:
        if x[i % 3] > 0.0:
            s += x[i % 3]
        i += 1
    return s
""",
        "x: array[3], n: int",
    )
    ProgramChecker().check(program, (np.array([1.0, -2.0, 0.5], np.float32), 4))


def test_program_checker_catches_a_wrong_compiled_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    program = program_from_source("def f(a):\n    return a * 2.0\n", "a: float")
    monkeypatch.setattr(autoflow, "jit", lambda f: lambda *a: f(*a) + 1.0)
    with pytest.raises(
        EquivalenceError, match=r"autoflow.jit\(f\) computed a different value"
    ) as info:
        ProgramChecker().check(program, (1.5,))
    assert "def f(a):" in str(info.value) and "inputs: 1.5" in str(info.value)


# -- assert_equivalent, as in docs/testing.md -----------------------------------


def clipped_sum(xs: Any, limit: float) -> Any:
    s = 0.0
    for x in xs:
        s = s + x
        if s > limit:
            s = limit
    return s


def test_assert_equivalent_on_a_user_function() -> None:
    assert_equivalent(
        clipped_sum,
        arrays(np.float32, 5, elements=st.floats(-1, 1, width=32)).map(jnp.asarray),
        st.floats(0, 3, width=32),
        examples=15,
    )


def test_assert_equivalent_reports_a_counterexample(monkeypatch: pytest.MonkeyPatch) -> None:
    def off_by_one_above_two(x: float) -> float:
        return x

    monkeypatch.setattr(autoflow, "convert", lambda f: f)
    monkeypatch.setattr(autoflow, "jit", lambda f: lambda x: x + 1 if x > 2 else x)
    with pytest.raises(EquivalenceError, match="different value"):
        assert_equivalent(off_by_one_above_two, st.integers(0, 5), examples=30)

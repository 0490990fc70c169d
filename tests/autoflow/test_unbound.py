"""Names bound on some paths only: as eager Python, or a clear error naming the user's line."""

# ruff: noqa: B007  (loop targets read after the loop are the point of these programs)

from __future__ import annotations

import inspect

import jax.numpy as jnp
import numpy as np
import pytest

import autoflow
import runtime as rt


def _line(fn, text: str) -> int:
    lines, first = inspect.getsourcelines(fn)
    return first + next(i for i, line in enumerate(lines) if text in line)


def rebinds_branch_only_name(x, b):
    if b > 0.0:
        v = 1.0
    for v in x:  # the array is not empty: v is bound after the loop either way
        pass
    return v * 2.0 + b


@pytest.mark.parametrize("b", [0.5, -0.5])
def test_loop_target_rebinding_a_branch_only_name(b: float) -> None:
    x = np.array([1.0, 3.0], np.float32)
    expected = rebinds_branch_only_name(x, b)
    assert float(autoflow.jit(rebinds_branch_only_name)(jnp.asarray(x), b)) == pytest.approx(expected)


def zero_trip_target(m):
    k = 0
    for i in range(m):
        k += 1
    k += i
    return k


def test_target_of_traced_trip_loop_used_after_it_is_a_clear_error() -> None:
    assert autoflow.convert(zero_trip_target)(3) == zero_trip_target(3)
    with pytest.raises(UnboundLocalError):
        zero_trip_target(0)
    with pytest.raises(rt.UndefinedValueError) as info:
        autoflow.convert(zero_trip_target)(0)
    # compiled, m is traced: the loop may run zero times, so there is no value
    with pytest.raises(rt.UndefinedValueError) as info:
        autoflow.jit(zero_trip_target)(3)
    msg = str(info.value)
    assert "'i'" in msg and "zero times" in msg
    assert f"{__file__}:{_line(zero_trip_target, 'for i in')}" in msg
    notes = "\n".join(info.value.__notes__)
    assert f"line {_line(zero_trip_target, 'k += i')}" in notes


def returns_target(m):
    for i in range(m):
        pass
    return i


def test_returning_an_unbound_name_raises_like_python() -> None:
    with pytest.raises(UnboundLocalError):
        autoflow.convert(returns_target)(0)
    with pytest.raises(rt.UndefinedValueError, match="'i'"):
        autoflow.jit(returns_target)(2)
    assert autoflow.convert(returns_target)(2) == 1


def static_zero_trip(b):
    for _ in range(0):
        u = 1.0
    t = 0.0
    if u <= b:
        t = 1.0
    return t


def test_static_zero_trip_loop_leaves_names_unbound() -> None:
    for run in (static_zero_trip, autoflow.convert(static_zero_trip), autoflow.jit(static_zero_trip)):
        with pytest.raises(UnboundLocalError):
            run(jnp.float32(0.5))


def one_branch(x):
    if x > 0:
        acc = x
    return acc + 1


def test_name_from_one_branch_of_traced_if_names_the_if() -> None:
    with pytest.raises(rt.UndefinedValueError) as info:
        autoflow.jit(one_branch)(jnp.float32(1.0))
    msg = str(info.value)
    assert "'acc' is assigned in branch 0" in msg and "not in branch 1" in msg
    assert f"{__file__}:{_line(one_branch, 'if x > 0')}" in msg
    assert autoflow.convert(one_branch)(2.0) == 3.0

"""Python lists grown in loops: Python semantics where the trip count is static, else a clear error."""

from __future__ import annotations

import inspect

import jax.numpy as jnp
import pytest

import autoflow
import runtime as rt


def collect(x, n):
    out = []
    for i in range(n):
        out.append(x * i)
    return out


def test_append_in_a_loop_with_a_traced_trip_count_is_a_clear_error() -> None:
    with pytest.raises(rt.LoopCarryError) as info:
        autoflow.jit(collect)(jnp.float32(2.0), 3)
    msg = str(info.value)
    assert "length of a Python list" in msg and "'out'" in msg and "at[i].set" in msg
    line = inspect.getsourcelines(collect)[1] + 2
    assert f"{__file__}:{line}" in msg


def test_append_in_a_static_loop_unrolls_with_a_warning_and_matches_python() -> None:
    with pytest.warns(rt.UnrolledLoopWarning, match="grows a Python list") as record:
        got = autoflow.jit(collect, static_argnums=1)(jnp.float32(2.0), 3)
    assert [float(v) for v in got] == [float(v) for v in collect(jnp.float32(2.0), 3)]
    assert record[0].filename == __file__

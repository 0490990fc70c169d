"""Record buffers (``buf = buf.at[i].set(row)`` once per step) stacked by the scan.

A compiled ``for`` loop whose body writes one row of a preallocated buffer per
iteration, at a row given by the loop counter, runs with the rows returned by
the scan step and placed into the buffer after the loop, instead of carrying
the buffer (runtime/records.py). Results are compared with the same Python
run eagerly; the jaxprs are inspected to check which form was compiled.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from jaxpr_search import first_eqn

import autoflow
import runtime as rt

_scan_eqn = first_eqn


def _scatters_in_body(scan: Any) -> int:
    return sum(e.primitive.name == "scatter" for e in scan.params["jaxpr"].jaxpr.eqns)


def _carried_shapes(scan: Any) -> list[tuple[int, ...]]:
    n_consts, n_carry = scan.params["num_consts"], scan.params["num_carry"]
    return [tuple(v.aval.shape) for v in scan.invars[n_consts : n_consts + n_carry]]


def _assert_same(got: Any, want: Any) -> None:
    for g, w in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)):
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-6, atol=1e-6)


# -- recognised: the buffer leaves the carry -------------------------------------


def record_every_step(xs):
    out = jnp.zeros((xs.shape[0], 2))
    total = 0.0
    for i, x in enumerate(xs):
        total = total + x
        out = out.at[i].set(jnp.stack([total, x]))
    return out, total


def test_enumerate_record_is_stacked_and_matches_python() -> None:
    xs = jnp.linspace(-1.0, 2.0, 7)
    compiled = autoflow.jit(record_every_step)
    _assert_same(compiled(xs), record_every_step(xs))
    scan = _scan_eqn(compiled, xs)
    assert _scatters_in_body(scan) == 0
    assert (7, 2) not in _carried_shapes(scan)


def strided_rows(xs):
    out = jnp.full((2 * xs.shape[0] + 3,), -1.0)
    for i in range(xs.shape[0]):
        out = out.at[2 * i + 1].set(xs[i] * 3.0)
    return out


def reversed_rows(xs):
    out = jnp.zeros((xs.shape[0], 3), dtype=jnp.int32)
    for i, x in enumerate(xs):
        out = out.at[-i - 1].set(jnp.arange(3, dtype=jnp.int32) + x.astype(jnp.int32))
    return out


def wrapped_rows(xs):
    out = jnp.zeros(xs.shape[0])
    for i in range(xs.shape[0]):
        out = out.at[(i + 2) % xs.shape[0]].set(xs[i] + i)
    return out


def two_records_and_bool(xs):
    values = jnp.zeros(xs.shape[0])
    flags = jnp.zeros(xs.shape[0], dtype=bool)
    v = 0.0
    for i, x in enumerate(xs):
        v = 0.5 * v + x
        values = values.at[i].set(v)
        flags = flags.at[i].set(v > 0.5)
    return values, flags, v


def zip_counter(xs):
    out = jnp.zeros((xs.shape[0] + 2, 1))
    for i, x in zip(range(2, 100), xs):
        out = out.at[i].set(x[None] * 2.0)
    return out


def test_partial_strided_reversed_and_wrapped_rows_match_python() -> None:
    xs = jnp.arange(1.0, 6.0)
    for fn in (strided_rows, reversed_rows, wrapped_rows, two_records_and_bool, zip_counter):
        compiled = autoflow.jit(fn)
        _assert_same(compiled(xs), fn(xs))
        assert _scatters_in_body(_scan_eqn(compiled, xs)) == 0, fn.__name__


class Recorder(rt.Module):
    def __init__(self, steps: int, n: int) -> None:
        super().__init__()
        self.v = rt.Variable(jnp.linspace(0.0, 1.0, n))
        self.trace = rt.Variable(jnp.zeros((steps, n)))

    def __call__(self, drive: jax.Array) -> jax.Array:
        for i, d in enumerate(drive):
            self.v.value = self.v.value * 0.9 + d
            self.trace.value = self.trace.value.at[i].set(self.v.value)
        return self.v.value


def _recorder_eager(steps: int, n: int, drive: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    v = np.linspace(0.0, 1.0, n, dtype=np.float32)
    trace = np.zeros((steps, n), np.float32)
    for i, d in enumerate(drive):
        v = v * np.float32(0.9) + d
        trace[i] = v
    return v, trace


def test_a_variable_record_in_a_module_matches_python() -> None:
    drive = jnp.linspace(0.0, 0.3, 6)
    model = Recorder(8, 3)
    run = autoflow.jit(model)
    v = run(drive)
    want_v, want_trace = _recorder_eager(8, 3, np.asarray(drive))
    np.testing.assert_allclose(np.asarray(v), want_v, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(model.trace.value), want_trace, rtol=1e-6)


@settings(max_examples=20, deadline=None)
@given(
    length=st.integers(1, 12),
    extra=st.integers(0, 3),
    stride=st.sampled_from([1, 2, -1]),
    offset=st.integers(0, 3),
    data=st.data(),
)
def test_drawn_row_patterns_match_python(
    length: int, extra: int, stride: int, offset: int, data: st.DataObject
) -> None:
    rows = length * abs(stride) + offset + extra
    xs = jnp.asarray(
        data.draw(st.lists(st.floats(-5, 5, width=32), min_size=length, max_size=length)),
        dtype=jnp.float32,
    )

    def fn(xs):
        out = jnp.full((rows,), 7.0)
        acc = 0.0
        for i, x in enumerate(xs):
            acc = acc + x
            out = out.at[stride * i + offset].set(acc)
        return out, acc

    _assert_same(autoflow.jit(fn)(xs), fn(xs))


def test_gradient_through_a_record_matches_python() -> None:
    xs = jnp.linspace(-1.0, 1.0, 5)

    def loss(fn: Callable[..., Any]) -> Callable[..., Any]:
        return lambda xs: jnp.sum(fn(xs)[0] ** 2)

    want = jax.grad(loss(record_every_step))(xs)
    got = jax.jit(jax.grad(loss(autoflow.convert(record_every_step))))(xs)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-5)


# -- not a record: the buffer stays carried, and the result is still right --------


def reads_the_buffer(xs):
    out = jnp.zeros(xs.shape[0] + 1)
    for i, x in enumerate(xs):
        out = out.at[i + 1].set(out[i] + x)
    return out


def repeated_rows(xs):
    out = jnp.zeros(xs.shape[0])
    for i, x in enumerate(xs):
        out = out.at[i // 2].set(x)
    return out


def data_dependent_row(xs):
    out = jnp.zeros(xs.shape[0])
    for x in xs:
        out = out.at[jnp.argmax(xs == x)].set(x * 2.0)
    return out


def conditional_write(xs):
    out = jnp.zeros(xs.shape[0])
    for i, x in enumerate(xs):
        if x > 2.0:
            out = out.at[i].set(x)
    return out


def out_of_range_rows(xs):
    out = jnp.zeros(3)
    for i, x in enumerate(xs):
        out = out.at[i].set(x)
    return out


def test_buffers_that_are_not_records_stay_carried_and_match_python() -> None:
    xs = jnp.arange(1.0, 6.0)
    for fn in (reads_the_buffer, repeated_rows, data_dependent_row, conditional_write):
        compiled = autoflow.jit(fn)
        _assert_same(compiled(xs), fn(xs))
        assert (xs.shape[0] + (fn is reads_the_buffer),) in _carried_shapes(
            _scan_eqn(compiled, xs)
        ), fn.__name__


def test_rows_past_the_end_are_dropped_as_jax_does() -> None:
    xs = jnp.arange(1.0, 6.0)
    compiled = autoflow.jit(out_of_range_rows)
    _assert_same(compiled(xs), out_of_range_rows(xs))
    assert (3,) in _carried_shapes(_scan_eqn(compiled, xs))

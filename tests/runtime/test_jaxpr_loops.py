"""Compiled loops bound from their traced bodies without a second trace.

runtime/jaxpr_loops.py hands a loop body's jaxpr (and a while loop's
condition's) to JAX's scan and while primitives directly; when it cannot (a
carry whose type the body changes, effects, a JAX whose primitives take other
parameters) the loop replays the body through ``lax.scan`` /
``lax.while_loop`` as before. Each test checks which path ran and compares
the results with the same Python run eagerly.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autoflow
import runtime as rt
import runtime.jaxpr_loops as jaxpr_loops
import runtime.loops as loops


@contextlib.contextmanager
def spying(name: str = "scan_jaxpr") -> Iterator[list[bool]]:
    """Spy on the loops' use of ``name`` (scan_jaxpr, while_jaxpr): True per loop bound
    directly, False per fallback."""
    taken: list[bool] = []
    real = getattr(loops, name)

    def spy(*args: Any, **kwargs: Any) -> Any:
        out = real(*args, **kwargs)
        taken.append(out is not None)
        return out

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(loops, name, spy)
        patch.setattr(jaxpr_loops, "_unsupported", [])
        yield taken


@pytest.fixture
def direct() -> Iterator[list[bool]]:
    with spying() as taken:
        yield taken


def _assert_same(got: Any, want: Any) -> None:
    got_leaves, want_leaves = jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)
    assert len(got_leaves) == len(want_leaves)
    for g, w in zip(got_leaves, want_leaves):
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-5, atol=1e-5)


class Cell(rt.Module):
    """State in Variables: two written (of the same type), one counted, one only read."""

    def __init__(self, n: int, leak: float) -> None:
        super().__init__()
        self.v = rt.Variable(jnp.linspace(-1.0, 1.0, n))
        self.u = rt.Variable(jnp.zeros(n))
        self.count = rt.Variable(jnp.zeros(n, dtype=jnp.int32))
        self.gain = rt.Variable(jnp.full(n, 0.5))  # read, never written: a constant of the scan
        self.leak = leak

    def step(self, d: jax.Array) -> None:
        v = self.v.value * self.leak + self.gain.value * d - 0.1 * self.u.value
        fired = v > 1.0
        if fired.any():
            self.count += fired.astype(jnp.int32)
        self.u.value = self.u.value + 0.5 * v
        self.v.value = jnp.where(fired, 0.0, v)


class Integrator(rt.Module):
    """A loop over steps, calling a Module that writes Variables (as the HH example does)."""

    def __init__(self, n: int, leak: float) -> None:
        super().__init__()
        self.cell = Cell(n, leak)

    def __call__(self, drive: jax.Array) -> tuple[jax.Array, jax.Array]:
        trace = jnp.zeros((drive.shape[0], self.cell.v.value.shape[0]))
        total = jnp.zeros(())
        for i, d in enumerate(drive):
            self.cell.step(d)
            trace = trace.at[i].set(self.cell.v.value)  # a record buffer
            total = total + self.cell.u.value.sum()  # a carried local
        return trace, total


@settings(max_examples=15, deadline=None)
@given(
    steps=st.integers(1, 12),
    n=st.integers(1, 5),
    leak=st.floats(0.1, 1.0),
    seed=st.integers(0, 2**16),
)
def test_module_loop_binds_directly_and_matches_python(
    steps: int, n: int, leak: float, seed: int
) -> None:
    drive = np.random.default_rng(seed).uniform(0.0, 2.0, steps).astype(np.float32)
    eager = Integrator(n, leak)
    want = eager(jnp.asarray(drive))
    model = Integrator(n, leak)
    with spying() as direct:
        got = autoflow.jit(model)(jnp.asarray(drive))
    assert direct and all(direct), "the loop was replayed instead of bound directly"
    _assert_same(got, want)
    for name in ("v", "u", "count"):
        _assert_same(getattr(model.cell, name).value, getattr(eager.cell, name).value)


def _loop_sum(xs: jax.Array, w: jax.Array) -> jax.Array:
    acc = jnp.zeros_like(w)
    for x in xs:
        acc = jnp.sin(acc * w + x)
    return acc.sum()


def test_direct_scan_is_differentiable_and_vmappable(direct: list[bool]) -> None:
    converted = autoflow.convert(_loop_sum)
    xs, w = jnp.linspace(0.0, 1.0, 6), jnp.array([0.3, -0.7])
    grad = jax.jit(jax.grad(converted, argnums=1))(xs, w)
    assert direct and all(direct)
    np.testing.assert_allclose(grad, jax.grad(_loop_sum, argnums=1)(xs, w), rtol=1e-5)
    ws = jnp.stack([w, -w, 2 * w])
    batched = jax.jit(jax.vmap(converted, in_axes=(None, 0)))(xs, ws)
    np.testing.assert_allclose(batched, [_loop_sum(xs, row) for row in ws], rtol=1e-5)


def _weak_output(xs: jax.Array) -> jax.Array:
    s = jnp.float32(0.0)  # a strong float32 carry...
    for x in xs:
        s = jnp.where(x > 1.0, 3.0, 2.0)  # ...that the body replaces by a weakly typed one
    return s


def _debug_print(xs: jax.Array) -> jax.Array:
    s = jnp.zeros(())
    for x in xs:
        jax.debug.print("x = {}", x)
        s = s + x
    return s


@pytest.mark.parametrize("fn", [_weak_output, _debug_print], ids=["carry type changed", "effects"])
def test_bodies_that_do_not_fit_are_replayed(
    direct: list[bool], fn: Callable[..., Any], capfd: pytest.CaptureFixture[str]
) -> None:
    xs = jnp.arange(4.0)
    got = autoflow.jit(fn)(xs)
    jax.effects_barrier()
    assert direct == [False]
    _assert_same(got, fn(xs))


def test_a_jax_whose_scan_takes_other_parameters_falls_back(
    direct: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    class OtherScan:
        def bind(self, *args: Any, linear: tuple[bool, ...], **params: Any) -> Any:
            raise AssertionError("not reached: `linear` is missing")

    monkeypatch.setattr(jaxpr_loops, "scan_p", OtherScan())
    xs, w = jnp.linspace(0.0, 1.0, 5), jnp.array([0.5])
    assert float(autoflow.jit(_loop_sum)(xs, w)) == pytest.approx(float(_loop_sum(xs, w)))
    assert direct == [False]
    assert len(jaxpr_loops._unsupported) == 1
    # Later loops do not try again.
    assert float(autoflow.jit(_loop_sum)(xs, -w)) == pytest.approx(float(_loop_sum(xs, -w)))
    assert direct == [False, False]


@settings(max_examples=15, deadline=None)
@given(
    values=st.lists(st.floats(-3.0, 3.0, width=32), min_size=1, max_size=9),
    reverse=st.booleans(),
    unroll=st.sampled_from([1, 2, 3, True, False]),
)
def test_for_loop_binds_directly_and_matches_python(
    values: list[float], reverse: bool, unroll: int | bool
) -> None:
    xs = np.asarray(values, dtype=np.float32)

    def python() -> tuple[list[Any], float, int]:
        total, count, outs = 0.0, 0, {}
        order = range(len(xs) - 1, -1, -1) if reverse else range(len(xs))
        for i in order:
            total = total * 0.5 + float(xs[i])
            count += 1
            outs[i] = (total, float(xs[i]) * 2.0)
        return [outs[i] for i in range(len(xs))], total, count

    total = rt.Variable(jnp.zeros(()))
    count = rt.Variable(jnp.zeros((), dtype=jnp.int32))
    scale = rt.Variable(jnp.asarray(2.0))  # read only: a constant of the scan

    def body(x: jax.Array) -> tuple[jax.Array, jax.Array]:
        total.value = total.value * 0.5 + x
        count.value += 1
        return total.value, x * scale.value

    with spying() as direct:
        ys = rt.jit(lambda xs: rt.for_loop(body, xs, reverse=reverse, unroll=unroll))(xs)
    assert direct and all(direct)
    want_rows, want_total, want_count = python()
    _assert_same(ys, (np.asarray([r[0] for r in want_rows]), np.asarray([r[1] for r in want_rows])))
    _assert_same((total.value, count.value), (want_total, want_count))


class Counter(rt.Module):
    """A while loop whose condition reads carried Variables and a constant one."""

    def __init__(self, limit: float) -> None:
        super().__init__()
        self.low = rt.Variable(jnp.zeros(()))
        self.high = rt.Variable(
            jnp.zeros(())
        )  # same type as low: a swap would go unnoticed by type
        self.limit = rt.Variable(jnp.asarray(limit))  # read only
        self.steps = rt.Variable(jnp.zeros((), dtype=jnp.int32))

    def grow(self, x: jax.Array) -> None:
        # Written in another order than declared: the loop's Variables and its
        # inputs are then in different orders, which the binding must map.
        self.high.value = self.high.value + 2.0 * x
        self.low.value = self.low.value + x
        self.steps += 1

    def __call__(self, x: jax.Array) -> tuple[jax.Array, jax.Array]:
        rounds = jnp.zeros(())
        while self.high.value < self.limit.value and self.steps < 50:
            self.grow(x)
            rounds = rounds + 1.0
        return rounds, self.low.value


def _counter_python(x: float, limit: float) -> tuple[float, float, float, int]:
    f32 = np.float32  # the compiled loop's arithmetic, so that the comparisons agree
    low = high = rounds = f32(0.0)
    steps = 0
    while high < f32(limit) and steps < 50:
        low, high, steps = low + f32(x), high + f32(2.0) * f32(x), steps + 1
        rounds += f32(1.0)
    return float(rounds), float(low), float(high), steps


def _check_counter(model: Counter, got: Any, x: float, limit: float) -> None:
    rounds, low, high, steps = _counter_python(x, limit)
    _assert_same(got, (rounds, low))
    _assert_same((model.high.value, model.steps.value), (high, steps))


@settings(max_examples=15, deadline=None)
@given(
    x=st.floats(0.125, 3.0, width=32),
    limit=st.floats(-1.0, 20.0, width=32, allow_subnormal=False),  # XLA on CPU flushes them to 0
)
def test_while_loop_binds_directly_and_matches_python(x: float, limit: float) -> None:
    model = Counter(limit)
    with spying("while_jaxpr") as direct:
        got = autoflow.jit(model)(jnp.float32(x))
    assert direct and all(direct), "the while loop was replayed instead of bound directly"
    _check_counter(model, got, x, limit)


def test_while_loop_fallback_replays_the_captured_condition(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class OtherWhile:
        def bind(self, *args: Any, **params: Any) -> Any:
            raise TypeError("unexpected keyword argument 'cond_nconsts'")

    monkeypatch.setattr(jaxpr_loops, "while_p", OtherWhile())
    for x, limit in [(0.5, 3.0), (1.0, 0.0), (0.3, 7.5)]:
        model = Counter(limit)
        with spying("while_jaxpr") as direct:
            got = autoflow.jit(model)(jnp.float32(x))
        assert direct and not any(direct)
        _check_counter(model, got, x, limit)


def test_direct_while_loop_under_vmap() -> None:
    def count(x: jax.Array) -> jax.Array:
        n = jnp.zeros((), dtype=jnp.int32)
        while x < 10.0:
            x = x * 2.0 + 1.0
            n = n + 1
        return n

    def python(x: float) -> int:
        n = 0
        while x < 10.0:
            x, n = x * 2.0 + 1.0, n + 1
        return n

    xs = jnp.asarray([-0.5, 0.0, 1.0, 3.0, 12.0])
    with spying("while_jaxpr") as direct:
        got = jax.jit(jax.vmap(autoflow.convert(count)))(xs)
    assert direct and all(direct)
    assert got.tolist() == [python(float(x)) for x in xs]


def test_a_binding_this_jax_refuses_falls_back_for_that_loop_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = jaxpr_loops.scan_p
    refusals = [ValueError("a rule our jaxpr does not satisfy")]

    class Refusing:
        def bind(self, *args: Any, **params: Any) -> Any:
            if refusals:
                raise refusals.pop()
            return real.bind(*args, **params)

    monkeypatch.setattr(jaxpr_loops, "scan_p", Refusing())
    xs, w = jnp.linspace(0.0, 1.0, 5), jnp.array([0.5])
    with spying() as direct:
        assert float(autoflow.jit(_loop_sum)(xs, w)) == pytest.approx(float(_loop_sum(xs, w)))
        assert float(autoflow.jit(_loop_sum)(xs, -w)) == pytest.approx(float(_loop_sum(xs, -w)))
    assert direct == [False, True]  # the next loop binds directly again
    assert jaxpr_loops._unsupported == []

"""Guards that change nothing (``if mask.any(): x = where(mask, a, x)``) are dropped.

runtime/guards.py removes, from a loop body's jaxpr, a select on ``mask.any()``
whose branch gives back the value before wherever ``mask`` is all False. The
checks: the rewritten jaxpr computes what the original does (on masks with and
without True entries), converted loops match eager Python, the guard is gone
only where it is redundant, and gradients are unchanged.
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
from runtime.guards import drop_redundant_guards


def _guarded_selects(jaxpr: Any) -> int:
    """Top-level selects on a scalar predicate (what a selected ``if`` compiles to)."""
    return sum(
        e.primitive.name == "select_n"
        and e.invars[0].aval.shape == ()
        and e.outvars[0].aval.shape != ()
        for e in jaxpr.eqns
    )


def _check_rewrite(fn: Callable[..., Any], args: list[Any]) -> Any:
    closed = jax.make_jaxpr(fn)(*args)
    simplified = drop_redundant_guards(closed)
    want = jax.core.eval_jaxpr(closed.jaxpr, closed.consts, *args)
    got = jax.core.eval_jaxpr(simplified.jaxpr, simplified.consts, *args)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(np.asarray(g), np.asarray(w))
    return simplified


def spike_update(mask, t, last, count):
    fired = mask.any()
    last = jax.lax.select(fired, jnp.where(mask, t, last), last)
    count = jax.lax.select(fired, count + mask.astype(jnp.int32), count)
    return last, count


def _spike_args(mask: np.ndarray) -> list[Any]:
    n = mask.shape[0]
    return [
        jnp.asarray(mask),
        jnp.float32(2.5),
        jnp.arange(n, dtype=jnp.float32),
        jnp.ones(n, jnp.int32),
    ]


@settings(max_examples=15, deadline=None)
@given(st.lists(st.booleans(), min_size=1, max_size=6))
def test_a_spike_guard_is_dropped_and_computes_the_same(bits: list[bool]) -> None:
    mask = np.array(bits)
    simplified = _check_rewrite(spike_update, _spike_args(mask))
    assert _guarded_selects(simplified.jaxpr) == 0


def test_an_all_false_mask_gives_the_values_before() -> None:
    args = _spike_args(np.zeros(4, bool))
    simplified = _check_rewrite(spike_update, args)
    last, count = jax.core.eval_jaxpr(simplified.jaxpr, simplified.consts, *args)
    np.testing.assert_array_equal(np.asarray(last), np.arange(4.0))
    np.testing.assert_array_equal(np.asarray(count), np.ones(4))


def changes_when_no_spike(mask, x):
    return jax.lax.select(mask.any(), x + 1.0, x)


def times_zero_is_not_nothing(mask, x, y):
    # x + 0 * y is not x when y is inf: the guard must stay.
    return jax.lax.select(mask.any(), x + jnp.where(mask, y, 0.0) * 0.0, x)


def guarded_by_all(mask, x):
    return jax.lax.select(mask.all(), jnp.where(mask, 0.0, x), x)


def other_mask(mask, other, x):
    return jax.lax.select(mask.any(), jnp.where(other, 0.0, x), x)


def test_guards_that_matter_are_kept() -> None:
    mask = jnp.array([False, False, False])
    x = jnp.array([1.0, 2.0, 3.0])
    cases: list[tuple[Callable[..., Any], list[Any]]] = [
        (changes_when_no_spike, [mask, x]),
        (times_zero_is_not_nothing, [mask, x, jnp.array([jnp.inf, 1.0, 2.0])]),
        (guarded_by_all, [jnp.array([True, False, True]), x]),
        (other_mask, [mask, jnp.array([True, True, False]), x]),
    ]
    for fn, args in cases:
        simplified = _check_rewrite(fn, args)
        assert _guarded_selects(simplified.jaxpr) == 1, fn.__name__


# -- end to end: converted loops -------------------------------------------------


def neurons(drive):
    v = jnp.zeros(drive.shape[1])
    last = jnp.full(drive.shape[1], -1.0)
    count = jnp.zeros(drive.shape[1], jnp.int32)
    for t, d in enumerate(drive):
        v = 0.8 * v + d
        spike = v > 1.0
        if spike.any():
            last = jnp.where(spike, t, last)
            count += spike.astype(jnp.int32)
        v = jnp.where(spike, 0.0, v)
    return v, last, count


def _scan_body(fn: Callable[..., Any], *args: Any) -> Any:
    return first_eqn(fn, *args).params["jaxpr"].jaxpr


@settings(max_examples=10, deadline=None)
@given(
    st.integers(1, 8).flatmap(
        lambda n: st.lists(
            st.lists(st.floats(0.0, 0.875, width=32), min_size=3, max_size=3),
            min_size=n,
            max_size=n,
        )
    )
)
def test_a_converted_spike_loop_matches_python(drive_rows: list[list[float]]) -> None:
    drive = jnp.asarray(drive_rows, dtype=jnp.float32)
    got = autoflow.jit(neurons)(drive)
    want = neurons(drive)
    for g, w in zip(got, want):
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-6)


def test_the_converted_spike_loop_has_no_guard_left() -> None:
    drive = jnp.full((5, 3), 0.6)
    body = _scan_body(autoflow.jit(neurons), drive)
    assert body is not None
    assert _guarded_selects(body) == 0
    assert not any(e.primitive.name == "cond" for e in body.eqns)


def test_gradients_through_a_dropped_guard_match_python() -> None:
    drive = jnp.linspace(0.1, 0.9, 12).reshape(4, 3)

    def loss(fn: Callable[..., Any]) -> Callable[..., Any]:
        def f(scale):
            v = jnp.zeros(3)
            acc = jnp.zeros(3)
            for d in drive:
                v = 0.8 * v + scale * d
                spike = v > 0.5
                if spike.any():
                    acc = jnp.where(spike, acc + v, acc)
            return jnp.sum(acc)

        return fn(f) if fn is not None else f

    want = jax.grad(loss(None))(1.5)
    got = jax.jit(jax.grad(loss(autoflow.convert)))(1.5)
    np.testing.assert_allclose(float(got), float(want), rtol=1e-5)

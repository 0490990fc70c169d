"""How many times the runtime runs the Python of a branch or loop body while compiling.

Each traced-if branch and each compiled loop body is traced once to a jaxpr, and
``lax.cond`` / ``lax.scan`` / ``lax.while_loop`` replay that jaxpr, so nested
control flow does not multiply the traces (a branch in a loop body used to run 4
times, 2 per level). Results are checked against eager Python as well.
"""

from __future__ import annotations

from collections import Counter

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import runtime as rt


class Neurons(rt.Module):
    def __init__(self, n: int) -> None:
        super().__init__()
        self.v = rt.Variable(jnp.linspace(-1.0, 1.0, n))
        self.count = rt.Variable(jnp.zeros(n, jnp.int32))
        self.calls: Counter[str] = Counter()

    def __call__(self, xs: jax.Array) -> jax.Array:
        count = self.count

        def body(x: jax.Array, total: jax.Array) -> tuple[jax.Array]:
            self.calls["body"] += 1
            self.v.value = self.v.value * 0.9 + x
            spike = self.v.value > 0.5

            def fire(c: rt.Variable) -> tuple[rt.Variable]:
                self.calls["fire"] += 1
                c.value = c.value + spike.astype(jnp.int32)
                return (c,)

            def rest(c: rt.Variable) -> tuple[rt.Variable]:
                self.calls["rest"] += 1
                return (c,)

            rt.ifelse(jnp.any(spike), (fire, rest), (count,))
            return (total + jnp.sum(self.v.value),)

        (total,) = rt.for_each(body, xs, (jnp.zeros(()),))
        return total


def _eager(n: int, xs: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    v = np.linspace(-1.0, 1.0, n, dtype=np.float32)
    count = np.zeros(n, np.int32)
    total = np.float32(0.0)
    for x in xs:
        v = v * np.float32(0.9) + x
        # A value within float error of the threshold may compare either way once
        # compiled (XLA rounds v * 0.9 + x once, with a fused multiply-add).
        assume(bool(np.all(np.abs(v - np.float32(0.5)) > 1e-5)))
        spike = v > 0.5
        if spike.any():
            count = count + spike.astype(np.int32)
        total = total + v.sum()
    return float(total), v, count


@settings(max_examples=10, deadline=None)
@given(xs=st.lists(st.floats(-1, 1, width=32), min_size=1, max_size=6))
def test_branch_in_loop_body_runs_once_under_jit(xs: list[float]) -> None:
    arr = np.asarray(xs, np.float32)
    total, v, count = _eager(4, arr)
    net = Neurons(4)
    out = rt.jit(net)(jnp.asarray(arr))
    # Module Variables are known to rt.jit up front: one trace of everything.
    assert net.calls == Counter(body=1, fire=1, rest=1)
    np.testing.assert_allclose(float(out), total, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(net.v.value, v, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(net.count.value, count)


def test_nested_loops_and_branches_do_not_multiply_traces() -> None:
    calls: Counter[str] = Counter()

    def f(xs: jax.Array) -> jax.Array:
        def outer(x: jax.Array, s: jax.Array) -> tuple[jax.Array]:
            calls["outer"] += 1

            def inner(y: jax.Array, t: jax.Array) -> tuple[jax.Array]:
                calls["inner"] += 1
                (t,) = rt.ifelse(
                    y > 0, (lambda t: (calls.update(["pos"]) or t + y,), lambda t: (t - y,)), (t,)
                )
                return (t,)

            (s,) = rt.for_each(inner, xs, (s * x,))
            return (s,)

        (s,) = rt.for_each(outer, xs, (jnp.ones(()),))
        return s

    xs = jnp.array([0.5, -1.0, 2.0])
    got = jax.jit(f)(xs)
    assert calls == Counter(outer=1, inner=1, pos=1)

    s = 1.0
    for x in [0.5, -1.0, 2.0]:
        s = s * x
        for y in [0.5, -1.0, 2.0]:
            s = s + y if y > 0 else s - y
    np.testing.assert_allclose(float(got), s, rtol=1e-6)


def test_while_loop_body_with_branch_runs_once() -> None:
    calls: Counter[str] = Counter()
    acc = rt.Variable(jnp.zeros(()))

    def f(n: jax.Array) -> jax.Array:
        def body(i: jax.Array) -> jax.Array:
            calls["body"] += 1

            def even() -> tuple[()]:
                calls["even"] += 1
                acc.value = acc.value + i
                return ()

            rt.ifelse(i % 2 == 0, (even, lambda: ()), ())
            return i + 1

        return rt.while_loop(body, lambda i: i < n, jnp.zeros((), jnp.int32))

    g = rt.jit(f)
    assert int(g(jnp.int32(7))) == 7
    assert float(acc.value) == 0 + 2 + 4 + 6
    # rt.jit's first trace does not know `acc` (a closure, not an argument): the body
    # runs once, finds it writes `acc`, and runs again with it as a carried input; that
    # trace then learns `acc` and traces once more, now with `acc` known: one run.
    assert calls == Counter(body=3, even=3)
    g(jnp.int32(5))  # cached: no new trace
    assert calls == Counter(body=3, even=3)
    assert float(acc.value) == 12 + 0 + 2 + 4

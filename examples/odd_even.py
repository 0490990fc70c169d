"""Odd/even: three ways to branch inside a compiled Module.

1. On a static attribute (``self.kind``): a plain Python ``if`` is fine, it is
   decided while tracing.
2. On a Variable, elementwise, with ``rt.where``.
3. On a Variable, with ``rt.ifelse``: a traced predicate becomes ``lax.cond``.

(A plain ``if self.rand[0] < 0.5:`` on the Variable would fail under ``jit``:
its value is only known when the compiled code runs.)

Run it:  python examples/odd_even.py
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

import runtime as rt


class OddEvenStatic(rt.Module):
    """Branches on a Python attribute fixed at construction."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        if kind not in ("odd", "even"):
            raise ValueError(f"kind must be 'odd' or 'even', got {kind!r}")
        self.kind = kind
        self.a = rt.Variable(jnp.zeros(1))

    def __call__(self) -> jax.Array:
        if self.kind == "even":
            self.a += 1
        else:
            self.a -= 1
        return self.a.value


class OddEvenWhere(rt.Module):
    """Branches on a Variable, elementwise, with ``rt.where``."""

    def __init__(self, seed: int = 0) -> None:
        super().__init__()
        self.rand = rt.Variable(jax.random.uniform(jax.random.PRNGKey(seed), (1,)))
        self.a = rt.Variable(jnp.zeros(1))

    def __call__(self) -> jax.Array:
        self.a += rt.where(self.rand < 0.5, 1.0, -1.0)
        return self.a.value


class OddEvenIfElse(rt.Module):
    """Branches on a Variable with ``rt.ifelse`` (``lax.cond`` once compiled)."""

    def __init__(self, seed: int = 0) -> None:
        super().__init__()
        self.rand = rt.Variable(jax.random.uniform(jax.random.PRNGKey(seed), (1,)))
        self.a = rt.Variable(jnp.zeros(1))

    def __call__(self) -> jax.Array:
        self.a += rt.ifelse(self.rand[0] < 0.5, (lambda: 1.0, lambda: -1.0))
        return self.a.value


def main() -> None:
    for kind in ("even", "odd"):
        model = rt.jit(OddEvenStatic(kind))
        print(f"static {kind}: {model()} {model()}")
    for cls in (OddEvenWhere, OddEvenIfElse):
        for seed in (0, 1):
            module = cls(seed)
            model = rt.jit(module)
            print(
                f"{cls.__name__}(seed={seed}) rand={float(module.rand[0]):.3f}: {model()} {model()}"
            )


if __name__ == "__main__":
    main()

"""`assert` and `raise` on traced values, checked when the compiled code runs.

Under plain ``jax.jit`` an ``assert x < limit`` on a traced ``x`` cannot be
decided while tracing (``TracerBoolConversionError``), and a ``raise`` inside
an ``if`` on a traced value fires while tracing, whichever way the ``if`` goes
later. ``autoflow.jit`` turns both into run-time checks: the compiled function
raises your ``AssertionError`` (or your own exception class) exactly when
eager Python would, with your message and line. ``runtime_checks=False``
compiles them away (each check is a host callback, one per loop iteration).

Run it:  python examples/runtime_checks.py
"""

from __future__ import annotations

import argparse
import sys

import jax.numpy as jnp

import autoflow


class NegativeConcentration(ValueError):
    """A concentration went below zero: the time step is too large."""


def decay(c0, rate, dt, steps):
    """Explicit Euler for dc/dt = -rate * c, refusing a step that overshoots zero."""
    assert dt > 0, "the time step must be positive"
    c = c0
    for _ in range(steps):
        c = c - dt * rate * c
        if c < 0:
            # the message is built while tracing: keep traced values out of it
            raise NegativeConcentration("the time step is too large for this rate")
    return c


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="run-time checks of assert and raise")
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args(argv)

    checked = autoflow.jit(decay, static_argnums=3)
    unchecked = autoflow.jit(decay, static_argnums=3, runtime_checks=False)
    c0, rate = jnp.float32(1.0), jnp.float32(0.5)

    good = checked(c0, rate, jnp.float32(0.1), args.steps)
    print(f"dt=0.1: c = {float(good):.4f} (eager Python: {decay(1.0, 0.5, 0.1, args.steps):.4f})")

    for dt in (3.0, -0.1):
        try:
            checked(c0, rate, jnp.float32(dt), args.steps)
        except (NegativeConcentration, AssertionError) as exc:
            print(f"dt={dt}: {type(exc).__name__}: {str(exc).splitlines()[0]}")
        else:
            print(f"dt={dt}: no error, but eager Python raises one", file=sys.stderr)
            return 1

    value = unchecked(c0, rate, jnp.float32(3.0), args.steps)
    print(f"dt=3.0 with runtime_checks=False: no check, c = {float(value):.4g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

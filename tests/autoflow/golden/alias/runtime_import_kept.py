"""An existing `import runtime as rt` is reused, wherever it sits."""
from __future__ import annotations

import jax.numpy as jnp

v = 1


def f(x):
    if x > 0:
        y = rt.where(x > 1, x, 0.0)
    else:
        y = -x
    return y


import runtime as rt
# --- expected ---
"""An existing `import runtime as rt` is reused, wherever it sits."""
from __future__ import annotations

import jax.numpy as jnp

v = 1


def f(x):
    y = rt.Undefined('y')
    def _if_true_1(y):
        y = rt.where(x > 1, x, 0.0)
        return (y,)
    def _if_false_1(y):
        y = -x
        return (y,)
    (y,) = rt.ifelse(x > 0, (_if_true_1, _if_false_1), (y,))
    return y


import runtime as rt

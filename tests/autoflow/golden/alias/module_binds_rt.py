"""The module binds `rt` to a number: generated code calls the runtime `rt_`."""
import jax.numpy as jnp

rt = 3.0


def scale(x):
    if x > 0:
        y = x * rt
    else:
        y = -x
    return y
# --- expected ---
"""The module binds `rt` to a number: generated code calls the runtime `rt_`."""
import jax.numpy as jnp
import runtime as rt_

rt = 3.0


def scale(x):
    y = rt_.Undefined('y')
    def _if_true_1(y):
        y = x * rt
        return (y,)
    def _if_false_1(y):
        y = -x
        return (y,)
    (y,) = rt_.ifelse(x > 0, (_if_true_1, _if_false_1), (y,))
    return y

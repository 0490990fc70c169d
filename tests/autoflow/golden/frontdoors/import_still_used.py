import autoflow as af
from autoflow import jit, to_source


@jit
def f(x):
    while x > 1.0:
        x = x / 2.0
    return x


def show():
    return to_source(f), af.testing
# --- expected ---
import autoflow as af
from autoflow import to_source
import runtime as rt


@rt.jit
def f(x):
    def _loop_cond_1(x):
        return x > 1.0
    def _loop_body_1(x):
        x = x / 2.0
        return (x,)
    (x,) = rt.while_loop(_loop_body_1, _loop_cond_1, (x,))
    return x


def show():
    return to_source(f), af.testing

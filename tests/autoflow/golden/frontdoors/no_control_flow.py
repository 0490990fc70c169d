import autoflow


@autoflow.jit
def scale(x):
    return 2.0 * x
# --- expected ---
import runtime as rt


@rt.jit
def scale(x):
    return 2.0 * x

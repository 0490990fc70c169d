def f(x):
    y = x if x > 0 else -x
    z = 1.0 if y > 2 else (2.0 if y > 1 else 3.0)
    return y + z
# --- expected ---
import runtime as rt

def f(x):
    y = rt.ifexp(x > 0, lambda: x, lambda: -x)
    z = rt.ifexp(y > 2, lambda: 1.0, lambda: rt.ifexp(y > 1, lambda: 2.0, lambda: 3.0))
    return y + z

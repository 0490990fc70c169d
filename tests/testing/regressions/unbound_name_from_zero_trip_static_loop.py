"""A name bound only inside a `for i in range(0)` body, read after the loop in a traced `if`.

Eager Python raises UnboundLocalError (the body never runs); so does
autoflow.convert(f). autoflow.jit(f) returns 1.0: the unbound `u` took a value
and `u <= b` came out True. Constructs: for over a static zero-trip range,
name first bound in a loop body, traced if.
"""

SOURCE = """
def f(b):
    for i in range(0):
        u = 1.0
    t = 0.0
    if u <= b:
        t = 1.0
    return t
"""
PARAMS = "b: float"
INPUTS = [(0.5,), (-1.0,)]
READS_MAYBE_UNBOUND = True
XFAIL = None

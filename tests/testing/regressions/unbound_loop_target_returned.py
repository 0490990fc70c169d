"""A for-loop target returned after a loop with a traced trip count that ran zero times.

Eager Python raises UnboundLocalError for m <= 0. Found: autoflow.convert(f)
returns the placeholder object `Undefined('i')` instead of raising, and
autoflow.jit(f) returns 0 (a wrong value) instead of a clear error.
Constructs: for over range(traced), loop target used after the loop.
"""

SOURCE = """
def f(m):
    for i in range(m):
        pass
    return i
"""
PARAMS = "m: int"
INPUTS = [(0,), (-1,)]
WORKING_INPUTS = [(2,)]
READS_MAYBE_UNBOUND = True
XFAIL = None

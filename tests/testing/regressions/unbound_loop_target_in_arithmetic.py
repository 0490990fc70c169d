"""A for-loop target used in arithmetic after a traced-trip loop that ran zero times.

Eager Python raises UnboundLocalError for m <= 0; autoflow.jit(f) returns 0, a
wrong value (the unbound `i` silently became 0). Constructs: for over
range(traced), loop target used after the loop, augmented assignment.
"""

SOURCE = """
def f(m):
    k = 0
    for i in range(m):
        k += 1
    k += i
    return k
"""
PARAMS = "m: int"
INPUTS = [(0,)]
WORKING_INPUTS = [(3,)]
READS_MAYBE_UNBOUND = True
XFAIL = None

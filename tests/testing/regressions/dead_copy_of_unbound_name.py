"""A name that may be unbound is copied into another name that is never used.

Eager Python raises UnboundLocalError at the copy (`k = i` after a loop that ran
zero times; `s = s` after an `if` that did not bind `s`). autoflow binds the
maybe-unbound name to an `rt.Undefined` marker and raises only where the value
is *used* (arithmetic, a test, a return, a call into JAX), so a plain copy into
a name that nothing reads afterwards passes silently: autoflow returns the
function's result where Python raised. Never a wrong value for a program Python
runs, but a missing error.

Found 5 times in 49,792 programs of the thorough profile (21,179 default-size,
28,613 large). Constructs: zero-trip for/while loops or an untaken if, then a
bare-name copy of a name bound only inside them, the copy dead.

Fixed: the first pass (passes/copies.py) finds, with a definite-assignment
analysis of the code as written, copies of local names not bound on every path
to them and reads them through `rt.bound`, which raises for the marker.
"""

SOURCE = """
def f(n):
    for i in range(0):
        s = 0.0
    k = i
    return 0.0
"""
PARAMS = "n: int"
INPUTS = [(0,), (3,)]
READS_MAYBE_UNBOUND = True
XFAIL = None

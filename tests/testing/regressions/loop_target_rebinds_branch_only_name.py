"""A name bound in one arm of a traced `if`, then rebound as the target of a loop that runs.

`for i in range(2)` always binds `i`, so reading `i` after the loop is valid
Python on every path, and eager Python and autoflow.convert(f) return 1.
autoflow.jit(f) raises BranchMismatchError at the `if` ("'i' is assigned in
branch 0 but not in branch 1"): the loop carries the pre-loop `i` in case it
runs zero times, although its trip count is a static 2. Found 23 times in
1,500 random programs (also with `for v in x` over a fixed-length array, with
`enumerate`, and inside an outer loop). Constructs: traced if, name bound in
one branch only, for-loop target read after the loop.
"""

SOURCE = """
def f(b):
    if b > 0.0:
        i = 1
    for i in range(2):
        pass
    return i * 1.0 + b
"""
PARAMS = "b: float"
INPUTS = [(0.5,), (-0.5,)]
READS_MAYBE_UNBOUND = False
XFAIL = None

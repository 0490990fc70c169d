"""A `return` after a `continue` guard in an inner loop, nested in an outer loop.

Eager Python returns True or False. autoflow.jit(f) raised UndefinedValueError
for `_retval_1`: the return stood outside any `if` when the returns pass ran,
so it was assigned without telling the runtime its type, and the `continue`
lowering then moved it under a traced `if`. Introduced and found (once in 428
random programs) in the session that evaluates returns at the return site;
fixed there: every return in a loop goes through rt.returned. Constructs:
nested for loops over ranges, continue under a traced if, return inside a loop.
"""

SOURCE = """
def f(x, m, b):
    k = 5 % 3
    for i in range(len(x)):
        for j in range(k % 4):
            if jnp.abs(b) <= 0.25:
                continue
            return (b >= b) | (b < 0.5 * m)
    return 1.5 <= 0.5 * m
"""
PARAMS = "x: array[3], m: int, b: float"
INPUTS = [([-3.875, -4.0, -0.625], 5, -3.875), ([0.0, 0.0, 0.0], 1, 0.125)]
READS_MAYBE_UNBOUND = False
XFAIL = None

"""A `return` (in a `for`) inside the `else:` clause of a `while` that has a `break` of its own.

Eager Python returns the first item of `y` below `a` when the while ends
without its break, else 0.0. autoflow.jit(f) raised TracerBoolConversionError
at `while a > 1.0` (a raw JAX error): a return in the else clause of a loop
with its own break could not be lowered, so the function's returns stayed
Python. Found once in 2,673 random programs (after loop else clauses were
re-enabled). Constructs: while with a traced condition, break, loop else
clause, for over an array, return inside a loop.

Fixed: the returns pass records the loop's own breaks in `_broke_N` and runs
the else clause after the loop under `if not _broke_N:`.
"""

SOURCE = """
def f(a, y):
    c0 = 0
    while a > 1.0:
        c0 += 1
        if c0 >= 4:
            break
    else:
        for e in y:
            if e < a:
                return e
    return 0.0
"""
PARAMS = "a: float, y: array[2]"
INPUTS = [(0.375, [3.0, 0.25]), (0.375, [3.0, 1.0]), (2.0, [0.0, 0.0])]
READS_MAYBE_UNBOUND = False
XFAIL = None

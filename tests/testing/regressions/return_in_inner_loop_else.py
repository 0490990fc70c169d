"""`return` in the `else:` clause of an inner `for` that itself returns, inside an outer loop.

Eager Python returns the first item of `x`. autoflow.convert(f) and
autoflow.jit(f) returned 1.0 (the value after the outer loop): the inner
loop's `_return_1` flag, set in its body and read after it, was not carried
by the inner loop, because liveness at the loop head only counted the else
clause, which leaves the outer loop (a `break` of the inner loop skips it).
Found once in ~730 random programs (right after loop else clauses were
re-enabled). Constructs: nested for loops, return inside a loop, return in a
loop else clause.

Fixed: a for loop with an else clause lowered for break also carries the
names live after the whole loop.
"""

SOURCE = """
def f(x):
    for v in (0.0,):
        for e in x:
            return e
        else:
            return 0.0
    return 1.0
"""
PARAMS = "x: array[1]"
INPUTS = [([0.5],), ([-1.0],)]
READS_MAYBE_UNBOUND = False
XFAIL = None

"""A `return` nested in two traced `if`s in a `while` whose condition is traced from the start.

Eager Python returns 2.0 (x[1] <= 0.5) or x[0]. autoflow.jit(f) raised
UndefinedValueError for `_retval_1`: the outer traced `if` (`c0 >= 2`) passes
the not-yet-set return slot through unchanged on one side, the inner one
gives it back unbound on the other, and the runtime kept the unset slot, so the
while loop never started it as zeros of the returned type. Introduced (and
found 3 times in 1,592 random programs) when returns in loops started to be
evaluated at the return; fixed in the same session: a compiled loop fills a
return slot whose type was learned during its first trace whatever its body
gives back. Constructs: while with a traced condition, break, traced if/elif
chain, return inside a loop.
"""

SOURCE = """
def f(x):
    c0 = 0
    while 0.5 * c0 < x[0]:
        c0 += 1
        if c0 >= 2:
            break
        if x[1] <= 0.5:
            return 2.0
    return x[0]
"""
PARAMS = "x: array[2]"
INPUTS = [([0.25, 0.25],), ([1.0, 1.0],), ([1.0, 0.25],), ([-1.0, 0.0],)]
READS_MAYBE_UNBOUND = False
XFAIL = None

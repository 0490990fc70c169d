"""`break` in the `else:` clause of an inner `for`, under a traced `if`, inside a `while`.

The `break` leaves the outer `while`. Eager Python and autoflow.convert(f)
return 0.0. autoflow.jit(f) raises TracerBoolConversionError at the `if`
(the if was not converted; a raw JAX error, not a clear one). Without the
traced `if` it works. Constructs: while, traced if, for over an array with an
else clause, break in a loop else clause (belonging to the outer loop).

Fixed: an inner loop with no break of its own always runs its else clause, so lower_block moves the clause (and its break) after the loop.
"""

SOURCE = """
def f(x):
    c0 = 0
    while c0 < 1:
        c0 += 1
        if x[0] > 0.0:
            for e in x:
                pass
            else:
                break
    return 0.0
"""
PARAMS = "x: array[1]"
INPUTS = [([0.0],), ([1.0],)]
READS_MAYBE_UNBOUND = False
XFAIL = None

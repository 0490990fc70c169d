"""`return e` inside `for j, e in enumerate(y)`, itself inside a `while` with a traced bound.

Eager Python and autoflow.convert(f) return 0.0 (m=0) and y[0] (m=2).
autoflow.jit(f) raises UndefinedValueError ("cannot access local variable
'e': it has a value on some paths only"), for every input. Same family as
return_in_loop_reads_branch_local: a return inside a loop that reads a name
first bound inside the loop. Constructs: while with a traced bound, for over
enumerate, nested loops, return inside a loop, loop target read by the return.

Fixed: the returned value is evaluated at the return, into `_retval_N`; loops do not mark a return slot unbound for a zero-trip loop (it is read only under its flag).
"""

SOURCE = """
def f(y, m):
    c1 = 0
    while c1 < m:
        c1 += 1
        for j, e in enumerate(y):
            return e
    return 0.0
"""
PARAMS = "y: array[2], m: int"
INPUTS = [([1.0, 2.0], 0), ([1.0, 2.0], 2)]
READS_MAYBE_UNBOUND = False
XFAIL = None

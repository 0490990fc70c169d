"""A loop target read after a `for i in range(m)` loop that has a `break`, when m <= 0.

Eager Python raises UnboundLocalError and so does autoflow.convert(f)
(UndefinedValueError). autoflow.jit(f) returns 0, a wrong value: the unbound
`i` silently became 0. The same loop without `break` raises correctly (see
unbound_loop_target_returned); with `return 1` in the body instead of `break`
it also returns 0. Constructs: for over range(traced) lowered for break (or
return), loop target used after the loop.
"""

SOURCE = """
def f(m):
    for i in range(m):
        break
    return i
"""
PARAMS = "m: int"
INPUTS = [(0,), (-1,)]
WORKING_INPUTS = [(2,)]
READS_MAYBE_UNBOUND = True
XFAIL = "jit returns 0 where eager raises UnboundLocalError (loop with break over a traced range)"

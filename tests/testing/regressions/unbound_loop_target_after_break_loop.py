"""A loop target read after a `for i in range(m)` loop that has a `break`, when m <= 0.

Eager Python raises UnboundLocalError and so does autoflow.convert(f)
(UndefinedValueError). autoflow.jit(f) returns 0, a wrong value: the unbound
`i` silently became 0. The same loop without `break` raises correctly (see
unbound_loop_target_returned); with `return 1` in the body instead of `break`
it also returns 0. Constructs: for over range(traced) lowered for break (or
return), loop target used after the loop.

Fixed: for_each_until over a traced range marks names bound only in its body unbound (zero trips possible), as rt.for_each does.
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
XFAIL = None

"""`return t` inside a loop, where `t` is bound in the same traced `if` branch just before.

`t` is read only on the path that binds it, so the program is valid Python on
every path; eager Python and autoflow.convert(f) return 0.5. autoflow.jit(f)
raises UndefinedValueError ("cannot access local variable 't': it has a value
on some paths only"). Without `t` (`return 1.0`) or with `break` instead of
`return` it works. Found 7 times in 3,500 random programs. Constructs: for over
range(traced), traced if in a loop, return inside a loop, name bound in one
branch only.

Fixed: the returned value is evaluated at the return, into `_retval_N` (rt.return_slot / rt.returned), not after the loop.
"""

SOURCE = """
def f(m):
    for i in range(m):
        if i > 5:
            t = 1.0
            return t
    return 0.5
"""
PARAMS = "m: int"
INPUTS = [(2,), (1,)]
READS_MAYBE_UNBOUND = False
XFAIL = None

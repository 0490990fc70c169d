"""As return_in_loop_reads_branch_local, in a loop over the static range(3).

Eager Python and autoflow.convert(f) return 0.5 (m=2) and 1.0 (m=1).
autoflow.jit(f) raises BranchMismatchError from the runtime's return guard
("branch 0 (`_Guarded.__call__.<locals>.skip` at runtime/exits.py:67) and
branch 1 (`..run`) return different values"): the structures differ in an
`Undefined('t')` leaf, and the error names runtime internals, not the user's
line. Same with `while c < m:` loops and `elif` arms. Constructs: for over a
static range, traced if, return inside a loop, name bound in one branch only.

Fixed: the returned value is evaluated at the return, into `_retval_N` (rt.return_slot / rt.returned), not after the loop.
"""

SOURCE = """
def f(m):
    for i in range(3):
        if i > m:
            t = 1.0
            return t
    return 0.5
"""
PARAMS = "m: int"
INPUTS = [(2,), (1,)]
READS_MAYBE_UNBOUND = False
XFAIL = None

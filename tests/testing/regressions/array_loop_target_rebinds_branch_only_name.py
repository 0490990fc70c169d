"""As loop_target_rebinds_branch_only_name, with `for v in x` over a length-2 array.

The array's length is static, so the loop runs and binds `v`; eager Python
and autoflow.convert(f) return x[-1]. autoflow.jit(f) raises
BranchMismatchError for 'v' at the traced `if`. Constructs: traced if, name
bound in one branch only, for over an array, loop target read after the loop.
"""

SOURCE = """
def f(x, b):
    if b > 0.0:
        v = 1.0
    for v in x:
        pass
    return v
"""
PARAMS = "x: array[2], b: float"
INPUTS = [([1.0, 2.0], 0.5), ([1.0, 2.0], -0.5)]
READS_MAYBE_UNBOUND = False
XFAIL = None

from mylib import range


def f(n):
    s = 0
    for i in range(n):
        s = s + i
    return s
# --- expected ---
from mylib import range
import runtime as rt


def f(n):
    s = 0
    def _loop_body_1(i, s):
        s = s + i
        return (s,)
    (s,) = rt.for_each(_loop_body_1, range(n), (s,))
    return s

def f(m):
    s = 0.0
    for row in m:
        for v in row:
            s = s + v
    return s
# --- expected ---
import runtime as rt

def f(m):
    s = 0.0
    def _loop_body_1(row, s):
        def _loop_body_2(v, s):
            s = s + v
            return (s,)
        (s,) = rt.for_each(_loop_body_2, row, (s,))
        return (s,)
    (s,) = rt.for_each(_loop_body_1, m, (s,))
    return s

def f(seq):
    s = 0.0
    for x in seq:  # a scan over the leading axis
        s = s * 0.5 + x
    return s
# --- expected ---
import runtime as rt

def f(seq):
    s = 0.0
    def _loop_body_1(x, s):  # a scan over the leading axis
        s = s * 0.5 + x
        return (s,)
    (s,) = rt.for_each(_loop_body_1, seq, (s,))
    return s

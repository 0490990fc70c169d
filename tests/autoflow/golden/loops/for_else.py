def f(xs):
    s = 0
    for x in xs:
        s = s + x
    else:
        s = s * 2
    return s
# --- expected ---
import runtime as rt

def f(xs):
    s = 0
    def _loop_body_1(x, s):
        s = s + x
        return (s,)
    (s,) = rt.for_each(_loop_body_1, xs, (s,))
    s = s * 2
    return s

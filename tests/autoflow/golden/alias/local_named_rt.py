def f(xs):
    rt = 0.0
    for x in xs:
        rt = rt + x
    return rt
# --- expected ---
import runtime as rt_

def f(xs):
    rt = 0.0
    def _loop_body_1(x, rt):
        rt = rt + x
        return (rt,)
    (rt,) = rt_.for_each(_loop_body_1, xs, (rt,))
    return rt

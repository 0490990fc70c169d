def f(x, y):
    # sign of x, then of y
    if x > 0:
        if y > 0:
            r = x + y
        else:
            r = x - y
    else:
        r = -x
    return r
# --- expected ---
import runtime as rt

def f(x, y):
    # sign of x, then of y
    r = rt.Undefined('r')
    def _if_true_1(r):
        def _if_true_2(r):
            r = x + y
            return (r,)
        def _if_false_2(r):
            r = x - y
            return (r,)
        (r,) = rt.ifelse(y > 0, (_if_true_2, _if_false_2), (r,))
        return (r,)
    def _if_false_1(r):
        r = -x
        return (r,)
    (r,) = rt.ifelse(x > 0, (_if_true_1, _if_false_1), (r,))
    return r

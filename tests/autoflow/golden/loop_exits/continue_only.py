def f(xs):
    s = 0.0
    for x in xs:
        if x < 0:
            continue
        s += x
    return s
# --- expected ---
import runtime as rt

def f(xs):
    s = 0.0
    def _loop_body_1(x, s):
        def _if_true_1(s):
            pass
            return (s,)
        def _if_false_1(s):
            s += x
            return (s,)
        (s,) = rt.ifelse(x < 0, (_if_true_1, _if_false_1), (s,))
        return (s,)
    (s,) = rt.for_each(_loop_body_1, xs, (s,))
    return s

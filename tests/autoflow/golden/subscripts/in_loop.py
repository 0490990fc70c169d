def f(x, n):
    for i in range(n):
        if x[i] < 0:
            x[i] = 0.0
    return x
# --- expected ---
import runtime as rt

def f(x, n):
    def _loop_body_1(i, x):
        def _if_true_1(x):
            x = rt.at(x)[i].set(0.0)
            return (x,)
        def _if_false_1(x):
            return (x,)
        (x,) = rt.ifelse(x[i] < 0, (_if_true_1, _if_false_1), (x,))
        return (x,)
    (x,) = rt.for_each(_loop_body_1, rt.range(n), (x,))
    return x

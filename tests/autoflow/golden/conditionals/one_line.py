def f(x):
    y = 1
    if x > 0: y = 2
    else: y = 3
    return y
# --- expected ---
import runtime as rt

def f(x):
    y = 1
    def _if_true_1(y):
        y = 2
        return (y,)
    def _if_false_1(y):
        y = 3
        return (y,)
    (y,) = rt.ifelse(x > 0, (_if_true_1, _if_false_1), (y,))
    return y

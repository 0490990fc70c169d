def f(x):
    if x is None:
        return 0
    y = x
    if x > 0:
        y = x + 1
    return y
# --- expected ---
import runtime as rt

def f(x):
    if x is None:
        return 0
    y = x
    def _if_true_1(y):
        y = x + 1
        return (y,)
    def _if_false_1(y):
        return (y,)
    (y,) = rt.ifelse(x > 0, (_if_true_1, _if_false_1), (y,))
    return y

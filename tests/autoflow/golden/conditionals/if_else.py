def f(x, y):
    if x > 0:  # positive
        y = y * 2
    else:
        y = -y
    return y
# --- expected ---
import runtime as rt

def f(x, y):
    def _if_true_1(y):  # positive
        y = y * 2
        return (y,)
    def _if_false_1(y):
        y = -y
        return (y,)
    (y,) = rt.ifelse(x > 0, (_if_true_1, _if_false_1), (y,))
    return y

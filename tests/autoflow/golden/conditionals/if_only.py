def f(x):
    y = 0.0
    if x > 0:
        y = x * 2
        z = y + 1  # local to the branch: not carried
    return y
# --- expected ---
import runtime as rt

def f(x):
    y = 0.0
    def _if_true_1(y):
        y = x * 2
        z = y + 1  # local to the branch: not carried
        return (y,)
    def _if_false_1(y):
        return (y,)
    (y,) = rt.ifelse(x > 0, (_if_true_1, _if_false_1), (y,))
    return y

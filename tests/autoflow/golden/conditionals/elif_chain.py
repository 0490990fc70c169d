def classify(a):
    if a > 10:
        y = 4
    elif a > 5:
        y = 3
    elif a > 0:
        y = 2
    else:
        y = 1
    return y
# --- expected ---
import runtime as rt

def classify(a):
    y = rt.Undefined('y')
    def _if_true_1(y):
        y = 4
        return (y,)
    def _elif_1_1(y):
        y = 3
        return (y,)
    def _elif_1_2(y):
        y = 2
        return (y,)
    def _if_false_1(y):
        y = 1
        return (y,)
    (y,) = rt.ifelse([a > 10, a > 5, a > 0], (_if_true_1, _elif_1_1, _elif_1_2, _if_false_1), (y,))
    return y

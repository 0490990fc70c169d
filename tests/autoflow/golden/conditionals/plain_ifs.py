def f(a):
    y = 0
    if a > 10:
        y = y + 1
    if a > 5:
        y = y + 1
    if a > 0:
        y = y + 1
    if a > -5:
        y = y + 1
    return y
# --- expected ---
import runtime as rt

def f(a):
    y = 0
    def _if_true_1(y):
        y = y + 1
        return (y,)
    def _if_false_1(y):
        return (y,)
    (y,) = rt.ifelse(a > 10, (_if_true_1, _if_false_1), (y,))
    def _if_true_2(y):
        y = y + 1
        return (y,)
    def _if_false_2(y):
        return (y,)
    (y,) = rt.ifelse(a > 5, (_if_true_2, _if_false_2), (y,))
    def _if_true_3(y):
        y = y + 1
        return (y,)
    def _if_false_3(y):
        return (y,)
    (y,) = rt.ifelse(a > 0, (_if_true_3, _if_false_3), (y,))
    def _if_true_4(y):
        y = y + 1
        return (y,)
    def _if_false_4(y):
        return (y,)
    (y,) = rt.ifelse(a > -5, (_if_true_4, _if_false_4), (y,))
    return y

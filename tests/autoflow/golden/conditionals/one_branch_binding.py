def f(x):
    if x > 0:
        acc = x
    return acc
# --- expected ---
import runtime as rt

def f(x):
    acc = rt.Undefined('acc')
    def _if_true_1(acc):
        acc = x
        return (acc,)
    def _if_false_1(acc):
        return (acc,)
    (acc,) = rt.ifelse(x > 0, (_if_true_1, _if_false_1), (acc,))
    return acc

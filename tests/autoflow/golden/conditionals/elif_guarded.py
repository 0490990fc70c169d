def f(x, scale):
    if x is None:
        y = 0.0
    elif x.shape[0] > 1:  # only evaluated when x is not None
        y = x.sum() * scale
    else:
        y = x[0]
    return y
# --- expected ---
import runtime as rt

def f(x, scale):
    y = rt.Undefined('y')
    def _if_true_1(y):
        y = 0.0
        return (y,)
    def _if_false_1(y):
        def _if_true_2(y):  # only evaluated when x is not None
            y = x.sum() * scale
            return (y,)
        def _if_false_2(y):
            y = x[0]
            return (y,)
        (y,) = rt.ifelse(x.shape[0] > 1, (_if_true_2, _if_false_2), (y,))
        return (y,)
    (y,) = rt.ifelse(x is None, (_if_true_1, _if_false_1), (y,))
    return y

def f(x, w, b):
    out = x
    if x.sum() > 0:
        out = x * w + b
    return out
# --- expected ---
import runtime as rt

def f(x, w, b):
    out = x
    def _if_true_1(out):
        out = x * w + b
        return (out,)
    def _if_false_1(out):
        return (out,)
    (out,) = rt.ifelse(x.sum() > 0, (_if_true_1, _if_false_1), (out,))
    return out

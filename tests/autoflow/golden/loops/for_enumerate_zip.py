def f(xs, ys):
    s = 0.0
    for i, x in enumerate(xs):
        s = s + i * x
    for x, y in zip(xs, ys):
        s = s + x * y
    return s
# --- expected ---
import runtime as rt

def f(xs, ys):
    s = 0.0
    def _loop_body_1(_item_1, s):
        i, x = _item_1
        s = s + i * x
        return (s,)
    (s,) = rt.for_each(_loop_body_1, rt.enumerate(xs), (s,))
    def _loop_body_2(_item_2, s):
        x, y = _item_2
        s = s + x * y
        return (s,)
    (s,) = rt.for_each(_loop_body_2, rt.zip(xs, ys), (s,))
    return s

def f(xs):
    x = -1.0
    for x in xs:
        pass
    return x
# --- expected ---
import runtime as rt

def f(xs):
    x = -1.0
    def _loop_body_1(_item_1, x):
        x = _item_1
        pass
        return (x,)
    (x,) = rt.for_each(_loop_body_1, xs, (x,))
    return x

def last_index(n, xs):
    total = 0.0
    for i in range(n):
        total = total + xs[i]
    last = i  # Python raises UnboundLocalError here when n <= 0
    return total, last


def maybe_copy(x):
    if x > 0:
        y = x
    z = y  # Python raises here when x <= 0, even if z is never read
    w = x  # a parameter: always bound, no guard
    return w
# --- expected ---
import runtime as rt

def last_index(n, xs):
    total = 0.0
    i = rt.Undefined('i')
    def _loop_body_1(_item_1, i, total):
        i = _item_1
        total = total + xs[i]
        return (i, total)
    (i, total) = rt.for_each(_loop_body_1, rt.range(n), (i, total))
    last = rt.bound(i)  # Python raises UnboundLocalError here when n <= 0
    return total, last


def maybe_copy(x):
    y = rt.Undefined('y')
    def _if_true_1(y):
        y = x
        return (y,)
    def _if_false_1(y):
        return (y,)
    (y,) = rt.ifelse(x > 0, (_if_true_1, _if_false_1), (y,))
    z = rt.bound(y)  # Python raises here when x <= 0, even if z is never read
    w = x  # a parameter: always bound, no guard
    return w

def f(xs):
    total = 0.0
    for x in xs:
        last = x * 2
        total = total + last
    return total, last
# --- expected ---
import runtime as rt

def f(xs):
    total = 0.0
    last = rt.Undefined('last')
    def _loop_body_1(x, last, total):
        last = x * 2
        total = total + last
        return (last, total)
    (last, total) = rt.for_each(_loop_body_1, xs, (last, total))
    return total, last

def f(x, n):
    acc = 0.0
    for i in range(n):
        acc = acc + x[i] * i
    return acc
# --- expected ---
import runtime as rt

def f(x, n):
    acc = 0.0
    def _loop_body_1(i, acc):
        acc = acc + x[i] * i
        return (acc,)
    (acc,) = rt.for_each(_loop_body_1, rt.range(n), (acc,))
    return acc

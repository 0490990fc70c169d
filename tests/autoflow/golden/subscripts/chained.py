def f(hist, x, n):
    hist[0][1] = x
    for i in range(n):
        hist[i][2] += x * i  # one row at a time
    return hist
# --- expected ---
import runtime as rt

def f(hist, x, n):
    hist = rt.at(hist)[0][1].set(x)
    def _loop_body_1(i, hist):
        hist = rt.at(hist)[i][2].op("+=", x * i)  # one row at a time
        return (hist,)
    (hist,) = rt.for_each(_loop_body_1, rt.range(n), (hist,))
    return hist

def f(x, i, v):
    x[i] = v
    x[1:3] *= 2.0
    x[0, ...] += 1.0
    return x
# --- expected ---
import runtime as rt

def f(x, i, v):
    x = rt.at(x)[i].set(v)
    x = rt.at(x)[1:3].op("*=", 2.0)
    x = rt.at(x)[0, ...].op("+=", 1.0)
    return x

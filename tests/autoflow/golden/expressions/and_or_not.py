def f(x, y):
    a = x > 0 and y > 0
    b = x > 0 or y
    c = not x > y
    d = x is None or x > 0
    return a, b, c, d
# --- expected ---
import runtime as rt

def f(x, y):
    a = rt.and_(x > 0, lambda: y > 0)
    b = rt.or_(x > 0, lambda: y)
    c = rt.not_(x > y)
    d = x is None or x > 0
    return a, b, c, d

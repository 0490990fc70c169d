def f(lo, x, hi):
    inside = lo < x <= hi
    sure = lo < abs(x) < hi
    return inside, sure
# --- expected ---
import runtime as rt

def f(lo, x, hi):
    inside = rt.and_(lo < x, lambda: x <= hi)
    sure = rt.and_(lo < (_cmp_1 := abs(x)), lambda: _cmp_1 < hi)
    return inside, sure

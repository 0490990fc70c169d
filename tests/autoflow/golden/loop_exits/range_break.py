def f(n):
    s = 0
    for i in range(n):
        if i * i > 50:
            break
        s += i
    return s
# --- expected ---
import runtime as rt

def f(n):
    s = 0
    _break_1 = False
    def _for_body_1(i, _break_1, s):
        def _if_true_1(_break_1, s):
            _break_1 = True
            return (_break_1, s)
        def _if_false_1(_break_1, s):
            s += i
            return (_break_1, s)
        (_break_1, s) = rt.ifelse(i * i > 50, (_if_true_1, _if_false_1), (_break_1, s))
        return (_break_1, s)
    (_break_1, s) = rt.for_each_until(_for_body_1, rt.range(n), (_break_1, s))
    return s

def f(xs, n):
    i = 0
    s = 0.0
    while i < n:
        s += xs[i]
        if s > 10:
            break
        i += 1
    return s, i
# --- expected ---
import runtime as rt

def f(xs, n):
    i = 0
    s = 0.0
    _break_1 = False
    def _loop_cond_1(s, _break_1, i):
        return rt.and_(rt.not_(_break_1), lambda: i < n)
    def _loop_body_1(s, _break_1, i):
        s += xs[i]
        def _if_true_1(_break_1, i):
            _break_1 = True
            return (_break_1, i)
        def _if_false_1(_break_1, i):
            i += 1
            return (_break_1, i)
        (_break_1, i) = rt.ifelse(s > 10, (_if_true_1, _if_false_1), (_break_1, i))
        return (s, _break_1, i)
    (s, _break_1, i) = rt.while_loop(_loop_body_1, _loop_cond_1, (s, _break_1, i))
    return s, i

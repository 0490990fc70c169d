def f(xs):
    s = 0.0
    for x in xs:
        if x < 0:
            continue
        if x > 10:
            break
        s += x
    else:
        s = -s
    return s
# --- expected ---
import runtime as rt

def f(xs):
    s = 0.0
    _break_1 = False
    def _for_body_1(x, _break_1, s):
        def _if_true_1(_break_1, s):
            pass
            return (_break_1, s)
        def _if_false_1(_break_1, s):
            def _if_true_2(_break_1, s):
                _break_1 = True
                return (_break_1, s)
            def _if_false_2(_break_1, s):
                s += x
                return (_break_1, s)
            (_break_1, s) = rt.ifelse(x > 10, (_if_true_2, _if_false_2), (_break_1, s))
            return (_break_1, s)
        (_break_1, s) = rt.ifelse(x < 0, (_if_true_1, _if_false_1), (_break_1, s))
        return (_break_1, s)
    (_break_1, s) = rt.for_each_until(_for_body_1, xs, (_break_1, s))
    def _if_true_3(s):
        s = -s
        return (s,)
    def _if_false_3(s):
        return (s,)
    (s,) = rt.ifelse(rt.not_(_break_1), (_if_true_3, _if_false_3), (s,))
    return s

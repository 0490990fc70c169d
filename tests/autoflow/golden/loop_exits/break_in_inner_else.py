def f(x):
    c = 0
    while c < 3:
        c += 1
        if x[0] > 0.0:
            for e in x:
                pass
            else:
                break
    return c
# --- expected ---
import runtime as rt

def f(x):
    c = 0
    _break_1 = False
    def _loop_cond_1(c, _break_1):
        return rt.and_(rt.not_(_break_1), lambda: c < 3)
    def _loop_body_1(c, _break_1):
        c += 1
        def _if_true_1(_break_1):
            def _loop_body_2(e):
                pass
                return ()
            rt.for_each(_loop_body_2, x, ())
            _break_1 = True
            return (_break_1,)
        def _if_false_1(_break_1):
            return (_break_1,)
        (_break_1,) = rt.ifelse(x[0] > 0.0, (_if_true_1, _if_false_1), (_break_1,))
        return (c, _break_1)
    (c, _break_1) = rt.while_loop(_loop_body_1, _loop_cond_1, (c, _break_1))
    return c

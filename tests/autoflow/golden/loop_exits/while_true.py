def f(x):
    n = 0
    while True:
        x = x * 0.5
        n += 1
        if x < 1:
            break
    return n
# --- expected ---
import runtime as rt

def f(x):
    n = 0
    _break_1 = False
    def _loop_cond_1(x, n, _break_1):
        return rt.not_(_break_1)
    def _loop_body_1(x, n, _break_1):
        x = x * 0.5
        n += 1
        def _if_true_1(_break_1):
            _break_1 = True
            return (_break_1,)
        def _if_false_1(_break_1):
            return (_break_1,)
        (_break_1,) = rt.ifelse(x < 1, (_if_true_1, _if_false_1), (_break_1,))
        return (x, n, _break_1)
    (x, n, _break_1) = rt.while_loop(_loop_body_1, _loop_cond_1, (x, n, _break_1))
    return n

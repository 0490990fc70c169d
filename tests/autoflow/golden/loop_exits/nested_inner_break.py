def f(m):
    total = 0.0
    for row in m:
        for v in row:
            if v < 0:
                break
            total += v
    return total
# --- expected ---
import runtime as rt

def f(m):
    total = 0.0
    def _loop_body_1(row, total):
        _break_1 = False
        def _for_body_1(v, _break_1, total):
            def _if_true_1(_break_1, total):
                _break_1 = True
                return (_break_1, total)
            def _if_false_1(_break_1, total):
                total += v
                return (_break_1, total)
            (_break_1, total) = rt.ifelse(v < 0, (_if_true_1, _if_false_1), (_break_1, total))
            return (_break_1, total)
        (_break_1, total) = rt.for_each_until(_for_body_1, row, (_break_1, total))
        return (total,)
    (total,) = rt.for_each(_loop_body_1, m, (total,))
    return total

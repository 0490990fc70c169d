def total(seq, n):
    s = 0.0
    i = 0
    while i < n:  # traced bound
        if seq[i] > 0:
            s += seq[i]
        i += 1
    return s
# --- expected ---
import runtime as rt

def total(seq, n):
    s = 0.0
    i = 0
    def _loop_cond_1(s, i):  # traced bound
        return i < n
    def _loop_body_1(s, i):
        def _if_true_1(s):
            s += seq[i]
            return (s,)
        def _if_false_1(s):
            return (s,)
        (s,) = rt.ifelse(seq[i] > 0, (_if_true_1, _if_false_1), (s,))
        i += 1
        return (s, i)
    (s, i) = rt.while_loop(_loop_body_1, _loop_cond_1, (s, i))
    return s

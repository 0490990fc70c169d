import foo as rt

rt_ = 1


def f(x):
    while x < rt.limit:
        x = x + rt_
    if x:
        q = rt
    return q
# --- expected ---
import foo as rt
import runtime as rt__

rt_ = 1


def f(x):
    def _loop_cond_1(x):
        return x < rt.limit
    def _loop_body_1(x):
        x = x + rt_
        return (x,)
    (x,) = rt__.while_loop(_loop_body_1, _loop_cond_1, (x,))
    q = rt__.Undefined('q')
    def _if_true_1(q):
        q = rt
        return (q,)
    def _if_false_1(q):
        return (q,)
    (q,) = rt__.ifelse(x, (_if_true_1, _if_false_1), (q,))
    return q

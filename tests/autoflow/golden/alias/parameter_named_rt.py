import runtime as rt


def step(x, rt):
    # `rt` here is the caller's object, not the runtime
    s = 0.0
    for i in range(x):
        s = s + rt.count
        if s > 1:
            rt.count += 1
    return s


def clip(x):
    return rt.where(x > 0, x, 0.0) if x > 1 else x
# --- expected ---
import runtime as rt
import runtime as rt_


def step(x, rt):
    # `rt` here is the caller's object, not the runtime
    s = 0.0
    rt_count = getattr(rt, 'count', rt_.Undefined('rt.count'))
    def _loop_body_1(i, s, rt_count):
        s = s + rt_count
        def _if_true_1(rt_count):
            rt_count += 1
            return (rt_count,)
        def _if_false_1(rt_count):
            return (rt_count,)
        (rt_count,) = rt_.ifelse(s > 1, (_if_true_1, _if_false_1), (rt_count,))
        return (s, rt_count)
    (s, rt_count) = rt_.for_each(_loop_body_1, rt_.range(x), (s, rt_count))
    rt_.store_attr(rt, 'count', rt_count)
    return s


def clip(x):
    return rt_.ifexp(x > 1, lambda: rt.where(x > 0, x, 0.0), lambda: x)

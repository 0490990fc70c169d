def f(x):
    if x > 0:
        return x
    y = x * 2
    return y
# --- expected ---
import runtime as rt

def f(x):
    _retval = rt.Undefined('_retval')
    def _if_true_1(_retval):
        _retval = x
        return (_retval,)
    def _if_false_1(_retval):
        y = x * 2
        _retval = y
        return (_retval,)
    (_retval,) = rt.ifelse(x > 0, (_if_true_1, _if_false_1), (_retval,))
    return _retval

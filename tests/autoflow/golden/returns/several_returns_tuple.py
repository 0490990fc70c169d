def classify(x, y):
    if x > y:
        return x, 1
    elif x < y:
        return y, -1
    return x, 0
# --- expected ---
import runtime as rt

def classify(x, y):
    _retval = rt.Undefined('_retval')
    def _if_true_1(_retval):
        _retval = x, 1
        return (_retval,)
    def _elif_1_1(_retval):
        _retval = y, -1
        return (_retval,)
    def _if_false_1(_retval):
        _retval = x, 0
        return (_retval,)
    (_retval,) = rt.ifelse([x > y, x < y], (_if_true_1, _elif_1_1, _if_false_1), (_retval,))
    return _retval

def first_positive(xs):
    for x in xs:
        if x > 0:
            return x
    return -1.0
# --- expected ---
import runtime as rt

def first_positive(xs):
    _return_1 = False
    _retval_1 = rt.return_slot('_retval_1')
    _break_1 = False
    def _for_body_1(x, _break_1, _retval_1, _return_1):
        def _if_true_1(_retval_1, _return_1, _break_1):
            _retval_1 = rt.returned(x, _retval_1); _return_1 = True; _break_1 = True
            return (_retval_1, _return_1, _break_1)
        def _if_false_1(_retval_1, _return_1, _break_1):
            return (_retval_1, _return_1, _break_1)
        (_retval_1, _return_1, _break_1) = rt.ifelse(x > 0, (_if_true_1, _if_false_1), (_retval_1, _return_1, _break_1))
        return (_break_1, _retval_1, _return_1)
    (_break_1, _retval_1, _return_1) = rt.for_each_until(_for_body_1, xs, (_break_1, _retval_1, _return_1))
    _retval = rt.Undefined('_retval')
    def _if_true_2(_retval):
        _retval = _retval_1
        return (_retval,)
    def _if_false_2(_retval):
        _retval = -1.0
        return (_retval,)
    (_retval,) = rt.ifelse(_return_1, (_if_true_2, _if_false_2), (_retval,))
    return _retval

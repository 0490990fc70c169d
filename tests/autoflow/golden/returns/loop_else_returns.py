def f(x):
    s = 0.0
    for e in x:
        s += e
        if s > 1.0:
            return s
    else:
        for e in x:
            if e < 0.0:
                return e * 2.0
        return -s
# --- expected ---
import runtime as rt

def f(x):
    s = 0.0
    _return_1 = False
    _retval_1 = rt.return_slot('_retval_1')
    _break_1 = False
    def _for_body_1(e, _break_1, s, _retval_1, _return_1):
        s += e
        def _if_true_1(_retval_1, _return_1, _break_1):
            _retval_1 = rt.returned(s, _retval_1); _return_1 = True; _break_1 = True
            return (_retval_1, _return_1, _break_1)
        def _if_false_1(_retval_1, _return_1, _break_1):
            return (_retval_1, _return_1, _break_1)
        (_retval_1, _return_1, _break_1) = rt.ifelse(s > 1.0, (_if_true_1, _if_false_1), (_retval_1, _return_1, _break_1))
        return (_break_1, s, _retval_1, _return_1)
    (_break_1, s, _retval_1, _return_1) = rt.for_each_until(_for_body_1, x, (_break_1, s, _retval_1, _return_1))
    _retval = rt.Undefined('_retval')
    def _if_true_2(_retval):
        _retval = _retval_1
        return (_retval,)
    def _if_false_2(_retval):
        _return_2 = False
        _retval_2 = rt.return_slot('_retval_2')
        _break_2 = False
        def _for_body_2(e, _break_2, _retval_2, _return_2):
            def _if_true_3(_retval_2, _return_2, _break_2):
                _retval_2 = rt.returned(e * 2.0, _retval_2); _return_2 = True; _break_2 = True
                return (_retval_2, _return_2, _break_2)
            def _if_false_3(_retval_2, _return_2, _break_2):
                return (_retval_2, _return_2, _break_2)
            (_retval_2, _return_2, _break_2) = rt.ifelse(e < 0.0, (_if_true_3, _if_false_3), (_retval_2, _return_2, _break_2))
            return (_break_2, _retval_2, _return_2)
        (_break_2, _retval_2, _return_2) = rt.for_each_until(_for_body_2, x, (_break_2, _retval_2, _return_2))
        def _if_true_4(_retval):
            _retval = _retval_2
            return (_retval,)
        def _if_false_4(_retval):
            _retval = -s
            return (_retval,)
        (_retval,) = rt.ifelse(_return_2, (_if_true_4, _if_false_4), (_retval,))
        return (_retval,)
    (_retval,) = rt.ifelse(_return_1, (_if_true_2, _if_false_2), (_retval,))
    return _retval

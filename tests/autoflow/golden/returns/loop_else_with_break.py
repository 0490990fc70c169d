def f(xs, m):
    s = 0.0
    for x in xs:
        if x > 2.0:
            break
        s += x
        if s > m:
            return s * 10.0
    else:
        for x in xs:
            if x < 0.0:
                return x
        s = -s
    return s
# --- expected ---
import runtime as rt

def f(xs, m):
    s = 0.0
    _return_1 = False
    _retval_1 = rt.return_slot('_retval_1')
    _broke_1 = False
    _break_1 = False
    def _for_body_1(x, _break_1, _broke_1, s, _retval_1, _return_1):
        def _if_true_1(_broke_1, _break_1, s, _retval_1, _return_1):
            _broke_1 = True; _break_1 = True
            return (_broke_1, _break_1, s, _retval_1, _return_1)
        def _if_false_1(_broke_1, _break_1, s, _retval_1, _return_1):
            s += x
            def _if_true_2(_retval_1, _return_1, _break_1):
                _retval_1 = rt.returned(s * 10.0, _retval_1); _return_1 = True; _break_1 = True
                return (_retval_1, _return_1, _break_1)
            def _if_false_2(_retval_1, _return_1, _break_1):
                return (_retval_1, _return_1, _break_1)
            (_retval_1, _return_1, _break_1) = rt.ifelse(s > m, (_if_true_2, _if_false_2), (_retval_1, _return_1, _break_1))
            return (_broke_1, _break_1, s, _retval_1, _return_1)
        (_broke_1, _break_1, s, _retval_1, _return_1) = rt.ifelse(x > 2.0, (_if_true_1, _if_false_1), (_broke_1, _break_1, s, _retval_1, _return_1))
        return (_break_1, _broke_1, s, _retval_1, _return_1)
    (_break_1, _broke_1, s, _retval_1, _return_1) = rt.for_each_until(_for_body_1, xs, (_break_1, _broke_1, s, _retval_1, _return_1))
    _retval = rt.Undefined('_retval')
    def _if_true_3(_retval, s):
        _retval = _retval_1
        return (_retval, s)
    def _if_false_3(_retval, s):
        def _if_true_4(_retval, s):
            _return_2 = False
            _retval_2 = rt.return_slot('_retval_2')
            _break_2 = False
            def _for_body_2(x, _break_2, _retval_2, _return_2):
                def _if_true_5(_retval_2, _return_2, _break_2):
                    _retval_2 = rt.returned(x, _retval_2); _return_2 = True; _break_2 = True
                    return (_retval_2, _return_2, _break_2)
                def _if_false_5(_retval_2, _return_2, _break_2):
                    return (_retval_2, _return_2, _break_2)
                (_retval_2, _return_2, _break_2) = rt.ifelse(x < 0.0, (_if_true_5, _if_false_5), (_retval_2, _return_2, _break_2))
                return (_break_2, _retval_2, _return_2)
            (_break_2, _retval_2, _return_2) = rt.for_each_until(_for_body_2, xs, (_break_2, _retval_2, _return_2))
            def _if_true_6(_retval, s):
                _retval = _retval_2
                return (_retval, s)
            def _if_false_6(_retval, s):
                s = -s
                _retval = s
                return (_retval, s)
            (_retval, s) = rt.ifelse(_return_2, (_if_true_6, _if_false_6), (_retval, s))
            return (_retval, s)
        def _if_false_4(_retval, s):
            _retval = s
            return (_retval, s)
        (_retval, s) = rt.ifelse(rt.not_(_broke_1), (_if_true_4, _if_false_4), (_retval, s))
        return (_retval, s)
    (_retval, s) = rt.ifelse(_return_1, (_if_true_3, _if_false_3), (_retval, s))
    return _retval

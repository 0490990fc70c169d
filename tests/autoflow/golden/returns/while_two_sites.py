def search(xs, n):
    i = 0
    while i < n:
        if xs[i] < 0:
            return i, -1
        if xs[i] > 10:
            return i, 1
        i += 1
    return n, 0
# --- expected ---
import runtime as rt

def search(xs, n):
    i = 0
    _return_1 = False
    _retval_1 = rt.return_slot('_retval_1')
    _break_1 = False
    def _loop_cond_1(_retval_1, _return_1, _break_1, i):
        return rt.and_(rt.not_(_break_1), lambda: i < n)
    def _loop_body_1(_retval_1, _return_1, _break_1, i):
        def _if_true_1(_retval_1, _return_1, _break_1, i):
            _retval_1 = rt.returned((i, -1), _retval_1); _return_1 = True; _break_1 = True
            return (_retval_1, _return_1, _break_1, i)
        def _if_false_1(_retval_1, _return_1, _break_1, i):
            def _if_true_2(_retval_1, _return_1, _break_1, i):
                _retval_1 = rt.returned((i, 1), _retval_1); _return_1 = True; _break_1 = True
                return (_retval_1, _return_1, _break_1, i)
            def _if_false_2(_retval_1, _return_1, _break_1, i):
                i += 1
                return (_retval_1, _return_1, _break_1, i)
            (_retval_1, _return_1, _break_1, i) = rt.ifelse(xs[i] > 10, (_if_true_2, _if_false_2), (_retval_1, _return_1, _break_1, i))
            return (_retval_1, _return_1, _break_1, i)
        (_retval_1, _return_1, _break_1, i) = rt.ifelse(xs[i] < 0, (_if_true_1, _if_false_1), (_retval_1, _return_1, _break_1, i))
        return (_retval_1, _return_1, _break_1, i)
    (_retval_1, _return_1, _break_1, i) = rt.while_loop(_loop_body_1, _loop_cond_1, (_retval_1, _return_1, _break_1, i))
    _retval = rt.Undefined('_retval')
    def _if_true_3(_retval):
        _retval = _retval_1
        return (_retval,)
    def _if_false_3(_retval):
        _retval = n, 0
        return (_retval,)
    (_retval,) = rt.ifelse(_return_1, (_if_true_3, _if_false_3), (_retval,))
    return _retval

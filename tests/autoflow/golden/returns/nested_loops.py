def find(m, target):
    for row in m:
        for v in row:
            if v == target:
                return v
    return 0.0
# --- expected ---
import runtime as rt

def find(m, target):
    _return_2 = False
    _retval_2 = rt.return_slot('_retval_2')
    _break_1 = False
    def _for_body_1(row, _break_1, _retval_2, _return_2):
        _return_1 = False
        _retval_1 = rt.return_slot('_retval_1')
        _break_2 = False
        def _for_body_2(v, _break_2, _retval_1, _return_1):
            def _if_true_1(_retval_1, _return_1, _break_2):
                _retval_1 = rt.returned(v, _retval_1); _return_1 = True; _break_2 = True
                return (_retval_1, _return_1, _break_2)
            def _if_false_1(_retval_1, _return_1, _break_2):
                return (_retval_1, _return_1, _break_2)
            (_retval_1, _return_1, _break_2) = rt.ifelse(v == target, (_if_true_1, _if_false_1), (_retval_1, _return_1, _break_2))
            return (_break_2, _retval_1, _return_1)
        (_break_2, _retval_1, _return_1) = rt.for_each_until(_for_body_2, row, (_break_2, _retval_1, _return_1))
        def _if_true_2(_retval_2, _return_2, _break_1):
            _retval_2 = rt.returned(_retval_1, _retval_2); _return_2 = True; _break_1 = True
            return (_retval_2, _return_2, _break_1)
        def _if_false_2(_retval_2, _return_2, _break_1):
            return (_retval_2, _return_2, _break_1)
        (_retval_2, _return_2, _break_1) = rt.ifelse(_return_1, (_if_true_2, _if_false_2), (_retval_2, _return_2, _break_1))
        return (_break_1, _retval_2, _return_2)
    (_break_1, _retval_2, _return_2) = rt.for_each_until(_for_body_1, m, (_break_1, _retval_2, _return_2))
    _retval = rt.Undefined('_retval')
    def _if_true_3(_retval):
        _retval = _retval_2
        return (_retval,)
    def _if_false_3(_retval):
        _retval = 0.0
        return (_retval,)
    (_retval,) = rt.ifelse(_return_2, (_if_true_3, _if_false_3), (_retval,))
    return _retval

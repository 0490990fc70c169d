class Counter:
    def step(self, x):
        if x > 0:
            self.count = self.count + 1
            self.log["last"] = x
        return x
# --- expected ---
import runtime as rt

class Counter:
    def step(self, x):
        self_count = getattr(self, 'count', rt.Undefined('self.count'))
        self_log = getattr(self, 'log', rt.Undefined('self.log'))
        def _if_true_1(self_count, self_log):
            self_count = self_count + 1
            self_log["last"] = x
            return (self_count, self_log)
        def _if_false_1(self_count, self_log):
            return (self_count, self_log)
        (self_count, self_log) = rt.ifelse(x > 0, (_if_true_1, _if_false_1), (self_count, self_log))
        rt.store_attr(self, 'count', self_count)
        rt.store_attr(self, 'log', self_log)
        return x

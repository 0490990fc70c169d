import runtime as rt


class LoopSimple(rt.Module):
    def __call__(self):
        for s in self.seq:
            self.res += s
        return self.res
# --- expected ---
import runtime as rt


class LoopSimple(rt.Module):
    def __call__(self):
        self_res = getattr(self, 'res', rt.Undefined('self.res'))
        def _loop_body_1(s, self_res):
            self_res += s
            return (self_res,)
        (self_res,) = rt.for_each(_loop_body_1, self.seq, (self_res,))
        rt.store_attr(self, 'res', self_res)
        return self.res

import runtime as rt


class OddEven(rt.Module):
    def __call__(self):
        if self.rand < 0.5:  # plain jax.jit: TracerBoolConversionError
            self.a += 1
        else:
            self.a -= 1
        return self.a
# --- expected ---
import runtime as rt


class OddEven(rt.Module):
    def __call__(self):
        self_a = getattr(self, 'a', rt.Undefined('self.a'))
        def _if_true_1(self_a):  # plain jax.jit: TracerBoolConversionError
            self_a += 1
            return (self_a,)
        def _if_false_1(self_a):
            self_a -= 1
            return (self_a,)
        (self_a,) = rt.ifelse(self.rand < 0.5, (_if_true_1, _if_false_1), (self_a,))
        rt.store_attr(self, 'a', self_a)
        return self.a

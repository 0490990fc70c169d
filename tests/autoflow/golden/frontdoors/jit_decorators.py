import autoflow
import jax.numpy as jnp


@autoflow.jit
def double_positive(x):
    if x > 0:
        x = x * 2.0
    return x


@autoflow.jit(static_argnums=1)
def shifted(x, n):
    for i in range(n):
        x = x + i
    return x


class Net:
    @autoflow.jit
    def __call__(self, x):
        return jnp.tanh(x)


compiled = autoflow.jit(double_positive, static_argnames=())
converted = autoflow.convert(shifted)
# --- expected ---
import jax.numpy as jnp
import runtime as rt


@rt.jit
def double_positive(x):
    def _if_true_1(x):
        x = x * 2.0
        return (x,)
    def _if_false_1(x):
        return (x,)
    (x,) = rt.ifelse(x > 0, (_if_true_1, _if_false_1), (x,))
    return x


@rt.jit(static_argnums=1)
def shifted(x, n):
    def _loop_body_1(i, x):
        x = x + i
        return (x,)
    (x,) = rt.for_each(_loop_body_1, rt.range(n), (x,))
    return x


class Net:
    @rt.jit
    def __call__(self, x):
        return jnp.tanh(x)


compiled = rt.jit(double_positive, static_argnames=())
converted = shifted

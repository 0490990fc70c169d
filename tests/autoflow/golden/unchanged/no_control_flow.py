import jax.numpy as jnp   # odd   spacing stays


def f(x,y ):   # comment
    z = x+y   ;  w = z*2
    return jnp.sum( w )  # done


class A:
    def g(self):
        return [i for i in range(3) if i]
# --- expected ---

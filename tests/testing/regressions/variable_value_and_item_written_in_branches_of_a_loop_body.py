"""``self.v.value = ...`` in one branch and ``self.v[i] = ...`` in the other, inside a loop: writes lost.

On ``m = 3`` eager Python returns ``[4., 4., 4.]``; autoflow.convert(net) and
autoflow.jit(net) return ``[1., 1., 1.]`` (on ``m = 0``: ``[1., 0.25, 0.25]``
against ``[0.25, 0.25, 0.25]``).

Cause (autoflow/passes/__init__.py, ``Pass.carry``): the loop carries
``self.v`` as the local ``self_v``, so in the loop body the ``if`` writes the
name ``self_v`` (the item write) and the path ``self_v.value``. The fix of
variable_value_and_item_written_in_one_block.py skips a path only when a
written *dotted path* is its prefix (``paths = {n for n in written if "." in
n}``), not a written plain name, so ``self_v.value`` is still carried on its
own as ``self_v_value``: loaded before the ``if``, untouched by the item
write, and stored back after it over the item write. Same without a Module:
``v = rt.Variable(...)``, then ``if c: v.value = v.value * 0.5`` / ``else:
v[0] = 4.0`` loses the item write. Skipping a path when any written name or
path is a proper prefix of it would cover both. Found by the random Module
programs (bigger programs), shrunk by hand. Constructs: Variable ``.value``
write and item write in the two branches of an ``if`` in a loop body.

Fixed: a written local name is a prefix too (c36c8d2).
"""

SOURCE = """
class Net(rt.Module):
    def __init__(self):
        self.v = rt.Variable(jnp.ones(3))

    def __call__(self, m):
        for i in range(3):
            if i > m:
                self.v.value = self.v.value * 0.5
            else:
                self.v[i] = 4.0
        return self.v.value
"""
PARAMS = "m: int"
MODULE = True
INPUTS = [(3,), (0,)]
READS_MAYBE_UNBOUND = False
XFAIL = None

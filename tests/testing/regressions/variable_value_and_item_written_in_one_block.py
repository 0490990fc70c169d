"""A block that writes both ``self.v.value = ...`` and ``self.v[i] = ...`` (or ``self.v += ...``) loses the writes.

Eager Python returns ``[5.0, -0.25]`` on ``x = 1.0``; autoflow.convert(net)
and autoflow.jit(net) both return ``[-1.0, -1.0]``, the Variable's value
before the ``if`` (with ``self.v += 1.0`` instead of the item write, the same:
``[0, 0]`` instead of ``[2, 2]``).

Cause (autoflow/passes/__init__.py, ``Pass.carry`` and ``RenameAttributes``):
the ``if`` writes two attribute paths, ``self.v`` (the item write) and
``self.v.value``, and both are carried, as ``self_v`` and ``self_v_value``,
each loaded before the block and stored back after it. ``RenameAttributes``
renames bottom up, so inside the branch ``self.v.value`` becomes
``self_v.value`` (the inner ``self.v`` is renamed first) and ``self_v_value``
is never written; the store-back ``rt.store_attr(self.v, 'value',
self_v_value)`` after the block then puts the stale value loaded before it
back. A written path whose prefix is also written should not be carried on
its own. Found by the random Module programs (``module_programs()``), in a
``for`` loop; shrunk to an ``if``. Constructs: Variable ``.value`` write and
item write (or ``+=``) in one converted block.

Fixed: a written attribute path whose prefix the block also writes is not
carried on its own (9c5dab9).
"""

SOURCE = """
class Net(rt.Module):
    def __init__(self):
        self.v = rt.Variable(jnp.full(2, -1.0))

    def __call__(self, x):
        if x > 0.0:
            self.v.value = self.v.value * 0.25
            self.v[0] = 5.0
        return self.v.value
"""
PARAMS = "x: float"
MODULE = True
INPUTS = [(1.0,)]
WORKING_INPUTS = [(-1.0,)]
READS_MAYBE_UNBOUND = False
XFAIL = None

"""``not x or not y`` converted to ``rt.not_(x, lambda: rt.not_(y))`` (a malformed call).

autoflow.convert(f) raises ``TypeError: not_() takes 1 positional argument but
2 were given`` at ``if not a <= v or not w[n % 1] <= 0.5 * n:``; eager Python
returns a value.

Cause (autoflow/passes/expressions.py): ``ExpressionsPass._chains`` remembers
the ``rt.and_``/``rt.or_`` calls it built by ``id(call)``. ``(x or y) or z``
extends the inner call into a new one, and the inner call object is then
garbage; a later ``rt.not_(...)`` call can be allocated at the same address,
so ``_is_chain(left, "or_")`` takes it for an ``or`` chain and appends the
right operand to it. Keying by id of a node that may die is the bug (keep the
node alive, e.g. store it next to ``fn`` and compare with ``is``). Which
program shows it depends on the allocator: this one is the found program's
loop repeated six times, which failed in every fresh process and pytest run tried (the
single loop fails about two runs in three). Found by the random-program test
(bigger programs: ``max_statements=20``). Constructs: ``(a or b) or c`` then
``not x or not y``, in loops and branches.

Fixed: the chain map keeps the calls it made alive and compares by identity
(b7ddbec).
"""

HEAD = """\
def f(n, a):
    w = jnp.ones(1)
    buf = jnp.zeros(5)
    for i in range(n % 4):
        p = jnp.clip(0.5 * i, -2.0, 2.0) < w[(jnp.sum(w > 0.5 * i) if (w[jnp.sum(w > a) % 1] >= a) & (0 <= n) else i % 3) % 1]
    i = 0
    s = 0.0
    t = 0.0
    e = 0.0
"""
BLOCK = """\
    for v in buf:
        if jnp.abs(2.0) >= w[1 % 1] < -9999.0:
            for j, e in enumerate(w):
                p = (v <= s or t <= v) or (1 < j and v > w[((-1 if 1 > 2 else 1) - (5 + n)) % 1])
                for g in buf:
                    return (jnp.tanh(w), buf)
        elif buf[n % 5] * v <= 1.5:
            for e in buf:
                w[(n - abs(0)) % 1] = w[(2 - 1) % 1]
                if not a <= v or not w[n % 1] <= 0.5 * n:
                    w -= jnp.maximum(a, a)
            if jnp.clip(4, 0, 4) != 3:
                t += jnp.minimum(0.0 - 0.25, jnp.tanh(w[jnp.sum(w < jnp.tanh(2.0)) % 1]))
            elif not 1.0 > w[max(n * n, -1 - i) % 1] and (2 >= 1 and e <= buf[2 % 5]):
                pass
        else:
            pass
"""
SOURCE = HEAD + BLOCK * 6 + "    return (w + t, buf)\n"
PARAMS = "n: int, a: float"
INPUTS = [(6, 2.875)]
READS_MAYBE_UNBOUND = False
XFAIL = None

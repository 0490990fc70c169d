"""`a or s` / `b or t` with a traced left operand and an unbound right one.

Eager Python reads `s` only when `a` is falsy (and raises UnboundLocalError
there). autoflow.jit raised a TypeError about the operand's type ("both
operands must be arrays or numbers, got Undefined") — at trace time, also in a
traced branch that eager Python never takes, where eager Python returns a value.
Now it is the clear UndefinedValueError that any use of a name bound on some
paths only gives (the checker's same-failure rule accepts it for programs that
read maybe-unbound names). `x if c else t` gave a BranchMismatchError the same
way; now also UndefinedValueError.

Found 2 times (one default-size, one large program) in 4,500 programs run after
the copies pass landed. Constructs: a zero-trip loop or a one-sided traced if,
then `or` with a traced left operand reading the maybe-unbound name.

Fixed: rt.or_ / rt.and_ / rt.ifexp raise UndefinedValueError for an unbound
operand on a traced side.
"""

SOURCE = """
def f(a):
    for i in range(0):
        s = a
    s = jnp.abs(a or s)
    return 0.0
"""
PARAMS = "a: float"
INPUTS = [(0.0,), (1.0,)]
READS_MAYBE_UNBOUND = True
XFAIL = None

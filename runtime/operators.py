"""Python operators and builtins that keep Python's semantics and also trace.

The transpiler rewrites ``and`` / ``or`` / ``not``, ``x if c else y``,
``min`` / ``max``, ``print``, ``assert`` and in-place subscript stores into
calls of this module. Each one runs exactly the Python operation when its
deciding value is concrete (a Python value, or an array outside any trace),
and a ``jnp`` / ``lax`` form when it is traced:

=====================  ==========================================  ==============================
generated call         concrete (exact Python)                     traced
=====================  ==========================================  ==============================
``and_(a, lambda: b)``  ``a and b`` (``b`` not evaluated if falsy)  ``where(a, b, a)``
``or_(a, lambda: b)``   ``a or b``                                  ``where(a, a, b)``
``not_(a)``             ``not a``                                   ``logical_not(a)``
``ifexp(c, f, g)``      ``f() if c else g()``                       ``lax.cond`` (``rt.ifelse``)
``min`` / ``max``       the builtins                                ``where`` folds, reductions
``print``               ``builtins.print``                          ``jax.debug.callback``
``assert_``             ``assert``                                  ``jax.debug.callback``
``raise_(e)``           ``raise e``                                 a run-time check (traced branch)
``at(x)[i].set(v)``     ``x[i] = v``                                ``x.at[i].set(v)``
=====================  ==========================================  ==============================
"""

from __future__ import annotations

import builtins
import copy
import logging
import operator
import threading
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from runtime.control import Undefined, _predicate, branch_guard, caller_location, ifelse
from runtime.tracing import is_traced
from runtime.variable import Variable

__all__ = [
    "and_", "assert_", "at", "ifexp", "max", "min", "not_", "or_", "print", "raise_",
    "take_check_failure",
]  # fmt: skip

_DOCS = "See docs/constructs.md"


def _value(x: Any) -> Any:
    return x.value if isinstance(x, Variable) else x


def _traced(x: Any) -> bool:
    return is_traced(_value(x))


def _as_operand(fname: str, x: Any) -> Any:
    x = _value(x)
    if isinstance(x, (jax.Array, np.ndarray, np.generic, bool, int, float, complex)) or is_traced(x):
        return x
    raise TypeError(
        f"{fname}: one operand is traced, so the result is chosen at run time and both "
        f"operands must be arrays or numbers, got {type(x).__name__}: {x!r:.60}. "
        f"Make the deciding operand a Python value, or both operands arrays. {_DOCS}"
    )


# ---------------------------------------------------------------------------
# and / or / not
# ---------------------------------------------------------------------------


def _read(fname: str, value: Any) -> Any:
    """``value``, an operand that ``fname`` (``and``, ``or``, ``if-else``) with a traced
    condition reads on some of its paths.

    If it is an unbound name, Python reads it on paths that are traced: as any
    use of a name bound on some paths only, this raises
    :class:`UndefinedValueError`, saying so (not a ``TypeError`` about the
    operand's type, nor a branch mismatch).
    """
    if not isinstance(value, Undefined):
        return value
    reason = value.reason or (
        f"{value.name!r} is unbound, and '{fname}' with a traced condition reads it "
        "on some of its paths"
    )
    return Undefined(value.name, reason)._fail()


def and_(left: Any, *rights: Callable[[], Any]) -> Any:
    """``left and right_1() and right_2() ...`` that also works on traced values.

    Equivalent to this Python::

        value = left
        for right in rights:
            if not value:
                return value
            value = right()
        return value

    Unlike Python, once an operand is traced (it must have size 1):
      * the operands after it are all evaluated (no short circuit) and the
        result is ``jnp.where(value, rest, value)``: an array whose dtype is
        the promotion of both sides, rather than one side itself.

    Args:
      left: the first operand, evaluated by the caller.
      rights: the other operands, as functions of no arguments (lazy).

    Returns:
      What Python's ``and`` returns, or its traced equivalent.

    Example::

        rt.and_(x is not None, lambda: x > 0)   # never evaluates x > 0 on None
    """
    if not rights:
        return left
    if _traced(left):
        pred = _predicate("and", left, "the left operand of 'and'")
        rest = _read("and", and_(rights[0](), *rights[1:]))
        return jnp.where(pred, _as_operand("and", rest), _as_operand("and", left))
    if not left:
        return left
    return and_(rights[0](), *rights[1:])


def or_(left: Any, *rights: Callable[[], Any]) -> Any:
    """``left or right_1() or right_2() ...`` that also works on traced values.

    Equivalent to this Python::

        value = left
        for right in rights:
            if value:
                return value
            value = right()
        return value

    Unlike Python, once an operand is traced (it must have size 1):
      * the operands after it are all evaluated and the result is
        ``jnp.where(value, value, rest)`` (dtypes promoted).

    Args:
      left: the first operand, evaluated by the caller.
      rights: the other operands, as functions of no arguments (lazy).

    Returns:
      What Python's ``or`` returns (``x or default`` is ``x`` when truthy).

    Example::

        rt.or_(name, lambda: "anonymous")
    """
    if not rights:
        return left
    if _traced(left):
        pred = _predicate("or", left, "the left operand of 'or'")
        rest = _read("or", or_(rights[0](), *rights[1:]))
        return jnp.where(pred, _as_operand("or", left), _as_operand("or", rest))
    if left:
        return left
    return or_(rights[0](), *rights[1:])


def not_(x: Any) -> Any:
    """``not x`` that also works on a traced ``x``.

    Equivalent to this Python::

        not x

    Unlike Python, when ``x`` is traced (it must have size 1) the result is a
    traced boolean scalar.
    """
    if _traced(x):
        return jnp.logical_not(_predicate("not", x, "the operand of 'not'"))
    return not x


# ---------------------------------------------------------------------------
# x if c else y
# ---------------------------------------------------------------------------


def ifexp(cond: Any, if_true: Callable[[], Any], if_false: Callable[[], Any]) -> Any:
    """The conditional expression ``if_true() if cond else if_false()``.

    Equivalent to this Python::

        if_true() if cond else if_false()

    Unlike Python, when ``cond`` is traced (it must have size 1):
      * both sides are traced and the one chosen at run time is computed
        (``lax.cond``, through :func:`runtime.ifelse`); they must give the
        same structure and shapes (dtypes are promoted), else
        :class:`~runtime.BranchMismatchError`;
      * a side that reads an unbound name raises
        :class:`~runtime.UndefinedValueError` (Python reads it on some paths).
    """
    if _traced(cond):
        return ifelse(cond, (lambda: _read("if-else", if_true()), lambda: _read("if-else", if_false())))
    return if_true() if cond else if_false()


# ---------------------------------------------------------------------------
# min / max
# ---------------------------------------------------------------------------

_MISSING: Any = object()


def _any_traced(items: Any) -> bool:
    return builtins.any(_traced(v) for v in items)


def _fold(name: str, items: list[Any], better: Callable[[Any, Any], Any]) -> Any:
    if not items:
        raise ValueError(f"{name}() iterable argument is empty")
    best = _value(items[0])
    for item in items[1:]:
        item = _value(item)
        # Python keeps the first of equal items: replace only when strictly better.
        best = jnp.where(better(item, best), item, best) if _any_traced((item, best)) else (
            item if better(item, best) else best
        )
    return best


def _reduce(name: str, x: Any) -> Any:
    if x.ndim == 0:
        raise TypeError("iteration over a 0-d array")
    if x.shape[0] == 0:
        raise ValueError(f"{name}() iterable argument is empty")
    if x.ndim > 1:
        raise ValueError(
            f"{name}(): comparing the rows of a {x.ndim}-d array is ambiguous, as in Python "
            f"(the truth value of an array with more than one element is ambiguous); "
            f"use jnp.{name}(x) for the smallest/largest element. {_DOCS}"
        )
    if jnp.issubdtype(x.dtype, jnp.floating):
        # Python compares element by element: a NaN first stays, a later NaN never wins.
        reduced = jnp.nanmin(x) if name == "min" else jnp.nanmax(x)
        return jnp.where(jnp.isnan(x[0]), x[0], reduced)
    return jnp.min(x) if name == "min" else jnp.max(x)


def _minmax(name: str, better: Callable[[Any, Any], Any], args: tuple[Any, ...], key: Any, default: Any) -> Any:
    builtin = builtins.min if name == "min" else builtins.max
    kwargs: dict[str, Any] = {}
    if key is not None:
        kwargs["key"] = key
    if default is not _MISSING:
        kwargs["default"] = default
    if kwargs:
        return builtin(*args, **kwargs)
    if len(args) == 1:
        (it,) = args
        x = _value(it)
        if is_traced(x):
            return _reduce(name, x)
        if isinstance(it, (list, tuple)) and _any_traced(it):
            return _fold(name, list(it), better)
        return builtin(it)
    if _any_traced(args):
        return _fold(name, list(args), better)
    return builtin(*args)


def min(*args: Any, key: Any = None, default: Any = _MISSING) -> Any:  # noqa: A001
    """``min`` that also works on traced values.

    Equivalent to this Python::

        min(*args, key=key, default=default)

    Unlike Python, with traced values:
      * ``min(a, b, ...)`` (or ``min([a, b, ...])``) is ``jnp.where`` folds
        that keep Python's choice (the first of equal items; a NaN compared
        against is never chosen);
      * ``min(x)`` of a traced 1-d array reduces it (a NaN counts only when
        it comes first, as in Python); its length is static, so an empty
        array raises ``ValueError`` as in Python.
    With ``key=`` or ``default=`` it is the builtin.
    """
    return _minmax("min", operator.lt, args, key, default)


def max(*args: Any, key: Any = None, default: Any = _MISSING) -> Any:  # noqa: A001
    """``max`` that also works on traced values (see :func:`min`).

    Equivalent to this Python::

        max(*args, key=key, default=default)
    """
    return _minmax("max", operator.gt, args, key, default)


# ---------------------------------------------------------------------------
# print
# ---------------------------------------------------------------------------


def print(  # noqa: A001
    *args: Any, sep: str | None = " ", end: str | None = "\n", file: Any = None, flush: bool = False
) -> None:
    """``print`` that prints the run-time values of traced arguments.

    Equivalent to this Python::

        print(*args, sep=sep, end=end, file=file, flush=flush)

    Unlike Python, when an argument holds traced arrays:
      * the values are printed when the compiled code runs (every iteration
        inside a compiled loop), through ``jax.debug.callback``; arrays print
        as NumPy arrays (``[1. 2.]``, the same text as a JAX array's ``str``);
      * each such print is a host callback: it costs a device-to-host copy per
        call and keeps XLA from fusing across it. Remove prints from hot code.
    """
    leaves, treedef = jax.tree_util.tree_flatten(
        args, is_leaf=lambda v: isinstance(v, Variable)
    )
    leaves = [_value(v) for v in leaves]
    dynamic = [i for i, v in builtins.enumerate(leaves) if is_traced(v)]
    if not dynamic:
        builtins.print(*jax.tree_util.tree_unflatten(treedef, leaves), sep=sep, end=end, file=file, flush=flush)
        return

    def host(*values: Any) -> None:
        filled = list(leaves)
        for i, v in builtins.zip(dynamic, values):
            filled[i] = np.asarray(v)
        out = jax.tree_util.tree_unflatten(treedef, filled)
        builtins.print(*out, sep=sep, end=end, file=file, flush=flush)

    jax.debug.callback(host, *[leaves[i] for i in dynamic])


# ---------------------------------------------------------------------------
# assert
# ---------------------------------------------------------------------------


def assert_(
    test: Any,
    message: Callable[[], Any] | None = None,
    where: str | None = None,
    *,
    checked: bool = True,
) -> None:
    """``assert test, message()`` that is checked at run time when ``test`` is traced.

    Equivalent to this Python::

        assert test, message()      # message() only evaluated on failure

    Unlike Python, when ``test`` is traced (it must have size 1, or be a
    batch of size-1 values under ``jax.vmap``):
      * the message is built at trace time, and the check runs when the
        compiled code runs, in a ``jax.debug.callback``; a failure raises
        ``AssertionError(message)`` inside the callback. ``rt.jit`` re-raises
        that ``AssertionError`` (message and ``where``, the user's file:line)
        with JAX's ``JaxRuntimeError`` as its ``__cause__``; under plain
        ``jax.jit`` the ``JaxRuntimeError`` is what you get;
      * each check is a host callback (a device-to-host copy of one boolean
        per call, every iteration inside a loop). ``checked=False`` (what
        ``runtime_checks=False`` in autoflow generates) skips traced checks;
        concrete ones are always checked, as Python does.
    Under ``python -O`` nothing is checked, as in Python.
    """
    if not __debug__:
        return
    if not _traced(test):
        if not test:
            exc = AssertionError(*(() if message is None else (message(),)))
            if where:
                exc.add_note(f"assertion at {where}")
            raise exc
        return
    if not checked:
        return
    text = "" if message is None else str(message())
    label = f"{text} (assert at {where})" if where else text

    def check(ok: Any) -> None:
        if not np.all(ok):
            raise _record(AssertionError(label))

    jax.debug.callback(check, _predicate_batch(test))


def _predicate_batch(test: Any) -> Any:
    x = _value(test)
    if x.size != 1 and x.ndim > 0:
        raise TypeError(
            f"assert: the condition must be a scalar (or of size 1), got an array of shape "
            f"{tuple(x.shape)}; reduce it with jnp.all(...) first, as Python would need. {_DOCS}"
        )
    x = jnp.reshape(x, ())
    return x if x.dtype == jnp.bool_ else x != 0


# ---------------------------------------------------------------------------
# Failed run-time checks: handed from the host callback to rt.jit
# ---------------------------------------------------------------------------

_FAILURES: list[BaseException] = []  # exceptions raised by checks, newest last
_FAILURES_LOCK = threading.Lock()
_CHECK_MARK = "__rt_check_failure__"


def _record(exc: BaseException) -> BaseException:
    """Remember ``exc`` (raised in a host callback) so rt.jit can re-raise it."""
    setattr(exc, _CHECK_MARK, True)
    with _FAILURES_LOCK:
        _FAILURES.append(exc)
        del _FAILURES[:-8]
    return exc


def take_check_failure(error: BaseException) -> BaseException | None:
    """The user exception a failed run-time check raised, if ``error`` reports it.

    ``error`` is what a compiled call raised (JAX wraps an exception raised in
    a host callback in a ``JaxRuntimeError`` whose text holds it). Returns the
    original exception (and forgets it), or None.
    """
    text = str(error)
    with _FAILURES_LOCK:
        for i in builtins.range(len(_FAILURES) - 1, -1, -1):
            exc = _FAILURES[i]
            if f"{type(exc).__name__}: {exc}" in text or (not str(exc) and type(exc).__name__ in text):
                del _FAILURES[i]
                return exc
    return None


class _QuietChecks(logging.Filter):
    """Drop JAX's log line for a callback that failed one of our checks: the
    exception itself reaches the user (re-raised by rt.jit)."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not getattr(exc, _CHECK_MARK, False)


for _logger in ("jax._src.debugging", "jax._src.callback"):
    logging.getLogger(_logger).addFilter(_QuietChecks())


# ---------------------------------------------------------------------------
# raise
# ---------------------------------------------------------------------------


def raise_(exc: Any, cause: Any = None, *, checked: bool = True) -> None:
    """``raise exc`` (``raise exc from cause``) that, in a traced branch, is checked at run time.

    Equivalent to this Python::

        raise exc from cause

    Unlike Python, inside a branch of an ``if`` whose condition is traced
    (both branches are traced to build the ``lax.cond``):
      * nothing is raised while tracing; the exception is built at trace time
        and raised when the compiled code runs *and takes this branch*, from a
        ``jax.debug.callback``. ``rt.jit`` re-raises it with its own class and
        message (JAX's ``JaxRuntimeError`` as ``__cause__``), with a note
        naming the user's file:line; plain ``jax.jit`` surfaces a
        ``JaxRuntimeError`` whose text holds it;
      * each such check is a host callback; ``checked=False`` (what
        ``runtime_checks=False`` in autoflow generates) drops it, and then a
        traced branch never raises.
    On a Python path (a concrete condition, or no branch at all) it raises at
    once, as Python does.
    """
    if isinstance(exc, type) and issubclass(exc, BaseException):
        exc = exc()
    if not isinstance(exc, BaseException):
        raise TypeError("exceptions must derive from BaseException")
    guard = branch_guard()
    if guard is None:
        if cause is not None:
            raise exc from cause
        raise exc
    guard.raised = True
    if not checked:
        return
    where = caller_location()
    template = exc

    def check(taken: Any) -> None:
        if np.any(taken):
            try:
                fresh = copy.copy(template)
            except Exception:  # an exception class that cannot be copied
                fresh = template
            fresh.__traceback__ = None
            if cause is not None:
                fresh.__cause__ = cause if isinstance(cause, BaseException) else None
            fresh.add_note(f"raised at {where}, in a branch whose condition is traced (checked at run time, see docs/errors.md#runtime-checks)")
            raise _record(fresh)

    jax.debug.callback(check, guard.taken())


# ---------------------------------------------------------------------------
# x[i] = v, x[i] += v
# ---------------------------------------------------------------------------

_AUG_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow, "@=": operator.imatmul,
    "&=": operator.iand, "|=": operator.ior, "^=": operator.ixor, "<<=": operator.ilshift,
    ">>=": operator.irshift,
}  # fmt: skip


def _advanced(index: Any) -> bool:
    """Would NumPy read ``x[index]`` as a copy (advanced indexing), not a view?"""
    for item in index if isinstance(index, tuple) else (index,):
        if item is None or item is Ellipsis or isinstance(item, slice):
            continue
        if isinstance(item, (bool, np.bool_, np.ndarray)):
            return True  # NumPy 2 reads even a 0-d integer ndarray as an advanced index
        if isinstance(item, jax.Array):
            # A traced loop counter stands for the Python int of eager code.
            if item.ndim or not jnp.issubdtype(item.dtype, jnp.integer):
                return True
            continue
        if not hasattr(type(item), "__index__"):
            return True  # a list, or anything NumPy turns into an index array
    return False


def _scalar(result: Any, index: Any) -> bool:
    """Is NumPy's ``x[index]`` a scalar (0-d, no ``...`` in the index)?"""
    items = index if isinstance(index, tuple) else (index,)
    return not np.ndim(result) and not any(item is Ellipsis for item in items)


def _store(x: Any, path: tuple[Any, ...], leaf: Callable[[Any, Any], Any]) -> Any:
    """``x[p0][p1]... = ...`` with ``leaf(container, last_index)`` doing the store."""
    index, rest = path[0], path[1:]
    if not rest:
        return leaf(x, index)
    if isinstance(x, (jax.Array, Variable)):  # tracers are jax.Arrays too
        i = _value(index)
        child = x[i]
        scalar = _scalar(child, i)
        if scalar and len(rest) == 1:
            raise TypeError(
                f"at(...)[...]: a subscript on the way to the store gives a {jnp.result_type(child)} "
                "scalar, which does not support item assignment (as in NumPy); index the array in "
                "one subscript instead, x[a, b] = v"
            )
        new = _store(child, rest, leaf)
        if new is child or scalar or _advanced(i):
            # As in NumPy: x[i] was a copy (an advanced index, or a scalar that is indexed
            # further), and the write is lost.
            return x
        if isinstance(x, Variable):
            x[i] = new
            return x
        return x.at[i].set(new)
    child = x[index]
    new = _store(child, rest, leaf)
    if new is not child:  # an immutable child (a JAX array) came back updated
        x[index] = new
    return x


def _set_leaf(value: Any) -> Callable[[Any, Any], Any]:
    def leaf(x: Any, i: Any) -> Any:
        if isinstance(x, jax.Array):  # tracers are jax.Arrays too
            return x.at[_value(i)].set(_value(value))
        x[i] = value
        return x

    return leaf


def _op_leaf(fn: Callable[[Any, Any], Any], value: Any) -> Callable[[Any, Any], Any]:
    def leaf(x: Any, i: Any) -> Any:
        if isinstance(x, jax.Array):
            i = _value(i)
            return x.at[i].set(fn(x[i], _value(value)))
        x[i] = fn(x[i], value)
        return x

    return leaf


class _AtIndex:
    __slots__ = ("target", "path")

    def __init__(self, target: Any, path: tuple[Any, ...]) -> None:
        self.target = target
        self.path = path

    def __getitem__(self, index: Any) -> _AtIndex:
        """One more level: ``at(x)[a][b]`` stands for ``x[a][b]``."""
        return _AtIndex(self.target, (*self.path, index))

    def set(self, value: Any) -> Any:
        """``target[a][b]... = value``; returns the updated target."""
        return _store(self.target, self.path, _set_leaf(value))

    def op(self, op: str, value: Any) -> Any:
        """``target[a][b]... <op> value`` (``op`` is ``"+="``, ``"*="``, ...)."""
        fn = _AUG_OPS.get(op)
        if fn is None:
            raise ValueError(f"at(...)[...].op: unknown augmented operator {op!r}")
        return _store(self.target, self.path, _op_leaf(fn, value))


class at:  # noqa: N801 - reads as x.at[...] in generated code
    """In-place subscript stores that become functional updates on JAX arrays.

    Equivalent to this Python (returning ``x``)::

        x[i] = v          # rt.at(x)[i].set(v)
        x[i] += v         # rt.at(x)[i].op("+=", v)
        x[i][j] = v       # rt.at(x)[i][j].set(v)

    Unlike Python, on a JAX array (immutable) the result is a new array,
    ``x.at[i].set(v)``; generated code rebinds the name:
    ``x = rt.at(x)[i].set(v)``. NumPy arrays, Variables, lists, dicts and
    other objects are updated in place as Python does, and returned.
    ``x[i] += v`` on a JAX array is ``x.at[i].set(x[i] + v)``, so repeated
    indices behave as in NumPy (the last write wins), not as ``.at[i].add``.

    A chain ``x[i][j] = v`` walks the path as Python does (reading ``x[i]``
    once) and stores into the last container: in place if it is mutable,
    and if it is a JAX array, functionally, the new array then being stored
    into its parent the same way. So ``hist[i][j] = v`` on a JAX array is
    ``hist.at[i].set(hist[i].at[j].set(v))``. Where NumPy's ``x[i]`` would be
    a copy (an advanced index: an integer array, a list, a boolean), the write
    is lost on JAX arrays and Variables too, as it is on NumPy arrays.
    """

    __slots__ = ("target",)

    def __init__(self, target: Any) -> None:
        self.target = target

    def __getitem__(self, index: Any) -> _AtIndex:
        return _AtIndex(self.target, (index,))

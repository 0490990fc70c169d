"""Conditionals that run as Python on concrete values and as ``lax`` on traced ones.

``where`` and ``ifelse`` (if/elif/else) live here, with ``Undefined`` (the value
of a name not bound yet) and the helpers the loops in :mod:`runtime.loops`
share: splitting carried values into traced leaves and fixed Python objects,
checking that branches or iterations agree, and promoting dtypes.

The one dispatch point is :func:`_is_traced`: a concrete predicate takes the
``_py_*`` path (exact Python), a traced one the ``_lax_*`` path.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from runtime.branch_select import selectable
from runtime.errors import AttributeStateError, BranchMismatchError
from runtime.state import (
    AttributeStore,
    Captured,
    capture,
    record_attribute_store,
    watching_attributes,
)
from runtime.tracing import is_traced
from runtime.variable import Variable

__all__ = [
    "BranchGuard",
    "Undefined",
    "UndefinedValueError",
    "branch_guard",
    "caller_location",
    "find_undefined",
    "ifelse",
    "register_location_resolver",
    "store_attr",
    "where",
]

_DOCS = "See docs/errors.md#predicate-shape"
_DOCS_BRANCH = "See docs/errors.md#branch-mismatch"
_DOCS_UNDEFINED = "See docs/errors.md#undefined-name"
_DOCS_ATTRIBUTE = "See docs/errors.md#attribute-state"


# ---------------------------------------------------------------------------
# Undefined: a carried name that is not bound yet
# ---------------------------------------------------------------------------


class UndefinedValueError(UnboundLocalError):
    """A name with no value was used: unbound, or unbound on some traced path.

    An ``UnboundLocalError`` (as Python raises for an unbound local), raised by
    any use of an :class:`Undefined`. When a traced ``if`` or loop left the name
    bound on some paths only, the message says which construct and how to fix it.
    """


class Pending(str):
    """The ``reason`` of an :class:`Undefined` that a loop body binds on some traced paths only.

    A return value set inside a loop is such a name: a traced ``if`` in the
    body binds it on one side only, so the ``ifelse`` gives back a plain
    ``Undefined`` and its type is lost. Yet it is read only where it was set
    (under its ``_return_N`` flag), so a compiled loop may carry zeros in its
    place. :func:`learn` records here the type the body gives it (``like``, a
    pytree of ``ShapeDtypeStruct``), and the loops start it as zeros of that
    type. A ``str`` so that it still reads as a reason in error messages.
    """

    like: Any
    learned: bool

    def __new__(cls, text: str) -> Pending:
        self = super().__new__(cls, text)
        self.like = None
        self.learned = False
        return self


class Undefined:
    """The value of a carried name that is not bound yet.

    Generated code passes ``Undefined("y")`` where Python would have no
    binding for ``y``. Any use of it raises :class:`UndefinedValueError` (an
    ``UnboundLocalError``) naming ``y``, as Python would. It is a pytree with
    no leaves, so it passes through ``lax`` primitives untouched.

    ``reason`` is set when ``y`` is bound on some traced paths only (one side
    of a traced ``if``, or a loop that may run zero times): then no single
    value exists, and using ``y`` is an error that explains why.
    """

    __slots__ = ("name", "reason")

    def __init__(self, name: str, reason: str | None = None) -> None:
        self.name = name
        self.reason = reason

    def __repr__(self) -> str:
        return f"Undefined({self.name!r})"

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        if self.reason is None and "." in self.name:
            # an attribute carried through a local (``self.total`` read before it is set)
            owner, _, attr = self.name.rpartition(".")
            raise AttributeError(f"{owner!r} has no attribute {attr!r} (reading {self.name})")
        if self.reason is None:
            raise UndefinedValueError(
                f"cannot access local variable {self.name!r} where it is not associated with a value"
            )
        raise UndefinedValueError(
            f"cannot access local variable {self.name!r}: it has a value on some paths only, "
            f"and which one is taken is traced.\n  * {self.reason}\n"
            f"Assign {self.name!r} before that construct, so it has a value on every path. "
            f"{_DOCS_UNDEFINED}"
        )

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("_"):
            raise AttributeError(attr)
        self._fail()

    __bool__ = __len__ = __iter__ = __call__ = __index__ = _fail
    __int__ = __float__ = __complex__ = __array__ = __jax_array__ = _fail
    __getitem__ = __setitem__ = __contains__ = _fail
    __neg__ = __pos__ = __abs__ = __invert__ = _fail
    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = _fail  # type: ignore[assignment]
    __hash__ = object.__hash__


def bound(value: Any) -> Any:
    """``value``, unless it is an :class:`Undefined`: then the error Python raises reading it.

    Generated code wraps a plain copy ``k = i`` of a name that some path leaves
    unbound, as ``k = rt.bound(i)``: copying the marker would not fail, and ``k``
    may never be used, where Python raises ``UnboundLocalError`` at the copy.
    """
    if isinstance(value, Undefined):
        value._fail()
    return value


def _install_undefined_operators() -> None:
    for op in (
        "add",
        "sub",
        "mul",
        "truediv",
        "floordiv",
        "mod",
        "pow",
        "matmul",
        "and",
        "or",
        "xor",
        "lshift",
        "rshift",
        "divmod",
    ):
        for name in (f"__{op}__", f"__r{op}__", f"__i{op}__"):
            setattr(Undefined, name, Undefined._fail)


_install_undefined_operators()
jax.tree_util.register_pytree_node(
    Undefined, lambda u: ((), (u.name, u.reason)), lambda aux, _: Undefined(*aux)
)


def find_undefined(tree: Any) -> Undefined | None:
    """The first :class:`Undefined` in a pytree (or ``tree`` itself), else None."""
    if isinstance(tree, Undefined):
        return tree
    if isinstance(tree, (tuple, list)):
        for item in tree:
            found = find_undefined(item)
            if found is not None:
                return found
    elif isinstance(tree, dict):
        for item in tree.values():
            found = find_undefined(item)
            if found is not None:
                return found
    return None


# ---------------------------------------------------------------------------
# Shared helpers
# ---------------------------------------------------------------------------


def _is_traced(x: Any) -> bool:
    """The single dispatch point: is this predicate (or bound) a tracer?"""
    if isinstance(x, Variable):
        x = x._value
    return is_traced(x)


def _is_array_like(x: Any) -> bool:
    return isinstance(x, (jax.Array, np.ndarray, np.generic, bool, int, float, complex))


def _is_value(x: Any) -> bool:
    """A plain value a branch may be: arrays, numbers, Variables and pytrees of them."""
    leaves = jax.tree_util.tree_leaves(x, is_leaf=lambda v: isinstance(v, Variable))
    return all(isinstance(v, Variable) or _is_array_like(v) for v in leaves)


#: Map (code file name, line) of generated code to the "file:line" it came from.
_LOCATION_RESOLVERS: list[Callable[[str, int], str | None]] = []


def register_location_resolver(resolver: Callable[[str, int], str | None]) -> None:
    """Let error messages name the source a generated function came from.

    A code generator (autoflow) compiles functions under pseudo file names;
    ``resolver(filename, line)`` returns the user's ``"file:line"`` for them,
    or None for code it did not generate.
    """
    if resolver not in _LOCATION_RESOLVERS:
        _LOCATION_RESOLVERS.append(resolver)


def _location(filename: str, line: int) -> str:
    for resolver in _LOCATION_RESOLVERS:
        found = resolver(filename, line)
        if found is not None:
            return found
    return f"{filename}:{line}"


def caller_location(depth: int = 1) -> str:
    """The user's ``file:line`` of the code that called the caller of this function."""
    frame = sys._getframe(depth + 1)
    return _location(frame.f_code.co_filename, frame.f_lineno)


# ---------------------------------------------------------------------------
# Traced branches: which one is running, for run-time checks (rt.raise_)
# ---------------------------------------------------------------------------


class BranchGuard:
    """The branch of a traced ``ifelse`` being traced now.

    :meth:`taken` is a traced bool: true when, at run time, this branch (and
    every traced branch around it) is the one selected. A ``raise`` inside the
    branch becomes a run-time check of it. ``raised`` is set when the branch
    raises unconditionally at its own level.
    """

    __slots__ = ("preds", "position", "parent", "raised")

    def __init__(self, preds: list[Any], position: int, parent: BranchGuard | None) -> None:
        self.preds = preds
        self.position = position
        self.parent = parent
        self.raised = False

    def taken(self) -> Any:
        earlier = self.preds[: self.position]
        own = self.preds[self.position] if self.position < len(self.preds) else None
        flag = jnp.asarray(True)
        for p in earlier:
            flag = jnp.logical_and(flag, jnp.logical_not(p))
        if own is not None:
            flag = jnp.logical_and(flag, own)
        if self.parent is not None:
            flag = jnp.logical_and(flag, self.parent.taken())
        return flag


class _Guards(threading.local):
    def __init__(self) -> None:
        self.stack: list[BranchGuard | None] = []


_GUARDS = _Guards()


def branch_guard() -> BranchGuard | None:
    """The traced branch being traced now, or None (a Python path, or no branch)."""
    stack = _GUARDS.stack
    return stack[-1] if stack else None


def _guarded_call(guard: BranchGuard, fn: Callable[[], Any]) -> Any:
    _GUARDS.stack.append(guard)
    try:
        return fn()
    finally:
        _GUARDS.stack.pop()


# ---------------------------------------------------------------------------
# Attributes carried through locals
# ---------------------------------------------------------------------------


def store_attr(obj: Any, name: str, value: Any) -> None:
    """Store back an attribute that a converted block carried through a local.

    Equivalent to this Python::

        obj.name = value

    Unlike Python:
      * ``value`` is an :class:`Undefined` when the attribute did not exist
        before the block and the path taken did not create it: the attribute
        stays absent, as in Python. When a traced ``if`` created it on some
        branches only, there is no single value, and this raises
        :class:`~runtime.errors.AttributeStateError`.
      * under :func:`runtime.jit`, a traced value stored here is remembered;
        if the attribute still holds it when the trace ends, the value would
        leak out of the compiled call, and ``rt.jit`` raises
        :class:`~runtime.errors.AttributeStateError` naming the attribute.
    """
    if isinstance(value, Undefined):
        if value.reason is None:
            return
        raise AttributeStateError(
            f"attribute {type(obj).__name__}.{name} did not exist before the block at "
            f"{caller_location()}, which creates it on some paths only, and which path is "
            f"taken is traced, so it has no value afterwards:\n  * {value.reason}\n"
            f"Create {name!r} before the block (for a Module, in __init__), or assign it in "
            f"every branch. {_DOCS_ATTRIBUTE}"
        )
    if isinstance(value, jax.core.Tracer) and watching_attributes():
        previous = getattr(obj, name, AttributeStore.MISSING)
        if previous is not value and not isinstance(previous, Variable):
            record_attribute_store(AttributeStore(obj, name, value, previous, caller_location()))
    setattr(obj, name, value)


def _describe(fn: Any) -> str:
    """'`name` at file:line' for a function, a short repr for anything else."""
    code = getattr(fn, "__code__", None)
    if code is not None:
        where = _location(code.co_filename, code.co_firstlineno)
        return f"`{getattr(fn, '__qualname__', code.co_name)}` at {where}"
    if callable(fn):
        return f"`{getattr(fn, '__qualname__', type(fn).__name__)}`"
    return "a value"


def _param_names(fn: Any) -> list[str]:
    code = getattr(fn, "__code__", None)
    if code is None:
        return []
    return list(code.co_varnames[: code.co_argcount])


def _predicate(fname: str, x: Any, what: str = "the predicate") -> Any:
    """Validate a predicate; return a Python bool (concrete) or a traced bool scalar."""
    if isinstance(x, Variable):
        x = x.value
    if isinstance(x, (jax.Array, np.ndarray, np.generic)):
        if x.size != 1:
            raise TypeError(
                f"{fname}: {what} must be a scalar (or of size 1), got an array of "
                f"shape {tuple(x.shape)}. Reduce it first, e.g. with jnp.any(...) or "
                f"jnp.all(...), or use rt.where for an elementwise choice. {_DOCS}"
            )
        if is_traced(x):
            scalar = jnp.reshape(jnp.asarray(x), ())
            return scalar if scalar.dtype == jnp.bool_ else scalar != 0
        return bool(np.asarray(x).reshape(()))
    return bool(x)


def _call(fn: Any, operands: Any) -> Any:
    """``fn(*operands)`` for a tuple, ``fn(operands)`` otherwise; a value is itself."""
    if not callable(fn):
        return fn
    if isinstance(operands, tuple):
        return fn(*operands)
    return fn(operands)


class _Split(NamedTuple):
    """A pytree cut into traced leaves (``dynamic``) and fixed Python objects (``static``).

    Variables and non-array objects are static (kept by identity); arrays and
    numbers are dynamic. ``static[i] is None`` where leaf ``i`` is dynamic.
    """

    treedef: Any
    static: list[Any]
    dynamic: list[Any]
    paths: list[str]

    def rebuild(self, dynamic: Sequence[Any]) -> Any:
        it = iter(dynamic)
        leaves = [next(it) if s is None else s for s in self.static]
        return jax.tree_util.tree_unflatten(self.treedef, leaves)


def _split(tree: Any) -> _Split:
    with_paths, treedef = jax.tree_util.tree_flatten_with_path(
        tree, is_leaf=lambda v: isinstance(v, Variable)
    )
    static: list[Any] = []
    dynamic: list[Any] = []
    paths: list[str] = []
    for path, leaf in with_paths:
        paths.append(jax.tree_util.keystr(path))
        if isinstance(leaf, Variable) or not (_is_array_like(leaf) or is_traced(leaf)):
            static.append(leaf)
        else:
            static.append(None)
            dynamic.append(leaf)
    return _Split(treedef, static, dynamic, paths)


def _fresh_containers(tree: Any) -> Any:
    """``tree`` rebuilt: new lists, tuples and dicts around the same leaves and objects."""
    split = _split(tree)
    return split.rebuild(split.dynamic)


def _aval(x: Any) -> jax.ShapeDtypeStruct:
    if isinstance(x, jax.ShapeDtypeStruct):
        return x
    x = x if hasattr(x, "dtype") and hasattr(x, "shape") else jnp.asarray(x)
    return jax.ShapeDtypeStruct(
        jnp.shape(x), x.dtype, weak_type=bool(getattr(x, "weak_type", False))
    )


def _fmt(aval: Any) -> str:
    a = _aval(aval)
    return f"{a.dtype.name}{list(a.shape)}"


def _cast(x: Any, aval: jax.ShapeDtypeStruct) -> Any:
    """Cast ``x`` to ``aval``'s dtype (and drop weak typing when ``aval`` is strong)."""
    x = jnp.asarray(x)
    if x.dtype != aval.dtype or (x.weak_type and not aval.weak_type):
        return lax.convert_element_type(x, aval.dtype)
    return x


def _join(avals: Sequence[Any]) -> jax.ShapeDtypeStruct:
    """The dtype JAX would promote these to (Python scalars stay weak)."""
    avals = [_aval(a) for a in avals]
    dtype = jax.dtypes.result_type(*avals)
    weak = all(a.weak_type for a in avals)
    return jax.ShapeDtypeStruct(avals[0].shape, dtype, weak_type=weak)


def _written_union(traces: Sequence[Any]) -> list[Variable]:
    seen: dict[int, Variable] = {}
    for trace in traces:
        for var in trace.written():
            seen.setdefault(id(var), var)
    return list(seen.values())


# ---------------------------------------------------------------------------
# where
# ---------------------------------------------------------------------------


def where(cond: Any, x: Any, y: Any) -> Any:
    """Choose between ``x`` and ``y`` by ``cond``, elementwise for arrays.

    Equivalent to this Python, when ``cond`` is a Python (or NumPy) bool::

        x if cond else y

    and otherwise to ``jnp.where(cond, x, y)``.

    Unlike Python:
      * with an array ``cond`` both ``x`` and ``y`` are evaluated (they are
        values, not expressions) and the result is an array, with ``x`` and
        ``y`` broadcast and promoted to one dtype.

    Args:
      cond: a Python bool, or a boolean array / Variable (traced or not).
      x, y: values (arrays, Variables, numbers) chosen where ``cond`` is true / false.

    Returns:
      ``x`` or ``y`` itself for a Python bool ``cond``; else a ``jax.Array``.

    Example::

        a = rt.Variable(jnp.array([-1.0, 2.0]))
        rt.where(a < 0, 0.0, 1.0)    # Array([0., 1.], dtype=float32)
    """
    if isinstance(cond, (bool, np.bool_)):
        return x if cond else y
    c = cond.value if isinstance(cond, Variable) else cond
    if not (_is_array_like(c) or is_traced(c)):
        raise TypeError(f"where: cond must be a bool or a boolean array, got {type(cond).__name__}")
    return _lax_where(c, x, y)


def _lax_where(cond: Any, x: Any, y: Any) -> jax.Array:
    x = x.value if isinstance(x, Variable) else x
    y = y.value if isinstance(y, Variable) else y
    return jnp.where(cond, x, y)


# ---------------------------------------------------------------------------
# ifelse
# ---------------------------------------------------------------------------


def ifelse(conditions: Any, branches: Sequence[Any], operands: Any = ()) -> Any:
    """``if`` / ``elif`` / ``else`` that also compiles when the predicates are traced.

    Equivalent to this Python (with ``call(b) = b(*operands)`` for a tuple of
    operands, ``b(operands)`` for anything else, and ``b`` itself for a value)::

        if conditions[0]:   return call(branches[0])
        elif conditions[1]: return call(branches[1])
        ...
        else:               return call(branches[-1])

    One predicate (not in a list) takes two branches.

    Unlike Python, when a predicate is traced:
      * the branches still left are all traced, each once, to a jaxpr that
        ``lax.cond``/``lax.switch`` replays (so their outputs and the
        Variables they write are learned from the same trace); Python side
        effects in them happen at trace time;
      * every branch must return the same pytree structure and shapes; dtypes
        are promoted as JAX promotes them (``2.0`` in one branch and a float32
        array in the other give float32), else :class:`BranchMismatchError`;
      * Variables written by any branch are threaded through the ``lax``
        primitive and written back afterwards;
      * branches that are small, cheap and effect-free (no prints, callbacks
        or run-time checks; only ops whose derivatives stay finite, so the
        untaken branch cannot put a NaN in a gradient) are all computed and
        their results picked with ``lax.select_n`` instead of a ``lax.cond``,
        which costs more to compile; see :mod:`runtime.branch_select`.

    Concrete predicates (Python bools, arrays outside a trace) are read left to
    right: a concrete ``True`` before any traced predicate decides, and only
    that branch runs, in plain Python. Differentiable with ``jax.grad`` and
    usable under ``jax.vmap`` (a batched predicate runs every branch and
    selects).

    Args:
      conditions: a predicate, or a list/tuple of predicates (if/elif/...).
      branches: callables taking the operands, or plain values; one more than
        there are predicates.
      operands: a tuple unpacked into the callables, or one value passed as is.

    Returns:
      What the chosen branch returns.

    Example::

        def f(a):
            return rt.ifelse([a > 10, a > 5, a > 0, a > -5], [1, 2, 3, 4, 5])
    """
    conds = list(conditions) if isinstance(conditions, (list, tuple)) else [conditions]
    if not isinstance(branches, (list, tuple)):
        raise TypeError(
            f"ifelse: branches must be a list or tuple of callables or values, "
            f"got {type(branches).__name__}"
        )
    if not conds:
        raise TypeError("ifelse: conditions is empty; give at least one predicate")
    if len(branches) != len(conds) + 1:
        raise TypeError(
            f"ifelse: {len(conds)} predicate(s) need {len(conds) + 1} branches "
            f"(one per predicate plus the else branch), got {len(branches)}"
        )
    for i, branch in enumerate(branches):
        if not callable(branch) and not _is_value(branch):
            raise TypeError(
                f"ifelse: branch {i} must be a callable or a value (array, number, "
                f"Variable, or a tuple/list/dict of them), got {type(branch).__name__}: "
                f"{branch!r:.60}"
            )
    preds = [_predicate("ifelse", c, f"predicate {i}") for i, c in enumerate(conds)]

    traced: list[tuple[Any, int]] = []
    default = len(conds)
    for i, p in enumerate(preds):
        if _is_traced(p):
            traced.append((p, i))
        elif p:
            default = i
            break
    if not traced:
        return _py_ifelse(branches[default], operands)
    return _lax_ifelse(
        [p for p, _ in traced], [i for _, i in traced] + [default], branches, operands
    )


def _py_ifelse(branch: Any, operands: Any) -> Any:
    return _call(branch, operands)


def _lax_ifelse(
    preds: list[Any], indices: list[int], branches: Sequence[Any], operands: Any
) -> Any:
    fns = [branches[i] for i in indices]
    parent = branch_guard()

    # Each branch's Python runs once, traced to a jaxpr (capture); lax.cond then
    # replays the jaxprs. What the branches write is learned from the same trace,
    # and the carried outputs are adjusted (fills, unbound names) afterwards.
    captures: list[Captured] = []
    raw: list[Any] = []
    raw_splits: list[_Split] = []
    raised: list[bool] = []
    for k, fn in enumerate(fns):
        box: list[tuple[_Split, Any, bool]] = []

        def probe(fn: Any = fn, box: list[Any] = box, k: int = k) -> list[Any]:
            guard = BranchGuard(preds, k, parent)
            # Each branch gets its own lists and dicts (same arrays, Variables and
            # objects inside): a store into one (lst[0] = 2 * x) must not leave this
            # trace's values in the caller's container, nor show in the other branch.
            mine = _fresh_containers(operands)
            out = _guarded_call(guard, lambda: _branch_output(fn, mine))
            split = _split(out)
            box.append((split, out, guard.raised))
            return split.dynamic

        captures.append(capture(probe, ()))
        split, out, did_raise = box[-1]
        raw_splits.append(split)
        raw.append(out)
        raised.append(did_raise)

    # Values for the names a branch leaves unbound where they are never read
    # (a branch that always raises, a pending return slot).
    fills = _zero_fills(raw, raised)
    outs = [_mask_unbound(out, fills.get(k, {})) for k, out in enumerate(raw)]
    # A name bound in some branches only has no value after a traced if;
    # it is an error only if it is used (Python raises there too).
    unbound = _unbound_on_some_paths(indices, fns, outs)
    if fills or unbound:
        outs = [_mask_unbound(out, unbound) for out in outs]
        splits = [_split(out) for out in outs]
        avals = [[_leaf_aval(x) for x in split.dynamic] for split in splits]
    else:
        splits = raw_splits
        avals = [[_aval(a) for a in cap.out_avals] for cap in captures]
    targets = _check_branches(indices, fns, splits, avals, operands)
    variables = _written_union([cap.trace for cap in captures])
    first = splits[0]

    def as_lax(k: int) -> Callable[[], tuple[list[Any], list[Any]]]:
        cap, split = captures[k], raw_splits[k]
        mine = {id(var): i for i, var in enumerate(cap.written)}

        def branch() -> tuple[list[Any], list[Any]]:
            dyn, written = cap.replay((), ())
            if fills or unbound:
                out = _mask_unbound(_mask_unbound(split.rebuild(dyn), fills.get(k, {})), unbound)
                dyn = _split(out).dynamic
            new_values = [
                written[mine[id(var)]] if id(var) in mine else var._value for var in variables
            ]
            return [_cast(x, t) for x, t in zip(dyn, targets)], new_values

        return branch

    lax_branches = [as_lax(k) for k in range(len(fns))]
    if len(lax_branches) == 2:
        which, cases = preds[0], lax_branches[::-1]  # select_n(pred, false case, true case)
    else:
        which = jnp.asarray(len(preds), dtype=jnp.int32)
        for j in reversed(range(len(preds))):
            which = lax.select(preds[j], jnp.asarray(j, dtype=jnp.int32), which)
        cases = lax_branches
    # Small, cheap, effect-free branches are all computed and selected: a cond
    # costs far more to compile (see runtime/branch_select.py for when it is safe).
    selected = _select_all(which, cases) if selectable([cap.jaxpr for cap in captures]) else None
    if selected is not None:
        dyn, new_values = selected
    elif len(lax_branches) == 2:
        dyn, new_values = lax.cond(which, lax_branches[0], lax_branches[1])
    else:
        dyn, new_values = lax.switch(which, lax_branches)
    for var, value in zip(variables, new_values):
        var.value = value
    return first.rebuild(dyn)


def _select_all(which: Any, cases: Sequence[Callable[[], Any]]) -> Any:
    """Every case computed in the current trace, leaf by leaf ``lax.select_n(which, ...)``.

    None when the cases do not agree leaf for leaf in structure, shape and
    dtype: then ``lax.cond`` gets them, and reports the mismatch its own way
    (the ops bound here are dead code, dropped by the compiler).
    """
    flats = [jax.tree_util.tree_flatten(case()) for case in cases]
    treedef: Any = flats[0][1]
    if any(t != treedef for _, t in flats[1:]):
        return None
    leaves = []
    for column in zip(*(flat for flat, _ in flats)):
        first = column[0]
        if all(x is first for x in column[1:]):
            leaves.append(first)  # the same value on every path (a Variable no case writes)
            continue
        arrays = [jnp.asarray(x) for x in column]
        if len({(a.shape, a.dtype) for a in arrays}) != 1:
            return None
        leaves.append(lax.select_n(which, *arrays))
    return jax.tree_util.tree_unflatten(treedef, leaves)


def _leaf_aval(x: Any) -> jax.ShapeDtypeStruct:
    """The aval of a dynamic output leaf: a (finished) tracer of a capture, or a value."""
    aval = getattr(x, "aval", None) if is_traced(x) else None
    if aval is not None:
        return jax.ShapeDtypeStruct(aval.shape, aval.dtype, weak_type=aval.weak_type)
    return _aval(x)


def _zero_fills(outs: list[Any], raised: list[bool]) -> dict[int, dict[int, Any]]:
    """Zeros, shaped like another branch's value, for carried names a branch may leave unbound.

    Two cases, both never read at run time:

    * a pending return slot (``_retval_N`` of a ``return`` inside a loop), read
      only under its ``_return_N`` flag, which is set exactly where the slot is:
      zeros like the value a branch gives it;
    * a branch that always raises (``rt.raise_``): ``if x < 0: raise ... else:
      y = ...`` binds ``y`` on every path that completes: zeros like the value
      of a branch that completes.

    Returns ``{branch: {position: value}}``.
    """
    if not all(isinstance(o, tuple) for o in outs) or len({len(o) for o in outs}) != 1:
        return {}
    fills: dict[int, dict[int, Any]] = {}
    for pos, values in enumerate(zip(*outs)):
        if not any(type(v) is Undefined for v in values):
            continue
        any_bound = next((v for v in values if not isinstance(v, Undefined)), None)
        if any_bound is not None and find_undefined(any_bound) is not None:
            any_bound = None
        completing = next(
            (v for k, v in enumerate(values) if not raised[k] and not isinstance(v, Undefined)), None
        )
        for k, v in enumerate(values):
            if type(v) is not Undefined:
                continue
            if isinstance(v.reason, Pending) and any_bound is not None:
                like = any_bound
            elif raised[k]:
                like = completing
            else:
                continue
            if like is not None:
                fills.setdefault(k, {})[pos] = jax.tree_util.tree_map(_zeros_like_leaf, like)
    return fills


def _zeros_like_leaf(leaf: Any) -> Any:
    if isinstance(leaf, Variable) or not hasattr(leaf, "shape") or not hasattr(leaf, "dtype"):
        return leaf
    return jnp.zeros(leaf.shape, leaf.dtype)


def _unbound_on_some_paths(indices: list[int], fns: list[Any], outs: list[Any]) -> dict[int, Undefined]:
    """Positions of the carried tuple that some branches leave ``Undefined`` and others bind.

    (Or that all leave ``Undefined``, for different reasons: one is kept.)
    """
    if not all(isinstance(o, tuple) for o in outs) or len({len(o) for o in outs}) != 1:
        return {}
    found: dict[int, Undefined] = {}
    for pos, values in enumerate(zip(*outs)):
        # Only a plain Undefined is deferred; subclasses (NoReturn) must match at once.
        missing = [k for k, v in enumerate(values) if type(v) is Undefined]
        if not missing:
            continue
        if len(missing) == len(values):
            # Unbound everywhere; keep one reason so the branches' structures agree.
            if len({(v.name, v.reason) for v in values}) > 1:
                found[pos] = next((v for v in values if v.reason is not None), values[0])
            continue
        name = values[missing[0]].name
        bound = next(k for k in range(len(values)) if k not in missing)
        found[pos] = Undefined(
            name,
            f"{name!r} is assigned in branch {indices[bound]} ({_describe(fns[bound])}) but "
            f"not in branch {indices[missing[0]]} ({_describe(fns[missing[0]])}) of an if "
            f"whose predicate is traced",
        )
    return found


def _mask_unbound(out: Any, unbound: dict[int, Any]) -> Any:
    if not unbound or not isinstance(out, tuple):
        return out
    return tuple(unbound.get(pos, value) for pos, value in enumerate(out))


def _branch_output(fn: Any, operands: Any) -> Any:
    out = _call(fn, operands)
    # A value branch that is a Variable gives its value, as a traced read.
    if isinstance(out, Variable) and not callable(fn):
        return out.value
    return out


def _check_branches(
    indices: list[int],
    fns: list[Any],
    splits: list[_Split],
    avals: list[list[jax.ShapeDtypeStruct]],
    operands: Any,
) -> list[jax.ShapeDtypeStruct]:
    """Raise BranchMismatchError unless all branches agree; return the joined avals."""
    s0, i0, f0 = splits[0], indices[0], fns[0]
    names = _param_names(f0) if isinstance(operands, tuple) else []

    def label(path: str) -> str:
        # Name a top-level position of the carried-state tuple by the parameter.
        if names and path.startswith("[") and path[1:].split("]")[0].isdigit():
            pos = int(path[1:].split("]")[0])
            if pos < len(names):
                return f"output{path} ({names[pos]!r})"
        return f"output{path}"

    for s, i, f in zip(splits[1:], indices[1:], fns[1:]):
        if s.treedef != s0.treedef:
            _raise_structure(i0, f0, s0, i, f, s, names)
        bullets = []
        for k, (a, b) in enumerate(zip(s0.static, s.static)):
            if (a is None) != (b is None) or (a is not None and a is not b):
                bullets.append(
                    f"  * {label(s0.paths[k])}: branch {i0} gives {a!r:.40}, "
                    f"branch {i} gives {b!r:.40} (Python objects must be the same object)"
                )
        if bullets:
            _raise(
                i0, f0, i, f, bullets, "Return arrays, or the same Python object, in every branch."
            )

    per_leaf = list(zip(*avals)) if avals[0] else []
    paths = [p for p, st in zip(s0.paths, s0.static) if st is None]
    bullets = []
    for path, leaf in zip(paths, per_leaf):
        shapes = {tuple(a.shape) for a in leaf}
        if len(shapes) > 1:
            shown = ", ".join(f"branch {i}: {_fmt(a)}" for i, a in zip(indices, leaf))
            bullets.append(f"  * {label(path)} has different shapes: {shown}")
    if bullets:
        _raise(
            indices[0],
            fns[0],
            None,
            None,
            bullets,
            "Make every branch return arrays of the same shape at each position.",
        )
    return [_join(leaf) for leaf in per_leaf]


def _raise_structure(
    i0: int, f0: Any, s0: _Split, i: int, f: Any, s: _Split, names: list[str]
) -> None:
    out0 = s0.rebuild([object()] * len(s0.dynamic))
    out1 = s.rebuild([object()] * len(s.dynamic))
    if isinstance(out0, tuple) and isinstance(out1, tuple) and len(out0) == len(out1):
        for pos, (a, b) in enumerate(zip(out0, out1)):
            if isinstance(a, Undefined) != isinstance(b, Undefined):
                und, (iu, fu), (id_, fd) = (
                    (a, (i0, f0), (i, f)) if isinstance(a, Undefined) else (b, (i, f), (i0, f0))
                )
                name = und.name
                raise BranchMismatchError(
                    f"ifelse: {name!r} is assigned in branch {id_} ({_describe(fd)}) but not "
                    f"in branch {iu} ({_describe(fu)}), and the predicate is traced, so it "
                    f"must have a value after the if either way.\n"
                    f"  * output[{pos}] ({name!r}): branch {iu} leaves it undefined\n"
                    f"Assign {name!r} before the if, or in every branch. {_DOCS_UNDEFINED}"
                )
    t0 = jax.tree_util.tree_structure(out0)
    t1 = jax.tree_util.tree_structure(out1)
    _raise(
        i0,
        f0,
        i,
        f,
        [f"  * branch {i0} returns {t0}", f"  * branch {i} returns {t1}"],
        "Make every branch return the same structure (same tuple length, same keys).",
    )


def _raise(i0: int, f0: Any, i: int | None, f: Any, bullets: list[str], remedy: str) -> None:
    if i is None:
        head = "ifelse: the branches return different shapes"
    else:
        head = (
            f"ifelse: branch {i0} ({_describe(f0)}) and branch {i} ({_describe(f)}) "
            f"return different values"
        )
    raise BranchMismatchError(
        head
        + " and a predicate is traced, so all branches must agree:\n"
        + "\n".join(bullets)
        + f"\n{remedy} {_DOCS_BRANCH}"
    )

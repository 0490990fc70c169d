"""Loops that run as Python on concrete values and as ``lax`` loops on traced ones.

``while_loop`` (``lax.while_loop``), ``for_loop`` (BrainPy's scan over the
leading axis, stacked outputs) and ``for_each`` (the carried-state form the
transpiler emits for ``for`` statements; see DESIGN.md). Each finds by itself
the Variables its body writes and carries them through the loop.
"""

from __future__ import annotations

import builtins
import warnings
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from runtime.control import (
    _DOCS,
    Pending,
    Undefined,
    _aval,
    _call,
    _cast,
    _describe,
    _is_array_like,
    _is_traced,
    _join,
    _location,
    _param_names,
    _predicate,
    _Split,
    _split,
    find_undefined,
)
from runtime.errors import LoopCarryError
from runtime.guards import drop_dead_code, drop_redundant_guards
from runtime.iterables import enumerate as _enumerate
from runtime.iterables import range as _range
from runtime.iterables import zip as _zip
from runtime.jaxpr_loops import Carry, Const, Input, Sliced, scan_jaxpr, while_jaxpr
from runtime.records import Records, find_records
from runtime.state import Captured, capture, carry_candidates
from runtime.tracing import inside_transformation, is_traced, of_trace
from runtime.variable import Variable, unwrap

__all__ = ["UnrolledLoopWarning", "for_each", "for_loop", "while_loop"]

_DOCS_LOOP = "See docs/errors.md#loop-carry"
_DOCS_UNROLLED = "See docs/errors.md#unrolled-loop"


def _needs_concrete(exc: BaseException) -> bool:
    """Whether ``exc`` says that some code needed a concrete value where it got a tracer.

    Besides JAX's own concretization errors, shapes (``jnp.ones(i)``,
    ``x.reshape(i, -1)``) raise a plain ``TypeError`` and slices (``x[:i]``) an
    ``IndexError`` naming the tracer.
    """
    if isinstance(exc, _NEEDS_CONCRETE):
        return True
    if not isinstance(exc, (TypeError, IndexError, ValueError)):
        return False
    text = str(exc)
    return "Tracer(" in text or "concrete value" in text


class UnrolledLoopWarning(UserWarning):
    """A loop over a Python-int range was unrolled because its body needs a concrete index."""


# Errors that mean "this body cannot run with a symbolic loop index".
_NEEDS_CONCRETE = (
    jax.errors.ConcretizationTypeError,
    jax.errors.TracerIntegerConversionError,
    jax.errors.TracerBoolConversionError,
    jax.errors.TracerArrayConversionError,
)


# ---------------------------------------------------------------------------
# Carried state shared by while_loop and for_each
# ---------------------------------------------------------------------------


def pending(value: Any) -> Pending | None:
    """The :class:`Pending` of an ``Undefined`` carried value, else None."""
    if type(value) is Undefined and isinstance(value.reason, Pending):
        return value.reason
    return None


def learn(slot: Any, value: Any) -> None:
    """Tell a pending ``slot`` the type of ``value``, which the body binds it to."""
    found = pending(slot)
    if found is None or find_undefined(value) is not None:
        return
    found.like = jax.tree_util.tree_map(
        lambda v: v if isinstance(v, Variable) or not _is_array_like(v) else _aval(v),
        value,
        is_leaf=lambda v: isinstance(v, Variable),
    )
    found.learned = True


def _zero(a: Any) -> Any:
    if not isinstance(a, jax.ShapeDtypeStruct):
        return a
    if a.weak_type and a.shape == ():
        # a weakly typed zero, as the Python scalar the body gives
        return {"b": False, "i": 0, "u": 0, "f": 0.0, "c": 0j}[a.dtype.kind]
    return jnp.zeros(a.shape, a.dtype)


def _zeros_like(tree: Any) -> Any:
    return jax.tree_util.tree_map(_zero, tree, is_leaf=lambda v: isinstance(v, Variable))


def fill_learned(state: Any) -> Any:
    """``state`` with every pending slot whose type is known replaced by zeros of that type."""
    if not isinstance(state, tuple) or not any(
        (p := pending(s)) is not None and p.learned for s in state
    ):
        return state
    return tuple(
        _zeros_like(p.like) if (p := pending(s)) is not None and p.learned else s for s in state
    )


def normalize_state(fname: str, body: Any, out: Any, operands: Any) -> Any:
    """Check a body's result against the operands it was given (tuple convention)."""
    if not isinstance(operands, tuple):
        return out
    n = len(operands)
    if n == 0 and out is None:
        return ()
    if isinstance(out, list):
        out = tuple(out)
    if n == 1 and not (isinstance(out, tuple) and len(out) == 1):
        return (out,)
    if not isinstance(out, tuple) or len(out) != n:
        got = f"a tuple of {len(out)}" if isinstance(out, tuple) else type(out).__name__
        raise TypeError(
            f"{fname}: body_fun ({_describe(body)}) must return a tuple of {n} values, "
            f"one per carried operand, got {got}"
        )
    return out


class _Loop(NamedTuple):
    split: _Split  # carried operands: fixed objects + traced leaves
    init: list[Any]  # initial traced leaves, promoted
    variables: list[Variable]  # Variables the body writes: carried too
    var_avals: list[jax.ShapeDtypeStruct]
    run: Callable[[Any, list[Any], list[Any]], tuple[list[Any], list[Any]]]
    cap: Captured  # one iteration, traced: (item, carried leaves, input values) -> outputs
    avals: list[jax.ShapeDtypeStruct]  # of the carried leaves

    def init_values(self) -> list[Any]:
        return [_cast(v.value, a) for v, a in zip(self.variables, self.var_avals)]

    def write_back(self, values: Sequence[Any]) -> None:
        for var, value in zip(self.variables, values):
            var.value = value


def _position(path: str) -> int | None:
    if path.startswith("[") and path[1:].split("]")[0].isdigit():
        return int(path[1:].split("]")[0])
    return None


def _label(path: str, names: list[str]) -> str:
    pos = _position(path)
    if pos is not None and pos < len(names):
        return f"carried value {pos} ({names[pos]!r}{path[len(str(pos)) + 2 :]})"
    return f"carried value {path}"


def _carry_error(fname: str, body: Any, bullets: list[str]) -> LoopCarryError:
    return LoopCarryError(
        f"{fname}: the loop body ({_describe(body)}) changes a carried value from one "
        f"iteration to the next:\n" + "\n".join(bullets) + "\n"
        "A value carried by a compiled loop must keep its structure and shape "
        f"(dtypes are promoted). Give it its final shape before the loop. {_DOCS_LOOP}"
    )


def _fill_undefined(tree: Any, out: Any) -> Any:
    """Initialise carried names that are Undefined before the loop but set by the body."""
    if not (isinstance(tree, tuple) and isinstance(out, tuple) and len(tree) == len(out)):
        return None
    changed = False
    filled = []
    for a, b in zip(tree, out):
        slot = pending(a)
        if slot is not None and slot.learned and isinstance(b, Undefined):
            filled.append(_zeros_like(slot.like))  # set on some traced paths, read only there
            changed = True
        elif type(a) is Undefined and type(b) is Undefined and a.reason != b.reason:
            filled.append(b)  # bound on some traced paths only, inside the body
            changed = True
        elif isinstance(a, Undefined) and not isinstance(b, Undefined):
            b = jax.tree_util.tree_map(
                lambda s: jnp.zeros(s.shape, s.dtype) if isinstance(s, jax.ShapeDtypeStruct) else s,
                b,
                is_leaf=lambda v: isinstance(v, Variable),
            )
            filled.append(b)
            changed = True
        else:
            filled.append(a)
    return tuple(filled) if changed else None


def _prepare(
    fname: str,
    body: Any,
    operands: Any,
    step: Callable[[Any, Any], Any],
    extra: Any,
    names: list[str],
) -> _Loop:
    """Trace one iteration abstractly; settle the carried types; build the pure step.

    ``step(extra, operands) -> operands`` is one iteration; ``extra`` is the
    per-iteration input (a scanned slice, or None), given here as avals.
    """
    tree = operands
    inputs = carry_candidates()
    for _ in builtins.range(8):
        split = _split(tree)
        box: list[tuple[_Split, Any]] = []

        def probe(x: Any, dyn: list[Any], split: _Split = split, box: list[Any] = box) -> list[Any]:
            out = step(x, split.rebuild(dyn))
            out_split = _split(out)
            box.append((out_split, out))
            return out_split.dynamic

        cap = capture(probe, (extra, split.dynamic), inputs)
        more = _uncarried_writes(cap)
        if more:
            # The body writes Variables that were not inputs of this trace:
            # trace it again with them as inputs, so it can be replayed.
            inputs = [*inputs, *more]
            continue
        out_avals = cap.out_avals
        out_split = box[-1][0]
        learned = fill_learned(tree)
        if learned is not tree:
            # A return slot learned its type in this step (maybe deep in traced ifs
            # that pass it on unchanged on some side): carry it as zeros.
            tree = learned
            continue
        if out_split.treedef != split.treedef:
            filled = _fill_undefined(tree, out_split.rebuild(out_avals))
            if filled is not None:
                tree = filled
                continue
            raise _structure_error(fname, body, tree, out_split.rebuild(out_avals), names)
        bullets = []
        dyn_paths = []
        for path, a, b in zip(split.paths, split.static, out_split.static):
            if a is None and b is None:
                dyn_paths.append(path)
            elif a is not b:
                bullets.append(
                    f"  * {_label(path, names)}: {a!r:.40} before, {b!r:.40} after "
                    f"(Python objects and Variables must stay the same object)"
                )
        in_avals = [_aval(x) for x in split.dynamic]
        for path, a, b in zip(dyn_paths, in_avals, out_avals):
            if tuple(a.shape) != tuple(b.shape):
                bullets.append(
                    f"  * {_label(path, names)}: {_fmt_aval(a)} before, {_fmt_aval(b)} after"
                )
        if bullets:
            raise _carry_error(fname, body, bullets)
        joined = [_join([a, b]) for a, b in zip(in_avals, out_avals)]
        if any(
            a.dtype != j.dtype or (a.weak_type and not j.weak_type)
            for a, j in zip(in_avals, joined)
        ):
            tree = split.rebuild([_cast(x, j) for x, j in zip(split.dynamic, joined)])
            continue
        return _finish(split, cap, in_avals)
    raise LoopCarryError(
        f"{fname}: the carried dtypes of {_describe(body)} do not settle. {_DOCS_LOOP}"
    )


def _fmt_aval(a: jax.ShapeDtypeStruct) -> str:
    return f"{a.dtype.name}{list(a.shape)}"


def _structure_error(
    fname: str, body: Any, before: Any, after: Any, names: list[str]
) -> LoopCarryError:
    t0 = jax.tree_util.tree_structure(before, is_leaf=lambda v: isinstance(v, Variable))
    t1 = jax.tree_util.tree_structure(after, is_leaf=lambda v: isinstance(v, Variable))
    bullets = [f"  * before: {t0}", f"  * after:  {t1}"]
    if isinstance(before, tuple) and isinstance(after, tuple) and len(before) == len(after):
        for pos, (a, b) in builtins.enumerate(builtins.zip(before, after)):
            ta = jax.tree_util.tree_structure(a, is_leaf=lambda v: isinstance(v, Variable))
            tb = jax.tree_util.tree_structure(b, is_leaf=lambda v: isinstance(v, Variable))
            if ta != tb:  # type: ignore[operator]
                if isinstance(a, (list, dict)) and type(a) is type(b) and len(a) != len(b):
                    return _growing_container_error(fname, body, _label(f"[{pos}]", names), a, b)
                bullets = [f"  * {_label(f'[{pos}]', names)}: {ta} before, {tb} after"]
                break
    return _carry_error(fname, body, bullets)


class _GrowingContainer(LoopCarryError):
    """A carried list or dict changes length: a loop with concrete items unrolls instead."""


def _growing_container_error(fname: str, body: Any, label: str, a: Any, b: Any) -> LoopCarryError:
    kind = type(a).__name__
    return _GrowingContainer(
        f"{fname}: the loop body ({_describe(body)}) changes the length of a Python {kind} "
        f"({label}: {len(a)} items before an iteration, {len(b)} after), and the loop is "
        f"compiled (its trip count or items are traced), so the number of items cannot be "
        f"known when compiling.\n"
        f"Preallocate an array and write into it (out = jnp.zeros(n); out = out.at[i].set(v)), "
        f"or loop over a Python range or list so the loop runs in Python. {_DOCS_LOOP}"
    )


def _uncarried_writes(cap: Captured) -> list[Variable]:
    """Variables ``cap`` wrote that were not its inputs, leaving out its own temporaries.

    A Variable the traced code created holds a tracer of that finished trace:
    it is a temporary of one iteration, not state to carry.
    """
    known = {id(var) for var in cap.inputs}
    return [var for var in cap.written if id(var) not in known and not of_trace(var._value)]


def _carried(cap: Captured) -> tuple[list[Variable], Callable[..., tuple[list[Any], list[Any]]]]:
    """The Variables a captured body carries, and ``replay(args, values) -> (outs, new values)``.

    ``values`` (one per carried Variable) stand for those Variables' values;
    the other inputs of the capture get the values their Variables hold now.
    """
    position = {id(var): i for i, var in enumerate(cap.inputs)}
    picked = [(j, var) for j, var in enumerate(cap.written) if id(var) in position]
    variables = [var for _, var in picked]
    slot = {position[id(var)]: k for k, var in enumerate(variables)}

    def replay(args: Any, values: Sequence[Any]) -> tuple[list[Any], list[Any]]:
        ins = [values[slot[i]] if i in slot else var._value for i, var in enumerate(cap.inputs)]
        outs, written = cap.replay(args, ins)
        return outs, [written[j] for j, _ in picked]

    return variables, replay


def _finish(split: _Split, cap: Captured, avals: list[Any]) -> _Loop:
    cap = cap._replace(jaxpr=drop_dead_code(drop_redundant_guards(cap.jaxpr)))
    variables, replay = _carried(cap)
    var_avals = [jax.ShapeDtypeStruct(v.shape, v.dtype) for v in variables]

    def run(x: Any, dyn: list[Any], values: list[Any]) -> tuple[list[Any], list[Any]]:
        out, new_values = replay((x, dyn), values)
        return (
            [_cast(o, a) for o, a in zip(out, avals)],
            [_cast(v, a) for v, a in zip(new_values, var_avals)],
        )

    return _Loop(split, list(split.dynamic), variables, var_avals, run, cap, avals)


# ---------------------------------------------------------------------------
# while_loop
# ---------------------------------------------------------------------------


def while_loop(
    body_fun: Callable[..., Any], cond_fun: Callable[..., Any], operands: Any = ()
) -> Any:
    """``while`` that also compiles when the condition is traced.

    Equivalent to this Python (``call(f) = f(*operands)`` for a tuple of
    operands, ``f(operands)`` for anything else)::

        while call(cond_fun):
            operands = call(body_fun)
        return operands

    Unlike Python, once the condition is traced:
      * the rest of the loop runs as ``lax.while_loop`` from the current
        operands; the body is traced (once, to a jaxpr that the loop
        replays; again if it writes a Variable whose value was not yet a
        traced input), so its Python side effects happen at trace time;
      * Variables the body writes are carried and written back afterwards,
        and ``cond_fun`` sees their carried values; ``cond_fun`` itself must
        not write Variables;
      * a carried value keeps its structure and shape (else
        :class:`LoopCarryError`); a dtype change in the first iteration is a
        promotion (``s = 0`` then ``s = s + 0.5 * x``: ``s`` is float);
      * a carried :class:`Undefined` name that the body assigns starts as zeros;
      * it is **not reverse-differentiable** (``jax.grad`` fails: a JAX
        limitation of ``lax.while_loop``); forward mode (``jax.jvp``) works.
        Use ``for_loop`` or ``for_each`` over a range for gradients.

    While the condition is concrete (a Python bool, or an array outside any
    trace) the loop is plain Python. Works under ``jax.vmap`` (a batched
    condition runs until every element is done).

    Args:
      body_fun: takes the operands, returns the new operands (a tuple as long
        as ``operands``; a bare value for a 1-tuple).
      cond_fun: takes the operands, returns a bool or a size-1 bool array.
      operands: a tuple unpacked into both functions, or one value passed as is.

    Returns:
      The final operands.

    Example::

        i = rt.Variable(jnp.zeros(()))
        rt.while_loop(lambda: i.update(i + 1), lambda: i < 10)
    """
    if not callable(body_fun):
        raise TypeError(f"while_loop: body_fun must be callable, got {type(body_fun).__name__}")
    if not callable(cond_fun):
        raise TypeError(f"while_loop: cond_fun must be callable, got {type(cond_fun).__name__}")
    while True:
        pred = _predicate("while_loop", _call(cond_fun, operands), "cond_fun's result")
        if _is_traced(pred):
            return _lax_while_loop(body_fun, cond_fun, operands)
        if not pred:
            return operands
        operands = normalize_state("while_loop", body_fun, _call(body_fun, operands), operands)


def _lax_while_loop(
    body_fun: Callable[..., Any],
    cond_fun: Callable[..., Any],
    operands: Any,
    *,
    fname: str = "while_loop",
    names: list[str] | None = None,
    describe: Any = None,
) -> Any:
    describe = describe if describe is not None else body_fun
    names = names if names is not None else _param_names(body_fun)

    def step(_: Any, ops: Any) -> Any:
        return normalize_state(fname, describe, _call(body_fun, ops), ops)

    loop = _prepare(fname, describe, operands, step, None, names)
    inputs, carried = _body_inputs(loop)
    cond = _capture_condition(loop, carried, cond_fun, fname)
    direct = _while_directly(loop, inputs, carried, cond)
    if direct is not None:
        dyn, values = direct
    else:

        def test(carry: tuple[list[Any], list[Any]]) -> Any:
            dyn, values = carry
            (pred,), _ = cond.replay((dyn,), [values[m] for m in carried])
            return pred

        def body(carry: tuple[list[Any], list[Any]]) -> tuple[list[Any], list[Any]]:
            return loop.run(None, *carry)

        dyn, values = lax.while_loop(test, body, (loop.init, loop.init_values()))
    loop.write_back(values)
    return unbound_if_no_trip(operands, loop.split.rebuild(dyn), describe)


def _body_inputs(loop: _Loop) -> tuple[list[Const | Carry], list[int]]:
    """The loop body's inputs after its items, for runtime.jaxpr_loops; the carried Variables.

    The carried leaves, then the captured Variables (:func:`_variable_inputs`).
    """
    n_dyn = len(loop.init)
    inputs, carried = _variable_inputs(loop.cap, loop.variables, loop.init_values(), n_dyn)
    return [*(Carry(v, k) for k, v in enumerate(loop.init)), *inputs], carried


def _variable_inputs(
    cap: Captured, variables: list[Variable], init_values: list[Any], first_out: int
) -> tuple[list[Const | Carry], list[int]]:
    """Each input Variable of ``cap``, for runtime.jaxpr_loops; the carried ones.

    A Variable among ``variables`` (the ones the body writes) is a Carry from
    its entry of ``init_values`` to its written value, output ``first_out`` +
    its position in ``cap.written``; any other is a Const. Also returned, for
    each carried Variable in input order (the order in which the loop
    primitives return them), its index in ``variables``.
    """
    wrote = {id(var): j for j, var in enumerate(cap.written)}
    index = {id(var): m for m, var in enumerate(variables)}
    inputs: list[Const | Carry] = []
    carried: list[int] = []
    for var in cap.inputs:
        m = index.get(id(var))
        if m is None:
            inputs.append(Const(var._value))
        else:
            inputs.append(Carry(init_values[m], first_out + wrote[id(var)]))
            carried.append(m)
    return inputs, carried


def _capture_condition(
    loop: _Loop, carried: list[int], cond_fun: Callable[..., Any], fname: str
) -> Captured:
    """The loop condition traced once, to a jaxpr of the carries.

    The jaxpr's inputs are the carried leaves, then the values of the
    Variables ``loop.variables[m]`` for ``m`` in ``carried``. Its one output
    is the predicate.
    """

    def test(dyn: list[Any]) -> list[Any]:
        pred = _predicate(fname, _call(cond_fun, loop.split.rebuild(dyn)), "cond_fun's result")
        return [jnp.asarray(pred)]

    cond = capture(test, (loop.avals,), [loop.variables[m] for m in carried])
    if cond.trace.written():
        raise TypeError(
            f"{fname}: cond_fun ({_describe(cond_fun)}) writes Variables "
            f"({', '.join(repr(v) for v in cond.trace.written())}); a loop condition must not "
            f"change state. Move the update into the body. {_DOCS}"
        )
    return cond


def _while_directly(
    loop: _Loop, inputs: list[Const | Carry], carried: list[int], cond: Captured
) -> tuple[list[Any], list[Any]] | None:
    """The while loop bound from its traced body and condition (runtime.jaxpr_loops), or None.

    Returns the final carried leaves and Variable values (in ``loop.variables`` order).
    """
    out = while_jaxpr(cond.jaxpr, loop.cap.jaxpr, inputs)
    if out is None:
        return None
    n_dyn = len(loop.init)
    values: list[Any] = [None] * len(loop.variables)
    for m, value in zip(carried, out[n_dyn:]):
        values[m] = value
    return out[:n_dyn], values


def unbound_if_no_trip(before: Any, after: Any, body: Any) -> Any:
    """A name the loop binds but that was unbound before it stays unbound: it may run zero times."""
    if not (isinstance(before, tuple) and isinstance(after, tuple)):
        return after
    out = list(after)
    for pos, (a, b) in builtins.enumerate(builtins.zip(before, after)):
        if pending(a) is not None:
            continue  # read only under the flag the same iteration sets
        if type(a) is Undefined and not isinstance(b, Undefined):
            out[pos] = Undefined(
                a.name,
                f"{a.name!r} is assigned only in the body of a loop ({_describe(body)}) whose "
                f"trip count is traced, so it has no value if the loop runs zero times",
            )
    return tuple(out)


# ---------------------------------------------------------------------------
# for_loop (BrainPy form)
# ---------------------------------------------------------------------------


class _ProgressBar:
    """Host side of ``progress_bar=True``: a tqdm bar fed by ``jax.debug.callback``."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.bar: Any = None
        self.count = 0

    def __call__(self, _: Any) -> None:
        from tqdm.auto import tqdm  # type: ignore[import-untyped]

        if self.bar is None:
            self.bar = tqdm(total=self.total, desc="for_loop")
            self.count = 0
        self.bar.update(1)
        self.count += 1
        if self.count >= self.total:
            self.bar.close()
            self.bar = None


def for_loop(
    body_fun: Callable[..., Any],
    operands: Any,
    *,
    reverse: bool = False,
    unroll: int | bool = 1,
    progress_bar: bool = False,
) -> Any:
    """Run ``body_fun`` on each slice of ``operands`` along the leading axis; stack the results.

    Equivalent to this Python (``operands`` a tuple of arrays unpacked into
    the body; any other array or pytree passed whole)::

        outs = [body_fun(*[x[i] for x in operands]) for i in range(len(operands[0]))]
        return jnp.stack(outs)        # leaf by leaf; None if the body returns None

    Unlike Python:
      * it is always one ``lax.scan``: the body is traced (once, to a jaxpr
        the scan replays; again if it writes a Variable whose value was not
        yet a traced input), so its Python side effects happen at trace time;
        compile time does not grow with the number of steps;
      * Variables the body writes are carried and written back afterwards.

    Reverse-differentiable (``jax.grad``) and usable under ``jax.vmap``.

    Args:
      body_fun: takes one slice of the operands, returns a pytree of arrays or None.
      operands: an array, a Variable, or a tuple/pytree of them with the same leading size.
      reverse: scan from the last slice to the first (outputs keep their positions).
      unroll: passed to ``lax.scan``.
      progress_bar: show a tqdm bar updated from inside the compiled loop.

    Returns:
      The body's outputs stacked along a new leading axis.

    Example::

        a = rt.Variable(jnp.zeros(()))
        def body(x):
            a.value += x
            return a.value
        history = rt.for_loop(body, jnp.arange(1000.0))   # cumulative sums
    """
    if not callable(body_fun):
        raise TypeError(f"for_loop: body_fun must be callable, got {type(body_fun).__name__}")
    xs = unwrap(operands)
    leaves = jax.tree_util.tree_leaves(xs)
    if not leaves:
        raise TypeError("for_loop: operands holds no array to loop over")
    for leaf in leaves:
        if not hasattr(leaf, "shape") or jnp.ndim(leaf) == 0:
            raise TypeError(
                f"for_loop: every operand must be an array with a leading axis to loop over, "
                f"got {type(leaf).__name__} of shape {jnp.shape(leaf)}"
            )
    lengths = {leaf.shape[0] for leaf in leaves}
    if len(lengths) > 1:
        raise ValueError(
            f"for_loop: operands have different leading sizes {sorted(lengths)}; "
            f"they are scanned together, so they must agree"
        )
    length = lengths.pop()
    x_avals = jax.tree_util.tree_map(lambda a: jax.ShapeDtypeStruct(a.shape[1:], a.dtype), xs)

    treedefs: list[Any] = []

    def probe(x: Any) -> list[Any]:
        leaves, treedef = jax.tree_util.tree_flatten(unwrap(_call(body_fun, x)))
        treedefs.append(treedef)
        return leaves

    inputs = carry_candidates()
    for _ in builtins.range(4):
        cap = capture(probe, (x_avals,), inputs)
        more = _uncarried_writes(cap)
        if not more:
            break
        inputs = [*inputs, *more]
    variables, replay = _carried(cap)
    treedef = treedefs[-1]
    var_avals = [jax.ShapeDtypeStruct(v.shape, v.dtype) for v in variables]
    if not progress_bar:
        direct = _scan_for_loop_directly(cap, variables, var_avals, xs, length, reverse, unroll)
        if direct is not None:
            values, ys = direct
            for var, value in zip(variables, values):
                var.value = value
            return jax.tree_util.tree_unflatten(treedef, ys)
    bar = _ProgressBar(length) if progress_bar else None

    def body(carry: Any, x: Any) -> Any:
        values, k = carry
        leaves, new_values = replay((x,), values)
        out = jax.tree_util.tree_unflatten(treedef, leaves)
        new_values = [_cast(v, a) for v, a in zip(new_values, var_avals)]
        if bar is not None:
            jax.debug.callback(bar, k)
            k = k + 1
        return (new_values, k), out

    init = [_cast(v.value, a) for v, a in zip(variables, var_avals)]
    counter = jnp.zeros((), jnp.int32) if bar is not None else None
    (values, _), ys = lax.scan(body, (init, counter), xs, reverse=reverse, unroll=unroll)
    for var, value in zip(variables, values):
        var.value = value
    return ys


def _scan_for_loop_directly(
    cap: Captured,
    variables: list[Variable],
    var_avals: list[jax.ShapeDtypeStruct],
    xs: Any,
    length: int,
    reverse: bool,
    unroll: int | bool,
) -> tuple[list[Any], list[Any]] | None:
    """``for_loop``'s scan bound from its traced body (runtime.jaxpr_loops); None if it cannot.

    Returns the carried Variables' final values and the stacked outputs.
    """
    n_out = len(cap.out_avals)
    init = [_cast(var.value, a) for var, a in zip(variables, var_avals)]
    var_inputs, carried = _variable_inputs(cap, variables, init, n_out)
    inputs: list[Input] = [*(Sliced(x) for x in jax.tree_util.tree_leaves(xs)), *var_inputs]
    out = scan_jaxpr(cap.jaxpr, inputs, list(range(n_out)), length, reverse=reverse, unroll=unroll)
    if out is None:
        return None
    finals, ys = out
    values: list[Any] = [None] * len(variables)
    for k, value in zip(carried, finals):
        values[k] = value
    return values, ys


# ---------------------------------------------------------------------------
# for_each (carried-state form)
# ---------------------------------------------------------------------------


class ScanPlan(NamedTuple):
    """How to scan an iterable: arrays to slice, trip count, slice -> item."""

    xs: Any
    length: int
    item: Callable[[Any], Any]
    traced: bool  # do the items come from traced arrays (not from a counter)?
    # One per leaf of ``xs``: the values a counter leaf takes, None for data.
    counters: tuple[np.ndarray | None, ...]


def _identity(x: Any) -> Any:
    return x


def _counter(start: int, step: int, length: int) -> Any:
    """``start, start + step, ...`` (``length`` int32 values) for a scan to slice.

    Built with ``lax.iota`` so that, inside a trace, it is one small operation
    rather than a ``length``-element constant baked into the program (which
    made a 10,000-step loop's HLO 6x larger and slower to compile).
    """
    index = lax.iota(np.int32, length)
    if step != 1:
        index = index * np.int32(step)
    if start != 0:
        index = index + np.int32(start)
    return index


def _counter_values(start: int, step: int, length: int) -> np.ndarray:
    return (np.arange(length, dtype=np.int64) * step + start).astype(np.int32)


def scan_plan(iterable: Any) -> ScanPlan | None:
    """A scan plan for arrays, int ranges, and enumerate/zip of them; None otherwise."""
    if isinstance(iterable, Variable):
        iterable = iterable.value
    if isinstance(iterable, (jax.Array, np.ndarray)) and iterable.ndim >= 1:
        return ScanPlan(iterable, iterable.shape[0], _identity, is_traced(iterable), (None,))
    if isinstance(iterable, (_range, builtins.range)) and not (
        isinstance(iterable, _range) and iterable.is_traced()
    ):
        r = iterable.as_builtin() if isinstance(iterable, _range) else iterable
        counter = _counter_values(r.start, r.step, len(r))
        return ScanPlan(_counter(r.start, r.step, len(r)), len(r), _identity, False, (counter,))
    if isinstance(iterable, _enumerate):
        inner = scan_plan(iterable.iterable)
        if inner is None:
            return None
        index = _counter(iterable.start, 1, inner.length)
        return ScanPlan(
            (index, inner.xs),
            inner.length,
            lambda x: (x[0], inner.item(x[1])),
            inner.traced,
            (_counter_values(iterable.start, 1, inner.length), *inner.counters),
        )
    if isinstance(iterable, _zip):
        plans = [scan_plan(it) for it in iterable.iterables]
        if not plans or any(p is None for p in plans):
            return None
        lengths = [p.length for p in plans]  # type: ignore[union-attr]
        n = min(lengths)
        if iterable.strict and len(set(lengths)) > 1:
            raise ValueError(f"zip() arguments have different lengths {lengths} (strict=True)")
        xs = tuple(
            p.xs if p.length == n else jax.tree_util.tree_map(lambda a: a[:n], p.xs)  # type: ignore[union-attr]
            for p in plans
        )
        counters = tuple(
            None if c is None else c[:n]
            for p in plans
            for c in p.counters  # type: ignore[union-attr]
        )
        items = [p.item for p in plans]  # type: ignore[union-attr]
        traced = any(p.traced for p in plans)  # type: ignore[union-attr]
        return ScanPlan(
            xs, n, lambda x: tuple(f(xi) for f, xi in builtins.zip(items, x)), traced, counters
        )
    return None


def for_each(
    body_fun: Callable[..., Any], iterable: Any, state: tuple[Any, ...]
) -> tuple[Any, ...]:
    """A ``for`` statement over carried state; the form generated code uses.

    Equivalent to this Python::

        for item in iterable:
            state = body_fun(item, *state)
        return state

    Unlike Python, inside a JAX transformation (jit, vmap, grad, ...):
      * arrays and Variables, ``rt.range`` with Python-int bounds, and
        ``rt.enumerate`` / ``rt.zip`` of those run as one ``lax.scan`` (compile
        time does not grow with the trip count; reverse-differentiable); the
        body is traced with a symbolic item, so Python side effects in it
        happen at trace time;
      * ``rt.range`` with a traced bound runs as ``lax.while_loop`` (not
        reverse-differentiable);
      * if the body of a loop over concrete values needs a concrete item (it
        indexes a Python list, calls ``int(i)``, ...), the loop is unrolled in
        Python with an :class:`UnrolledLoopWarning` naming the body;
      * carried values follow the rules of :func:`while_loop` (Variables the
        body writes are carried; shapes fixed; dtypes promoted; Undefined
        names the body assigns start as zeros).

    Outside any transformation, and for lists, tuples, dicts and generators
    always, it is the plain Python loop above.

    Args:
      body_fun: ``body_fun(item, *state)`` returns the new state tuple (a bare
        value for a 1-tuple).
      iterable: what the ``for`` statement iterates over.
      state: the carried values, a tuple.

    Returns:
      The final state tuple.

    Example::

        def body(x, s):
            return (s + x,)
        (s,) = rt.for_each(body, jnp.arange(5.0), (0.0,))     # s == 10.0
    """
    if not callable(body_fun):
        raise TypeError(f"for_each: body_fun must be callable, got {type(body_fun).__name__}")
    if not isinstance(state, tuple):
        raise TypeError(
            f"for_each: state must be a tuple of carried values, got {type(state).__name__}"
        )
    if isinstance(iterable, _range) and iterable.is_traced():
        return _lax_range_loop(body_fun, iterable, state)
    if not inside_transformation():
        return _py_for_each(body_fun, iterable, state)
    plan = scan_plan(iterable)
    if plan is None:
        return _py_for_each(body_fun, iterable, state)
    if plan.length == 0:
        return state  # as Python: the body never runs, unbound names stay unbound
    try:
        return _lax_for_each(body_fun, plan, state)
    except Exception as exc:
        if not (_needs_concrete(exc) or isinstance(exc, _GrowingContainer)) or plan.traced:
            raise
        code = getattr(body_fun, "__code__", None)
        where = _location(code.co_filename, code.co_firstlineno) if code else "<unknown>:0"
        filename, _, line = where.rpartition(":")
        lineno = int(line) if line.isdigit() else 0
        if isinstance(exc, _GrowingContainer):
            why = "grows a Python list or dict"
            remedy = "Write into a preallocated array (out.at[i].set(v))"
        else:
            why = f"needs a concrete loop item ({type(exc).__name__})"
            remedy = (
                "Index arrays (x[i]) rather than Python lists with the loop index, and take "
                "shapes and slice bounds from static values (mask with "
                "jnp.where(jnp.arange(n) <= i, x, 0) instead of x[:i + 1])"
            )
        warnings.warn_explicit(
            f"{where}: the body of this loop ({getattr(body_fun, '__qualname__', body_fun)!s}) "
            f"{why}, so the loop over {iterable!r:.60} is unrolled in Python: compile time "
            f"grows with its length. {remedy} to keep it a compiled loop. {_DOCS_UNROLLED}",
            UnrolledLoopWarning,
            filename,
            lineno,
        )
        return _py_for_each(body_fun, iterable, state)


def _py_for_each(
    body_fun: Callable[..., Any], iterable: Any, state: tuple[Any, ...]
) -> tuple[Any, ...]:
    for item in iterable:
        state = normalize_state("for_each", body_fun, body_fun(item, *state), state)
    return state


def _lax_for_each(
    body_fun: Callable[..., Any], plan: ScanPlan, state: tuple[Any, ...]
) -> tuple[Any, ...]:
    x_avals = jax.tree_util.tree_map(lambda a: jax.ShapeDtypeStruct(a.shape[1:], a.dtype), plan.xs)

    def step(x: Any, ops: Any) -> Any:
        return normalize_state("for_each", body_fun, body_fun(plan.item(x), *ops), ops)

    loop = _prepare("for_each", body_fun, state, step, x_avals, _param_names(body_fun)[1:])
    records = _find_records(loop, plan)
    direct = _scan_directly(loop, plan, records)
    if direct is not None:
        dyn, values, stacked = direct
        return _place_records(loop, records, dyn, values, stacked)
    if records is not None:
        return _scan_with_records(loop, plan, records)

    def body(
        carry: tuple[list[Any], list[Any]], x: Any
    ) -> tuple[tuple[list[Any], list[Any]], None]:
        return loop.run(x, *carry), None

    (dyn, values), _ = lax.scan(body, (loop.init, loop.init_values()), plan.xs, length=plan.length)
    loop.write_back(values)
    return loop.split.rebuild(dyn)


def _scan_directly(
    loop: _Loop, plan: ScanPlan, records: Records | None
) -> tuple[list[Any], list[Any], list[Any]] | None:
    """Scan the loop's traced body as it is (runtime.jaxpr_loops); None if it cannot.

    Returns the final carried leaves and Variable values (None in the place
    of a record buffer) and the records' stacked rows.
    """
    cap = loop.cap
    n_dyn = len(loop.init)
    xs = jax.tree_util.tree_leaves(plan.xs)
    body_inputs, carried = _body_inputs(loop)
    inputs: list[Input] = [*(Sliced(x) for x in xs), *body_inputs]
    # The carried Variables in input order: (index in loop.variables, output position).
    order = list(zip(carried, [i.out for i in body_inputs[n_dyn:] if type(i) is Carry]))
    body, rows = cap.jaxpr, []
    n_out = n_dyn + len(cap.written)
    if records is not None:
        dropped_in = {r.invar for r in records.records}
        dropped_out = sorted(r.outvar for r in records.records)
        slim_out = [p for p in range(n_out) if p not in dropped_out]
        new_out = {p: q for q, p in enumerate(slim_out)}
        inputs = [
            Carry(i.init, new_out[i.out]) if type(i) is Carry else i
            for p, i in enumerate(inputs)
            if p not in dropped_in  # a record's buffer: an input carried to a dropped output
        ]
        body, rows = records.jaxpr, list(range(len(slim_out), len(slim_out) + len(dropped_out)))
    out = scan_jaxpr(body, inputs, rows, plan.length)
    if out is None:
        return None
    carries, stacked = iter(out[0]), out[1]
    dropped = {r.outvar for r in records.records} if records is not None else set()
    dyn = [None if k in dropped else next(carries) for k in range(n_dyn)]
    values: list[Any] = [None] * len(loop.variables)
    for m, out_position in order:
        values[m] = None if out_position in dropped else next(carries)
    return dyn, values, stacked


def _var_positions(loop: _Loop) -> list[tuple[int, int]]:
    """For each carried Variable: its position among the capture's inputs and its writes."""
    cap = loop.cap
    read = {id(var): i for i, var in enumerate(cap.inputs)}
    wrote = {id(var): j for j, var in enumerate(cap.written)}
    return [(read[id(var)], wrote[id(var)]) for var in loop.variables]


def _find_records(loop: _Loop, plan: ScanPlan) -> Records | None:
    """The body's record buffers (``buf = buf.at[i].set(row)`` per step; see runtime.records)."""
    if not any(c is not None for c in plan.counters):
        return None
    n_x, n_dyn = len(plan.counters), len(loop.init)
    slots = [(n_x + k, k) for k in range(n_dyn)]
    slots += [(n_x + n_dyn + i, n_dyn + j) for i, j in _var_positions(loop)]
    counters = {p: c for p, c in enumerate(plan.counters) if c is not None}
    return find_records(loop.cap.jaxpr, slots, counters)


def _scan_with_records(loop: _Loop, plan: ScanPlan, records: Records) -> tuple[Any, ...]:
    """``_lax_for_each`` with the record buffers stacked by the scan instead of carried.

    The carry holds None in the buffers' places (an empty pytree for scan).
    """
    cap = loop.cap
    n_dyn = len(loop.init)
    positions = _var_positions(loop)
    slot = {i: m for m, (i, _) in enumerate(positions)}
    out_dyn = {r.outvar for r in records.records if r.outvar < n_dyn}
    out_var = {r.outvar - n_dyn for r in records.records if r.outvar >= n_dyn}
    init_dyn = [None if k in out_dyn else v for k, v in enumerate(loop.init)]
    init_values = loop.init_values()
    carried_values = [None if j in out_var else v for v, (_, j) in zip(init_values, positions)]

    def body(carry: tuple[list[Any], list[Any]], x: Any) -> Any:
        dyn, values = carry
        ins = [
            *jax.tree_util.tree_leaves(x),
            *dyn,
            *[values[slot[i]] if i in slot else var._value for i, var in enumerate(cap.inputs)],
        ]
        outs, rows = records.replay(ins)
        new_dyn = [None if o is None else _cast(o, a) for o, a in zip(outs[:n_dyn], loop.avals)]
        written = outs[n_dyn:]
        new_values = [
            None if written[j] is None else _cast(written[j], a)
            for (_, j), a in zip(positions, loop.var_avals)
        ]
        return (new_dyn, new_values), rows

    (dyn, values), stacked = lax.scan(body, (init_dyn, carried_values), plan.xs, length=plan.length)
    return _place_records(loop, records, list(dyn), list(values), list(stacked))


def _place_records(
    loop: _Loop,
    records: Records | None,
    dyn: list[Any],
    values: list[Any],
    stacked: list[Any],
) -> tuple[Any, ...]:
    """Finish a scanned ``for``: put the records' stacked rows in place, write Variables back.

    ``dyn`` and ``values`` are the final carries, None where a record was.
    """
    n_dyn = len(loop.init)
    positions = _var_positions(loop)
    init_values = loop.init_values()
    for record, rows in zip(records.records if records else [], stacked):
        if record.outvar < n_dyn:
            k = record.outvar
            dyn[k] = _cast(Records.place(record, loop.init[k], rows), loop.avals[k])
        else:
            m = next(m for m, (_, j) in enumerate(positions) if j == record.outvar - n_dyn)
            values[m] = _cast(Records.place(record, init_values[m], rows), loop.var_avals[m])
    loop.write_back(values)
    return loop.split.rebuild(dyn)


def _lax_range_loop(
    body_fun: Callable[..., Any], r: _range, state: tuple[Any, ...]
) -> tuple[Any, ...]:
    """``for i in range(start, stop, step)`` with a traced bound: a counted while loop."""
    stop, step = r.stop, r.step

    def cond(i: Any, *_: Any) -> Any:
        if _is_traced(step):
            return jnp.where(step > 0, i < stop, i > stop)
        return i < stop if step > 0 else i > stop

    def body(i: Any, *s: Any) -> tuple[Any, ...]:
        return (i + step, *normalize_state("for_each", body_fun, body_fun(i, *s), s))

    start = jnp.asarray(r.start, dtype=jnp.result_type(r.start, stop, step))
    names = ["<loop index>", *_param_names(body_fun)[1:]]
    out = _lax_while_loop(
        body, cond, (start, *state), fname="for_each", names=names, describe=body_fun
    )
    return tuple(out[1:])

"""A Hypothesis strategy that draws whole small Python functions as source text.

Equivalent to this Python::

    program = programs().example()   # a Program: .source, .name, .params
    print(program.source)
    # def f(x, n):
    #     s = 0.0
    #     for i in range(n):
    #         if x[i % 3] > s:
    #             s = s + x[i % 3]
    #     return s

Every drawn program is deterministic, terminates after at most a few hundred
statements, keeps its values finite and small, and runs eagerly without error
unless it reads a name that only some paths define (then
``program.reads_maybe_unbound`` is true and eager Python may raise
``UnboundLocalError``, which is part of the test).

The construction keeps three invariants that make eager NumPy, eager JAX and
compiled JAX agree, so that a difference is a transpiler bug and not noise:

- Every name has one kind for the whole program (float scalar, int scalar,
  bool, or float array of one fixed length), so branches and iterations never
  change a value's type or shape.
- Values grow at most linearly with the number of statements executed: a
  right-hand side may contain the writable names with total coefficient at most
  one (``s = 0.5 * s + 0.5 * t``, ``s += x[i]``), plus bounded terms
  (constants, read-only parameters, ``jnp.tanh(...)``, ``... % 5``). Products
  of writable names only appear inside a bounded function.
- Arrays are never aliased (no ``w = x``; a row ``hist[i]`` of a 2-D buffer
  is only read inside an expression that makes a fresh array), indices are
  always in range (``i % 3`` or a loop index known to be below the length),
  and an array is not written while a ``for`` loop iterates over it, so
  NumPy's in-place ``w[i] = v`` and JAX's functional update mean the same
  thing.

The families added for the runtime's jaxpr-level rewrites keep them too:

- Record buffers (``buf``, 1-D, and ``hist``, rows of ``w``'s length) are
  preallocated in the prelude (so every ``return`` may return them) and
  written once per iteration of a ``for`` loop over ``range``/``enumerate``/
  ``zip(range(k), x)`` at a row computed from the loop index (``buf[i]``,
  ``buf[2 * i + 1]``, ``buf[-i - 1]``, ``buf[(i + 2) % 5]``, ``buf[i // 2]``).
  Every index the loop can produce is worked out when the program is drawn
  and lies in ``[-len, len)``: eager NumPy raises ``IndexError`` out of range
  where JAX drops the write, so out-of-range rows are never drawn. Rows may
  repeat (``i // 2``), and the buffer may also be read in the body.
- Masks (``mask``, a bool array of ``w``'s length) come from comparisons of
  array locals; ``if mask.any():`` / ``if mask.all():`` branches update arrays
  with ``jnp.where(mask, new, old)``, an int array counter ``cnt`` with
  ``cnt += mask.astype(int)``, and sometimes change values regardless of the
  mask (``w = w + 0.5``). Reductions that are undefined on empty arrays
  (``max``, ``mean``) are only drawn on non-empty ones.
- A helper ``aux`` defined before ``f`` in the same module (its own control
  flow, read-only parameters, a float result) is called with bounded
  arguments, or with any arguments inside a bounded function (``tanh``).
"""

from __future__ import annotations

import ast
import inspect
import keyword
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
from hypothesis import strategies as st

__all__ = [
    "FAMILIES",
    "Param",
    "Program",
    "inputs_for",
    "module_programs",
    "program_from_source",
    "programs",
]

Kind = Literal["int", "float", "bool", "array", "mask", "intarray", "matrix"]

#: Construct families a program can contain; ``Program.features`` is a subset.
FAMILIES: tuple[str, ...] = (
    "assign",
    "augassign",
    "if",
    "elif",
    "else",
    "nested_if",
    "while",
    "for_range_static",
    "for_range_traced",
    "for_array",
    "for_enumerate",
    "for_zip",
    "for_tuple",
    "nested_loop",
    "break",
    "continue",
    "return_in_if",
    "return_in_loop",
    "ternary",
    "and",
    "or",
    "not",
    "chained_compare",
    "subscript_assign",
    "slice_assign",
    "builtins",
    "while_break",
    "loop_else",
    "branch_only_name",
    "loop_target_after_loop",
    "maybe_unbound_read",
    "int_to_float",
    "array_param",
    "int_param",
    "float_param",
    "record_loop",
    "record_2d",
    "record_repeat",
    "record_negative_index",
    "record_read",
    "record_conditional",
    "record_two_buffers",
    "mask_guard",
    "mask_guard_all",
    "mask_guard_changes",
    "helper_call",
)

# Float constants are dyadic (exact in float32 and float64) so that eager
# float64 arithmetic on them rounds exactly like compiled float32 arithmetic.
_FLOAT_CONSTS = (0.0, 0.5, 1.0, -1.0, 1.5, 2.0, -0.5, 0.25, -2.0, 0.125)
_INT_CONSTS = (0, 1, 2, 3, -1, 4, 5)
_FLOAT_INPUT_NUMERATOR = 32  # float inputs are k / 8 for |k| <= 32
_INT_INPUT_RANGE = (-2, 6)  # traced range() bounds and while bounds stay small


@dataclass(frozen=True)
class Param:
    """One parameter of a drawn program.

    ``kind`` is ``"int"`` (a Python int), ``"float"`` (a Python float) or
    ``"array"`` (a 1-D float32 array of ``length`` elements).
    """

    name: str
    kind: Literal["int", "float", "array"]
    length: int = 0

    def strategy(self) -> st.SearchStrategy[Any]:
        """Inputs for this parameter: small ints, dyadic floats, float32 arrays."""
        if self.kind == "int":
            return st.integers(*_INT_INPUT_RANGE)
        dyadic = st.integers(-_FLOAT_INPUT_NUMERATOR, _FLOAT_INPUT_NUMERATOR).map(lambda k: k / 8)
        if self.kind == "float":
            return dyadic
        return st.lists(dyadic, min_size=self.length, max_size=self.length).map(
            lambda xs: np.asarray(xs, dtype=np.float32)
        )

    def describe(self) -> str:
        return (
            f"{self.name}: array[{self.length}]"
            if self.kind == "array"
            else f"{self.name}: {self.kind}"
        )


@dataclass(frozen=True)
class Program:
    """A drawn function: its source text, its name and its parameters.

    ``source`` may define helpers before the function ``name`` (the last
    ``def``), which calls them.

    ``features`` names the construct families (see ``FAMILIES``) that occur in
    it. ``reads_maybe_unbound`` is true when the program reads a name that some
    path leaves unbound: eager Python may raise ``UnboundLocalError`` for some
    inputs, and a compiled version may reject the program with a clear error.
    ``int_to_float`` is true when a float name starts as a Python int
    (``s = 0``): eager Python may return that int where compiled code, which
    promotes the carried value, returns a float of the same value.
    """

    source: str
    name: str
    params: tuple[Param, ...]
    features: frozenset[str] = field(default=frozenset(), compare=False)
    reads_maybe_unbound: bool = False
    int_to_float: bool = False

    def inputs(self) -> st.SearchStrategy[tuple[Any, ...]]:
        """A strategy for argument tuples that match ``params``."""
        return inputs_for(self)

    def __str__(self) -> str:
        header = ", ".join(p.describe() for p in self.params)
        return f"# params: {header}\n{self.source}"


def inputs_for(program: Program) -> st.SearchStrategy[tuple[Any, ...]]:
    """A strategy for argument tuples that match ``program.params``."""
    return st.tuples(*(p.strategy() for p in program.params))


def program_from_source(
    source: str,
    params: Sequence[Param] | str,
    *,
    reads_maybe_unbound: bool = False,
    name: str | None = None,
) -> Program:
    """Wrap hand-written source as a Program, e.g. for regressions.

    The source holds one or more top-level ``def``s: the last is the function
    under test, the others are helpers it may call. ``params`` (of that
    ``def``) is a sequence of Param or a string like ``"x: array[3], n: int"``.
    ``name`` picks another top-level ``def``, or a class (a Module, as
    ``module_programs()`` draws: ``params`` are those of its ``__call__``
    after ``self``).
    """
    if isinstance(params, str):
        params = _parse_params(params)
    tree = ast.parse(source)
    defs = [node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))]
    if name is not None:
        defs = [node for node in defs if node.name == name]
    else:
        defs = [node for node in defs if isinstance(node, ast.FunctionDef)]
    if not defs:
        raise ValueError(f"program_from_source expects at least one top-level def {name or ''}")
    entry = defs[-1]
    if isinstance(entry, ast.ClassDef):
        calls = [n for n in entry.body if isinstance(n, ast.FunctionDef) and n.name == "__call__"]
        if not calls:
            raise ValueError(f"class {entry.name} has no __call__")
        names = [a.arg for a in calls[0].args.args][1:]
    else:
        names = [a.arg for a in entry.args.args]
    if names != [p.name for p in params]:
        raise ValueError(f"parameters {names} do not match {[p.name for p in params]}")
    return Program(
        source=source.strip("\n") + "\n",
        name=entry.name,
        params=tuple(params),
        reads_maybe_unbound=reads_maybe_unbound,
    )


def _parse_params(text: str) -> tuple[Param, ...]:
    out = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, kind = (s.strip() for s in part.partition(":"))
        if kind.startswith("array[") and kind.endswith("]"):
            out.append(Param(name, "array", int(kind[6:-1])))
        elif kind in ("int", "float"):
            out.append(Param(name, kind))  # type: ignore[arg-type]
        else:
            raise ValueError(f"unknown parameter kind {kind!r} in {text!r}")
    return tuple(out)


# ---------------------------------------------------------------------------
# AST helpers. We build Python's own ast and print it with ast.unparse, which
# gives consistent 4-space indentation and minimal parentheses.


def _name(n: str) -> ast.expr:
    return ast.Name(id=n, ctx=ast.Load())


def _const(v: float | int | bool) -> ast.expr:
    return ast.Constant(value=v)


def _jnp(fn: str, *args: ast.expr) -> ast.expr:
    return ast.Call(
        func=ast.Attribute(value=_name("jnp"), attr=fn, ctx=ast.Load()),
        args=list(args),
        keywords=[],
    )


def _call(fn: str, *args: ast.expr) -> ast.expr:
    return ast.Call(func=_name(fn), args=list(args), keywords=[])


def _binop(left: ast.expr, op: ast.operator, right: ast.expr) -> ast.expr:
    return ast.BinOp(left=left, op=op, right=right)


def _store(n: str) -> ast.Name:
    return ast.Name(id=n, ctx=ast.Store())


@dataclass
class _Expr:
    node: ast.expr
    weight: float  # coefficient on the writable names (growth), see module docstring


# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Options:
    allow_if: bool
    allow_while: bool
    allow_for: bool
    allow_break: bool
    allow_continue: bool
    allow_early_return: bool
    allow_return_in_loop: bool
    allow_ternary: bool
    allow_boolops: bool
    allow_builtins: bool
    allow_loop_else: bool
    allow_subscript_assign: bool
    allow_traced_range: bool
    allow_maybe_unbound: bool
    allow_unbound_copy: bool
    allow_partial_loop_target: bool
    allow_records: bool
    allow_mask_guards: bool
    allow_helpers: bool
    max_depth: int
    max_loop_depth: int
    max_statements: int


@dataclass
class _Var:
    name: str
    kind: Kind
    length: int = 0  # arrays
    writable: bool = True
    weight: float = 1.0  # 1: can grow with execution (see module docstring); 0: bounded
    bound: int | None = None  # ints known to lie in [0, bound)
    rows: int = 0  # matrices: ``length`` is the row length


@dataclass(frozen=True)
class _Helper:
    """The signature of the drawn helper ``aux``: its parameters; it returns a float."""

    name: str
    params: tuple[Param, ...]


@dataclass
class _Loop:
    kind: str
    iterated: tuple[str, ...]  # arrays a for-loop iterates over (read-only in its body)


class _Gen:
    """Draws one program. All randomness goes through ``self.draw``."""

    def __init__(self, draw: Callable[[st.SearchStrategy[Any]], Any], opts: _Options) -> None:
        self.draw = draw
        self.opts = opts
        self.vars: dict[str, _Var] = {}
        self.defined: set[str] = set()
        self.maybe: set[str] = set()
        self.loops: list[_Loop] = []
        self.budget = opts.max_statements
        self.features: set[str] = set()
        self.maybe_read = False
        self.counter_ids = 0
        self.ret_kinds: tuple[Kind, ...] = ()
        self.ret_length = 0
        self.ret_extra: list[str] = []  # names every return also returns (record buffers, cnt)
        self.records: list[str] = []  # record buffers, bound from the prelude on
        self.mask: _Var | None = None
        self.helper: _Helper | None = None
        self.hidden: set[str] = set()  # names the statement being drawn must not touch
        self.state_init: list[ast.stmt] = []  # a Module's Variables, as `name = value`

    # -- choices ---------------------------------------------------------
    def choice(self, options: Sequence[Any]) -> Any:
        # an index, as sampled_from draws it, without building a strategy per call
        # (strategies of hashable arguments are cached; a list is not hashable)
        return options[self.draw(st.integers(0, len(options) - 1))]

    def chance(self, p: float) -> bool:
        # integers shrink towards 0 == False, so minimal programs drop optional parts
        return self.draw(st.integers(0, 999)) >= int(1000 * (1 - p))

    # -- names -----------------------------------------------------------
    def readable(
        self, kind: Kind, *, length: int | None = None, max_weight: float = 1.0
    ) -> list[_Var]:
        out = []
        for v in self.vars.values():
            if v.kind != kind or (length is not None and v.length != length):
                continue
            if v.weight > max_weight or v.name in self.hidden:
                continue
            if v.name in self.defined:
                out.append(v)
        return out

    def maybe_unbound(
        self, kind: Kind, *, length: int | None = None, max_weight: float = 1.0
    ) -> list[_Var]:
        if not self.opts.allow_maybe_unbound:
            return []
        out = []
        for v in self.vars.values():
            if v.kind != kind or (length is not None and v.length != length):
                continue
            if v.weight > max_weight:
                continue
            if v.name in self.maybe and v.name not in self.defined:
                out.append(v)
        return out

    def pick_read(
        self, kind: Kind, *, length: int | None = None, max_weight: float = 1.0
    ) -> _Var | None:
        unbound = self.maybe_unbound(kind, length=length, max_weight=max_weight)
        if unbound and self.chance(0.04):
            self.maybe_read = True
            self.features.add("maybe_unbound_read")
            return self.choice(unbound)
        cands = self.readable(kind, length=length, max_weight=max_weight)
        return self.choice(cands) if cands else None

    def var_weight(self, v: _Var) -> float:
        return v.weight

    def writable(self, kind: Kind) -> list[_Var]:
        frozen = {name for lp in self.loops for name in lp.iterated} | self.hidden
        return [
            v for v in self.vars.values() if v.kind == kind and v.writable and v.name not in frozen
        ]

    # -- expressions -----------------------------------------------------
    def index(self, length: int) -> ast.expr:
        """An int expression in [0, length), length >= 1."""
        direct = [
            v
            for v in self.vars.values()
            if v.kind == "int"
            and v.bound is not None
            and v.bound <= length
            and v.name in self.defined
        ]
        if direct and self.chance(0.5):
            return _name(self.choice(direct).name)
        inner = self.int_expr(2, free=True)
        return _binop(inner.node, ast.Mod(), _const(length))

    def float_leaf(self, max_weight: float) -> _Expr:
        options = ["const"]
        if self.readable("float", max_weight=max_weight):
            options += ["var", "var"]
        arrays = [v for v in self.readable("array", max_weight=max_weight) if v.length >= 1]
        if arrays:
            options += ["elem", "elem"]
        matrices = [v for v in self.readable("matrix", max_weight=max_weight) if v.length >= 1]
        if matrices:
            options.append("elem2")
        if self.readable("int", max_weight=max_weight):
            options.append("int")
        kind = self.choice(options)
        if kind == "elem2":
            mat = self.choice(matrices)
            where = ast.Tuple(elts=[self.index(mat.rows), self.index(mat.length)], ctx=ast.Load())
            return _Expr(
                ast.Subscript(value=_name(mat.name), slice=where, ctx=ast.Load()), mat.weight
            )
        if kind == "const":
            return _Expr(_const(self.choice(_FLOAT_CONSTS)), 0.0)
        if kind == "var":
            v = self.pick_read("float", max_weight=max_weight)
            assert v is not None
            return _Expr(_name(v.name), self.var_weight(v))
        if kind == "elem":
            arr = self.choice(arrays)
            node = ast.Subscript(
                value=_name(arr.name), slice=self.index(arr.length), ctx=ast.Load()
            )
            return _Expr(node, self.var_weight(arr))
        v = self.choice(self.readable("int", max_weight=max_weight))
        return _Expr(_binop(_const(0.5), ast.Mult(), _name(v.name)), 0.5 * self.var_weight(v))

    def float_expr(self, depth: int, max_weight: float = 1.0, *, free: bool = False) -> _Expr:
        """A float scalar expression whose writable-name coefficient is <= max_weight.

        ``free``: inside a bounded function, products are fine.
        """
        if depth <= 0:
            return self.float_leaf(max_weight)
        forms = ["leaf", "leaf", "add", "sub", "scale", "tanh", "abs", "minmax", "reduce"]
        forms += ["sin", "clip"]
        if free:
            forms += ["mul", "mul"]
        if self.opts.allow_ternary:
            forms.append("ternary")
        if self.opts.allow_boolops:
            forms.append("value_or")
        if self.opts.allow_builtins:
            forms.append("builtin")
        if self.helper is not None:
            forms.append("call")
        form = self.choice(forms)
        if form == "leaf":
            return self.float_leaf(max_weight)
        if form == "call":
            call = self.helper_call(max_weight, free=free)
            return call if free or call.weight <= max_weight else self.float_leaf(max_weight)
        if form in ("add", "sub"):
            left = self.float_expr(depth - 1, max_weight, free=free)
            right = self.float_expr(
                depth - 1, max_weight - left.weight if not free else max_weight, free=free
            )
            op = ast.Add() if form == "add" else ast.Sub()
            return _Expr(_binop(left.node, op, right.node), left.weight + right.weight)
        if form == "mul":
            left = self.float_expr(depth - 1, 1.0)
            right = self.float_expr(depth - 1, 1.0)
            return _Expr(_binop(left.node, ast.Mult(), right.node), left.weight * 4)
        if form == "scale":
            c = self.choice((0.5, -0.5, 2.0, -1.0, 0.25))
            inner = self.float_expr(depth - 1, max_weight / abs(c), free=free)
            return _Expr(_binop(_const(c), ast.Mult(), inner.node), abs(c) * inner.weight)
        if form == "tanh":
            inner = self.float_expr(depth - 1, 8.0, free=True)
            return _Expr(_jnp("tanh", inner.node), 0.0)
        if form == "sin":
            # no products inside sin: large arguments make float32 sin inaccurate
            inner = self.float_expr(depth - 1, 1.0)
            return _Expr(_jnp(self.choice(("sin", "cos")), inner.node), 0.0)
        if form == "clip":
            inner = self.float_expr(depth - 1, 8.0, free=True)
            return _Expr(_jnp("clip", inner.node, _const(-2.0), _const(2.0)), 0.0)
        if form == "abs":
            inner = self.float_expr(depth - 1, max_weight, free=free)
            return _Expr(_jnp("abs", inner.node), inner.weight)
        if form == "builtin":
            self.features.add("builtins")
            left = self.float_expr(depth - 1, max_weight, free=free)
            fn = self.choice(("abs", "min", "max"))
            if fn == "abs":
                return _Expr(_call("abs", left.node), left.weight)
            right = self.float_expr(depth - 1, max_weight, free=free)
            return _Expr(_call(fn, left.node, right.node), max(left.weight, right.weight))
        if form == "minmax":
            left = self.float_expr(depth - 1, max_weight, free=free)
            right = self.float_expr(depth - 1, max_weight, free=free)
            fn = self.choice(("maximum", "minimum"))
            return _Expr(_jnp(fn, left.node, right.node), max(left.weight, right.weight))
        if form == "reduce":
            # no max/min/mean of an empty array: NumPy raises or warns
            arrays = [v for v in self.readable("array") if v.length >= 1]
            arrays += [v for v in self.readable("matrix") if v.length >= 1]
            if not arrays:
                return self.float_leaf(max_weight)
            arr = self.choice(arrays)
            fn = self.choice(("mean", "max", "min", "sum"))
            size = arr.length * max(arr.rows, 1)
            w = self.var_weight(arr) * (size if fn == "sum" else 1)
            if w > max_weight and not free:
                return self.float_leaf(max_weight)
            return _Expr(_jnp(fn, _name(arr.name)), w)
        if form == "ternary":
            self.features.add("ternary")
            test = self.bool_expr(depth - 1)
            body = self.float_expr(depth - 1, max_weight, free=free)
            orelse = self.float_expr(depth - 1, max_weight, free=free)
            node = ast.IfExp(test=test, body=body.node, orelse=orelse.node)
            return _Expr(node, max(body.weight, orelse.weight))
        # value_or: Python returns the left operand when it is truthy
        self.features.add("or")
        left = self.float_expr(depth - 1, max_weight, free=free)
        right = self.float_expr(depth - 1, max_weight, free=free)
        return _Expr(
            ast.BoolOp(op=ast.Or(), values=[left.node, right.node]), max(left.weight, right.weight)
        )

    def int_leaf(self, max_weight: float) -> _Expr:
        v = None
        if self.chance(0.7):
            v = self.pick_read("int", max_weight=max_weight)
        if v is None:
            return _Expr(_const(self.choice(_INT_CONSTS)), 0.0)
        return _Expr(_name(v.name), self.var_weight(v))

    def int_expr(self, depth: int, max_weight: float = 1.0, *, free: bool = False) -> _Expr:
        if depth <= 0:
            return self.int_leaf(max_weight)
        forms = ["leaf", "leaf", "add", "sub", "mod", "clip", "count"]
        if free:
            forms.append("mul")
        if self.readable("mask") or self.readable("intarray", max_weight=max_weight):
            forms.append("mask_count")
        if self.opts.allow_ternary:
            forms.append("ternary")
        if self.opts.allow_builtins:
            forms.append("builtin")
        form = self.choice(forms)
        if form == "leaf":
            return self.int_leaf(max_weight)
        if form == "mask_count":
            # jnp.sum(mask) is bounded; cnt grows by at most 1 per element and guard
            counts = self.readable("intarray")
            counts = [v for v in counts if v.length * v.weight <= max_weight or free]
            if counts and (not self.readable("mask") or self.chance(0.5)):
                cnt = self.choice(counts)
                return _Expr(_jnp("sum", _name(cnt.name)), float(cnt.length) * cnt.weight)
            masks = self.readable("mask")
            if not masks:
                return self.int_leaf(max_weight)
            return _Expr(_jnp("sum", _name(self.choice(masks).name)), 0.0)
        if form == "builtin":
            self.features.add("builtins")
            left = self.int_expr(depth - 1, max_weight, free=free)
            fn = self.choice(("abs", "min", "max"))
            if fn == "abs":
                return _Expr(_call("abs", left.node), left.weight)
            right = self.int_expr(depth - 1, max_weight, free=free)
            return _Expr(_call(fn, left.node, right.node), max(left.weight, right.weight))
        if form in ("add", "sub"):
            left = self.int_expr(depth - 1, max_weight, free=free)
            right = self.int_expr(
                depth - 1, max_weight - left.weight if not free else max_weight, free=free
            )
            op = ast.Add() if form == "add" else ast.Sub()
            return _Expr(_binop(left.node, op, right.node), left.weight + right.weight)
        if form == "mul":
            # operands are linearly bounded, so the product fits in int32
            left = self.int_expr(depth - 1, 1.0)
            right = self.int_expr(depth - 1, 1.0)
            return _Expr(_binop(left.node, ast.Mult(), right.node), 16.0)
        if form == "mod":
            inner = self.int_expr(depth - 1, 8.0, free=True)
            return _Expr(_binop(inner.node, ast.Mod(), _const(self.choice((2, 3, 4, 5)))), 0.0)
        if form == "clip":
            inner = self.int_expr(depth - 1, 8.0, free=True)
            return _Expr(_jnp("clip", inner.node, _const(0), _const(4)), 0.0)
        if form == "count":
            arrays = self.readable("array")
            if not arrays:
                return self.int_leaf(max_weight)
            arr = self.choice(arrays)
            cmp = ast.Compare(
                left=_name(arr.name),
                ops=[self.choice((ast.Gt(), ast.Lt()))],
                comparators=[self.float_expr(depth - 1, 8.0, free=True).node],
            )
            return _Expr(_jnp("sum", cmp), 0.0)
        self.features.add("ternary")
        test = self.bool_expr(depth - 1)
        body = self.int_expr(depth - 1, max_weight, free=free)
        orelse = self.int_expr(depth - 1, max_weight, free=free)
        return _Expr(
            ast.IfExp(test=test, body=body.node, orelse=orelse.node),
            max(body.weight, orelse.weight),
        )

    def compare(self, depth: int) -> ast.expr:
        if self.chance(0.35):
            left = self.int_expr(depth, 8.0, free=True).node
            right = self.int_expr(max(depth - 1, 0), 8.0, free=True).node
            op = self.choice((ast.Lt(), ast.Gt(), ast.LtE(), ast.GtE(), ast.Eq(), ast.NotEq()))
        else:
            left = self.float_expr(depth, 8.0, free=True).node
            right = self.float_expr(max(depth - 1, 0), 8.0, free=True).node
            # no float ==: exact float equality is not a transpiler property
            op = self.choice((ast.Lt(), ast.Gt(), ast.LtE(), ast.GtE()))
        if self.opts.allow_boolops and self.chance(0.1):
            self.features.add("chained_compare")
            third = self.float_expr(0, 8.0, free=True).node
            return ast.Compare(
                left=left, ops=[op, self.choice((ast.Lt(), ast.Gt()))], comparators=[right, third]
            )
        return ast.Compare(left=left, ops=[op], comparators=[right])

    def bool_expr(self, depth: int) -> ast.expr:
        forms = ["cmp", "cmp", "cmp"]
        if self.readable("bool"):
            forms.append("var")
        if self.readable("mask"):
            forms.append("mask")
        if depth > 0:
            forms.append("bitand")
            if self.opts.allow_boolops:
                forms += ["and", "or", "not"]
        form = self.choice(forms)
        if form == "cmp":
            return self.compare(max(depth - 1, 0))
        if form == "var":
            v = self.pick_read("bool")
            assert v is not None
            return _name(v.name)
        if form == "mask":
            return self.mask_test(self.choice(self.readable("mask")))
        if form == "bitand":
            # (a < b) & (c > d): elementwise on bools, valid without boolop support
            op = self.choice((ast.BitAnd(), ast.BitOr()))
            return _binop(self.compare(0), op, self.compare(0))
        if form == "not":
            self.features.add("not")
            return ast.UnaryOp(op=ast.Not(), operand=self.bool_expr(depth - 1))
        self.features.add(form)
        op = ast.And() if form == "and" else ast.Or()
        return ast.BoolOp(op=op, values=[self.bool_expr(depth - 1), self.bool_expr(depth - 1)])

    def array_source(self, length: int) -> tuple[ast.expr, float]:
        """An array of ``length`` to compute with: a name or a row ``hist[i]`` (not fresh)."""
        rows = self.readable("matrix", length=length)
        if rows and self.chance(0.3):
            mat = self.choice(rows)
            row = ast.Subscript(value=_name(mat.name), slice=self.index(mat.rows), ctx=ast.Load())
            return row, mat.weight
        src = self.choice(self.readable("array", length=length))
        return _name(src.name), self.var_weight(src)

    def array_expr(self, length: int, depth: int) -> _Expr:
        """A fresh float array of ``length``: never a bare name (no aliasing)."""
        have_sources = bool(
            self.readable("array", length=length) or self.readable("matrix", length=length)
        )
        forms = ["zeros"]
        if have_sources:
            forms += ["scale", "shift", "tanh", "where", "clip", "abs", "maximum"]
            if self.readable("mask", length=length):
                forms.append("masked")
        form = self.choice(forms)
        if form == "zeros":
            return _Expr(_jnp(self.choice(("zeros", "ones")), _const(length)), 0.0)
        if self.readable("array", length=length):
            base, w = self.array_source(length)
        else:
            mat = self.choice(self.readable("matrix", length=length))
            base = ast.Subscript(value=_name(mat.name), slice=self.index(mat.rows), ctx=ast.Load())
            w = mat.weight
        if form == "masked":
            mask = self.choice(self.readable("mask", length=length))
            rhs = self.float_expr(max(depth - 1, 0), 0.0)
            return _Expr(_jnp("where", _name(mask.name), base, rhs.node), w)
        if form == "scale":
            c = self.choice((0.5, -1.0, 0.25, -0.5))
            return _Expr(_binop(base, ast.Mult(), _const(c)), abs(c) * w)
        if form == "shift":
            rhs = self.float_expr(max(depth - 1, 0), 0.0)
            return _Expr(_binop(base, self.choice((ast.Add(), ast.Sub())), rhs.node), w)
        if form == "tanh":
            return _Expr(_jnp("tanh", base), 0.0)
        if form == "clip":
            return _Expr(_jnp("clip", base, _const(-1.0), _const(1.0)), 0.0)
        if form == "abs":
            return _Expr(_jnp("abs", base), w)
        if form == "maximum":
            rhs = self.float_expr(max(depth - 1, 0), 0.0)
            return _Expr(_jnp(self.choice(("maximum", "minimum")), base, rhs.node), w)
        other = self.choice(self.readable("array", length=length) or [None])
        cmp = ast.Compare(
            left=base, ops=[ast.Gt()], comparators=[self.float_expr(0, 8.0, free=True).node]
        )
        other_node = _name(other.name) if other is not None else _jnp("ones", _const(length))
        scaled = _binop(other_node, ast.Mult(), _const(0.5))
        return _Expr(_jnp("where", cmp, base, scaled), w)

    def mask_test(self, mask: _Var) -> ast.expr:
        """``mask.any()``, ``mask.all()`` or ``jnp.any(mask)``: a bool from a bool array."""
        form = self.choice(("any", "any", "all", "jnp_any"))
        if form == "jnp_any":
            return _jnp("any", _name(mask.name))
        method = ast.Attribute(value=_name(mask.name), attr=form, ctx=ast.Load())
        return ast.Call(func=method, args=[], keywords=[])

    def mask_expr(self, length: int) -> ast.expr | None:
        """A fresh bool array of ``length`` from comparisons of array locals."""
        arrays = self.readable("array", length=length, max_weight=8.0)
        if not arrays:
            return None

        def cmp() -> ast.expr:
            left: ast.expr = _name(self.choice(arrays).name)
            if self.chance(0.2):
                left = _jnp("abs", left)
            op = self.choice((ast.Gt(), ast.Lt(), ast.GtE(), ast.LtE()))
            if len(arrays) > 1 and self.chance(0.3):
                right = _name(self.choice(arrays).name)
            else:
                right = self.float_expr(1, 8.0, free=True).node
            return ast.Compare(left=left, ops=[op], comparators=[right])

        masks = self.readable("mask", length=length)
        form = self.choice(("cmp", "cmp", "cmp", "and", "or", "invert"))
        if form == "invert" and masks:
            return ast.UnaryOp(op=ast.Invert(), operand=_name(self.choice(masks).name))
        if form in ("and", "or"):
            op = ast.BitAnd() if form == "and" else ast.BitOr()
            return _binop(cmp(), op, cmp())
        return cmp()

    def helper_call(self, max_weight: float, *, free: bool) -> _Expr:
        """``aux(...)``: weight 0 with bounded arguments, else only where products are fine."""
        assert self.helper is not None
        bounded = not free or self.chance(0.5)
        limit = 0.0 if bounded else 8.0
        args: list[ast.expr] = []
        weight = 0.0
        for p in self.helper.params:
            if p.kind == "int":
                inner = self.int_expr(1, 8.0, free=True).node
                args.append(_binop(inner, ast.Mod(), _const(5)))  # a short loop in aux
            elif p.kind == "float":
                e = self.float_expr(1, limit, free=not bounded)
                args.append(e.node)
                weight = max(weight, e.weight)
            else:
                names = self.readable("array", length=p.length, max_weight=limit)
                if names and self.chance(0.7):
                    v = self.choice(names)  # passed by name: aux never writes its parameters
                    args.append(_name(v.name))
                    weight = max(weight, v.weight)
                else:
                    e = self.array_expr(p.length, 1)
                    args.append(e.node)
                    weight = max(weight, e.weight)
        node = ast.Call(func=_name(self.helper.name), args=args, keywords=[])
        return _Expr(node, 0.0 if weight == 0 else 8.0)

    def ret_value(self) -> ast.expr:
        elts = []
        for kind in self.ret_kinds:
            if kind == "float":
                elts.append(self.float_expr(2, 8.0, free=True).node)
            elif kind == "int":
                elts.append(self.int_expr(2, 8.0, free=True).node)
            elif kind == "bool":
                elts.append(self.bool_expr(1))
            else:
                arr = self.pick_read("array", length=self.ret_length)
                if arr is not None and self.chance(0.6):
                    elts.append(_name(arr.name))
                else:
                    elts.append(self.array_expr(self.ret_length, 1).node)
        elts += [_name(n) for n in self.ret_extra]
        if len(elts) == 1:
            return elts[0]
        return ast.Tuple(elts=elts, ctx=ast.Load())

    # -- statements ------------------------------------------------------
    def assign(self) -> list[ast.stmt] | None:
        kinds = [k for k in ("float", "float", "int", "bool", "array") if self.writable(k)]  # type: ignore[arg-type]
        kind = self.choice(kinds)
        target = self.choice(self.writable(kind))
        if kind == "float":
            if self.chance(0.2):
                value = _const(self.choice(_FLOAT_CONSTS))
            else:
                value = self.float_expr(2).node
        elif kind == "int":
            value = self.int_expr(2).node
        elif kind == "bool":
            value = self.bool_expr(2)
        else:
            value = self.array_expr(target.length, 2).node
        if (
            not self.opts.allow_unbound_copy
            and isinstance(value, ast.Name)
            and value.id in self.maybe
            and value.id not in self.defined
        ):
            # `k = i` alone: use the value instead of copying it (see allow_unbound_copy)
            op = ast.BitAnd() if kind == "bool" else ast.Add()
            value = ast.BinOp(left=value, op=op, right=_const(True if kind == "bool" else 0))
        self.bind(target.name)
        self.features.add("assign")
        return [ast.Assign(targets=[_store(target.name)], value=value)]

    def augassign(self) -> list[ast.stmt] | None:
        kinds = [
            k
            for k in ("float", "int", "array")
            if [v for v in self.writable(k) if v.name in self.defined]  # type: ignore[arg-type]
        ]
        if not kinds:
            return None
        kind = self.choice(kinds)
        target = self.choice([v for v in self.writable(kind) if v.name in self.defined])
        if kind == "float":
            op = self.choice((ast.Add(), ast.Sub(), ast.Mult()))
            if isinstance(op, ast.Mult):
                value = self.choice(
                    (
                        _const(0.5),
                        _const(-0.5),
                        _jnp("tanh", self.float_expr(1, 8.0, free=True).node),
                    )
                )
            else:
                value = self.float_expr(2, 0.0).node
        elif kind == "int":
            op = self.choice((ast.Add(), ast.Sub()))
            value = self.int_expr(1, 0.0).node
        else:
            op = self.choice((ast.Add(), ast.Sub(), ast.Mult()))
            value = self.float_expr(1, 0.0).node if not isinstance(op, ast.Mult) else _const(0.5)
        self.features.add("augassign")
        return [ast.AugAssign(target=_store(target.name), op=op, value=value)]

    def subscript_assign(self) -> list[ast.stmt] | None:
        arrays = [v for v in self.writable("array") if v.name in self.defined and v.length >= 1]
        if not arrays:
            return None
        arr = self.choice(arrays)
        self.features.add("subscript_assign")
        if self.chance(0.4):
            # a static slice w[a:b], 0 <= a < b <= length
            self.features.add("slice_assign")
            lo = self.draw(st.integers(0, arr.length - 1))
            hi = self.draw(st.integers(lo + 1, arr.length))
            piece = ast.Slice(lower=_const(lo) if lo else None, upper=_const(hi))
            target = ast.Subscript(value=_name(arr.name), slice=piece, ctx=ast.Store())
            op = self.choice((ast.Add(), ast.Sub(), ast.Mult()))
            value = _const(0.5) if isinstance(op, ast.Mult) else self.float_expr(1, 0.0).node
            if self.chance(0.3):
                return [ast.Assign(targets=[target], value=self.float_expr(1, 1.0).node)]
            return [ast.AugAssign(target=target, op=op, value=value)]
        target = ast.Subscript(value=_name(arr.name), slice=self.index(arr.length), ctx=ast.Store())
        if self.chance(0.4):
            op = self.choice((ast.Add(), ast.Sub()))
            return [ast.AugAssign(target=target, op=op, value=self.float_expr(1, 0.0).node)]
        return [ast.Assign(targets=[target], value=self.float_expr(2).node)]

    def bind(self, name: str) -> None:
        self.defined.add(name)
        self.maybe.add(name)

    def block(self, depth: int, *, keep_going: float = 0.6) -> tuple[list[ast.stmt], bool]:
        """Statements until the budget or a draw ends the block; (stmts, terminates)."""
        out: list[ast.stmt] = []
        while self.budget > 0:
            if out and not self.chance(keep_going):
                break
            stmts, term = self.statement(depth)
            out.extend(stmts)
            if term:
                return out, True
        if not out:
            out.append(ast.Pass())
        return out, False

    def statement(self, depth: int) -> tuple[list[ast.stmt], bool]:
        self.budget -= 1
        forms: list[str] = ["assign", "assign", "assign", "augassign"]
        if self.opts.allow_subscript_assign:
            forms += ["subscript", "subscript"]
        if depth < self.opts.max_depth and self.budget > 0:
            if self.opts.allow_if:
                forms += ["if", "if"]
                if self.mask is not None:
                    # the runtime drops redundant guards in loop bodies: draw them there most
                    forms += ["guard"] * (4 if self.loops else 1)
            if len(self.loops) < self.opts.max_loop_depth:
                if self.opts.allow_for:
                    forms += ["for", "for"]
                    if self.records:
                        forms += ["record", "record", "record"]
                if self.opts.allow_while:
                    forms.append("while")
        if self.helper is not None and self.writable("float"):
            forms.append("helper")
        if self.loops:
            if self.opts.allow_break:
                forms.append("break")
            if self.opts.allow_continue:
                forms.append("continue")
            if self.opts.allow_return_in_loop:
                forms.append("return")
        elif self.nesting > 0 and self.opts.allow_early_return:
            forms.append("return")
        form = self.choice(forms)
        if form == "assign":
            return self.assign() or [], False
        if form == "augassign":
            return self.augassign() or self.assign() or [], False
        if form == "subscript":
            return self.subscript_assign() or self.assign() or [], False
        if form == "if":
            return self.if_stmt(depth)
        if form == "for":
            return self.for_stmt(depth), False
        if form == "record":
            return self.record_loop(depth), False
        if form == "guard":
            return self.guard_stmt(depth)
        if form == "helper":
            return self.helper_assign(), False
        if form == "while":
            return self.while_stmt(depth), False
        if form in ("break", "continue"):
            self.features.add(form)
            stmt: ast.stmt = ast.Break() if form == "break" else ast.Continue()
            return [stmt], True
        self.features.add("return_in_loop" if self.loops else "return_in_if")
        return [ast.Return(value=self.ret_value())], True

    nesting = 0

    def if_stmt(self, depth: int) -> tuple[list[ast.stmt], bool]:
        self.features.add("if")
        if self.nesting > 0 and self.in_if:
            self.features.add("nested_if")
        test = self.bool_expr(2)
        before_defined = set(self.defined)
        n_elif = self.draw(st.integers(0, 2)) if self.chance(0.3) else 0
        has_else = self.chance(0.5)
        arms: list[tuple[ast.expr | None, list[ast.stmt], bool, set[str]]] = []
        tests: list[ast.expr | None] = [test]
        for _ in range(n_elif):
            tests.append(self.bool_expr(2))
        if has_else:
            tests.append(None)
        self.nesting += 1
        was_in_if = self.in_if
        self.in_if = True
        before_maybe = set(self.maybe)
        maybe_after = set(before_maybe)
        for t in tests:
            self.defined = set(before_defined)
            self.maybe = set(before_maybe)  # a sibling arm's names are never bound on this path
            body, term = self.block(depth + 1)
            arms.append((t, body, term, set(self.defined)))
            maybe_after |= self.maybe
        self.maybe = maybe_after
        self.in_if = was_in_if
        self.nesting -= 1
        if n_elif:
            self.features.add("elif")
        if has_else:
            self.features.add("else")
        live = [d for (_, _, term, d) in arms if not term]
        if not has_else:
            live.append(before_defined)
        terminates = not live
        if terminates:
            self.defined = set(before_defined)
        else:
            self.defined = set.intersection(*live)
        # a name assigned in some arms only: a good edge case even when unused later
        assigned_somewhere = set().union(*(d for (_, _, _, d) in arms)) - before_defined
        if assigned_somewhere - self.defined:
            self.features.add("branch_only_name")
        # build the chain from the last arm up
        orelse: list[ast.stmt] = []
        if has_else:
            orelse = arms[-1][1]
            arms = arms[:-1]
        for t, body, _, _ in reversed(arms[1:]):
            assert t is not None
            orelse = [ast.If(test=t, body=body, orelse=orelse)]
        first_test, first_body = arms[0][0], arms[0][1]
        assert first_test is not None
        return [ast.If(test=first_test, body=first_body, orelse=orelse)], terminates

    in_if = False

    def loop_body(
        self, depth: int, loop: _Loop, bound_targets: list[str], prefix: list[ast.stmt]
    ) -> list[ast.stmt]:
        before_defined = set(self.defined)
        if self.loops:
            self.features.add("nested_loop")
        self.loops.append(loop)
        self.nesting += 1
        was_in_if = self.in_if
        self.in_if = False
        for t in bound_targets:
            self.bind(t)
        guard = self.loop_guard(depth + 1)
        body, _ = self.block(depth + 1)
        if guard:
            body = guard + [b for b in body if not isinstance(b, ast.Pass)]
        self.in_if = was_in_if
        self.nesting -= 1
        self.loops.pop()
        # zero trips or an early break/continue/return: only what was bound before is sure
        self.defined = before_defined
        return prefix + body

    def loop_targets(self, kind: str) -> str:
        names = {"int": ("i", "j", "l"), "float": ("v", "e", "g"), "float2": ("r", "h", "o")}[kind]
        return names[len(self.loops)]

    def for_stmt(self, depth: int) -> list[ast.stmt]:
        targets = {self.loop_targets(k) for k in ("int", "float", "float2")}
        if not self.opts.allow_partial_loop_target and targets & (self.maybe - self.defined):
            return self.assign() or []
        defined_before = set(self.defined)
        forms = ["range_static"]
        if self.opts.allow_traced_range and self.readable("int"):
            forms.append("range_traced")
        arrays = self.readable("array")
        if arrays:
            forms += ["array", "enumerate"]
        pairs = [(a, b) for a in arrays for b in arrays if a.length == b.length and a.name < b.name]
        if pairs:
            forms += ["zip", "zip", "zip"]
        forms.append("tuple")
        form = self.choice(forms)
        idx = self.loop_targets("int")
        elem = self.loop_targets("float")
        elem2 = self.loop_targets("float2")
        previous = {n: self.vars.get(n) for n in (idx, elem, elem2)}
        iterated: tuple[str, ...] = ()
        static_trips = None
        if form == "range_static":
            self.features.add("for_range_static")
            arrays_ = [v for v in self.readable("array") if v.length >= 1]
            arrays_used = bool(arrays_) and self.chance(0.3)
            start = 0
            if arrays_used:
                arr = self.choice(arrays_)
                it = _call("range", _call("len", _name(arr.name)))
                stop = arr.length
            else:
                stop = self.draw(st.integers(0, 4))
                start = self.draw(st.integers(0, 1)) if self.chance(0.2) else 0
                it = (
                    _call("range", _const(stop))
                    if start == 0
                    else _call("range", _const(start), _const(stop))
                )
            static_trips = max(0, stop - start) if not arrays_used else stop
            self.vars[idx] = _Var(idx, "int", writable=False, weight=0.0, bound=stop)
            target: ast.expr = _store(idx)
            bound_targets = [idx]
        elif form == "range_traced":
            self.features.add("for_range_traced")
            ints = self.readable("int")
            src = self.choice(ints)
            choice = self.choice(("bare", "clip", "mod"))
            if choice == "bare" and not src.writable:
                it = _call("range", _name(src.name))
            elif choice == "mod" or choice == "bare":
                it = _call("range", _binop(_name(src.name), ast.Mod(), _const(4)))
            else:
                it = _call("range", _jnp("clip", _name(src.name), _const(0), _const(4)))
            self.vars[idx] = _Var(idx, "int", writable=False, weight=0.0, bound=None)
            target = _store(idx)
            bound_targets = [idx]
        elif form == "tuple":
            # a Python tuple: stays a Python loop, unrolled
            self.features.add("for_tuple")
            values = self.draw(st.lists(st.sampled_from(_FLOAT_CONSTS), min_size=1, max_size=3))
            it = ast.Tuple(elts=[_const(v) for v in values], ctx=ast.Load())
            static_trips = len(values)
            self.vars[elem] = _Var(elem, "float", writable=False, weight=0.0)
            target = _store(elem)
            bound_targets = [elem]
        elif form == "zip":
            self.features.add("for_zip")
            first, second = self.choice(pairs)
            iterated = (first.name, second.name)
            static_trips = first.length
            self.vars[elem] = _Var(elem, "float", writable=False, weight=first.weight)
            self.vars[elem2] = _Var(elem2, "float", writable=False, weight=second.weight)
            it = _call("zip", _name(first.name), _name(second.name))
            target = ast.Tuple(elts=[_store(elem), _store(elem2)], ctx=ast.Store())
            bound_targets = [elem, elem2]
        else:
            arr = self.choice(arrays)
            iterated = (arr.name,)
            static_trips = arr.length
            self.vars[elem] = _Var(elem, "float", writable=False, weight=arr.weight)
            if form == "array":
                self.features.add("for_array")
                it = _name(arr.name)
                target = _store(elem)
                bound_targets = [elem]
            else:
                self.features.add("for_enumerate")
                it = _call("enumerate", _name(arr.name))
                self.vars[idx] = _Var(idx, "int", writable=False, weight=0.0, bound=arr.length)
                target = ast.Tuple(elts=[_store(idx), _store(elem)], ctx=ast.Store())
                bound_targets = [idx, elem]
        body = self.loop_body(depth, _Loop("for", iterated), bound_targets, [])
        self.after_for(bound_targets, previous, static_trips, defined_before)
        return [ast.For(target=target, iter=it, body=body, orelse=self.loop_else(depth))]

    def while_stmt(self, depth: int) -> list[ast.stmt]:
        self.features.add("while")
        counter = f"c{self.counter_ids}"
        self.counter_ids += 1
        init = ast.Assign(targets=[_store(counter)], value=_const(0))
        self.vars[counter] = _Var(counter, "int", writable=False, weight=0.0, bound=None)
        self.bind(counter)
        ints = [
            v
            for v in self.readable("int")
            if not v.writable and v.name != counter and v.name in ("n", "m")
        ]
        if ints and self.chance(0.4):
            limit: ast.expr = _name(self.choice(ints).name)  # traced trip count
        else:
            limit = _const(self.draw(st.integers(0, 4)))
        bound = ast.Compare(left=_name(counter), ops=[ast.Lt()], comparators=[limit])
        incr = ast.AugAssign(target=_store(counter), op=ast.Add(), value=_const(1))
        if self.opts.allow_break and self.opts.allow_if and self.chance(0.3):
            # `while <any condition>:` that a counter breaks out of
            self.features.add("break")
            self.features.add("while_break")
            guard = ast.If(
                test=ast.Compare(left=_name(counter), ops=[ast.GtE()], comparators=[limit]),
                body=[ast.Break()],
                orelse=[],
            )
            body = self.loop_body(depth, _Loop("while", ()), [], [incr, guard])
            loop = ast.While(test=self.bool_expr(1), body=body, orelse=self.loop_else(depth))
            return [init, loop]
        if self.chance(0.5):
            extra = self.compare(1)
            if self.opts.allow_boolops and self.chance(0.6):
                self.features.add("and")
                test: ast.expr = ast.BoolOp(op=ast.And(), values=[bound, extra])
            else:
                test = _binop(bound, ast.BitAnd(), extra)
        else:
            test = bound
        body = self.loop_body(depth, _Loop("while", ()), [], [incr])
        return [init, ast.While(test=test, body=body, orelse=self.loop_else(depth))]

    # -- record buffers --------------------------------------------------
    def fresh_buffer(self, buf: _Var) -> ast.expr:
        """A new buffer of ``buf``'s shape: ``jnp.zeros(5)``, ``jnp.full((3, 2), -1.0)``..."""
        shape: ast.expr = (
            ast.Tuple(elts=[_const(buf.rows), _const(buf.length)], ctx=ast.Load())
            if buf.kind == "matrix"
            else _const(buf.length)
        )
        form = self.choice(("zeros", "zeros", "ones", "full"))
        if form == "full":
            # a Python float fill: JAX makes a weakly typed buffer
            return _jnp("full", shape, _const(self.choice((-1.0, 0.5))))
        return _jnp(form, shape)

    def record_index(self, idx: str, n: int, values: Sequence[int]) -> tuple[ast.expr, list[int]]:
        """A row of an ``n``-row buffer computed from the loop index ``idx``.

        Returns the index expression and its value at each of ``values`` (the
        loop index's possible values); every one lies in ``[-n, n)``.
        """
        i = lambda: _name(idx)  # noqa: E731 - a fresh node per use

        def neg(e: ast.expr) -> ast.expr:
            return ast.UnaryOp(op=ast.USub(), operand=e)

        forms: list[ast.expr] = [
            i(),
            i(),
            _binop(i(), ast.Add(), _const(1)),
            _binop(i(), ast.Sub(), _const(1)),
            _binop(_binop(_const(2), ast.Mult(), i()), ast.Add(), _const(1)),
            _binop(_const(2), ast.Mult(), i()),
            _binop(neg(i()), ast.Sub(), _const(1)),
            _binop(neg(i()), ast.Sub(), _const(1)),
            _binop(_const(n - 1), ast.Sub(), i()),
            _binop(_binop(i(), ast.Add(), _const(2)), ast.Mod(), _const(n)),
            _binop(i(), ast.Mod(), _const(n)),
            _binop(i(), ast.FloorDiv(), _const(2)),
            _binop(i(), ast.Mod(), _const(2)),
            _const(0),
        ]
        if self.opts.allow_builtins:
            forms.append(_call("min", i(), _const(n - 1)))
        valid = []
        for node in forms:
            code = compile(ast.fix_missing_locations(ast.Expression(node)), "<index>", "eval")
            rows = [eval(code, {"min": min}, {idx: v}) for v in values]  # noqa: S307 - ours
            if all(-n <= r < n for r in rows):
                valid.append((node, rows))
        if not valid:  # i % n is always in range
            return _binop(i(), ast.Mod(), _const(n)), [v % n for v in values]
        node, rows = self.choice(valid)
        return node, rows

    def row_value(self, length: int) -> ast.expr:
        """A row for a 2-D buffer: an array of ``length`` or a scalar (broadcast)."""
        names = self.readable("array", length=length)
        form = self.choice(["expr", "expr", "scalar"] + (["name", "name"] if names else []))
        if form == "name":
            return _name(self.choice(names).name)  # copied into the row
        if form == "scalar":
            return self.float_expr(1).node
        return self.array_expr(length, 2).node

    def record_write(
        self, buf: _Var, idx: str, values: Sequence[int], depth: int, *, read: bool
    ) -> ast.stmt:
        """``buf[<row from idx>] = <value>``, sometimes under an ``if``; ``read``: may read ``buf``."""
        n = buf.rows if buf.kind == "matrix" else buf.length
        index, rows = self.record_index(idx, n, values)
        if len(set(r % n for r in rows)) < len(rows):
            self.features.add("record_repeat")
        if any(r < 0 for r in rows):
            self.features.add("record_negative_index")
        if buf.kind == "matrix":
            self.features.add("record_2d")
            value = self.row_value(buf.length)
        elif read and self.chance(0.3):
            old = ast.Subscript(value=_name(buf.name), slice=self.index(n), ctx=ast.Load())
            value = _binop(
                _binop(_const(0.5), ast.Mult(), old), ast.Add(), self.float_expr(1, 0.5).node
            )
        else:
            value = self.float_expr(2).node
        write: ast.stmt = ast.Assign(
            targets=[ast.Subscript(value=_name(buf.name), slice=index, ctx=ast.Store())],
            value=value,
        )
        if self.opts.allow_if and depth + 1 < self.opts.max_depth and self.chance(0.35):
            self.features.add("record_conditional")
            write = ast.If(test=self.bool_expr(1), body=[write], orelse=[])
        return write

    def record_loop(self, depth: int) -> list[ast.stmt]:
        """A ``for`` loop over a counter that writes a record buffer once per iteration.

        Equivalent to drawing, by hand::

            buf = jnp.zeros(4)            # sometimes: a fresh buffer right before the loop
            for i, v in enumerate(x):     # or range(...), zip(range(k), x), range(n % 4)
                ...
                buf[2 * i + 1] = s + v    # or hist[i] = w * 0.5 (a row of a 2-D buffer)
                ...
        """
        idx, elem = self.loop_targets("int"), self.loop_targets("float")
        bufs = [
            v for v in self.writable("array") + self.writable("matrix") if v.name in self.records
        ]
        partial = {idx, elem} & (self.maybe - self.defined)
        if not bufs or (partial and not self.opts.allow_partial_loop_target):
            return self.for_stmt(depth)
        matrices = [b for b in bufs if b.kind == "matrix"]
        buf = self.choice(matrices if matrices and self.chance(0.5) else bufs)
        n = buf.rows if buf.kind == "matrix" else buf.length
        self.features.add("record_loop")
        out: list[ast.stmt] = []
        if self.chance(0.3):
            out.append(ast.Assign(targets=[_store(buf.name)], value=self.fresh_buffer(buf)))
        defined_before = set(self.defined)
        previous = {name: self.vars.get(name) for name in (idx, elem)}
        arrays = [a for a in self.readable("array") if a.name != buf.name]
        ints = self.readable("int")
        forms = ["range", "range", "range"]
        if arrays:
            forms += ["enumerate", "enumerate", "zip", "range_len"]
        if self.opts.allow_traced_range and ints:
            forms.append("traced")
        form = self.choice(forms)
        iterated: tuple[str, ...] = ()
        static_trips: int | None
        bound_targets = [idx]
        target: ast.expr = _store(idx)
        if form == "range":
            # mostly at least one trip; sometimes none, sometimes more than the rows
            step = self.choice((2, -1, -2)) if self.chance(0.2) else 1
            start = self.draw(st.integers(0, 1)) if self.chance(0.3) else 0
            stop = start + self.draw(st.integers(1, n + 1)) if not self.chance(0.1) else 0
            if step < 0:
                start, stop = stop - 1, start - 1
            values = list(range(start, stop, step))
            args = [_const(stop)] if (start, step) == (0, 1) else [_const(start), _const(stop)]
            if step != 1:
                args.append(_const(step))
            it = _call("range", *args)
            static_trips = len(values)
        elif form == "traced":
            src = self.choice(ints)
            if self.chance(0.5):
                it = _call("range", _binop(_name(src.name), ast.Mod(), _const(4)))
            else:
                it = _call("range", _jnp("clip", _name(src.name), _const(0), _const(4)))
            values = list(range(4))  # every trip count the loop can have is a prefix
            static_trips = None
        else:
            arr = self.choice(arrays)
            static_trips = arr.length
            if form == "range_len":
                it = _call("range", _call("len", _name(arr.name)))
                values = list(range(arr.length))
            else:
                iterated = (arr.name,)
                self.vars[elem] = _Var(elem, "float", writable=False, weight=arr.weight)
                bound_targets = [idx, elem]
                if form == "enumerate":
                    start = self.draw(st.integers(1, 2)) if self.chance(0.25) else 0
                    args = [_name(arr.name)] + ([_const(start)] if start else [])
                    it = _call("enumerate", *args)
                    values = list(range(start, start + arr.length))
                    target = ast.Tuple(elts=[_store(idx), _store(elem)], ctx=ast.Store())
                else:
                    k = self.draw(st.integers(1, n + 1)) if not self.chance(0.1) else 0
                    values = list(range(min(k, arr.length)))
                    static_trips = len(values)
                    if self.chance(0.5):
                        it = _call("zip", _call("range", _const(k)), _name(arr.name))
                        target = ast.Tuple(elts=[_store(idx), _store(elem)], ctx=ast.Store())
                    else:
                        it = _call("zip", _name(arr.name), _call("range", _const(k)))
                        target = ast.Tuple(elts=[_store(elem), _store(idx)], ctx=ast.Store())
        low_ok = all(v >= 0 for v in values)
        self.vars[idx] = _Var(
            idx,
            "int",
            writable=False,
            weight=0.0,
            bound=(max(values, default=-1) + 1) if low_ok else None,
        )
        # the body, with the write drawn where the loop's names are bound
        before_defined = set(self.defined)
        if self.loops:
            self.features.add("nested_loop")
        self.loops.append(_Loop("for", iterated))
        self.nesting += 1
        was_in_if = self.in_if
        self.in_if = False
        for t in bound_targets:
            self.bind(t)
        # most record loops only write the buffer (what the runtime stacks); some read it too
        hide = not self.chance(0.35)
        hidden = {buf.name} - self.hidden if hide else set()
        self.hidden |= hidden
        writes = [self.record_write(buf, idx, values, depth, read=not hide)]
        others = [b for b in bufs if b.name != buf.name and b.name not in iterated]
        if others and self.chance(0.7):
            # a second buffer recorded by the same loop (two rows stacked per step)
            self.features.add("record_two_buffers")
            other = self.choice(others)
            if hide and other.name not in self.hidden:
                hidden.add(other.name)
                self.hidden.add(other.name)
            writes.append(self.record_write(other, idx, values, depth, read=False))
        self.budget -= len(writes)
        guard = self.loop_guard(depth + 1)
        body, term = self.block(depth + 1)
        if guard:
            body = guard + [b for b in body if not isinstance(b, ast.Pass)]
        self.hidden -= hidden
        if len(body) == 1 and isinstance(body[0], ast.Pass):
            body = []
            term = False
        for write in writes:
            at = self.draw(st.integers(0, len(body) - (1 if term else 0)))
            body.insert(at, write)
        self.in_if = was_in_if
        self.nesting -= 1
        self.loops.pop()
        self.defined = before_defined
        reads = sum(
            1
            for stmt in body
            for node in ast.walk(stmt)
            if isinstance(node, ast.Name) and node.id == buf.name and isinstance(node.ctx, ast.Load)
        )
        if reads > 1:  # one is the write's own target
            self.features.add("record_read")
        self.after_for(bound_targets, previous, static_trips, defined_before)
        out.append(ast.For(target=target, iter=it, body=body, orelse=self.loop_else(depth)))
        return out

    def after_for(
        self,
        bound_targets: list[str],
        previous: dict[str, _Var | None],
        static_trips: int | None,
        defined_before: set[str],
    ) -> None:
        """What a ``for`` loop leaves bound: its targets, if it surely ran."""
        for n in bound_targets:
            # after the loop the name holds this loop's last value or an older one
            old, new = previous[n], self.vars[n]
            if old is not None and n in self.maybe:
                bounds = (old.bound, new.bound)
                new.bound = None if None in bounds else max(bounds)  # type: ignore[type-var]
                new.weight = max(old.weight, new.weight)
        self.maybe.update(bound_targets)
        if static_trips and (
            self.opts.allow_partial_loop_target or set(bound_targets) <= defined_before
        ):
            # Python leaves the loop target bound to its last value
            self.defined.update(bound_targets)
            self.features.add("loop_target_after_loop_possible")

    # -- mask guards -----------------------------------------------------
    def loop_guard(self, depth: int) -> list[ast.stmt]:
        """Now and then, a mask guard opening a loop body (where the runtime drops guards)."""
        if (
            self.mask is None
            or not self.opts.allow_if
            or depth >= self.opts.max_depth
            or self.budget <= 0
            or not self.chance(0.5)
        ):
            return []
        self.budget -= 1
        stmts, _ = self.guard_stmt(depth)
        return stmts

    def guard_stmt(self, depth: int) -> tuple[list[ast.stmt], bool]:
        """``mask = <comparison>`` then ``if mask.any():`` with masked updates.

        Equivalent to drawing, by hand::

            mask = x > s
            if mask.any():
                w = jnp.where(mask, 0.5 * w, w)
                cnt += mask.astype(int)
        """
        mask = self.mask
        assert mask is not None
        out: list[ast.stmt] = []
        if mask.name not in self.defined or self.chance(0.7):
            e = self.mask_expr(mask.length)
            if e is None and mask.name not in self.defined:
                return self.assign() or [], False
            if e is not None:
                out.append(ast.Assign(targets=[_store(mask.name)], value=e))
                self.bind(mask.name)
        self.features.add("mask_guard")
        form = self.choice(("any", "any", "any", "jnp_any", "all", "not_any"))
        call = ast.Call(
            func=ast.Attribute(
                value=_name(mask.name), attr="all" if form == "all" else "any", ctx=ast.Load()
            ),
            args=[],
            keywords=[],
        )
        test: ast.expr = call
        if form == "jnp_any":
            test = _jnp("any", _name(mask.name))
        elif form == "not_any" and self.opts.allow_boolops:
            self.features.add("not")
            test = ast.UnaryOp(op=ast.Not(), operand=call)
        if form in ("all", "not_any"):
            self.features.add("mask_guard_all")
        before_defined = set(self.defined)
        body: list[ast.stmt] = []
        for _ in range(self.draw(st.integers(1, 2))):
            update = self.guard_update(mask)
            if update is not None:
                body.append(update)
        if not body:
            body = self.assign() or [ast.Pass()]
        if self.budget > 0 and self.chance(0.2):
            self.nesting += 1
            was_in_if = self.in_if
            self.in_if = True
            extra, _ = self.block(depth + 1)
            self.in_if = was_in_if
            self.nesting -= 1
            body += extra
        self.defined = before_defined  # the branch may not run
        out.append(ast.If(test=test, body=body, orelse=[]))
        return out, False

    def cheap_value(self, length: int) -> ast.expr:
        """An array or scalar from adds, products and selects only (weight <= 1).

        A traced branch made of such operations runs as ``lax.select_n``
        (runtime/branch_select.py), which is where the runtime drops guards.
        """
        arrays = self.readable("array", length=length)
        floats = self.readable("float")
        form = self.choice(
            ["const"] + ["scalar"] * bool(floats) + ["array", "array"] * bool(arrays)
        )
        if form == "const":
            return _const(self.choice(_FLOAT_CONSTS))
        if form == "scalar":
            return _name(self.choice(floats).name)
        base = _name(self.choice(arrays).name)
        op = self.choice(("add", "mul", "max", "neg"))
        if op == "add":
            return _binop(base, ast.Add(), _const(self.choice((0.5, -1.0, 1.0))))
        if op == "mul":
            return _binop(base, ast.Mult(), _const(self.choice((0.5, -0.5))))
        if op == "max":
            return _jnp("maximum", base, _const(self.choice((0.0, -0.5))))
        return ast.UnaryOp(op=ast.USub(), operand=base)

    def guard_update(self, mask: _Var) -> ast.stmt | None:
        """One update in a mask guard: most leave every value as it was where the mask is False."""
        n = mask.length
        m = lambda: _name(mask.name)  # noqa: E731 - a fresh node per use
        arrays = [v for v in self.writable("array") if v.length == n and v.name in self.defined]
        counts = [v for v in self.writable("intarray") if v.name in self.defined]
        floats = [v for v in self.writable("float") if v.name in self.defined]
        ints = [v for v in self.writable("int") if v.name in self.defined]
        bounded = self.readable("array", length=n, max_weight=0.0)
        # mostly updates that leave values unchanged where the mask is all False
        forms = []
        if arrays:
            forms += ["where"] * 5 + ["where_rev", "shift"]
        if counts:
            forms += ["count"] * 5 + ["count_bump"]
        if floats:
            forms += ["sum_into", "bump_float"] + (["max_into"] if n >= 1 and bounded else [])
        if ints:
            forms += ["count_into", "bump_int"]
        if not forms:
            return None
        form = self.choice(forms)
        if form in ("where_rev", "shift", "count_bump", "bump_float", "bump_int", "max_into"):
            self.features.add("mask_guard_changes")
        if form in ("where", "where_rev", "shift"):
            arr = self.choice(arrays)
            if form == "shift":
                if self.chance(0.5):
                    value = _binop(_name(arr.name), ast.Add(), self.float_expr(1, 0.0).node)
                else:
                    value = _binop(_name(arr.name), ast.Mult(), _const(0.5))
                return ast.Assign(targets=[_store(arr.name)], value=value)
            if self.chance(0.7):
                new = self.cheap_value(n)  # a branch the runtime can run as a select
            elif self.chance(0.4):
                new = self.float_expr(1).node
            else:
                new = self.array_expr(n, 1).node
            if form == "where":
                value = _jnp("where", m(), new, _name(arr.name))
            else:
                value = _jnp("where", m(), _name(arr.name), new)
            return ast.Assign(targets=[_store(arr.name)], value=value)
        if form in ("count", "count_bump"):
            cnt = self.choice(counts)
            target = _store(cnt.name)
            if form == "count_bump":
                return ast.AugAssign(target=target, op=ast.Add(), value=_const(1))
            style = self.choice(("astype", "add", "where_inc", "where_reset"))
            if style == "astype":
                as_int = ast.Call(
                    func=ast.Attribute(value=m(), attr="astype", ctx=ast.Load()),
                    args=[_name("int")],
                    keywords=[],
                )
                return ast.AugAssign(target=target, op=ast.Add(), value=as_int)
            if style == "add":
                return ast.Assign(targets=[target], value=_binop(_name(cnt.name), ast.Add(), m()))
            if style == "where_inc":
                inc = _binop(_name(cnt.name), ast.Add(), _const(1))
                return ast.Assign(targets=[target], value=_jnp("where", m(), inc, _name(cnt.name)))
            return ast.Assign(
                targets=[target], value=_jnp("where", m(), _const(0), _name(cnt.name))
            )
        if form in ("sum_into", "bump_float", "max_into"):
            s = self.choice(floats)
            if form == "bump_float":
                return ast.AugAssign(target=_store(s.name), op=ast.Add(), value=_const(1.0))
            if form == "max_into":
                src = _name(self.choice(bounded).name)
                peak = _jnp("max", _jnp("where", m(), src, _const(-1.0)))
                return ast.Assign(
                    targets=[_store(s.name)], value=_jnp("maximum", _name(s.name), peak)
                )
            src_node: ast.expr = _name(self.choice(bounded).name) if bounded else _const(0.5)
            total = _jnp("sum", _jnp("where", m(), src_node, _const(0.0)))
            return ast.Assign(
                targets=[_store(s.name)], value=_binop(_name(s.name), ast.Add(), total)
            )
        k = self.choice(ints)
        if form == "bump_int":
            return ast.AugAssign(target=_store(k.name), op=ast.Add(), value=_const(1))
        return ast.AugAssign(target=_store(k.name), op=ast.Add(), value=_jnp("sum", m()))

    # -- helper calls ----------------------------------------------------
    def helper_assign(self) -> list[ast.stmt]:
        """``t = aux(...)`` with bounded arguments, or ``t = jnp.tanh(aux(...))`` with any."""
        target = self.choice(self.writable("float"))
        call = self.helper_call(8.0, free=True)
        value = call.node if call.weight == 0 else _jnp("tanh", call.node)
        self.features.add("assign")
        if target.name in self.defined and self.chance(0.3):
            return [ast.AugAssign(target=_store(target.name), op=ast.Add(), value=value)]
        self.bind(target.name)
        return [ast.Assign(targets=[_store(target.name)], value=value)]

    def loop_else(self, depth: int) -> list[ast.stmt]:
        """Maybe an ``else:`` clause: it runs after the loop unless a break left it."""
        if not (self.opts.allow_loop_else and self.budget > 0 and self.chance(0.15)):
            return []
        self.features.add("loop_else")
        before_defined = set(self.defined)
        self.nesting += 1
        body, _ = self.block(depth + 1)  # break/continue here belong to an enclosing loop
        self.nesting -= 1
        self.defined = before_defined  # a break skips the else clause
        return body


_PARAM_POOL: tuple[tuple[str, Literal["int", "float", "array"]], ...] = (
    ("x", "array"),
    ("n", "int"),
    ("a", "float"),
    ("y", "array"),
    ("m", "int"),
    ("b", "float"),
)


_HELPER_POOL: tuple[tuple[str, Literal["int", "float", "array"]], ...] = (
    ("z", "array"),
    ("c", "float"),
    ("d", "int"),
)


def _draw_params(
    draw: Callable[[st.SearchStrategy[Any]], Any],
    pool: Sequence[tuple[str, Literal["int", "float", "array"]]],
    lengths: Sequence[int] = (),
) -> list[Param]:
    """A non-empty subset of ``pool``, in pool order; arrays of ``lengths`` if given."""
    n_params = draw(st.integers(1, min(3, len(pool))))
    chosen = draw(
        st.lists(
            st.sampled_from(range(len(pool))), min_size=n_params, max_size=n_params, unique=True
        )
    )
    params: list[Param] = []
    for i in sorted(chosen):
        name, kind = pool[i]
        if kind == "array" and lengths:
            length = draw(st.sampled_from(list(lengths)))
        elif kind == "array":
            length = draw(st.integers(0, 4))
            if length == 0 and draw(st.booleans()):
                length = 3  # zero-length arrays only now and then
        else:
            length = 0
        params.append(Param(name, kind, length))
    return params


def _draw_function(
    gen: _Gen,
    name: str,
    params: Sequence[Param],
    w_length: int,
    ret_kinds: tuple[Kind, ...],
    *,
    extra_returns: bool,
    state: bool = False,
) -> ast.FunctionDef:
    """One function: ``params``, fixed-kind locals, a prelude, a body, a return.

    ``state``: the prelude's names are the state of a Module (``s``, ``t``,
    ``k``, ``w`` always, and the record buffers and ``cnt``); they start as
    constants, and the prelude goes to ``gen.state_init`` instead of the body.
    """
    draw = gen.draw
    for p in params:
        gen.vars[p.name] = _Var(p.name, p.kind, p.length, writable=False, weight=0.0)
        gen.bind(p.name)
        gen.features.add(f"{p.kind}_param")
    # locals: fixed kinds for the whole program
    for local in ("s", "t", "u"):
        gen.vars[local] = _Var(local, "float")
    for local in ("k", "q"):
        gen.vars[local] = _Var(local, "int")
    gen.vars["p"] = _Var("p", "bool")
    gen.vars["w"] = _Var("w", "array", w_length)
    gen.ret_kinds = ret_kinds
    gen.ret_length = w_length

    # a prelude, as real code has: some locals start with a simple value
    prelude: list[ast.stmt] = []
    for local, kind in (("s", "float"), ("k", "int"), ("w", "array"), ("t", "float")):
        if state:
            # a Variable's initial value: no parameters in __init__, dtypes fixed
            if kind == "array":
                value = _jnp(gen.choice(("zeros", "ones")), _const(w_length))
            else:
                value = _const(gen.choice((0.0, 1.0, 0.5) if kind == "float" else (0, 1)))
            prelude.append(ast.Assign(targets=[_store(local)], value=value))
            gen.bind(local)
            continue
        if not gen.chance(0.45):
            continue
        if kind == "float" and gen.chance(0.3):
            # an int that the program later turns into a float (s = 0; s += 0.5)
            value = _const(gen.choice((0, 1)))
            gen.features.add("int_to_float")
        elif kind == "float":
            value = (
                _const(gen.choice((0.0, 1.0, 0.5))) if gen.chance(0.7) else gen.float_expr(1).node
            )
        elif kind == "int":
            value = _const(gen.choice((0, 1))) if gen.chance(0.7) else gen.int_expr(1).node
        else:
            value = gen.array_expr(w_length, 1).node
        prelude.append(ast.Assign(targets=[_store(local)], value=value))
        gen.bind(local)
    opts = gen.opts
    # record buffers and the mask guards' counter: bound from the prelude on, so
    # that every return may return them
    if opts.allow_records and opts.allow_subscript_assign and opts.allow_for and gen.chance(0.6):
        buffers = [_Var("buf", "array", draw(st.integers(1, 5)))]
        if gen.chance(0.75):
            buffers.append(_Var("hist", "matrix", w_length, rows=draw(st.integers(1, 4))))
        for buf in buffers:
            gen.vars[buf.name] = buf
            gen.records.append(buf.name)
            prelude.append(ast.Assign(targets=[_store(buf.name)], value=gen.fresh_buffer(buf)))
            gen.bind(buf.name)
            if extra_returns and gen.chance(0.8):
                gen.ret_extra.append(buf.name)
    if opts.allow_mask_guards and opts.allow_if and gen.chance(0.6):
        gen.mask = gen.vars["mask"] = _Var("mask", "mask", w_length)
        if "w" not in gen.defined and gen.chance(0.8):
            # the array the guards update
            prelude.append(
                ast.Assign(targets=[_store("w")], value=gen.array_expr(w_length, 1).node)
            )
            gen.bind("w")
        if gen.chance(0.85):
            gen.vars["cnt"] = _Var("cnt", "intarray", w_length)
            zeros = _jnp("zeros", _const(w_length))
            zeros.keywords = [ast.keyword(arg="dtype", value=_name("int"))]  # type: ignore[attr-defined]
            prelude.append(ast.Assign(targets=[_store("cnt")], value=zeros))
            gen.bind("cnt")
            if extra_returns and gen.chance(0.5):
                gen.ret_extra.append("cnt")
    body, terminated = gen.block(0, keep_going=0.8)
    if state:
        gen.state_init = prelude
    else:
        body = prelude + body
    if not terminated:
        body.append(ast.Return(value=gen.ret_value()))
    func = ast.FunctionDef(
        name=name,
        args=ast.arguments(
            posonlyargs=[],
            args=[ast.arg(arg=p.name) for p in params],
            kwonlyargs=[],
            kw_defaults=[],
            defaults=[],
        ),
        body=body,
        decorator_list=[],
        returns=None,
    )
    if sys.version_info >= (3, 12):
        func.type_params = []
    if "loop_target_after_loop_possible" in gen.features:
        gen.features.discard("loop_target_after_loop_possible")
        if _reads_loop_target_after_loop(func):
            gen.features.add("loop_target_after_loop")
    return func


def _draw_signature(
    draw: Callable[[st.SearchStrategy[Any]], Any],
) -> tuple[list[Param], list[int], int, tuple[Kind, ...]]:
    """Parameters, their array lengths, the length of ``w``, and what every path returns."""
    params = _draw_params(draw, _PARAM_POOL)
    lengths = [p.length for p in params if p.kind == "array"]
    w_length = draw(st.sampled_from(lengths)) if lengths else draw(st.integers(1, 3))
    ret_kind = draw(st.sampled_from(["float", "float", "int", "bool", "array", "pair"]))
    ret_kinds: tuple[Kind, ...] = ("float", "int") if ret_kind == "pair" else (ret_kind,)
    return params, lengths, w_length, ret_kinds


@st.composite
def _programs(draw: Callable[[st.SearchStrategy[Any]], Any], opts: _Options) -> Program:
    params, lengths, w_length, ret_kinds = _draw_signature(draw)

    gen = _Gen(draw, opts)
    helper_def, helper_gen = _draw_helper(gen, lengths, w_length)
    func = _draw_function(gen, "f", params, w_length, ret_kinds, extra_returns=True)
    features = set(gen.features)
    defs: list[ast.stmt] = [func]
    int_to_float = "int_to_float" in features
    if helper_def is not None and helper_gen is not None and _calls(func, "aux"):
        defs.insert(0, helper_def)
        features |= helper_gen.features | {"helper_call"}
        # aux may return its int-started float s as a Python int
        int_to_float = int_to_float or "int_to_float" in helper_gen.features
    module = ast.Module(body=defs, type_ignores=[])
    source = ast.unparse(ast.fix_missing_locations(module)) + "\n"
    return Program(
        source=source,
        name="f",
        params=tuple(params),
        features=frozenset(features),
        reads_maybe_unbound=gen.maybe_read,
        int_to_float=int_to_float,
    )


def _calls(func: ast.AST, name: str) -> bool:
    return any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == name
        for n in ast.walk(func)
    )


def _draw_helper(
    gen: _Gen, lengths: Sequence[int], w_length: int, *, eager_jax: bool = False
) -> tuple[ast.FunctionDef | None, _Gen | None]:
    """Maybe a helper ``aux``, drawn before the function that may call it (``gen.helper``).

    ``eager_jax``: it also runs eagerly on JAX arrays, so it writes no array items.
    """
    opts, draw = gen.opts, gen.draw
    helper_def: ast.FunctionDef | None = None
    helper_gen: _Gen | None = None
    if opts.allow_helpers and gen.chance(0.3):
        # a helper aux(z, c, d) -> float, with control flow of its own, defined before f
        helper_opts = replace(
            opts,
            allow_helpers=False,
            allow_maybe_unbound=False,
            max_statements=max(1, opts.max_statements // 2),
            max_depth=min(opts.max_depth, 2),
            max_loop_depth=min(opts.max_loop_depth, 1),
            allow_subscript_assign=opts.allow_subscript_assign and not eager_jax,
        )
        helper_gen = _Gen(draw, helper_opts)
        helper_params = _draw_params(draw, _HELPER_POOL, sorted({*lengths, w_length}))
        helper_lengths = [p.length for p in helper_params if p.kind == "array"]
        helper_def = _draw_function(
            helper_gen,
            "aux",
            helper_params,
            helper_lengths[0] if helper_lengths else w_length,
            ("float",),
            extra_returns=False,
        )
        gen.helper = _Helper("aux", tuple(helper_params))
    return helper_def, helper_gen


class _ToVariables(ast.NodeTransformer):
    """Rewrite the state names of a drawn method into its Module's Variables.

    ``s`` -> ``self.s.value``, ``s = e`` -> ``self.s.value = e``, and
    ``w[i] = e`` -> ``self.w[i] = e`` (a Variable takes item assignment).
    For the names in ``whole_by_update``, ``w = e`` -> ``self.w.update(e)``
    and ``w += e`` -> ``self.w += e`` instead.
    """

    def __init__(self, names: set[str], whole_by_update: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.names = names
        self.whole_by_update = whole_by_update

    def _var(self, name: str) -> ast.expr:
        return ast.Attribute(value=_name("self"), attr=name, ctx=ast.Load())

    def visit_Assign(self, node: ast.Assign) -> ast.AST:
        (target,) = node.targets
        if isinstance(target, ast.Name) and target.id in self.whole_by_update:
            # self.w.update(e): the same attribute path as self.w[i] = e
            update = ast.Attribute(value=self._var(target.id), attr="update", ctx=ast.Load())
            call = ast.Call(func=update, args=[self.visit(node.value)], keywords=[])
            return ast.Expr(value=call)
        return self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        if isinstance(node.target, ast.Name) and node.target.id in self.whole_by_update:
            value = self.visit(node.value)
            target = ast.Attribute(value=_name("self"), attr=node.target.id, ctx=ast.Store())
            return ast.AugAssign(target=target, op=node.op, value=value)
        return self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id not in self.names:
            return node
        return ast.Attribute(value=self._var(node.id), attr="value", ctx=node.ctx)

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        if (
            isinstance(node.ctx, ast.Store)
            and isinstance(node.value, ast.Name)
            and node.value.id in self.names
        ):
            node.slice = self.visit(node.slice)
            node.value = self._var(node.value.id)
            return node
        return self.generic_visit(node)


@st.composite
def _module_programs(
    draw: Callable[[st.SearchStrategy[Any]], Any], opts: _Options, value_and_item: bool
) -> Program:
    params, lengths, w_length, ret_kinds = _draw_signature(draw)
    gen = _Gen(draw, opts)
    helper_def, helper_gen = _draw_helper(gen, lengths, w_length, eager_jax=True)
    method = _draw_function(
        gen, "__call__", params, w_length, ret_kinds, extra_returns=True, state=True
    )
    names = {
        a.targets[0].id
        for a in gen.state_init
        if isinstance(a, ast.Assign) and isinstance(a.targets[0], ast.Name)
    }
    arrays = {n for n in names if gen.vars[n].kind in ("array", "matrix", "intarray")}
    by_update = set() if value_and_item else arrays
    method = _ToVariables(names, by_update).visit(method)
    method.args.args.insert(0, ast.arg(arg="self"))
    init_body: list[ast.stmt] = []
    for assign in gen.state_init:
        assert isinstance(assign, ast.Assign) and isinstance(assign.targets[0], ast.Name)
        target = ast.Attribute(value=_name("self"), attr=assign.targets[0].id, ctx=ast.Store())
        variable = ast.Call(
            func=ast.Attribute(value=_name("rt"), attr="Variable", ctx=ast.Load()),
            args=[assign.value],
            keywords=[],
        )
        init_body.append(ast.Assign(targets=[target], value=variable))
    init = ast.FunctionDef(
        name="__init__",
        args=ast.arguments(
            posonlyargs=[], args=[ast.arg(arg="self")], kwonlyargs=[], kw_defaults=[], defaults=[]
        ),
        body=init_body,
        decorator_list=[],
        returns=None,
    )
    if sys.version_info >= (3, 12):
        init.type_params = []
    cls = ast.ClassDef(
        name="Net",
        bases=[ast.Attribute(value=_name("rt"), attr="Module", ctx=ast.Load())],
        keywords=[],
        body=[init, method],
        decorator_list=[],
    )
    if sys.version_info >= (3, 12):
        cls.type_params = []
    features = set(gen.features) - {"int_to_float"}
    defs: list[ast.stmt] = [cls]
    if helper_def is not None and helper_gen is not None and _calls(method, "aux"):
        defs.insert(0, helper_def)
        features |= helper_gen.features | {"helper_call"}
    source = ast.unparse(ast.fix_missing_locations(ast.Module(body=defs, type_ignores=[]))) + "\n"
    return Program(
        source=source,
        name="Net",
        params=tuple(params),
        features=frozenset(features),
        reads_maybe_unbound=gen.maybe_read,
        int_to_float=helper_gen is not None and "int_to_float" in helper_gen.features,
    )


def _reads_loop_target_after_loop(func: ast.FunctionDef) -> bool:
    def scan(stmts: list[ast.stmt], after: set[str]) -> bool:
        targets: set[str] = set(after)
        for stmt in stmts:
            reads = {
                n.id
                for n in ast.walk(stmt)
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
            }
            if reads & targets:
                return True
            if isinstance(stmt, ast.For):
                if scan(stmt.body, set()):
                    return True
                targets |= {n.id for n in ast.walk(stmt.target) if isinstance(n, ast.Name)}
            elif isinstance(stmt, (ast.If, ast.While)):
                if scan(stmt.body, set(targets)) or scan(stmt.orelse, set(targets)):
                    return True
        return False

    return scan(func.body, set())


def programs(
    *,
    allow_if: bool = True,
    allow_while: bool = True,
    allow_for: bool = True,
    allow_break: bool = True,
    allow_continue: bool = True,
    allow_early_return: bool = True,
    allow_return_in_loop: bool = True,
    allow_ternary: bool = True,
    allow_boolops: bool = True,
    allow_builtins: bool = True,
    allow_loop_else: bool = True,
    allow_subscript_assign: bool = True,
    allow_traced_range: bool = True,
    allow_maybe_unbound: bool = True,
    allow_unbound_copy: bool = True,
    allow_partial_loop_target: bool = True,
    allow_records: bool = True,
    allow_mask_guards: bool = True,
    allow_helpers: bool = True,
    max_depth: int = 3,
    max_loop_depth: int = 2,
    max_statements: int = 12,
) -> st.SearchStrategy[Program]:
    """A strategy for whole small functions, as source text with typed parameters.

    Equivalent to drawing, by hand, a function like::

        def f(x, n):
            s = 0.0
            for i in range(n):          # traced bound
                if x[i % 3] > s:
                    s = s + x[i % 3]
                    if s > 2.0:
                        break
            return s

    Every ``allow_*`` flag switches one construct family off, so a test can
    draw only what the transpiler supports today:

    - ``allow_break`` / ``allow_continue``: ``break`` / ``continue`` in loops.
    - ``allow_early_return``: ``return`` inside ``if`` outside loops;
      ``allow_return_in_loop``: ``return`` inside loops.
    - ``allow_ternary``: ``a if c else b``; ``allow_boolops``: ``and``, ``or``,
      ``not`` and chained comparisons (without it, conditions combine with
      ``&`` and ``|``).
    - ``allow_builtins``: ``abs``, ``min`` and ``max`` on scalars.
    - ``allow_subscript_assign``: ``w[i] = v``, ``w[i] += v`` and static
      slices ``w[1:3] -= v``.
    - ``allow_break`` also draws ``while`` loops that a counter breaks out of;
      ``allow_loop_else``: ``for``/``while`` loops with an ``else:`` clause.
    - ``allow_traced_range``: ``range(n)`` over an int parameter.
    - ``allow_maybe_unbound``: now and then read a name that only some paths
      bind (``Program.reads_maybe_unbound``); ``allow_unbound_copy``: such a
      read may be a bare copy (``k = i``), else it is a use (``k = i + 0``).
    - ``allow_partial_loop_target``: a ``for`` loop whose target name only
      some earlier paths bound (``if c: i = 1`` ... ``for i in range(2)``),
      and reading after a loop a target that was unbound before it (without
      this, only targets bound before the loop are read after it).
    - ``allow_records``: record buffers (``buf``, and ``hist`` whose rows have
      ``w``'s length) preallocated in the prelude and written once per
      iteration of a ``for`` loop over ``range``/``enumerate``/``zip(range(k),
      x)`` at a row computed from the loop index (``buf[i]``, ``buf[2 * i +
      1]``, ``buf[-i - 1]``, ``buf[(i + 2) % 5]``, ``hist[i] = w``), always
      in range, sometimes repeating rows (``i // 2``), sometimes also read in
      the body or written under an ``if``; ``f`` may return them. Needs
      ``allow_subscript_assign`` and ``allow_for`` too.
    - ``allow_mask_guards``: bool arrays ``mask = x > s`` and guards ``if
      mask.any():`` / ``if mask.all():`` / ``if not mask.any():`` whose
      branch updates arrays with ``jnp.where(mask, new, old)`` and an int
      array ``cnt`` with ``cnt += mask.astype(int)`` (unchanged where the
      mask is all False), or changes values regardless (``w = w + 0.5``,
      ``k += 1``). Drawn mostly in loop bodies. Needs ``allow_if``.
    - ``allow_helpers``: a helper ``def aux(z, c, d)`` (a subset of an array,
      a float and an int parameter; its own control flow; a float result)
      defined before ``f`` in the same source and called from ``f``
      (``Program.name`` stays ``"f"``, the last ``def``).

    Size: ``max_statements`` statements in all, compound statements nested at
    most ``max_depth`` deep and loops at most ``max_loop_depth`` deep. Loops
    run at most a handful of times (``range`` up to 4 or an int parameter in
    [-2, 6], ``while`` with a counter), so a program runs in milliseconds.

    The parameters of ``f`` are ``x``/``y`` (1-D float32 arrays of length 0..4),
    ``n``/``m`` (ints) and ``a``/``b`` (floats); use ``program.inputs()`` for
    matching arguments. Generated code uses ``jnp`` (``jax.numpy``).
    """
    return _programs(_options(**locals()))


def _options(**options: Any) -> _Options:
    if options["max_depth"] < 0 or options["max_statements"] < 1:
        raise ValueError("programs(): need max_depth >= 0 and max_statements >= 1")
    if not 0 <= options["max_loop_depth"] <= 3:
        raise ValueError("programs(): need 0 <= max_loop_depth <= 3")
    return _Options(**options)


def module_programs(
    *, allow_value_and_item_writes: bool = True, **options: Any
) -> st.SearchStrategy[Program]:
    """A strategy for small ``rt.Module`` classes whose ``__call__`` has control flow.

    Equivalent to drawing, by hand::

        class Net(rt.Module):
            def __init__(self):
                self.s = rt.Variable(0.5)
                self.w = rt.Variable(jnp.zeros(3))
                self.buf = rt.Variable(jnp.zeros(4))

            def __call__(self, x, n):
                for i in range(n):
                    if x[i % 3] > self.s.value:
                        self.s.value = self.s.value + x[i % 3]
                    self.buf[i % 4] = self.s.value
                return self.s.value

    The method is drawn as ``programs()`` draws a function (the same options,
    families and invariants), then its state names (``s``, ``t``, ``k``,
    ``w``, and ``buf``/``hist``/``cnt`` when drawn) become Variables that
    ``__init__`` creates with constant values: reads are ``self.s.value``,
    writes ``self.s.value = ...`` and ``self.w[i] = ...``. Other locals stay
    plain, so the method also runs eagerly on JAX arrays. With
    ``allow_value_and_item_writes=False``, an array Variable is written whole
    with ``self.w.update(e)`` / ``self.w += e`` instead of ``self.w.value =
    e``, so that no block writes both ``self.w.value`` and ``self.w[i]`` (a
    switch for while such a failure is being fixed, as
    tests/testing/regressions/variable_value_and_item_written_in_one_block.py
    was).
    ``Program.name`` is
    ``"Net"``, ``Program.params`` the parameters of ``__call__`` after
    ``self``; check one with ``autoflow.testing.ModuleChecker``.
    """
    defaults = {name: p.default for name, p in inspect.signature(programs).parameters.items()}
    unknown = set(options) - set(defaults)
    if unknown:
        raise TypeError(f"module_programs(): unknown options {sorted(unknown)}")
    return _module_programs(_options(**{**defaults, **options}), allow_value_and_item_writes)


assert not any(keyword.iskeyword(n) for n, _ in _PARAM_POOL)

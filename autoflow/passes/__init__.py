"""The passes: one libcst transformer per construct, and what they share.

A pass is a :class:`Pass` subclass (a ``libcst.CSTTransformer``) built with the
module's :class:`ConversionContext`. The driver (:mod:`autoflow.transpile`)
runs the ``PASSES`` tuple in order over the whole module. What a pass gets for
free:

* ``self.ctx``: file name and source lines (for errors), the shared
  :class:`~autoflow.naming.NameGenerator`, the report, and the original
  position of every node, kept up to date across passes (``self.position``).
* ``self.scope``: :class:`~autoflow.analysis.ScopeInfo` of the innermost
  function being visited, computed when the pass enters it (on the tree the
  pass was given, so look nodes up by their *original* node), or None at
  module or class level. Counters restart at each top-level function, so
  helper names are numbered per function in source order.
* ``self.keep(...)`` / ``self.converted(...)``: report entries.
* :func:`blocker`: the first statement that cannot move into a helper function.

A new pass (``returns``, ``loop_exits``, ``expressions``, ``subscripts``)
subclasses :class:`Pass`, calls ``super().visit_FunctionDef`` /
``super().leave_FunctionDef`` if it overrides them, and is added to
``PASSES``; no other pass needs to change.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import libcst as cst

from autoflow import templates
from autoflow.analysis import ScopeInfo, analyse_function, attribute_path, effects
from autoflow.errors import ConversionError
from autoflow.naming import NameGenerator, attribute_temp

__all__ = [
    "CONTAINS_BLOCKER",
    "CONTAINS_EXIT",
    "CONTAINS_EXPRESSION",
    "CONTAINS_IF",
    "CONTAINS_LOOP",
    "CONTAINS_NESTED_RETURN",
    "CONTAINS_RETURN",
    "CONTAINS_SCOPE",
    "CONTAINS_SUBSCRIPT_STORE",
    "Carry", "ConversionContext", "Pass", "RenameAttributes", "ReportEntry", "blocker", "is_simple_target", "with_leading_lines"]


# What a subtree of the parsed code holds, as bits (``ConversionContext.inner``).
CONTAINS_IF = 1  # an `if` statement
CONTAINS_LOOP = 2  # `for` or `while`
CONTAINS_SCOPE = 4  # a function or class definition
CONTAINS_RETURN = 8
CONTAINS_EXIT = 16  # `break` or `continue`
#: What ExpressionsPass converts: and/or, not, x if c else y, chained comparisons,
#: calls of min/max/print, assert, raise.
CONTAINS_EXPRESSION = 32
CONTAINS_SUBSCRIPT_STORE = 64  # `x[i] = v`, `x[i] += v`
#: What keeps a block from moving into a helper besides return/break/continue (see
#: :func:`blocker`): global, nonlocal, yield, await, async for, async with.
CONTAINS_BLOCKER = 128
#: A `return` inside an if, loop, try, with or match of its function: what ReturnsPass
#: lowers. (CONTAINS_RETURN stops at function boundaries: a function's returns are its own.)
CONTAINS_NESTED_RETURN = 256

# Builtins whose calls, as a loop iterable, become their lazy runtime twins.
_RUNTIME_ITERABLES = frozenset({"range", "enumerate", "zip"})


@dataclass(frozen=True)
class ReportEntry:
    """What happened to one control-flow construct of the input."""

    line: int  # 1-based
    column: int  # 1-based
    construct: str  # 'if', 'elif', 'while', 'for', 'break', 'continue', 'return', 'ternary', 'and', 'or', 'not', ...
    outcome: Literal["converted", "kept"]
    detail: str  # converted: the runtime construct it became ('rt.ifelse'); kept: why it stays Python


@dataclass
class ConversionContext:
    """State shared by all passes over one module."""

    filename: str
    source_lines: list[str]
    names: NameGenerator
    positions: dict[cst.CSTNode, tuple[int, int]]  # node -> (line, column), 1-based, user file
    line_offset: int = 0  # added to parsed lines to get lines of the user's file
    shadowed: frozenset[str] = frozenset()  # builtins the code rebinds (range, zip, ...)
    #: compile run-time checks of traced ``assert`` / ``raise`` (``runtime_checks``)
    runtime_checks: bool = True
    report: list[ReportEntry] = field(default_factory=list)
    converted_count: int = 0
    #: id of each node of the parsed code -> CONTAINS bits of what its children hold.
    inner: dict[int, int] = field(default_factory=dict)
    #: The parsed code: keeps the nodes of ``inner`` alive, so their ids stay theirs.
    original: cst.CSTNode | None = None
    #: The code after each pass, whose new nodes ``inner`` records too (kept alive likewise).
    trees: list[cst.CSTNode] = field(default_factory=list)
    #: id of a function node -> its analysis (a pass that left a function as it
    #: was hands the same node to the next pass, which reuses it).
    scopes: dict[int, ScopeInfo] = field(default_factory=dict)

    def position(self, node: cst.CSTNode) -> tuple[int, int]:
        return self.positions.get(node, (0, 0))

    def source_line(self, line: int) -> str | None:
        i = line - self.line_offset - 1
        return self.source_lines[i] if 0 <= i < len(self.source_lines) else None

    def error(self, node: cst.CSTNode, message: str, hint: str | None = None) -> ConversionError:
        line, col = self.position(node)
        return ConversionError(
            message,
            filename=self.filename,
            line=line,
            column=col,
            source_line=self.source_line(line),
            hint=hint,
        )


class Pass(cst.CSTTransformer):
    """Base of all passes: scope analysis, numbering, positions, report."""

    #: CONTAINS bits of what the pass's ``visit_*``/``leave_*`` methods act on,
    #: nested functions included, if it acts on nothing else; the pass then skips
    #: the subtrees of the parsed code that hold none of it. None: visit everything.
    interest: int | None = None

    def __init__(self, ctx: ConversionContext) -> None:
        super().__init__()
        self.ctx = ctx
        # Per scope entered: its analysis, the function node not analysed yet, or None (class).
        self._scopes: list[ScopeInfo | cst.FunctionDef | None] = []
        self._function_depth = 0
        # Per scope: how many converted constructs enclose the current node.
        self._inside: list[int] = [0]
        # visit_<Type> / leave_<Type> of this pass, looked up once per node type.
        self._visit_fns: dict[type, Callable[..., Any] | None] = {}
        self._leave_fns: dict[type, Callable[..., Any] | None] = {}
        if not _has_attribute_handlers(type(self)):
            # libcst calls these around every field of every node visited: with no
            # handler to call, a C function that ignores its two arguments does.
            self.on_visit_attribute = operator.is_  # type: ignore[method-assign,assignment]
            self.on_leave_attribute = operator.is_  # type: ignore[method-assign,assignment]

    # -- dispatch (libcst's, with the method lookups cached) -----------------
    def on_visit(self, node: cst.CSTNode) -> bool:
        kind = type(node)
        try:
            fn = self._visit_fns[kind]
        except KeyError:
            fn = self._visit_fns[kind] = _handler(self, f"visit_{kind.__name__}")
        if fn is not None and fn(node) is False:
            return False
        if kind in _TOKENS:
            return False  # only whitespace and punctuation below
        if self.interest is not None:
            inner = self.ctx.inner.get(id(node))
            if inner is not None and not inner & self.interest:
                return False  # nothing below this node for this pass
        return True

    # -- scopes ------------------------------------------------------------
    @property
    def scope(self) -> ScopeInfo | None:
        """The analysis of the innermost function (None at module or class level)."""
        if not self._scopes:
            return None
        scope = self._scopes[-1]
        if isinstance(scope, cst.FunctionDef):
            # Analysed on first use; a function the previous pass left as it was keeps its analysis.
            node = scope
            scope = self.ctx.scopes.get(id(node))
            if scope is None or scope.keep[0] is not node:
                scope = self.ctx.scopes[id(node)] = analyse_function(node, self.ctx.names.is_generated)
            self._scopes[-1] = scope
        return scope

    @property
    def in_function(self) -> bool:
        """Is the innermost scope a function (not the module or a class)?"""
        return bool(self._scopes) and self._scopes[-1] is not None

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool | None:
        if self._function_depth == 0:
            self.ctx.names.reset_counters()
        self._function_depth += 1
        self._scopes.append(node)
        self._inside.append(0)
        return True

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement] | cst.RemovalSentinel:
        self._scopes.pop()
        self._inside.pop()
        self._function_depth -= 1
        return updated_node

    def visit_ClassDef(self, node: cst.ClassDef) -> bool | None:
        self._scopes.append(None)
        self._inside.append(0)
        return True

    def leave_ClassDef(
        self, original_node: cst.ClassDef, updated_node: cst.ClassDef
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement] | cst.RemovalSentinel:
        self._scopes.pop()
        self._inside.pop()
        return updated_node

    # -- nesting -----------------------------------------------------------
    def enter_converted(self) -> None:
        """Call when a construct this pass converts is entered (visit_*)."""
        self._inside[-1] += 1

    def leave_converted(self) -> bool:
        """Call when it is left (leave_*); True if another converted construct encloses it.

        A construct inside a converted one runs inside a helper whose
        parameters already bind every name it could carry: no ``rt.Undefined``.
        """
        self._inside[-1] -= 1
        return self._inside[-1] > 0

    # -- positions ---------------------------------------------------------
    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode):  # type: ignore[no-untyped-def]
        kind = type(original_node)
        try:
            fn = self._leave_fns[kind]
        except KeyError:
            fn = self._leave_fns[kind] = _handler(self, f"leave_{kind.__name__}")
        result = updated_node if fn is None else fn(original_node, updated_node)
        if result is original_node:
            return result
        pos = self.ctx.positions.get(original_node)
        if pos is not None:
            if isinstance(result, cst.CSTNode):
                self.ctx.positions.setdefault(result, pos)
            elif isinstance(result, cst.FlattenSentinel):
                for node in result.nodes:
                    self.ctx.positions.setdefault(node, pos)
        return result

    def position(self, node: cst.CSTNode) -> tuple[int, int]:
        return self.ctx.position(node)

    def place(self, nodes: Sequence[cst.CSTNode], like: cst.CSTNode) -> None:
        """Give generated nodes the source position of the construct they replace."""
        pos = self.ctx.positions.get(like)
        if pos is not None:
            for node in nodes:
                self.ctx.positions.setdefault(node, pos)

    # -- report ------------------------------------------------------------
    def converted(self, node: cst.CSTNode, construct: str, detail: str) -> None:
        line, col = self.position(node)
        self.ctx.report.append(ReportEntry(line, col, construct, "converted", detail))
        self.ctx.converted_count += 1

    def runtime_iterable(self, node: cst.BaseExpression) -> cst.BaseExpression:
        """``range(n)`` -> ``rt.range(n)`` (and enumerate, zip), unless the module rebinds it."""
        if (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Name)
            and node.func.value in _RUNTIME_ITERABLES
            and node.func.value not in self.ctx.shadowed
        ):
            return node.with_changes(func=cst.Attribute(value=cst.Name("rt"), attr=node.func))
        return node

    def keep(self, node: cst.CSTNode, construct: str, reason: str) -> None:
        line, col = self.position(node)
        self.ctx.report.append(ReportEntry(line, col, construct, "kept", reason))

    # -- carried state -----------------------------------------------------
    def carry(
        self,
        original: cst.CSTNode,
        written: Sequence[str],
        kills: set[str],
        needed: set[str],
        assume_bound: bool = False,
    ) -> Carry:
        """Plan the carried names of a construct (see :class:`Carry`).

        ``written``: names and attribute paths the construct writes, in source
        order; ``kills``: names it binds; ``needed``: names that must be carried
        when written (live after, or read before written in the construct).
        ``assume_bound``: the construct sits in a helper that already takes
        every name it could carry (a nested ``elif``): no ``rt.Undefined``.
        """
        scope = self.scope
        assert scope is not None
        maybe = scope.maybe_bound.get(id(original), frozenset())
        out = Carry()
        # Written paths and local names: a path below one of them is written through it.
        prefixes = {n for n in written if "." in n or n in scope.bound}
        for n in written:
            if "." in n:
                root = n.split(".", 1)[0]
                if root in kills or (root not in maybe and not assume_bound) or n in out.temps:
                    continue  # an object made inside the construct: nothing to carry
                if any(n.startswith(p + ".") for p in prefixes):
                    # `self.v.value` when `self.v` is written too (`self.v[0] = ...`; in a
                    # loop body that carries it, the local `self_v`): the code writes it
                    # through that (`self_v.value = ...`), and a separate store-back of
                    # its own would put a stale value back.
                    continue
                temp = self.ctx.names.name(attribute_temp(n))
                out.temps[n] = temp
                out.names.append(temp)
                out.before.append(templates.assign(temp, _path_expr(n)))
                out.after.append(templates.assign(_path_expr(n), temp))
            elif n not in scope.bound:
                continue  # a global or closure object mutated in place: Python state, not carried
            elif n in needed or n in scope.always_live:
                out.names.append(n)
                if n not in maybe and not assume_bound:
                    out.before.append(templates.undefined(n))
        return out

    # -- shared checks -----------------------------------------------------
    def keep_reason(self, node: cst.CSTNode, blocks: Sequence[cst.CSTNode | None]) -> str | None:
        """Why a construct must stay Python, or None if it can be converted."""
        scope = self.scope
        if scope is None:
            return "not inside a function"
        if scope.is_generator:
            return "inside a generator function"
        if scope.is_async:
            return "inside an async function"
        present = [b for b in blocks if b is not None]
        if scope.declared:
            declared = [n for n in effects(present, self.ctx.names.is_generated).writes if n in scope.declared]
            if declared:
                return f"assigns '{declared[0]}', declared global or nonlocal in the function"
        found = blocker(present, self.ctx.inner)
        if found is not None:
            kind, where = found
            line = self.position(where)[0]
            at = f" (line {line})" if line else ""
            if kind in ("global", "nonlocal"):
                return f"contains a '{kind}' declaration{at}"
            if kind in ("async for", "async with"):
                return f"contains '{kind}'{at}"
            return f"contains '{kind}'{at}, which is not lowered yet"
        return None


def _handler(visitor: cst.CSTTransformer, name: str) -> Callable[..., Any] | None:
    """The visitor's method ``name``, or None if it has none or only libcst's do-nothing stub."""
    fn = getattr(visitor, name, None)
    if fn is None or getattr(fn, "_is_no_op", False):
        return None
    return fn  # type: ignore[no-any-return]


def _has_attribute_handlers(cls: type) -> bool:
    """Does a visitor class define ``visit_<Type>_<attribute>`` or ``leave_<Type>_<attribute>``?"""
    known = _ATTRIBUTE_HANDLERS.get(cls)
    if known is None:
        known = _ATTRIBUTE_HANDLERS[cls] = any(
            _ATTRIBUTE_HANDLER.fullmatch(name)
            and hasattr(cst, name.split("_")[1])
            and not getattr(getattr(cls, name), "_is_no_op", False)
            for name in dir(cls)
        )
    return known


_ATTRIBUTE_HANDLER = re.compile(r"(?:visit|leave)_[A-Z][A-Za-z]*_\w+")
_ATTRIBUTE_HANDLERS: dict[type, bool] = {}

#: Node types with nothing but whitespace and punctuation below them: no pass looks there.
_TOKENS: frozenset[type] = frozenset(
    {
        cst.Name, cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.Comma, cst.Dot,
        cst.Colon, cst.Semicolon, cst.AssignEqual, cst.LeftParen, cst.RightParen,
        cst.LeftSquareBracket, cst.RightSquareBracket, cst.LeftCurlyBrace, cst.RightCurlyBrace,
        cst.SimpleWhitespace, cst.ParenthesizedWhitespace, cst.TrailingWhitespace, cst.EmptyLine,
        cst.Newline, cst.Comment, cst.Pass, cst.Break, cst.Continue, cst.ImportStar,
        cst.Add, cst.Subtract, cst.Multiply, cst.Divide, cst.FloorDivide, cst.Modulo, cst.Power,
        cst.MatrixMultiply, cst.LeftShift, cst.RightShift, cst.BitAnd, cst.BitOr, cst.BitXor,
        cst.AddAssign, cst.SubtractAssign, cst.MultiplyAssign, cst.DivideAssign,
        cst.FloorDivideAssign, cst.ModuloAssign, cst.PowerAssign, cst.MatrixMultiplyAssign,
        cst.LeftShiftAssign, cst.RightShiftAssign, cst.BitAndAssign, cst.BitOrAssign,
        cst.BitXorAssign, cst.LessThan, cst.GreaterThan, cst.LessThanEqual, cst.GreaterThanEqual,
        cst.Equal, cst.NotEqual, cst.In, cst.NotIn, cst.Is, cst.IsNot, cst.And, cst.Or, cst.Not,
        cst.Minus, cst.Plus, cst.BitInvert,
    }
)  # fmt: skip


@dataclass
class Carry:
    """The carried state of one construct.

    ``names``: parameters and results of its helper functions, in source
    order; an attribute path is carried by a local (``self.count`` by
    ``self_count``, see ``temps``), loaded in ``before`` and stored back in
    ``after``. ``before`` also binds ``rt.Undefined('y')`` for a carried name
    that cannot be bound yet.
    """

    names: list[str] = field(default_factory=list)
    temps: dict[str, str] = field(default_factory=dict)
    before: list[cst.BaseStatement] = field(default_factory=list)
    after: list[cst.BaseStatement] = field(default_factory=list)


def with_leading_lines(
    stmts: list[cst.BaseStatement], leading: Sequence[cst.EmptyLine]
) -> list[cst.BaseStatement]:
    """Give the construct's leading blank lines and comments to the first statement emitted."""
    if not stmts or not leading:
        return stmts
    return [stmts[0].with_changes(leading_lines=list(leading)), *stmts[1:]]


def _path_expr(path: str) -> cst.BaseExpression:
    parts = path.split(".")
    node: cst.BaseExpression = cst.Name(parts[0])
    for part in parts[1:]:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


def blocker(
    blocks: Sequence[cst.CSTNode], inner: dict[int, int] | None = None
) -> tuple[str, cst.CSTNode] | None:
    """The first statement that cannot move into a helper function.

    ``return`` and ``yield`` would return from the helper, ``break`` and
    ``continue`` (outside loops nested in ``blocks``) would leave no loop,
    ``global``/``nonlocal`` would apply to the helper. Nested functions and
    classes are not searched. ``inner``: ``ConversionContext.inner``, to skip
    parsed subtrees that hold none of these.
    """
    for block in blocks:
        found = _blocker(block, False, inner or {})
        if found is not None:
            return found
    return None


_BLOCKING = CONTAINS_RETURN | CONTAINS_EXIT | CONTAINS_BLOCKER


def _blocker(node: cst.CSTNode, in_loop: bool, inner: dict[int, int]) -> tuple[str, cst.CSTNode] | None:
    bits = inner.get(id(node))
    if bits is not None and not bits & _BLOCKING and type(node) not in _BLOCKING_TYPES:
        return None
    if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
        return None
    if isinstance(node, cst.Return):
        return "return", node
    if isinstance(node, (cst.Break, cst.Continue)):
        if not in_loop:
            return ("break" if isinstance(node, cst.Break) else "continue"), node
        return None
    if isinstance(node, cst.Global):
        return "global", node
    if isinstance(node, cst.Nonlocal):
        return "nonlocal", node
    if isinstance(node, (cst.Yield,)):
        return "yield", node
    if isinstance(node, cst.Await):
        return "await", node
    if isinstance(node, (cst.For, cst.While)):
        if isinstance(node, cst.For) and node.asynchronous is not None:
            return "async for", node
        found = _blocker(node.body, True, inner)
        if found is None and node.orelse is not None:
            found = _blocker(node.orelse, in_loop, inner)
        if found is None:
            found = _blocker(node.iter if isinstance(node, cst.For) else node.test, in_loop, inner)
        return found
    if isinstance(node, cst.With) and node.asynchronous is not None:
        return "async with", node
    if isinstance(node, (cst.Name, cst.SimpleString, cst.Integer, cst.Float, cst.EmptyLine, cst.TrailingWhitespace, cst.SimpleWhitespace, cst.Newline)):
        return None
    for child in node.children:
        found = _blocker(child, in_loop, inner)
        if found is not None:
            return found
    return None


_BLOCKING_TYPES = frozenset({cst.Return, cst.Break, cst.Continue, cst.Global, cst.Nonlocal, cst.Yield, cst.Await, cst.For, cst.With})


def is_simple_target(node: cst.BaseExpression) -> bool:
    """A loop target of plain names (``x``, ``i, x``, ``(a, (b, c))``)."""
    if isinstance(node, cst.Name):
        return True
    if isinstance(node, (cst.Tuple, cst.List)):
        return all(
            not isinstance(el, cst.StarredElement) and is_simple_target(el.value)
            for el in node.elements
        )
    return False


class RenameAttributes(cst.CSTTransformer):
    """Replace attribute paths (``self.count``) by the locals that carry them.

    Self-assignments this creates (``self_count = self_count``, from a nested
    construct's own load and store of the same path) are dropped.
    """

    def __init__(self, temps: dict[str, str]) -> None:
        super().__init__()
        self.temps = temps

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        path = attribute_path(updated_node)
        if path is not None and path in self.temps:
            return cst.Name(self.temps[path], lpar=updated_node.lpar, rpar=updated_node.rpar)
        return updated_node

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement | cst.RemovalSentinel:
        temps = set(self.temps.values())
        body = [s for s in updated_node.body if not _is_self_assign(s, temps)]
        if not body:
            return cst.RemoveFromParent()
        if len(body) != len(updated_node.body):
            return updated_node.with_changes(body=body)
        return updated_node


def _is_self_assign(stmt: cst.BaseSmallStatement, names: set[str]) -> bool:
    return (
        isinstance(stmt, cst.Assign)
        and len(stmt.targets) == 1
        and isinstance(stmt.targets[0].target, cst.Name)
        and isinstance(stmt.value, cst.Name)
        and stmt.targets[0].target.value == stmt.value.value
        and stmt.value.value in names
    )

"""The conversion pipeline: parse -> analyse -> passes -> code.

:func:`transpile_module` converts every function and method of a module's
source (what the ``autoflow`` command uses); :func:`transpile_function`
converts one function's source (what :mod:`autoflow.api` uses). Both parse
once, record the source position of every node once, and run the ``PASSES``
in order; each pass analyses the functions it enters itself
(:mod:`autoflow.analysis`, cheap enough to rerun). Code with no converted
construct comes back byte for byte, and converting converted code is a no-op.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import libcst as cst
from libcst._nodes.internal import CodegenState

from autoflow.analysis import _fields
from autoflow.errors import ConversionError
from autoflow.frontdoors import (
    drop_unused_imports,
    protect_unconverted,
    restore_unconverted,
    rewrite_front_doors,
)
from autoflow.naming import RUNTIME_NAME, NameGenerator, rebound_names, runtime_alias
from autoflow.passes import (
    CONTAINS_BLOCKER,
    CONTAINS_EXIT,
    CONTAINS_EXPRESSION,
    CONTAINS_IF,
    CONTAINS_LOOP,
    CONTAINS_NESTED_RETURN,
    CONTAINS_RETURN,
    CONTAINS_SCOPE,
    CONTAINS_SUBSCRIPT_STORE,
    ConversionContext,
    Pass,
    ReportEntry,
)
from autoflow.passes.conditionals import ConditionalsPass
from autoflow.passes.copies import GuardCopiesPass
from autoflow.passes.expressions import _BUILTINS, ExpressionsPass
from autoflow.passes.loop_exits import LoopExitsPass
from autoflow.passes.loops import LoopsPass
from autoflow.passes.returns import ReturnsPass
from autoflow.passes.subscripts import SubscriptsPass

__all__ = [
    "PASSES",
    "ConversionError",
    "FunctionResult",
    "ReportEntry",
    "TranspileResult",
    "transpile_function",
    "transpile_module",
]

#: The passes, in order. Each lowers one construct into simpler ones, so each
#: sees canonical input from the passes before it.
PASSES: tuple[type[Pass], ...] = (
    # copies: `k = i` -> `k = rt.bound(i)` where some path leaves `i` unbound. First:
    #   it reads the control flow as written.
    GuardCopiesPass,
    # returns (slot): early `return` -> a flag and a result variable. First, so
    #   that no later pass sees a `return` inside control flow.
    ReturnsPass,
    # loop_exits (slot): `break`/`continue` -> flags guarding the rest of the
    #   body. Before loops: a loop with `break` stays Python in LoopsPass.
    LoopExitsPass,
    LoopsPass,
    # Loops before conditionals: an `if` in a loop body is then analysed inside
    # the body's helper function, whose `return (...)` makes carried names live.
    ConditionalsPass,
    # expressions (slot): `x if c else y`, `and`/`or`/`not` -> runtime forms.
    #   After conditionals, so it also sees tests the earlier passes generated.
    ExpressionsPass,
    # subscripts (slot): `x[i] = v` on arrays -> functional updates. Last: the
    #   passes above carry `x` as written by `x[i] = v` (analysis.effects).
    SubscriptsPass,
)


@dataclass
class TranspileResult:
    code: str
    report: list[ReportEntry] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.report) and any(e.outcome == "converted" for e in self.report)


@dataclass
class FunctionResult:
    """One converted function (see :func:`transpile_function`)."""

    module: cst.Module  # the converted function, alone in a module
    function: cst.FunctionDef
    report: list[ReportEntry]
    positions: dict[cst.CSTNode, tuple[int, int]]  # generated nodes -> user file (line, col)
    #: What the code calls the runtime: ``rt``, or ``rt_``... where the function binds ``rt``.
    runtime_name: str = RUNTIME_NAME

    @property
    def code(self) -> str:
        return self.module.code


# A pass has nothing to do where none of its keywords occur in the source,
# unless a pass before it converted something into its construct (a `return`
# in a loop becomes a `break` and an `if`).
_PASS_KEYWORDS: dict[type[Pass], re.Pattern[str]] = {
    ReturnsPass: re.compile(r"\breturn\b"),
    LoopExitsPass: re.compile(r"\b(?:break|continue)\b"),
    LoopsPass: re.compile(r"\b(?:for|while)\b"),
    ConditionalsPass: re.compile(r"\bif\b"),
    # A single-target store into a subscript: `x[i] = v`, `x[i] += v`, `(x[i]) = v`.
    SubscriptsPass: re.compile(r"\][\s)\\]*(?:[-+*/%@&|^]|//|\*\*|<<|>>)?=(?!=)"),
}
_INTRODUCED_BY: dict[type[Pass], tuple[type[Pass], ...]] = {
    LoopExitsPass: (ReturnsPass,),  # `return` in a loop -> flag + `break`
    ConditionalsPass: (ReturnsPass, LoopExitsPass),  # flags guard the rest of a body
}


# What ReturnsPass and LoopExitsPass act on (see ``Pass.interest``), kept here while
# their modules are being rewritten: both act only at functions and loops.
_INTEREST: dict[type[Pass], int] = {
    ReturnsPass: CONTAINS_SCOPE,  # leave_FunctionDef
    LoopExitsPass: CONTAINS_LOOP | CONTAINS_SCOPE,  # visit_/leave_ While and For
}


# What each pass converts, in the parsed code (see _scan).
_NEEDS: dict[type[Pass], int] = {
    GuardCopiesPass: CONTAINS_IF | CONTAINS_LOOP,  # only they leave names unbound on some paths
    ReturnsPass: CONTAINS_NESTED_RETURN,
    LoopExitsPass: CONTAINS_EXIT,
    LoopsPass: CONTAINS_LOOP,
    ConditionalsPass: CONTAINS_IF,
    ExpressionsPass: CONTAINS_EXPRESSION,
    SubscriptsPass: CONTAINS_SUBSCRIPT_STORE,
}


def _parse(source: str, filename: str, line_offset: int = 0) -> cst.Module:
    try:
        return cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        lines = source.splitlines()
        line = exc.raw_line
        text = lines[line - 1] if 0 < line <= len(lines) else None
        raise ConversionError(
            f"invalid syntax: {exc.message}",
            filename=filename,
            line=line + line_offset,
            column=exc.raw_column + 1,
            source_line=text,
            hint="fix the syntax error; autoflow converts only valid Python",
        ) from None


def _context(
    module: cst.Module,
    source: str,
    filename: str,
    line_offset: int,
    shadowed: frozenset[str],
    identifiers: set[str],
    runtime_checks: bool = True,
) -> ConversionContext:
    table, inner = _scan(module, line_offset)
    names = NameGenerator(identifiers)
    return ConversionContext(
        filename=filename,
        source_lines=source.splitlines(),
        names=names,
        positions=table,
        line_offset=line_offset,
        shadowed=shadowed | rebound_names(source, ("range", "enumerate", "zip")),
        runtime_checks=runtime_checks,
        inner=inner,
        original=module,
    )


def _scan(module: cst.Module, line_offset: int) -> tuple[dict[cst.CSTNode, tuple[int, int]], dict[int, int]]:
    """One code generation walk over the parsed module: positions and contents.

    Gives the start (line, column) of every statement and expression, exactly
    as libcst's ``PositionProvider`` would (``test_transpile_speedpaths``
    checks that), and for every node the :data:`~autoflow.passes.CONTAINS`
    bits of what its children hold, which lets each pass skip the subtrees
    holding nothing it converts.
    """
    state = _ScanState(module.default_indent, module.default_newline, line_offset)
    module._codegen(state)
    return state.table, state.inner
_NEWLINE = re.compile(r"\r\n?|\n")


class _Syntactic:
    """``with state.record_syntactic_position(node)``: where the node really starts."""

    __slots__ = ("state", "key", "start_node", "start")

    def __init__(self, state: _ScanState, key: int, start_node: cst.CSTNode | None) -> None:
        self.state = state
        self.key = key
        self.start_node = start_node

    def __enter__(self) -> None:
        self.start = (self.state.line, self.state.column)

    def __exit__(self, *exc: object) -> None:
        start = self.start
        if self.start_node is not None:
            start = self.state.starts.get(id(self.start_node), start)
        self.state.syntactic[self.key] = start


class _ScanState(CodegenState):
    """Code generation that keeps no text: node start positions and contents (see :func:`_scan`).

    Positions follow libcst's ``PositionProvider``: a node's start is where a
    ``record_syntactic_position`` inside its code generation says it is, else
    where its code (whitespace included) begins.
    """

    __slots__ = ("line", "column", "offset", "table", "inner", "starts", "syntactic", "_stack")

    def __init__(self, indent: str, newline: str, offset: int) -> None:
        super().__init__(default_indent=indent, default_newline=newline)
        self.line = 1
        self.column = 0
        self.offset = offset
        self.table: dict[cst.CSTNode, tuple[int, int]] = {}
        self.inner: dict[int, int] = {}
        self.starts: dict[int, tuple[int, int]] = {}
        self.syntactic: dict[int, tuple[int, int]] = {}
        self._stack: list[list[int]] = [[0, 0, 0]]  # per open node: line, column, contents of its children

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.add_token(token)

    def add_token(self, value: str) -> None:
        if "\n" not in value and "\r" not in value:
            self.column += len(value)
            return
        segments = _NEWLINE.split(value)
        self.line += len(segments) - 1
        self.column = len(segments[-1])

    def before_codegen(self, node: cst.CSTNode) -> None:
        self._stack.append([self.line, self.column, 0])

    def after_codegen(self, node: cst.CSTNode) -> None:
        line, column, inner = self._stack.pop()
        key = id(node)
        kind = type(node)
        info = _KINDS.get(kind)
        if info is None:
            info = _KINDS[kind] = _kind(kind)
        positioned, own = info
        self.inner[key] = inner
        self._stack[-1][2] |= _seen_from_parent(kind, node, inner, own)
        start = self.syntactic.pop(key, None)
        if start is None:
            start = (line, column)
            if key in self.starts:
                return  # seen before (a shared node): the first position stays
        self.starts[key] = start
        if positioned:
            self.table[node] = (start[0] + self.offset, start[1] + 1)

    def record_syntactic_position(  # type: ignore[override]
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> _Syntactic:
        return _Syntactic(self, id(node), start_node)


_COMPOUND = frozenset({cst.If, cst.For, cst.While, cst.Try, cst.TryStar, cst.With, cst.Match})


def _for_bits(node: cst.For) -> int:
    return CONTAINS_LOOP | (CONTAINS_BLOCKER if node.asynchronous is not None else 0)


def _with_bits(node: cst.With) -> int:
    return CONTAINS_BLOCKER if node.asynchronous is not None else 0


def _not_bits(node: cst.UnaryOperation) -> int:
    return CONTAINS_EXPRESSION if isinstance(node.operator, cst.Not) else 0


def _comparison_bits(node: cst.Comparison) -> int:
    return CONTAINS_EXPRESSION if len(node.comparisons) > 1 else 0


def _call_bits(node: cst.Call) -> int:
    func = node.func
    return CONTAINS_EXPRESSION if isinstance(func, cst.Name) and func.value in _BUILTINS else 0


def _assign_bits(node: cst.Assign) -> int:
    return CONTAINS_SUBSCRIPT_STORE if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Subscript) else 0


def _aug_assign_bits(node: cst.AugAssign) -> int:
    return CONTAINS_SUBSCRIPT_STORE if isinstance(node.target, cst.Subscript) else 0


# What a node of each type is, for the passes (its own CONTAINS bits, or a function of the node).
_OWN: dict[type, int | Callable[[Any], int]] = {
    cst.If: CONTAINS_IF,
    cst.For: _for_bits,
    cst.With: _with_bits,
    cst.Global: CONTAINS_BLOCKER,
    cst.Nonlocal: CONTAINS_BLOCKER,
    cst.Yield: CONTAINS_BLOCKER,
    cst.Await: CONTAINS_BLOCKER,
    cst.While: CONTAINS_LOOP,
    cst.FunctionDef: CONTAINS_SCOPE,
    cst.ClassDef: CONTAINS_SCOPE,
    cst.Return: CONTAINS_RETURN,
    cst.Break: CONTAINS_EXIT,
    cst.Continue: CONTAINS_EXIT,
    cst.BooleanOperation: CONTAINS_EXPRESSION,
    cst.IfExp: CONTAINS_EXPRESSION,
    cst.Assert: CONTAINS_EXPRESSION,
    cst.Raise: CONTAINS_EXPRESSION,
    cst.UnaryOperation: _not_bits,
    cst.Comparison: _comparison_bits,
    cst.Call: _call_bits,
    cst.Assign: _assign_bits,
    cst.AugAssign: _aug_assign_bits,
}
_KINDS: dict[type, tuple[bool, int | Callable[[Any], int] | None]] = {}


def _kind(node_type: type) -> tuple[bool, int | Callable[[Any], int] | None]:
    return _has_position(node_type), _OWN.get(node_type)


def _generated_assign_bits(node: cst.Assign) -> int:
    """An assignment the passes generated: also an attribute carry, which ExpressionsPass rewrites."""
    bits = _assign_bits(node)
    if len(node.targets) == 1:
        target, value = node.targets[0].target, node.value
        if (isinstance(target, cst.Name) and isinstance(value, cst.Attribute)) or (
            isinstance(target, cst.Attribute) and isinstance(value, cst.Name)
        ):
            bits |= CONTAINS_EXPRESSION
    return bits


_OWN_GENERATED: dict[type, int | Callable[[Any], int]] = {**_OWN, cst.Assign: _generated_assign_bits}


def _seen_from_parent(kind: type, node: cst.CSTNode, inner: int, own: Any) -> int:
    """What a node holds as its parent sees it: what is below it, what it is itself
    (``own``: bits or a function of the node), and a return below a compound
    statement is a nested one, while a function's returns are its own."""
    if own is not None:
        inner |= own(node) if callable(own) else own
    if inner & CONTAINS_RETURN:
        if kind in _COMPOUND:
            inner |= CONTAINS_NESTED_RETURN
        elif kind is cst.FunctionDef:
            inner &= ~CONTAINS_RETURN
    return inner


def _mark(node: cst.CSTNode, inner: dict[int, int]) -> int:
    """Record in ``inner`` what the children of each node a pass made hold; what ``node`` holds.

    Nodes already recorded (parsed, or marked after an earlier pass) are not
    entered again. The caller keeps the tree alive, so that ids stay valid.
    """
    kind = type(node)
    bits = inner.get(id(node))
    if bits is None:
        bits = 0
        for name in _fields(kind):
            value = getattr(node, name)
            if isinstance(value, cst.CSTNode):
                bits |= _mark(value, inner)
            elif isinstance(value, (list, tuple)):
                for item in value:
                    if isinstance(item, cst.CSTNode):
                        bits |= _mark(item, inner)
        inner[id(node)] = bits
    return _seen_from_parent(kind, node, bits, _OWN_GENERATED.get(kind))


_POSITIONED: dict[type, bool] = {}


def _has_position(node_type: type) -> bool:
    """Statements and expressions: the nodes errors and the report point at."""
    # isinstance against libcst's abstract bases is slow; a node type's answer never changes.
    known = _POSITIONED.get(node_type)
    if known is None:
        known = _POSITIONED[node_type] = issubclass(
            node_type, (cst.BaseStatement, cst.BaseSmallStatement, cst.BaseExpression)
        )
    return known


def _identifiers(source: str) -> set[str]:
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", source))


class _Rename(cst.CSTTransformer):
    """Rename plain names (not attribute names, not keywords), keeping source positions."""

    def __init__(
        self,
        names: dict[str, str],
        positions: dict[cst.CSTNode, tuple[int, int]],
        placeholder: str | None = None,
        taken: set[str] | None = None,
    ) -> None:
        super().__init__()
        self.names = names
        self.positions = positions
        # Restoring: names the passes derived from the placeholder (`<placeholder>_count`
        # carrying `rt.count`) and strings quoting it (`rt.Undefined('<placeholder>')`).
        self.placeholder = placeholder
        self.taken = taken if taken is not None else set()

    def _new(self, name: str) -> str | None:
        new = self.names.get(name)
        if new is None and self.placeholder is not None and self.placeholder in name:
            new = name.replace(self.placeholder, RUNTIME_NAME)
            while new in self.taken:
                new += "_"
            self.names[name] = new
            self.taken.add(new)
        return new

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        new = self._new(updated_node.value)
        return updated_node if new is None else updated_node.with_changes(value=new)

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.Attribute:
        if updated_node.attr is not original_node.attr:
            return updated_node.with_changes(attr=original_node.attr)
        return updated_node

    def leave_Arg(self, original_node: cst.Arg, updated_node: cst.Arg) -> cst.Arg:
        if updated_node.keyword is not original_node.keyword:
            return updated_node.with_changes(keyword=original_node.keyword)
        return updated_node

    def leave_SimpleString(
        self, original_node: cst.SimpleString, updated_node: cst.SimpleString
    ) -> cst.SimpleString:
        if self.placeholder is not None and self.placeholder in updated_node.value:
            return updated_node.with_changes(value=updated_node.value.replace(self.placeholder, RUNTIME_NAME))
        return updated_node

    def on_leave(self, original_node, updated_node):  # type: ignore[no-untyped-def]
        result = super().on_leave(original_node, updated_node)
        if result is not original_node and isinstance(result, cst.CSTNode):
            pos = self.positions.get(original_node)
            if pos is not None:
                self.positions.setdefault(result, pos)
        return result


@dataclass
class _Alias:
    """The runtime's name in generated code, when the user's code binds ``rt`` itself.

    The user's ``rt`` becomes ``placeholder`` while the passes run (they write
    ``rt.ifelse(...)``), then generated ``rt`` becomes ``name`` and the
    placeholder ``rt`` again: the user's code comes back as written.
    """

    name: str
    placeholder: str

    @classmethod
    def choose(
        cls, module: cst.Module, source: str, identifiers: set[str], reads_are_runtime: bool, avoid: frozenset[str]
    ) -> _Alias | None:
        name = runtime_alias(module, identifiers, reads_are_runtime=reads_are_runtime, avoid=avoid)
        if name == RUNTIME_NAME:
            return None
        placeholder = "__autoflow_user_rt__"
        while placeholder in source:
            placeholder += "_"
        return cls(name, placeholder)

    def hide(self, module: cst.Module, ctx: ConversionContext) -> cst.Module:
        return module.visit(_Rename({RUNTIME_NAME: self.placeholder}, ctx.positions))

    def apply(self, module: cst.Module, ctx: ConversionContext, identifiers: set[str]) -> cst.Module:
        rename = _Rename(
            {RUNTIME_NAME: self.name, self.placeholder: RUNTIME_NAME},
            ctx.positions,
            placeholder=self.placeholder,
            taken=identifiers | {self.name},
        )
        return module.visit(rename)

    def error(self, exc: ConversionError) -> ConversionError:
        """The error in the user's words (their ``rt``, not the placeholder)."""
        fix = lambda text: text.replace(self.placeholder, RUNTIME_NAME) if text else text  # noqa: E731
        return ConversionError(
            fix(exc.message),
            filename=exc.filename,
            line=exc.line,
            column=exc.column,
            source_line=exc.source_line,
            hint=fix(exc.hint),
        )

    def report(self, entries: list[ReportEntry]) -> list[ReportEntry]:
        return [
            dataclasses.replace(e, detail=e.detail.replace(self.placeholder, RUNTIME_NAME))
            if self.placeholder in e.detail
            else e
            for e in entries
        ]


def _convert(
    module: cst.Module, ctx: ConversionContext, source: str, alias: _Alias | None, identifiers: set[str]
) -> cst.Module:
    """Run the passes, under the runtime's alias if there is one."""
    if alias is None:
        return _run_passes(module, ctx, source)
    ctx.names.reserve((alias.name, alias.placeholder))
    try:
        converted = _run_passes(alias.hide(module, ctx), ctx, source)
    except ConversionError as exc:
        raise alias.error(exc) from None
    ctx.report[:] = alias.report(ctx.report)
    return alias.apply(converted, ctx, identifiers | set(ctx.names.generated))


def _run_passes(module: cst.Module, ctx: ConversionContext, source: str) -> cst.Module:
    converted_by: dict[type[Pass], int] = {}
    for pass_cls in PASSES:
        keywords = _PASS_KEYWORDS.get(pass_cls)
        if (
            keywords is not None
            and not any(converted_by.get(p, 0) for p in _INTRODUCED_BY.get(pass_cls, ()))
            and keywords.search(source) is None
        ):
            continue
        # The code holds nothing this pass converts.
        if not ctx.inner.get(id(module), -1) & _NEEDS.get(pass_cls, -1):
            continue
        before = ctx.converted_count
        ctx.names.start_pass()
        visitor = pass_cls(ctx)
        if pass_cls in _INTEREST:
            visitor.interest = _INTEREST[pass_cls]
        visited = module.visit(visitor)
        if visited is not module and id(module) in ctx.inner:
            # What the new nodes hold, for the next passes; the tree stays alive with ctx.
            _mark(visited, ctx.inner)
            ctx.trees.append(visited)
        module = visited
        converted_by[pass_cls] = ctx.converted_count - before
    return module


def transpile_module(source: str, filename: str = "<string>") -> TranspileResult:
    """Convert every function and method of a module's source.

    Module-level statements stay as they are. Raises ConversionError (syntax
    errors included) located in ``filename``.
    """
    module = _parse(source, filename)
    # autoflow's own front doors (frontdoors.py): the output needs only runtime.
    module, doors, kept, marked = protect_unconverted(module, source)
    identifiers = _identifiers(source)
    ctx = _context(module, source, filename, 0, frozenset(), identifiers)
    # The runtime is `rt`, unless the module binds `rt` to something else.
    alias = _Alias.choose(module, source, identifiers, reads_are_runtime=False, avoid=frozenset())
    runtime_name = alias.name if alias is not None else RUNTIME_NAME
    converted = _convert(module, ctx, source, alias, identifiers)
    converted, rewritten = rewrite_front_doors(converted, doors, runtime_name)
    report = sorted(ctx.report, key=lambda e: (e.line, e.column))
    if ctx.converted_count == 0 and rewritten == 0 and marked == 0:
        return TranspileResult(code=source, report=report)
    converted = restore_unconverted(converted, kept)
    if doors:  # a walk of the whole module: only when it imports autoflow
        converted = drop_unused_imports(converted, doors)
    if ctx.converted_count == 0 and rewritten == 0:
        return TranspileResult(code=converted.code, report=report)
    converted = add_runtime_import(converted, runtime_name)
    return TranspileResult(code=converted.code, report=report)


def _is_runtime_import(stmt: cst.BaseStatement, alias: str) -> bool:
    """``import runtime as <alias>`` (possibly among other names)."""
    if not isinstance(stmt, cst.SimpleStatementLine):
        return False
    for small in stmt.body:
        if isinstance(small, cst.Import):
            for name in small.names:
                bound = name.asname.name if name.asname is not None else name.name
                if (
                    isinstance(name.name, cst.Name)
                    and name.name.value == "runtime"
                    and isinstance(bound, cst.Name)
                    and bound.value == alias
                ):
                    return True
    return False


def _is_single_import(stmt: cst.BaseStatement) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], (cst.Import, cst.ImportFrom))
    )


def _is_header(stmt: cst.BaseStatement) -> bool:
    """A module docstring, or ``__strict__ = ...``: imports go below it."""
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return False
    first = stmt.body[0]
    if isinstance(first, cst.Expr):
        return isinstance(first.value, cst.SimpleString)
    return (
        isinstance(first, cst.Assign)
        and len(first.targets) == 1
        and isinstance(first.targets[0].target, cst.Name)
        and first.targets[0].target.value == "__strict__"
    )


def add_runtime_import(module: cst.Module, alias: str) -> cst.Module:
    """``import runtime as <alias>`` at the end of the module's first block of imports.

    Below the docstring and any ``from __future__`` import; nothing changes if
    a top-level ``import runtime as <alias>`` exists already. A blank line
    separates the import block from the code after it.
    """
    body = list(module.body)
    if any(_is_runtime_import(stmt, alias) for stmt in body):
        return module
    start = 1 if body and _is_header(body[0]) else 0
    at = start
    while at < len(body) and _is_single_import(body[at]):
        at += 1
    asname = None if alias == "runtime" else cst.AsName(name=cst.Name(alias))
    new = cst.SimpleStatementLine([cst.Import(names=[cst.ImportAlias(name=cst.Name("runtime"), asname=asname)])])
    rest = body[at:]
    if rest:
        leading = rest[0].leading_lines
        if not leading or leading[0].comment is not None:
            rest[0] = rest[0].with_changes(leading_lines=[cst.EmptyLine(), *leading])
    return module.with_changes(body=[*body[:at], new, *rest])


def transpile_function(
    source: str,
    filename: str = "<string>",
    first_line: int = 1,
    shadowed: frozenset[str] = frozenset(),
    avoid: frozenset[str] = frozenset(),
    runtime_checks: bool = True,
) -> FunctionResult:
    """Convert the one function whose (dedented) source is ``source``.

    ``first_line``: the line of ``source``'s first line in ``filename``.
    Decorators are dropped: the result is the plain function they decorate.
    The code calls the runtime ``rt`` (``result.runtime_name``), unless the
    function binds ``rt`` itself or ``rt`` is in ``avoid`` (say, names the
    function's globals or closure bind to something other than the runtime):
    then ``rt_`` (or ``rt__``, ...), which the caller must bind to the runtime.
    A name the function only reads is taken to be the runtime.
    ``runtime_checks=False``: no run-time checks of traced ``assert``/``raise``.
    """
    module = _parse(source, filename, first_line - 1)
    defs = [s for s in module.body if isinstance(s, cst.FunctionDef)]
    if len(defs) != 1:
        raise ConversionError(
            "expected the source of exactly one function",
            filename=filename,
            line=first_line,
            column=1,
            hint="pass a function defined with `def`",
        )
    identifiers = _identifiers(source)
    ctx = _context(module, source, filename, first_line - 1, shadowed, identifiers, runtime_checks)
    alias = _Alias.choose(module, source, identifiers, reads_are_runtime=True, avoid=avoid)
    converted = _convert(module, ctx, source, alias, identifiers)
    fn = next(s for s in converted.body if isinstance(s, cst.FunctionDef))
    fn_pos = ctx.positions.get(fn)
    fn = fn.with_changes(decorators=[], leading_lines=[])
    if fn_pos is not None:
        ctx.positions[fn] = fn_pos
    out = converted.with_changes(body=[fn], header=[], footer=[])
    report = sorted(ctx.report, key=lambda e: (e.line, e.column))
    return FunctionResult(
        module=out,
        function=fn,
        report=report,
        positions=ctx.positions,
        runtime_name=alias.name if alias is not None else RUNTIME_NAME,
    )

"""Which names each statement reads and writes, and which are live after it.

This is autoflow's own light analysis, run on plain libcst nodes without
metadata providers (libcst's ``ScopeProvider`` costs ~15 ms per function; this
costs a fraction of a millisecond), so passes can rerun it on the subtree they
rewrite. Three questions are answered:

* :func:`effects` - for any statement, block or expression: the names it
  reads, the names it (re)binds, and everything it writes. "Writes" also
  counts state the transpiler must carry through a converted block: a
  subscript store ``d[k] = v`` (or ``d[k][j] = v``) or a mutating method call ``xs.append(v)``
  writes ``d`` / ``xs``, and an attribute store ``self.count = ...`` writes the
  *attribute path* ``"self.count"`` (paths always contain a dot).
* :func:`analyse_function` - per statement of one function body: the names
  live after it (read later, on some path, before being rebound), the names
  live at each loop's head (read after the loop or by a later iteration), and
  the names that may already be bound before it.
* :func:`live_in` - the upward-exposed reads of a block.

Names read by nested *user* functions and lambdas are closures: they may be
read whenever the closure runs, so they count as live everywhere in the
function (``ScopeInfo.always_live``). Generated helper functions are exempt:
they are called right where they are defined.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import libcst as cst

__all__ = [
    "MUTATING_METHODS",
    "definitely_bound",
    "Effects",
    "ScopeInfo",
    "analyse_function",
    "attribute_path",
    "effects",
    "live_in",
    "subscript_base",
]

#: Method names that mutate their receiver in place (list, dict, set).
MUTATING_METHODS = frozenset(
    {
        "append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse",
        "update", "setdefault", "popitem", "add", "discard", "difference_update",
        "intersection_update", "symmetric_difference_update",
    }
)  # fmt: skip

_SKIP_FIELDS = frozenset(
    {
        "lpar", "rpar", "comma", "semicolon", "leading_lines", "lines_after_decorators",
        "header", "footer", "newline", "trailing_whitespace", "whitespace_before",
        "whitespace_after", "whitespace_before_colon", "whitespace_after_colon",
    }
)  # fmt: skip

_Names = dict[str, None]  # an ordered set


def attribute_path(node: cst.BaseExpression) -> str | None:
    """``self.a.b`` -> ``"self.a.b"``; None unless a chain of names."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name) or not parts:
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def subscript_base(node: cst.Subscript) -> cst.BaseExpression:
    """``x[i][j]`` -> ``x``: the object a chain of subscripts starts from."""
    base = node.value
    while isinstance(base, cst.Subscript):
        base = base.value
    return base


@dataclass
class Effects:
    """What a piece of code does to names of the enclosing scope.

    ``reads``: names whose value is used. ``kills``: names definitely
    (re)bound. ``writes``: names rebound or mutated, and attribute paths
    stored to, in order of first write. ``closure_reads``: names read by nested
    user functions or lambdas. ``declared``: names declared ``global`` or
    ``nonlocal``. ``deleted``: names ``del``-eted. ``yields``/``awaits``: the
    code yields or awaits (outside nested scopes).
    """

    reads: _Names = field(default_factory=dict)
    kills: _Names = field(default_factory=dict)
    writes: _Names = field(default_factory=dict)
    closure_reads: set[str] = field(default_factory=set)
    declared: _Names = field(default_factory=dict)
    deleted: _Names = field(default_factory=dict)
    yields: bool = False
    awaits: bool = False


def _never_generated(name: str) -> bool:
    return False


class _Collector:
    __slots__ = ("fx", "is_generated")

    def __init__(self, is_generated: Callable[[str], bool]) -> None:
        self.fx = Effects()
        self.is_generated = is_generated

    # -- expressions -------------------------------------------------------
    def expr(self, node: cst.CSTNode | None) -> None:
        if node is None:
            return
        handler = _EXPR_HANDLERS.get(type(node))
        if handler is not None:
            handler(self, node)
        else:
            self.generic(node)

    def generic(self, node: cst.CSTNode) -> None:
        for name in _fields(type(node)):
            value = getattr(node, name)
            if isinstance(value, cst.CSTNode):
                self.expr(value)
            elif isinstance(value, (tuple, list)):
                for item in value:
                    if isinstance(item, cst.CSTNode):
                        self.expr(item)

    def name(self, node: cst.Name) -> None:
        self.fx.reads.setdefault(node.value)

    def attribute(self, node: cst.Attribute) -> None:
        self.expr(node.value)

    def call(self, node: cst.Call) -> None:
        func = node.func
        self.expr(func)
        for arg in node.args:
            self.expr(arg.value)
        if isinstance(func, cst.Attribute) and func.attr.value in MUTATING_METHODS:
            receiver = func.value
            if isinstance(receiver, cst.Name):
                self.fx.writes.setdefault(receiver.value)
            else:
                path = attribute_path(receiver)
                if path is not None:
                    self.fx.writes.setdefault(path)

    def arg(self, node: cst.Arg) -> None:
        self.expr(node.value)

    def named_expr(self, node: cst.NamedExpr) -> None:
        self.expr(node.value)
        self.target(node.target)

    def lambda_(self, node: cst.Lambda) -> None:
        params = node.params
        inner = _Collector(self.is_generated)
        inner.expr(node.body)
        bound = set(_param_names(params))
        free = {n for n in inner.fx.reads if n not in bound}
        for p in _all_params(params):
            if p.default is not None:
                self.expr(p.default)
        for n in free:
            self.fx.reads.setdefault(n)
        self.fx.closure_reads |= free | inner.fx.closure_reads

    def comprehension(self, node: cst.CSTNode) -> None:
        inner = _Collector(self.is_generated)
        inner.generic(node)
        bound: set[str] = set()
        for_in = getattr(node, "for_in", None)
        while for_in is not None:
            bound |= set(_target_names(for_in.target))
            for_in = for_in.inner_for_in
        for n in inner.fx.reads:
            if n not in bound:
                self.fx.reads.setdefault(n)
        self.fx.closure_reads |= inner.fx.closure_reads

    def comp_for(self, node: cst.CompFor) -> None:
        self.expr(node.iter)
        for cond in node.ifs:
            self.expr(cond.test)
        self.expr(node.inner_for_in)
        # the target is bound inside the comprehension: handled by comprehension()

    def yield_(self, node: cst.CSTNode) -> None:
        self.fx.yields = True
        self.generic(node)

    def await_(self, node: cst.Await) -> None:
        self.fx.awaits = True
        self.expr(node.expression)

    # -- targets -----------------------------------------------------------
    def target(self, node: cst.BaseExpression) -> None:
        fx = self.fx
        if isinstance(node, cst.Name):
            fx.kills.setdefault(node.value)
            fx.writes.setdefault(node.value)
        elif isinstance(node, (cst.Tuple, cst.List)):
            for el in node.elements:
                self.target(el.value)
        elif isinstance(node, cst.StarredElement):
            self.target(node.value)
        elif isinstance(node, cst.Attribute):
            path = attribute_path(node)
            if path is not None:
                fx.writes.setdefault(path)
            self.expr(node.value)
        elif isinstance(node, cst.Subscript):
            base = subscript_base(node)
            if isinstance(base, cst.Name):
                fx.writes.setdefault(base.value)
            else:
                path = attribute_path(base)
                if path is not None:
                    fx.writes.setdefault(path)
            self.expr(node)
        else:
            self.expr(node)

    # -- statements --------------------------------------------------------
    def stmt(self, node: cst.CSTNode) -> None:
        handler = _STMT_HANDLERS.get(type(node))
        if handler is not None:
            handler(self, node)
        else:
            self.generic(node)

    def block(self, body: cst.BaseSuite | Sequence[cst.CSTNode] | None) -> None:
        if body is None:
            return
        stmts = body.body if isinstance(body, cst.BaseSuite) else body
        for s in stmts:
            self.stmt(s)

    def simple_line(self, node: cst.SimpleStatementLine) -> None:
        for s in node.body:
            self.stmt(s)

    def assign(self, node: cst.Assign) -> None:
        self.expr(node.value)
        for t in node.targets:
            self.target(t.target)

    def aug_assign(self, node: cst.AugAssign) -> None:
        self.expr(node.value)
        self.expr(node.target)
        self.target(node.target)

    def ann_assign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self.expr(node.value)
            self.target(node.target)

    def expr_stmt(self, node: cst.Expr) -> None:
        self.expr(node.value)

    def delete(self, node: cst.Del) -> None:
        for name in _target_names(node.target):
            self.fx.kills.setdefault(name)
            self.fx.writes.setdefault(name)
            self.fx.deleted.setdefault(name)
        if not isinstance(node.target, (cst.Name, cst.Tuple, cst.List)):
            self.target(node.target)

    def declare(self, node: cst.Global | cst.Nonlocal) -> None:
        for item in node.names:
            self.fx.declared.setdefault(item.name.value)

    def import_(self, node: cst.Import | cst.ImportFrom) -> None:
        names = node.names
        if isinstance(names, cst.ImportStar):
            return
        for alias in names:
            if alias.asname is not None:
                self.target(alias.asname.name)  # type: ignore[arg-type]
            else:
                name = alias.name
                while isinstance(name, cst.Attribute):
                    name = name.value  # type: ignore[assignment]
                self.target(name)

    def if_(self, node: cst.If) -> None:
        self.expr(node.test)
        self.block(node.body)
        orelse = node.orelse
        if isinstance(orelse, cst.If):
            self.if_(orelse)
        elif orelse is not None:
            self.block(orelse.body)

    def while_(self, node: cst.While) -> None:
        self.expr(node.test)
        self.block(node.body)
        if node.orelse is not None:
            self.block(node.orelse.body)

    def for_(self, node: cst.For) -> None:
        self.expr(node.iter)
        self.target(node.target)
        self.block(node.body)
        if node.orelse is not None:
            self.block(node.orelse.body)
        if node.asynchronous is not None:
            self.fx.awaits = True

    def with_(self, node: cst.With) -> None:
        for item in node.items:
            self.expr(item.item)
            if item.asname is not None:
                self.target(item.asname.name)
        self.block(node.body)
        if node.asynchronous is not None:
            self.fx.awaits = True

    def try_(self, node: cst.Try | cst.TryStar) -> None:
        self.block(node.body)
        for handler in node.handlers:
            self.expr(handler.type)
            if handler.name is not None:
                self.target(handler.name.name)
            self.block(handler.body)
        if node.orelse is not None:
            self.block(node.orelse.body)
        if node.finalbody is not None:
            self.block(node.finalbody.body)

    def function_def(self, node: cst.FunctionDef) -> None:
        for dec in node.decorators:
            self.expr(dec.decorator)
        for p in _all_params(node.params):
            self.expr(p.default)
            if p.annotation is not None:
                self.expr(p.annotation.annotation)
        if node.returns is not None:
            self.expr(node.returns.annotation)
        inner = _Collector(self.is_generated)
        inner.block(node.body)
        ifx = inner.fx
        local = set(_param_names(node.params)) | set(ifx.kills) | {
            n for n in ifx.writes if "." not in n
        }
        local -= set(ifx.declared)
        free = {n for n in ifx.reads if n not in local}
        for n in free:
            self.fx.reads.setdefault(n)
        # `nonlocal x; x = ...` in a nested function rebinds ours; attribute
        # stores and mutations through our names are writes to our state too.
        for n in ifx.writes:
            if n in ifx.declared or ("." in n and n.split(".", 1)[0] not in local):
                self.fx.writes.setdefault(n)
            elif "." not in n and n not in local:
                self.fx.writes.setdefault(n)
        if not self.is_generated(node.name.value):
            self.fx.closure_reads |= free
        self.fx.closure_reads |= ifx.closure_reads
        self.target(node.name)

    def class_def(self, node: cst.ClassDef) -> None:
        for dec in node.decorators:
            self.expr(dec.decorator)
        for arg in (*node.bases, *node.keywords):
            self.expr(arg.value)
        inner = _Collector(self.is_generated)
        inner.block(node.body)
        for n in inner.fx.reads:
            if n not in inner.fx.kills:
                self.fx.reads.setdefault(n)
        self.fx.closure_reads |= inner.fx.closure_reads
        self.target(node.name)

    def match(self, node: cst.Match) -> None:
        self.expr(node.subject)
        for case in node.cases:
            self.pattern(case.pattern)
            self.expr(case.guard)
            self.block(case.body)

    def pattern(self, node: cst.CSTNode | None) -> None:
        if node is None:
            return
        if isinstance(node, cst.MatchAs):
            self.pattern(node.pattern)
            if node.name is not None:
                self.target(node.name)
        elif isinstance(node, cst.MatchStar):
            if node.name is not None:
                self.target(node.name)
        elif isinstance(node, cst.MatchValue):
            self.expr(node.value)
        elif isinstance(node, cst.MatchMapping):
            for el in node.elements:
                self.expr(el.key)
                self.pattern(el.pattern)
            if node.rest is not None:
                self.target(node.rest)
        elif isinstance(node, cst.MatchClass):
            self.expr(node.cls)
            for p in node.patterns:
                self.pattern(p.value)
            for k in node.kwds:
                self.pattern(k.pattern)
        elif isinstance(node, (cst.MatchSequence, cst.MatchList, cst.MatchTuple)):
            for item in node.patterns:
                self.pattern(item.value if isinstance(item, cst.MatchSequenceElement) else item)
        elif isinstance(node, cst.MatchOr):
            for alt in node.patterns:
                self.pattern(alt.pattern)
        elif isinstance(node, cst.MatchSequenceElement):
            self.pattern(node.value)


_FIELDS_CACHE: dict[type, tuple[str, ...]] = {}


def _fields(cls: type) -> tuple[str, ...]:
    names = _FIELDS_CACHE.get(cls)
    if names is None:
        import dataclasses

        names = tuple(
            f.name
            for f in dataclasses.fields(cls)
            if f.name not in _SKIP_FIELDS and not f.name.startswith("whitespace")
        )
        _FIELDS_CACHE[cls] = names
    return names


_EXPR_HANDLERS: dict[type, Callable[[_Collector, cst.CSTNode], None]] = {
    cst.Name: _Collector.name,  # type: ignore[dict-item]
    cst.Attribute: _Collector.attribute,  # type: ignore[dict-item]
    cst.Call: _Collector.call,  # type: ignore[dict-item]
    cst.Arg: _Collector.arg,  # type: ignore[dict-item]
    cst.NamedExpr: _Collector.named_expr,  # type: ignore[dict-item]
    cst.Lambda: _Collector.lambda_,  # type: ignore[dict-item]
    cst.ListComp: _Collector.comprehension,
    cst.SetComp: _Collector.comprehension,
    cst.DictComp: _Collector.comprehension,
    cst.GeneratorExp: _Collector.comprehension,
    cst.CompFor: _Collector.comp_for,  # type: ignore[dict-item]
    cst.Yield: _Collector.yield_,
    cst.Await: _Collector.await_,  # type: ignore[dict-item]
    cst.SimpleString: lambda c, n: None,
    cst.Integer: lambda c, n: None,
    cst.Float: lambda c, n: None,
}

_STMT_HANDLERS: dict[type, Callable[[_Collector, cst.CSTNode], None]] = {
    cst.SimpleStatementLine: _Collector.simple_line,  # type: ignore[dict-item]
    cst.Assign: _Collector.assign,  # type: ignore[dict-item]
    cst.AugAssign: _Collector.aug_assign,  # type: ignore[dict-item]
    cst.AnnAssign: _Collector.ann_assign,  # type: ignore[dict-item]
    cst.Expr: _Collector.expr_stmt,  # type: ignore[dict-item]
    cst.Del: _Collector.delete,  # type: ignore[dict-item]
    cst.Global: _Collector.declare,  # type: ignore[dict-item]
    cst.Nonlocal: _Collector.declare,  # type: ignore[dict-item]
    cst.Import: _Collector.import_,  # type: ignore[dict-item]
    cst.ImportFrom: _Collector.import_,  # type: ignore[dict-item]
    cst.If: _Collector.if_,  # type: ignore[dict-item]
    cst.While: _Collector.while_,  # type: ignore[dict-item]
    cst.For: _Collector.for_,  # type: ignore[dict-item]
    cst.With: _Collector.with_,  # type: ignore[dict-item]
    cst.Try: _Collector.try_,  # type: ignore[dict-item]
    cst.TryStar: _Collector.try_,  # type: ignore[dict-item]
    cst.FunctionDef: _Collector.function_def,  # type: ignore[dict-item]
    cst.ClassDef: _Collector.class_def,  # type: ignore[dict-item]
    cst.Match: _Collector.match,  # type: ignore[dict-item]
    cst.IndentedBlock: _Collector.block,  # type: ignore[dict-item]
    cst.SimpleStatementSuite: _Collector.block,  # type: ignore[dict-item]
}


def _all_params(params: cst.Parameters) -> list[cst.Param]:
    out = [*params.posonly_params, *params.params, *params.kwonly_params]
    if isinstance(params.star_arg, cst.Param):
        out.append(params.star_arg)
    if params.star_kwarg is not None:
        out.append(params.star_kwarg)
    return out


def _param_names(params: cst.Parameters) -> list[str]:
    return [p.name.value for p in _all_params(params)]


def _target_names(node: cst.CSTNode) -> list[str]:
    if isinstance(node, cst.Name):
        return [node.value]
    if isinstance(node, (cst.Tuple, cst.List)):
        return [n for el in node.elements for n in _target_names(el.value)]
    if isinstance(node, cst.StarredElement):
        return _target_names(node.value)
    return []


def target_names(node: cst.CSTNode) -> list[str]:
    """The plain names a loop or assignment target binds, in order."""
    return _target_names(node)


def effects(
    node: cst.CSTNode | Sequence[cst.CSTNode] | cst.BaseSuite,
    is_generated: Callable[[str], bool] = _never_generated,
) -> Effects:
    """Names read, bound and written by a statement, block, or expression."""
    c = _Collector(is_generated)
    if isinstance(node, (list, tuple, cst.BaseSuite)):
        c.block(node)  # type: ignore[arg-type]
    elif isinstance(node, cst.BaseExpression):
        c.expr(node)
    else:
        c.stmt(node)  # type: ignore[arg-type]
    return c.fx


# ---------------------------------------------------------------------------
# Liveness and maybe-bound names over one function body
# ---------------------------------------------------------------------------


@dataclass
class ScopeInfo:
    """Per-statement facts about one function body (keys: ``id(statement)``)."""

    params: frozenset[str]
    #: the function's local names (parameters and names bound anywhere in it); a
    #: name only mutated (``log.append(x)``) or subscript-stored is not one
    bound: frozenset[str]
    live_out: dict[int, frozenset[str]]
    head_live: dict[int, frozenset[str]]
    maybe_bound: dict[int, frozenset[str]]
    always_live: frozenset[str]
    declared: frozenset[str]
    is_generator: bool
    is_async: bool
    keep: list[object] = field(default_factory=list)  # keeps analysed nodes alive (ids stay valid)


class _Liveness:
    def __init__(self, is_generated: Callable[[str], bool]) -> None:
        self.is_generated = is_generated
        self.live_out: dict[int, frozenset[str]] = {}
        self.head_live: dict[int, frozenset[str]] = {}
        self.cache: dict[int, Effects] = {}
        self.loops: list[tuple[frozenset[str], frozenset[str]]] = []  # (break, continue)

    def fx(self, node: cst.CSTNode) -> Effects:
        key = id(node)
        got = self.cache.get(key)
        if got is None:
            got = self.cache[key] = effects(node, self.is_generated)
        return got

    def block(self, body: cst.BaseSuite | Sequence[cst.CSTNode] | None, out: frozenset[str]) -> frozenset[str]:
        if body is None:
            return out
        stmts = body.body if isinstance(body, cst.BaseSuite) else body
        live = out
        for s in reversed(stmts):
            live = self.stmt(s, live)
        return live

    def stmt(self, node: cst.CSTNode, out: frozenset[str]) -> frozenset[str]:
        self.live_out[id(node)] = out
        if isinstance(node, cst.SimpleStatementLine):
            live = out
            for small in reversed(node.body):
                live = self.small(small, live)
            return live
        if isinstance(node, cst.If):
            live = self.block(node.body, out)
            orelse = node.orelse
            if isinstance(orelse, cst.If):
                live = live | self.stmt(orelse, out)
            elif orelse is not None:
                live = live | self.block(orelse.body, out)
            else:
                live = live | out
            return live | frozenset(self.fx(node.test).reads)
        if isinstance(node, cst.While):
            after = self.block(node.orelse.body, out) if node.orelse is not None else out
            test = frozenset(self.fx(node.test).reads)
            head = test | after
            while True:
                self.loops.append((out, head))
                new = test | after | self.block(node.body, head)
                self.loops.pop()
                if new == head:
                    break
                head = new
            self.head_live[id(node)] = head
            return head
        if isinstance(node, cst.For):
            after = self.block(node.orelse.body, out) if node.orelse is not None else out
            tfx = effects(node.target, self.is_generated) if not isinstance(node.target, cst.Name) else None
            bound = frozenset(_target_names(node.target))
            target_reads = frozenset(tfx.reads) - bound if tfx is not None else frozenset()
            head = after
            while True:
                self.loops.append((out, head))
                body_in = self.block(node.body, head)
                self.loops.pop()
                new = after | ((body_in - bound) | target_reads)
                if new == head:
                    break
                head = new
            self.head_live[id(node)] = head
            return head | frozenset(self.fx(node.iter).reads)
        if isinstance(node, (cst.Try, cst.TryStar)):
            fin = self.block(node.finalbody.body, out) if node.finalbody is not None else out
            els = self.block(node.orelse.body, fin) if node.orelse is not None else fin
            handlers: frozenset[str] = frozenset()
            for h in node.handlers:
                hin = self.block(h.body, fin)
                if h.name is not None and isinstance(h.name.name, cst.Name):
                    hin = hin - {h.name.name.value}
                if h.type is not None:
                    hin = hin | frozenset(self.fx(h.type).reads)
                handlers = handlers | hin
            return self.block(node.body, els | handlers) | handlers
        if isinstance(node, cst.With):
            as_names: set[str] = set()
            reads: set[str] = set()
            for item in node.items:
                reads |= set(self.fx(item.item).reads)
                if item.asname is not None:
                    as_names |= set(_target_names(item.asname.name))
            return (self.block(node.body, out) - as_names) | reads
        if isinstance(node, cst.Match):
            live = out | frozenset(self.fx(node.subject).reads)
            for case in node.cases:
                live = live | self.block(case.body, out)
                if case.guard is not None:
                    live = live | frozenset(self.fx(case.guard).reads)
            return live
        # FunctionDef, ClassDef and anything else: a simple statement.
        fx = self.fx(node)
        return (out - frozenset(fx.kills)) | frozenset(fx.reads)

    def small(self, node: cst.BaseSmallStatement, out: frozenset[str]) -> frozenset[str]:
        if isinstance(node, cst.Return):
            return frozenset(self.fx(node.value).reads) if node.value is not None else frozenset()
        if isinstance(node, cst.Raise):
            return frozenset(effects(node, self.is_generated).reads)
        if isinstance(node, cst.Break):
            return self.loops[-1][0] if self.loops else out
        if isinstance(node, cst.Continue):
            return self.loops[-1][1] if self.loops else out
        fx = self.fx(node)
        # A subscript or mutating store reads its receiver, so it is not a kill.
        return (out - frozenset(fx.kills)) | frozenset(fx.reads)


class _MaybeBound:
    """Forward analysis: which names may be bound before each statement."""

    def __init__(self, is_generated: Callable[[str], bool]) -> None:
        self.is_generated = is_generated
        self.before: dict[int, frozenset[str]] = {}

    def block(self, body: cst.BaseSuite | Sequence[cst.CSTNode] | None, bound: frozenset[str]) -> frozenset[str]:
        if body is None:
            return bound
        stmts = body.body if isinstance(body, cst.BaseSuite) else body
        for s in stmts:
            bound = self.stmt(s, bound)
        return bound

    def stmt(self, node: cst.CSTNode, bound: frozenset[str]) -> frozenset[str]:
        self.before[id(node)] = bound
        if isinstance(node, cst.If):
            out = self.block(node.body, bound)
            orelse = node.orelse
            if isinstance(orelse, cst.If):
                return out | self.stmt(orelse, bound)
            if orelse is not None:
                return out | self.block(orelse.body, bound)
            return out | bound
        if isinstance(node, (cst.While, cst.For)):
            head = bound
            if isinstance(node, cst.For):
                head = head | frozenset(_target_names(node.target))
            while True:
                end = self.block(node.body, head)
                if end <= head:
                    break
                head = head | end
            if node.orelse is not None:
                head = self.block(node.orelse.body, head)
            return head
        if isinstance(node, (cst.Try, cst.TryStar, cst.With, cst.Match)):
            return bound | frozenset(n for n in effects(node, self.is_generated).kills)
        if isinstance(node, cst.SimpleStatementLine):
            kills: set[str] = set()
            for small in node.body:
                kills |= set(effects(small, self.is_generated).kills)
            return bound | frozenset(kills)
        return bound | frozenset(effects(node, self.is_generated).kills)


class _DefinitelyBound:
    """Forward analysis: which names are bound on every path to each statement.

    ``None`` stands for "unreachable" (after ``return``, ``raise``, ``break``,
    ``continue``), which binds everything. Loops may run zero times; ``try``,
    ``with`` and ``match`` count only what is bound before them.
    """

    def __init__(self, is_generated: Callable[[str], bool]) -> None:
        self.is_generated = is_generated
        self.before: dict[int, frozenset[str]] = {}

    @staticmethod
    def _meet(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
        if a is None:
            return b
        if b is None:
            return a
        return a & b

    def block(
        self, body: cst.BaseSuite | Sequence[cst.CSTNode] | None, bound: frozenset[str] | None
    ) -> frozenset[str] | None:
        if body is None:
            return bound
        stmts = body.body if isinstance(body, cst.BaseSuite) else body
        for s in stmts:
            if bound is None:
                break
            bound = self.stmt(s, bound)
        return bound

    def stmt(self, node: cst.CSTNode, bound: frozenset[str]) -> frozenset[str] | None:
        self.before[id(node)] = bound
        if isinstance(node, cst.If):
            out = self.block(node.body, bound)
            orelse = node.orelse
            if isinstance(orelse, cst.If):
                return self._meet(out, self.stmt(orelse, bound))
            return self._meet(out, self.block(orelse.body, bound) if orelse is not None else bound)
        if isinstance(node, (cst.While, cst.For)):
            head = bound | frozenset(_target_names(node.target)) if isinstance(node, cst.For) else bound
            self.block(node.body, head)
            if node.orelse is not None:
                self.block(node.orelse.body, bound)
            return bound
        if isinstance(node, (cst.Try, cst.TryStar, cst.With, cst.Match)):
            return bound
        if isinstance(node, cst.SimpleStatementLine):
            for small in node.body:
                if isinstance(small, (cst.Return, cst.Raise, cst.Break, cst.Continue)):
                    return None
                fx = effects(small, self.is_generated)
                bound = (bound | frozenset(fx.kills)) - frozenset(fx.deleted)
            return bound
        return bound | frozenset(effects(node, self.is_generated).kills)


def definitely_bound(
    node: cst.FunctionDef, is_generated: Callable[[str], bool] = _never_generated
) -> dict[int, frozenset[str]]:
    """For each statement of ``node``'s body (by ``id``): the names bound on every path to it."""
    analysis = _DefinitelyBound(is_generated)
    analysis.block(node.body, frozenset(_param_names(node.params)))
    return analysis.before


def live_in(
    body: cst.BaseSuite | Sequence[cst.CSTNode],
    out: Iterable[str] = (),
    is_generated: Callable[[str], bool] = _never_generated,
) -> frozenset[str]:
    """Names a block reads before (re)binding them, given those live after it."""
    return _Liveness(is_generated).block(body, frozenset(out))


def analyse_function(
    node: cst.FunctionDef, is_generated: Callable[[str], bool] = _never_generated
) -> ScopeInfo:
    """Liveness and maybe-bound names for every statement of ``node``'s body."""
    whole = effects(node.body, is_generated)
    lv = _Liveness(is_generated)
    lv.cache = {}
    lv.block(node.body, frozenset())
    params = frozenset(_param_names(node.params))
    mb = _MaybeBound(is_generated)
    mb.block(node.body, params)
    return ScopeInfo(
        params=params,
        bound=(params | frozenset(whole.kills)) - frozenset(whole.declared),
        live_out=lv.live_out,
        head_live=lv.head_live,
        maybe_bound=mb.before,
        always_live=frozenset(whole.closure_reads),
        declared=frozenset(whole.declared),
        is_generator=whole.yields,
        is_async=node.asynchronous is not None or whole.awaits,
        keep=[node],
    )

"""``break`` and ``continue`` -> structured code the loop passes can convert.

Before::

    def f(xs):
        s = 0.0
        for x in xs:
            if x < 0:
                continue
            if x > 10:
                break
            s += x
        else:
            s = -s
        return s

After::

    def f(xs):
        s = 0.0
        _break_1 = False
        def _for_body_1(x, _break_1, s):
            if x < 0:
                pass
            else:
                if x > 10:
                    _break_1 = True
                else:
                    s += x
            return (_break_1, s)
        (_break_1, s) = rt.for_each_until(_for_body_1, xs, (_break_1, s))
        if not _break_1:
            s = -s
        return s

The statements after an ``if`` that may leave the iteration move into the
branches that fall through (copied when several do), so ``continue`` needs no
flag at all and ``break`` only sets ``_break_N``. A ``while`` loop then tests
the flag first (``while not _break_1 and (i < n):``, converted by the loops
pass); a ``for`` loop with ``break`` becomes :func:`runtime.for_each_until`
here, whose first carried value is the flag: a real ``break`` in Python, a
masked scan (``lax.cond(flag, skip, body)`` per step, differentiable) over
arrays, a while loop for a traced ``range``. An ``else:`` clause runs under
``if not _break_N:``. Exits inside ``try``/``with``/``match`` blocks stay
Python (reported as kept).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import libcst as cst

from autoflow import templates
from autoflow.analysis import effects, target_names
from autoflow.passes import (
    ConversionContext,
    Pass,
    RenameAttributes,
    is_simple_target,
    with_leading_lines,
)

__all__ = ["CannotLower", "LoopExitsPass", "clone", "lower_block"]

_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


class CannotLower(Exception):
    """An exit sits where the rest of the block cannot follow it (try, with, match)."""

    def __init__(self, node: cst.CSTNode, kind: str) -> None:
        super().__init__(kind)
        self.node = node
        self.kind = kind


# ---------------------------------------------------------------------------
# Finding exits
# ---------------------------------------------------------------------------


def contains(node: cst.CSTNode, kinds: tuple[type, ...], cross_loops: bool) -> bool:
    """Does ``node`` hold a statement of ``kinds`` (not in nested functions; loops if asked)?"""
    if isinstance(node, kinds):
        return True
    if isinstance(node, _SCOPES):
        return False
    if isinstance(node, (cst.For, cst.While)) and not cross_loops:
        # Only the else clause (and header) belong to the enclosing loop.
        return node.orelse is not None and contains(node.orelse, kinds, cross_loops)
    if isinstance(node, (cst.Name, cst.SimpleWhitespace, cst.EmptyLine, cst.Newline)):
        return False
    return any(contains(child, kinds, cross_loops) for child in node.children)


# ---------------------------------------------------------------------------
# Structural lowering: the rest of a block moves into the branches that fall through
# ---------------------------------------------------------------------------


class _Collect(cst.CSTVisitor):
    def __init__(self) -> None:
        self.nodes: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.nodes.append(node)
        return True


def clone(node: cst.CSTNode, ctx: ConversionContext) -> cst.CSTNode:
    """A deep copy of ``node`` whose nodes keep the source positions of the originals."""
    copy = node.deep_clone()
    a, b = _Collect(), _Collect()
    node.visit(a)
    copy.visit(b)
    for old, new in zip(a.nodes, b.nodes):
        pos = ctx.positions.get(old)
        if pos is not None:
            ctx.positions[new] = pos
    return copy


def _block_stmts(suite: cst.BaseSuite) -> list[cst.BaseStatement]:
    if isinstance(suite, cst.IndentedBlock):
        return list(suite.body)
    assert isinstance(suite, cst.SimpleStatementSuite)
    return [cst.SimpleStatementLine(body=suite.body)]


def _as_block(
    stmts: Sequence[cst.BaseStatement], like: cst.BaseSuite | None = None
) -> cst.IndentedBlock:
    body = list(stmts) or [cst.SimpleStatementLine([cst.Pass()])]
    if isinstance(like, cst.IndentedBlock):
        return like.with_changes(body=body)
    header = (
        like.trailing_whitespace
        if isinstance(like, cst.SimpleStatementSuite)
        else cst.TrailingWhitespace()
    )
    return cst.IndentedBlock(body=body, header=header)


class _Rest:
    """The statements after an exit-holding ``if``: the first use takes them, later ones copy."""

    def __init__(self, stmts: list[cst.BaseStatement], ctx: ConversionContext) -> None:
        self.stmts = stmts
        self.ctx = ctx
        self.used = False

    def take(self) -> list[cst.BaseStatement]:
        if not self.used:
            self.used = True
            return self.stmts
        return [clone(s, self.ctx) for s in self.stmts]  # type: ignore[misc]


Replace = Callable[[cst.BaseSmallStatement], list[cst.BaseSmallStatement]]


def lower_block(
    stmts: Sequence[cst.BaseStatement],
    kinds: tuple[type, ...],
    replace: Replace,
    ctx: ConversionContext,
    cross_loops: bool = False,
) -> tuple[list[cst.BaseStatement], bool]:
    """Remove the exits of ``kinds`` from a block; return it and whether it can fall through.

    An exit ends its block: ``replace(exit)`` gives the small statements it
    becomes, and what follows it is dead. An ``if`` holding an exit takes the
    rest of the block into each branch that can fall through (an ``else:`` is
    added when needed), recursively.
    """
    out: list[cst.BaseStatement] = []
    stmts = list(stmts)
    for idx, stmt in enumerate(stmts):
        if isinstance(stmt, cst.SimpleStatementLine):
            for k, small in enumerate(stmt.body):
                if isinstance(small, kinds):
                    kept = [*stmt.body[:k], *replace(small)]
                    if kept:
                        kept[-1] = kept[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
                        line = stmt.with_changes(body=kept)
                        ctx.positions.setdefault(line, ctx.position(stmt))
                        out.append(line)
                    return out, False
            out.append(stmt)
            continue
        if not contains(stmt, kinds, cross_loops):
            out.append(stmt)
            continue
        if isinstance(stmt, cst.If):
            rest = _Rest(stmts[idx + 1 :], ctx)
            new_if, falls = _lower_if(stmt, rest, kinds, replace, ctx, cross_loops)
            out.append(new_if)
            return out, falls
        if (
            isinstance(stmt, (cst.For, cst.While))
            and stmt.orelse is not None
            and not contains(stmt.body, (cst.Break,), False)
            and not (cross_loops and contains(stmt.body, kinds, True))
        ):
            # A loop without a break of its own always runs its else clause after
            # it: the clause (holding the exit) joins the rest of the block.
            loop = stmt.with_changes(orelse=None)
            ctx.positions.setdefault(loop, ctx.position(stmt))
            out.append(loop)
            tail, falls = lower_block(
                [*_block_stmts(stmt.orelse.body), *stmts[idx + 1 :]],
                kinds,
                replace,
                ctx,
                cross_loops,
            )
            return [*out, *tail], falls
        raise CannotLower(stmt, type(stmt).__name__.lower())
    return out, True


def _lower_if(
    node: cst.If,
    rest: _Rest,
    kinds: tuple[type, ...],
    replace: Replace,
    ctx: ConversionContext,
    cross_loops: bool,
) -> tuple[cst.If, bool]:
    body, falls = lower_block(
        [*_block_stmts(node.body), *rest.take()], kinds, replace, ctx, cross_loops
    )
    orelse = node.orelse
    new_orelse: cst.If | cst.Else | None
    if isinstance(orelse, cst.If):
        new_orelse, falls_else = _lower_if(orelse, rest, kinds, replace, ctx, cross_loops)
    else:
        stmts = _block_stmts(orelse.body) if orelse is not None else []
        taken = rest.take() if (orelse is not None or rest.stmts) else []
        lowered, falls_else = lower_block([*stmts, *taken], kinds, replace, ctx, cross_loops)
        if orelse is not None:
            new_orelse = orelse.with_changes(body=_as_block(lowered, orelse.body))
        elif lowered:
            new_orelse = cst.Else(body=_as_block(lowered))
        else:
            new_orelse = None
    new = node.with_changes(body=_as_block(body, node.body), orelse=new_orelse)
    ctx.positions.setdefault(new, ctx.position(node))
    return new, falls or falls_else


# ---------------------------------------------------------------------------
# The pass
# ---------------------------------------------------------------------------


def _not(name: str) -> cst.UnaryOperation:
    return cst.UnaryOperation(operator=cst.Not(), expression=cst.Name(name))


def _is_true(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "True"


class LoopExitsPass(Pass):
    """Lower ``break``/``continue`` so that loops holding them can be converted."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self._numbers: dict[int, int] = {}

    # Number loops with exits on the way down, so names follow source order.
    def visit_While(self, node: cst.While) -> bool | None:
        if self._has_exits(node):
            self._numbers[id(node)] = self.ctx.names.number("break")
        return True

    def visit_For(self, node: cst.For) -> bool | None:
        if self._has_exits(node):
            self._numbers[id(node)] = self.ctx.names.number("break")
        return True

    def _lower(
        self, original: cst.For | cst.While, loop: cst.For | cst.While, number: int
    ) -> tuple[list[cst.BaseStatement], bool] | None:
        """The loop body without exits, and whether it had a ``break``; None if kept.

        ``original`` is the node as parsed: only it has a source position.
        """
        body = _block_stmts(loop.body)
        has_break = any(contains(s, (cst.Break,), False) for s in body)
        flag = self.ctx.names.name("_break", number)

        def replace(small: cst.BaseSmallStatement) -> list[cst.BaseSmallStatement]:
            if isinstance(small, cst.Break):
                return [cst.Assign([cst.AssignTarget(cst.Name(flag))], cst.Name("True"))]
            return []  # continue: the rest of the iteration is already skipped

        try:
            lowered, _ = lower_block(body, (cst.Break, cst.Continue), replace, self.ctx)
        except CannotLower as exc:
            construct = "while" if isinstance(loop, cst.While) else "for"
            line = self.position(exc.node)[0]
            self.keep(
                original,
                construct,
                f"a break or continue inside '{exc.kind}' (line {line}) stays Python",
            )
            return None
        return lowered, has_break

    def _has_exits(self, loop: cst.For | cst.While) -> bool:
        return self.scope is not None and any(
            contains(s, (cst.Break, cst.Continue), False) for s in _block_stmts(loop.body)
        )

    def leave_While(
        self, original_node: cst.While, updated_node: cst.While
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        number = self._numbers.get(id(original_node))
        if number is None:
            return updated_node
        result = self._lower(original_node, updated_node, number)
        if result is None:
            return updated_node
        body, has_break = result
        self.converted(original_node, "while", "break/continue lowered")
        if not has_break:
            new = updated_node.with_changes(body=_as_block(body, updated_node.body))
            self.place([new], original_node)
            return new
        flag = self.ctx.names.name("_break", number)
        test = updated_node.test
        if _is_true(test):
            new_test: cst.BaseExpression = _not(flag)
        else:
            paren = (
                test
                if test.lpar
                or not isinstance(
                    test, (cst.BooleanOperation, cst.IfExp, cst.Lambda, cst.NamedExpr)
                )
                else test.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
            )
            new_test = cst.BooleanOperation(left=_not(flag), operator=cst.And(), right=paren)
        loop = updated_node.with_changes(
            test=new_test, body=_as_block(body, updated_node.body), orelse=None, leading_lines=[]
        )
        stmts: list[cst.BaseStatement] = [templates.assign(flag, cst.Name("False")), loop]
        if updated_node.orelse is not None:
            stmts.append(
                cst.If(test=_not(flag), body=_as_block(_block_stmts(updated_node.orelse.body)))
            )
        stmts = with_leading_lines(stmts, updated_node.leading_lines)
        self.place(stmts, original_node)
        return cst.FlattenSentinel(stmts)

    def leave_For(
        self, original_node: cst.For, updated_node: cst.For
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        number = self._numbers.get(id(original_node))
        if number is None or updated_node.asynchronous is not None:
            return updated_node
        if not is_simple_target(updated_node.target):
            self.keep(original_node, "for", "the loop target is not a plain name or tuple of names")
            return updated_node
        result = self._lower(original_node, updated_node, number)
        if result is None:
            return updated_node
        body, has_break = result
        if not has_break:
            self.converted(original_node, "for", "continue lowered")
            new = updated_node.with_changes(body=_as_block(body, updated_node.body))
            self.place([new], original_node)
            return new
        reason = self.keep_reason(original_node, [cst.IndentedBlock(body=body), updated_node.iter])
        if reason is not None:
            self.keep(original_node, "for", reason)
            return updated_node
        return cst.FlattenSentinel(self._for_until(original_node, updated_node, body, number))

    def _for_until(
        self, original: cst.For, node: cst.For, body: list[cst.BaseStatement], number: int
    ) -> list[cst.BaseStatement]:
        scope = self.scope
        assert scope is not None
        names = self.ctx.names
        flag = names.name("_break", number)
        head = set(scope.head_live.get(id(original), frozenset()))
        if node.orelse is not None:
            # A break skips the else clause: what is live after the loop must be carried
            # even when the else clause leaves the enclosing loop (or function) instead.
            head |= scope.live_out.get(id(original), frozenset())
        block = _as_block(body, node.body)
        fx = effects(block, names.is_generated)
        bound = target_names(node.target)
        written = [n for n in dict.fromkeys([*bound, *fx.writes]) if n != flag]
        carry = self.carry(original, written, set(fx.kills) | set(bound), head)
        carried = [flag, *carry.names]

        body_name = names.name("_for_body", number)
        target = node.target
        if isinstance(target, cst.Name) and target.value not in carry.names:
            item = target.value
            first: list[cst.BaseStatement] = []
        else:
            item = names.name("_item", number)
            plain = (
                target.with_changes(lpar=[], rpar=[]) if isinstance(target, cst.Tuple) else target
            )
            first = [templates.assign(plain, item)]
        fn = templates.function(
            body_name,
            [item, *carried],
            block.with_changes(body=[*first, *block.body, templates.return_tuple(carried)]),
        )
        if carry.temps:
            fn = fn.visit(RenameAttributes(carry.temps))  # type: ignore[assignment]
        call = templates.render(
            "{outputs} = rt.for_each_until({body}, {iterable}, {operands})",
            outputs=templates.names_tuple(carried),
            body=body_name,
            iterable=self.runtime_iterable(node.iter),
            operands=templates.names_tuple(carried),
        )
        stmts: list[cst.BaseStatement] = [
            *carry.before,
            templates.assign(flag, cst.Name("False")),
            fn,
            call,
            *carry.after,
        ]
        if node.orelse is not None:
            stmts.append(cst.If(test=_not(flag), body=_as_block(_block_stmts(node.orelse.body))))
        stmts = with_leading_lines(stmts, node.leading_lines)
        self.place(stmts, original)
        self.converted(original, "for", "rt.for_each_until")
        return stmts

"""``if`` / ``elif`` / ``else`` -> ``rt.ifelse``.

Before::

    def f(x, y):
        if x > 0:  # positive
            y = y * 2
        else:
            y = -y
        return y

After::

    def f(x, y):
        def _if_true_1(y):  # positive
            y = y * 2
            return (y,)
        def _if_false_1(y):
            y = -y
            return (y,)
        (y,) = rt.ifelse(x > 0, (_if_true_1, _if_false_1), (y,))
        return y

Each branch becomes a helper whose parameters and results are the carried
names: those some branch writes that are live after the ``if`` (or read in a
branch before being written). Names only read stay closures. The runtime
decides at run time whether the predicate is concrete (one branch runs, in
Python) or traced (``lax.cond``), so every ``if`` inside a function is
converted, except those holding a statement that cannot move into a helper
(``return``, ``break``, ... until the passes that lower them exist).

An ``elif`` chain whose later tests are side-effect free and cannot fail
where an earlier test guards them (comparisons and arithmetic of names and
constants, as in ``a > 10`` / ``a > 5``) becomes one call with a list of
predicates, ``rt.ifelse([a > 10, a > 5], (_if_true_1, _elif_1_1, _if_false_1), ...)``;
any other ``elif`` nests an ``rt.ifelse`` inside the false branch, so a test
like ``x.shape[0] > 1`` after ``x is None`` is only evaluated when Python
would evaluate it.
"""

from __future__ import annotations

import libcst as cst

from autoflow import templates
from autoflow.analysis import effects, live_in
from autoflow.passes import CONTAINS_IF, CONTAINS_SCOPE, Pass, RenameAttributes, with_leading_lines

__all__ = ["ConditionalsPass"]

_SAFE_COMPARISONS = (
    cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual, cst.Equal, cst.NotEqual,
)  # fmt: skip
_SAFE_BINARY = (cst.Add, cst.Subtract, cst.Multiply)


def _is_safe_test(node: cst.BaseExpression) -> bool:
    """Can this ``elif`` test be evaluated even when an earlier test is true?"""
    if isinstance(node, (cst.Name, cst.Integer, cst.Float)):
        return True
    if isinstance(node, cst.Attribute):
        return _is_safe_test(node.value)
    if isinstance(node, cst.Comparison):
        return _is_safe_test(node.left) and all(
            isinstance(c.operator, _SAFE_COMPARISONS) and _is_safe_test(c.comparator)
            for c in node.comparisons
        )
    if isinstance(node, cst.BinaryOperation):
        return isinstance(node.operator, _SAFE_BINARY) and _is_safe_test(node.left) and _is_safe_test(node.right)
    if isinstance(node, cst.UnaryOperation):
        return isinstance(node.operator, (cst.Minus, cst.Plus)) and _is_safe_test(node.expression)
    return False


def _as_block(body: cst.BaseSuite) -> cst.IndentedBlock:
    if isinstance(body, cst.IndentedBlock):
        return body
    assert isinstance(body, cst.SimpleStatementSuite)
    return cst.IndentedBlock(
        body=[cst.SimpleStatementLine(body=body.body)], header=body.trailing_whitespace
    )


class ConditionalsPass(Pass):
    """Lower ``if``/``elif``/``else`` inside functions to ``rt.ifelse``."""

    interest = CONTAINS_IF | CONTAINS_SCOPE

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self._elifs: set[int] = set()
        self._numbers: dict[int, int] = {}
        self._kept: set[int] = set()
        self._members: set[int] = set()  # elifs that join their head's predicate list

    def visit_If(self, node: cst.If) -> bool | None:
        if id(node) in self._elifs:
            return True
        # Walk the chain once: each elif either joins its head's list of
        # predicates or starts a nested rt.ifelse (a new head) in the false branch.
        orelse = node.orelse
        while isinstance(orelse, cst.If):
            self._elifs.add(id(orelse))
            orelse = orelse.orelse
        blocks: list[cst.CSTNode | None] = [node.body]
        orelse = node.orelse
        while orelse is not None:
            blocks.append(orelse.body)
            orelse = orelse.orelse if isinstance(orelse, cst.If) else None
        reason = self.keep_reason(node, blocks)
        if reason is not None:
            self._kept.add(id(node))
            self._keep_chain(node, reason)
            return True
        self._numbers[id(node)] = self.ctx.names.number("if")
        self.enter_converted()
        all_safe = _is_safe_test(node.test)
        orelse = node.orelse
        while isinstance(orelse, cst.If):
            if all_safe and _is_safe_test(orelse.test):
                self._members.add(id(orelse))
            else:
                self._numbers[id(orelse)] = self.ctx.names.number("if")
                all_safe = _is_safe_test(orelse.test)
            orelse = orelse.orelse
        return True

    def _keep_chain(self, node: cst.If, reason: str) -> None:
        self.keep(node, "if", reason)
        orelse = node.orelse
        while isinstance(orelse, cst.If):
            self.keep(orelse, "elif", reason)
            orelse = orelse.orelse

    def leave_If(
        self, original_node: cst.If, updated_node: cst.If
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        key = id(original_node)
        if key in self._elifs or key in self._kept:
            return updated_node
        scope = self.scope
        assert scope is not None
        live_after = scope.live_out.get(key, frozenset())
        enclosed = self.leave_converted()
        stmts = self._lower(original_node, updated_node, live_after, "if", enclosed)
        return cst.FlattenSentinel(stmts)

    def _lower(
        self,
        original: cst.If,
        node: cst.If,
        live_after: frozenset[str],
        construct: str,
        nested: bool = False,
    ) -> list[cst.BaseStatement]:
        """The statements replacing ``node`` (``original`` is its pre-pass node)."""
        names = self.ctx.names
        number = self._numbers[id(original)]
        tests: list[cst.BaseExpression] = [node.test]
        bodies: list[cst.IndentedBlock] = [_as_block(node.body)]
        headers: list[cst.If] = []
        orig, orelse = original.orelse, node.orelse
        while isinstance(orelse, cst.If) and isinstance(orig, cst.If) and id(orig) in self._members:
            tests.append(orelse.test)
            bodies.append(_as_block(orelse.body))
            headers.append(orelse)
            self.converted(orig, "elif", "rt.ifelse")
            orig, orelse = orig.orelse, orelse.orelse
        else_block: cst.IndentedBlock | None = None
        else_leading: list[cst.EmptyLine] = []
        if isinstance(orelse, cst.If):
            assert isinstance(orig, cst.If)
            inner = self._lower(orig, orelse.with_changes(leading_lines=[]), live_after, "elif", True)
            else_block = cst.IndentedBlock(body=inner)
            else_leading = list(orelse.leading_lines)
        elif isinstance(orelse, cst.Else):
            else_block = _as_block(orelse.body)
            else_leading = list(orelse.leading_lines)

        blocks = [*bodies, *([else_block] if else_block is not None else [])]
        is_gen = names.is_generated
        written: dict[str, None] = {}
        kills: set[str] = set()
        needed = set(live_after)
        for block in blocks:
            fx = effects(block, is_gen)
            for n in fx.writes:
                written.setdefault(n)
            kills |= set(fx.kills)
            needed |= live_in(block, (), is_gen)
        carry = self.carry(original, list(written), kills, needed, assume_bound=nested)
        if else_block is None:
            # A missing else still hands the carried names back unchanged.
            else_block = cst.IndentedBlock(body=[])

        fn_names = [names.name("_if_true", number)]
        fn_names += [names.name(f"_elif_{number}", k) for k in range(1, len(tests))]
        fn_names.append(names.name("_if_false", number))
        all_blocks = [*bodies, else_block]
        leading = [[], *[list(h.leading_lines) for h in headers], else_leading]

        defs: list[cst.BaseStatement] = []
        for fn_name, block, lines in zip(fn_names, all_blocks, leading):
            body = [*block.body, templates.return_tuple(carry.names)]
            fn = templates.function(fn_name, carry.names, block.with_changes(body=body), lines)
            if carry.temps:
                fn = fn.visit(RenameAttributes(carry.temps))  # type: ignore[assignment]
            defs.append(fn)

        test: cst.BaseExpression = tests[0] if len(tests) == 1 else cst.List([cst.Element(t) for t in tests])
        branches = templates.expr_tuple([cst.Name(n) for n in fn_names])
        operands = templates.names_tuple(carry.names)
        if carry.names:
            call = templates.render(
                templates.IF_ELSE, outputs=templates.names_tuple(carry.names), test=test,
                branches=branches, operands=operands,
            )  # fmt: skip
        else:
            call = templates.render(
                templates.IF_ELSE_NO_OUTPUT, test=test, branches=branches, operands=operands
            )
        stmts = with_leading_lines([*carry.before, *defs, call, *carry.after], node.leading_lines)
        self.place(stmts, original)
        self.converted(original, construct, "rt.ifelse")
        return stmts

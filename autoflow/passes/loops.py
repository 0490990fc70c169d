"""``while`` -> ``rt.while_loop`` and ``for`` -> ``rt.for_each``.

Before::

    def total(seq, n):
        s = 0.0
        i = 0
        while i < n:  # traced bound
            s += seq[i]
            i += 1
        for x in seq:
            s = s * 0.5 + x
        return s

After::

    def total(seq, n):
        s = 0.0
        i = 0
        def _loop_cond_1(s, i):  # traced bound
            return i < n
        def _loop_body_1(s, i):
            s += seq[i]
            i += 1
            return (s, i)
        (s, i) = rt.while_loop(_loop_body_1, _loop_cond_1, (s, i))
        def _loop_body_2(x, s):
            s = s * 0.5 + x
            return (s,)
        (s,) = rt.for_each(_loop_body_2, seq, (s,))
        return s

The carried names are those the body writes that are live at the loop head:
read after the loop, by the test, or by a later iteration. A loop target live
after the loop is carried too (it keeps its last value, or its earlier binding
when the loop runs zero times). ``range``/``enumerate``/``zip`` in the loop
header become ``rt.range``/``rt.enumerate``/``rt.zip`` (unless the code
rebinds those names); the runtime picks a scan, a counted loop or a Python
loop from the iterable's value. A loop's ``else:`` clause runs after the loop
(a converted loop has no ``break``).
"""

from __future__ import annotations

import libcst as cst

from autoflow import templates
from autoflow.analysis import effects, target_names
from autoflow.passes import (
    CONTAINS_LOOP,
    CONTAINS_SCOPE,
    Pass,
    RenameAttributes,
    is_simple_target,
    with_leading_lines,
)

__all__ = ["LoopsPass"]



def _as_block(body: cst.BaseSuite) -> cst.IndentedBlock:
    if isinstance(body, cst.IndentedBlock):
        return body
    assert isinstance(body, cst.SimpleStatementSuite)
    return cst.IndentedBlock(
        body=[cst.SimpleStatementLine(body=body.body)], header=body.trailing_whitespace
    )


class LoopsPass(Pass):
    """Lower ``while`` and ``for`` loops inside functions to runtime loops."""

    interest = CONTAINS_LOOP | CONTAINS_SCOPE

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self._numbers: dict[int, int] = {}
        # ids of the else clauses of converted loops: they run after the loop, outside its helper.
        self._after: set[int] = set()

    # -- decide, in source order ---------------------------------------------
    def visit_While(self, node: cst.While) -> bool | None:
        reason = self.keep_reason(node, [node.body, node.orelse, node.test])
        if reason is None:
            self._numbers[id(node)] = self.ctx.names.number("loop")
            self.enter_converted()
            if node.orelse is not None:
                self._after.add(id(node.orelse))
        else:
            self.keep(node, "while", reason)
        return True

    def visit_For(self, node: cst.For) -> bool | None:
        reason = self.keep_reason(node, [node.body, node.orelse, node.iter])
        if reason is None and node.asynchronous is not None:
            reason = "'async for' stays Python"
        if reason is None and not is_simple_target(node.target):
            reason = "the loop target is not a plain name or tuple of names"
        if reason is None:
            self._numbers[id(node)] = self.ctx.names.number("loop")
            self.enter_converted()
            if node.orelse is not None:
                self._after.add(id(node.orelse))
        else:
            self.keep(node, "for", reason)
        return True

    def visit_Else(self, node: cst.Else) -> bool | None:
        if id(node) in self._after:
            self._inside[-1] -= 1  # not inside the loop's helper: carried names may be unbound here
        return True

    def leave_Else(self, original_node: cst.Else, updated_node: cst.Else) -> cst.Else:
        if id(original_node) in self._after:
            self._inside[-1] += 1
        return updated_node

    # -- rewrite -------------------------------------------------------------
    def leave_While(
        self, original_node: cst.While, updated_node: cst.While
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        number = self._numbers.get(id(original_node))
        if number is None:
            return updated_node
        scope = self.scope
        assert scope is not None
        names = self.ctx.names
        head = scope.head_live.get(id(original_node), frozenset())
        body = _as_block(updated_node.body)
        fx = effects(body, names.is_generated)
        tfx = effects(updated_node.test, names.is_generated)
        written = list(dict.fromkeys([*fx.writes, *(n for n in tfx.writes)]))
        carry = self.carry(original_node, written, set(fx.kills), set(head), self.leave_converted())

        cond_name = names.name("_loop_cond", number)
        body_name = names.name("_loop_body", number)
        cond_block = cst.IndentedBlock(
            body=[cst.SimpleStatementLine([cst.Return(updated_node.test)])], header=body.header
        )
        cond = templates.function(cond_name, carry.names, cond_block)
        loop_body = templates.function(
            body_name,
            carry.names,
            body.with_changes(
                body=[*body.body, templates.return_tuple(carry.names)],
                header=cst.TrailingWhitespace(),
            ),
        )
        if carry.temps:
            cond = cond.visit(RenameAttributes(carry.temps))  # type: ignore[assignment]
            loop_body = loop_body.visit(RenameAttributes(carry.temps))  # type: ignore[assignment]
        operands = templates.names_tuple(carry.names)
        if carry.names:
            call = templates.render(
                templates.WHILE_LOOP, outputs=templates.names_tuple(carry.names),
                body=body_name, cond=cond_name, operands=operands,
            )  # fmt: skip
        else:
            call = templates.render(
                templates.WHILE_LOOP_NO_OUTPUT, body=body_name, cond=cond_name, operands=operands
            )
        orelse = list(_as_block(updated_node.orelse.body).body) if updated_node.orelse else []
        stmts = [*carry.before, cond, loop_body, call, *carry.after, *orelse]
        stmts = with_leading_lines(stmts, updated_node.leading_lines)
        self.place(stmts, original_node)
        self.converted(original_node, "while", "rt.while_loop")
        return cst.FlattenSentinel(stmts)

    def leave_For(
        self, original_node: cst.For, updated_node: cst.For
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        number = self._numbers.get(id(original_node))
        if number is None:
            return updated_node
        scope = self.scope
        assert scope is not None
        names = self.ctx.names
        head = scope.head_live.get(id(original_node), frozenset())
        body = _as_block(updated_node.body)
        fx = effects(body, names.is_generated)
        bound = target_names(updated_node.target)
        written = list(dict.fromkeys([*bound, *fx.writes]))
        carry = self.carry(
            original_node, written, set(fx.kills) | set(bound), set(head), self.leave_converted()
        )

        body_name = names.name("_loop_body", number)
        target = updated_node.target
        if isinstance(target, cst.Name) and target.value not in carry.names:
            item = target.value
            first: list[cst.BaseStatement] = []
        else:
            item = names.name("_item", number)
            first = [templates.assign(target.with_changes(lpar=[], rpar=[]) if isinstance(target, cst.Tuple) else target, item)]
        loop_body = templates.function(
            body_name,
            [item, *carry.names],
            body.with_changes(body=[*first, *body.body, templates.return_tuple(carry.names)]),
        )
        if carry.temps:
            loop_body = loop_body.visit(RenameAttributes(carry.temps))  # type: ignore[assignment]
        iterable = self.runtime_iterable(updated_node.iter)
        operands = templates.names_tuple(carry.names)
        if carry.names:
            call = templates.render(
                templates.FOR_EACH, outputs=templates.names_tuple(carry.names),
                body=body_name, iterable=iterable, operands=operands,
            )  # fmt: skip
        else:
            call = templates.render(
                templates.FOR_EACH_NO_OUTPUT, body=body_name, iterable=iterable, operands=operands
            )
        orelse = list(_as_block(updated_node.orelse.body).body) if updated_node.orelse else []
        stmts = [*carry.before, loop_body, call, *carry.after, *orelse]
        stmts = with_leading_lines(stmts, updated_node.leading_lines)
        self.place(stmts, original_node)
        self.converted(original_node, "for", "rt.for_each")
        return cst.FlattenSentinel(stmts)

"""``return`` inside ``if`` branches and loops -> one ``return`` at the end.

Before::

    def first_positive(xs):
        for x in xs:
            if x > 0:
                return x
        return -1.0

After::

    def first_positive(xs):
        _return_1 = False
        _retval_1 = rt.return_slot('_retval_1')
        for x in xs:
            if x > 0:
                _retval_1 = rt.returned(x, _retval_1); _return_1 = True; break
        if _return_1:
            _retval = _retval_1
        else:
            _retval = -1.0
        return _retval

Two steps. A loop holding a ``return`` evaluates the returned expression where
the ``return`` stands, into ``_retval_N``, sets ``_return_N`` and leaves with
``break``; after the loop, ``if _return_N: return _retval_N``. Evaluating it
there (not after the loop) matters: a name bound only on the returning path
(``t = ...; return t``) has a value there and nowhere else. ``_retval_N``
starts as ``rt.return_slot``, an unbound name the runtime's loops carry as
zeros of the returned type (nothing reads it unless the flag is set);
``rt.returned(v, slot)`` is ``v``, and tells the slot that type, for a return
under an ``if`` that may be traced. A loop's ``else:`` clause becomes the
``else:`` of that test (under ``if not _broke_N:`` when the loop has a
``break`` of its own, which sets ``_broke_N``). Then every ``if`` holding a
``return`` takes the statements after it into the branches that fall through,
and each ``return v`` becomes ``_retval = v``. A path that falls off the end
returns ``None``: when the function also returns values it assigns
``rt.NoReturn(...)`` there, which ``rt.return_value`` turns into ``None`` in
Python, and which a traced ``if`` or loop mixing it with a value reports as an
error naming the function and line. Runs first, so later passes never see a
``return`` inside control flow.
"""

from __future__ import annotations

import os

import libcst as cst

from autoflow import templates
from autoflow.passes import Pass, with_leading_lines
from autoflow.passes.loop_exits import CannotLower, _as_block, _block_stmts, contains, lower_block

__all__ = ["ReturnsPass"]


class _OwnScopeOnly:
    """Mixin for libcst visitors: do not descend into nested functions, classes or lambdas
    (their returns and breaks are their own)."""

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False


class _ReplaceReturns(_OwnScopeOnly, cst.CSTTransformer):
    """``return v`` -> ``_retval_N = v; _return_N = True; break`` (not inside nested functions).

    The value goes through ``rt.returned(v, _retval_N)``, which tells the
    runtime its type, so that a compiled loop can carry ``_retval_N`` from its
    first step even when a traced ``if`` (maybe one that lowering ``continue``
    or ``break`` makes later) sets it on one side only.
    """

    def __init__(self, flag: str, slot: str | None, positions: dict) -> None:  # type: ignore[type-arg]
        super().__init__()
        self.flag = flag
        self.slot = slot
        self.positions = positions
        self.sites = 0

    def _value(self, small: cst.Return) -> cst.BaseExpression:
        value = small.value if small.value is not None else cst.Name("None")
        if isinstance(value, cst.Tuple) and not value.lpar:
            value = value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        call = cst.parse_expression(f"rt.returned(_, {self.slot})")
        assert isinstance(call, cst.Call)
        return call.with_changes(args=[call.args[0].with_changes(value=value), call.args[1]])

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine:
        body: list[cst.BaseSmallStatement] = []
        for small in updated_node.body:
            if isinstance(small, cst.Return):
                self.sites += 1
                if self.slot is not None:
                    body.append(
                        cst.Assign([cst.AssignTarget(cst.Name(self.slot))], self._value(small))
                    )
                body.append(cst.Assign([cst.AssignTarget(cst.Name(self.flag))], cst.Name("True")))
                body.append(cst.Break())
                break
            body.append(small)
        if len(body) == len(updated_node.body) and all(
            a is b for a, b in zip(body, updated_node.body)
        ):
            return updated_node
        body[-1] = body[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        new = updated_node.with_changes(body=body)
        pos = self.positions.get(original_node)
        if pos is not None:
            self.positions.setdefault(new, pos)
        return new


class _FlagBreaks(_OwnScopeOnly, cst.CSTTransformer):
    """A loop body's own ``break`` -> ``flag = True; break`` (not nested loop bodies or scopes)."""

    def __init__(self, flag: str, positions: dict) -> None:  # type: ignore[type-arg]
        super().__init__()
        self.flag = flag
        self.positions = positions

    def visit_For(self, node: cst.For) -> bool:
        return False  # only its else clause belongs to this loop (see leave_For)

    def leave_For(self, original_node: cst.For, updated_node: cst.For) -> cst.For:
        if original_node.orelse is None:
            return updated_node
        return updated_node.with_changes(orelse=original_node.orelse.visit(self))

    def visit_While(self, node: cst.While) -> bool:
        return False

    def leave_While(self, original_node: cst.While, updated_node: cst.While) -> cst.While:
        if original_node.orelse is None:
            return updated_node
        return updated_node.with_changes(orelse=original_node.orelse.visit(self))

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine:
        if not any(isinstance(small, cst.Break) for small in updated_node.body):
            return updated_node
        body: list[cst.BaseSmallStatement] = []
        for small in updated_node.body:
            if isinstance(small, cst.Break):
                body.append(cst.Assign([cst.AssignTarget(cst.Name(self.flag))], cst.Name("True")))
                body.append(cst.Break())
                break
            body.append(small)
        new = updated_node.with_changes(body=body)
        pos = self.positions.get(original_node)
        if pos is not None:
            self.positions.setdefault(new, pos)
        return new


def _mentions(node: cst.CSTNode, attr: str) -> bool:
    if isinstance(node, cst.Attribute) and node.attr.value == attr:
        return True
    return any(_mentions(c, attr) for c in node.children)


class ReturnsPass(Pass):
    """Lower ``return`` statements inside control flow to one ``return`` at the end."""

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement] | cst.RemovalSentinel:
        try:
            new = self._function(original_node, updated_node)
        finally:
            result = super().leave_FunctionDef(original_node, updated_node)
        return new if result is updated_node else result

    def _function(self, original: cst.FunctionDef, node: cst.FunctionDef) -> cst.FunctionDef:
        scope = self.scope
        if scope is None or not isinstance(node.body, cst.IndentedBlock):
            return node
        body = list(node.body.body)
        if not any(
            not isinstance(s, cst.SimpleStatementLine) and contains(s, (cst.Return,), True)
            for s in body
        ):
            return node
        if scope.is_generator or scope.is_async:
            self.keep(original, "return", "inside a generator or async function")
            return node
        values = self._return_values(body)
        has_value = any(
            v is not None and not (isinstance(v, cst.Name) and v.value == "None") for v in values
        )
        names = self.ctx.names
        retval = names.name("_retval")

        def replace(small: cst.BaseSmallStatement) -> list[cst.BaseSmallStatement]:
            assert isinstance(small, cst.Return)
            if not has_value:
                return []
            value = small.value if small.value is not None else cst.Name("None")
            assign = cst.Assign([cst.AssignTarget(cst.Name(retval))], value)
            self.ctx.positions.setdefault(assign, self.position(small))
            return [assign]

        fall_off: cst.SimpleStatementLine | None = None
        if has_value:
            # Falling off the end returns None: put that on the paths that reach the end.
            last = (
                self.position(original.body.body[-1])[0]
                if isinstance(original.body, cst.IndentedBlock)
                else 0
            )
            where = f"{os.path.basename(self.ctx.filename)}:{last}"
            fall_off = templates.assign(
                retval, cst.parse_expression(f"rt.NoReturn({node.name.value!r}, {where!r})")
            )
        self._has_value = has_value
        try:
            body = self._loops(body)
            tail = [fall_off] if fall_off is not None else []
            lowered, falls = lower_block(
                [*body, *tail], (cst.Return,), replace, self.ctx, cross_loops=True
            )
        except CannotLower as exc:
            line = self.position(exc.node)[0]
            self.keep(
                original, "return", f"a return inside '{exc.kind}' (line {line}) stays Python"
            )
            return node
        if has_value:
            final: cst.BaseExpression = cst.Name(retval)
            if any(_mentions(s, "NoReturn") for s in lowered):
                final = cst.parse_expression(f"rt.return_value({retval})")
            lowered.append(cst.SimpleStatementLine([cst.Return(final)]))
        self.converted(original, "return", "one return at the end")
        new = node.with_changes(body=node.body.with_changes(body=lowered))
        self.place([new], original)
        return new

    def _return_values(self, body: list[cst.BaseStatement]) -> list[cst.BaseExpression | None]:
        found: list[cst.BaseExpression | None] = []

        class Visit(_OwnScopeOnly, cst.CSTVisitor):
            def visit_Return(self, node: cst.Return) -> None:
                found.append(node.value)

        for s in body:
            s.visit(Visit())
        return found

    # -- loops ---------------------------------------------------------------
    def _loops(self, stmts: list[cst.BaseStatement]) -> list[cst.BaseStatement]:
        """Lower every loop holding a ``return`` (innermost first)."""
        out: list[cst.BaseStatement] = []
        for s in stmts:
            if isinstance(s, (cst.For, cst.While)) and contains(s.body, (cst.Return,), True):
                out.extend(self._loop(s))
            elif isinstance(s, (cst.For, cst.While)) and contains(s, (cst.Return,), True):
                out.extend(self._loop_else(s))
            elif isinstance(s, cst.If) and contains(s, (cst.Return,), True):
                out.append(self._if(s))
            else:
                out.append(s)
        return out

    def _if(self, node: cst.If) -> cst.If:
        body = _as_block(self._loops(_block_stmts(node.body)), node.body)
        orelse = node.orelse
        if isinstance(orelse, cst.If):
            new_orelse: cst.If | cst.Else | None = self._if(orelse)
        elif orelse is not None:
            new_orelse = orelse.with_changes(
                body=_as_block(self._loops(_block_stmts(orelse.body)), orelse.body)
            )
        else:
            new_orelse = None
        new = node.with_changes(body=body, orelse=new_orelse)
        self.place([new], node)
        return new

    def _loop_else(self, loop: cst.For | cst.While) -> list[cst.BaseStatement]:
        """A loop whose ``else:`` clause (only) holds a ``return``: the clause follows the loop.

        Without a ``break`` of its own the loop always runs the clause after it;
        with one, ``_broke_N`` records the ``break`` and the clause runs under
        ``if not _broke_N:``, where the ``return`` is lowered like any other.
        """
        assert loop.orelse is not None
        orelse = self._loops(_block_stmts(loop.orelse.body))
        if not contains(loop.body, (cst.Break,), False):
            new = loop.with_changes(orelse=None)
            self.place([new], loop)
            return [new, *orelse]
        flag = self.ctx.names.name("_broke", self.ctx.names.number("broke"))
        body = loop.body.visit(_FlagBreaks(flag, self.ctx.positions))
        new = loop.with_changes(body=body, orelse=None, leading_lines=[])
        test = cst.UnaryOperation(operator=cst.Not(), expression=cst.Name(flag))
        stmts: list[cst.BaseStatement] = [
            templates.assign(flag, cst.Name("False")),
            new,
            cst.If(test=test, body=cst.IndentedBlock(orelse)),
        ]
        self.place(stmts, loop)
        return with_leading_lines(stmts, loop.leading_lines)

    def _loop(self, loop: cst.For | cst.While) -> list[cst.BaseStatement]:
        names = self.ctx.names
        own_break = contains(loop.body, (cst.Break,), False)
        inner = self._loops(_block_stmts(loop.body))
        number = names.number("return")
        flag = names.name("_return", number)
        slot = names.name("_retval", number) if self._has_value else None
        stmts: list[cst.BaseStatement] = [templates.assign(flag, cst.Name("False"))]
        if slot is not None:
            stmts.append(templates.assign(slot, cst.parse_expression(f"rt.return_slot({slot!r})")))
        # The loop's else clause runs when neither a return nor a break of its own
        # fired: it becomes the else of the test after the loop (under
        # `if not _broke_N:` when the loop has a break), so a return in it is
        # lowered like any other.
        after: list[cst.BaseStatement] = []
        if loop.orelse is not None:
            after = self._loops(_block_stmts(loop.orelse.body))
            if own_break:
                broke = names.name("_broke", names.number("broke"))
                stmts.append(templates.assign(broke, cst.Name("False")))
                flagger = _FlagBreaks(broke, self.ctx.positions)
                inner = [s.visit(flagger) for s in inner]  # type: ignore[misc]
                test = cst.UnaryOperation(operator=cst.Not(), expression=cst.Name(broke))
                after = [cst.If(test=test, body=cst.IndentedBlock(after))]
        replacer = _ReplaceReturns(flag, slot, self.ctx.positions)
        body = [s.visit(replacer) for s in inner]
        new_loop = loop.with_changes(
            body=_as_block(body, loop.body),  # type: ignore[arg-type]
            orelse=None,
            leading_lines=[],
        )
        self.place([new_loop], loop)
        # After the loop: return the value the return that fired saw.
        ret = cst.SimpleStatementLine([cst.Return(cst.Name(slot) if slot is not None else None)])
        post = cst.If(
            test=cst.Name(flag),
            body=cst.IndentedBlock([ret]),
            orelse=cst.Else(cst.IndentedBlock(after)) if after else None,
        )
        stmts += [new_loop, post]
        self.place(stmts, loop)
        self.place([ret], loop)
        return with_leading_lines(stmts, loop.leading_lines)

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
        for x in xs:
            if x > 0:
                _return_1 = True
                break
        if _return_1:
            _retval = x
        else:
            _retval = -1.0
        return _retval

Two steps. A loop holding a ``return`` records which one fired in
``_return_N`` (a bool, or 1, 2, ... for several) and leaves with ``break``; the
returned expression is evaluated right after the loop, where every name still
has the value it had at the ``return`` (nothing runs in between). Then every
``if`` holding a ``return`` takes the statements after it into the branches
that fall through, and each ``return v`` becomes ``_retval = v``. A path that
falls off the end returns ``None``: when the function also returns values it
assigns ``rt.NoReturn(...)`` there, which ``rt.return_value`` turns into
``None`` in Python, and which a traced ``if`` or loop mixing it with a value
reports as an error naming the function and line. Runs first, so later
passes never see a ``return`` inside control flow.
"""

from __future__ import annotations

import os

import libcst as cst

from autoflow import templates
from autoflow.passes import Pass, with_leading_lines
from autoflow.passes.loop_exits import CannotLower, _as_block, _block_stmts, contains, lower_block

__all__ = ["ReturnsPass"]


class _ReplaceReturns(cst.CSTTransformer):
    """``return v`` -> ``_return_N = k; break`` (not inside nested functions)."""

    def __init__(self, flag: str, sites: list[cst.Return], many: bool, positions: dict) -> None:  # type: ignore[type-arg]
        super().__init__()
        self.flag = flag
        self.sites = sites
        self.many = many
        self.positions = positions

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine:
        body: list[cst.BaseSmallStatement] = []
        for small in updated_node.body:
            if isinstance(small, cst.Return):
                self.sites.append(small)
                code: cst.BaseExpression = cst.Integer(str(len(self.sites))) if self.many else cst.Name("True")
                body.append(cst.Assign([cst.AssignTarget(cst.Name(self.flag))], code))
                body.append(cst.Break())
                break
            body.append(small)
        if len(body) == len(updated_node.body) and all(a is b for a, b in zip(body, updated_node.body)):
            return updated_node
        body[-1] = body[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        new = updated_node.with_changes(body=body)
        pos = self.positions.get(original_node)
        if pos is not None:
            self.positions.setdefault(new, pos)
        return new


def _mentions(node: cst.CSTNode, attr: str) -> bool:
    if isinstance(node, cst.Attribute) and node.attr.value == attr:
        return True
    return any(_mentions(c, attr) for c in node.children)


def _count_returns(node: cst.CSTNode) -> int:
    if isinstance(node, cst.Return):
        return 1
    if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
        return 0
    return sum(_count_returns(c) for c in node.children)


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
            not isinstance(s, cst.SimpleStatementLine) and contains(s, (cst.Return,), True) for s in body
        ):
            return node
        if scope.is_generator or scope.is_async:
            self.keep(original, "return", "inside a generator or async function")
            return node
        values = self._return_values(body)
        has_value = any(v is not None and not (isinstance(v, cst.Name) and v.value == "None") for v in values)
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
            last = self.position(original.body.body[-1])[0] if isinstance(original.body, cst.IndentedBlock) else 0
            where = f"{os.path.basename(self.ctx.filename)}:{last}"
            fall_off = templates.assign(
                retval, cst.parse_expression(f"rt.NoReturn({node.name.value!r}, {where!r})")
            )
        try:
            body = self._loops(body)
            tail = [fall_off] if fall_off is not None else []
            lowered, falls = lower_block([*body, *tail], (cst.Return,), replace, self.ctx, cross_loops=True)
        except CannotLower as exc:
            line = self.position(exc.node)[0]
            self.keep(original, "return", f"a return inside '{exc.kind}' (line {line}) stays Python")
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

        class Visit(cst.CSTVisitor):
            def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
                return False

            def visit_ClassDef(self, node: cst.ClassDef) -> bool:
                return False

            def visit_Lambda(self, node: cst.Lambda) -> bool:
                return False

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
            new_orelse = orelse.with_changes(body=_as_block(self._loops(_block_stmts(orelse.body)), orelse.body))
        else:
            new_orelse = None
        new = node.with_changes(body=body, orelse=new_orelse)
        self.place([new], node)
        return new

    def _loop(self, loop: cst.For | cst.While) -> list[cst.BaseStatement]:
        names = self.ctx.names
        inner = self._loops(_block_stmts(loop.body))
        number = names.number("return")
        flag = names.name("_return", number)
        many = sum(_count_returns(s) for s in inner) > 1
        sites: list[cst.Return] = []
        replacer = _ReplaceReturns(flag, sites, many, self.ctx.positions)
        body = [s.visit(replacer) for s in inner]
        new_loop = loop.with_changes(body=_as_block(body, loop.body), leading_lines=[])  # type: ignore[arg-type]
        self.place([new_loop], loop)
        # After the loop: the return that fired, evaluated with the values it saw.
        post: cst.If | None = None
        for k, site in reversed(list(enumerate(sites, 1))):
            test: cst.BaseExpression = (
                cst.Comparison(cst.Name(flag), [cst.ComparisonTarget(cst.Equal(), cst.Integer(str(k)))])
                if many
                else cst.Name(flag)
            )
            ret = cst.SimpleStatementLine([site])
            self.place([ret], site)
            post = cst.If(test=test, body=cst.IndentedBlock([ret]), orelse=post)
        init = templates.assign(flag, cst.Integer("0") if many else cst.Name("False"))
        stmts: list[cst.BaseStatement] = [init, new_loop, *([post] if post is not None else [])]
        self.place(stmts, loop)
        return with_leading_lines(stmts, loop.leading_lines)

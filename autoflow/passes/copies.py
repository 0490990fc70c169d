"""Guard plain copies of names that some path leaves unbound: ``k = i`` -> ``k = rt.bound(i)``.

The passes after this one bind a name that a converted ``if`` or loop may
leave unbound to an ``rt.Undefined`` marker, which fails where its value is
*used*. A plain copy is not a use: ``k = i`` would copy the marker, and if
``k`` is never read again the program runs on, where Python raises
``UnboundLocalError`` at the copy. So a copy of a local name that is not bound
on every path to it reads the name through ``rt.bound``, which raises that
error for a marker and returns any other value unchanged.

Before::

    for i in range(n):
        total = total + i
    last = i

After (this pass)::

    for i in range(n):
        total = total + i
    last = rt.bound(i)

Runs first, on the code as written, whose control flow tells which names are
bound on every path (:func:`autoflow.analysis.definitely_bound`).
"""

from __future__ import annotations

import libcst as cst

from autoflow.analysis import definitely_bound
from autoflow.passes import ConversionContext, Pass

__all__ = ["GuardCopiesPass"]


class GuardCopiesPass(Pass):
    """``k = i`` -> ``k = rt.bound(i)`` where some path to it leaves the local ``i`` unbound."""

    def __init__(self, ctx: ConversionContext) -> None:
        super().__init__(ctx)
        # id of a function's analysis -> its definitely-bound map (computed on first need)
        self._bound: dict[int, dict[int, frozenset[str]]] = {}

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
        return False  # nothing below a statement line is a statement

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine:
        if not self.in_function:
            return updated_node
        body = list(updated_node.body)
        changed = False
        for k, small in enumerate(body):
            if not (isinstance(small, cst.Assign) and isinstance(small.value, cst.Name)):
                continue
            name = small.value.value
            if not self._maybe_unbound(original_node, name):
                continue
            guarded = cst.Call(
                func=cst.Attribute(value=cst.Name("rt"), attr=cst.Name("bound")),
                args=[cst.Arg(small.value)],
            )
            body[k] = small.with_changes(value=guarded)
            changed = True
        return updated_node.with_changes(body=body) if changed else updated_node

    def _maybe_unbound(self, statement: cst.SimpleStatementLine, name: str) -> bool:
        scope = self.scope
        if scope is None or name not in scope.bound:
            return False  # a global, builtin or closure name: Python reports those itself
        bound = self._bound.get(id(scope))
        if bound is None:
            function = scope.keep[0]  # the analysed function node
            assert isinstance(function, cst.FunctionDef)
            bound = self._bound[id(scope)] = definitely_bound(function, self.ctx.names.is_generated)
        before = bound.get(id(statement))
        return before is not None and name not in before

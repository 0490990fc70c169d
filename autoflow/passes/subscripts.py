"""``x[i] = v`` and ``x[i] += v`` -> ``x = rt.at(x)[i].set(v)`` / ``.op("+=", v)``.

Before::

    def f(x, i, v):
        x[i] = v
        x[1:3] *= 2.0
        return x

After::

    def f(x, i, v):
        x = rt.at(x)[i].set(v)
        x = rt.at(x)[1:3].op("*=", 2.0)
        return x

A chain of subscripts keeps one subscript per level: ``hist[i][j] += v``
becomes ``hist = rt.at(hist)[i][j].op("+=", v)``.

On a JAX array (immutable) ``rt.at`` makes the functional update
``x.at[i].set(v)``; on NumPy arrays, Variables, lists and dicts it stores in
place, as Python does, and hands back the same object. The subscript keeps
its own syntax (slices, tuples, ``...``). Only stores into a local name or an
attribute path are rewritten (``self.buf[i] = v`` becomes
``self.buf = rt.at(self.buf)[i].set(v)``); a store into a name the function
does not bind itself (a global, a closure variable, a ``global`` or
``nonlocal`` name) stays as written, since rebinding it would make it local.
This pass runs last: the passes before it already carry ``x`` through
converted blocks, because the analysis counts ``x[i] = v`` as a write of ``x``.
"""

from __future__ import annotations

import libcst as cst

from autoflow.analysis import attribute_path, effects, subscript_base
from autoflow.passes import CONTAINS_SUBSCRIPT_STORE, Pass

__all__ = ["SubscriptsPass"]


def _rebase(sub: cst.Subscript, at: cst.Call) -> cst.Subscript:
    """``x[i][j]`` -> ``rt.at(x)[i][j]``: the same subscripts, one per level, on ``at``."""
    inner = sub.value
    value = _rebase(inner, at) if isinstance(inner, cst.Subscript) else at
    return sub.with_changes(value=value, lpar=[], rpar=[])


def _at(base: cst.BaseExpression, sub: cst.Subscript, method: str, args: list[cst.Arg]) -> cst.Call:
    at = cst.Call(func=cst.Attribute(value=cst.Name("rt"), attr=cst.Name("at")), args=[cst.Arg(base)])
    return cst.Call(func=cst.Attribute(value=_rebase(sub, at), attr=cst.Name(method)), args=args)


def _target(base: cst.BaseExpression) -> cst.BaseAssignTargetExpression:
    assert isinstance(base, (cst.Name, cst.Attribute))
    return base.with_changes(lpar=[], rpar=[])


class SubscriptsPass(Pass):
    """Rewrite subscript stores into functional updates that also work on JAX arrays."""

    interest = CONTAINS_SUBSCRIPT_STORE

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self._locals: list[frozenset[str] | None] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool | None:
        result = super().visit_FunctionDef(node)
        scope = self.scope
        assert scope is not None
        fx = effects(node.body, self.ctx.names.is_generated)
        local = (set(scope.params) | set(fx.kills)) - set(scope.declared)
        self._locals.append(frozenset(local))
        return result

    def leave_FunctionDef(self, original_node, updated_node):  # type: ignore[no-untyped-def]
        self._locals.pop()
        return super().leave_FunctionDef(original_node, updated_node)

    def visit_ClassDef(self, node: cst.ClassDef) -> bool | None:
        self._locals.append(None)
        return super().visit_ClassDef(node)

    def leave_ClassDef(self, original_node, updated_node):  # type: ignore[no-untyped-def]
        self._locals.pop()
        return super().leave_ClassDef(original_node, updated_node)

    def _base(self, target: cst.BaseAssignTargetExpression) -> cst.BaseExpression | None:
        """The base of a convertible subscript store, or None."""
        if not self._locals or self._locals[-1] is None:
            return None
        if not isinstance(target, cst.Subscript):
            return None
        if any(isinstance(e.slice, cst.Index) and isinstance(e.slice.value, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)) for e in target.slice):
            # d["key"] = v, x[i]["key"] = v: the store is into a mapping, never an array; it
            # stays as written (but params["w"][i] = v may store into an array and is rewritten)
            return None
        base = subscript_base(target)
        if isinstance(base, cst.Name):
            return base if base.value in self._locals[-1] else None
        path = attribute_path(base)
        if path is not None and path.split(".", 1)[0] in self._locals[-1]:
            return base
        return None

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign) -> cst.BaseSmallStatement:
        if len(updated_node.targets) != 1:
            return updated_node
        target = updated_node.targets[0].target
        base = self._base(target)
        if base is None:
            return updated_node
        assert isinstance(target, cst.Subscript)
        self.converted(original_node, "subscript store", "rt.at(...).set")
        value = _at(base, target, "set", [cst.Arg(updated_node.value)])
        return cst.Assign(targets=[cst.AssignTarget(_target(base))], value=value)

    def leave_AugAssign(
        self, original_node: cst.AugAssign, updated_node: cst.AugAssign
    ) -> cst.BaseSmallStatement:
        target = updated_node.target
        base = self._base(target)
        if base is None:
            return updated_node
        assert isinstance(target, cst.Subscript)
        op = cst.Module([]).code_for_node(updated_node.operator).strip()
        self.converted(original_node, "subscript store", f"rt.at(...).op({op!r})")
        value = _at(base, target, "op", [cst.Arg(cst.SimpleString(f'"{op}"')), cst.Arg(updated_node.value)])
        return cst.Assign(targets=[cst.AssignTarget(_target(base))], value=value)

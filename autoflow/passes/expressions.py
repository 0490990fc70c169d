"""``and``/``or``/``not``, ``x if c else y``, chained comparisons, ``min``/``max``,
``print`` and ``assert`` -> their runtime forms.

Before::

    def f(x, lo, hi):
        assert x is not None, "no input"
        ok = lo < x <= hi and not x == 0
        y = x if x > 0 else -x
        print("y =", y)
        return max(y, 1.0) if ok else min(y, 0.0)

After::

    def f(x, lo, hi):
        assert x is not None, "no input"
        ok = rt.and_(rt.and_(lo < x, lambda: x <= hi), lambda: rt.not_(x == 0))
        y = rt.ifexp(x > 0, lambda: x, lambda: -x)
        rt.print("y =", y)
        return rt.ifexp(ok, lambda: rt.max(y, 1.0), lambda: rt.min(y, 0.0))

The operands that Python may skip become ``lambda:`` thunks, so on concrete
values nothing is evaluated that Python would not evaluate. What stays
Python: operands that are Python bools whatever the inputs (``x is None``,
``isinstance(...)``, ``not`` of those), an ``and``/``or`` whose right operand
holds a ``yield``, ``await``, ``super()`` or a user's ``:=`` (a lambda would
change their meaning), and builtins the module rebinds.
"""

from __future__ import annotations

import os
import re

import libcst as cst

from autoflow.passes import Pass

__all__ = ["ExpressionsPass"]

_STATIC_CALLS = frozenset({"isinstance", "issubclass", "hasattr", "callable"})
_BUILTINS = ("min", "max", "print")


def _rt(attr: str) -> cst.Attribute:
    return cst.Attribute(value=cst.Name("rt"), attr=cst.Name(attr))


def _thunk(expr: cst.BaseExpression) -> cst.Lambda:
    return cst.Lambda(
        params=cst.Parameters(),
        body=expr.with_changes(lpar=[], rpar=[]) if _parens_optional(expr) else expr,
        colon=cst.Colon(whitespace_after=cst.SimpleWhitespace(" ")),
    )


def _parens_optional(expr: cst.BaseExpression) -> bool:
    # A lambda body needs no parentheses, except around a bare tuple.
    return bool(getattr(expr, "lpar", None)) and not isinstance(expr, (cst.Tuple, cst.NamedExpr))


def _call(attr: str, *args: cst.BaseExpression) -> cst.Call:
    return cst.Call(func=_rt(attr), args=[cst.Arg(a) for a in args])


def _strip(expr: cst.BaseExpression) -> cst.BaseExpression:
    return expr.with_changes(lpar=[], rpar=[]) if getattr(expr, "lpar", None) and not isinstance(expr, cst.Tuple) else expr


class _Finder(cst.CSTVisitor):
    """Does an expression hold something a lambda would change the meaning of?"""

    def __init__(self, is_generated) -> None:  # type: ignore[no-untyped-def]
        self.found = False
        self.is_generated = is_generated

    def visit_Yield(self, node: cst.Yield) -> bool:
        self.found = True
        return False

    def visit_Await(self, node: cst.Await) -> bool:
        self.found = True
        return False

    def visit_NamedExpr(self, node: cst.NamedExpr) -> bool:
        if not (isinstance(node.target, cst.Name) and self.is_generated(node.target.value)):
            self.found = True
        return True

    def visit_Call(self, node: cst.Call) -> bool:
        if isinstance(node.func, cst.Name) and node.func.value == "super":
            self.found = True
        return True

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return True


def _simple(expr: cst.BaseExpression) -> bool:
    """Cheap and side-effect free to evaluate twice."""
    if isinstance(expr, (cst.Name, cst.Integer, cst.Float, cst.SimpleString)):
        return True
    if isinstance(expr, cst.Attribute):
        return _simple(expr.value)
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        return _simple(expr.expression)
    return False


def rebound_builtins(source: str) -> frozenset[str]:
    """The builtins of ``_BUILTINS`` that the source may rebind (a cheap textual check)."""
    found = set()
    for name in _BUILTINS:
        if re.search(
            rf"(\bdef\s+{name}\b|\bimport\b.*\b{name}\b|\b{name}\s*(:[^=\n]*)?=[^=]|\bas\s+{name}\b|"
            rf"\bfor\s+{name}\b|\bclass\s+{name}\b|[(,]\s*{name}\s*[,):]|\blambda\b[^:]*\b{name}\b)",
            source,
        ):
            found.add(name)
    return frozenset(found)


class ExpressionsPass(Pass):
    """Lower Python operators whose operands may be traced to runtime calls."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self._rebound = rebound_builtins("\n".join(self.ctx.source_lines)) | self.ctx.shadowed
        self._checked = getattr(self.ctx, "runtime_checks", True)
        self._chains: dict[int, str] = {}  # id of an rt.and_/rt.or_ call made here -> which

    # -- helpers -------------------------------------------------------------
    def _active(self) -> bool:
        return self.scope is not None

    def _static_bool(self, expr: cst.BaseExpression) -> bool:
        """A Python bool whatever the values of the names in it."""
        if isinstance(expr, cst.Name) and expr.value in ("True", "False", "None"):
            return True
        if isinstance(expr, cst.Comparison):
            return all(isinstance(c.operator, (cst.Is, cst.IsNot)) for c in expr.comparisons)
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name):
            return expr.func.value in _STATIC_CALLS and expr.func.value not in self._rebound
        if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Not):
            return self._static_bool(expr.expression)
        if isinstance(expr, cst.BooleanOperation):
            return self._static_bool(expr.left) and self._static_bool(expr.right)
        return False

    def _unsafe_in_lambda(self, expr: cst.CSTNode) -> bool:
        finder = _Finder(self.ctx.names.is_generated)
        expr.visit(finder)
        return finder.found

    # -- and / or ------------------------------------------------------------
    def leave_BooleanOperation(
        self, original_node: cst.BooleanOperation, updated_node: cst.BooleanOperation
    ) -> cst.BaseExpression:
        if not self._active():
            return updated_node
        op = type(updated_node.operator)
        construct = "and" if op is cst.And else "or"
        fn = "and_" if op is cst.And else "or_"
        left, right = updated_node.left, updated_node.right
        if all(self._static_bool(o) for o in (left,)) and not self._is_chain(left, fn):
            return updated_node
        if self._unsafe_in_lambda(right):
            self.keep(original_node, construct, "an operand holds yield, await, super() or ':=', which a lambda would change")
            return updated_node
        self.converted(original_node, construct, f"rt.{fn}")
        if self._is_chain(left, fn):
            # `a and b and c` parses as `(a and b) and c`: one call, `rt.and_(a, lambda: b, lambda: c)`.
            assert isinstance(left, cst.Call)
            call = left.with_changes(args=[*left.args, cst.Arg(_thunk(right))])
        else:
            call = _call(fn, _strip(left), _thunk(right))
        self._chains[id(call)] = fn
        return call

    def _is_chain(self, node: cst.BaseExpression, fn: str) -> bool:
        return self._chains.get(id(node)) == fn and not getattr(node, "lpar", None)

    def leave_UnaryOperation(
        self, original_node: cst.UnaryOperation, updated_node: cst.UnaryOperation
    ) -> cst.BaseExpression:
        if not self._active() or not isinstance(updated_node.operator, cst.Not):
            return updated_node
        if self._static_bool(updated_node.expression):
            return updated_node
        self.converted(original_node, "not", "rt.not_")
        return _call("not_", _strip(updated_node.expression))

    # -- x if c else y -------------------------------------------------------
    def leave_IfExp(self, original_node: cst.IfExp, updated_node: cst.IfExp) -> cst.BaseExpression:
        if not self._active() or self._static_bool(updated_node.test):
            return updated_node
        if self._unsafe_in_lambda(updated_node.body) or self._unsafe_in_lambda(updated_node.orelse):
            self.keep(original_node, "ternary", "a side holds yield, await, super() or ':=', which a lambda would change")
            return updated_node
        self.converted(original_node, "ternary", "rt.ifexp")
        return _call(
            "ifexp",
            _strip(updated_node.test),
            _thunk(updated_node.body),
            _thunk(updated_node.orelse),
        )

    # -- a < b < c -----------------------------------------------------------
    def leave_Comparison(
        self, original_node: cst.Comparison, updated_node: cst.Comparison
    ) -> cst.BaseExpression:
        if not self._active() or len(updated_node.comparisons) < 2:
            return updated_node
        if all(isinstance(c.operator, (cst.Is, cst.IsNot)) for c in updated_node.comparisons):
            return updated_node
        if any(self._unsafe_in_lambda(c.comparator) for c in updated_node.comparisons[1:]):
            self.keep(original_node, "comparison", "an operand holds yield, await, super() or ':='")
            return updated_node
        parts: list[cst.BaseExpression] = []
        left = updated_node.left
        comps = list(updated_node.comparisons)
        for k, comp in enumerate(comps):
            right = comp.comparator
            if k < len(comps) - 1 and not _simple(right):
                # Evaluate a middle operand once, as Python does.
                temp = self.ctx.names.name("_cmp", self.ctx.names.number("cmp"))
                right_first = cst.NamedExpr(
                    target=cst.Name(temp),
                    value=right,
                    lpar=[cst.LeftParen()],
                    rpar=[cst.RightParen()],
                )
                parts.append(cst.Comparison(left=left, comparisons=[comp.with_changes(comparator=right_first)]))
                left = cst.Name(temp)
            else:
                parts.append(cst.Comparison(left=left, comparisons=[comp]))
                left = right
        self.converted(original_node, "comparison", "rt.and_")
        call = _call("and_", parts[0], *[_thunk(p) for p in parts[1:]])
        self._chains[id(call)] = "and_"
        return call

    # -- builtins ------------------------------------------------------------
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        func = updated_node.func
        if (
            not self._active()
            or not isinstance(func, cst.Name)
            or func.value not in _BUILTINS
            or func.value in self._rebound
        ):
            return updated_node
        self.converted(original_node, func.value, f"rt.{func.value}")
        return updated_node.with_changes(func=_rt(func.value))

    # -- assert --------------------------------------------------------------
    def leave_Assert(
        self, original_node: cst.Assert, updated_node: cst.Assert
    ) -> cst.BaseSmallStatement:
        if not self._active() or self._static_bool(updated_node.test):
            return updated_node
        if self._unsafe_in_lambda(updated_node.test) or (
            updated_node.msg is not None and self._unsafe_in_lambda(updated_node.msg)
        ):
            return updated_node
        line, _ = self.position(original_node)
        where = f"{os.path.basename(self.ctx.filename)}:{line}" if line else os.path.basename(self.ctx.filename)
        message: cst.BaseExpression = (
            cst.Name("None") if updated_node.msg is None else _thunk(updated_node.msg)
        )
        args = [cst.Arg(_strip(updated_node.test)), cst.Arg(message), cst.Arg(cst.SimpleString(repr(where)))]
        if not self._checked:
            args.append(cst.Arg(cst.Name("False"), keyword=cst.Name("checked"), equal=cst.AssignEqual(
                whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
            )))
        self.converted(original_node, "assert", "rt.assert_")
        return cst.Expr(cst.Call(func=_rt("assert_"), args=args))

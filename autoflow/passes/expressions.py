"""``and``/``or``/``not``, ``x if c else y``, chained comparisons, ``min``/``max``,
``print``, ``assert`` and ``raise`` -> their runtime forms; attributes carried
through locals are loaded and stored back through the runtime.

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

A ``raise`` inside a branch of a converted ``if`` becomes
``rt.raise_(exc)``: on a Python path it raises at once, in a traced branch it
is a run-time check that raises only if that branch is taken. The attribute
carries that the control-flow passes emit (``self_n = self.n`` before a
block, ``self.n = self_n`` after it) become
``self_n = getattr(self, "n", rt.Undefined("self.n"))`` and
``rt.store_attr(self, "n", self_n)``: an attribute first created inside the
block works as in Python, and ``rt.jit`` can tell when a plain attribute would
keep a traced value.

``ctx.runtime_checks`` (False from ``autoflow.convert(...,
runtime_checks=False)``) turns the run-time checks of ``assert`` and ``raise``
on traced values off: no host callback is compiled for them.
"""

from __future__ import annotations

import os

import libcst as cst

from autoflow.analysis import attribute_path
from autoflow.naming import attribute_temp, rebound_names
from autoflow.passes import CONTAINS_EXPRESSION, Pass

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


def _keyword(name: str, value: cst.BaseExpression) -> cst.Arg:
    return cst.Arg(
        value,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ),
    )


def _carries(temp: str, path: str) -> bool:
    """Is ``temp`` the local that carries the attribute ``path`` (``self_n`` for ``self.n``)?"""
    base = attribute_temp(path)
    return temp.startswith(base) and set(temp[len(base):]) <= {"_"} and "." in path


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


class ExpressionsPass(Pass):
    """Lower Python operators whose operands may be traced to runtime calls."""

    # Also the attribute carries (leave_Assign), which only generated code holds.
    interest = CONTAINS_EXPRESSION

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self._rebound = rebound_names("\n".join(self.ctx.source_lines), _BUILTINS) | self.ctx.shadowed
        self._checked = self.ctx.runtime_checks
        # id of an rt.and_/rt.or_ call made here -> (the call, which). The call is kept
        # alive so that its id cannot be reused by a later node.
        self._chains: dict[int, tuple[cst.Call, str]] = {}
        # Per function entered: (its name, number of `try` statements open in it).
        self._functions: list[list[object]] = []

    # -- function and try nesting (for raise) ------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool | None:
        self._functions.append([node.name.value, 0])
        return super().visit_FunctionDef(node)

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement] | cst.RemovalSentinel:
        self._functions.pop()
        return super().leave_FunctionDef(original_node, updated_node)

    def visit_Try(self, node: cst.Try) -> bool | None:
        if self._functions:
            self._functions[-1][1] += 1  # type: ignore[operator]
        return True

    def leave_Try(self, original_node: cst.Try, updated_node: cst.Try) -> cst.BaseStatement:
        if self._functions:
            self._functions[-1][1] -= 1  # type: ignore[operator]
        return updated_node

    def visit_TryStar(self, node: cst.TryStar) -> bool | None:
        if self._functions:
            self._functions[-1][1] += 1  # type: ignore[operator]
        return True

    def leave_TryStar(self, original_node: cst.TryStar, updated_node: cst.TryStar) -> cst.BaseStatement:
        if self._functions:
            self._functions[-1][1] -= 1  # type: ignore[operator]
        return updated_node

    def _in_converted_branch(self) -> bool:
        """Inside an ``if`` branch helper (through generated helpers only), outside any ``try``?"""
        is_gen = self.ctx.names.is_generated
        for name, tries in reversed(self._functions):
            assert isinstance(name, str)
            if tries or not is_gen(name):
                return False
            if name.startswith(("_if_true", "_if_false", "_elif_")):
                return True
        return False

    # -- raise ---------------------------------------------------------------
    def leave_Raise(
        self, original_node: cst.Raise, updated_node: cst.Raise
    ) -> cst.BaseSmallStatement:
        if updated_node.exc is None or not self._in_converted_branch():
            return updated_node
        args = [cst.Arg(_strip(updated_node.exc))]
        if updated_node.cause is not None:
            args.append(cst.Arg(_strip(updated_node.cause.item)))
        if not self._checked:
            args.append(_keyword("checked", cst.Name("False")))
        self.converted(original_node, "raise", "rt.raise_")
        return cst.Expr(cst.Call(func=_rt("raise_"), args=args))

    # -- attributes carried through locals -----------------------------------
    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign) -> cst.BaseSmallStatement:
        if not self._active() or len(updated_node.targets) != 1:
            return updated_node
        target, value = updated_node.targets[0].target, updated_node.value
        is_gen = self.ctx.names.is_generated
        if isinstance(target, cst.Name) and isinstance(value, cst.Attribute) and is_gen(target.value):
            path = attribute_path(value)
            if path is not None and _carries(target.value, path):
                default = cst.Call(func=_rt("Undefined"), args=[cst.Arg(cst.SimpleString(repr(path)))])
                load = cst.Call(
                    func=cst.Name("getattr"),
                    args=[cst.Arg(value.value), cst.Arg(cst.SimpleString(repr(value.attr.value))), cst.Arg(default)],
                )
                return updated_node.with_changes(value=load)
        if isinstance(target, cst.Attribute) and isinstance(value, cst.Name) and is_gen(value.value):
            path = attribute_path(target)
            if path is not None and _carries(value.value, path):
                store = cst.Call(
                    func=_rt("store_attr"),
                    args=[cst.Arg(target.value), cst.Arg(cst.SimpleString(repr(target.attr.value))), cst.Arg(value)],
                )
                return cst.Expr(store)
        return updated_node

    # -- helpers -------------------------------------------------------------
    def _active(self) -> bool:
        return self.in_function

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
        self._chains[id(call)] = (call, fn)
        return call

    def _is_chain(self, node: cst.BaseExpression, fn: str) -> bool:
        made = self._chains.get(id(node))
        return made is not None and made[0] is node and made[1] == fn and not node.lpar

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
        self._chains[id(call)] = (call, "and_")
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
            args.append(_keyword("checked", cst.Name("False")))
        self.converted(original_node, "assert", "rt.assert_")
        return cst.Expr(cst.Call(func=_rt("assert_"), args=args))

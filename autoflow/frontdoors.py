"""Make a transpiled module independent of autoflow (``autoflow transpile``).

Converted code imports only ``runtime``; these are the rules for the places a
module uses autoflow's own front doors (``import autoflow``, ``import autoflow
as af`` and ``from autoflow import jit, ...`` are all recognised):

==============================  =====================================================
input                           output
==============================  =====================================================
``@autoflow.jit``               ``@rt.jit`` (the function below is converted already)
``@autoflow.jit(...)``          ``@rt.jit(...)`` (same keyword arguments)
``autoflow.jit(x, ...)``        ``rt.jit(x, ...)`` anywhere in the module
``@autoflow.convert``           removed
``autoflow.convert(x)``         ``x``
``@autoflow.do_not_convert``    the comment ``# autoflow: do_not_convert``, and the
                                function is left as written (the comment keeps it so
                                when the output is transpiled again)
==============================  =====================================================

``import autoflow`` (or the imported names) disappears when nothing else in the
module uses it; anything else (``autoflow.to_source``, ``autoflow.testing``)
keeps it. Only this file's functions are converted: ``rt.jit(other.f)`` of a
function imported from a module that was not transpiled compiles it as written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

__all__ = [
    "FrontDoors",
    "drop_unused_imports",
    "protect_unconverted",
    "restore_unconverted",
    "rewrite_front_doors",
]

_KEEP = "__autoflow_keep_{}__"
KEEP_COMMENT = "# autoflow: do_not_convert"
_ROLES = ("jit", "convert", "do_not_convert")


@dataclass
class FrontDoors:
    """How a module refers to autoflow: module aliases and imported names."""

    modules: set[str] = field(default_factory=set)  # `import autoflow [as af]`
    names: dict[str, str] = field(default_factory=dict)  # local name -> 'jit' / 'convert' / ...

    @classmethod
    def of(cls, module: cst.Module) -> FrontDoors:
        doors = cls()
        for stmt in module.body:
            if not isinstance(stmt, cst.SimpleStatementLine):
                continue
            for small in stmt.body:
                if isinstance(small, cst.Import):
                    for alias in small.names:
                        if _dotted(alias.name) == "autoflow":
                            doors.modules.add(_asname(alias) or "autoflow")
                elif (
                    isinstance(small, cst.ImportFrom)
                    and small.module is not None
                    and not small.relative
                    and _dotted(small.module) == "autoflow"
                    and not isinstance(small.names, cst.ImportStar)
                ):
                    for alias in small.names:
                        name = _dotted(alias.name)
                        if name in _ROLES:
                            doors.names[_asname(alias) or name] = name
        return doors

    def role(self, node: cst.BaseExpression) -> str | None:
        """'jit', 'convert' or 'do_not_convert' if ``node`` names that front door."""
        if isinstance(node, cst.Name):
            return self.names.get(node.value)
        if (
            isinstance(node, cst.Attribute)
            and isinstance(node.value, cst.Name)
            and node.value.value in self.modules
            and node.attr.value in _ROLES
        ):
            return node.attr.value
        return None

    def __bool__(self) -> bool:
        return bool(self.modules or self.names)


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _asname(alias: cst.ImportAlias) -> str | None:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return None


def _decorator_role(doors: FrontDoors, dec: cst.Decorator) -> str | None:
    expr = dec.decorator
    return doors.role(expr.func if isinstance(expr, cst.Call) else expr)


def _not_converted(doors: FrontDoors, node: cst.FunctionDef) -> bool:
    return any(_decorator_role(doors, d) == "do_not_convert" for d in node.decorators) or any(
        line.comment is not None and line.comment.value.strip() == KEEP_COMMENT for line in node.leading_lines
    )


class _Protect(cst.CSTTransformer):
    """Swap ``@do_not_convert`` functions for empty stand-ins the passes leave alone."""

    def __init__(self, doors: FrontDoors) -> None:
        self.doors = doors
        self.kept: dict[str, cst.FunctionDef] = {}
        self.rewritten = 0

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return not _not_converted(self.doors, node)

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        if not _not_converted(self.doors, original_node):
            return updated_node
        marker = _KEEP.format(len(self.kept))
        decorators = [d for d in original_node.decorators if _decorator_role(self.doors, d) != "do_not_convert"]
        leading = list(original_node.leading_lines)
        if len(decorators) != len(original_node.decorators):
            leading.append(cst.EmptyLine(comment=cst.Comment(KEEP_COMMENT)))
            self.rewritten += 1
        self.kept[marker] = original_node.with_changes(decorators=decorators, leading_lines=leading)
        # Same name (the function still binds it), no body to convert.
        return updated_node.with_changes(
            decorators=[cst.Decorator(cst.Name(marker))],
            params=cst.Parameters(),
            returns=None,
            body=cst.SimpleStatementSuite([cst.Expr(cst.Ellipsis())]),
        )


class _Restore(cst.CSTTransformer):
    def __init__(self, kept: dict[str, cst.FunctionDef]) -> None:
        self.kept = kept

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        decs = updated_node.decorators
        if len(decs) == 1 and isinstance(decs[0].decorator, cst.Name) and decs[0].decorator.value in self.kept:
            return self.kept[decs[0].decorator.value]
        return updated_node


def protect_unconverted(
    module: cst.Module, source: str
) -> tuple[cst.Module, FrontDoors, dict[str, cst.FunctionDef], int]:
    """Hide functions autoflow must not convert from the passes (see :func:`restore_unconverted`).

    Those marked ``@autoflow.do_not_convert``, or ``# autoflow: do_not_convert``
    (what the marker becomes in the output). Returns the module, how it refers
    to autoflow, the hidden functions, and how many decorators became comments.
    """
    doors = FrontDoors.of(module)
    if not doors and KEEP_COMMENT not in source:
        return module, doors, {}, 0
    protect = _Protect(doors)
    return _own_header_marker(module).visit(protect), doors, protect.kept, protect.rewritten


def _own_header_marker(module: cst.Module) -> cst.Module:
    """A marker comment libcst parsed into the module header belongs to the first statement."""
    header = list(module.header)
    for i, line in enumerate(header):
        if line.comment is not None and line.comment.value.strip() == KEEP_COMMENT and module.body:
            first = module.body[0]
            moved = first.with_changes(leading_lines=[*header[i:], *first.leading_lines])
            return module.with_changes(header=header[:i], body=[moved, *module.body[1:]])
    return module


class _Rewrite(cst.CSTTransformer):
    """The table in the module docstring, and the import clean-up."""

    def __init__(self, doors: FrontDoors, runtime: str) -> None:
        self.doors = doors
        self.runtime = runtime
        self.rewritten = 0

    def _rt_jit(self) -> cst.Attribute:
        return cst.Attribute(value=cst.Name(self.runtime), attr=cst.Name("jit"))

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        decorators = []
        for dec in updated_node.decorators:
            role = _decorator_role(self.doors, dec)
            if role == "convert":
                self.rewritten += 1
                continue
            decorators.append(dec)
        if len(decorators) != len(updated_node.decorators):
            return updated_node.with_changes(decorators=decorators)
        return updated_node

    def leave_Decorator(self, original_node: cst.Decorator, updated_node: cst.Decorator) -> cst.Decorator:
        if _decorator_role(self.doors, original_node) == "jit" and not isinstance(updated_node.decorator, cst.Call):
            self.rewritten += 1
            return updated_node.with_changes(decorator=self._rt_jit())
        return updated_node

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        role = self.doors.role(original_node.func)
        if role == "jit":
            self.rewritten += 1
            return updated_node.with_changes(func=self._rt_jit())
        if role == "convert" and len(updated_node.args) == 1 and not updated_node.args[0].keyword:
            self.rewritten += 1
            return updated_node.args[0].value
        return updated_node


class _Uses(cst.CSTVisitor):
    """Which of ``names`` the module still reads (imports aside)."""

    def __init__(self, names: set[str]) -> None:
        self.names = names
        self.used: set[str] = set()

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)  # `x.autoflow` does not use the name autoflow
        return False

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in self.names:
            self.used.add(node.value)


class _DropImports(cst.CSTTransformer):
    def __init__(self, unused: set[str]) -> None:
        self.unused = unused

    def leave_Import(
        self, original_node: cst.Import, updated_node: cst.Import
    ) -> cst.Import | cst.RemovalSentinel:
        names = [
            a for a in updated_node.names
            if not (_dotted(a.name) == "autoflow" and (_asname(a) or "autoflow") in self.unused)
        ]  # fmt: skip
        return _with_names(updated_node, names)

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom | cst.RemovalSentinel:
        if updated_node.module is None or _dotted(updated_node.module) != "autoflow" or isinstance(
            updated_node.names, cst.ImportStar
        ):
            return updated_node
        names = [a for a in updated_node.names if (_asname(a) or _dotted(a.name)) not in self.unused]
        return _with_names(updated_node, names)


def _with_names(node, names):  # type: ignore[no-untyped-def]
    if not names:
        return cst.RemoveFromParent()
    if len(names) == len(node.names):
        return node
    names[-1] = names[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return node.with_changes(names=names)


def rewrite_front_doors(module: cst.Module, doors: FrontDoors, runtime: str) -> tuple[cst.Module, int]:
    """Apply the table of this module's docstring; the new module and how many rewrites."""
    if not doors:
        return module, 0
    rewrite = _Rewrite(doors, runtime)
    return module.visit(rewrite), rewrite.rewritten


def drop_unused_imports(module: cst.Module, doors: FrontDoors) -> cst.Module:
    """Remove ``import autoflow`` (or imported names) that nothing reads any more."""
    names = doors.modules | set(doors.names)
    uses = _Uses(names)
    module.visit(uses)
    unused = names - uses.used
    return module.visit(_DropImports(unused)) if unused else module


def restore_unconverted(module: cst.Module, kept: dict[str, cst.FunctionDef]) -> cst.Module:
    """Put the functions :func:`protect_unconverted` hid back (without the decorator)."""
    return module.visit(_Restore(kept)) if kept else module

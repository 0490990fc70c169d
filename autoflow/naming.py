"""Fresh names for generated code: deterministic, readable, never clashing.

Every converted construct gets a number, counted per top-level function in
source order, and its helpers share it: the first ``if`` of a function gives
``_if_true_1`` / ``_if_false_1``, the second loop ``_loop_body_2`` /
``_loop_cond_2``. A candidate that the module already uses anywhere (as any
identifier) is skipped, and so is one that an earlier pass gave to another
construct of the same function (a ``for`` with ``break`` and a plain ``for``
both want ``_item_1``): generated names never shadow or capture user names
or each other. Unnumbered names (``self_count``, carrying ``self.count``)
are the same name for every pass in a function.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Set

import libcst as cst

__all__ = ["RUNTIME_NAME", "NameGenerator", "attribute_temp", "rebound_names", "runtime_alias"]


class NameGenerator:
    """Hands out numbered names that avoid a set of reserved identifiers.

    Example::

        names = NameGenerator({"x", "_if_true_1"})
        names.reset_counters()          # entering a top-level function
        n = names.number("if")          # 1
        names.name("_if_true", n)       # '_if_true_1_' (taken, so suffixed)

    The driver calls :meth:`start_pass` before each pass; passes call
    :meth:`reset_counters` at each top-level function, which every pass
    enters in the same order.
    """

    __slots__ = ("_user", "_counters", "_given", "_generated", "_function", "_in_function")

    def __init__(self, reserved: Iterable[str] = ()) -> None:
        self._user: set[str] = set(reserved)
        self._counters: dict[str, int] = {}
        # (base, number) -> name, in the current pass and top-level function.
        self._given: dict[tuple[str, int], str] = {}
        self._generated: set[str] = set()
        self._function = -1  # index of the current top-level function in this pass
        # Per top-level function: every (base, number) -> name handed out, by all passes so far.
        self._in_function: dict[int, dict[tuple[str, int], str]] = {}

    def reserve(self, names: Iterable[str]) -> None:
        """Never hand out these names."""
        self._user.update(names)

    def start_pass(self) -> None:
        """A new pass starts at the module's first function again."""
        self._function = -1
        self._counters.clear()
        self._given.clear()

    def reset_counters(self) -> None:
        """Start numbering again (called at each top-level function)."""
        self._function += 1
        self._counters.clear()
        self._given.clear()

    def number(self, kind: str) -> int:
        """The next number for constructs of ``kind`` ('if', 'loop', ...)."""
        n = self._counters.get(kind, 0) + 1
        self._counters[kind] = n
        return n

    def name(self, base: str, number: int | None = None) -> str:
        """``{base}_{number}`` (or ``base``), suffixed with ``_`` until it is free.

        The same ``(base, number)`` gives the same name within one pass over
        a function; the same ``base`` without a number, the same name in
        every pass over it.
        """
        key = (base, -1 if number is None else number)
        given = self._given.get(key)
        if given is not None:
            return given
        earlier = self._in_function.setdefault(self._function, {})
        if number is None and key in earlier:
            given = earlier[key]
        else:
            taken = set(earlier.values())
            given = base if number is None else f"{base}_{number}"
            while given in self._user or given in taken:
                given += "_"
            earlier[key] = given
        self._given[key] = given
        self._generated.add(given)
        return given

    def is_generated(self, name: str) -> bool:
        """Was ``name`` handed out by this generator (in any function)?"""
        return name in self._generated

    @property
    def generated(self) -> frozenset[str]:
        """Every name handed out so far."""
        return frozenset(self._generated)


def attribute_temp(path: str) -> str:
    """The local name that carries an attribute path: ``self.count`` -> ``self_count``."""
    return path.replace(".", "_")


# -- builtins the source may rebind -------------------------------------------


def rebound_names(source: str, names: Iterable[str]) -> frozenset[str]:
    """Those of ``names`` (builtins such as ``range``, ``min``) that ``source`` may rebind.

    A cheap textual check, erring on the side of "rebound": a definition,
    import, assignment (annotated too), ``as`` or ``for`` target, class,
    parameter or lambda parameter of that name. A rebound builtin is left as
    the user wrote it, so a false alarm only costs a runtime form.
    """
    found = set()
    for name in names:
        if re.search(
            rf"(\bdef\s+{name}\b|\bimport\b.*\b{name}\b|\b{name}\s*(:[^=\n]*)?=[^=]|\bas\s+{name}\b|"
            rf"\bfor\s+{name}\b|\bclass\s+{name}\b|[(,]\s*{name}\s*[,):]|\blambda\b[^:]*\b{name}\b)",
            source,
        ):
            found.add(name)
    return frozenset(found)


# -- the name generated code calls the runtime by ---------------------------

#: What generated code calls the runtime, unless the code binds that name.
RUNTIME_NAME = "rt"


class _Bindings(cst.CSTVisitor):
    """How the code binds and reads one name (attribute names and keywords aside)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.runtime_import = False  # `import runtime as <name>`
        self.other = False  # any other binding: assignment, parameter, def, import, global, ...
        self.read = False  # a mention as a plain name, bindings other than imports included

    def _bind(self, target: cst.CSTNode | None) -> None:
        if isinstance(target, cst.Name):
            if target.value == self.name:
                self.other = True
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind(element.value)
        elif isinstance(target, cst.StarredElement):
            self._bind(target.value)

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == self.name:
            self.read = True

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)  # `x.rt` is not the name rt
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)  # nor is the keyword of `f(rt=1)`
        return False

    def visit_Import(self, node: cst.Import) -> bool:
        for alias in node.names:
            if alias.asname is not None:
                bound = alias.asname.name
                if isinstance(bound, cst.Name) and bound.value == self.name:
                    if isinstance(alias.name, cst.Name) and alias.name.value == "runtime":
                        self.runtime_import = True
                    else:
                        self.other = True
            else:
                first: cst.BaseExpression = alias.name
                while isinstance(first, cst.Attribute):
                    first = first.value
                self._bind(first)
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        if not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                self._bind(alias.asname.name if alias.asname is not None else alias.name)
        return False

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._bind(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._bind(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._bind(node.target)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._bind(node.target)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind(node.asname.name)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self._bind(node.name.name)

    def visit_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> None:
        if node.name is not None:
            self._bind(node.name.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind(node.target)

    def visit_Del(self, node: cst.Del) -> None:
        self._bind(node.target)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._bind(node.name)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._bind(node.name)

    def visit_Param(self, node: cst.Param) -> None:
        self._bind(node.name)

    def visit_Global(self, node: cst.Global) -> None:
        for item in node.names:
            self._bind(item.name)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        for item in node.names:
            self._bind(item.name)

    def visit_MatchAs(self, node: cst.MatchAs) -> None:
        self._bind(node.name)

    def visit_MatchStar(self, node: cst.MatchStar) -> None:
        self._bind(node.name)

    def visit_MatchMapping(self, node: cst.MatchMapping) -> None:
        self._bind(node.rest)


def runtime_alias(
    tree: cst.CSTNode,
    identifiers: Iterable[str] | Set[str],
    *,
    reads_are_runtime: bool,
    avoid: Iterable[str] = (),
) -> str:
    """The name generated code should call the runtime by: ``rt``, or ``rt_``, ``rt__``, ...

    A name is free if the code never mentions it (``identifiers``: every
    identifier-like word of the source), or if the code binds it only by
    ``import runtime as <name>``. ``reads_are_runtime``: a name the code reads
    but never binds is the runtime (a function's source, whose globals the
    caller vouches for through ``avoid``); otherwise it is someone else's
    (a whole module that reads a name it does not import). Names in
    ``avoid`` are never used.
    """
    known = identifiers if isinstance(identifiers, Set) else set(identifiers)
    banned = set(avoid)
    candidate = RUNTIME_NAME
    while True:
        if candidate not in banned:
            if candidate not in known:
                return candidate
            uses = _Bindings(candidate)
            tree.visit(uses)
            if not uses.other and (uses.runtime_import or reads_are_runtime or not uses.read):
                return candidate
        candidate += "_"

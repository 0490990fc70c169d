"""Every piece of code the passes generate, written as it reads in the output.

Templates use ``{hole}`` placeholders like libcst's ``parse_template_statement``.
Parsing is the expensive part (~0.2 ms a statement), so each template is parsed
once, with its holes turned into marker names, and later filled by a small
transformer that swaps the markers for the given nodes.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from functools import cache

import libcst as cst

__all__ = [
    "FOR_EACH",
    "IF_ELSE",
    "UNDEFINED",
    "WHILE_LOOP",
    "assign",
    "function",
    "names_tuple",
    "render",
    "return_tuple",
]

# The forms of DESIGN.md's carried-state contract.
IF_ELSE = "{outputs} = rt.ifelse({test}, {branches}, {operands})"
IF_ELSE_NO_OUTPUT = "rt.ifelse({test}, {branches}, {operands})"
WHILE_LOOP = "{outputs} = rt.while_loop({body}, {cond}, {operands})"
WHILE_LOOP_NO_OUTPUT = "rt.while_loop({body}, {cond}, {operands})"
FOR_EACH = "{outputs} = rt.for_each({body}, {iterable}, {operands})"
FOR_EACH_NO_OUTPUT = "rt.for_each({body}, {iterable}, {operands})"
UNDEFINED = "{name} = rt.Undefined({label})"
ASSIGN = "{target} = {value}"
RETURN = "return {value}"
FUNCTION = "def {name}():\n    pass\n"

_HOLE = re.compile(r"\{(\w+)\}")
_MARK = "__autoflow_hole_{}__"


# A path from a template's root to one hole: (field name, index in a sequence field or None).
_Path = tuple[tuple[str, int | None], ...]


@cache
def _parsed(template: str) -> tuple[cst.BaseStatement, frozenset[str]]:
    holes = frozenset(_HOLE.findall(template))
    text = _HOLE.sub(lambda m: _MARK.format(m.group(1)), template)
    return cst.parse_statement(text), holes


@cache
def _hole_paths(template: str) -> tuple[tuple[str, _Path], ...]:
    """Where each marker name sits in the parsed template, found once."""
    stmt, _ = _parsed(template)
    found: list[tuple[str, _Path]] = []

    def walk(node: cst.CSTNode, path: _Path) -> None:
        if isinstance(node, cst.Name) and node.value.startswith("__autoflow_hole_"):
            found.append((node.value[len("__autoflow_hole_") : -2], path))
            return
        for f in dataclasses.fields(node):
            value = getattr(node, f.name)
            if isinstance(value, cst.CSTNode):
                walk(value, (*path, (f.name, None)))
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if isinstance(item, cst.CSTNode):
                        walk(item, (*path, (f.name, i)))

    walk(stmt, ())
    return tuple(found)


def _replace(node: cst.CSTNode, path: _Path, value: cst.CSTNode) -> cst.CSTNode:
    if not path:
        return value
    (name, index), rest = path[0], path[1:]
    if index is None:
        return node.with_changes(**{name: _replace(getattr(node, name), rest, value)})
    items = list(getattr(node, name))
    items[index] = _replace(items[index], rest, value)
    return node.with_changes(**{name: items})


def _node(value: cst.CSTNode | str) -> cst.CSTNode:
    return cst.Name(value) if isinstance(value, str) else value


def render(template: str, **holes: cst.CSTNode | str) -> cst.BaseStatement:
    """Fill a statement template; string values become names."""
    stmt, names = _parsed(template)
    if set(holes) != names:
        raise ValueError(f"template holes {sorted(names)} but got {sorted(holes)}")
    # Rebuild only the nodes on the way to each hole, not the whole statement.
    node: cst.CSTNode = stmt
    for hole, path in _hole_paths(template):
        node = _replace(node, path, _node(holes[hole]))
    return node  # type: ignore[return-value]


def names_tuple(names: Sequence[str]) -> cst.Tuple:
    """``(a, b)``, ``(a,)`` or ``()``."""
    elements = [cst.Element(cst.Name(n)) for n in names]
    if len(elements) == 1:
        elements = [cst.Element(cst.Name(names[0]), comma=cst.Comma())]
    return cst.Tuple(elements)


def expr_tuple(values: Sequence[cst.BaseExpression]) -> cst.Tuple:
    """``(f, g)`` of arbitrary expressions."""
    return cst.Tuple([cst.Element(v) for v in values])


def return_tuple(names: Sequence[str]) -> cst.SimpleStatementLine:
    """``return (a, b)``: a helper function hands back the carried names."""
    return render(RETURN, value=names_tuple(names))  # type: ignore[return-value]


def assign(target: str | cst.BaseExpression, value: str | cst.BaseExpression) -> cst.SimpleStatementLine:
    """``target = value``."""
    return render(ASSIGN, target=target, value=value)  # type: ignore[return-value]


def undefined(name: str) -> cst.SimpleStatementLine:
    """``name = rt.Undefined('name')``: a carried name not bound yet."""
    return render(UNDEFINED, name=name, label=cst.SimpleString(repr(name)))  # type: ignore[return-value]


def function(
    name: str,
    params: Sequence[str],
    body: cst.BaseSuite | Sequence[cst.BaseStatement],
    leading_lines: Sequence[cst.EmptyLine] = (),
) -> cst.FunctionDef:
    """``def name(params): body`` (``body`` keeps its comments)."""
    stmt, _ = _parsed(FUNCTION)
    assert isinstance(stmt, cst.FunctionDef)
    block = body if isinstance(body, cst.IndentedBlock) else cst.IndentedBlock(body=list(body))  # type: ignore[arg-type]
    if block.header.comment is not None:  # `if x:      # note` -> `def f():  # note`
        block = block.with_changes(header=block.header.with_changes(whitespace=cst.SimpleWhitespace("  ")))
    return stmt.with_changes(
        name=cst.Name(name),
        params=cst.Parameters(params=[cst.Param(cst.Name(p)) for p in params]),
        body=block,
        leading_lines=list(leading_lines),
    )

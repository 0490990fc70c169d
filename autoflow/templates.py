"""Every piece of code the passes generate, written as it reads in the output.

Templates use ``{hole}`` placeholders like libcst's ``parse_template_statement``.
Parsing is the expensive part (~0.2 ms a statement), so each template is parsed
once, with its holes turned into marker names, and later filled by a small
transformer that swaps the markers for the given nodes.
"""

from __future__ import annotations

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


@cache
def _parsed(template: str) -> tuple[cst.BaseStatement, frozenset[str]]:
    holes = frozenset(_HOLE.findall(template))
    text = _HOLE.sub(lambda m: _MARK.format(m.group(1)), template)
    return cst.parse_statement(text), holes


class _Fill(cst.CSTTransformer):
    def __init__(self, values: dict[str, cst.CSTNode]) -> None:
        self.values = values

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        value = updated_node.value
        if value.startswith("__autoflow_hole_"):
            return self.values[value[len("__autoflow_hole_") : -2]]  # type: ignore[return-value]
        return updated_node


def _node(value: cst.CSTNode | str) -> cst.CSTNode:
    return cst.Name(value) if isinstance(value, str) else value


def render(template: str, **holes: cst.CSTNode | str) -> cst.BaseStatement:
    """Fill a statement template; string values become names."""
    stmt, names = _parsed(template)
    if set(holes) != names:
        raise ValueError(f"template holes {sorted(names)} but got {sorted(holes)}")
    return stmt.visit(_Fill({k: _node(v) for k, v in holes.items()}))  # type: ignore[return-value]


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

"""The transpiler's shortcuts change nothing: same code, report and positions as the long way.

``transpile._scan`` walks the parsed code once for the start position of
every node (instead of libcst's ``PositionProvider``) and for what each
subtree holds; passes then skip subtrees, and whole passes, with nothing of
theirs in them, and skip the children of token nodes. Here each shortcut is
checked against the long way: positions against ``PositionProvider``, and
the output of every pass run with the shortcuts against a run without them
(no contents known, so nothing is skipped).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings
from libcst.metadata import MetadataWrapper, PositionProvider

import autoflow.passes
from autoflow import transpile
from autoflow.errors import ConversionError
from autoflow.testing import programs
from tests.autoflow.corpus import CORPUS

HERE = Path(__file__).parent
GOLDEN = sorted((HERE / "golden").glob("*/*.py"))
REGRESSIONS = sorted((HERE.parent / "testing" / "regressions").glob("*.py"))

# Constructs each shortcut must see through: returns in nested functions and
# classes, async code, global declarations and yields that keep blocks as
# Python, expressions in defaults, decorators, lambdas and f-strings,
# subscript stores in nested functions, comments, semicolons and one-line suites.
EDGES = textwrap.dedent(
    '''
    import functools

    def outer(x, n, k=(lambda a: a if a > 0 else -a)):
        """Doc."""
        total = 0.0  # running sum
        if x > 0:
            def inner(y):
                for i in range(n):
                    if y[i] > 0:
                        return y[i]
                return 0.0
            total = inner(x)
        else: total = -x; n = n + 1
        class Box:
            def get(self, v):
                while v > 0:
                    if v > 10:
                        return v
                    v -= 1
                return v
        return total + Box().get(n)


    def gen(xs):
        for x in xs:
            if x > 0:
                yield x


    async def coro(x):
        if x > 0:
            await x
        async for y in x:
            if y:
                break
        return x


    def uses_global(x):
        global G
        if x > 0:
            G = x
        return x


    def declares_in_branch(x):
        if x > 0:
            global H
            H = x
        return x


    def exprs(a, b=not True, *args, c: int = 1 if True else 2, **kw):
        f = lambda t: t and b or not a
        g = f"{a if b else c}"
        h = [v for v in args if v > 0 and v < 3]
        assert a < b < c, "ordered"
        print(a, min(b, c), max(b, c))
        return (a is None, h, g, f)


    @functools.lru_cache(maxsize=None if 1 else 2)
    def decorated(x):
        if x:
            return 1
        return 2


    def stores(x, i):
        def nested(y):
            y[i] += 1
            return y
        x[i] = 0.0
        if i > 0:
            x[0] = x[i]
        return nested(x)


    def flat(x):
        y = x + 1; z = y * 2
        return (
            z
            + 1
        )


    def breaks(xs):
        s = 0
        for x in xs:
            if x > 3:
                break
            if x < 0:
                continue
            s += x
        else:
            s = -1
        while s > 100:
            s -= 7
            if s % 5 == 0:
                break
        return s


    def matches(x):
        match x:
            case 0:
                return 1
            case _:
                pass
        with open(x) as f:
            if f:
                return 2
        try:
            if x:
                raise ValueError(x)
        except ValueError:
            return 3
        return 4
    '''
)


def _positions(module: cst.Module, offset: int = 0) -> dict[cst.CSTNode, tuple[int, int]]:
    """What the transpiler used to record: PositionProvider starts of statements and expressions."""
    found = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    return {
        node: (r.start.line + offset, r.start.column + 1)
        for node, r in found.items()
        if isinstance(node, (cst.BaseStatement, cst.BaseSmallStatement, cst.BaseExpression))
    }


@contextmanager
def _long_way() -> Iterator[None]:
    """Run the transpiler with no shortcut: no subtree or pass is skipped."""
    scan = transpile._scan
    tokens = autoflow.passes._TOKENS

    def scan_positions_only(module: cst.Module, line_offset: int) -> tuple[Any, dict[int, int]]:
        table, _ = scan(module, line_offset)
        return table, {}

    transpile._scan = scan_positions_only  # type: ignore[assignment]
    autoflow.passes._TOKENS = frozenset()
    try:
        yield
    finally:
        transpile._scan = scan  # type: ignore[assignment]
        autoflow.passes._TOKENS = tokens


def _function_outcome(source: str, first_line: int = 1) -> Any:
    try:
        result = transpile.transpile_function(source, "case.py", first_line)
    except ConversionError as exc:
        return ("error", str(exc))
    nodes: list[cst.CSTNode] = []

    def walk(node: cst.CSTNode) -> None:
        nodes.append(node)
        for child in node.children:
            walk(child)

    walk(result.module)
    positions = [(type(n).__name__, result.positions.get(n)) for n in nodes]
    return result.code, result.report, positions, result.runtime_name


def _module_outcome(source: str) -> Any:
    try:
        result = transpile.transpile_module(source, "case.py")
    except ConversionError as exc:
        return ("error", str(exc))
    return result.code, result.report


def _same_both_ways(source: str) -> None:
    fast = _module_outcome(source)
    with _long_way():
        slow = _module_outcome(source)
    assert fast == slow
    module = cst.parse_module(source)
    for stmt in module.body:
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            text = textwrap.dedent(module.code_for_node(stmt))
            if isinstance(stmt, cst.ClassDef):
                continue  # transpile_function takes one function; the module run covers classes
            fast = _function_outcome(text, 5)
            with _long_way():
                slow = _function_outcome(text, 5)
            assert fast == slow, text


def _golden_input(path: Path) -> str:
    return path.read_text().split("# --- expected ---\n")[0]


# -- positions -------------------------------------------------------------------


@pytest.mark.parametrize("offset", [0, 41])
def test_scan_positions_are_position_providers(offset: int) -> None:
    sources = [EDGES, *(_golden_input(p) for p in GOLDEN)]
    for source in sources:
        module = cst.parse_module(source)
        table, _ = transpile._scan(module, offset)
        assert table == _positions(module, offset)


def test_scan_positions_of_a_converted_function_match_its_source_lines() -> None:
    source = "def f(x):\n    if x > 0:\n        y = x\n    else:\n        y = -x\n    return y\n"
    result = transpile.transpile_function(source, "f.py", first_line=10)
    entries = [(e.line, e.column, e.construct) for e in result.report]
    assert (11, 5, "if") in entries


# -- what subtrees hold -----------------------------------------------------------


def _contents(source: str) -> int:
    """What the body of the source's function holds."""
    module = cst.parse_module(source)
    _, inner = transpile._scan(module, 0)
    return inner[id(module.body[0])]


@pytest.mark.parametrize(
    "source, present, absent",
    [
        ("def f(x):\n    return x\n", autoflow.passes.CONTAINS_RETURN, autoflow.passes.CONTAINS_NESTED_RETURN),
        ("def f(x):\n    if x:\n        return 1\n    return 2\n", autoflow.passes.CONTAINS_NESTED_RETURN, 0),
        # A nested function's own final return is not a return inside control flow.
        (
            "def f(x):\n    if x:\n        def g():\n            return 1\n    return 2\n",
            autoflow.passes.CONTAINS_IF,
            autoflow.passes.CONTAINS_NESTED_RETURN,
        ),
        ("def f(x):\n    return x < 1 < 2\n", autoflow.passes.CONTAINS_EXPRESSION, 0),
        ("def f(x):\n    return x < 1\n", 0, autoflow.passes.CONTAINS_EXPRESSION),
        ("def f(x):\n    return not x\n", autoflow.passes.CONTAINS_EXPRESSION, 0),
        ("def f(x):\n    return -x\n", 0, autoflow.passes.CONTAINS_EXPRESSION),
        ("def f(x):\n    x[0] = 1\n", autoflow.passes.CONTAINS_SUBSCRIPT_STORE, 0),
        ("def f(x):\n    x[0] = y = 1\n", 0, autoflow.passes.CONTAINS_SUBSCRIPT_STORE),
        ("def f(x):\n    x[0] -= 1\n", autoflow.passes.CONTAINS_SUBSCRIPT_STORE, 0),
        ("async def f(x):\n    async with x:\n        pass\n", autoflow.passes.CONTAINS_BLOCKER, 0),
        ("def f(x):\n    for y in x:\n        break\n", autoflow.passes.CONTAINS_LOOP | autoflow.passes.CONTAINS_EXIT, 0),
    ],
)
def test_scan_contents(source: str, present: int, absent: int) -> None:
    bits = _contents(source)
    assert bits & present == present
    assert not bits & absent


# -- same output with and without the shortcuts ------------------------------------


def test_edges_same_both_ways() -> None:
    _same_both_ways(EDGES)


@pytest.mark.parametrize("path", GOLDEN + REGRESSIONS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_golden_and_regressions_same_both_ways(path: Path) -> None:
    _same_both_ways(_golden_input(path))


def test_corpus_same_both_ways() -> None:
    import inspect

    for case in CORPUS:
        lines, first = inspect.getsourcelines(case.fn)
        source = textwrap.dedent("".join(lines))
        fast = _function_outcome(source, first)
        with _long_way():
            slow = _function_outcome(source, first)
        assert fast == slow, case.name


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_random_programs_same_both_ways(program: Any) -> None:
    source = textwrap.dedent(program.source)
    fast = _function_outcome(source)
    with _long_way():
        slow = _function_outcome(source)
    assert fast == slow


def test_long_way_really_is_longer() -> None:
    """The comparison means something: the shortcuts do skip work here."""
    visited: list[int] = []
    original = autoflow.passes.Pass.on_visit

    def counting(self: autoflow.passes.Pass, node: cst.CSTNode) -> bool:
        visited.append(1)
        return original(self, node)

    source = "def f(x):\n    y = [i * 2 for i in x]\n    if x:\n        y = y + [1]\n    return y\n"
    autoflow.passes.Pass.on_visit = counting  # type: ignore[method-assign]
    try:
        transpile.transpile_function(source)
        fast = len(visited)
        visited.clear()
        with _long_way():
            transpile.transpile_function(source)
        slow = len(visited)
    finally:
        autoflow.passes.Pass.on_visit = original  # type: ignore[method-assign]
    assert fast < slow / 2

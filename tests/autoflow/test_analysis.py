"""The light analysis alone: reads, writes, liveness, maybe-bound names."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from autoflow.analysis import analyse_function, definitely_bound, effects, live_in


def _fn(src: str) -> cst.FunctionDef:
    node = cst.parse_module(textwrap.dedent(src)).body[0]
    assert isinstance(node, cst.FunctionDef)
    return node


def _stmt(src: str) -> cst.BaseStatement:
    return cst.parse_statement(src)


@pytest.mark.parametrize(
    "src, reads, kills, writes",
    [
        ("x = y + z\n", {"y", "z"}, {"x"}, ["x"]),
        ("x += 1\n", {"x"}, {"x"}, ["x"]),
        ("a, (b, *c) = t\n", {"t"}, {"a", "b", "c"}, ["a", "b", "c"]),
        ("d[k] = v\n", {"d", "k", "v"}, set(), ["d"]),
        ("self.count = self.count + 1\n", {"self"}, set(), ["self.count"]),
        ("self.log['k'] = v\n", {"self", "v"}, set(), ["self.log"]),
        ("xs.append(f(y))\n", {"xs", "f", "y"}, set(), ["xs"]),
        ("y = [i * k for i in r]\n", {"k", "r"}, {"y"}, ["y"]),
        ("g = lambda a: a + b\n", {"b"}, {"g"}, ["g"]),
        ("import numpy as np, os.path\n", set(), {"np", "os"}, ["np", "os"]),
        ("del x\n", set(), {"x"}, ["x"]),
        ("print(f(a=b))\n", {"print", "f", "b"}, set(), []),
        ("y = (z := w) + z\n", {"w", "z"}, {"y", "z"}, ["z", "y"]),
    ],
)
def test_effects_of_statements(src: str, reads: set[str], kills: set[str], writes: list[str]) -> None:
    fx = effects(_stmt(src))
    assert set(fx.reads) == reads
    assert set(fx.kills) == kills
    assert sorted(fx.writes) == sorted(writes)


def test_nested_function_free_names_are_closure_reads() -> None:
    fx = effects(_stmt("def g(a):\n    t = a + b\n    return t * c\n"))
    assert set(fx.reads) == {"b", "c"}
    assert fx.closure_reads == {"b", "c"}
    assert set(fx.kills) == {"g"}


def test_generated_helpers_are_not_closures() -> None:
    fx = effects(_stmt("def _if_true_1(y):\n    return (y + b,)\n"), lambda n: n == "_if_true_1")
    assert fx.closure_reads == set()
    assert set(fx.reads) == {"b"}


def test_yield_and_await_are_flagged_outside_nested_scopes() -> None:
    assert effects(_stmt("x = yield y\n")).yields
    assert not effects(_stmt("def g():\n    yield 1\n")).yields


def test_live_out_of_if_and_loop_heads() -> None:
    fn = _fn(
        """
        def f(xs, n):
            s = 0
            t = 1
            if n > 0:
                s = n
                u = 2
            for x in xs:
                s = s + x
                last = x
            while n > 0:
                n = n - 1
            return s, last
        """
    )
    info = analyse_function(fn)
    body = fn.body.body
    if_, for_, while_ = body[2], body[3], body[4]
    assert info.live_out[id(if_)] >= {"s", "xs", "n"}
    assert "u" not in info.live_out[id(if_)] and "t" not in info.live_out[id(if_)]
    assert info.head_live[id(for_)] >= {"s", "last", "n"}
    assert "x" not in info.head_live[id(for_)]
    assert info.head_live[id(while_)] >= {"n", "s", "last"}
    assert info.params == {"xs", "n"}


def test_loop_target_live_after_loop() -> None:
    fn = _fn("def f(xs):\n    for x in xs:\n        pass\n    return x\n")
    assert "x" in analyse_function(fn).head_live[id(fn.body.body[0])]


def test_break_and_continue_liveness() -> None:
    fn = _fn(
        """
        def f(xs):
            a = 0
            b = 0
            for x in xs:
                if x:
                    break
                a = a + 1
            return b
        """
    )
    info = analyse_function(fn)
    loop = fn.body.body[2]
    assert "b" in info.head_live[id(loop)]
    assert "a" in info.head_live[id(loop)]


def test_maybe_bound_before_statements() -> None:
    fn = _fn(
        """
        def f(c, xs):
            if c:
                y = 1
            z = 2
            for x in xs:
                w = x
            return y
        """
    )
    info = analyse_function(fn)
    body = fn.body.body
    assert info.maybe_bound[id(body[0])] == {"c", "xs"}
    assert info.maybe_bound[id(body[1])] == {"c", "xs", "y"}
    assert "w" not in info.maybe_bound[id(body[2])]
    loop_body = body[2].body.body
    assert "w" in info.maybe_bound[id(loop_body[0])]  # from an earlier iteration


def test_closures_are_always_live() -> None:
    fn = _fn(
        """
        def f():
            k = 1
            g = lambda: k
            if True:
                k = 2
            return g()
        """
    )
    assert "k" in analyse_function(fn).always_live


def test_live_in_of_a_block() -> None:
    block = cst.parse_module("y = x + 1\nx = 2\nz = x + w\n").body
    assert live_in(block) == {"x", "w"}
    assert live_in(block, ["y", "q"]) == {"x", "w", "q"}


def _else_of_converted_loop(xs):  # type: ignore[no-untyped-def]
    for _ in range(0):
        pass
    else:
        for v in xs:  # noqa: B007 - read after the loop
            s = 0.0
        s = v
    return s


def test_a_loop_in_the_else_clause_of_a_converted_loop_may_leave_its_names_unbound() -> None:
    """The else clause runs after the loop, not in its helper: ``v`` may be unbound before the inner loop."""
    import numpy as np

    import autoflow

    source = autoflow.to_source(_else_of_converted_loop)
    assert "v = rt.Undefined('v')" in source
    xs = np.arange(3, dtype=np.float32)
    assert autoflow.convert(_else_of_converted_loop)(xs) == _else_of_converted_loop(xs)


def _definitely_bound_before(source: str, marker: str) -> frozenset[str]:
    module = cst.parse_module(source)
    fdef = module.body[0]
    assert isinstance(fdef, cst.FunctionDef)
    before = definitely_bound(fdef)
    for statement in _all_statements(fdef):
        if marker in cst.Module(body=[]).code_for_node(statement):
            return before[id(statement)]
    raise AssertionError(marker)


def _all_statements(node: cst.CSTNode) -> list[cst.CSTNode]:
    found: list[cst.CSTNode] = []

    class Collect(cst.CSTVisitor):
        def on_visit(self, n: cst.CSTNode) -> bool:
            if isinstance(n, cst.SimpleStatementLine):
                found.append(n)
            return True

    node.visit(Collect())
    return found


@pytest.mark.parametrize(
    ("source", "bound", "unbound"),
    [
        ("def f(n):\n    for i in range(n):\n        s = 1\n    k = i\n", {"n"}, {"i", "s"}),
        ("def f(x):\n    if x:\n        y = 1\n    else:\n        y = 2\n    k = y\n", {"x", "y"}, set()),
        ("def f(x):\n    if x:\n        y = 1\n    k = y\n", {"x"}, {"y"}),
        ("def f(x):\n    if x:\n        y = 1\n    else:\n        return 0\n    k = y\n", {"y"}, set()),
        ("def f(x):\n    y = 1\n    del y\n    k = y\n", {"x"}, {"y"}),
        ("def f(x):\n    while x:\n        y = 1\n        break\n    k = y\n", {"x"}, {"y"}),
    ],
)
def test_definitely_bound_names(source: str, bound: set[str], unbound: set[str]) -> None:
    before = _definitely_bound_before(source, "k = ")
    assert bound <= before
    assert not (unbound & before)

"""A builtin the user's code rebinds (``range``, ``zip``, ``min``, ...) is left as the user's.

The transpiler turns ``range(n)`` into ``rt.range(n)`` and ``min(a, b)`` into
``rt.min(a, b)`` only when the name can still be the builtin. Results are
compared with the same function run eagerly.
"""

from __future__ import annotations

import textwrap

import pytest

import autoflow
from autoflow.naming import rebound_names


def range_parameter(x, range):
    s = 0
    for i in range(3):
        s = s + i
    return s + x


def zip_parameter(xs, zip):
    s = 0.0
    for a, b in zip(xs, xs):
        s = s + a * b
    return s


def min_parameter(x, min):
    if x > 0:
        x = min(x, 2.0)
    return x


def _first_two(n):
    return [10, 20]


def _pairs(a, b):
    return [(1.0, 2.0)]


def _neg(a, b):
    return -a - b


@pytest.mark.parametrize(
    ("fn", "args"),
    [
        (range_parameter, (1.0, _first_two)),
        (zip_parameter, ([1.0, 2.0], _pairs)),
        (min_parameter, (3.0, _neg)),
    ],
    ids=["range", "zip", "min"],
)
def test_a_parameter_named_like_a_builtin_is_called_as_given(fn, args) -> None:
    assert autoflow.convert(fn)(*args) == fn(*args)
    assert "rt.range(" not in autoflow.to_source(fn)
    assert "rt.min(" not in autoflow.to_source(fn)


@pytest.mark.parametrize(
    ("source", "rebound"),
    [
        ("def f(x, range):\n    pass", {"range"}),
        ("def f(range=None):\n    pass", {"range"}),
        ("g = lambda zip: zip\n", {"zip"}),
        ("from itertools import zip_longest as zip\n", {"zip"}),
        ("for min in xs:\n    pass", {"min"}),
        ("range: int = 3\n", {"range"}),
        ("for i in range(3):\n    x = min(i, 2)\n", set()),
        ("for i, x in zip(range(3), xs):\n    pass", set()),
    ],
)
def test_textual_check_sees_bindings_not_uses(source: str, rebound: set[str]) -> None:
    names = ("range", "zip", "enumerate", "min", "max", "print")
    assert rebound_names(textwrap.dedent(source), names) == frozenset(rebound)

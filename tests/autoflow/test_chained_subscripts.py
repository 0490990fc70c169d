"""Chained subscript stores in converted code: ``hist[i][j] = v``, ``hist[i][j] += v``.

Each function runs eagerly as plain Python on NumPy arrays (or Python lists),
which is the reference, and converted under ``autoflow.jit`` on the JAX
equivalent.
"""

from __future__ import annotations

import linecache
import textwrap
import zlib
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import libcst as cst
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autoflow
import runtime as rt
from autoflow.analysis import effects

# -- the corpus ---------------------------------------------------------------


def two_levels(hist, x):
    hist[1][2] = x
    hist[0][1:3] += x
    hist[-1][...] *= 2.0
    return hist


def three_levels(cube, x):
    cube[1][0][2] = x
    cube[0][-1][1:] -= x
    return cube


def in_for(hist, x, n):
    for i in range(n):
        hist[i][1] = x * i
        hist[i][0] += x
    return hist


def in_nested_for(cube, x):
    for i in range(cube.shape[0]):
        for j in range(cube.shape[1]):
            cube[i][j][(i + j) % cube.shape[2]] += x * (i + 1)
    return cube


def in_while(hist, x):
    i = 0
    while x > 0.0 and i < hist.shape[0]:
        hist[i][2] += x
        x = x - 1.0
        i += 1
    return hist, x


def in_if(hist, x):
    if x > 0:
        hist[0][1] = x
    else:
        hist[1][0] -= x
    return hist


def in_loop_and_if(hist, x, n):
    for i in range(n):
        if hist[i][0] + x > 1.0:
            hist[i][3] = x
        else:
            hist[i][2] += 1.0
    return hist


def list_of_arrays(arrs, x, n):
    for i in range(n):
        arrs[1][i] += x * i
    arrs[0][0] = x
    return arrs


def dict_of_arrays(params, x, n):
    params["w"][1][0] = x
    for i in range(n):
        params["b"][i] += x
    return params


def list_of_lists(x):
    rows = [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    rows[0][2] = x
    for row in rows:
        row[1] -= x
        rows[1][0] += row[1]
    return rows


def indices(hist, a, b, c, x):
    hist[a][b] = x
    hist[b][a] += x
    hist[a][c][b] -= x
    return hist


def _define(source: str) -> Callable[..., Any]:
    """The one function ``source`` defines, with its source readable by ``inspect``."""
    filename = f"<chained subscripts {zlib.crc32(source.encode()):08x}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    scope: dict[str, Any] = {"jnp": jnp}
    exec(compile(source, filename, "exec"), scope)  # noqa: S102 - the test's own source
    (fn,) = (v for k, v in scope.items() if k not in ("jnp", "__builtins__"))
    return fn


def _ints(n: int) -> st.SearchStrategy[int]:
    return st.integers(-n, n - 1)


_floats = st.floats(-4, 4, allow_nan=False, allow_subnormal=False, width=32).map(np.float32)


def _array(*shape: int) -> st.SearchStrategy[np.ndarray]:
    size = int(np.prod(shape))
    return st.lists(_floats, min_size=size, max_size=size).map(lambda v: np.array(v, np.float32).reshape(shape))


CASES: list[tuple[Callable[..., Any], st.SearchStrategy[tuple[Any, ...]]]] = [
    (two_levels, st.tuples(_array(3, 4), _floats)),
    (three_levels, st.tuples(_array(2, 3, 4), _floats)),
    (in_for, st.tuples(_array(3, 4), _floats, st.integers(0, 3))),
    (in_nested_for, st.tuples(_array(2, 3, 4), _floats)),
    (in_while, st.tuples(_array(3, 4), _floats)),
    (in_if, st.tuples(_array(3, 4), _floats)),
    (in_loop_and_if, st.tuples(_array(3, 4), _floats, st.integers(0, 3))),
    (list_of_arrays, st.tuples(st.tuples(_array(3), _array(3)).map(list), _floats, st.integers(0, 3))),
    (dict_of_arrays, st.tuples(st.fixed_dictionaries({"w": _array(2, 2), "b": _array(2)}), _floats, st.integers(0, 2))),
    (list_of_lists, st.tuples(_floats)),
    (indices, st.tuples(_array(3, 3, 3), _ints(3), _ints(3), _ints(3), _floats)),
]


def _copy(value: Any) -> Any:
    return jax.tree_util.tree_map(lambda v: v.copy() if isinstance(v, np.ndarray) else v, value)


def _to_jax(value: Any) -> Any:
    return jax.tree_util.tree_map(lambda v: jnp.asarray(v) if isinstance(v, np.ndarray | np.floating) else v, value)


def assert_same(expected: Any, got: Any, what: str) -> None:
    e_leaves, e_tree = jax.tree_util.tree_flatten(expected)
    g_leaves, g_tree = jax.tree_util.tree_flatten(got)
    assert e_tree == g_tree, f"{what}: structure {g_tree} != {e_tree}"
    for e, g in zip(e_leaves, g_leaves, strict=True):
        np.testing.assert_allclose(np.asarray(g), np.asarray(e), rtol=1e-5, atol=1e-5, err_msg=what)


_JITTED: dict[str, Any] = {}


@pytest.mark.parametrize("fn, args", CASES, ids=[c[0].__name__ for c in CASES])
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_equivalent_to_eager_python(fn: Callable[..., Any], args: Any, data: st.DataObject) -> None:
    values = data.draw(args)
    expected = fn(*_copy(values))  # plain Python on NumPy arrays: in-place stores
    assert_same(expected, autoflow.convert(fn)(*_copy(values)), "convert, NumPy inputs")
    jitted = _JITTED.setdefault(fn.__name__, autoflow.jit(fn))
    assert_same(expected, jitted(*_to_jax(values)), "jit, JAX inputs")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    shape=st.lists(st.integers(1, 4), min_size=3, max_size=3),
    data=st.data(),
    op=st.sampled_from(["=", "+=", "*="]),
)
def test_random_paths_of_depth_2_and_3(shape: list[int], data: st.DataObject, op: str) -> None:
    depth = data.draw(st.integers(2, 3))
    path = [data.draw(_ints(n)) for n in shape[:depth]]
    names = "abc"[:depth]
    subscripts = "".join(f"[{n}]" for n in names)
    store = _define(f"def store(x, {', '.join(names)}, v):\n    x{subscripts} {op} v\n    return x\n")
    assert f"x = rt.at(x){subscripts}" in autoflow.to_source(store)
    x = np.arange(float(np.prod(shape)), dtype=np.float32).reshape(shape)
    expected = store(x.copy(), *path, np.float32(1.5))
    got = autoflow.jit(store)(jnp.asarray(x), *path, np.float32(1.5))
    np.testing.assert_array_equal(got, expected)


def list_in_if(rows, x):
    if x > 0:
        rows[1][0] -= x
    return rows


def one_level_in_if_else(lst, d, x):
    if x > 0:
        lst[0] = 2 * x
        d["b"] = d["b"] + x
    else:
        lst[1] = lst[0] - x  # must not see the other branch's store
    return lst, d


def test_store_into_a_list_in_a_traced_if() -> None:
    # Each traced branch gets its own containers (runtime/control.py), so a store
    # into one neither leaks the branch's tracer nor shows in the other branch.
    expected = list_in_if([np.zeros(2), np.ones(2)], np.float32(1.5))
    assert_same(expected, autoflow.jit(list_in_if)([jnp.zeros(2), jnp.ones(2)], 1.5), "jit")
    for x in (1.5, -2.0):
        want = one_level_in_if_else([1.0, 2.0], {"b": 3.0}, x)
        got = autoflow.jit(one_level_in_if_else)([1.0, 2.0], {"b": 3.0}, x)
        assert_same(want, got, f"jit, x={x}")


def test_numpy_stays_in_place() -> None:
    hist = np.zeros((3, 4), np.float32)
    assert autoflow.convert(two_levels)(hist, np.float32(1.0)) is hist
    assert hist[1, 2] == 1.0 and hist[0, 1] == 1.0


def test_brief_example() -> None:
    def g(x):
        hist = jnp.zeros((3, 4))
        hist[1][2] = x
        hist[2][1] += x
        return hist

    assert autoflow.jit(g)(2.0).tolist() == [[0, 0, 0, 0], [0, 0, 2, 0], [0, 2, 0, 0]]


class Counts(rt.Module):
    def __init__(self) -> None:
        self.hist = rt.Variable(jnp.zeros((3, 4)))

    def __call__(self, x, n):
        for i in range(n):
            self.hist[i][1] += x
        if x > 1:
            self.hist[0][0] = x
        return x


def test_module_variable_through_attribute_path() -> None:
    net = Counts()
    step = autoflow.jit(net)
    step(2.0, 2)
    step(0.5, 3)
    assert net.hist.value.tolist() == [[2, 2.5, 0, 0], [0, 2.5, 0, 0], [0, 0.5, 0, 0]]


class Plain:
    def __init__(self, buf: Any) -> None:
        self.buf = buf

    def fill(self, x):
        for i in range(2):
            self.buf[i][i] = x
        return self.buf


def test_plain_object_attribute_path() -> None:
    expected = Plain(np.zeros((2, 2))).fill(3.0)
    got = autoflow.convert(Plain(jnp.zeros((2, 2))).fill)(3.0)
    np.testing.assert_array_equal(got, expected)


# -- the converted source ------------------------------------------------------


def _converted(source: str) -> str:
    return autoflow.to_source(_define(textwrap.dedent(source)))


def test_source_two_and_three_levels() -> None:
    assert _converted(
        """
        def f(hist, cube, i, x):
            hist[1][2] = x
            hist[i][1:3] += x
            (hist[0])[0] = x
            cube[i][0][...] *= 2.0
            return hist, cube
        """
    ) == textwrap.dedent(
        """\
        def f(hist, cube, i, x):
            hist = rt.at(hist)[1][2].set(x)
            hist = rt.at(hist)[i][1:3].op("+=", x)
            hist = rt.at(hist)[0][0].set(x)
            cube = rt.at(cube)[i][0][...].op("*=", 2.0)
            return hist, cube
        """
    )


def test_source_loop_carries_the_base_name() -> None:
    assert _converted(
        """
        def f(x, n):
            hist = jnp.zeros((3, 4))
            for i in range(n):
                hist[i][1] = x * i
            return hist
        """
    ) == textwrap.dedent(
        """\
        def f(x, n):
            hist = jnp.zeros((3, 4))
            def _loop_body_1(i, hist):
                hist = rt.at(hist)[i][1].set(x * i)
                return (hist,)
            (hist,) = rt.for_each(_loop_body_1, rt.range(n), (hist,))
            return hist
        """
    )


def test_source_if_carries_the_base_name_and_attribute_paths() -> None:
    assert _converted(
        """
        def f(self, x):
            if x > 0:
                self.hist[0][1] += x
            return x
        """
    ) == textwrap.dedent(
        """\
        def f(self, x):
            self_hist = getattr(self, 'hist', rt.Undefined('self.hist'))
            def _if_true_1(self_hist):
                self_hist = rt.at(self_hist)[0][1].op("+=", x)
                return (self_hist,)
            def _if_false_1(self_hist):
                return (self_hist,)
            (self_hist,) = rt.ifelse(x > 0, (_if_true_1, _if_false_1), (self_hist,))
            rt.store_attr(self, 'hist', self_hist)
            return x
        """
    )


def test_source_mapping_stores_and_outside_names_stay() -> None:
    source = textwrap.dedent(
        """\
        def f(cfg, rows, params, v):
            cfg["a"]["b"] = v
            rows[0]["key"] = v
            G[0][1] = v
            params["w"][0] = v
            return cfg
        """
    )
    got = _converted(source)
    expected = source.replace('params["w"][0] = v', 'params = rt.at(params)["w"][0].set(v)')
    assert got == expected


def test_analysis_counts_a_chain_as_a_write_of_its_base() -> None:
    def writes(stmt: str) -> list[str]:
        return list(effects(cst.parse_statement(stmt), lambda name: False).writes)

    assert writes("hist[i][j] = v\n") == ["hist"]
    assert writes("hist[i][j][k] += v\n") == ["hist"]
    assert writes("self.buf[i][j] = v\n") == ["self.buf"]
    assert writes("f(x)[0][1] = v\n") == []

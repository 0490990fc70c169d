"""``rt.at(x)[a][b]...set(v)`` / ``.op("+=", v)``: chained subscript stores.

The reference is always Python itself: the same store written out,
``x[a][b] = v``, run on NumPy arrays, lists and dicts. A JAX array (which
Python cannot store into) must end up holding what the NumPy array holds.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import runtime as rt

_OPS: dict[str, Callable[[Any, Any], Any]] = {"+=": operator.iadd, "-=": operator.isub, "*=": operator.imul}


def python_store(x: Any, path: tuple[Any, ...], op: str, v: Any) -> None:
    """``x[p0][p1]...[pn] <op> v``, written out as Python evaluates it."""
    *head, last = path
    for i in head:
        x = x[i]
    if op == "=":
        x[last] = v
    else:
        x[last] = _OPS[op](x[last], v)


def at_store(x: Any, path: tuple[Any, ...], op: str, v: Any) -> Any:
    chain: Any = rt.at(x)
    for i in path:
        chain = chain[i]
    return chain.set(v) if op == "=" else chain.op(op, v)


# -- examples ---------------------------------------------------------------


def test_jax_array_two_levels_is_a_functional_update() -> None:
    hist = jnp.zeros((3, 4))
    out = rt.at(hist)[1][2].set(5.0)
    assert float(hist.sum()) == 0.0  # the input is untouched
    expected = np.zeros((3, 4))
    expected[1][2] = 5.0
    np.testing.assert_array_equal(out, expected)
    out = rt.at(out)[1][1:3].op("+=", 2.0)
    expected[1][1:3] += 2.0
    np.testing.assert_array_equal(out, expected)


def test_numpy_array_is_written_in_place_and_returned() -> None:
    hist = np.zeros((3, 4))
    assert rt.at(hist)[1][2].set(5.0) is hist
    assert rt.at(hist)[2][::2].op("-=", 1.0) is hist
    assert hist.tolist() == [[0, 0, 0, 0], [0, 0, 5, 0], [-1, 0, -1, 0]]


def test_numpy_advanced_index_copy_loses_the_write_as_in_python() -> None:
    hist = np.zeros((3, 4))
    assert rt.at(hist)[np.array([0, 2])][1].set(7.0) is hist
    assert rt.at(hist)[[1]][0].op("+=", 7.0) is hist
    assert not hist.any()
    # and a view keeps it: a slice, None, ...
    rt.at(hist)[1:][0][None][0, 3].set(7.0)
    assert hist[1, 3] == 7.0


@pytest.mark.parametrize(
    "index", [np.array([0, 2]), jnp.array([0, 2]), np.array(1), True, jnp.array([True, False, True])]
)
def test_jax_advanced_index_loses_the_write_like_numpy(index: Any) -> None:
    hist = jnp.arange(12.0).reshape(3, 4)
    reference = np.asarray(hist).copy()
    python_store(reference, (np.asarray(index), 0), "=", -1.0)
    np.testing.assert_array_equal(rt.at(hist)[index][0].set(-1.0), reference)
    np.testing.assert_array_equal(reference, np.arange(12.0).reshape(3, 4))


def test_traced_integer_index_is_a_view() -> None:
    # A traced loop counter stands for the Python int of eager code.
    f = jax.jit(lambda h, i, j: rt.at(h)[i][j].op("+=", 1.0))
    out = f(jnp.zeros((3, 4)), 2, -1)
    assert out.tolist() == [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1]]


def test_three_levels_and_ellipsis() -> None:
    cube = jnp.zeros((2, 3, 4))
    out = rt.at(cube)[1][..., 2][0].set(3.0)
    reference = np.zeros((2, 3, 4))
    reference[1][..., 2][0] = 3.0
    np.testing.assert_array_equal(out, reference)


def test_list_of_lists_is_python() -> None:
    rows = [[0.0, 1.0], [2.0, 3.0]]
    assert rt.at(rows)[1][0].op("+=", 10.0) is rows
    assert rt.at(rows)[0][-1].set(7.0) is rows
    assert rows == [[0.0, 7.0], [12.0, 3.0]]


def test_list_of_jax_arrays_gets_the_new_array_in_place() -> None:
    first, second = jnp.zeros(3), jnp.zeros(3)
    arrs = [first, second]
    assert rt.at(arrs)[1][2].op("+=", 4.0) is arrs
    assert arrs[0] is first and arrs[1] is not second
    assert arrs[1].tolist() == [0, 0, 4] and second.tolist() == [0, 0, 0]


def test_dict_of_arrays_and_lists_of_numpy_arrays() -> None:
    params = {"w": jnp.zeros((2, 2)), "b": [np.zeros(2)]}
    b0 = params["b"][0]
    assert rt.at(params)["w"][1][0].set(1.0) is params
    assert rt.at(params)["b"][0][1].op("+=", 2.0) is params
    assert params["w"].tolist() == [[0, 0], [1, 0]]
    assert params["b"][0] is b0 and b0.tolist() == [0, 2]  # NumPy: in place, no store into the list


def test_tuple_of_jax_arrays_is_pythons_type_error() -> None:
    with pytest.raises(TypeError, match="tuple"):
        rt.at((jnp.zeros(2),))[0][1].set(1.0)


def test_variable_is_updated_in_place() -> None:
    v = rt.Variable(jnp.zeros((2, 3)))
    assert rt.at(v)[1][2].set(5.0) is v
    assert rt.at(v)[0][:2].op("+=", 1.0) is v
    assert v.value.tolist() == [[1, 1, 0], [0, 0, 5]]
    assert rt.at(v)[jnp.array([0, 1])][0].set(9.0) is v  # a copy, as for NumPy arrays
    assert v.value.tolist() == [[1, 1, 0], [0, 0, 5]]
    vs = [rt.Variable(jnp.zeros(2))]
    assert rt.at(vs)[0][1].set(3.0) is vs and vs[0].value.tolist() == [0, 3]


def test_variable_inside_jit() -> None:
    v = rt.Variable(jnp.zeros((2, 3)))

    @rt.jit
    def step(i: Any, x: Any) -> Any:
        rt.at(v)[i][1].op("+=", x)
        return x

    step(1, 2.0)
    step(1, 2.0)
    assert v.value.tolist() == [[0, 0, 0], [0, 4, 0]]


def test_scalar_on_the_way_is_a_type_error_as_in_numpy() -> None:
    with pytest.raises(TypeError, match="item assignment"):
        rt.at(np.zeros(3))[1][()].set(1.0)
    with pytest.raises(TypeError, match="scalar.*item assignment"):
        rt.at(jnp.zeros(3))[1][()].set(1.0)
    with pytest.raises(TypeError, match="scalar.*item assignment"):
        rt.at(jnp.zeros((2, 3)))[1, 2][...].set(1.0)
    # with an ellipsis NumPy gives a 0-d array, which does take the store
    np.testing.assert_array_equal(rt.at(jnp.zeros(3))[1, ...][()].set(1.0), [0, 1, 0])
    # a scalar indexed further gives a copy (scalar[...] is a new 0-d array): the write is lost
    reference = np.zeros(3)
    python_store(reference, (1, Ellipsis, ()), "=", 1.0)
    assert not reference.any()
    np.testing.assert_array_equal(rt.at(jnp.zeros(3))[1][...][()].set(1.0), reference)


def test_each_index_and_the_value_are_read_once() -> None:
    reads: list[Any] = []

    class Logged(dict[Any, Any]):
        def __getitem__(self, key: Any) -> Any:
            reads.append(key)
            return super().__getitem__(key)

    d = Logged(a=[1.0, 2.0])
    rt.at(d)["a"][1].op("+=", 1.0)
    assert reads == ["a"] and d["a"] == [1.0, 3.0]


def test_single_level_is_unchanged() -> None:
    x = jnp.zeros(4)
    assert rt.at(x)[1:3].op("+=", 2.0).tolist() == [0, 2, 2, 0]
    n = np.zeros(4)
    assert rt.at(n)[[0, 0]].op("+=", 1.0) is n and n.tolist() == [1, 0, 0, 0]
    with pytest.raises(ValueError, match="unknown augmented operator"):
        rt.at(x)[0][0].op("=+", 1.0)


# -- property: random paths of depth 2-3 over random shapes ------------------


@st.composite
def index_for(draw: st.DrawFn, shape: tuple[int, ...]) -> Any:
    """One subscript valid for an array of ``shape``: basic or advanced."""
    if not shape:
        return draw(st.sampled_from([(), Ellipsis, None]))
    n = shape[0]
    kind = draw(st.sampled_from(["int", "int", "slice", "pair", "ellipsis", "none", "array"]))
    if kind == "int":
        return draw(st.integers(-n, n - 1))
    if kind == "slice":
        start = draw(st.integers(0, n - 1))
        return slice(start, draw(st.integers(start + 1, n)))
    if kind == "pair" and len(shape) >= 2:
        return (draw(st.integers(-n, n - 1)), draw(st.integers(0, shape[1] - 1)))
    if kind == "ellipsis":
        return (Ellipsis, draw(st.integers(-shape[-1], shape[-1] - 1)))
    if kind == "none":
        return None
    return np.array(draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=3)))


@st.composite
def store_case(draw: st.DrawFn) -> tuple[tuple[int, ...], tuple[Any, ...], str, float]:
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    depth = draw(st.integers(2, 3))
    path: list[Any] = []
    current = np.zeros(shape)
    for _ in range(depth):
        index = draw(index_for(current.shape))
        path.append(index)
        current = np.asarray(current[index])
    op = draw(st.sampled_from(["=", "+=", "*="]))
    value = draw(st.integers(-16, 16)) / 4  # exact in float32: no rounding or flushed subnormals
    return shape, tuple(path), op, value


def _numpy_result(shape: tuple[int, ...], path: tuple[Any, ...], op: str, v: float) -> np.ndarray | type[BaseException]:
    x = np.arange(float(np.prod(shape))).reshape(shape)
    try:
        python_store(x, path, op, v)
    except TypeError:
        return TypeError  # a NumPy scalar on the way
    return x


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=store_case())
def test_numpy_matches_python(case: tuple[tuple[int, ...], tuple[Any, ...], str, float]) -> None:
    shape, path, op, v = case
    expected = _numpy_result(shape, path, op, v)
    x = np.arange(float(np.prod(shape))).reshape(shape)
    if expected is TypeError:
        with pytest.raises(TypeError):
            at_store(x, path, op, v)
        return
    assert at_store(x, path, op, v) is x
    np.testing.assert_array_equal(x, expected)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=store_case())
def test_jax_matches_numpy(case: tuple[tuple[int, ...], tuple[Any, ...], str, float]) -> None:
    shape, path, op, v = case
    expected = _numpy_result(shape, path, op, v)
    x = jnp.arange(float(np.prod(shape))).reshape(shape)
    if expected is TypeError:
        with pytest.raises(TypeError, match="scalar"):
            at_store(x, path, op, v)
        return
    np.testing.assert_allclose(at_store(x, path, op, v), expected, rtol=1e-6)

    # The same store compiled, every integer and integer array in the path traced.
    leaves, tree = jax.tree_util.tree_flatten(path, is_leaf=lambda e: e is None)
    traced = [i for i, e in enumerate(leaves) if isinstance(e, (int, np.ndarray))]

    def compiled(x: Any, vals: list[Any]) -> Any:
        flat = list(leaves)
        for i, val in zip(traced, vals):
            flat[i] = val
        return at_store(x, jax.tree_util.tree_unflatten(tree, flat), op, v)

    got = jax.jit(compiled)(x, [jnp.asarray(leaves[i]) for i in traced])
    np.testing.assert_allclose(got, expected, rtol=1e-6)


@settings(max_examples=20, deadline=None)
@given(
    rows=st.integers(-2, 1),
    row=st.integers(-2, 1),
    col=st.integers(-3, 2),
    depth=st.integers(2, 3),
    op=st.sampled_from(["=", "+=", "-="]),
)
def test_python_containers_of_arrays(rows: int, row: int, col: int, depth: int, op: str) -> None:
    # lists (of lists) of NumPy arrays vs the same of JAX arrays
    path = (rows, row, col) if depth == 3 else (row, col)

    def build(array: Callable[..., Any]) -> Any:
        table = [array(np.arange(3.0)), array(np.arange(3.0, 6.0))]
        return [table, [array(np.zeros(3)), array(np.ones(3))]] if depth == 3 else table

    reference = build(np.array)
    python_store(reference, path, op, 1.5)
    got = at_store(build(jnp.asarray), path, op, 1.5)
    assert jax.tree_util.tree_structure(got) == jax.tree_util.tree_structure(reference)
    for g, e in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(reference), strict=True):
        np.testing.assert_array_equal(g, e)

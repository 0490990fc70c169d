"""Attributes written inside converted control flow: eager Python vs autoflow.

Plain (non-Variable) attributes carried through a traced construct would hold
a traced value after a compiled call; ``rt.jit`` reports that instead of
leaking it. Attributes first created inside a block behave as in Python when
the path is decided in Python, and are a clear error when it is traced.
"""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autoflow
import runtime as rt

_FILE = __file__.rsplit("/", 1)[-1]


def _line_of(fn: object, text: str) -> int:
    lines, first = inspect.getsourcelines(fn)  # type: ignore[arg-type]
    return first + next(i for i, line in enumerate(lines) if text in line)


class TracedCounter(rt.Module):
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, x):
        if x > 0:
            self.count = self.count + 1
        return x * 2


class StaticCounter(rt.Module):
    def __init__(self, training: bool) -> None:
        self.training = training
        self.count = 0

    def __call__(self, x):
        if self.training:
            self.count = self.count + 1
        return x * 2


class VariableCounter(rt.Module):
    def __init__(self) -> None:
        self.count = rt.Variable(jnp.zeros((), jnp.int32))

    def __call__(self, x):
        if x > 0:
            self.count += 1
        return x * 2


def test_plain_attribute_under_traced_condition_is_a_clear_error() -> None:
    model = TracedCounter()
    step = autoflow.jit(model)
    with pytest.raises(rt.AttributeStateError) as info:
        step(jnp.asarray(1.0))
    text = str(info.value)
    assert "TracedCounter.count" in text
    assert f"{_FILE}:{_line_of(TracedCounter.__call__, 'if x > 0')}" in text
    assert "rt.Variable" in text and "docs/errors.md#attribute-state" in text
    # Nothing leaked: the attribute keeps its Python value.
    assert model.count == 0 and type(model.count) is int


def test_plain_attribute_under_traced_condition_is_fine_eagerly() -> None:
    model = TracedCounter()
    converted = autoflow.convert(model)
    converted(jnp.asarray(1.0))
    converted(jnp.asarray(-1.0))
    assert model.count == 1  # as the unconverted method would count


@pytest.mark.parametrize("training", [True, False])
def test_python_scalar_attribute_on_static_path(training: bool) -> None:
    eager = StaticCounter(training)
    eager(jnp.asarray(1.0))
    compiled_model = StaticCounter(training)
    out = autoflow.jit(compiled_model)(jnp.asarray(1.0))
    assert float(out) == 2.0
    # Traced once: the Python branch ran once, as one eager call does.
    assert compiled_model.count == eager.count
    assert type(compiled_model.count) is int


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(-3, 3), min_size=1, max_size=5))
def test_variable_attribute_under_traced_condition_matches_eager(xs: list[int]) -> None:
    eager, compiled_model = VariableCounter(), VariableCounter()
    step = autoflow.jit(compiled_model)
    for x in xs:
        expected = eager(jnp.asarray(float(x)))
        got = step(jnp.asarray(float(x)))
        assert float(got) == float(expected)
    assert int(compiled_model.count.value) == int(eager.count.value) == sum(x > 0 for x in xs)


# -- attributes first created inside a block ------------------------------------


class Creator(rt.Module):
    def __init__(self, flag: bool) -> None:
        self.flag = flag

    def __call__(self, x):
        if self.flag:
            self.made = 3
        return x + 1


class TracedCreator(rt.Module):
    def __call__(self, x):
        if x > 0:
            self.made = x
        return x + 1


@pytest.mark.parametrize("flag", [True, False])
@pytest.mark.parametrize("mode", ["eager", "convert", "jit"])
def test_attribute_created_on_static_path_matches_python(flag: bool, mode: str) -> None:
    reference = Creator(flag)
    reference(1.0)
    model = Creator(flag)
    if mode == "eager":
        out = autoflow.convert(model)(1.0)
    elif mode == "convert":
        out = jax.jit(autoflow.convert(model))(jnp.asarray(1.0))
    else:
        out = autoflow.jit(model)(jnp.asarray(1.0))
    assert float(out) == 2.0
    assert hasattr(model, "made") == hasattr(reference, "made") == flag
    if flag:
        assert model.made == reference.made == 3


def test_attribute_created_on_one_traced_branch_is_a_clear_error() -> None:
    model = TracedCreator()
    with pytest.raises(rt.AttributeStateError) as info:
        autoflow.jit(model)(jnp.asarray(1.0))
    text = str(info.value)
    assert "TracedCreator.made" in text
    assert f"{_FILE}:{_line_of(TracedCreator.__call__, 'if x > 0')}" in text
    assert "docs/errors.md#attribute-state" in text
    assert not hasattr(model, "made")


def test_attribute_created_on_one_traced_branch_works_eagerly() -> None:
    model = TracedCreator()
    autoflow.convert(model)(jnp.asarray(-1.0))
    assert not hasattr(model, "made")
    autoflow.convert(model)(jnp.asarray(2.0))
    assert float(model.made) == 2.0


def test_attribute_read_before_creation_raises_like_python() -> None:
    class Reader(rt.Module):
        def __call__(self, x):
            if x > 0:
                self.total = self.total + x
            return x

    with pytest.raises(AttributeError, match="'total'"):
        Reader()(1.0)  # plain Python
    with pytest.raises(AttributeError, match=r"no attribute 'total' \(reading self.total\)"):
        autoflow.convert(Reader())(1.0)
    with pytest.raises(AttributeError, match="'total'"):
        autoflow.jit(Reader())(jnp.float32(1.0))


# -- a Variable written as a whole and through .value / an item in one block ------


class ValueThenItem(rt.Module):
    def __init__(self) -> None:
        self.v = rt.Variable(jnp.full(2, -1.0))

    def __call__(self, x):
        if x > 0.0:
            self.v.value = self.v.value * 0.25
            self.v[0] = 5.0
        return self.v.value


class ValueThenAdd(rt.Module):
    def __init__(self) -> None:
        self.v = rt.Variable(jnp.full(2, -1.0))

    def __call__(self, x):
        for _ in range(2):
            if x > 0.0:
                self.v.value = self.v.value * 0.5
                self.v += 1.0
        return self.v.value


@pytest.mark.parametrize("cls", [ValueThenItem, ValueThenAdd])
@pytest.mark.parametrize("x", [1.0, -1.0])
@pytest.mark.parametrize("how", ["convert", "jit"])
def test_writes_to_a_variable_and_its_value_in_one_block_all_land(cls, x, how) -> None:
    eager = cls()
    want = eager(jnp.float32(x))
    model = cls()
    run = autoflow.convert(model) if how == "convert" else autoflow.jit(model)
    got = run(jnp.float32(x))
    assert jnp.allclose(got, want), (got, want)
    assert jnp.allclose(model.v.value, eager.v.value)


class ValueOrItemInLoop(rt.Module):
    def __init__(self) -> None:
        self.v = rt.Variable(jnp.ones(3))

    def __call__(self, m):
        for i in range(3):
            if i > m:
                self.v.value = self.v.value * 0.5
            else:
                self.v[i] = 4.0
        return self.v.value


def local_variable_value_or_item(c):
    v = rt.Variable(jnp.ones(2))
    for i in range(2):
        if c > i:
            v.value = v.value * 0.5
        else:
            v[0] = 4.0
    return v.value


@pytest.mark.parametrize("m", [3, 0, 1])
@pytest.mark.parametrize("how", ["convert", "jit"])
def test_value_and_item_writes_in_the_branches_of_a_loop_body_all_land(m, how) -> None:
    eager = ValueOrItemInLoop()
    want = eager(jnp.int32(m))
    model = ValueOrItemInLoop()
    run = autoflow.convert(model) if how == "convert" else autoflow.jit(model)
    assert jnp.allclose(run(jnp.int32(m)), want)
    assert jnp.allclose(model.v.value, eager.v.value)


@pytest.mark.parametrize("c", [-1.0, 0.5, 3.0])
def test_value_and_item_writes_to_a_local_variable_in_a_loop_all_land(c) -> None:
    want = local_variable_value_or_item(jnp.float32(c))
    assert jnp.allclose(autoflow.convert(local_variable_value_or_item)(jnp.float32(c)), want)

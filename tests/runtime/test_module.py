"""Module: Variables and sub-Modules as attributes, listed with readable paths."""

from __future__ import annotations

import jax.numpy as jnp

import runtime as rt


class Linear(rt.Module):
    def __init__(self, n_in: int, n_out: int) -> None:
        super().__init__()
        self.w = rt.Variable(jnp.ones((n_in, n_out)))
        self.b = rt.Variable(jnp.zeros(n_out))


class NoSuper(rt.Module):
    def __init__(self) -> None:  # does not call super().__init__()
        self.a = rt.Variable(jnp.zeros(2))
        self.scale = 3.0  # plain attributes are ignored


class Net(rt.Module):
    def __init__(self) -> None:
        self.w = rt.Variable(jnp.zeros(3))
        self.layers = [Linear(2, 3), Linear(3, 1)]
        self.params = {"b": rt.Variable(jnp.ones(1)), 0: rt.Variable(jnp.ones(1))}
        self.sub = NoSuper()
        self.pair = (rt.Variable(jnp.ones(())), [rt.Variable(jnp.ones(()))])


def test_vars_paths_and_order() -> None:
    net = Net()
    found = net.vars()
    assert list(found) == [
        "w",
        "layers[0].w",
        "layers[0].b",
        "layers[1].w",
        "layers[1].b",
        "params['b']",
        "params[0]",
        "sub.a",
        "pair[0]",
        "pair[1][0]",
    ]
    assert found["w"] is net.w
    assert found["layers[1].b"] is net.layers[1].b
    assert found["params['b']"] is net.params["b"]
    assert found["sub.a"] is net.sub.a
    assert found["pair[1][0]"] is net.pair[1][0]


def test_vars_lists_each_variable_once() -> None:
    shared = Linear(1, 1)
    net = NoSuper()
    net.first = shared  # type: ignore[attr-defined]
    net.second = shared  # type: ignore[attr-defined]
    net.alias = net.a  # type: ignore[attr-defined]
    assert list(net.vars()) == ["a", "first.w", "first.b"]


def test_cycles_terminate() -> None:
    a = NoSuper()
    b = NoSuper()
    a.other = b  # type: ignore[attr-defined]
    b.other = a  # type: ignore[attr-defined]
    assert list(a.vars()) == ["a", "other.a"]


def test_modules() -> None:
    net = Net()
    mods = net.modules()
    assert list(mods) == ["layers[0]", "layers[1]", "sub"]
    assert mods["sub"] is net.sub


def test_paths_are_stable_across_instances_and_updates() -> None:
    one, two = Net(), Net()
    assert list(one.vars()) == list(two.vars())
    one.w.value = jnp.ones(3)
    one.layers[0].b += 1
    assert list(one.vars()) == list(two.vars())


def test_slots_modules() -> None:
    class Slotted(rt.Module):
        __slots__ = ("v", "inner")

        def __init__(self) -> None:
            self.v = rt.Variable(jnp.zeros(1))
            self.inner = NoSuper()

    assert list(Slotted().vars()) == ["v", "inner.a"]


def test_empty_module() -> None:
    assert rt.Module().vars() == {}
    assert rt.Module().modules() == {}

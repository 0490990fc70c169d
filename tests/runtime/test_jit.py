"""rt.jit: finds the Variables a call touches, writes them back, caches per signature."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import runtime as rt

# -- finding Variables ------------------------------------------------------------

counter = rt.Variable(jnp.zeros((), jnp.int32))


def bump(x: jax.Array) -> jax.Array:
    counter.value = counter + 1  # a global Variable
    return x * 2


def test_global_variable_written_back() -> None:
    counter.value = 0
    f = rt.jit(bump)
    np.testing.assert_array_equal(f(jnp.arange(3)), [0, 2, 4])
    f(jnp.arange(3))
    assert int(counter) == 2


def test_closure_variable_read_and_written() -> None:
    total = rt.Variable(jnp.zeros(2))
    scale = rt.Variable(jnp.array(3.0))

    @rt.jit
    def add(x: jax.Array) -> jax.Array:
        total.value = total + scale * x
        return total.value

    out = add(jnp.ones(2))
    np.testing.assert_array_equal(out, [3.0, 3.0])
    scale.value = jnp.array(10.0)  # read again on the next call, not baked in
    add(jnp.ones(2))
    np.testing.assert_array_equal(total.value, [13.0, 13.0])


class Counter(rt.Module):
    def __init__(self) -> None:
        self.n = rt.Variable(jnp.zeros((), jnp.int32))
        self.history = [rt.Variable(jnp.zeros(3))]
        self.step = 2

    def __call__(self, x: jax.Array) -> jax.Array:
        self.n += self.step
        self.history[0][self.n % 3] = x
        return self.n

    def reset(self) -> None:
        self.n.value = 0


class Outer(rt.Module):
    def __init__(self) -> None:
        self.inner = Counter()
        self.params = {"w": rt.Variable(jnp.ones(3))}

    def __call__(self, x: jax.Array) -> jax.Array:
        self.inner(x)
        self.params["w"] *= x
        return self.params["w"].sum()


def test_module_instance_compiles_call_and_forwards_attributes() -> None:
    net = Counter()
    model = rt.jit(net)
    assert isinstance(model, rt.JitModule)
    out = model(jnp.array(5.0))
    assert int(out) == 2 and int(model.n) == 2 and model.n is net.n
    assert model.step == 2 and model.module is net
    assert list(model.vars()) == ["n", "history[0]"]
    model.step = 1  # forwarded to the Module (read when next traced)
    assert net.step == 1
    model.reset()  # other methods run eagerly, on the same state
    assert int(net.n) == 0


def test_sub_modules_and_containers() -> None:
    net = Outer()
    model = rt.jit(net)
    out = model(jnp.array(2.0))
    assert float(out) == 6.0
    np.testing.assert_array_equal(net.params["w"].value, [2.0, 2.0, 2.0])
    assert int(net.inner.n) == 2
    np.testing.assert_array_equal(net.inner.history[0].value, [0.0, 0.0, 2.0])


def test_bound_method() -> None:
    net = Counter()

    def set_to(self: Counter, value: jax.Array) -> None:
        self.n.value = value

    Counter.set_to = set_to  # type: ignore[attr-defined]
    try:
        f = rt.jit(net.set_to)  # type: ignore[attr-defined]
        f(jnp.array(7, jnp.int32))
        assert int(net.n) == 7
    finally:
        del Counter.set_to  # type: ignore[attr-defined]


def test_method_decorated_in_class_body() -> None:
    class Acc(rt.Module):
        def __init__(self) -> None:
            self.s = rt.Variable(jnp.zeros(()))

        @rt.jit
        def add(self, x: jax.Array) -> jax.Array:
            self.s += x
            return self.s

    a, b = Acc(), Acc()
    a.add(1.0)
    a.add(2.0)
    b.add(5.0)
    assert float(a.s) == 3.0 and float(b.s) == 5.0


def test_variables_passed_as_arguments() -> None:
    @rt.jit
    def push(v: rt.Variable, x: jax.Array) -> None:
        v.value = v * 2 + x

    a = rt.Variable(jnp.ones(2))
    b = rt.Variable(jnp.zeros(2))
    push(a, jnp.ones(2))
    push(b, jnp.ones(2))
    push(a, jnp.ones(2))
    np.testing.assert_array_equal(a.value, [7.0, 7.0])
    np.testing.assert_array_equal(b.value, [1.0, 1.0])
    push(v=b, x=jnp.ones(2))  # keyword too
    np.testing.assert_array_equal(b.value, [3.0, 3.0])


def test_variable_argument_aliasing_a_global() -> None:
    g = rt.Variable(jnp.array(1.0))

    @rt.jit
    def f(v: rt.Variable) -> None:
        v.value = v + 1
        g.value = g * 10  # the same Variable, reached another way

    f(g)
    assert float(g) == 20.0


def test_variables_inside_container_arguments_and_module_arguments() -> None:
    @rt.jit
    def swap(pair: list[rt.Variable]) -> None:
        a, b = pair
        a.value, b.value = b.value, a.value

    x, y = rt.Variable(jnp.array(1.0)), rt.Variable(jnp.array(2.0))
    swap([x, y])
    assert (float(x), float(y)) == (2.0, 1.0)

    @rt.jit
    def run(net: Counter, x: jax.Array) -> jax.Array:
        return net(x)

    one, two = Counter(), Counter()
    run(one, jnp.array(1.0))
    run(one, jnp.array(1.0))
    run(two, jnp.array(1.0))
    assert int(one.n) == 4 and int(two.n) == 2


def test_variables_inside_named_tuple_arguments() -> None:
    from typing import NamedTuple

    class State(NamedTuple):
        pos: rt.Variable
        vel: rt.Variable

    @rt.jit
    def move(s: State, dt: float) -> None:
        s.pos.value = s.pos + dt * s.vel

    s = State(rt.Variable(jnp.zeros(2)), rt.Variable(jnp.array([1.0, 2.0])))
    move(s, 0.5)
    move(s, 0.5)
    np.testing.assert_array_equal(s.pos.value, [1.0, 2.0])


def test_returned_variables_are_values() -> None:
    v = rt.Variable(jnp.arange(3.0))

    @rt.jit
    def f() -> tuple[rt.Variable, dict[str, rt.Variable]]:
        return v, {"v": v}

    out, tree = f()
    assert type(out) is not rt.Variable and isinstance(out, jax.Array)
    assert isinstance(tree["v"], jax.Array) and not isinstance(tree["v"], rt.Variable)
    np.testing.assert_array_equal(out, [0.0, 1.0, 2.0])


def test_only_written_variables_are_replaced() -> None:
    read_only = rt.Variable(jnp.ones(3))
    written = rt.Variable(jnp.zeros(3))
    before = read_only._value

    @rt.jit
    def f() -> None:
        written.value = read_only * 2

    f()
    assert read_only._value is before
    np.testing.assert_array_equal(written.value, [2.0, 2.0, 2.0])


def test_temporary_variables_created_inside() -> None:
    state = rt.Variable(jnp.zeros(2))

    @rt.jit
    def f(x: jax.Array) -> jax.Array:
        tmp = rt.Variable(x * 2)  # a temporary, not state
        tmp += 1
        state.value = state + tmp
        return tmp.value

    np.testing.assert_array_equal(f(jnp.ones(2)), [3.0, 3.0])
    np.testing.assert_array_equal(f(jnp.ones(2)), [3.0, 3.0])
    np.testing.assert_array_equal(state.value, [6.0, 6.0])


def test_variable_made_from_a_constant_each_call_is_a_clear_error() -> None:
    const = jnp.ones(2)

    @rt.jit
    def f() -> jax.Array:
        return rt.Variable(const) + 1  # jnp.asarray(const) is const: looks like state

    with pytest.raises(RuntimeError, match=r"create the Variable outside the function"):
        f()


def test_errors_in_the_function_leave_state_unchanged() -> None:
    v = rt.Variable(jnp.zeros(3))

    @rt.jit
    def f(x: jax.Array) -> None:
        v.value = v + 1
        v.value = x  # wrong shape

    with pytest.raises(rt.VariableShapeError, match=r"\(3,\).*\(4,\)"):
        f(jnp.ones(4))
    np.testing.assert_array_equal(v.value, jnp.zeros(3))


# -- caching -------------------------------------------------------------------------


def test_trace_counts_prove_caching() -> None:
    traces = []
    v = rt.Variable(jnp.zeros(3))
    w = rt.Variable(jnp.zeros((), jnp.int32))

    @rt.jit
    def f(x: jax.Array) -> jax.Array:
        traces.append(x.shape)
        v.value = v + x.sum()
        return x + 1

    f(jnp.ones(2))
    assert len(traces) == 2  # one trace finds v and is aborted, one compiles
    for _ in range(5):
        f(jnp.ones(2))
    assert len(traces) == 2
    f(jnp.ones(4))  # a new shape: one trace, v is already known
    assert len(traces) == 3
    f(jnp.ones(4))
    f(jnp.ones(2))
    assert len(traces) == 3
    np.testing.assert_array_equal(v.value, [22.0, 22.0, 22.0])  # 7 * 2 + 2 * 4

    @rt.jit(static_argnums=0)
    def g(flag: bool) -> None:
        traces.append(flag)
        if flag:  # a static branch that reaches a new Variable
            w.value = w + 1
        v.value = v * 0

    del traces[:]
    g(False)
    g(False)
    assert len(traces) == 2
    g(True)  # new static argument, new Variable: aborted trace, then one more
    g(True)
    assert len(traces) == 4 and int(w) == 2
    g(False)  # the Variable set grew: compiled again for it, once
    g(False)
    assert len(traces) == 5


def test_a_module_is_traced_once_on_its_first_call() -> None:
    traces = []
    outside = rt.Variable(jnp.zeros(()))  # not the Module's: found by a discovery trace

    class Net(rt.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w = rt.Variable(jnp.ones(3))
            self.steps = rt.Variable(jnp.zeros((), jnp.int32))

        def __call__(self, x: jax.Array) -> jax.Array:
            traces.append(x.shape)
            self.steps += 1
            return (self.w * x).sum()

    net = Net()
    model = rt.jit(net)
    assert float(model(jnp.ones(3))) == 3.0
    assert len(traces) == 1  # its own Variables are known before the first trace
    assert float(model(jnp.ones(3))) == 3.0 and len(traces) == 1
    assert int(net.steps) == 2

    class UsesOutside(Net):
        def __call__(self, x: jax.Array) -> jax.Array:
            traces.append(x.shape)
            outside.value = outside + 1
            return (self.w * x).sum()

    del traces[:]
    other = rt.jit(UsesOutside())
    other(jnp.ones(3))
    other(jnp.ones(3))
    assert len(traces) == 2 and float(outside) == 2.0  # one discovery trace, then cached


def test_recompiles_when_a_variable_changes_shape_along_batch_axis() -> None:
    traces = []
    buf = rt.Variable(jnp.zeros((2, 3)), batch_axis=0)

    @rt.jit
    def grow() -> jax.Array:
        traces.append(buf.shape)
        buf.value = jnp.concatenate([buf.value, jnp.ones((1, 3))])
        return buf.sum()

    assert float(grow()) == 3.0
    assert buf.shape == (3, 3)
    assert float(grow()) == 6.0
    assert buf.shape == (4, 3)
    assert traces == [(2, 3), (2, 3), (3, 3)]


def test_static_argnums_and_argnames() -> None:
    acc = rt.Variable(jnp.zeros(()))

    def f(x: jax.Array, n: int, *, mode: str = "add") -> jax.Array:
        for _ in range(n):  # Python loop over a static int
            acc.value = acc + x if mode == "add" else acc - x
        return acc.value

    by_num = rt.jit(f, static_argnums=1, static_argnames="mode")
    assert float(by_num(jnp.array(1.0), 3)) == 3.0
    assert float(by_num(jnp.array(1.0), 2, mode="sub")) == 1.0
    by_name = rt.jit(f, static_argnames=("n", "mode"))
    assert float(by_name(jnp.array(1.0), n=2)) == 3.0
    assert float(by_name(jnp.array(1.0), 1)) == 4.0  # positional too, as jax.jit

    @rt.jit(static_argnums=(0,))
    def repeat(n: int) -> jax.Array:
        return jnp.zeros(n)

    assert repeat(4).shape == (4,)


# -- eager == compiled -------------------------------------------------------------

OPS = {
    "add": lambda v, c: v + c,
    "mul": lambda v, c: v * c,
    "sin": lambda v, c: jnp.sin(v) + c,
    "max": lambda v, c: jnp.maximum(v, c),
}


@settings(max_examples=15, deadline=None)
@given(
    program=st.lists(
        st.tuples(
            st.integers(0, 2),  # target Variable
            st.integers(0, 2),  # source Variable
            st.sampled_from(sorted(OPS)),
            st.floats(-2, 2, width=32),
            st.booleans(),  # index-assign element 0 instead of the whole value
        ),
        min_size=1,
        max_size=6,
    ),
    x=st.floats(-3, 3, width=32),
)
def test_eager_and_compiled_leave_the_same_state(program: list, x: float) -> None:
    def make() -> list[rt.Variable]:
        return [rt.Variable(jnp.full(3, float(i + 1))) for i in range(3)]

    def run(vs: list[rt.Variable], x: jax.Array) -> jax.Array:
        for target, source, op, c, element in program:
            new = OPS[op](vs[source].value, c) * x
            if element:
                vs[target][0] = new[0]
            else:
                vs[target].value = new
        return vs[0].value.sum()

    eager_vars, compiled_vars = make(), make()
    eager_out = run(eager_vars, jnp.float32(x))
    compiled = rt.jit(lambda x: run(compiled_vars, x))
    compiled_out = compiled(jnp.float32(x))
    np.testing.assert_allclose(compiled_out, eager_out, rtol=1e-5, atol=1e-5)
    for e, c in zip(eager_vars, compiled_vars):
        np.testing.assert_allclose(c.value, e.value, rtol=1e-5, atol=1e-5)
    # A second call continues from the written-back state, as eager would. (Looser:
    # fused XLA code rounds sin/mul chains differently from op-by-op eager code, and
    # the second call starts from the first one's rounded state.)
    run(eager_vars, jnp.float32(x))
    compiled(jnp.float32(x))
    for e, c in zip(eager_vars, compiled_vars):
        np.testing.assert_allclose(c.value, e.value, rtol=2e-3, atol=2e-3)


def test_disable_jit_runs_eagerly_with_the_same_state() -> None:
    v = rt.Variable(jnp.zeros(2))
    seen = []

    @rt.jit
    def f(x: jax.Array) -> jax.Array:
        seen.append(type(x))
        v.value = v + x
        return v.value

    with jax.disable_jit():
        f(jnp.ones(2))
    assert all(not issubclass(t, jax.core.Tracer) for t in seen)
    f(jnp.ones(2))
    np.testing.assert_array_equal(v.value, [2.0, 2.0])


# -- composition with JAX and with itself ---------------------------------------------


def test_nested_rt_jit() -> None:
    net = Counter()
    inner = rt.jit(net)
    total = rt.Variable(jnp.zeros((), jnp.int32))

    @rt.jit
    def outer(x: jax.Array) -> jax.Array:
        n = inner(x)  # first called (and discovered) while outer traces
        total.value = total + n
        return n

    outer(jnp.array(1.0))
    outer(jnp.array(2.0))
    assert int(net.n) == 4 and int(total) == 6
    np.testing.assert_array_equal(net.history[0].value, [0.0, 2.0, 1.0])
    inner(jnp.array(3.0))  # the inner function still works alone
    assert int(net.n) == 6


def test_inside_jax_jit_reads_variables() -> None:
    w = rt.Variable(jnp.array([1.0, 2.0]))
    f = rt.jit(lambda x: w * x)
    np.testing.assert_array_equal(jax.jit(lambda x: f(x) + 1)(jnp.ones(2)), [2.0, 3.0])
    w.value = jnp.array([5.0, 5.0])
    np.testing.assert_array_equal(jax.jit(lambda x: f(x) + 1)(jnp.ones(2)), [6.0, 6.0])


def test_writing_inside_jax_jit_is_a_clear_error() -> None:
    v = rt.Variable(jnp.zeros(2))

    @rt.jit
    def f(x: jax.Array) -> None:
        v.value = v + x

    with pytest.raises(RuntimeError, match=r"inside a JAX transformation.*Compile the outer"):
        jax.jit(f)(jnp.ones(2))
    with pytest.raises(RuntimeError, match=r"writes 1 Variable\(s\) \(shape \(2,\) float32\)"):
        jax.vmap(f)(jnp.ones((3, 2)))
    np.testing.assert_array_equal(v.value, [0.0, 0.0])
    f(jnp.ones(2))  # still fine at the top level
    np.testing.assert_array_equal(v.value, [1.0, 1.0])


def test_under_vmap_and_grad() -> None:
    w = rt.Variable(jnp.array([1.0, -2.0, 3.0]))

    @rt.jit
    def loss(x: jax.Array) -> jax.Array:
        return jnp.sum(jnp.tanh(w * x) ** 2)

    def reference(x: jax.Array) -> jax.Array:
        return jnp.sum(jnp.tanh(jnp.array([1.0, -2.0, 3.0]) * x) ** 2)

    xs = jnp.linspace(-1, 1, 12).reshape(4, 3)
    np.testing.assert_allclose(jax.vmap(loss)(xs), jax.vmap(reference)(xs), rtol=1e-6)
    np.testing.assert_allclose(jax.grad(loss)(xs[0]), jax.grad(reference)(xs[0]), rtol=1e-6)
    np.testing.assert_allclose(
        jax.jit(jax.vmap(jax.grad(loss)))(xs), jax.vmap(jax.grad(reference))(xs), rtol=1e-6
    )


def test_grad_inside_rt_jit_with_respect_to_a_variable_value() -> None:
    w = rt.Variable(jnp.array([0.5, -1.0]))
    xs = jnp.array([[1.0, 2.0], [3.0, -1.0]])

    @rt.jit
    def sgd_step(lr: float) -> jax.Array:
        def loss(value: jax.Array) -> jax.Array:
            return jnp.sum((xs @ value) ** 2)

        g = jax.grad(loss)(w.value)
        w.value = w - lr * g
        return loss(w.value)

    w0 = np.array([0.5, -1.0])
    expected_w = w0 - 0.1 * (2 * np.asarray(xs).T @ (np.asarray(xs) @ w0))
    sgd_step(0.1)
    np.testing.assert_allclose(w.value, expected_w, rtol=1e-5)


def test_not_callable() -> None:
    with pytest.raises(TypeError, match="jit expects a function, method or Module, got int"):
        rt.jit(3)  # type: ignore[call-overload]

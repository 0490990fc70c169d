"""The issue's seed cases, Modules, the front doors, caching and errors."""

from __future__ import annotations

import re
import textwrap

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import autoflow
import runtime as rt
from autoflow.errors import ConversionError
from autoflow.transpile import transpile_function, transpile_module

# --- seed cases -------------------------------------------------------------


class OddEven(rt.Module):
    def __init__(self):
        super().__init__()
        self.rand = rt.Variable(rt.random.random(1))
        self.a = rt.Variable(jnp.zeros(1))

    def __call__(self):
        if self.rand < 0.5:  # plain jax.jit: TracerBoolConversionError
            self.a += 1
        else:
            self.a -= 1
        return self.a


@pytest.mark.parametrize("rand", [0.25, 0.75])
def test_odd_even_matches_eager(rand: float) -> None:
    eager, compiled_module = OddEven(), OddEven()
    eager.rand.value = jnp.array([rand])
    compiled_module.rand.value = jnp.array([rand])
    with pytest.raises(jax.errors.TracerBoolConversionError):
        rt.jit(OddEven())()  # unconverted: Python `if` on a traced value
    model = autoflow.jit(compiled_module)
    sizes = []
    for _ in range(3):
        expected = eager()
        got = model()
        np.testing.assert_allclose(np.asarray(got), np.asarray(expected))
        sizes.append(model._cache_size())
    np.testing.assert_allclose(np.asarray(model.a.value), [3.0 if rand < 0.5 else -3.0])
    assert sizes[0] == sizes[1] == sizes[2]  # no retrace after the first call


def test_odd_even_reads_values_assigned_between_calls() -> None:
    m = OddEven()
    model = autoflow.jit(m)
    m.rand.value = jnp.array([0.9])
    model()
    m.rand.value = jnp.array([0.1])
    model()
    model()
    np.testing.assert_allclose(np.asarray(m.a.value), [1.0])


class LoopSimple(rt.Module):
    def __init__(self, n: int):
        super().__init__()
        self.seq = rt.Variable(jnp.arange(n, dtype=jnp.float32))
        self.res = rt.Variable(jnp.zeros(()))

    def __call__(self):
        for s in self.seq:
            self.res += s
        return self.res


def test_loop_simple_compiles_as_one_loop() -> None:
    model = autoflow.jit(LoopSimple(1000))
    out = model()
    assert float(out) == pytest.approx(sum(range(1000)))
    # One loop primitive in the program, not 1000 unrolled additions.
    jaxpr = jax.make_jaxpr(autoflow.convert(LoopSimple(1000)))()
    text = str(jaxpr)
    assert text.count("scan") + text.count("while") >= 1
    assert len(jaxpr.eqns) < 20


def test_if_elif_chain_and_plain_ifs() -> None:
    def chain(a):
        if a > 10:
            y = 4
        elif a > 5:
            y = 3
        elif a > 0:
            y = 2
        elif a > -5:
            y = 1
        else:
            y = 0
        return y

    def plain(a):
        y = 0
        if a > 10:
            y = y + 1
        if a > 5:
            y = y + 1
        if a > 0:
            y = y + 1
        if a > -5:
            y = y + 1
        return y

    for fn in (chain, plain):
        compiled = autoflow.jit(fn)
        for a in [-7.0, -5.0, -1.0, 0.0, 3.0, 5.0, 7.0, 10.0, 12.0]:
            assert int(compiled(jnp.float32(a))) == fn(a)
    assert "rt.ifelse([a > 10, a > 5, a > 0, a > -5]" in autoflow.to_source(chain)


# --- Modules and methods ------------------------------------------------------


class Child(rt.Module):
    def __init__(self):
        self.w = rt.Variable(jnp.ones(()))

    def __call__(self, x):
        if x > 0:
            y = x * self.w
        else:
            y = -x
        return y


class Parent(rt.Module):
    def __init__(self):
        self.child = Child()
        self.count = rt.Variable(jnp.zeros((), jnp.int32))

    def __call__(self, x):
        self.count += 1
        return self.child(x) + 1

    def state(self):
        return self.count


def test_child_module_with_control_flow() -> None:
    model = autoflow.jit(Parent())
    assert float(model(jnp.float32(2.0))) == 3.0
    assert float(model(jnp.float32(-3.0))) == 4.0
    assert int(model.count.value) == 2


def test_jit_of_bound_method_returning_variable() -> None:
    p = Parent()
    step = autoflow.jit(p.__call__)
    step(jnp.float32(1.0))
    state = autoflow.jit(p.state)
    assert int(np.asarray(state())) == 1


# --- front doors ----------------------------------------------------------------


def test_jit_with_static_argnames_and_decorator_form() -> None:
    @autoflow.jit(static_argnames=("mode",))
    def f(x, mode):
        if mode == "double":
            y = x * 2
        else:
            y = x
        return y

    assert float(f(jnp.float32(3.0), mode="double")) == 6.0
    assert float(f(jnp.float32(3.0), mode="same")) == 3.0


def test_retraces_on_new_dtype_and_shape() -> None:
    def f(x):
        if x.sum() > 0:
            x = x * 2
        return x

    compiled = autoflow.jit(f)
    compiled(jnp.ones(3))
    compiled(jnp.ones(4))
    compiled(jnp.ones(3, jnp.int32))
    assert compiled._cache_size() == 3


def test_called_inside_outer_jax_jit_and_under_grad_vmap() -> None:
    def f(x):
        if x > 0:
            y = x * x
        else:
            y = -x
        return y

    compiled = autoflow.jit(f)
    assert float(jax.jit(lambda v: compiled(v) + 1)(jnp.float32(3.0))) == 10.0
    conv = autoflow.convert(f)
    assert float(jax.grad(conv)(jnp.float32(3.0))) == 6.0
    assert float(jax.grad(conv)(jnp.float32(-3.0))) == -1.0
    np.testing.assert_allclose(jax.vmap(conv)(jnp.array([-2.0, 2.0])), [2.0, 4.0])


def test_convert_runs_under_disable_jit() -> None:
    def f(x):
        if x > 0:
            x = x + 1
        return x

    with jax.disable_jit():
        assert float(autoflow.jit(f)(jnp.float32(1.0))) == 2.0


def test_conversion_is_cached_and_not_reparsed(monkeypatch: pytest.MonkeyPatch) -> None:
    def make(k):
        def g(x):
            if x > k:
                x = x - k
            return x

        return g

    g1, g2 = make(1.0), make(2.0)
    autoflow.convert(g1)
    import autoflow.transpile as transpile

    calls = []
    monkeypatch.setattr(transpile, "transpile_function", lambda *a, **k: calls.append(a))
    assert autoflow.convert(g1) is autoflow.convert(g1)
    assert float(autoflow.convert(g2)(jnp.float32(5.0))) == 3.0  # same code object: no parse
    autoflow.jit(g1)
    assert calls == []


def test_equal_code_in_modules_that_differ_is_converted_apart(tmp_path) -> None:
    # The same function at the same line in two files: equal code objects. Module b
    # rebinds `range` (so its loop must use b's range) and `print` (so the call must
    # reach b's print), and the error notes must name each function's own file.
    body = "def f(x):\n    s = x * 0\n    for i in range(3):\n        s = s + i\n    print(s)\n    return s\n"
    (tmp_path / "twin_a.py").write_text("PAD = 0\nPAD2 = 0\n" + body)
    (tmp_path / "twin_b.py").write_text(
        "range = lambda n: [10, 20]\nprint = lambda *a: None\n" + body
    )
    import importlib.util

    def load(name):
        spec = importlib.util.spec_from_file_location(name, tmp_path / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    a, b = load("twin_a"), load("twin_b")
    assert a.f.__code__ == b.f.__code__
    assert float(autoflow.convert(a.f)(jnp.float32(1.0))) == a.f(1.0) == 3.0
    assert float(autoflow.convert(b.f)(jnp.float32(1.0))) == b.f(1.0) == 30.0
    assert "twin_b.py" in autoflow.api._conversion(b.f).source_map.filename


def test_global_rebinding_is_seen() -> None:
    src = textwrap.dedent(
        """
        SCALE = 2.0
        def f(x):
            if x > 0:
                x = x * SCALE
            return x
        """
    )

    # A real file is needed for inspect; write one.
    import importlib.util
    import os
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as fh:
        fh.write(src)
    try:
        spec = importlib.util.spec_from_file_location("rebinding_mod", fh.name)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        conv = autoflow.convert(mod.f)
        assert float(conv(jnp.float32(1.0))) == 2.0
        mod.SCALE = 10.0
        assert float(conv(jnp.float32(1.0))) == 10.0
    finally:
        os.unlink(fh.name)


def test_user_exception_keeps_class_and_gets_note() -> None:
    class Oops(Exception):
        pass

    def f(x, fail):
        if fail:
            raise Oops("boom")
        return x

    with pytest.raises(Oops) as info:
        autoflow.convert(f)(1.0, True)
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert "in user code" in notes and __file__ in notes
    line = f.__code__.co_firstlineno + 2
    assert f"line {line}" in notes


def test_branch_mismatch_is_an_error_with_user_line() -> None:
    def f(x):
        if x > 0:
            acc = x
        return acc

    with pytest.raises((rt.BranchMismatchError, NameError)) as info:
        autoflow.jit(f)(jnp.float32(1.0))
    assert "acc" in str(info.value)
    assert "in user code" in "\n".join(getattr(info.value, "__notes__", []))


def test_to_source_is_clean() -> None:
    def f(x):
        y = helper(x)
        if y > 0:
            y = helper(y)
        return y

    src = autoflow.to_source(f)
    assert "__autoflow" not in src and "rt.ifelse" in src
    assert src.startswith("def f(x):")


def helper(v):
    return v + 1


def test_do_not_convert() -> None:
    @autoflow.do_not_convert
    def f(x):
        if x > 0:
            x = x + 1
        return x

    assert autoflow.convert(f) is f


def test_generator_is_a_conversion_error() -> None:
    def gen(xs):
        for x in xs:  # noqa: UP028 - a generator on purpose
            yield x

    with pytest.raises(ConversionError, match="generator") as info:
        autoflow.convert(gen)
    assert f"{__file__}:" in str(info.value)


# --- conversion errors ------------------------------------------------------------


def test_syntax_error_is_a_conversion_error_with_caret() -> None:
    with pytest.raises(ConversionError) as info:
        transpile_module("def f(x):\n    if x >\n        pass\n", "model.py")
    text = str(info.value)
    assert re.match(r"model\.py:[23]:\d+: error: invalid syntax", text)
    assert "^" in text and "hint:" in text


def test_transpile_function_needs_one_def() -> None:
    with pytest.raises(ConversionError, match="exactly one function"):
        transpile_function("x = 1\n", "m.py", 10)


def test_report_lists_converted_and_kept() -> None:
    src = textwrap.dedent(
        """\
        def f(xs, n):
            global g
            for x in xs:
                g = x
            s = 0
            while n > 0:
                n = n - 1
            if s:
                s = 1
            elif n:
                s = 2
            return s
        """
    )
    report = transpile_module(src, "m.py").report
    got = [(e.line, e.construct, e.outcome, e.detail.split(" ")[0]) for e in report]
    assert got == [
        (3, "for", "kept", "assigns"),
        (6, "while", "converted", "rt.while_loop"),
        (8, "if", "converted", "rt.ifelse"),
        (10, "elif", "converted", "rt.ifelse"),
    ]

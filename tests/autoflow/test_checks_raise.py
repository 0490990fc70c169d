"""``raise`` and ``assert`` on traced values: checked at run time, raising the user's class.

Each test compares with eager Python: the compiled function raises exactly
when the original raises (same class, same message), and returns the same
value otherwise.
"""

from __future__ import annotations

import importlib
import inspect
import sys
import textwrap
from pathlib import Path

import jax
import jax.numpy as jnp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autoflow
import runtime as rt

_FILE = __file__.rsplit("/", 1)[-1]


class TooBig(ValueError):
    pass


def _line_of(fn: object, text: str) -> int:
    lines, first = inspect.getsourcelines(fn)  # type: ignore[arg-type]
    return first + next(i for i, line in enumerate(lines) if text in line)


def guarded(x):
    if x > 2:
        raise TooBig("x is too big")
    elif x < -2:
        raise KeyError("too small")
    return x * 3


def nested(x, y):
    if x > 0:
        if y > 0:
            raise TooBig("both positive")
        x = x + y
    return x


def asserted(x):
    assert x < 5, "x must stay below 5"
    return x + 1


def _outcome(fn, *args):  # type: ignore[no-untyped-def]
    try:
        return ("value", float(fn(*args)))
    except Exception as exc:  # noqa: BLE001 - comparing what eager and compiled raise
        return ("raised", type(exc), str(exc).split("\n")[0])


@settings(max_examples=25, deadline=None)
@given(st.integers(-4, 4))
def test_raise_in_traced_branch_matches_eager(k: int) -> None:
    compiled = autoflow.jit(guarded)
    expected = _outcome(guarded, float(k))
    assert _outcome(compiled, jnp.asarray(float(k))) == expected
    assert _outcome(autoflow.convert(guarded), float(k)) == expected


def test_raise_in_traced_branch_is_reraised_with_cause_and_location() -> None:
    compiled = autoflow.jit(guarded)
    assert float(compiled(jnp.asarray(1.0))) == 3.0  # untaken raise: nothing at trace time
    with pytest.raises(TooBig, match="x is too big") as info:
        compiled(jnp.asarray(3.0))
    assert isinstance(info.value.__cause__, jax.errors.JaxRuntimeError)
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert f"{_FILE}:{_line_of(guarded, 'raise TooBig')}" in notes
    # The compiled function is still usable after a failed check.
    assert float(compiled(jnp.asarray(-1.0))) == -3.0


@settings(max_examples=20, deadline=None)
@given(st.integers(-2, 2), st.integers(-2, 2))
def test_nested_traced_branches_raise_only_when_all_taken(x: int, y: int) -> None:
    expected = _outcome(nested, float(x), float(y))
    assert _outcome(autoflow.jit(nested), jnp.asarray(float(x)), jnp.asarray(float(y))) == expected


def test_raise_under_vmap_follows_each_element() -> None:
    batched = jax.jit(jax.vmap(autoflow.convert(nested)))
    xs = jnp.asarray([1.0, -1.0, 1.0])
    ys = jnp.asarray([-1.0, 1.0, -2.0])  # the inner raise is never taken
    assert batched(xs, ys).tolist() == [nested(float(a), float(b)) for a, b in zip(xs, ys)]
    with pytest.raises(jax.errors.JaxRuntimeError, match="both positive"):
        batched(xs, jnp.asarray([-1.0, 1.0, 2.0])).block_until_ready()


def test_raise_on_static_path_propagates_at_trace_time() -> None:
    def f(x, strict):
        if strict:
            raise TooBig("strict mode")
        return x

    compiled = autoflow.jit(f, static_argnums=1)
    with pytest.raises(TooBig, match="strict mode") as info:
        compiled(jnp.asarray(1.0), True)
    assert info.value.__cause__ is None  # raised while tracing, not by a check
    assert float(compiled(jnp.asarray(1.0), False)) == 1.0


def test_raise_from_keeps_the_cause() -> None:
    def f(x):
        if x > 0:
            raise TooBig("chained") from KeyError("root")
        return x

    with pytest.raises(TooBig) as eager:
        autoflow.convert(f)(1.0)
    assert isinstance(eager.value.__cause__, KeyError)
    assert float(autoflow.jit(f)(jnp.asarray(-1.0))) == -1.0
    with pytest.raises(TooBig, match="chained"):
        autoflow.jit(f)(jnp.asarray(1.0))


def test_raise_inside_try_stays_python() -> None:
    def f(x):
        if x > 0:
            try:
                raise KeyError("caught")
            except KeyError:
                x = x + 1
        return x

    source = autoflow.to_source(f)
    assert "rt.raise_" not in source and "raise KeyError" in source
    assert autoflow.convert(f)(1.0) == f(1.0)


def test_failed_assert_under_jit_is_an_assertion_error() -> None:
    compiled = autoflow.jit(asserted)
    assert float(compiled(jnp.asarray(1.0))) == 2.0
    with pytest.raises(AssertionError, match="x must stay below 5") as info:
        compiled(jnp.asarray(7.0))
    assert f"{_FILE}:{_line_of(asserted, 'assert x < 5')}" in str(info.value)
    assert isinstance(info.value.__cause__, jax.errors.JaxRuntimeError)


def test_failed_rt_assert_under_rt_jit_is_an_assertion_error() -> None:
    @rt.jit
    def f(x):
        rt.assert_(x > 0, lambda: "needs a positive x", "model.py:3")
        return x

    with pytest.raises(AssertionError, match="needs a positive x"):
        f(jnp.asarray(-1.0))


# -- runtime_checks ----------------------------------------------------------------


def _callbacks(fn, *args) -> int:  # type: ignore[no-untyped-def]
    """How many host callbacks the traced program holds (one equation each)."""
    return str(jax.make_jaxpr(fn)(*args)).count("debug_callback[")


def test_runtime_checks_default_compiles_callbacks() -> None:
    assert _callbacks(autoflow.convert(guarded), 1.0) == 2
    assert _callbacks(autoflow.convert(asserted), 1.0) == 1


def test_runtime_checks_false_drops_them() -> None:
    assert _callbacks(autoflow.convert(guarded, runtime_checks=False), 1.0) == 0
    assert _callbacks(autoflow.convert(asserted, runtime_checks=False), 1.0) == 0
    unchecked = autoflow.jit(guarded, runtime_checks=False)
    assert float(unchecked(jnp.asarray(3.0))) == 9.0  # the check is gone: no raise
    lowered = jax.jit(autoflow.convert(asserted, runtime_checks=False)).lower(1.0).as_text()
    assert "callback" not in lowered
    # The checked conversion of the same function is unaffected (separate caches).
    with pytest.raises(TooBig):
        autoflow.jit(guarded)(jnp.asarray(3.0))


def test_runtime_checks_false_keeps_static_checks_and_reaches_callees() -> None:
    def callee(x):
        assert x < 5, "callee check"
        return x

    def caller(x):
        return callee(x) + 1

    assert _callbacks(autoflow.convert(caller), 1.0) == 1
    assert _callbacks(autoflow.convert(caller, runtime_checks=False), 1.0) == 0
    with pytest.raises(AssertionError, match="callee check"):
        autoflow.convert(caller, runtime_checks=False)(7.0)  # concrete: Python's assert


# -- recursive conversion across user modules --------------------------------------


def test_callee_in_another_user_module_is_converted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module_name = "autoflow_helper_mod_for_checks"
    (tmp_path / f"{module_name}.py").write_text(
        textwrap.dedent(
            """
            def clip_sum(xs, limit):
                total = 0.0
                for x in xs:
                    if x > limit:
                        total = total + limit
                    else:
                        total = total + x
                return total
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    helper = importlib.import_module(module_name)
    try:

        def model(xs, limit):
            s = helper.clip_sum(xs, limit)
            if s > 1.0:
                s = s * 2
            return s

        compiled = autoflow.jit(model)
        for xs, limit in (([0.5, 2.0, -1.0], 1.0), ([3.0, 3.0], 0.25), ([0.1], 5.0)):
            expected = model(xs, limit)
            got = compiled(jnp.asarray(xs), jnp.asarray(limit))
            assert float(got) == pytest.approx(expected, rel=1e-6)
        # Unconverted, the callee's `if` on a traced value cannot compile.
        with pytest.raises(jax.errors.TracerBoolConversionError):
            jax.jit(helper.clip_sum)(jnp.asarray([1.0]), jnp.asarray(0.5))
    finally:
        sys.modules.pop(module_name, None)


def else_binds(x):
    if x < 0:
        raise TooBig("negative")
    else:
        y = jnp.sqrt(x)
    return y + 1


@settings(max_examples=15, deadline=None)
@given(st.integers(-3, 3))
def test_name_bound_only_where_no_raise_matches_eager(k: int) -> None:
    # Every path that completes binds y: eager Python never sees it unbound.
    expected = _outcome(else_binds, jnp.asarray(float(k)))
    assert _outcome(autoflow.jit(else_binds), jnp.asarray(float(k))) == expected

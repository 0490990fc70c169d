"""Generated names never clash: with the user's names, with each other, with ``rt``.

* ``NameGenerator``: numbered per top-level function, skipping every
  identifier of the source and every name an earlier pass gave in the same
  function.
* The runtime's name: ``rt``, unless the module (``autoflow transpile``) or
  the function (``autoflow.convert``) binds ``rt`` to something else; then
  ``rt_`` (``rt__``, ...), and the user's ``rt`` keeps its meaning. Checked
  by running the transpiled module against the original, eagerly and under
  ``jax.jit``.
"""

from __future__ import annotations

import re
import types
from typing import Any

import jax
import jax.numpy as jnp
import libcst as cst
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autoflow
from autoflow.naming import NameGenerator, runtime_alias
from autoflow.transpile import transpile_function, transpile_module

# -- NameGenerator -------------------------------------------------------------


def test_names_skip_user_identifiers() -> None:
    names = NameGenerator({"_if_true_1", "_if_true_1_"})
    names.start_pass()
    names.reset_counters()
    assert names.name("_if_true", names.number("if")) == "_if_true_1__"


def test_same_key_same_name_within_a_pass() -> None:
    names = NameGenerator()
    names.start_pass()
    names.reset_counters()
    n = names.number("loop")
    assert names.name("_loop_body", n) == names.name("_loop_body", n) == "_loop_body_1"


def test_a_later_pass_does_not_reuse_an_earlier_pass_name_in_the_same_function() -> None:
    names = NameGenerator()
    names.start_pass()  # loop_exits: a `for` with `break`
    names.reset_counters()
    first = names.name("_item", names.number("break"))
    names.start_pass()  # loops: a plain `for` in the same function
    names.reset_counters()
    second = names.name("_item", names.number("loop"))
    assert (first, second) == ("_item_1", "_item_1_")


def test_numbers_restart_per_function_and_unnumbered_names_are_shared_by_passes() -> None:
    names = NameGenerator()
    names.start_pass()
    names.reset_counters()
    assert names.name("self_count") == "self_count"
    names.reset_counters()  # the next top-level function
    assert names.name("_if_true", names.number("if")) == "_if_true_1"
    names.start_pass()
    names.reset_counters()
    assert names.name("self_count") == "self_count"  # carries the same attribute
    assert names.is_generated("self_count") and not names.is_generated("x")


def test_two_passes_give_one_function_distinct_helper_names() -> None:
    source = (
        "def f(pairs, more):\n"
        "    s = 0.0\n"
        "    for (a, b) in pairs:\n"
        "        if a > 5:\n"
        "            break\n"
        "        s = s + a * b\n"
        "    for (c, d) in more:\n"
        "        s = s + c - d\n"
        "    return s\n"
    )
    code = transpile_module(source).code
    defs = re.findall(r"def (\w+)\(([^)]*)\)", code)
    helpers = [name for name, _ in defs if name != "f"]
    assert len(helpers) == len(set(helpers)), code
    first_params = [params.split(", ")[0] for name, params in defs if name.startswith(("_for_body", "_loop_body"))]
    assert len(first_params) == 2 and len(set(first_params)) == 2, code


# -- choosing the runtime's name -------------------------------------------------


def _alias(source: str, reads_are_runtime: bool = False, avoid: frozenset[str] = frozenset()) -> str:
    module = cst.parse_module(source)
    return runtime_alias(
        module, set(re.findall(r"\w+", source)), reads_are_runtime=reads_are_runtime, avoid=avoid
    )


@pytest.mark.parametrize(
    "source, expected",
    [
        ("x = 1\n", "rt"),
        ("import runtime as rt\ny = rt.where(1, 2, 3)\n", "rt"),
        ("s = 'rt'  # rt in a string and a comment\n", "rt"),
        ("obj.rt = 1\nf(rt=2)\n", "rt"),  # an attribute and a keyword are not the name
        ("rt = 3\n", "rt_"),
        ("import foo as rt\n", "rt_"),
        ("from foo import rt\n", "rt_"),
        ("import rt\n", "rt_"),
        ("def f(rt):\n    return rt\n", "rt_"),
        ("def f():\n    for rt in x:\n        pass\n", "rt_"),
        ("def f():\n    with g() as (a, rt):\n        pass\n", "rt_"),
        ("def rt():\n    pass\n", "rt_"),
        ("y = [rt for rt in x]\n", "rt_"),
        ("import runtime as rt\ndef f(rt):\n    pass\n", "rt_"),  # the runtime import, and a parameter
        ("y = rt.x\n", "rt_"),  # read, never imported: someone else's rt
        ("rt = 3\nrt_ = 4\n", "rt__"),
        ("rt = 3\nimport runtime as rt_\n", "rt_"),
    ],
)
def test_runtime_alias_of_a_module(source: str, expected: str) -> None:
    assert _alias(source) == expected


def test_runtime_alias_of_a_function() -> None:
    reads = "def f(x):\n    return rt.where(x, 1, 2)\n"
    assert _alias(reads, reads_are_runtime=True) == "rt"  # the caller vouches for the global
    assert _alias(reads, reads_are_runtime=True, avoid=frozenset({"rt"})) == "rt_"
    assert _alias("def f(x, rt):\n    return rt\n", reads_are_runtime=True) == "rt_"


# -- transpiled modules run like the original -------------------------------------

MODULES = {
    "global rt": '''
rt = 3.0


def f(x):
    if x > 0:
        y = x * rt
    else:
        y = -x
    while y > 10.0:
        y = y - rt
    return y
''',
    "local rt": '''
def f(x):
    rt = 0.0
    for i in range(4):
        if x > i:
            rt = rt + x
        else:
            rt = rt - 1.0
    return rt
''',
    "imported as rt": '''
import jax.numpy as rt


def f(x):
    y = x
    if x > 1.0:
        y = rt.sqrt(x)
    return y if y > 2.0 else y + rt.abs(x)
''',
    "parameter rt": '''
import runtime as rt


def g(x, rt):
    if x > 0:
        x = x * rt
    return x


def f(x):
    z = rt.where(x > 0, x, 0.0)
    return g(x, 2.0) + z
''',
}


def _load(source: str, name: str) -> types.ModuleType:
    module = types.ModuleType(name)
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)  # noqa: S102 - test modules
    return module


@pytest.mark.parametrize("case", sorted(MODULES))
def test_transpiled_module_never_clobbers_the_users_rt(case: str) -> None:
    source = MODULES[case]
    code = transpile_module(source, f"{case}.py").code
    assert "import runtime as rt_" in code.splitlines(), code
    # Generated calls use the alias, never the user's rt ...
    assert "rt_.ifelse(" in code
    assert re.search(r"\brt\.(?:ifelse|while_loop|for_each|Undefined|ifexp|range)\(", code) is None, code
    # ... and the user's own lines come back as written.
    for line in source.splitlines():
        if line.strip().startswith(("rt =", "import", "z = rt.where", "def g(x, rt)")):
            assert line in code.splitlines()


@settings(max_examples=15, deadline=None)
@given(x=st.floats(-20.0, 20.0, allow_nan=False, allow_subnormal=False, width=32))
@pytest.mark.parametrize("case", sorted(MODULES))
def test_transpiled_module_computes_what_the_original_computes(case: str, x: float) -> None:
    source = MODULES[case]
    original = _load(source, "original")
    converted = _load(transpile_module(source, f"{case}.py").code, "converted")
    expected = original.f(x)
    np.testing.assert_allclose(np.asarray(converted.f(x)), np.asarray(expected), rtol=1e-5, atol=1e-5)
    compiled = _compiled(case, converted)
    np.testing.assert_allclose(
        np.asarray(compiled(jnp.float32(x))), np.asarray(expected), rtol=1e-5, atol=1e-5
    )


_COMPILED: dict[str, Any] = {}


def _compiled(case: str, module: types.ModuleType) -> Any:
    if case not in _COMPILED:
        _COMPILED[case] = jax.jit(module.f)
    return _COMPILED[case]


# -- autoflow.convert / jit: the function's own globals and closure ----------------
# These need autoflow/api.py to bind FunctionResult.runtime_name (not "rt") in the
# factory it execs, and to pass `avoid` (closure names, globals that are not the
# runtime) to transpile_function. Strict xfails: they fail loudly once that lands.

rt = 3.0  # a global the converted functions read, as the user's module might


def _reads_global_rt(x: Any) -> Any:
    if x > 0:
        y = x * rt
    else:
        y = -x
    return y


def _parameter_rt(x: Any, rt: Any) -> Any:
    if x > 0:
        y = x * rt
    else:
        y = -x
    return y


def _closure_rt() -> Any:
    rt = 5.0

    def inner(x: Any) -> Any:
        if x > 0:
            y = x * rt
        else:
            y = -x
        return y

    return inner


def test_transpile_function_avoids_the_names_it_is_told() -> None:
    source = "def f(x):\n    if x > 0:\n        y = x * rt\n    else:\n        y = -x\n    return y\n"
    result = transpile_function(source, avoid=frozenset({"rt"}))
    assert result.runtime_name == "rt_"
    assert "rt_.ifelse(" in result.code and "y = x * rt\n" in result.code
    param = transpile_function("def f(x, rt):\n    if x > 0:\n        x = x * rt\n    return x\n")
    assert param.runtime_name == "rt_" and "rt_.ifelse(" in param.code


@pytest.mark.parametrize("x", [2.0, 0.5])
def test_convert_reads_the_users_global_rt(x: float) -> None:
    assert autoflow.convert(_reads_global_rt)(x) == _reads_global_rt(x)
    assert float(autoflow.jit(_reads_global_rt)(jnp.float32(x))) == _reads_global_rt(x)


@pytest.mark.parametrize("x", [2.0, 0.5])
def test_convert_function_with_a_parameter_named_rt(x: float) -> None:
    assert autoflow.convert(_parameter_rt)(x, 4.0) == _parameter_rt(x, 4.0)
    assert float(autoflow.jit(_parameter_rt)(jnp.float32(x), 4.0)) == _parameter_rt(x, 4.0)


@pytest.mark.parametrize("x", [2.0, 0.5])
def test_convert_closure_over_rt(x: float) -> None:
    fn = _closure_rt()
    assert autoflow.convert(fn)(x) == fn(x)


def test_convert_leaves_the_users_global_rt_alone() -> None:
    before = globals()["rt"]
    autoflow.convert(_reads_global_rt)(2.0)
    assert globals()["rt"] is before


@pytest.mark.parametrize("x", [2.0, -0.5])
def test_converted_lambdas_read_the_users_rt(x: float) -> None:
    scale = 3.0
    rt = scale  # a closure named rt, next to the global rt of this module

    def apply(g: Any, value: float) -> Any:
        return g(value)

    def caller(value: Any) -> Any:
        return apply(lambda v: v * rt, value)

    assert autoflow.convert(caller)(x) == caller(x)

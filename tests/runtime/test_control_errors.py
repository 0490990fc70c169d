"""Bad input to the control-flow functions: each a clear error, checked by its message."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import pytest

import runtime as rt


def _traced(fn):
    """Run ``fn(x)`` with a traced x."""
    return jax.jit(fn)(jnp.float32(1.0))


# -- ifelse -----------------------------------------------------------------------------


def test_mismatched_branch_shapes_name_the_leaf_and_branches():
    def if_true(y, z):
        return y, jnp.ones(3)

    def if_false(y, z):
        return y, jnp.ones(4)

    with pytest.raises(rt.BranchMismatchError) as info:
        _traced(lambda x: rt.ifelse(x > 0, (if_true, if_false), (x, x)))
    msg = str(info.value)
    assert "output[1] ('z')" in msg
    assert "branch 0: float32[3]" in msg and "branch 1: float32[4]" in msg
    assert "  * " in msg and "See docs/errors.md#branch-mismatch" in msg


def test_mismatched_branch_structures_name_both_branches():
    def if_true():
        return 1.0, 2.0

    def if_false():
        return 1.0

    with pytest.raises(rt.BranchMismatchError) as info:
        _traced(lambda x: rt.ifelse(x > 0, (if_true, if_false)))
    msg = str(info.value)
    assert "branch 0 (`" in msg and "if_true" in msg and "if_false" in msg
    assert "PyTreeDef((*, *))" in msg and "same structure" in msg
    assert f"{__file__}:{if_true.__code__.co_firstlineno}" in msg


def test_undefined_on_one_side_names_the_variable():
    def if_true(y):
        return (y,)

    def if_false(y):
        y = 2.0
        return (y,)

    # 'y' has no value after the traced if: an error where it is used, as in Python
    (y,) = _traced(lambda x: rt.ifelse(x > 0, (if_true, if_false), (rt.Undefined("y"),)))
    with pytest.raises(
        rt.UndefinedValueError, match=r"'y' is assigned in branch 1.*not in branch 0"
    ):
        y + 1
    # a concrete predicate just runs Python: no error when the defined side is taken
    assert rt.ifelse(False, (if_true, if_false), (rt.Undefined("y"),)) == (2.0,)


def test_using_undefined_raises_name_error_naming_it():
    y = rt.Undefined("y")
    for use in (lambda: y + 1, lambda: 1 - y, lambda: bool(y), lambda: y[0], lambda: jnp.sin(y)):
        with pytest.raises(NameError, match="'y'"):
            use()
    with pytest.raises(UnboundLocalError, match="cannot access local variable 'y'"):
        y.shape  # noqa: B018
    assert repr(y) == "Undefined('y')"


def test_non_callable_branch_is_a_type_error_naming_ifelse():
    with pytest.raises(TypeError, match=r"ifelse: branch 1 must be a callable or a value.*str"):
        rt.ifelse(True, (lambda: 1, "two"))
    with pytest.raises(TypeError, match="ifelse: branches must be a list or tuple"):
        rt.ifelse(True, lambda: 1)


def test_wrong_number_of_branches():
    with pytest.raises(TypeError, match=r"ifelse: 3 predicate\(s\) need 4 branches .* got 3"):
        rt.ifelse([True, False, True], (1, 2, 3))
    with pytest.raises(TypeError, match=r"ifelse: 1 predicate\(s\) need 2 branches"):
        rt.ifelse(True, (1,))


def test_predicate_of_size_greater_than_one():
    with pytest.raises(
        TypeError, match=r"ifelse: predicate 0 must be a scalar.*shape \(3,\).*jnp.any"
    ):
        rt.ifelse(jnp.ones(3) > 0, (1, 2))
    with pytest.raises(TypeError, match=r"shape \(2,\)"):
        _traced(lambda x: rt.ifelse(jnp.stack([x, x]) > 0, (1, 2)))
    with pytest.raises(TypeError, match=r"while_loop: cond_fun's result must be a scalar"):
        rt.while_loop(lambda x: x, lambda x: x > 0, jnp.ones(2))


# -- loops ------------------------------------------------------------------------------


def test_carry_shape_change_names_the_position():
    def body(i, total):
        return i + 1, jnp.append(total, i)

    with pytest.raises(rt.LoopCarryError) as info:
        _traced(lambda x: rt.while_loop(body, lambda i, total: i < x, (0, jnp.zeros(1))))
    msg = str(info.value)
    assert "carried value 1 ('total')" in msg
    assert "float32[1] before, float32[2] after" in msg
    assert "body" in msg and "See docs/errors.md#loop-carry" in msg

    def for_body(x, acc):
        return (jnp.concatenate([acc, acc]),)

    with pytest.raises(rt.LoopCarryError, match=r"carried value 0 \('acc'\)"):
        jax.jit(lambda xs: rt.for_each(for_body, xs, (jnp.zeros(2),)))(jnp.ones(3))


def test_carry_structure_change_names_the_position():
    def body(x, pair):
        return ((pair, pair),)

    with pytest.raises(rt.LoopCarryError, match=r"carried value 0 \('pair'\)"):
        jax.jit(lambda xs: rt.for_each(body, xs, ((1.0, 2.0),)))(jnp.ones(3))


def test_body_returning_the_wrong_number_of_values():
    with pytest.raises(TypeError, match=r"while_loop: body_fun .* must return a tuple of 2 values"):
        rt.while_loop(lambda a, b: (a,), lambda a, b: a < 3, (0, 0))
    with pytest.raises(TypeError, match=r"for_each: body_fun .* must return a tuple of 2"):
        rt.for_each(lambda x, a, b: (a, b, x), [1, 2], (0, 0))


def test_cond_fun_must_not_write_variables():
    v = rt.Variable(jnp.zeros(()))

    def cond(i):
        v.value += 1
        return i < 3

    with pytest.raises(TypeError, match="while_loop: cond_fun .* writes Variables"):
        jax.jit(lambda n: rt.while_loop(lambda i: i + 1, lambda i: cond(i) & (i < n), 0))(3)


def test_bad_arguments_name_the_function():
    with pytest.raises(TypeError, match="while_loop: body_fun must be callable"):
        rt.while_loop(1, lambda: True)
    with pytest.raises(TypeError, match="while_loop: cond_fun must be callable"):
        rt.while_loop(lambda: None, True)
    with pytest.raises(TypeError, match="for_loop: body_fun must be callable"):
        rt.for_loop(None, jnp.ones(3))
    with pytest.raises(
        ValueError, match=r"for_loop: operands have different leading sizes \[2, 3\]"
    ):
        rt.for_loop(lambda a, b: a, (jnp.ones(3), jnp.ones(2)))
    with pytest.raises(
        TypeError, match="for_loop: every operand must be an array with a leading axis"
    ):
        rt.for_loop(lambda a: a, jnp.float32(1.0))
    with pytest.raises(TypeError, match="for_each: state must be a tuple"):
        rt.for_each(lambda x, s: s, [1], 0)

"""Functions for the equivalence tests: plain Python, as users write it.

Each ``@case(...)`` lists a Hypothesis strategy per argument. Values are
multiples of 1/4 so float32 arithmetic is exact and a comparison cannot flip
between eager and compiled runs. ``static`` names arguments compiled as static;
``jit=False`` marks functions that only run eagerly or under ``convert``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import hypothesis.strategies as st
import jax.numpy as jnp
import numpy as np

import autoflow

N = 5
_quarters = st.integers(-40, 40).map(lambda k: k / 4)
vec = st.lists(_quarters, min_size=N, max_size=N).map(lambda v: jnp.asarray(v, jnp.float32))
mat = st.lists(_quarters, min_size=3 * N, max_size=3 * N).map(
    lambda v: jnp.asarray(v, jnp.float32).reshape(3, N)
)
scalar = _quarters.map(lambda v: jnp.asarray(v, jnp.float32))
size1 = _quarters.map(lambda v: jnp.asarray([v], jnp.float32))
count = st.integers(0, N).map(lambda k: jnp.asarray(k, jnp.int32))
small_int = st.integers(0, N)
pyfloat = _quarters


@dataclass
class Case:
    fn: Callable[..., Any]
    args: tuple[st.SearchStrategy[Any], ...]
    static: tuple[int, ...] = ()
    kwargs: dict[str, st.SearchStrategy[Any]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.fn.__name__


CORPUS: list[Case] = []


def case(*args: st.SearchStrategy[Any], static: tuple[int, ...] = (), **kwargs: st.SearchStrategy[Any]):  # type: ignore[no-untyped-def]
    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        CORPUS.append(Case(fn, args, static, kwargs))
        return fn

    return register


# --- if / elif / else ------------------------------------------------------


@case(scalar)
def if_else(x):
    if x > 0:
        y = x * 2
    else:
        y = -x
    return y


@case(scalar)
def if_without_else(x):
    y = x
    if x > 1:
        y = y + 10
    return y


@case(size1)
def size1_predicate(x):
    if x < 0.5:
        x = x + 1
    else:
        x = x - 1
    return x


@case(scalar)
def elif_chain(a):
    if a > 10:
        y = 4.0
    elif a > 5:
        y = 3.0
    elif a > 0:
        y = 2.0
    elif a > -5:
        y = 1.0
    else:
        y = 0.0
    return y


@case(scalar)
def plain_ifs(a):
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


@case(scalar, scalar)
def nested_ifs(x, y):
    if x > 0:
        if y > 0:
            r = x + y
        else:
            r = x - y
    else:
        if y > x:
            r = y
        else:
            r = -x
    return r


@case(scalar)
def scalar_vs_traced(x):
    if x > 0:
        y = 2.0
    else:
        y = x * 2
    return y


@case(scalar)
def int_vs_float_branch(x):
    if x > 0:
        y = 1
    else:
        y = x + 0.5
    return y


@case(scalar, scalar)
def two_carried(x, y):
    a = x
    b = y
    if x > y:
        a = y
        b = x
    return a, b


@case(vec)
def branch_local_names(v):
    out = v
    if v.sum() > 0:
        t = v * 2
        out = t + 1
    return out


@case(scalar)
def bool_ops_in_test(x):
    y = x
    if (x > -2) & (x < 2):
        y = y * 10
    return y


@case(scalar, small_int, static=(1,))
def static_mode(x, mode):
    if mode == 1:
        y = x + 1
    elif mode == 2:
        y = x * 2
    else:
        y = x
    return y


@case(scalar)
def static_isinstance(x):
    if isinstance(x, int):
        y = x + 1
    else:
        y = x * 3
    return y


@case(scalar)
def none_default(x, scale=None):
    if scale is None:
        scale = 2.0
    return x * scale


@case(scalar)
def untaken_branch_raises(x):
    mode = "fast"
    if mode == "slow":
        raise ValueError("never")
    else:
        y = x + 1
    return y


@case(scalar)
def comment_and_pass(x):
    # a comment before
    if x > 0:  # positive
        pass
    else:
        x = x * 0.5  # shrink
    return x


# --- while -----------------------------------------------------------------


@case(vec, count)
def total(seq, n):
    s = 0.0
    i = 0
    while i < n:
        if seq[i] > 0:
            s += seq[i]
        i += 1
    for x in seq:
        s = s * 0.5 + x
    return s


@case(scalar)
def while_traced(x):
    x = jnp.abs(x)
    steps = 0
    while x > 1:
        x = x / 2
        steps = steps + 1
    return x, steps


@case(scalar)
def while_python_then_traced(limit):
    total = 0
    k = 0
    while total < limit:
        total = total + 1.5
        k = k + 1
    return total, k


@case(small_int, static=(0,))
def while_static(n):
    acc = 0
    while n > 0:
        acc = acc + n
        n = n - 1
    return acc


@case(vec)
def while_list_pending(v):
    pending = [1, 2, 3]
    out = v
    while pending:
        out = out + pending.pop()
    return out


@case(scalar)
def while_else(x):
    i = 0
    while i < 3:
        x = x + 1
        i = i + 1
    else:
        x = x * 2
    return x


# --- for -------------------------------------------------------------------


@case(vec)
def for_array(seq):
    s = 0.0
    for x in seq:
        s = s * 0.5 + x
    return s


@case(vec)
def for_dtype_promotion(seq):
    s = 0
    for x in seq:
        s += 0.5 * x
    return s


@case(mat)
def for_rows(m):
    acc = jnp.zeros(m.shape[1])
    for row in m:
        acc = acc + row * row
    return acc


@case(vec)
def for_range_python(x):
    acc = 0.0
    for i in range(5):
        acc = acc + x[i] * i
    return acc


@case(vec, count)
def for_range_traced(x, n):
    acc = 0.0
    for i in range(n):
        acc = acc + x[i]
    return acc


@case(vec)
def for_range_start_step(x):
    acc = 0.0
    for i in range(1, 5, 2):
        acc = acc + x[i]
    return acc


@case(vec)
def for_enumerate(xs):
    s = 0.0
    for i, x in enumerate(xs):
        s = s + i * x
    return s


@case(vec, vec)
def for_zip(xs, ys):
    s = 0.0
    for x, y in zip(xs, ys):
        s = s + x * y
    return s


@case(vec)
def for_target_after(xs):
    x = -1.0
    for x in xs:  # noqa: B007 - the target is the point
        pass
    return x


@case(vec)
def for_zero_trips_keeps_binding(xs):
    i = -7
    for i in range(0):
        xs = xs + i
    return xs, i


@case(vec)
def first_bound_in_body(xs):
    total = 0.0
    for x in xs:
        last = x * 2
        total = total + last
    return total, last


@case(vec)
def for_with_if(xs):
    pos = 0.0
    neg = 0.0
    for x in xs:
        if x > 0:
            pos = pos + x
        else:
            neg = neg + x
    return pos, neg


@case(mat)
def nested_for(m):
    s = 0.0
    for row in m:
        for v in row:
            s = s + v
    return s


@case(vec)
def for_python_list(x):
    out = x
    for w in [1.0, 2.0, 3.0]:
        out = out * w
    return out


@case(vec)
def for_python_dict(x):
    weights = {"a": 1.0, "b": -1.0}
    out = 0.0
    for k in weights:
        out = out + weights[k] * x.sum()
    return out


@case(vec)
def for_tuple_items(x):
    out = x
    for a, b in [(1.0, 2.0), (3.0, 4.0)]:
        out = out * a + b
    return out


@case(vec)
def for_else(xs):
    s = 0.0
    for x in xs:
        s = s + x
    else:
        s = s * 2
    return s


@case(vec)
def for_max(xs):
    best = xs[0]
    for x in xs:
        if x > best:
            best = x
    return best


@case(vec)
def for_count_positive(xs):
    n = 0
    for x in xs:
        if x > 0:
            n += 1
    return n


@case(vec)
def for_dict_state(xs):
    d = {"s": 0.0}
    for x in xs:
        d["s"] = d["s"] + x
    return d["s"]


@case(vec)
def for_python_list_append_static(x):
    parts = []
    for w in [1.0, 2.0]:
        parts.append(x * w)
    return parts[0] + parts[1]


# --- results and calls --------------------------------------------------------


@case(scalar)
def returns_tuple_list_dict(x):
    if x > 0:
        y = x
    else:
        y = -x
    return (y, [y + 1, 2.0], {"a": y * 2})


@case(scalar, pyfloat)
def keyword_args(x, bias=0.0):
    if x > bias:
        x = x - bias
    return x


def _helper_abs(v):
    if v > 0:
        r = v
    else:
        r = -v
    return r


@case(scalar)
def calls_helper(x):
    return _helper_abs(x) + 1


@case(scalar)
def helper_through_variable(x):
    f = _helper_abs
    return f(x)


def _apply(fn, x):
    return fn(x)


@case(scalar)
def helper_as_argument(x):
    return _apply(_helper_abs, x)


@case(scalar)
def helper_through_lambda(x):
    g = lambda v: _helper_abs(v) * 2  # noqa: E731
    return g(x)


def _make_closure(k):
    def inner(v):
        if v > k:
            v = v - k
        return v

    return inner


_closure = _make_closure(1.0)


@case(scalar)
def helper_closure(x):
    return _closure(x)


@case(scalar)
def helper_default(x, fn=_helper_abs):
    return fn(x)


@case(scalar)
def helper_keyword(x):
    return _apply(fn=_helper_abs, x=x)


class _Plain:
    def __init__(self, k):
        self.k = k

    def clip(self, v):
        if v > self.k:
            v = self.k
        return v


_plain = _Plain(2.0)


@case(scalar)
def helper_method_of_plain_class(x):
    return _plain.clip(x)


@case(scalar)
def helper_partial(x):
    f = functools.partial(_apply, _helper_abs)
    return f(x)


def _fact(n):
    if n <= 1:
        r = 1
    else:
        r = n * _fact(n - 1)
    return r


@case(scalar, small_int, static=(1,))
def static_recursion(x, n):
    return x * _fact(n)


@autoflow.do_not_convert
def _not_converted(v):
    return v + 100


@case(scalar)
def calls_do_not_convert(x):
    if x > 0:
        x = _not_converted(x)
    return x


@case(vec)
def numpy_and_jnp_calls(x):
    y = jnp.sum(x)
    if y > 0:
        y = jnp.sqrt(y)
    return y + np.float32(1.0)


@case(scalar)
def attribute_state_plain_object(x):
    holder = _Plain(0.0)
    if x > 0:
        holder.k = holder.k + x
    return holder.k


# --- deeper nesting, and constructs kept as Python on static values ------------


@case(vec, count)
def deep_nesting(xs, n):
    s = 0.0
    i = 0
    while i < n:
        for x in xs:
            if x > 0:
                if x > 2:
                    s = s + x
                else:
                    s = s + 1
        i += 1
    return s


@case(vec)
def break_in_static_loop(x):
    out = x
    for w in [1.0, 2.0, 3.0, 4.0]:
        if w > 2.5:
            break
        out = out * w
    return out


@case(scalar, small_int, static=(1,))
def early_return_static(x, mode):
    if mode == 0:
        return x
    y = x
    if x > 0:
        y = x * mode
    return y


@case(vec)
def for_range_nested_if(x):
    acc = 0.0
    for i in range(5):
        if x[i] > acc:
            acc = x[i]
        else:
            acc = acc - 0.25
    return acc

"""Eager Python == ``autoflow.convert`` (eagerly) == ``autoflow.jit`` (called twice).

Inputs come from Hypothesis; the compiled function is made once per corpus
function and must compile exactly once for the one input signature it sees.
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autoflow
from tests.autoflow.corpus import CORPUS, Case

_JITTED: dict[str, Any] = {}


def _jitted(case: Case) -> Any:
    if case.name not in _JITTED:
        _JITTED[case.name] = autoflow.jit(case.fn, static_argnums=case.static)
    return _JITTED[case.name]


def assert_same(expected: Any, got: Any, what: str) -> None:
    e_leaves, e_tree = jax.tree_util.tree_flatten(expected)
    g_leaves, g_tree = jax.tree_util.tree_flatten(got)
    assert e_tree == g_tree, f"{what}: structure {g_tree} != {e_tree}"
    for e, g in zip(e_leaves, g_leaves):
        np.testing.assert_allclose(np.asarray(g), np.asarray(e), rtol=1e-5, atol=1e-5, err_msg=what)


def test_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 60


@pytest.mark.parametrize("case", CORPUS, ids=lambda c: c.name)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_equivalent(case: Case, data: st.DataObject) -> None:
    args = [data.draw(s) for s in case.args]
    kwargs = {k: data.draw(s) for k, s in case.kwargs.items()}
    expected = case.fn(*args, **kwargs)
    assert_same(expected, autoflow.convert(case.fn)(*args, **kwargs), "convert")
    compiled = _jitted(case)
    assert_same(expected, compiled(*args, **kwargs), "jit, first call")
    assert_same(expected, compiled(*args, **kwargs), "jit, second call")
    if not case.static:
        # One input signature for every example drawn: compiled once.
        assert compiled._cache_size() == 1

"""Objects the function does not bind (globals, closure cells) mutated in converted control flow.

``log.append(x)`` on a module-level list is a Python side effect, as in eager
Python: the name is not a local of the function, so autoflow must not carry
it (making it local would raise ``UnboundLocalError``-like errors).
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import pytest

import autoflow

LOG: list[Any] = []
COUNTS: dict[str, int] = {}


def _while_appends_to_global(x: Any) -> Any:
    i = 0
    while i < 3:
        LOG.append(i)
        if x > i:
            return x * 2
        i += 1
    return -1.0


def _if_updates_global_dict(x: Any) -> Any:
    if x > 0:
        COUNTS["positive"] = COUNTS.get("positive", 0) + 1
        y = x
    else:
        COUNTS["other"] = COUNTS.get("other", 0) + 1
        y = -x
    return y


def _closure_appends() -> Any:
    seen: list[Any] = []

    def inner(xs: Any) -> Any:
        total = 0.0
        for x in xs:
            seen.append(1)
            total = total + x
        return total

    return inner, seen


def _eager_then_converted(fn: Any, x: Any, state: Any) -> tuple[Any, Any, Any, Any]:
    """``fn(x)`` eagerly and converted, each from an empty ``state``; results and states after."""
    state.clear()
    eager = fn(x)
    eager_state = state.copy()
    state.clear()
    converted = autoflow.convert(fn)(x)
    return eager, eager_state, converted, state.copy()


@pytest.mark.parametrize("x", [0.5, 1.5, -1.0])
def test_a_global_list_mutated_in_a_loop_is_not_carried(x: float) -> None:
    eager, eager_log, converted, log = _eager_then_converted(_while_appends_to_global, x, LOG)
    assert converted == eager and log == eager_log
    LOG.clear()
    # under jit the appends happen while tracing, as under plain jax.jit
    assert float(autoflow.jit(_while_appends_to_global)(jnp.float32(x))) == eager
    assert len(LOG) >= 1
    source = autoflow.to_source(_while_appends_to_global)
    assert "LOG = " not in source and "(LOG," not in source  # never bound, never carried


@pytest.mark.parametrize("x", [2.0, -3.0])
def test_a_global_dict_updated_in_branches_is_not_carried(x: float) -> None:
    eager, eager_counts, converted, counts = _eager_then_converted(_if_updates_global_dict, x, COUNTS)
    assert converted == eager and counts == eager_counts


def test_a_closure_list_mutated_in_a_python_loop_is_not_carried() -> None:
    inner, seen = _closure_appends()
    eager, eager_seen, converted, seen_after = _eager_then_converted(inner, [1.0, 2.0, 3.0], seen)
    assert converted == eager and seen_after == eager_seen

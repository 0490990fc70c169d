"""Is a value, or the code now running, being traced by JAX?

The one place that decides between the exact-Python path and the ``lax`` path
of the control-flow functions.
"""

from __future__ import annotations

from typing import Any

import jax

__all__ = ["is_traced", "any_traced", "inside_transformation", "of_trace"]

try:  # JAX >= 0.4.36 keeps the current trace in a context object.
    from jax._src.core import trace_ctx as _trace_ctx

    def inside_transformation() -> bool:
        """True while JAX traces (jit, vmap, grad, scan bodies, ...)."""
        return not _trace_ctx.is_top_level()

except ImportError:  # pragma: no cover - older or newer JAX layouts

    def inside_transformation() -> bool:
        return False


def is_traced(x: Any) -> bool:
    """True when ``x`` is a JAX tracer (its value is unknown until run time)."""
    return isinstance(x, jax.core.Tracer)


def any_traced(tree: Any) -> bool:
    """True when any leaf of the pytree ``tree`` is a tracer."""
    return any(isinstance(leaf, jax.core.Tracer) for leaf in jax.tree_util.tree_leaves(tree))


def of_trace(value: Any, current: Any = None) -> bool:
    """True when ``value`` is a tracer of the trace ``current``, or of a trace that has ended.

    Such a value was made while tracing (a Variable created inside the traced
    function, a traced value stored into an attribute): after the trace it
    stands for nothing.
    """
    if not isinstance(value, jax.core.Tracer):
        return False
    trace = getattr(value, "_trace", None)
    if trace is None:
        return False
    if trace is current:
        return True
    is_valid = getattr(trace, "is_valid", None)
    return is_valid is not None and not is_valid()

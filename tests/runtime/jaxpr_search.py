"""Finding equations in the jaxpr of a compiled call, for tests that check what was compiled."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax


def first_eqn(fn: Callable[..., Any], *args: Any, primitive: str = "scan") -> Any:
    """The first ``primitive`` equation in the jaxpr of ``fn(*args)``, looking into nested jaxprs."""

    def walk(jaxpr: Any) -> Any:
        for eqn in jaxpr.eqns:
            if eqn.primitive.name == primitive:
                return eqn
            for param in eqn.params.values():
                inner = getattr(param, "jaxpr", None)
                if inner is not None and hasattr(inner, "eqns"):
                    found = walk(inner)
                    if found is not None:
                        return found
        return None

    found = walk(jax.make_jaxpr(fn)(*args).jaxpr)
    assert found is not None, f"no {primitive} in the program"
    return found

"""autoflow: plain Python control flow, compiled with JAX.

    @autoflow.jit
    def total(seq, n):
        s, i = 0.0, 0
        while i < n:            # a traced bound: a compiled while loop
            s += seq[i]
            i += 1
        return s

``jit`` converts and compiles, ``convert`` converts only, ``to_source`` shows
the converted code, ``do_not_convert`` opts a function out.
"""

from typing import TYPE_CHECKING, Any

from autoflow.errors import ConversionError as ConversionError

if TYPE_CHECKING:
    from autoflow.api import convert as convert
    from autoflow.api import do_not_convert as do_not_convert
    from autoflow.api import jit as jit
    from autoflow.api import to_source as to_source

_API = frozenset({"convert", "do_not_convert", "jit", "to_source"})


def __getattr__(name: str) -> Any:
    # Loaded on first use: the command line needs neither JAX nor the runtime,
    # and `autoflow --version` should not pay for importing them.
    if name in _API:
        from autoflow import api

        value = getattr(api, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'autoflow' has no attribute {name!r}")


__version__ = "0.1.0"

__all__ = ["ConversionError", "convert", "do_not_convert", "jit", "to_source", "__version__"]


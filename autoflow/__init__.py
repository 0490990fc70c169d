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

from autoflow.api import convert as convert
from autoflow.api import do_not_convert as do_not_convert
from autoflow.api import jit as jit
from autoflow.api import to_source as to_source
from autoflow.errors import ConversionError as ConversionError

__version__ = "0.1.0"

__all__ = ["ConversionError", "convert", "do_not_convert", "jit", "to_source", "__version__"]


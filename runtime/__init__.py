"""runtime: a small JAX runtime with mutable state and Python-like control flow.

Variables hold state across compiled calls; ``jit`` compiles functions and
Modules and writes Variable updates back; ``where``, ``ifelse``, ``for_loop``
and ``while_loop`` find by themselves which Variables their bodies touch.
"""

from runtime.errors import (
    BranchMismatchError as BranchMismatchError,
    LoopCarryError as LoopCarryError,
    VariableDtypeError as VariableDtypeError,
    VariableShapeError as VariableShapeError,
)
from runtime.state import StateTrace as StateTrace
from runtime.variable import Variable as Variable

__all__ = [
    "BranchMismatchError",
    "LoopCarryError",
    "StateTrace",
    "Variable",
    "VariableDtypeError",
    "VariableShapeError",
]

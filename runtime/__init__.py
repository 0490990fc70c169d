"""runtime: a small JAX runtime with mutable state and Python-like control flow.

Variables hold state across compiled calls; ``jit`` compiles functions and
Modules and writes Variable updates back; ``where``, ``ifelse``, ``for_loop``
and ``while_loop`` find by themselves which Variables their bodies touch.
"""

from runtime import random as random
from runtime.control import Undefined as Undefined
from runtime.control import UndefinedValueError as UndefinedValueError
from runtime.control import bound as bound
from runtime.control import ifelse as ifelse
from runtime.control import store_attr as store_attr
from runtime.control import where as where
from runtime.errors import AttributeStateError as AttributeStateError
from runtime.errors import (
    BranchMismatchError as BranchMismatchError,
)
from runtime.errors import (
    LoopCarryError as LoopCarryError,
)
from runtime.errors import (
    VariableDtypeError as VariableDtypeError,
)
from runtime.errors import (
    VariableShapeError as VariableShapeError,
)
from runtime.iterables import enumerate as enumerate
from runtime.iterables import range as range
from runtime.iterables import zip as zip
from runtime.jit import JitFunction as JitFunction
from runtime.jit import JitModule as JitModule
from runtime.jit import jit as jit
from runtime.loops import UnrolledLoopWarning as UnrolledLoopWarning
from runtime.loops import for_each as for_each
from runtime.loops import for_loop as for_loop
from runtime.loops import while_loop as while_loop
from runtime.module import Module as Module
from runtime.state import StateTrace as StateTrace
from runtime.variable import Variable as Variable

__all__ = [
    "AttributeStateError",
    "BranchMismatchError",
    "JitFunction",
    "JitModule",
    "LoopCarryError",
    "Module",
    "StateTrace",
    "Undefined",
    "UndefinedValueError",
    "UnrolledLoopWarning",
    "Variable",
    "VariableDtypeError",
    "VariableShapeError",
    "enumerate",
    "for_each",
    "for_loop",
    "ifelse",
    "jit",
    "random",
    "range",
    "where",
    "while_loop",
    "zip",
]

# Operators, builtins and early exits (issue 4): forms the transpiler emits.
from runtime.exits import NoReturn as NoReturn
from runtime.exits import for_each_until as for_each_until
from runtime.exits import return_slot as return_slot
from runtime.exits import return_value as return_value
from runtime.exits import returned as returned
from runtime.operators import and_ as and_
from runtime.operators import assert_ as assert_
from runtime.operators import at as at
from runtime.operators import ifexp as ifexp
from runtime.operators import max as max
from runtime.operators import min as min
from runtime.operators import not_ as not_
from runtime.operators import or_ as or_
from runtime.operators import print as print
from runtime.operators import raise_ as raise_

__all__ += [
    "NoReturn",
    "and_",
    "assert_",
    "bound",
    "at",
    "for_each_until",
    "ifexp",
    "max",
    "min",
    "not_",
    "or_",
    "print",
    "raise_",
    "return_slot",
    "return_value",
    "returned",
    "store_attr",
]

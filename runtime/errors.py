"""Exceptions raised by the runtime."""

from __future__ import annotations

__all__ = [
    "AttributeStateError",
    "BranchMismatchError",
    "LoopCarryError",
    "VariableDtypeError",
    "VariableShapeError",
]


class VariableShapeError(ValueError):
    """A value of the wrong shape was assigned to a Variable."""


class VariableDtypeError(TypeError):
    """A value of the wrong dtype was assigned to a Variable."""


class BranchMismatchError(TypeError):
    """The branches of an ``ifelse`` return different structures, shapes or dtypes."""


class LoopCarryError(TypeError):
    """A loop-carried value changes structure or shape from one iteration to the next."""


class AttributeStateError(TypeError):
    """A plain (non-Variable) attribute written by converted control flow cannot keep its value.

    Raised when a compiled call would leave a traced value in an attribute
    (the value leaks out of the trace), or when a traced ``if`` creates an
    attribute on some of its branches only.
    """

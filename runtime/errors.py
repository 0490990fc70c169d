"""Exceptions raised by the runtime."""

from __future__ import annotations

__all__ = ["VariableShapeError", "VariableDtypeError", "BranchMismatchError", "LoopCarryError"]


class VariableShapeError(ValueError):
    """A value of the wrong shape was assigned to a Variable."""


class VariableDtypeError(TypeError):
    """A value of the wrong dtype was assigned to a Variable."""


class BranchMismatchError(TypeError):
    """The branches of an ``ifelse`` return different structures, shapes or dtypes."""


class LoopCarryError(TypeError):
    """A loop-carried value changes structure or shape from one iteration to the next."""

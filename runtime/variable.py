"""Variable: a mutable array for state kept across compiled calls."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from runtime.errors import VariableDtypeError, VariableShapeError
from runtime.state import _STACK, record_read, record_write
from runtime.tracing import is_traced

__all__ = ["Variable", "unwrap"]


def _as_array(x: Any) -> Any:
    if isinstance(x, Variable):
        return x.value
    if isinstance(x, jax.Array):
        return x
    return jnp.asarray(x)


def _is_weak(x: Any) -> bool:
    if isinstance(x, (bool, int, float, complex)):
        return True
    return bool(getattr(x, "weak_type", False))


def _strong(x: jax.Array) -> jax.Array:
    """``x`` without JAX's weak typing (``jnp.asarray(0.0)`` is weakly typed float32).

    A weakly typed value would promote differently from the strongly typed one
    that comes back out of a compiled call, and would make the second call
    retrace.
    """
    return x.astype(x.dtype) if _is_weak(x) else x


class Variable:
    """A mutable array whose value ``jit`` and the control-flow functions track.

    Read it with ``v.value`` (or use it like an array: ``v + 1``,
    ``jnp.sin(v)``, ``v[0]``), change it with ``v.value = x``, ``v.update(x)``,
    ``v[0] = x`` or ``v += x``. Its shape and dtype are fixed at creation;
    along ``batch_axis`` the size may change.

    Example::

        v = Variable(jnp.zeros(3))
        v[0] = 10
        v += 1
        v.value       # Array([11., 1., 1.], dtype=float32)
    """

    __slots__ = ("_value", "batch_axis", "__weakref__")
    __array_priority__ = 100  # numpy defers to our reflected operators

    def __init__(self, value: Any, *, dtype: Any = None, batch_axis: int | None = None) -> None:
        if isinstance(value, Variable):
            value = value.value
        value = _strong(jnp.asarray(value, dtype=dtype))
        if batch_axis is not None and not -value.ndim <= batch_axis < max(value.ndim, 1):
            raise ValueError(
                f"batch_axis {batch_axis} is out of range for a Variable of shape {value.shape}"
            )
        self._value = value
        self.batch_axis = batch_axis

    # -- value -------------------------------------------------------------
    @property
    def value(self) -> jax.Array:
        """The current value (recorded as a read by active traces)."""
        if _STACK.traces:
            record_read(self)
        return self._value

    @value.setter
    def value(self, new: Any) -> None:
        new = self._check(new)
        if _STACK.traces:
            record_write(self)
        self._value = new

    def update(self, new: Any) -> None:
        """Assign a new value; same as ``v.value = new``."""
        self.value = new

    def _check(self, new: Any) -> Any:
        if isinstance(new, Variable):
            new = new.value
        weak = _is_weak(new)
        if not isinstance(new, jax.Array):
            new = jnp.asarray(new)
        old = self._value
        if new.shape != old.shape and not self._batch_compatible(new.shape):
            raise VariableShapeError(
                f"Variable shape {old.shape} cannot take a value of shape {new.shape}"
                + (f" (only axis {self.batch_axis} may change size)" if self.batch_axis is not None else "")
            )
        if weak:
            # a Python scalar or weakly typed array takes the Variable's dtype, strongly:
            # the value a compiled call hands back must have the signature it was given
            new = new.astype(old.dtype)
        elif new.dtype != old.dtype:
            raise VariableDtypeError(
                f"Variable dtype {old.dtype} cannot take a value of dtype {new.dtype}; "
                f"convert it first, e.g. value.astype({old.dtype.name!r})"
            )
        return new

    def _batch_compatible(self, shape: tuple[int, ...]) -> bool:
        old = self._value.shape
        if self.batch_axis is None or len(shape) != len(old):
            return False
        axis = self.batch_axis % len(old)
        return all(a == b for i, (a, b) in enumerate(zip(old, shape)) if i != axis)

    # -- array-like facts ---------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self._value.shape

    @property
    def ndim(self) -> int:
        return self._value.ndim

    @property
    def size(self) -> int:
        return self._value.size

    @property
    def dtype(self) -> np.dtype:
        return self._value.dtype

    def to_numpy(self) -> np.ndarray:
        """The value as a NumPy array (fails while traced)."""
        return np.asarray(self.value)

    def to_jax(self) -> jax.Array:
        """The value as a JAX array."""
        return self.value

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return np.asarray(self.value, dtype=dtype)

    def __jax_array__(self) -> jax.Array:
        return self.value

    def __repr__(self) -> str:
        value = self._value
        if is_traced(value):
            body = f"<traced {value.aval.str_short()}>"
        else:
            body = np.array2string(np.asarray(value), separator=", ", threshold=20)
        extra = f", batch_axis={self.batch_axis}" if self.batch_axis is not None else ""
        return f"Variable({body}, dtype={value.dtype}{extra})"

    def __len__(self) -> int:
        return len(self._value)

    def __iter__(self) -> Any:
        return iter(self.value)

    def __bool__(self) -> bool:
        return bool(self.value)

    def __float__(self) -> float:
        return float(self.value)

    def __int__(self) -> int:
        return int(self.value)

    def __index__(self) -> int:
        return self.value.__index__()

    def __complex__(self) -> complex:
        return complex(self.value)

    def __hash__(self) -> int:
        return object.__hash__(self)

    def __getattr__(self, name: str) -> Any:
        # Array methods and properties: v.sum(), v.T, v.at, v.reshape(...)
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.value, name)

    # -- indexing -------------------------------------------------------------
    def __getitem__(self, index: Any) -> jax.Array:
        return self.value[unwrap(index)]

    def __setitem__(self, index: Any, item: Any) -> None:
        self.value = self.value.at[unwrap(index)].set(unwrap(item))

    # -- in-place operators -----------------------------------------------------
    def __iadd__(self, other: Any) -> Variable:
        self.value = self.value + unwrap(other)
        return self

    def __isub__(self, other: Any) -> Variable:
        self.value = self.value - unwrap(other)
        return self

    def __imul__(self, other: Any) -> Variable:
        self.value = self.value * unwrap(other)
        return self

    def __itruediv__(self, other: Any) -> Variable:
        self.value = self.value / unwrap(other)
        return self

    def __ifloordiv__(self, other: Any) -> Variable:
        self.value = self.value // unwrap(other)
        return self

    def __imod__(self, other: Any) -> Variable:
        self.value = self.value % unwrap(other)
        return self

    def __ipow__(self, other: Any) -> Variable:
        self.value = self.value ** unwrap(other)
        return self

    def __imatmul__(self, other: Any) -> Variable:
        self.value = self.value @ unwrap(other)
        return self

    def __iand__(self, other: Any) -> Variable:
        self.value = self.value & unwrap(other)
        return self

    def __ior__(self, other: Any) -> Variable:
        self.value = self.value | unwrap(other)
        return self

    def __ixor__(self, other: Any) -> Variable:
        self.value = self.value ^ unwrap(other)
        return self

    def __ilshift__(self, other: Any) -> Variable:
        self.value = self.value << unwrap(other)
        return self

    def __irshift__(self, other: Any) -> Variable:
        self.value = self.value >> unwrap(other)
        return self


def unwrap(x: Any) -> Any:
    """The value of a Variable; anything else unchanged (pytrees are walked)."""
    if isinstance(x, Variable):
        return x.value
    if isinstance(x, (tuple, list, dict)):
        return jax.tree_util.tree_map(
            lambda leaf: leaf.value if isinstance(leaf, Variable) else leaf,
            x,
            is_leaf=lambda leaf: isinstance(leaf, Variable),
        )
    return x


_OPS: dict[str, Any] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "truediv": lambda a, b: a / b,
    "floordiv": lambda a, b: a // b,
    "mod": lambda a, b: a % b,
    "pow": lambda a, b: a**b,
    "matmul": lambda a, b: a @ b,
    "and": lambda a, b: a & b,
    "or": lambda a, b: a | b,
    "xor": lambda a, b: a ^ b,
    "lshift": lambda a, b: a << b,
    "rshift": lambda a, b: a >> b,
    "divmod": divmod,
}


def _install_operators() -> None:
    for op, fn in _OPS.items():

        def forward(self: Variable, other: Any, fn: Any = fn) -> Any:
            return fn(self.value, unwrap(other))

        def backward(self: Variable, other: Any, fn: Any = fn) -> Any:
            return fn(_as_array(other), self.value)

        forward.__name__ = f"__{op}__"
        backward.__name__ = f"__r{op}__"
        setattr(Variable, f"__{op}__", forward)
        setattr(Variable, f"__r{op}__", backward)

    comparisons: dict[str, Any] = {
        "__lt__": lambda a, b: a < b,
        "__le__": lambda a, b: a <= b,
        "__gt__": lambda a, b: a > b,
        "__ge__": lambda a, b: a >= b,
        "__eq__": lambda a, b: a == b,
        "__ne__": lambda a, b: a != b,
    }
    for name, fn in comparisons.items():

        def compare(self: Variable, other: Any, fn: Any = fn) -> Any:
            return fn(self.value, unwrap(other))

        compare.__name__ = name
        setattr(Variable, name, compare)

    unary: dict[str, Any] = {
        "__neg__": lambda a: -a,
        "__pos__": lambda a: +a,
        "__abs__": lambda a: abs(a),
        "__invert__": lambda a: ~a,
    }
    for name, fn in unary.items():

        def apply(self: Variable, fn: Any = fn) -> Any:
            return fn(self.value)

        apply.__name__ = name
        setattr(Variable, name, apply)


_install_operators()


def _flatten(var: Variable) -> tuple[tuple[Any], int | None]:
    return (var.value,), var.batch_axis


class _VariableView(Variable):
    """A Variable rebuilt by JAX from its flattened value (inside ``jnp.dot(x, v)``, say).

    It is a temporary copy, not state: its reads and writes are not recorded
    (flattening already recorded the read of the real Variable), so ``jit`` and
    the control-flow functions never mistake it for a Variable to carry.
    """

    __slots__ = ()

    @property  # type: ignore[override]
    def value(self) -> jax.Array:
        return self._value

    @value.setter
    def value(self, new: Any) -> None:
        self._value = self._check(new)


def _unflatten(batch_axis: int | None, children: Any) -> _VariableView:
    # Leaves may be tracers or placeholders inside JAX transformations: no checks.
    var = _VariableView.__new__(_VariableView)
    var._value = children[0]
    var.batch_axis = batch_axis
    return var


# A pytree node so that jax.numpy functions accept Variables (jnp.sin(v)).
jax.tree_util.register_pytree_node(Variable, _flatten, _unflatten)
jax.tree_util.register_pytree_node(_VariableView, _flatten, _unflatten)

"""Module: a container of Variables and sub-Modules, with readable paths."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from runtime.variable import Variable

__all__ = ["Module"]


class Module:
    """Base class for objects that hold state.

    A Module keeps its :class:`~runtime.Variable`\\ s and sub-Modules as plain
    attributes, also inside lists, tuples and dicts. Nothing needs to be
    registered, and a subclass does not have to call ``super().__init__()``.
    :func:`runtime.jit` compiles a Module's ``__call__`` and finds by itself the
    Variables it reads and writes; :meth:`vars` lists them all, for saving,
    inspecting or resetting state.

    Example::

        class Counter(rt.Module):
            def __init__(self):
                self.count = rt.Variable(jnp.zeros((), jnp.int32))
                self.layers = [Linear(2, 3), Linear(3, 1)]

            def __call__(self):
                self.count += 1

        Counter().vars()
        # {'count': Variable(0, ...), 'layers[0].w': ..., 'layers[0].b': ..., ...}
    """

    def vars(self) -> dict[str, Variable]:
        """Every Variable this Module holds, by path, each once.

        Paths read like the Python expression that reaches the Variable from
        the Module: ``'w'``, ``'sub.a'``, ``'layers[0].w'``, ``"params['b']"``.
        The order is attribute order (the order attributes were first set),
        depth first. A Variable reachable along several paths is listed under
        the first one.
        """
        found: dict[str, Variable] = {}
        seen: set[int] = set()
        for path, value in _walk(self, "", set()):
            if isinstance(value, Variable) and id(value) not in seen:
                seen.add(id(value))
                found[path] = value
        return found

    def modules(self) -> dict[str, Module]:
        """Every sub-Module (not ``self``) by path, each once, in attribute order."""
        return {
            path: value
            for path, value in _walk(self, "", set())
            if isinstance(value, Module) and path
        }


def _walk(obj: Any, path: str, visited: set[int]) -> Iterator[tuple[str, Any]]:
    """Yield (path, value) for the Variables and Modules reachable from ``obj``."""
    if isinstance(obj, Variable):
        yield path, obj
    elif isinstance(obj, Module):
        if id(obj) in visited:  # shared or cyclic sub-Modules are walked once
            return
        visited.add(id(obj))
        yield path, obj
        prefix = f"{path}." if path else ""
        for name, value in _attributes(obj):
            yield from _walk(value, prefix + name, visited)
    elif isinstance(obj, (list, tuple)):
        for i, item in enumerate(obj):
            yield from _walk(item, f"{path}[{i}]", visited)
    elif isinstance(obj, dict):
        for key, item in obj.items():
            yield from _walk(item, f"{path}[{key!r}]", visited)


def _attributes(obj: Module) -> Iterator[tuple[str, Any]]:
    yield from getattr(obj, "__dict__", {}).items()
    for cls in type(obj).__mro__:
        slots = cls.__dict__.get("__slots__", ())
        for name in (slots,) if isinstance(slots, str) else slots:
            if name not in ("__dict__", "__weakref__") and hasattr(obj, name):
                yield name, getattr(obj, name)

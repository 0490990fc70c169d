"""Fresh names for generated code: deterministic, readable, never clashing.

Every converted construct gets a number, counted per top-level function in
source order, and its helpers share it: the first ``if`` of a function gives
``_if_true_1`` / ``_if_false_1``, the second loop ``_loop_body_2`` /
``_loop_cond_2``. A candidate that the module already uses anywhere (as any
identifier) is skipped, so generated names never shadow or capture user names.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["NameGenerator", "attribute_temp"]


class NameGenerator:
    """Hands out numbered names that avoid a set of reserved identifiers.

    Example::

        names = NameGenerator({"x", "_if_true_1"})
        n = names.number("if")          # 1
        names.name("_if_true", n)       # '_if_true_1_' (taken, so suffixed)
    """

    __slots__ = ("_user", "_counters", "_given", "_generated")

    def __init__(self, reserved: Iterable[str] = ()) -> None:
        self._user: set[str] = set(reserved)
        self._counters: dict[str, int] = {}
        self._given: dict[tuple[str, int], str] = {}
        self._generated: set[str] = set()

    def reset_counters(self) -> None:
        """Start numbering again (called at each top-level function)."""
        self._counters.clear()
        self._given.clear()

    def number(self, kind: str) -> int:
        """The next number for constructs of ``kind`` ('if', 'loop', ...)."""
        n = self._counters.get(kind, 0) + 1
        self._counters[kind] = n
        return n

    def name(self, base: str, number: int | None = None) -> str:
        """``{base}_{number}`` (or ``base``), suffixed with ``_`` until it is free.

        The same ``(base, number)`` gives the same name within one function.
        """
        key = (base, -1 if number is None else number)
        given = self._given.get(key)
        if given is not None:
            return given
        candidate = base if number is None else f"{base}_{number}"
        while candidate in self._user:
            candidate += "_"
        self._given[key] = candidate
        self._generated.add(candidate)
        return candidate

    def is_generated(self, name: str) -> bool:
        """Was ``name`` handed out by this generator (in any function)?"""
        return name in self._generated


def attribute_temp(path: str) -> str:
    """The local name that carries an attribute path: ``self.count`` -> ``self_count``."""
    return path.replace(".", "_")

"""Map lines of converted code back to the user's file and line.

Converted functions are compiled under a pseudo file name
(``<autoflow: qualname>``) whose text is registered with :mod:`linecache`, so
tracebacks show the converted code. A :class:`SourceMap` maps each of its lines
to the user's ``file:line``; :func:`add_user_note` adds that location to an
exception raised while running converted code::

    in user code: File "model.py", line 12, in step
        if x > 0:

The map is computed on first use (an exception), not at conversion time,
unless the conversion is kept on disk (:mod:`autoflow.conversion_cache`):
then it is computed once and read back with the converted code.
"""

from __future__ import annotations

import linecache
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import libcst as cst

__all__ = ["SourceMap", "add_user_note", "register_source"]

_NOTED = "__autoflow_noted__"


class SourceMap:
    """Generated line -> user line, for one converted function."""

    def __init__(
        self,
        module: cst.Module | None,
        positions: dict[cst.CSTNode, tuple[int, int]] | None,
        filename: str,
        generated_filename: str,
        line_offset: int,
        name: str,
    ) -> None:
        self._module: cst.Module | None = module
        self._positions: dict[cst.CSTNode, tuple[int, int]] | None = positions
        self.filename = filename
        self.generated_filename = generated_filename
        self.line_offset = line_offset  # executed line = display line + line_offset
        self.name = name
        self._lines: dict[int, int] | None = None

    @classmethod
    def from_lines(
        cls, lines: dict[int, int], filename: str, generated_filename: str, line_offset: int, name: str
    ) -> SourceMap:
        """A map already computed (:meth:`lines`), for code read back from the conversion cache."""
        smap = cls(None, None, filename, generated_filename, line_offset, name)
        smap._lines = dict(lines)
        return smap

    def lines(self) -> dict[int, int]:
        """Line of the displayed code -> the user's line, where known."""
        if self._lines is None:
            self._lines = self._build()
        return dict(self._lines)

    def _build(self) -> dict[int, int]:
        import libcst as cst
        from libcst.metadata import MetadataWrapper, PositionProvider

        assert self._module is not None and self._positions is not None
        ranges = MetadataWrapper(self._module, unsafe_skip_copy=True).resolve(PositionProvider)
        spans: list[tuple[int, int, int]] = []
        for node, rng in ranges.items():
            if not isinstance(node, (cst.BaseStatement, cst.BaseSmallStatement)):
                continue
            user = self._positions.get(node)
            if user is None or user[0] <= 0:
                continue
            spans.append((rng.start.line, rng.end.line, user[0]))
        lines: dict[int, int] = {}
        # Outer statements first, so inner (shorter) spans overwrite them.
        for start, end, user_line in sorted(spans, key=lambda s: s[0] - s[1]):
            for line in range(start, end + 1):
                lines[line] = user_line
        self._module = None
        self._positions = None
        return lines

    def user_line(self, generated_line: int) -> int | None:
        """The user's line for a line of the executed code, if known."""
        if self._lines is None:
            self._lines = self._build()
        return self._lines.get(generated_line - self.line_offset)


def register_source(generated_filename: str, text: str) -> None:
    """Let tracebacks and ``inspect`` show converted code."""
    lines = text.splitlines(keepends=True)
    linecache.cache[generated_filename] = (len(text), None, lines, generated_filename)


def add_user_note(exc: BaseException, maps: dict[str, SourceMap]) -> None:
    """Add ``in user code: File ..., line N`` for the innermost converted frame."""
    if getattr(exc, _NOTED, False):
        return
    tb: TracebackType | None = exc.__traceback__
    found: tuple[SourceMap, int] | None = None
    while tb is not None:
        smap = maps.get(tb.tb_frame.f_code.co_filename)
        if smap is not None:
            line = smap.user_line(tb.tb_lineno)
            if line is not None:
                found = (smap, line)
        tb = tb.tb_next
    if found is None:
        return
    smap, line = found
    note = f'in user code: File "{smap.filename}", line {line}, in {smap.name}'
    text = linecache.getline(smap.filename, line).strip()
    if text:
        note += f"\n    {text}"
    if hasattr(exc, "add_note"):
        exc.add_note(note)
    else:  # pragma: no cover - Python 3.10
        exc.__notes__ = [*getattr(exc, "__notes__", []), note]  # type: ignore[attr-defined]
    try:
        setattr(exc, _NOTED, True)
    except AttributeError:  # pragma: no cover - exceptions with __slots__
        pass

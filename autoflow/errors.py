"""Errors that point at the user's source."""

from __future__ import annotations

__all__ = ["ConversionError"]


class ConversionError(Exception):
    """Source that autoflow cannot convert, located in the user's file.

    ``str(error)`` reads like a compiler message::

        model.py:12:9: error: 'acc' is assigned only in the if-branch (line 10) but used on line 12
            return acc
                   ^
        hint: assign 'acc' before the if
    """

    def __init__(
        self,
        message: str,
        *,
        filename: str = "<unknown>",
        line: int = 0,
        column: int = 0,
        source_line: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.filename = filename
        self.line = line  # 1-based
        self.column = column  # 1-based
        self.source_line = source_line
        self.hint = hint

    def __str__(self) -> str:
        parts = [f"{self.filename}:{self.line}:{self.column}: error: {self.message}"]
        if self.source_line is not None:
            text = self.source_line.rstrip("\n")
            stripped = text.lstrip()
            indent = len(text) - len(stripped)
            parts.append("    " + stripped)
            parts.append("    " + " " * max(self.column - 1 - indent, 0) + "^")
        if self.hint:
            parts.append(f"hint: {self.hint}")
        return "\n".join(parts)

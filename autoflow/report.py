"""Per-file outcomes of ``autoflow transpile`` and the one place that turns them
into messages, a summary line and an exit code.

Everything here writes to the *message* stream (stderr); the payload (converted
source, diff, ``--report`` lines) is written by the caller to stdout.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from autoflow.transpile import ReportEntry

__all__ = [
    "ExitCode",
    "Failure",
    "FailureKind",
    "FileResult",
    "Report",
    "Success",
    "Unchanged",
    "format_entries",
]


class ExitCode(enum.IntEnum):
    """Exit status of the ``autoflow`` command."""

    OK = 0
    WOULD_CHANGE = 1  # --check found files that would change
    ERROR = 2  # syntax, IO, decoding, usage or internal error


class FailureKind(str, enum.Enum):
    SYNTAX = "syntax"  # not valid Python
    CONVERSION = "conversion"  # valid Python that autoflow cannot convert
    IO = "io"  # cannot read the input or write the output
    DECODE = "decode"  # bytes that are not text in the declared encoding
    INTERNAL = "internal"  # a bug in autoflow


@dataclass(frozen=True)
class Success:
    """The file converts to different source."""

    path: str
    source: str
    code: str
    encoding: str
    entries: Sequence[ReportEntry] = field(default_factory=tuple)


@dataclass(frozen=True)
class Unchanged:
    """The file converts to itself (no control flow to rewrite)."""

    path: str
    source: str
    encoding: str
    entries: Sequence[ReportEntry] = field(default_factory=tuple)

    @property
    def code(self) -> str:
        return self.source


@dataclass(frozen=True)
class Failure:
    """The file could not be read or converted. ``message`` is complete and
    user-facing (compiler style for syntax and conversion errors)."""

    path: str
    kind: FailureKind
    message: str
    traceback: str | None = None  # internal errors only; shown with --verbose


FileResult = Success | Unchanged | Failure


def format_entries(path: str, entries: Sequence[ReportEntry]) -> list[str]:
    """``--report`` lines, sorted by position::

    model.py:12:5: converted if -> rt.ifelse
    model.py:20:5: kept for (iterates a Python list)
    """
    lines = []
    for e in sorted(entries, key=lambda e: (e.line, e.column)):
        where = f"{path}:{e.line}:{e.column}:"
        if e.outcome == "converted":
            lines.append(f"{where} converted {e.construct} -> {e.detail}")
        else:
            lines.append(f"{where} kept {e.construct} ({e.detail})")
    return lines


def _plural(n: int) -> str:
    return "1 file" if n == 1 else f"{n} files"


class Report:
    """Collects per-file results; writes status messages; computes the exit code.

    ``check``: nothing is written, changes are what we look for ("would be
    converted", exit 1). ``verbose``: also name unchanged files and show
    tracebacks of internal errors.
    """

    def __init__(
        self, stream: TextIO, *, check: bool = False, dry_run: bool = False, verbose: bool = False
    ) -> None:
        self.stream = stream
        self.check = check
        # dry_run: nothing is written (--check, --diff, --report without -o):
        # the summary says "would be converted".
        self.dry_run = dry_run or check
        self.verbose = verbose
        self.changed = 0
        self.unchanged = 0
        self.failed = 0
        self.usage_error = False

    def _say(self, text: str) -> None:
        self.stream.write(text + "\n")

    def add(self, result: FileResult, written_to: str | None = None) -> None:
        """Record one file's result and say what happened to it."""
        if isinstance(result, Failure):
            self.failed += 1
            self._say(result.message)
            if result.kind is FailureKind.INTERNAL:
                if self.verbose and result.traceback:
                    self.stream.write(result.traceback)
                elif not self.verbose:
                    self._say(
                        "note: this is a bug in autoflow; rerun with --verbose for the traceback"
                    )
        elif isinstance(result, Success):
            self.changed += 1
            if self.check:
                self._say(f"would convert {result.path}")
            elif written_to is not None:
                self._say(f"converted {result.path} -> {written_to}")
            elif self.verbose:
                self._say(f"converted {result.path}")
        else:
            self.unchanged += 1
            if self.verbose:
                if written_to is not None:
                    self._say(f"unchanged {result.path} -> {written_to}")
                else:
                    self._say(f"unchanged {result.path}")

    def error(self, message: str) -> None:
        """A usage error that is not about one file (bad flags, bad -o)."""
        self.usage_error = True
        self._say(f"autoflow: error: {message}")

    def summary(self) -> str:
        """``2 files would be converted, 3 unchanged, 1 failed.``"""
        verb = "would be converted" if self.dry_run else "converted"
        counts = [(self.changed, verb), (self.unchanged, "unchanged"), (self.failed, "failed")]
        counts = [(n, what) for n, what in counts if n]
        if not counts:
            return "No Python files found."
        first, *rest = counts
        parts = [f"{_plural(first[0])} {first[1]}"] + [f"{n} {what}" for n, what in rest]
        return ", ".join(parts) + "."

    def write_summary(self) -> None:
        self._say(self.summary())

    @property
    def exit_code(self) -> ExitCode:
        if self.failed or self.usage_error:
            return ExitCode.ERROR
        if self.check and self.changed:
            return ExitCode.WOULD_CHANGE
        return ExitCode.OK

"""The conversion pipeline: parse -> analyse -> passes -> code.

PLACEHOLDER: the contract only; the transpiler work replaces the body.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from autoflow.errors import ConversionError

__all__ = ["ReportEntry", "TranspileResult", "transpile_module", "ConversionError"]


@dataclass(frozen=True)
class ReportEntry:
    """What happened to one control-flow construct of the input."""

    line: int  # 1-based
    column: int  # 1-based
    construct: str  # 'if', 'elif', 'while', 'for', 'break', 'continue', 'return', 'ternary', 'and', 'or', 'not', ...
    outcome: Literal["converted", "kept"]
    detail: str  # converted: the runtime construct it became ('rt.ifelse'); kept: why it stays Python


@dataclass
class TranspileResult:
    code: str
    report: list[ReportEntry] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.report) and any(e.outcome == "converted" for e in self.report)


def transpile_module(source: str, filename: str = "<string>") -> TranspileResult:
    """Convert every function and method of a module's source.

    Module-level statements stay as they are. Raises ConversionError (syntax
    errors included) located in ``filename``.
    """
    return TranspileResult(code=source)

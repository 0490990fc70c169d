"""Report: the summary line and the exit code, from per-file results."""

from __future__ import annotations

import io

import pytest

from autoflow.report import Failure, FailureKind, Report, Success, Unchanged, format_entries
from autoflow.transpile import ReportEntry


def _report(converted: int, unchanged: int, failed: int, **kwargs: bool) -> Report:
    report = Report(io.StringIO(), **kwargs)
    for i in range(converted):
        report.add(Success(f"c{i}.py", "a", "b", "utf-8"))
    for i in range(unchanged):
        report.add(Unchanged(f"u{i}.py", "a", "utf-8"))
    for i in range(failed):
        report.add(Failure(f"f{i}.py", FailureKind.SYNTAX, f"f{i}.py:1:1: error: x"))
    return report


@pytest.mark.parametrize(
    ("counts", "check", "summary", "code"),
    [
        ((2, 3, 1), True, "2 files would be converted, 3 unchanged, 1 failed.", 2),
        ((2, 3, 0), True, "2 files would be converted, 3 unchanged.", 1),
        ((1, 0, 0), True, "1 file would be converted.", 1),
        ((0, 1, 0), True, "1 file unchanged.", 0),
        ((0, 2, 1), True, "2 files unchanged, 1 failed.", 2),
        ((0, 0, 1), True, "1 file failed.", 2),
        ((0, 0, 0), True, "No Python files found.", 0),
        ((2, 1, 0), False, "2 files converted, 1 unchanged.", 0),
        ((1, 0, 1), False, "1 file converted, 1 failed.", 2),
    ],
)
def test_summary_and_exit_code(
    counts: tuple[int, int, int], check: bool, summary: str, code: int
) -> None:
    report = _report(*counts, check=check)
    assert report.summary() == summary
    assert report.exit_code == code


def test_dry_run_says_would_but_exits_0() -> None:
    report = _report(1, 0, 0, dry_run=True)
    assert (report.summary(), report.exit_code) == ("1 file would be converted.", 0)


def test_usage_error_exits_2() -> None:
    report = Report(io.StringIO())
    report.error("bad flags")
    assert report.exit_code == 2
    assert report.stream.getvalue() == "autoflow: error: bad flags\n"  # type: ignore[attr-defined]


def test_format_entries_sorted_by_position() -> None:
    entries = [
        ReportEntry(9, 5, "while", "converted", "rt.while_loop"),
        ReportEntry(3, 9, "return", "kept", "not inside control flow"),
        ReportEntry(3, 5, "if", "converted", "rt.ifelse"),
    ]
    assert format_entries("m.py", entries) == [
        "m.py:3:5: converted if -> rt.ifelse",
        "m.py:3:9: kept return (not inside control flow)",
        "m.py:9:5: converted while -> rt.while_loop",
    ]

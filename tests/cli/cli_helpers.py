"""Helpers for the command-line tests: run ``autoflow`` for real (subprocess) or
in-process through ``main(argv)``, and snapshot a directory to prove nothing
was written."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Sequence
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

from autoflow.cli import main

# A module with no control flow: comments, odd spacing, everything must survive.
PLAIN = b"""\
import math  # comment kept


def area(r):   # odd spacing kept
    '''Area of a circle.'''
    return math.pi * r ** 2


RADII = [1, 2,   3]
"""

# Module-level code that would leave a trace if the file were imported or run.
BOOBYTRAPPED = b"""\
open("EXECUTED", "w").write("the file was run")
import sys
sys.exit(3)


def f(x):
    if x > 0:
        x = x + 1
    return x
"""

SYNTAX_ERROR = b"def f(x):\n    return x +\n"


@dataclass
class Completed:
    returncode: int
    stdout: bytes
    stderr: str


def run_cli(
    *args: str, cwd: Path, stdin: bytes | None = None, python: Sequence[str] | None = None
) -> Completed:
    """``python -m autoflow ARGS`` in a fresh interpreter."""
    cmd = [*(python or [sys.executable, "-m", "autoflow"]), *args]
    proc = subprocess.run(
        cmd,
        cwd=cwd,
        input=stdin if stdin is not None else b"",
        capture_output=True,
        timeout=120,
    )
    return Completed(proc.returncode, proc.stdout, proc.stderr.decode("utf-8", "replace"))


def call_main(argv: Sequence[str], stdin: bytes = b"") -> Completed:
    """``main(argv)`` in this process with stdin, stdout and stderr captured."""
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    err = io.StringIO()
    old_stdin = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = main(list(argv))
        out.flush()
        data = out.buffer.getvalue()  # type: ignore[attr-defined]
    finally:
        sys.stdin = old_stdin
    return Completed(code, data, err.getvalue())


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under root: its bytes and mtime (ns)."""
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }

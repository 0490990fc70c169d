"""Golden tests: source in, source out, one file per case.

Each ``golden/<pass>/<case>.py`` holds the input, a marker line
``# --- expected ---``, and the expected output; an empty expected part means
"unchanged, byte for byte". ``AUTOFLOW_UPDATE_GOLDEN=1`` rewrites the expected
parts from the current transpiler (review the diff before committing).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from autoflow.transpile import transpile_module

GOLDEN = Path(__file__).parent / "golden"
MARKER = "# --- expected ---\n"
CASES = sorted(GOLDEN.glob("*/*.py"))
UPDATE = os.environ.get("AUTOFLOW_UPDATE_GOLDEN") == "1"


def _split(path: Path) -> tuple[str, str]:
    text = path.read_text()
    match = re.search(r"^# --- expected ---\n", text, re.M)
    assert match is not None, f"{path}: no marker line {MARKER.strip()!r}"
    return text[: match.start()], text[match.end() :]


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


@pytest.mark.parametrize("path", CASES, ids=_id)
def test_golden(path: Path) -> None:
    source, expected = _split(path)
    result = transpile_module(source, str(path))
    unchanged = result.code == source
    if UPDATE:
        path.write_text(source + MARKER + ("" if unchanged else result.code))
        return
    if expected == "":
        assert result.code == source, "expected the code unchanged, byte for byte"
    else:
        assert result.code == expected


@pytest.mark.parametrize("path", CASES, ids=_id)
def test_golden_idempotent(path: Path) -> None:
    source, expected = _split(path)
    once = transpile_module(source, str(path)).code
    twice = transpile_module(once, str(path))
    assert twice.code == once
    assert not any(e.outcome == "converted" for e in twice.report)


def test_there_are_cases_for_every_pass() -> None:
    assert {p.parent.name for p in CASES} >= {"conditionals", "loops", "unchanged"}

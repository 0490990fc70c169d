"""The documentation site builds with ``mkdocs build --strict``, and its golden-code hook works.

The build test needs the ``docs`` extra (mkdocs, mkdocs-material,
mkdocstrings[python]) and is skipped without it. The hook tests need nothing.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("autoflow_docs_hooks", ROOT / "docs" / "hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hooks = _load_hooks()

_HAVE_DOCS_DEPS = all(
    importlib.util.find_spec(name) is not None for name in ("mkdocs", "material", "mkdocstrings")
)


@pytest.mark.skipif(
    not _HAVE_DOCS_DEPS,
    reason="the docs extra (mkdocs, mkdocs-material, mkdocstrings) is not installed",
)
def test_mkdocs_build_strict(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    page = (tmp_path / "site" / "errors" / "index.html").read_text(encoding="utf-8")
    # error messages link to these anchors
    anchors = (
        "branch-mismatch",
        "loop-carry",
        "undefined-name",
        "conversion-error",
        "unrolled-loop",
        "variable-shape",
        "variable-dtype",
        "predicate-shape",
        "attribute-state",
        "runtime-checks",
    )
    for anchor in anchors:
        assert f'id="{anchor}"' in page, anchor
    # every link that an error message or warning of ours prints must land on a heading
    linked = {
        match
        for package in ("runtime", "autoflow")
        for source in (ROOT / package).rglob("*.py")
        for match in re.findall(r"docs/errors\.md#([a-z0-9-]+)", source.read_text(encoding="utf-8"))
    }
    assert linked, "no error message links to docs/errors.md"
    missing = sorted(anchor for anchor in linked if f'id="{anchor}"' not in page)
    assert not missing, f"error messages link to missing anchors: {missing}"


GOLDEN_TEXT = """\
def f(x):
    if x > 0:
        y = 1
    return y
# --- expected ---
def f(x):
    def _if_true_1(y):
        y = 1
        return (y,)
    return y
"""


def test_split_golden_at_marker() -> None:
    case = hooks.split_golden(GOLDEN_TEXT, "conditionals/demo")
    assert case.before.splitlines() == [
        "def f(x):",
        "    if x > 0:",
        "        y = 1",
        "    return y",
    ]
    assert case.after.splitlines()[1] == "    def _if_true_1(y):"
    assert not case.unchanged


def test_split_golden_without_marker_names_file() -> None:
    with pytest.raises(ValueError, match="loops/bad"):
        hooks.split_golden("x = 1\n", "loops/bad")


def test_unchanged_case_when_output_is_empty_or_equal() -> None:
    assert hooks.split_golden("x = 1\n# --- expected ---\n", "a").unchanged
    assert hooks.split_golden("x = 1\n# --- expected ---\nx = 1\n", "a").unchanged


def test_expand_renders_tabs_from_golden_files(tmp_path: Path) -> None:
    (tmp_path / "conditionals").mkdir()
    (tmp_path / "conditionals" / "demo.py").write_text(GOLDEN_TEXT)
    page = "Intro\n\n{{ golden: conditionals/demo }}\n\nOutro\n"
    out, problems = hooks.expand_golden(page, tmp_path)
    assert problems == []
    assert '=== "Your code"' in out and '=== "After autoflow"' in out
    assert "        def _if_true_1(y):" in out  # code indented under its tab
    assert out.startswith("Intro") and out.rstrip().endswith("Outro")
    assert "{{" not in out


def test_expand_glob_renders_every_case_in_order(tmp_path: Path) -> None:
    (tmp_path / "loops").mkdir()
    for name in ("b_case", "a_case"):
        (tmp_path / "loops" / f"{name}.py").write_text(
            f"{name} = 1\n# --- expected ---\n{name} = 2\n"
        )
    out, problems = hooks.expand_golden("{{ golden: loops/* }}\n", tmp_path)
    assert problems == []
    assert out.index("a_case = 1") < out.index("b_case = 1")


def test_missing_case_is_a_problem_once_golden_dir_exists(tmp_path: Path) -> None:
    out, problems = hooks.expand_golden("{{ golden: loops/nope }}\n", tmp_path)
    assert len(problems) == 1 and "loops/nope" in problems[0]


def test_optional_reference_is_a_placeholder_not_a_problem(tmp_path: Path) -> None:
    out, problems = hooks.expand_golden("{{ golden?: returns/early }}\n", tmp_path)
    assert problems == []
    assert "Example pending" in out and "returns/early" in out


def test_only_the_exact_marker_splits(tmp_path: Path) -> None:
    text = "x = 1  # --- not a marker\n# ----\ny = 2\n# --- expected ---\nz = 3\n"
    case = hooks.split_golden(text, "a")
    assert case.before == "x = 1  # --- not a marker\n# ----\ny = 2"
    assert case.after == "z = 3"


def test_placeholder_while_golden_dir_is_absent(tmp_path: Path) -> None:
    out, problems = hooks.expand_golden("{{ golden: loops/nope }}\n", tmp_path / "absent")
    assert problems == []
    assert "Example pending" in out and "loops/nope" in out

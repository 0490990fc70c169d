"""MkDocs hook: before/after code on the docs pages comes from the golden tests.

A page asks for a golden case with a line of its own::

    {{ golden: conditionals/if_else }}      one case: tests/autoflow/golden/conditionals/if_else.py
    {{ golden: loops/* }}                   every case of a pass, in file-name order
    {{ golden?: returns/early_return }}     a case for a pass still being written

and gets two tabs, "Your code" and "After autoflow", holding the two halves of
the golden file (input, the marker line ``# --- expected ---``, expected
output; an empty expected part means "unchanged"). The docs therefore show
exactly what the golden tests check, and cannot drift from the converter.

A reference to a missing case, or a file without the marker, is a build
warning, so ``mkdocs build --strict`` fails instead of publishing a stale
page. Two exceptions render a visible placeholder instead: every reference
while the golden directory does not exist at all, and ``golden?:``
references, which mark cases of passes not written yet.
"""

from __future__ import annotations

import logging
import re
import textwrap
from pathlib import Path
from typing import Any

__all__ = ["GOLDEN_DIR", "GoldenCase", "expand_golden", "split_golden"]

log = logging.getLogger("mkdocs.plugins.autoflow_golden")

ROOT = Path(__file__).resolve().parent.parent
GOLDEN_DIR = ROOT / "tests" / "autoflow" / "golden"

_DIRECTIVE = re.compile(
    r"^[ \t]*\{\{[ \t]*golden(?P<optional>\?)?:[ \t]*(?P<ref>[\w./*-]+)[ \t]*\}\}[ \t]*$", re.M
)

# The line between input and expected output, as tests/autoflow/test_golden.py reads it.
_MARKER = re.compile(r"^# --- expected ---[ \t]*$", re.M)


class GoldenCase:
    """One golden file, split into the source given to autoflow and what it must produce."""

    def __init__(self, name: str, before: str, after: str) -> None:
        self.name = name
        self.before = before
        self.after = after

    @property
    def unchanged(self) -> bool:
        """Whether conversion must leave the input as it is (an empty or identical output half)."""
        return not self.after.strip() or self.after.strip() == self.before.strip()


def split_golden(text: str, name: str = "<golden>") -> GoldenCase:
    """Split a golden file at its first marker line.

    Raises ``ValueError`` naming the file when there is no marker.
    """
    match = _MARKER.search(text)
    if match is None:
        raise ValueError(
            f"{name}: no marker line (e.g. '# --- expected ---') between input and output"
        )
    before = text[: match.start()].strip("\n")
    after = text[match.end() :].strip("\n")
    return GoldenCase(name, before, after)


def _code_block(code: str) -> str:
    return "```python\n" + code + "\n```"


def _tab(title: str, body: str) -> str:
    return f'=== "{title}"\n\n' + textwrap.indent(body, "    ") + "\n"


def render_case(case: GoldenCase) -> str:
    """Markdown for one case: two tabs, or one block when conversion changes nothing."""
    source = f"<small>From the golden test `{case.name}`.</small>\n"
    if case.unchanged:
        return (
            _code_block(case.before)
            + "\n\n"
            + "<small>autoflow leaves this code exactly as it is "
            + f"(golden test `{case.name}`).</small>\n"
        )
    return (
        _tab("Your code", _code_block(case.before))
        + "\n"
        + _tab("After autoflow", _code_block(case.after))
        + "\n"
        + source
    )


def _placeholder(ref: str) -> str:
    return (
        f'!!! note "Example pending: `{ref}`"\n'
        "    This before/after example is generated from the transpiler's golden test\n"
        f"    `tests/autoflow/golden/{ref}.py`, which does not exist yet.\n"
    )


def _resolve(ref: str, golden_dir: Path) -> list[Path]:
    if ref.endswith("/*"):
        return sorted((golden_dir / ref[:-2]).glob("*.py"))
    path = golden_dir / f"{ref}.py"
    return [path] if path.is_file() else []


def expand_golden(markdown: str, golden_dir: Path = GOLDEN_DIR) -> tuple[str, list[str]]:
    """Replace every ``{{ golden: ... }}`` line; return the new markdown and the problems found.

    Problems are only reported once ``golden_dir`` exists; before that every
    reference becomes a placeholder.
    """
    problems: list[str] = []

    def replace(match: re.Match[str]) -> str:
        ref = match.group("ref")
        if not golden_dir.is_dir():
            return _placeholder(ref)
        paths = _resolve(ref, golden_dir)
        if not paths and match.group("optional"):
            return _placeholder(ref)
        if not paths:
            problems.append(f"golden case '{ref}' not found under {golden_dir}")
            return _placeholder(ref)
        parts = []
        for path in paths:
            name = path.relative_to(golden_dir).with_suffix("").as_posix()
            try:
                case = split_golden(path.read_text(encoding="utf-8"), name)
            except ValueError as err:
                problems.append(str(err))
                continue
            parts.append(render_case(case))
        return "\n".join(parts)

    return _DIRECTIVE.sub(replace, markdown), problems


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    new, problems = expand_golden(markdown)
    for problem in problems:
        log.warning("%s: %s", page.file.src_uri, problem)
    return new


def on_serve(server: Any, config: Any, builder: Any) -> Any:
    if GOLDEN_DIR.is_dir():
        server.watch(str(GOLDEN_DIR))
    return server

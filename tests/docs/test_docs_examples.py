"""The code on the tutorial pages runs, and prints what the page says it prints.

The ``python`` blocks of each page run in order in one namespace, as a reader
would paste them. A block preceded by ``<!-- raises: SomeError -->`` must
raise that exception. A line ``expr  # Array(...)`` (or ``# 4.0``) claims a
result: ``repr(expr)`` must equal the comment, whitespace aside.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = ["index.md", "getting-started.md"]

_BLOCK = re.compile(
    r"(?:<!--\s*raises:\s*(?P<raises>\w+)\s*-->\s*\n)?```python\n(?P<code>.*?)```", re.S
)
_CLAIM = re.compile(r"^(?P<expr>[^\s#][^#]*?)\s+#\s*(?P<out>(?:Array\(|-?\d).*?)\s*$")


def blocks(page: str) -> list[tuple[str | None, str]]:
    text = (DOCS / page).read_text(encoding="utf-8")
    return [(m.group("raises"), m.group("code")) for m in _BLOCK.finditer(text)]


def _with_checks(code: str) -> str:
    """Turn ``expr  # output`` lines at the top level into checked calls."""
    lines = []
    for line in code.splitlines():
        match = _CLAIM.match(line)
        if match and "=" not in match.group("expr").replace("==", ""):
            lines.append(f"__check__({match.group('expr')}, {match.group('out')!r})")
        else:
            lines.append(line)
    return "\n".join(lines) + "\n"


def _check(value: Any, claimed: str) -> None:
    squash = lambda s: re.sub(r"\s+", "", s)  # noqa: E731
    assert squash(repr(value)) == squash(claimed), f"page says {claimed}, got {value!r}"


@pytest.mark.parametrize("page", PAGES)
def test_page_code_runs_and_claims_hold(
    page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = blocks(page)
    assert found, f"no python blocks in {page}"
    # Functions must have a source file for autoflow to read: write each block to one.
    monkeypatch.syspath_prepend(str(tmp_path))
    namespace: dict[str, Any] = {
        "__check__": _check,
        "__name__": f"docs_{page[:-3].replace('-', '_')}",
    }
    for i, (raises, code) in enumerate(found):
        path = tmp_path / f"block_{i}.py"
        source = _with_checks(code)
        path.write_text(source, encoding="utf-8")
        compiled = compile(source, str(path), "exec")
        if raises:
            with pytest.raises(Exception) as info:
                exec(compiled, namespace)
            assert type(info.value).__name__ == raises, f"block {i}: {info.value!r}"
        else:
            try:
                exec(compiled, namespace)
            except Exception as err:  # name the block in the failure
                raise AssertionError(f"{page} block {i} failed: {err!r}\n{code}") from err


def test_claims_are_found() -> None:
    code = "f(x)   # Array([0., 1.], dtype=float32)\ny = f(x)  # Array(1)\n"
    out = _with_checks(code).splitlines()
    assert out[0] == "__check__(f(x), 'Array([0., 1.], dtype=float32)')"
    assert out[1] == "y = f(x)  # Array(1)"  # an assignment is not a claim

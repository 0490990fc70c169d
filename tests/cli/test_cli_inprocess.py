"""CLI logic for files that change, with a stand-in transpiler.

``autoflow.transpile.transpile_module`` is replaced by a tiny fake whose output
is easy to write down by hand, so exit codes, diffs, reports, ``-o`` and
summaries are tested independently of the real conversion (which
test_cli_transpiler.py covers).
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest
from cli_helpers import PLAIN, SYNTAX_ERROR, call_main, snapshot

import autoflow.cli
import autoflow.transpile
from autoflow.errors import ConversionError
from autoflow.transpile import ReportEntry, TranspileResult

BRANCHY = b"""\
def f(x):
    if x > 0:
        x = x + 1
    for k in [1, 2]:
        x = x * k
    return x
"""

BRANCHY_CONVERTED = b"""\
def f(x):
    if x > 0:  # converted
        x = x + 1
    for k in [1, 2]:
        x = x * k
    return x
"""


def fake_transpile(source: str, filename: str = "<string>") -> TranspileResult:
    """Marks each `if` line "# converted"; reports `for` over a list as kept."""
    if "UNCONVERTIBLE" in source:
        line = source[: source.index("UNCONVERTIBLE")].count("\n") + 1
        raise ConversionError(
            "cannot convert this",
            filename=filename,
            line=line,
            column=5,
            source_line=source.splitlines()[line - 1],
            hint="do not",
        )
    if "BREAKME" in source:
        return TranspileResult(code="def (:\n")
    out, report = [], []
    for n, text in enumerate(source.splitlines(keepends=True), start=1):
        body = text.rstrip("\r\n")
        col = len(body) - len(body.lstrip()) + 1
        if body.lstrip().startswith("if "):
            text = body + "  # converted" + text[len(body) :]
            report.append(ReportEntry(n, col, "if", "converted", "rt.ifelse"))
        elif re.match(r"\s*for .* in \[", body):
            report.append(ReportEntry(n, col, "for", "kept", "iterates a Python list"))
        out.append(text)
    return TranspileResult(code="".join(out), report=report)


@pytest.fixture(autouse=True)
def fake(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(autoflow.transpile, "transpile_module", fake_transpile)


@pytest.fixture
def cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_converted_source_to_stdout(cwd: Path) -> None:
    (cwd / "m.py").write_bytes(BRANCHY)
    r = call_main(["transpile", "m.py"])
    assert (r.returncode, r.stdout, r.stderr) == (0, BRANCHY_CONVERTED, "1 file converted.\n")


def test_check_exit_codes(cwd: Path) -> None:
    (cwd / "m.py").write_bytes(BRANCHY)
    (cwd / "plain.py").write_bytes(PLAIN)
    before = snapshot(cwd)
    r = call_main(["transpile", "m.py", "--check"])
    assert (r.returncode, r.stdout, r.stderr) == (
        1,
        b"",
        "would convert m.py\n1 file would be converted.\n",
    )
    r = call_main(["transpile", "plain.py", "--check"])
    assert (r.returncode, r.stderr) == (0, "1 file unchanged.\n")
    r = call_main(["transpile", ".", "--check"])
    assert (r.returncode, r.stderr) == (
        1,
        "would convert m.py\n1 file would be converted, 1 unchanged.\n",
    )
    assert snapshot(cwd) == before


def test_directory_summary_counts_converted_unchanged_failed(cwd: Path) -> None:
    (cwd / "src").mkdir()
    (cwd / "src" / "a.py").write_bytes(BRANCHY)
    (cwd / "src" / "b.py").write_bytes(SYNTAX_ERROR)
    (cwd / "src" / "c.py").write_bytes(PLAIN)
    (cwd / "src" / "d.py").write_bytes(BRANCHY)
    (cwd / "src" / "e.py").write_bytes(b"def g():\n    UNCONVERTIBLE = 1\n")
    (cwd / "src" / "f.py").write_bytes(PLAIN)
    (cwd / "src" / "g.py").write_bytes(PLAIN)
    before = snapshot(cwd)
    r = call_main(["transpile", "src", "--check"])
    assert r.returncode == 2
    assert r.stdout == b""
    assert r.stderr == (
        "would convert src/a.py\n"
        "src/b.py:2:15: error: invalid syntax\n"
        "    return x +\n"
        "              ^\n"
        "would convert src/d.py\n"
        "src/e.py:2:5: error: cannot convert this\n"
        "    UNCONVERTIBLE = 1\n"
        "    ^\n"
        "hint: do not\n"
        "2 files would be converted, 3 unchanged, 2 failed.\n"
    )
    assert snapshot(cwd) == before


def test_diff_headers_are_stable(cwd: Path) -> None:
    (cwd / "m.py").write_bytes(BRANCHY)
    before = snapshot(cwd)
    expected = (
        b"--- a/m.py\n"
        b"+++ b/m.py\n"
        b"@@ -1,5 +1,5 @@\n"
        b" def f(x):\n"
        b"-    if x > 0:\n"
        b"+    if x > 0:  # converted\n"
        b"         x = x + 1\n"
        b"     for k in [1, 2]:\n"
        b"         x = x * k\n"
    )
    first = call_main(["transpile", "m.py", "--diff"])
    os.utime(cwd / "m.py", ns=(1, 1))  # a different mtime must not change the diff
    second = call_main(["transpile", "m.py", "--diff"])
    assert first.stdout == second.stdout == expected
    assert (first.returncode, first.stderr) == (0, "1 file would be converted.\n")
    r = call_main(["transpile", "m.py", "--diff", "--check"])
    assert (r.returncode, r.stdout) == (1, expected)
    before["m.py"] = (BRANCHY, 1)
    assert snapshot(cwd) == before


def test_diff_marks_a_missing_final_newline(cwd: Path) -> None:
    (cwd / "m.py").write_bytes(b"x = 1\nif x:\n    y = 2")
    r = call_main(["transpile", "m.py", "--diff"])
    assert r.stdout == (
        b"--- a/m.py\n"
        b"+++ b/m.py\n"
        b"@@ -1,3 +1,3 @@\n"
        b" x = 1\n"
        b"-if x:\n"
        b"+if x:  # converted\n"
        b"     y = 2\n"
        b"\\ No newline at end of file\n"
    )


def test_report_lines(cwd: Path) -> None:
    (cwd / "m.py").write_bytes(BRANCHY)
    (cwd / "plain.py").write_bytes(PLAIN)
    before = snapshot(cwd)
    r = call_main(["transpile", "m.py", "--report"])
    assert r.returncode == 0
    assert r.stdout == (
        b"m.py:2:5: converted if -> rt.ifelse\nm.py:4:5: kept for (iterates a Python list)\n"
    )
    assert r.stderr == "1 file would be converted.\n"
    r = call_main(["transpile", "plain.py", "--report"])
    assert (r.returncode, r.stdout) == (0, b"")
    assert snapshot(cwd) == before


def test_report_with_output_file(cwd: Path) -> None:
    (cwd / "m.py").write_bytes(BRANCHY)
    r = call_main(["transpile", "m.py", "--report", "-o", "out.py"])
    assert r.returncode == 0
    assert r.stdout.startswith(b"m.py:2:5: converted if -> rt.ifelse\n")
    assert r.stderr == "converted m.py -> out.py\n1 file converted.\n"
    assert (cwd / "out.py").read_bytes() == BRANCHY_CONVERTED


def test_output_keeps_crlf_and_encoding(cwd: Path) -> None:
    data = b"# coding: latin-1\ndef f(x):\r\n    if x:\r\n        return '\xe9'\r\n"
    (cwd / "m.py").write_bytes(data)
    r = call_main(["transpile", "m.py", "-o", "out.py"])
    assert r.returncode == 0
    assert (cwd / "out.py").read_bytes() == (
        b"# coding: latin-1\ndef f(x):\r\n    if x:  # converted\r\n        return '\xe9'\r\n"
    )


def test_output_into_existing_directory_uses_the_file_name(cwd: Path) -> None:
    (cwd / "m.py").write_bytes(BRANCHY)
    (cwd / "out").mkdir()
    r = call_main(["transpile", "m.py", "-o", "out"])
    assert r.returncode == 0
    assert (cwd / "out" / "m.py").read_bytes() == BRANCHY_CONVERTED


def test_output_into_a_new_directory_named_with_a_slash(cwd: Path) -> None:
    (cwd / "m.py").write_bytes(BRANCHY)
    r = call_main(["transpile", "m.py", "-o", "new/"])
    assert r.returncode == 0
    assert (cwd / "new" / "m.py").read_bytes() == BRANCHY_CONVERTED


def test_stdin_to_output_file(cwd: Path) -> None:
    r = call_main(["transpile", "-", "-o", "out.py"], stdin=BRANCHY)
    assert (r.returncode, r.stdout) == (0, b"")
    assert r.stderr == "converted <stdin> -> out.py\n1 file converted.\n"
    assert (cwd / "out.py").read_bytes() == BRANCHY_CONVERTED
    r = call_main(["transpile", "-", "-o", "somedir/"], stdin=BRANCHY)
    assert r.returncode == 2
    assert r.stderr.startswith("autoflow: error: -o somedir/ is a directory")
    assert sorted(p.name for p in cwd.iterdir()) == ["out.py"]


def test_stdin_diff_and_report_name_stdin(cwd: Path) -> None:
    r = call_main(["transpile", "-", "--diff"], stdin=BRANCHY)
    assert r.stdout.startswith(b"--- a/<stdin>\n+++ b/<stdin>\n@@ -1,5 +1,5 @@\n")
    r = call_main(["transpile", "-", "--report"], stdin=BRANCHY)
    assert r.stdout.startswith(b"<stdin>:2:5: converted if -> rt.ifelse\n")
    assert list(cwd.iterdir()) == []


def test_output_replaces_atomically(cwd: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (cwd / "m.py").write_bytes(BRANCHY)
    (cwd / "out.py").write_bytes(b"old\n")
    (cwd / "out.py").chmod(0o640)
    calls: list[tuple[str, str]] = []
    real_replace = os.replace

    def spy(src: str, dst: str) -> None:
        calls.append((src, dst))
        assert Path(src).read_bytes() == BRANCHY_CONVERTED  # complete before the swap
        assert (cwd / "out.py").read_bytes() == b"old\n"  # target untouched until the swap
        real_replace(src, dst)

    monkeypatch.setattr(autoflow.cli.os, "replace", spy)
    r = call_main(["transpile", "m.py", "-o", "out.py"])
    assert r.returncode == 0
    [(tmp, dst)] = calls
    assert dst == "out.py"
    assert Path(tmp).parent.resolve() == cwd.resolve()  # same directory: a rename, not a copy
    assert (cwd / "out.py").read_bytes() == BRANCHY_CONVERTED
    assert stat.S_IMODE((cwd / "out.py").stat().st_mode) == 0o640  # mode of the file it replaced
    assert sorted(p.name for p in cwd.iterdir()) == ["m.py", "out.py"]


def test_failed_replace_keeps_the_old_file_and_no_temporary(
    cwd: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (cwd / "m.py").write_bytes(BRANCHY)
    (cwd / "out.py").write_bytes(b"old\n")

    def fail(src: str, dst: str) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(autoflow.cli.os, "replace", fail)
    r = call_main(["transpile", "m.py", "-o", "out.py"])
    assert r.returncode == 2
    assert r.stderr == "out.py: error: cannot write: Permission denied\n1 file failed.\n"
    assert (cwd / "out.py").read_bytes() == b"old\n"
    assert sorted(p.name for p in cwd.iterdir()) == ["m.py", "out.py"]


def test_new_output_file_gets_umask_permissions(cwd: Path) -> None:
    (cwd / "m.py").write_bytes(BRANCHY)
    old = os.umask(0o022)
    try:
        assert call_main(["transpile", "m.py", "-o", "new.py"]).returncode == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((cwd / "new.py").stat().st_mode) == 0o644


def test_output_directory_inside_the_input_is_not_converted_again(cwd: Path) -> None:
    (cwd / "src").mkdir()
    (cwd / "src" / "a.py").write_bytes(BRANCHY)
    assert call_main(["transpile", "src", "-o", "src/out"]).returncode == 0
    r = call_main(["transpile", "src", "-o", "src/out"])
    assert r.returncode == 0
    assert r.stderr == "converted src/a.py -> src/out/a.py\n1 file converted.\n"
    assert sorted(str(p.relative_to(cwd)) for p in cwd.rglob("*.py")) == [
        "src/a.py",
        "src/out/a.py",
    ]


def test_failed_file_is_not_written(cwd: Path) -> None:
    (cwd / "m.py").write_bytes(b"def g():\n    UNCONVERTIBLE = 1\n")
    r = call_main(["transpile", "m.py", "-o", "out.py"])
    assert r.returncode == 2
    assert not (cwd / "out.py").exists()


def test_invalid_converted_code_is_an_internal_error_and_not_written(cwd: Path) -> None:
    (cwd / "m.py").write_bytes(b"BREAKME = 1\n")
    r = call_main(["transpile", "m.py", "-o", "out.py"])
    assert r.returncode == 2
    assert r.stderr.startswith(
        "m.py: error: internal error while checking the converted code: SyntaxError:"
    )
    assert "Traceback" not in r.stderr
    assert not (cwd / "out.py").exists()


def test_unwritable_destination_is_an_io_error(cwd: Path) -> None:
    (cwd / "m.py").write_bytes(BRANCHY)
    (cwd / "afile").write_bytes(b"")
    r = call_main(["transpile", "m.py", "-o", "afile/out.py"])
    assert r.returncode == 2
    assert r.stderr.startswith("afile/out.py: error: cannot write: ")
    assert "Traceback" not in r.stderr


def test_verbose_internal_error_shows_the_traceback(
    cwd: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(source: str, filename: str = "") -> TranspileResult:
        raise KeyError("oops")

    monkeypatch.setattr(autoflow.transpile, "transpile_module", boom)
    (cwd / "m.py").write_bytes(PLAIN)
    (cwd / "n.py").write_bytes(PLAIN)
    quiet = call_main(["transpile", ".", "--check"])
    assert quiet.returncode == 2
    assert "Traceback" not in quiet.stderr
    assert quiet.stderr.count("internal error while converting: KeyError: 'oops'") == 2
    assert quiet.stderr.endswith("2 files failed.\n")
    loud = call_main(["transpile", ".", "--check", "--verbose"])
    assert loud.returncode == 2
    assert loud.stderr.count("Traceback (most recent call last)") == 2

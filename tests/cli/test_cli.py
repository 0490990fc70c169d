"""`autoflow transpile` in a real interpreter: exit codes, stdout, stderr.

These hold whatever the transpiler does with control flow: they use files
without any (which must come out byte for byte) and inputs that fail before
conversion (syntax, decoding, IO, usage). Conversion-dependent behaviour is in
test_cli_transpiler.py; CLI logic on changed files, with a stand-in
transpiler, in test_cli_inprocess.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import BOOBYTRAPPED, PLAIN, SYNTAX_ERROR, run_cli, snapshot

import autoflow


def test_version(tmp_path: Path) -> None:
    r = run_cli("--version", cwd=tmp_path)
    assert (r.returncode, r.stdout, r.stderr) == (
        0,
        f"autoflow {autoflow.__version__}\n".encode(),
        "",
    )


def test_help_lists_every_flag(tmp_path: Path) -> None:
    r = run_cli("transpile", "--help", cwd=tmp_path)
    assert r.returncode == 0
    assert r.stderr == ""
    for flag in (b"-o OUT", b"--diff", b"--check", b"--report", b"--verbose", b"FILE|DIR|-"):
        assert flag in r.stdout
    top = run_cli("--help", cwd=tmp_path)
    assert top.returncode == 0 and b"transpile" in top.stdout


def test_console_script(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "autoflow"
    if not script.exists():
        pytest.skip(f"console script not installed next to {sys.executable}")
    (tmp_path / "m.py").write_bytes(PLAIN)
    r = run_cli("transpile", "m.py", cwd=tmp_path, python=[str(script)])
    assert (r.returncode, r.stdout) == (0, PLAIN)


def test_no_command_is_a_usage_error(tmp_path: Path) -> None:
    r = run_cli(cwd=tmp_path)
    assert r.returncode == 2
    assert r.stdout == b""
    assert "usage: autoflow" in r.stderr and "Traceback" not in r.stderr


def test_unknown_flag_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_bytes(PLAIN)
    r = run_cli("transpile", "m.py", "--inplace", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stdout == b""
    assert "unrecognized arguments: --inplace" in r.stderr


def test_file_without_control_flow_comes_out_byte_for_byte(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_bytes(PLAIN)
    before = snapshot(tmp_path)
    r = run_cli("transpile", "m.py", cwd=tmp_path)
    assert (r.returncode, r.stdout, r.stderr) == (0, PLAIN, "1 file unchanged.\n")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(PLAIN.replace(b"\n", b"\r\n"), id="crlf"),
        pytest.param(b"\xef\xbb\xbf" + PLAIN, id="utf8-bom"),
        pytest.param(
            b"# -*- coding: latin-1 -*-\nNAME = '\xe9t\xe9'  # \xe9\n", id="latin-1-cookie"
        ),
        pytest.param(b"x = '\xc3\xa9t\xc3\xa9'\ny = 2", id="utf8-no-final-newline"),
        pytest.param(b"", id="empty"),
    ],
)
def test_encodings_and_newlines_round_trip(tmp_path: Path, data: bytes) -> None:
    (tmp_path / "m.py").write_bytes(data)
    r = run_cli("transpile", "m.py", cwd=tmp_path)
    assert (r.returncode, r.stdout) == (0, data)


def test_stdin_to_stdout(tmp_path: Path) -> None:
    r = run_cli("transpile", "-", cwd=tmp_path, stdin=PLAIN)
    assert (r.returncode, r.stdout, r.stderr) == (0, PLAIN, "1 file unchanged.\n")
    assert list(tmp_path.iterdir()) == []


def test_stdin_syntax_error_names_stdin(tmp_path: Path) -> None:
    r = run_cli("transpile", "-", cwd=tmp_path, stdin=SYNTAX_ERROR)
    assert r.returncode == 2
    assert r.stdout == b""
    assert r.stderr.startswith("<stdin>:2:15: error: invalid syntax\n")


def test_syntax_error_is_located_with_a_caret_and_no_traceback(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_bytes(SYNTAX_ERROR)
    before = snapshot(tmp_path)
    r = run_cli("transpile", "bad.py", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stdout == b""
    assert r.stderr == (
        "bad.py:2:15: error: invalid syntax\n    return x +\n              ^\n1 file failed.\n"
    )
    assert snapshot(tmp_path) == before


def test_indentation_error_is_a_syntax_error(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_bytes(b"def f():\nreturn 1\n")
    r = run_cli("transpile", "bad.py", "--check", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.startswith("bad.py:2:1: error: invalid syntax: expected an indented block")
    assert "\n    return 1\n    ^\n" in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"x = 1\ny = '\xe9'\n", "m.py:2:6: error: cannot decode byte 0xe9 as utf-8\n"),
        (b"\xff\xfe = 1\n", "m.py:1:1: error: cannot decode byte 0xff as utf-8\n"),
        (
            b"# coding: klingon\nx = 1\n",
            "m.py:1:1: error: cannot decode source: unknown encoding: klingon\n",
        ),
    ],
    ids=["invalid-utf8", "invalid-utf8-first-line", "unknown-cookie"],
)
def test_undecodable_input_is_a_clean_error(tmp_path: Path, data: bytes, message: str) -> None:
    (tmp_path / "m.py").write_bytes(data)
    r = run_cli("transpile", "m.py", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stdout == b""
    assert r.stderr.startswith(message)
    assert "hint: " in r.stderr and "Traceback" not in r.stderr


def test_null_byte_is_a_syntax_error(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_bytes(b"x = 1\ny = \x002\n")
    r = run_cli("transpile", "m.py", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.startswith("m.py:2:5: error: invalid syntax")
    assert "Traceback" not in r.stderr


def test_missing_file_is_an_io_error(tmp_path: Path) -> None:
    r = run_cli("transpile", "nope.py", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stdout == b""
    assert r.stderr == "nope.py: error: cannot read: No such file or directory\n1 file failed.\n"


def test_files_are_parsed_never_imported_or_run(tmp_path: Path) -> None:
    (tmp_path / "trap.py").write_bytes(BOOBYTRAPPED)
    for flags in ([], ["--check"], ["--diff"], ["--report"]):
        r = run_cli("transpile", "trap.py", *flags, cwd=tmp_path)
        assert r.returncode in (0, 1), r.stderr
        assert not (tmp_path / "EXECUTED").exists()
        assert "Traceback" not in r.stderr


def _tree(root: Path) -> None:
    (root / "src" / "pkg").mkdir(parents=True)
    (root / "src" / "a.py").write_bytes(PLAIN)
    (root / "src" / "pkg" / "bad.py").write_bytes(SYNTAX_ERROR)
    (root / "src" / "pkg" / "c.py").write_bytes(b"X = 1\n")
    (root / "src" / "pkg" / "notes.txt").write_bytes(b"not python (")
    (root / "src" / ".hidden").mkdir()
    (root / "src" / ".hidden" / "h.py").write_bytes(SYNTAX_ERROR)
    (root / "src" / "__pycache__").mkdir()
    (root / "src" / "__pycache__" / "p.py").write_bytes(SYNTAX_ERROR)


def test_directory_one_bad_file_does_not_stop_the_others(tmp_path: Path) -> None:
    _tree(tmp_path)
    before = snapshot(tmp_path)
    r = run_cli("transpile", "src", "--check", "--verbose", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stdout == b""
    assert r.stderr == (
        "unchanged src/a.py\n"
        "src/pkg/bad.py:2:15: error: invalid syntax\n"
        "    return x +\n"
        "              ^\n"
        "unchanged src/pkg/c.py\n"
        "2 files unchanged, 1 failed.\n"
    )
    assert snapshot(tmp_path) == before


def test_directory_to_stdout_is_refused(tmp_path: Path) -> None:
    _tree(tmp_path)
    r = run_cli("transpile", "src", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stdout == b""
    assert r.stderr.startswith(
        "autoflow: error: converted source of several files cannot go to stdout"
    )


def test_directory_without_python_files(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    r = run_cli("transpile", "empty", "--check", cwd=tmp_path)
    assert (r.returncode, r.stdout, r.stderr) == (0, b"", "No Python files found.\n")


def test_check_on_unchanged_files_exits_0(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_bytes(PLAIN)
    before = snapshot(tmp_path)
    r = run_cli("transpile", "m.py", "--check", cwd=tmp_path)
    assert (r.returncode, r.stdout, r.stderr) == (0, b"", "1 file unchanged.\n")
    assert snapshot(tmp_path) == before


def test_diff_of_unchanged_file_is_empty(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_bytes(PLAIN)
    before = snapshot(tmp_path)
    r = run_cli("transpile", "m.py", "--diff", cwd=tmp_path)
    assert (r.returncode, r.stdout, r.stderr) == (0, b"", "1 file unchanged.\n")
    assert snapshot(tmp_path) == before


def test_output_file_is_written_and_input_untouched(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_bytes(PLAIN)
    before = snapshot(tmp_path)
    r = run_cli("transpile", "m.py", "-o", "out.py", cwd=tmp_path)
    assert (r.returncode, r.stdout, r.stderr) == (0, b"", "1 file unchanged.\n")
    after = snapshot(tmp_path)
    assert after.pop("out.py")[0] == PLAIN
    assert after == before  # input untouched, no temporary file left behind


def test_output_directory_mirrors_the_tree(tmp_path: Path) -> None:
    _tree(tmp_path)
    before = snapshot(tmp_path)
    r = run_cli("transpile", "src", "-o", "out", cwd=tmp_path)
    assert r.returncode == 2  # bad.py
    assert r.stdout == b""
    assert r.stderr.endswith("2 files unchanged, 1 failed.\n")
    after = snapshot(tmp_path)
    written = {k: v[0] for k, v in after.items() if k.startswith("out")}
    assert written == {"out/a.py": PLAIN, "out/pkg/c.py": b"X = 1\n"}
    assert {k: v for k, v in after.items() if not k.startswith("out")} == before


def test_output_must_be_a_directory_for_a_directory_input(tmp_path: Path) -> None:
    _tree(tmp_path)
    (tmp_path / "out.py").write_bytes(b"keep me\n")
    before = snapshot(tmp_path)
    r = run_cli("transpile", "src", "-o", "out.py", cwd=tmp_path)
    assert r.returncode == 2
    assert "-o must be a directory too" in r.stderr
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["-o", "o.py", "--check"], "-o cannot be combined with --check or --diff"),
        (["-o", "o.py", "--diff"], "-o cannot be combined with --check or --diff"),
        (["--diff", "--report"], "--diff and --report both print to stdout"),
        (["-"], "- (standard input) cannot be combined with other inputs"),
        (["other.py", "-o", "o.py"], "-o takes exactly one input"),
    ],
)
def test_conflicting_flags_are_usage_errors(tmp_path: Path, flags: list[str], message: str) -> None:
    (tmp_path / "m.py").write_bytes(PLAIN)
    before = snapshot(tmp_path)
    r = run_cli("transpile", "m.py", *flags, cwd=tmp_path)
    assert r.returncode == 2
    assert r.stdout == b""
    assert r.stderr.startswith(f"autoflow: error: {message}")
    assert snapshot(tmp_path) == before


def test_internal_error_has_no_traceback_unless_verbose(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_bytes(PLAIN)
    driver = (
        "import sys, autoflow.transpile as t\n"
        "def boom(source, filename):\n"
        "    raise RuntimeError('boom')\n"
        "t.transpile_module = boom\n"
        "from autoflow.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    quiet = run_cli("transpile", "m.py", cwd=tmp_path, python=[sys.executable, "-c", driver])
    assert quiet.returncode == 2
    assert quiet.stdout == b""
    assert quiet.stderr == (
        "m.py: error: internal error while converting: RuntimeError: boom\n"
        "note: this is a bug in autoflow; rerun with --verbose for the traceback\n"
        "1 file failed.\n"
    )
    loud = run_cli(
        "transpile", "m.py", "--verbose", cwd=tmp_path, python=[sys.executable, "-c", driver]
    )
    assert loud.returncode == 2
    assert "Traceback (most recent call last)" in loud.stderr
    assert "RuntimeError: boom" in loud.stderr


def test_closed_stdout_pipe_is_quiet(tmp_path: Path) -> None:
    (tmp_path / "big.py").write_bytes(PLAIN + b"DATA = '" + b"a" * 2_000_000 + b"'\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "autoflow", "transpile", "big.py"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.read(6) == PLAIN[:6]
    proc.stdout.close()  # the reader goes away, like `| head -1`
    err = proc.stderr.read().decode()
    proc.stderr.close()
    # 2 when the write fails; 0 when the OS took the whole write before the close.
    assert proc.wait(timeout=120) in (0, 2)
    assert "Traceback" not in err and "Exception ignored" not in err

"""The ``autoflow`` command: ``autoflow transpile FILE|DIR|- [options]``.

It reads files as bytes, decodes them the way Python would (PEP 263 coding
cookie, UTF-8 by default), parses them, and converts them with
``autoflow.transpile.transpile_module``. It never imports or runs the files it
reads and writes nothing unless ``-o`` names a destination.

stdout carries only the payload (converted source, diff or ``--report``
lines); status messages and the summary go to stderr. Exit status: 0 ok,
1 ``--check`` found files that would change, 2 an error (syntax, IO,
decoding, usage, or a bug in autoflow).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import difflib
import gc
import io
import os
import re
import sys
import tempfile
import tokenize
import traceback
import warnings
from collections.abc import Iterator, Sequence

from autoflow import __version__
from autoflow.errors import ConversionError
from autoflow.report import (
    ExitCode,
    Failure,
    FailureKind,
    FileResult,
    Report,
    Success,
    Unchanged,
    format_entries,
)

__all__ = ["main", "transpile_file", "transpile_source", "unified_diff", "write_atomic"]

STDIN_NAME = "<stdin>"
# Directories never entered when walking a tree (hidden ones are skipped too).
_SKIP_DIRS = frozenset({"__pycache__", "node_modules", "site-packages"})
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


# ---------------------------------------------------------------------------
# One file: bytes in, result out. Never raises.
# ---------------------------------------------------------------------------


def _decode(data: bytes, path: str) -> tuple[str, str] | Failure:
    """Decode like the interpreter does: BOM, then a PEP 263 cookie, then UTF-8."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as e:
        if not e.msg.startswith(("unknown encoding", "encoding problem")):
            # Invalid UTF-8 in the first two lines: decoding below says where.
            encoding = "utf-8"
        else:  # an unknown codec in the cookie, or a BOM with a non-UTF-8 cookie
            err = ConversionError(
                f"cannot decode source: {e.msg}",
                filename=path,
                line=1,
                column=1,
                hint="declare a known encoding (PEP 263), or save the file as UTF-8",
            )
            return Failure(path, FailureKind.DECODE, str(err))
    try:
        return data.decode(encoding), encoding
    except (UnicodeDecodeError, LookupError) as e:
        start = getattr(e, "start", 0)
        line = data.count(b"\n", 0, start) + 1
        column = start - (data.rfind(b"\n", 0, start) + 1) + 1
        what = f"byte 0x{data[start]:02x}" if start < len(data) else "input"
        err = ConversionError(
            f"cannot decode {what} as {encoding}",
            filename=path,
            line=line,
            column=column,
            hint="declare the file's encoding with a coding cookie (PEP 263), or save it as UTF-8",
        )
        return Failure(path, FailureKind.DECODE, str(err))


def _source_line(source: str, line: int) -> str | None:
    lines = _LINE_BREAK.split(source)
    return lines[line - 1] if 1 <= line <= len(lines) else None


def _parse(source: str, path: str) -> None:
    # Warnings such as "invalid escape sequence" are the user's compiler's
    # business, not ours: silence them so stderr stays ours.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ast.parse(source, filename=path)


def _syntax_failure(source: str, path: str) -> Failure | None:
    """CPython's own verdict (``ast.parse`` only builds a tree, it runs nothing)."""
    index = source.find("\0")
    if index >= 0:  # CPython reports these at 1:1 (or as ValueError): say where
        line = source.count("\n", 0, index) + 1
        column = index - (source.rfind("\n", 0, index) + 1) + 1
        err = ConversionError(
            "invalid syntax: source contains a null byte",
            filename=path,
            line=line,
            column=column,
            source_line=_source_line(source, line),
        )
        return Failure(path, FailureKind.SYNTAX, str(err))
    try:
        _parse(source, path)
    except SyntaxError as e:
        line = e.lineno or 1
        msg = e.msg if e.msg.startswith("invalid syntax") else f"invalid syntax: {e.msg}"
        err = ConversionError(
            msg,
            filename=path,
            line=line,
            column=e.offset or 1,
            source_line=_source_line(source, line),
        )
        return Failure(path, FailureKind.SYNTAX, str(err))
    except (RecursionError, MemoryError):
        return Failure(
            path, FailureKind.SYNTAX, f"{path}:1:1: error: too deeply nested for the Python parser"
        )
    return None


def _internal(path: str, what: str, exc: BaseException) -> Failure:
    return Failure(
        path,
        FailureKind.INTERNAL,
        f"{path}: error: internal error while {what}: {type(exc).__name__}: {exc}",
        traceback.format_exc(),
    )


def transpile_source(data: bytes, path: str = STDIN_NAME) -> FileResult:
    """Convert one module given as bytes; ``path`` is used in messages only.

    Returns ``Success`` (the code changed), ``Unchanged`` or ``Failure``;
    never raises (except ``KeyboardInterrupt`` and friends).
    """
    decoded = _decode(data, path)
    if isinstance(decoded, Failure):
        return decoded
    source, encoding = decoded
    with _cyclic_gc_paused():
        return _transpile_decoded(source, encoding, path)


@contextlib.contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector while one file converts.

    The conversion keeps large libcst trees alive and allocates many small
    objects; each automatic collection then walks those trees again (a third
    of the time on a 5,000-line file). What the file leaves behind is
    collected as usual once the collector runs again.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _transpile_decoded(source: str, encoding: str, path: str) -> FileResult:
    failure = _syntax_failure(source, path)
    if failure is not None:
        return failure
    try:
        from autoflow.transpile import transpile_module

        result = transpile_module(source, path)
    except ConversionError as e:
        return Failure(path, FailureKind.CONVERSION, str(e))
    except RecursionError:
        return Failure(
            path,
            FailureKind.CONVERSION,
            f"{path}: error: nested too deeply for autoflow to convert",
        )
    except Exception as e:  # a bug in autoflow: report it, never crash
        return _internal(path, "converting", e)
    entries = tuple(result.report)
    if result.code == source:
        return Unchanged(path, source, encoding, entries)
    # Guard against writing broken code: a failure here is our bug, not the user's.
    try:
        _parse(result.code, path)
        result.code.encode(encoding)
    except Exception as e:
        return _internal(path, "checking the converted code", e)
    return Success(path, source, result.code, encoding, entries)


def transpile_file(path: str | os.PathLike[str]) -> FileResult:
    """Read and convert one file. Never raises; never writes."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as f:
            data = f.read()
    except OSError as e:
        return Failure(name, FailureKind.IO, f"{name}: error: cannot read: {e.strerror or e}")
    return transpile_source(data, name)


# ---------------------------------------------------------------------------
# Payloads and writing
# ---------------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    # Python's own line breaks only (str.splitlines also splits on \f, \x1c, ...).
    return io.StringIO(text, newline="").readlines()


def unified_diff(before: str, after: str, path: str) -> str:
    """A unified diff with ``a/PATH`` / ``b/PATH`` headers and no timestamps,
    so the same input always gives the same diff (``git apply``/``patch -p1`` read it)."""
    out = []
    header = path.replace(os.sep, "/")
    for line in difflib.unified_diff(
        _lines(before), _lines(after), fromfile=f"a/{header}", tofile=f"b/{header}"
    ):
        out.append(line)
        if not line.endswith(("\n", "\r")):
            out.append("\n\\ No newline at end of file\n")
    return "".join(out)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same directory
    and ``os.replace``: readers see the old file or the new one, never half of one."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    try:
        mode = os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _write_stdout(data: bytes) -> None:
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is not None:
        buffer.write(data)
        buffer.flush()
    else:  # a text-only stream (some test harnesses)
        sys.stdout.write(data.decode("utf-8", "replace"))
        sys.stdout.flush()


# ---------------------------------------------------------------------------
# Which files, and where they go
# ---------------------------------------------------------------------------


def _walk(root: str, exclude: str | None) -> list[str]:
    """Every ``*.py`` under ``root`` in sorted path order; hidden and cache
    directories skipped, symbolic links to directories not followed."""
    found: list[str] = []
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".")
            and d not in _SKIP_DIRS
            and (exclude is None or os.path.realpath(os.path.join(directory, d)) != exclude)
        )
        found.extend(
            os.path.normpath(os.path.join(directory, f)) for f in sorted(files) if f.endswith(".py")
        )
    return sorted(found, key=lambda p: os.path.normpath(p).split(os.sep))


def _plan(args: argparse.Namespace, report: Report) -> list[tuple[str, str | None]] | None:
    """(input path, output path or None) for every file, or None after a usage error."""
    sources: list[str] = args.sources
    out: str | None = args.output
    if out is not None and len(sources) > 1:
        report.error("-o takes exactly one input (a file, a directory or -)")
        return None
    plan: list[tuple[str, str | None]] = []
    for src in sources:
        if src == "-":
            if out is not None and (os.path.isdir(out) or out.endswith(("/", os.sep))):
                report.error(f"-o {out} is a directory; standard input needs a file name")
                return None
            plan.append((src, out))
        elif os.path.isdir(src):
            if out is not None and os.path.exists(out) and not os.path.isdir(out):
                report.error(
                    f"input {src} is a directory, so -o must be a directory too ({out} is a file)"
                )
                return None
            exclude = None
            if out is not None:
                out_real, src_real = os.path.realpath(out), os.path.realpath(src)
                if out_real != src_real and out_real.startswith(src_real + os.sep):
                    exclude = out_real  # do not convert our own output on a rerun
            for path in _walk(src, exclude):
                target = None if out is None else os.path.join(out, os.path.relpath(path, src))
                plan.append((path, target))
        else:
            target = out
            if out is not None and (os.path.isdir(out) or out.endswith(("/", os.sep))):
                target = os.path.join(out, os.path.basename(src))
            plan.append((src, target))
    to_stdout = out is None and not (args.check or args.diff or args.report)
    several = len(plan) > 1 or any(os.path.isdir(s) for s in sources)
    if to_stdout and several:
        report.error(
            "converted source of several files cannot go to stdout: "
            "use -o DIR to write them, or --check, --diff or --report"
        )
        return None
    return plan


# ---------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autoflow",
        description="Rewrite plain Python control flow into JAX runtime calls.",
    )
    parser.add_argument("--version", action="version", version=f"autoflow {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    t = commands.add_parser(
        "transpile",
        help="print or write the converted source of Python files",
        description=(
            "Convert every function and method of the given files into code that "
            "calls `runtime`. The files are parsed, never imported or run. "
            "Exit status: 0 ok, 1 --check found files that would change, 2 error."
        ),
    )
    t.add_argument(
        "sources",
        nargs="+",
        metavar="FILE|DIR|-",
        help="Python files, directories (walked for *.py, sorted), or - for standard input",
    )
    t.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        help="write the converted source to OUT (atomically) instead of stdout; "
        "a directory input needs a directory OUT and its tree is mirrored",
    )
    t.add_argument(
        "--diff", action="store_true", help="print a unified diff against the input, write nothing"
    )
    t.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if any file would change, 0 if none",
    )
    t.add_argument(
        "--report",
        action="store_true",
        help="print, per construct, what it was converted to or why it stays Python",
    )
    t.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="also name unchanged files, and show tracebacks of internal errors",
    )
    return parser


def _run(args: argparse.Namespace) -> int:
    report = Report(
        sys.stderr,
        check=args.check,
        dry_run=args.output is None and (args.diff or args.report),
        verbose=args.verbose,
    )
    if args.output is not None and (args.check or args.diff):
        report.error("-o cannot be combined with --check or --diff (they write nothing)")
        return report.exit_code
    if args.diff and args.report:
        report.error("--diff and --report both print to stdout: choose one")
        return report.exit_code
    if "-" in args.sources and len(args.sources) > 1:
        report.error("- (standard input) cannot be combined with other inputs")
        return report.exit_code
    plan = _plan(args, report)
    if plan is None:
        return report.exit_code

    for src, target in plan:
        if src == "-":
            result = transpile_source(sys.stdin.buffer.read(), STDIN_NAME)
        else:
            result = transpile_file(src)
        written = None
        if target is not None and not isinstance(result, Failure):
            try:
                write_atomic(target, result.code.encode(result.encoding))
                written = target
            except OSError as e:
                result = Failure(
                    result.path,
                    FailureKind.IO,
                    f"{target}: error: cannot write: {e.strerror or e}",
                )
        if not isinstance(result, Failure):
            if args.report:
                lines = format_entries(result.path, result.entries)
                if lines:
                    _write_stdout(("\n".join(lines) + "\n").encode("utf-8", "backslashreplace"))
            elif args.diff:
                if isinstance(result, Success):
                    diff = unified_diff(result.source, result.code, result.path)
                    _write_stdout(diff.encode(result.encoding, "backslashreplace"))
            elif target is None and not args.check:
                _write_stdout(result.code.encode(result.encoding))
        report.add(result, written)
    report.write_summary()
    return report.exit_code


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``autoflow`` command; returns the exit status (0, 1 or 2)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help, --version, usage errors (argparse exits 2)
        return e.code if isinstance(e.code, int) else ExitCode.ERROR
    try:
        return int(_run(args))
    except BrokenPipeError:
        # The reader went away (``autoflow transpile x.py | head``): stop quietly.
        with contextlib.suppress(Exception):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return ExitCode.ERROR
    except KeyboardInterrupt:
        sys.stderr.write("autoflow: interrupted\n")
        return 130
    except Exception as e:  # a bug outside the per-file guard: still no raw traceback
        sys.stderr.write(f"autoflow: internal error: {type(e).__name__}: {e}\n")
        if args.verbose:
            traceback.print_exc()
        else:
            sys.stderr.write(
                "note: this is a bug in autoflow; rerun with --verbose for the traceback\n"
            )
        return ExitCode.ERROR

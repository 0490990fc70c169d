"""Run every benchmark script in tests/benchmarks/ and print one markdown table.

Usage::

    python tests/benchmarks/run_all.py             # full sizes
    python tests/benchmarks/run_all.py --quick     # small sizes, a smoke run
    python tests/benchmarks/run_all.py -k hh -o table.md
    python tests/benchmarks/run_all.py --update-docs   # rewrite the table in docs/benchmarks.md

The contract for a benchmark script (``tests/benchmarks/bench_*.py``):

* It runs standalone (``python tests/benchmarks/bench_x.py``) and accepts
  ``--quick`` (small sizes, finishing in well under a minute).
* Every result is one line on stdout of the form::

      | <benchmark> | <measurement> | <ours> | <baseline> | <ratio> | <target> |

  six cells, the line starting with ``"| "`` and ending with ``" |"``.
  ``ours`` and ``baseline`` are times with their unit (``"12.3 ms"``) or
  ``"-"``; ``ratio`` is ours / baseline with two decimals (below 1 means
  autoflow is faster), or ``"-"``; ``target`` is the goal for the ratio
  (``"<= 1.05"``) or ``"-"``. Example::

      | HH 1000 x 10000 | steady state vs lax.scan | 412 ms | 405 ms | 1.02 | <= 1.05 |

  Ratios are measured side by side in the same process and run; no script
  asserts an absolute time.
* Any other stdout line (including a header or ``|---|`` separator) and all
  of stderr is commentary: run_all shows it only with ``--verbose`` or when
  the script fails.
* Exit status 0 on success. On a non-zero exit, run_all adds a row saying so
  and carries on with the next script.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOCS_PAGE = HERE.parents[1] / "docs" / "benchmarks.md"
_DOCS_START, _DOCS_END = "<!-- bench-table:start -->", "<!-- bench-table:end -->"
HEADER = ("benchmark", "measurement", "autoflow", "baseline", "ratio", "target")
_SEPARATOR = re.compile(r"^\|\s*:?-{3,}")


def parse_rows(stdout: str) -> list[list[str]]:
    """The result rows of a benchmark script's stdout, each as six cells."""
    rows = []
    for line in stdout.splitlines():
        line = line.rstrip()
        if not (line.startswith("| ") and line.endswith(" |")) or _SEPARATOR.match(line):
            continue
        cells = [cell.strip() for cell in line[1:-1].split(" | ")]
        if [c.lower() for c in cells] == list(HEADER):
            continue
        cells = (cells + ["-"] * len(HEADER))[: len(HEADER)] if len(cells) != len(HEADER) else cells
        rows.append(cells)
    return rows


def format_table(rows: list[list[str]]) -> str:
    """A markdown table with aligned columns."""
    table = [list(HEADER), *rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(HEADER))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(table[0], widths)) + " |"]
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in table[1:]:
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |")
    return "\n".join(lines)


def machine_info() -> str:
    """One line naming the machine, Python and JAX, for the table's caption."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        import jax

        backend = f"jax {jax.__version__} on {jax.default_backend()}"
    except Exception as err:  # noqa: BLE001 - an info line must not stop the run
        backend = f"jax unavailable ({type(err).__name__})"
    cores = os.cpu_count()
    return (
        f"{cpu}, {cores} cores; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}; {backend}"
    )


def run_script(path: Path, quick: bool, timeout: float, verbose: bool) -> list[list[str]]:
    cmd = [sys.executable, str(path), *(["--quick"] if quick else [])]
    name = path.stem
    start = time.perf_counter()
    print(f"running {path.name} ...", file=sys.stderr, flush=True)
    try:
        # Benchmarks convert with autoflow's conversion cache off, unless a script
        # turns it on (bench_hh's fresh-process rows do, in a directory of their
        # own): a hit would be timed as a conversion, and the user's cache stays clean.
        env = {"AUTOFLOW_CACHE": "0", **os.environ}
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired as err:
        out = err.stdout.decode() if isinstance(err.stdout, bytes) else (err.stdout or "")
        return [*parse_rows(out), [name, f"timed out after {timeout:.0f} s", "-", "-", "-", "-"]]
    seconds = time.perf_counter() - start
    print(f"  {path.name}: exit {result.returncode} in {seconds:.0f} s", file=sys.stderr)
    rows = parse_rows(result.stdout)
    if verbose or result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
    if result.returncode == 0 and not rows:
        rows.append([name, "printed no result rows (see the format above)", "-", "-", "-", "-"])
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["?"])[-1][:80].replace("|", "/")
        rows.append([name, f"failed (exit {result.returncode}): {last}", "-", "-", "-", "-"])
    return rows


def update_docs(text: str, page: Path = DOCS_PAGE) -> None:
    """Replace what lies between the table markers of the benchmarks page."""
    doc = page.read_text(encoding="utf-8")
    start, end = doc.find(_DOCS_START), doc.find(_DOCS_END)
    if start < 0 or end < start:
        raise SystemExit(f"{page}: no {_DOCS_START} ... {_DOCS_END} markers")
    stamp = time.strftime("%Y-%m-%d")
    body = f"{_DOCS_START}\nMeasured {stamp}. {text.strip()}\n"
    page.write_text(doc[:start] + body + doc[end:], encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="run all benchmarks, print one markdown table")
    parser.add_argument("--quick", action="store_true", help="small sizes (passed to each script)")
    parser.add_argument(
        "-k", dest="pattern", default="", help="only scripts whose name contains this"
    )
    parser.add_argument("-o", "--output", help="also write the table (with machine info) here")
    parser.add_argument(
        "--update-docs", action="store_true", help=f"write the table into {DOCS_PAGE.name}"
    )
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per script (1800)")
    parser.add_argument("-v", "--verbose", action="store_true", help="show each script's output")
    args = parser.parse_args(argv)

    scripts = sorted(p for p in HERE.glob("bench_*.py") if args.pattern in p.stem)
    if not scripts:
        print(f"no benchmark scripts matching {args.pattern!r} in {HERE}", file=sys.stderr)
        return 2
    rows: list[list[str]] = []
    failed = False
    for path in scripts:
        got = run_script(path, args.quick, args.timeout, args.verbose)
        failed |= any(r[1].startswith(("failed", "timed out")) for r in got)
        rows.extend(got)
    text = f"Machine: {machine_info()}\n\n{format_table(rows)}\n"
    print(text)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    if args.update_docs:
        update_docs(text)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Hypothesis: random bytes and mangled versions of a valid file never make the
CLI crash (no traceback, exit status 0, 1 or 2 only) and never write a file."""

from __future__ import annotations

import tempfile
from pathlib import Path

from cli_helpers import call_main, run_cli, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

VALID = """\
import jax.numpy as jnp


def step(x, n):
    total = 0.0
    i = 0
    while i < n:
        if x[i] > 0 and i % 2 == 0:
            total = total + x[i]
        elif x[i] < -1:
            break
        else:
            continue
        i += 1
    for v in x:
        total = total * 0.5 + v if v > 0 else total
    return total


class Net:
    def __call__(self, x):
        return -x if x.sum() > 0 else x
"""

FLAGS = st.sampled_from([[], ["--check"], ["--diff"], ["--report"], ["--check", "--diff"]])

_settings = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """VALID with a few characters or lines deleted, duplicated or inserted."""
    text = VALID
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(
            st.sampled_from(
                ["del-char", "dup-char", "ins-char", "del-line", "dup-line", "ins-line"]
            )
        )
        if kind.endswith("char"):
            i = draw(st.integers(0, max(len(text) - 1, 0)))
            if kind == "del-char":
                text = text[:i] + text[i + 1 :]
            elif kind == "dup-char":
                text = text[: i + 1] + text[i:]
            else:
                c = draw(
                    st.sampled_from(list(" \t\n:()[]=+-'\"#\\\r\x00é") + ["if", "else", "break"])
                )
                text = text[:i] + c + text[i:]
        else:
            lines = text.splitlines(keepends=True)
            i = draw(st.integers(0, max(len(lines) - 1, 0)))
            if kind == "del-line":
                del lines[i : i + 1]
            elif kind == "dup-line":
                lines[i:i] = lines[i : i + 1]
            else:
                lines.insert(
                    i,
                    draw(
                        st.sampled_from(
                            ["    return\n", "  x = (\n", "\tpass\n", "else:\n", "        break\n"]
                        )
                    ),
                )
            text = "".join(lines)
    encoding = draw(st.sampled_from(["utf-8", "latin-1", "utf-16"]))
    return text.encode(encoding, "replace")


def _check(data: bytes, flags: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path = root / "m.py"
        path.write_bytes(data)
        before = snapshot(root)
        r = call_main(["transpile", str(path), *flags])
        assert r.returncode in (0, 1, 2), r.stderr
        assert "Traceback" not in r.stderr
        assert snapshot(root) == before
        if r.returncode == 2:
            assert "error:" in r.stderr
        # stdin takes the same path through the code
        s = call_main(["transpile", "-", *flags], stdin=data)
        assert (s.returncode, "Traceback" in s.stderr) == (r.returncode, False)
        assert snapshot(root) == before


@_settings
@given(data=st.binary(max_size=400), flags=FLAGS)
def test_random_bytes(data: bytes, flags: list[str]) -> None:
    _check(data, flags)


@_settings
@given(data=mutated(), flags=FLAGS)
def test_mutated_valid_file(data: bytes, flags: list[str]) -> None:
    _check(data, flags)


def test_real_process_on_garbage(tmp_path: Path) -> None:
    samples = {
        "junk.py": bytes(range(256)) * 3,
        "cut.py": VALID[: len(VALID) // 2].encode() + b"\n    if (\n",
        "utf16.py": VALID.encode("utf-16"),
    }
    for name, data in samples.items():
        (tmp_path / name).write_bytes(data)
    before = snapshot(tmp_path)
    for flags in ([], ["--check"], ["--diff"]):
        r = run_cli(
            "transpile",
            *([name for name in samples] if flags else ["junk.py"]),
            *flags,
            cwd=tmp_path,
        )
        assert r.returncode == 2
        assert "Traceback" not in r.stderr
        assert snapshot(tmp_path) == before
    r = run_cli("transpile", ".", "--check", cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.endswith("3 files failed.\n")

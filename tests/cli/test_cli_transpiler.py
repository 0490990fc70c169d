"""`autoflow transpile` with the real transpiler and runtime, end to end:
converted output runs without autoflow and matches eager Python."""

from __future__ import annotations

import ast
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest
from cli_helpers import PLAIN, SYNTAX_ERROR, run_cli, snapshot

MODEL = b"""\
import jax.numpy as jnp


def clipped_sum(x, limit):
    total = 0.0
    for v in x:
        if v > 0:  # only the positive entries
            total = total + v
    if total > limit:
        total = limit
    return total


def sum_of_squares(n):
    i = 0
    acc = 0
    while i < n:
        acc = acc + i * i
        i = i + 1
    return acc


def sign(x):
    return 1.0 if x > 0 else -1.0


def scale_all(x):
    for k in [1.0, 2.0, 3.0]:
        x = x * k
    return x
"""

# Run in a fresh interpreter where `import autoflow` fails: the converted
# model must need only `runtime` (and what it imported itself).
DRIVER = """\
import json, sys
sys.modules["autoflow"] = None
import jax
import jax.numpy as jnp
import model_out as m

x = jnp.array([1.5, -2.0, 3.0, 0.25])
out = {}
for name, args in [
    ("clipped_sum", (x, 4.0)),
    ("clipped_sum", (x, 10.0)),
    ("sum_of_squares", (jnp.int32(7),)),
    ("sign", (jnp.float32(-0.5),)),
    ("sign", (jnp.float32(2.0),)),
    ("scale_all", (x,)),
]:
    fn = getattr(m, name)
    out.setdefault(name, []).append(
        [jnp.asarray(fn(*args)).tolist(), jnp.asarray(jax.jit(fn)(*args)).tolist()]
    )
print(json.dumps(out))
"""


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_transpiled_model_runs_without_autoflow_and_matches_eager(tmp_path: Path) -> None:
    import jax.numpy as jnp

    (tmp_path / "model.py").write_bytes(MODEL)
    r = run_cli("transpile", "model.py", "-o", "model_out.py", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    converted = run_cli(cwd=tmp_path, python=[sys.executable, "-c", DRIVER])
    assert converted.returncode == 0, converted.stderr
    got = json.loads(converted.stdout)

    original = _load(tmp_path / "model.py", "autoflow_cli_test_model")
    x = jnp.array([1.5, -2.0, 3.0, 0.25])
    expected = {
        "clipped_sum": [original.clipped_sum(x, 4.0), original.clipped_sum(x, 10.0)],
        "sum_of_squares": [original.sum_of_squares(7)],
        "sign": [original.sign(-0.5), original.sign(2.0)],
        "scale_all": [original.scale_all(x)],
    }
    assert set(got) == set(expected)
    for name, values in expected.items():
        for (eager_converted, jitted), value in zip(got[name], values, strict=True):
            want = jnp.asarray(value).tolist()
            assert eager_converted == pytest.approx(want, rel=1e-6), name
            assert jitted == pytest.approx(want, rel=1e-6), name


def test_if_on_a_traced_value_is_rewritten(tmp_path: Path) -> None:
    (tmp_path / "model.py").write_bytes(MODEL)
    before = snapshot(tmp_path)
    r = run_cli("transpile", "model.py", cwd=tmp_path)
    assert (r.returncode, r.stderr) == (0, "1 file converted.\n")
    code = r.stdout.decode()
    assert "rt.ifelse(" in code and "rt.while_loop(" in code
    assert "# only the positive entries" in code  # comments survive
    ast.parse(code)
    assert snapshot(tmp_path) == before


def test_output_adds_no_import_but_runtime(tmp_path: Path) -> None:
    (tmp_path / "model.py").write_bytes(MODEL)
    r = run_cli("transpile", "model.py", cwd=tmp_path)
    assert r.returncode == 0

    def imported(source: bytes | str) -> set[str]:
        names = set()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module.split(".")[0])
        return names

    assert imported(r.stdout) - imported(MODEL) == {"runtime"}


def test_ternary_on_a_traced_value_compiles(tmp_path: Path) -> None:
    (tmp_path / "model.py").write_bytes(MODEL)
    r = run_cli("transpile", "model.py", "--report", "-o", "model_out.py", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert any(
        line.startswith(b"model.py:24:12: converted ternary -> ") for line in r.stdout.splitlines()
    )
    driver = (
        "import sys\nsys.modules['autoflow'] = None\nimport jax, jax.numpy as jnp\nimport model_out\n"
        "f = jax.jit(model_out.sign)\n"
        "print(float(f(jnp.float32(-0.5))), float(f(jnp.float32(2.0))))\n"
    )
    out = run_cli(cwd=tmp_path, python=[sys.executable, "-c", driver])
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [b"-1.0", b"1.0"]  # sign(-0.5), sign(2.0) in plain Python


def test_autoflow_jit_becomes_the_runtime_jit(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_bytes(
        b"import autoflow\n\n\n@autoflow.jit\ndef f(x):\n    if x > 0:\n        x = x * 2.0\n    return x\n"
    )
    r = run_cli("transpile", "m.py", "-o", "m_out.py", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    tree = ast.parse((tmp_path / "m_out.py").read_bytes())
    assert not any(isinstance(n, ast.Name) and n.id == "autoflow" for n in ast.walk(tree))
    driver = (
        "import sys\nsys.modules['autoflow'] = None\nimport jax.numpy as jnp\nimport m_out\n"
        "print(float(m_out.f(jnp.float32(3.0))), float(m_out.f(jnp.float32(-1.0))))\n"
    )
    out = run_cli(cwd=tmp_path, python=[sys.executable, "-c", driver])
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [b"6.0", b"-1.0"]


def test_check_exits_1_when_a_file_would_change(tmp_path: Path) -> None:
    (tmp_path / "model.py").write_bytes(MODEL)
    before = snapshot(tmp_path)
    r = run_cli("transpile", "model.py", "--check", cwd=tmp_path)
    assert (r.returncode, r.stdout, r.stderr) == (
        1,
        b"",
        "would convert model.py\n1 file would be converted.\n",
    )
    assert snapshot(tmp_path) == before


def test_converting_the_output_again_changes_nothing(tmp_path: Path) -> None:
    (tmp_path / "model.py").write_bytes(MODEL)
    assert run_cli("transpile", "model.py", "-o", "once.py", cwd=tmp_path).returncode == 0
    assert (tmp_path / "once.py").read_bytes() != MODEL
    r = run_cli("transpile", "once.py", "--check", cwd=tmp_path)
    assert (r.returncode, r.stderr) == (0, "1 file unchanged.\n")


def test_report_names_what_each_construct_became(tmp_path: Path) -> None:
    (tmp_path / "model.py").write_bytes(MODEL)
    r = run_cli("transpile", "model.py", "--report", cwd=tmp_path)
    assert r.returncode == 0
    lines = r.stdout.decode().splitlines()
    assert "model.py:7:9: converted if -> rt.ifelse" in lines
    assert "model.py:17:5: converted while -> rt.while_loop" in lines
    assert any(line.startswith("model.py:24:12: converted ternary -> rt.") for line in lines)
    # A loop over a list: rt.for_each runs it as a Python loop, or it is kept.
    assert any(
        line == "model.py:28:5: converted for -> rt.for_each"
        or line.startswith("model.py:28:5: kept for (")
        for line in lines
    )
    assert r.stderr == "1 file would be converted.\n"


def test_diff_against_the_input(tmp_path: Path) -> None:
    (tmp_path / "model.py").write_bytes(MODEL)
    first = run_cli("transpile", "model.py", "--diff", cwd=tmp_path)
    second = run_cli("transpile", "model.py", "--diff", cwd=tmp_path)
    assert first.returncode == 0
    assert first.stdout == second.stdout
    assert first.stdout.startswith(b"--- a/model.py\n+++ b/model.py\n@@ ")
    assert b"\n+" in first.stdout and b"rt.ifelse(" in first.stdout


def test_directory_summary_with_real_conversion(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_bytes(MODEL)
    (tmp_path / "src" / "b.py").write_bytes(SYNTAX_ERROR)
    (tmp_path / "src" / "c.py").write_bytes(PLAIN)
    r = run_cli("transpile", "src", "--check", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.startswith("would convert src/a.py\nsrc/b.py:2:15: error: invalid syntax\n")
    assert r.stderr.endswith("1 file would be converted, 1 unchanged, 1 failed.\n")


def test_a_module_that_binds_rt_keeps_it_and_the_runtime_is_rt_(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_bytes(
        b"import autoflow\n\nrt = 3.0\n\n\n@autoflow.jit\ndef f(x):\n"
        b"    if x > 0:\n        x = x * rt\n    else:\n        x = -x\n    return x\n"
    )
    r = run_cli("transpile", "m.py", "-o", "m_out.py", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    code = (tmp_path / "m_out.py").read_text()
    assert "import runtime as rt_\n" in code and "@rt_.jit\n" in code and "rt_.ifelse(" in code
    assert "\nrt = 3.0\n" in code and "x = x * rt\n" in code
    driver = (
        "import sys\nsys.modules['autoflow'] = None\nimport jax.numpy as jnp\nimport m_out\n"
        "print(float(m_out.f(jnp.float32(2.0))), float(m_out.f(jnp.float32(-1.0))), m_out.rt)\n"
    )
    out = run_cli(cwd=tmp_path, python=[sys.executable, "-c", driver])
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [b"6.0", b"1.0", b"3.0"]  # 2 * rt, -(-1), rt untouched

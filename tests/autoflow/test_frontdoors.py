"""Transpiled files need only runtime: front doors rewritten, examples run without autoflow."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from autoflow.transpile import transpile_module

ROOT = Path(__file__).resolve().parents[2]

# Runs quickstart's computations; `mod` is the module under test.
_DRIVER = """
import json, sys
sys.path.insert(0, {where!r})
{setup}
import jax.numpy as jnp
import runtime as rt
import {module} as mod
rt.random.seed(0)
model = {wrap}(mod.OddEven())
value = lambda v: (v.value if isinstance(v, rt.Variable) else v).tolist()  # eager returns the Variable
a1 = value(model())
a2 = value(model())
seq = jnp.array([1.0, -2.0, 3.0, 4.0])
print(json.dumps([a1, a2, float(mod.total(seq, 3)), float(mod.total(seq, 0))]))
"""

# autoflow cannot be imported at all.
_BLOCK_AUTOFLOW = """
class _Block:
    def find_spec(self, name, path=None, target=None):
        if name == "autoflow" or name.startswith("autoflow."):
            raise ImportError("autoflow is blocked in this test")
sys.meta_path.insert(0, _Block())
"""

# The original, run eagerly: autoflow.jit does nothing.
_EAGER_AUTOFLOW = """
import types
sys.modules["autoflow"] = types.SimpleNamespace(jit=lambda fn=None, **kw: fn)
"""


def _run(driver: str) -> list:
    out = subprocess.run(
        [sys.executable, "-c", driver], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_transpiled_quickstart_runs_without_autoflow(tmp_path: Path) -> None:
    source = (ROOT / "examples" / "quickstart.py").read_text()
    code = transpile_module(source, "quickstart.py").code
    assert not any(isinstance(n, ast.Name) and n.id == "autoflow" for n in ast.walk(ast.parse(code)))
    (tmp_path / "quickstart_out.py").write_text(code)
    transpiled = _run(
        _DRIVER.format(where=str(tmp_path), setup=_BLOCK_AUTOFLOW, module="quickstart_out", wrap="rt.jit")
    )
    eager = _run(
        _DRIVER.format(
            where=str(ROOT / "examples"), setup=_EAGER_AUTOFLOW, module="quickstart", wrap=""
        )
    )
    assert transpiled[:2] == eager[:2]
    assert transpiled[2:] == pytest.approx(eager[2:], rel=1e-6)


def test_blocker_really_blocks(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", "import sys\n" + _BLOCK_AUTOFLOW + "\nimport autoflow\n"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode != 0 and "autoflow is blocked" in out.stderr


def _code(source: str) -> str:
    return transpile_module(textwrap.dedent(source)).code


def test_import_stays_while_something_else_uses_it() -> None:
    code = _code(
        """\
        import autoflow

        @autoflow.jit
        def f(x):
            if x > 0:
                x = -x
            return x

        print(autoflow.to_source(f))
        """
    )
    assert code.startswith("import autoflow\n") and "@rt.jit\n" in code


def test_do_not_convert_functions_are_left_alone_also_when_transpiled_again() -> None:
    once = _code(
        """\
        from autoflow import do_not_convert as keep

        @keep
        def log(x):
            while x:
                x = x - 1
        """
    )
    assert "keep" not in once and "# autoflow: do_not_convert\ndef log(x):\n    while x:" in once
    assert transpile_module(once).code == once

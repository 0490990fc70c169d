"""Conversions kept on disk between processes (autoflow/conversion_cache.py).

The decisive checks run a script twice in fresh interpreters: the second run
must not import libcst, must compute what eager Python computes, and must
still name the user's file and line in an error.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
import time
import types
import weakref
from pathlib import Path

import jax.numpy as jnp
import pytest

import autoflow
import autoflow.api as api
from autoflow import conversion_cache

MODEL = textwrap.dedent(
    """
    import jax.numpy as jnp

    def accumulate(xs, limit):
        total = jnp.zeros(())
        for x in xs:
            if total > limit:
                total = total - limit
            total = total + x
        return total

    def broken(x):
        if x > 0:
            x = x + 1
        return x + "text"
    """
)

SCRIPT = textwrap.dedent(
    """
    import json, sys
    import jax.numpy as jnp
    sys.path.insert(0, sys.argv[1])
    import model
    import autoflow

    xs = jnp.arange(8.0)
    out = {"converted": float(autoflow.jit(model.accumulate)(xs, 5.0))}
    try:
        autoflow.jit(model.broken)(jnp.float32(5.0))
    except Exception as exc:
        out["error"] = "\\n".join([str(exc), *getattr(exc, "__notes__", [])])
    out["libcst"] = "libcst" in sys.modules
    out["source"] = autoflow.to_source(model.accumulate)
    print(json.dumps(out))
    """
)


def _eager_accumulate(xs: list[float], limit: float) -> float:
    total = 0.0
    for x in xs:
        if total > limit:
            total = total - limit
        total = total + x
    return total


def _run(tmp_path: Path, **env: str) -> dict[str, object]:
    environ = {**os.environ, "AUTOFLOW_CACHE": "1", "AUTOFLOW_CACHE_DIR": str(tmp_path / "cache")}
    environ.update(env)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        capture_output=True,
        text=True,
        env=environ,
        timeout=300,
        check=True,
    )
    return json.loads(done.stdout.splitlines()[-1])


def _entries(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache").rglob("*.json"))


def test_a_second_process_reads_the_conversion_back_without_libcst(tmp_path: Path) -> None:
    (tmp_path / "model.py").write_text(MODEL)
    first = _run(tmp_path)
    assert first["libcst"] is True
    assert len(_entries(tmp_path)) == 2  # accumulate and broken
    second = _run(tmp_path)
    assert second["libcst"] is False
    want = _eager_accumulate([float(x) for x in range(8)], 5.0)
    assert first["converted"] == pytest.approx(want)
    assert second["converted"] == pytest.approx(want)
    assert second["source"] == first["source"] and "rt.for_each" in str(second["source"])
    # The line map came back too: the error names the line in the user's file.
    line = MODEL.splitlines().index('    return x + "text"') + 1
    for run in (first, second):
        assert f'model.py", line {line}' in str(run["error"]), run["error"]


def test_a_changed_function_is_converted_again(tmp_path: Path) -> None:
    (tmp_path / "model.py").write_text(MODEL)
    _run(tmp_path)
    (tmp_path / "model.py").write_text(MODEL.replace("total = total + x", "total = total + 2 * x"))
    changed = _run(tmp_path)
    assert changed["libcst"] is True
    assert changed["converted"] == pytest.approx(
        _eager_accumulate([2.0 * x for x in range(8)], 5.0)
    )
    assert len(_entries(tmp_path)) == 3  # the old accumulate stays; broken was reused


def test_turned_off_it_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "model.py").write_text(MODEL)
    _run(tmp_path, AUTOFLOW_CACHE="0")
    assert not (tmp_path / "cache").exists()


# -- in this process ----------------------------------------------------------------


def _load(path: Path, source: str) -> types.ModuleType:
    """A fresh module from ``source`` (fresh code objects: no in-memory cache hit)."""
    path.write_text(source)
    name = f"cached_model_{abs(hash((str(path), source)))}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _forget_conversions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing converted in memory (equal code objects share conversions), as in a new process."""
    monkeypatch.setattr(api, "_CODE_CACHE", weakref.WeakKeyDictionary())
    monkeypatch.setattr(api, "_FUNCTION_CACHE", weakref.WeakKeyDictionary())


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AUTOFLOW_CACHE", "1")
    monkeypatch.setenv("AUTOFLOW_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_a_damaged_entry_counts_as_absent_and_is_replaced(
    tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    autoflow.convert(_load(tmp_path / "a.py", MODEL).accumulate)
    (entry,) = cache_dir.rglob("*.json")
    entry.write_text('{"text": "def accumulate(:", "lines"')
    _forget_conversions(monkeypatch)  # as in a new process
    fresh = _load(tmp_path / "a.py", MODEL)
    got = autoflow.jit(fresh.accumulate)(jnp.arange(8.0), 5.0)
    assert float(got) == pytest.approx(_eager_accumulate([float(x) for x in range(8)], 5.0))
    assert json.loads(entry.read_text())["text"].startswith("def accumulate(")


def test_an_unwritable_cache_directory_is_skipped(tmp_path: Path, cache_dir: Path) -> None:
    cache_dir.write_text("a file where the directory should be")
    module = _load(tmp_path / "b.py", MODEL)
    got = autoflow.jit(module.accumulate)(jnp.arange(8.0), 5.0)
    assert float(got) == pytest.approx(_eager_accumulate([float(x) for x in range(8)], 5.0))


def test_the_key_covers_source_place_options_and_transpiler(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = conversion_cache.conversion_key
    base = key("def f(x): return x", "m.py", 3, (frozenset(), frozenset({"rt"}), True))
    variants = [
        key("def f(x): return x + 0", "m.py", 3, (frozenset(), frozenset({"rt"}), True)),
        key("def f(x): return x", "n.py", 3, (frozenset(), frozenset({"rt"}), True)),
        key("def f(x): return x", "m.py", 4, (frozenset(), frozenset({"rt"}), True)),
        key("def f(x): return x", "m.py", 3, (frozenset({"range"}), frozenset({"rt"}), True)),
        key("def f(x): return x", "m.py", 3, (frozenset(), frozenset(), True)),
        key("def f(x): return x", "m.py", 3, (frozenset(), frozenset({"rt"}), False)),
    ]
    monkeypatch.setattr(conversion_cache, "_fingerprint", ["another transpiler"])
    variants.append(key("def f(x): return x", "m.py", 3, (frozenset(), frozenset({"rt"}), True)))
    assert len({base, *variants}) == len(variants) + 1


def test_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("AUTOFLOW_CACHE_DIR", raising=False)
    monkeypatch.setenv("AUTOFLOW_CACHE", "1")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert conversion_cache.cache_directory() == tmp_path / "autoflow"
    monkeypatch.setenv("AUTOFLOW_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert conversion_cache.cache_directory() == tmp_path / "elsewhere"
    for off in ("0", "off", "false", "no"):
        monkeypatch.setenv("AUTOFLOW_CACHE", off)
        assert conversion_cache.cache_directory() is None


def test_skipped_directories_keep_nothing(
    tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(conversion_cache, "_SKIPPED", [])
    (tmp_path / "generated").mkdir()
    conversion_cache.skip_directory(str(tmp_path / "generated"))
    # The same code from another file is equal as a code object: clear what was
    # converted in memory before each conversion, as in a new process.
    _forget_conversions(monkeypatch)
    autoflow.convert(_load(tmp_path / "generated" / "g.py", MODEL).accumulate)
    assert not cache_dir.exists()
    _forget_conversions(monkeypatch)
    autoflow.convert(_load(tmp_path / "kept.py", MODEL).accumulate)  # a sibling is kept
    assert len(list(cache_dir.rglob("*.json"))) == 1


def test_drawn_test_programs_are_not_kept(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from autoflow.testing import equivalence
    from autoflow.testing.programs import Program

    source = "def drawn(x):\n    if x > 0:\n        x = x - 1.0\n    return x\n"
    program = Program(source=source, name="drawn", params=())
    fn = equivalence.load_program(program)
    _forget_conversions(monkeypatch)
    assert float(autoflow.convert(fn)(jnp.float32(3.0))) == 2.0
    assert not cache_dir.exists()


def test_entries_unused_for_a_month_are_pruned(tmp_path: Path) -> None:
    entry = conversion_cache.Entry("def f():\n    return 1\n", {1: 3}, "rt")
    for key in ("aa" + "0" * 62, "bb" + "1" * 62, "cc" + "2" * 62):
        conversion_cache.store(tmp_path, key, entry)
    old, used, fresh = sorted(tmp_path.glob("??/*.json"))
    long_ago = time.time() - 40 * 86400
    for path in (old, used):
        os.utime(path, (long_ago, long_ago))
    # Reading an entry counts as using it: it is kept.
    assert conversion_cache.load(tmp_path, used.stem) == entry
    (tmp_path / "last-prune").unlink(missing_ok=True)
    assert conversion_cache.prune(tmp_path) == 1
    assert not old.exists() and used.exists() and fresh.exists()
    # At most once a day.
    os.utime(used, (long_ago, long_ago))
    assert conversion_cache.prune(tmp_path) == 0 and used.exists()
    assert conversion_cache.prune(tmp_path, every_hours=0) == 1 and not used.exists()


def test_the_first_store_of_a_process_prunes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(conversion_cache, "_pruned", [])
    entry = conversion_cache.Entry("def f():\n    return 1\n", {}, "rt")
    conversion_cache.store(tmp_path, "dd" + "3" * 62, entry)
    (stale,) = tmp_path.glob("??/*.json")
    long_ago = time.time() - 40 * 86400
    os.utime(stale, (long_ago, long_ago))
    (tmp_path / "last-prune").unlink()
    monkeypatch.setattr(conversion_cache, "_pruned", [])
    conversion_cache.store(tmp_path, "ee" + "4" * 62, entry)
    assert not stale.exists() and (tmp_path / "last-prune").exists()
    assert len(list(tmp_path.glob("??/*.json"))) == 1

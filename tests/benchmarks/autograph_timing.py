"""Cold conversion time of TensorFlow AutoGraph, for bench_convert.py.

    python autograph_timing.py SOURCES.py REPEAT

Runs in any interpreter that has TensorFlow (it imports nothing of autoflow):
bench_convert.py runs it with ``$AUTOFLOW_TF_PYTHON``, or calls
:func:`time_autograph` in-process when TensorFlow imports there. For each
top-level function of ``SOURCES.py`` it loads a copy of the file ``REPEAT``
times and times
``tf.autograph.to_code(fn)``: parse, transform, generate and load the
converted code. AutoGraph caches conversions by code object, and code
objects compare equal by content, so each copy starts one line lower: its
code objects differ from every other copy's and the cache never hits.
Prints one JSON object: ``{"tensorflow": version, "seconds":
{name: [t, ...]}, "failed": {name: message}}``.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import sys
import time
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _load(path: str, tag: int) -> Any:
    """A fresh copy of the module at ``path``, moved ``tag + 1`` lines down."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    copy = f"{path[:-3]}_{tag}.py"
    with open(copy, "w", encoding="utf-8") as f:
        f.write("\n" * (tag + 1) + text)
    spec = importlib.util.spec_from_file_location(f"_autograph_bench_{tag}", copy)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # AutoGraph looks the module up to read the source
    spec.loader.exec_module(module)
    return module


def time_autograph(path: str, repeat: int) -> dict[str, Any]:
    import tensorflow as tf

    with open(path, encoding="utf-8") as f:
        names = [n.name for n in ast.parse(f.read()).body if isinstance(n, ast.FunctionDef)]
    warm = _load(path, 0)  # TensorFlow's own one-time set-up is not conversion time
    for name in names[:1]:
        try:
            tf.autograph.to_code(getattr(warm, name))
        except Exception:  # noqa: BLE001 - reported below, per function
            pass
    seconds: dict[str, list[float]] = {name: [] for name in names}
    failed: dict[str, str] = {}
    for r in range(repeat):
        module = _load(path, r + 1)
        for name in names:
            if name in failed:
                continue
            fn = getattr(module, name)
            t0 = time.perf_counter()
            try:
                tf.autograph.to_code(fn)
            except Exception as err:  # noqa: BLE001 - a construct AutoGraph rejects
                failed[name] = f"{type(err).__name__}: {str(err).splitlines()[0][:120]}"
                continue
            seconds[name].append(time.perf_counter() - t0)
    return {
        "tensorflow": tf.__version__,
        "seconds": {k: v for k, v in seconds.items() if k not in failed},
        "failed": failed,
    }


if __name__ == "__main__":
    print(json.dumps(time_autograph(sys.argv[1], int(sys.argv[2]))))

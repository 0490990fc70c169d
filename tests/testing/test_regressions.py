"""Shrunk programs that the random differential test found failing (tests/testing/regressions/).

The expected result is eager Python's, computed here at test time; a case that
autoflow still gets wrong is ``xfail(strict=True)`` with the reason, so it
turns into an error as soon as it is fixed (``XFAIL_STRICT = False`` for a
failure that depends on the interpreter, such as on where objects are allocated).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from autoflow.testing import ModuleChecker, ProgramChecker, program_from_source

REGRESSIONS = Path(__file__).parent / "regressions"


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_regression_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cases() -> list[Any]:
    cases = []
    for path in sorted(REGRESSIONS.glob("*.py")):
        case = _load(path)
        strict = getattr(case, "XFAIL_STRICT", True)
        marks = [pytest.mark.xfail(strict=strict, reason=case.XFAIL)] if case.XFAIL else []
        for i, args in enumerate(case.INPUTS):
            cases.append(pytest.param(case, args, id=f"{path.stem}-{i}", marks=marks))
        # inputs of the same program that autoflow already gets right stay checked
        for i, args in enumerate(getattr(case, "WORKING_INPUTS", ())):
            cases.append(pytest.param(case, args, id=f"{path.stem}-ok{i}"))
    return cases


def _arg(value: Any) -> Any:
    return np.asarray(value, dtype=np.float32) if isinstance(value, list) else value


_checker = ProgramChecker()
_module_checker = ModuleChecker()


def _program(case: ModuleType) -> Any:
    # a Module case (MODULE = True) tests its class Net, as module_programs() draws them
    return program_from_source(
        case.SOURCE,
        case.PARAMS,
        reads_maybe_unbound=getattr(case, "READS_MAYBE_UNBOUND", False),
        name="Net" if getattr(case, "MODULE", False) else None,
    )


@pytest.mark.parametrize(("case", "args"), _cases())
def test_regression(case: ModuleType, args: tuple[Any, ...]) -> None:
    checker = _module_checker if getattr(case, "MODULE", False) else _checker
    checker.check(_program(case), tuple(_arg(a) for a in args))


def test_corpus_files_are_complete() -> None:
    paths = sorted(REGRESSIONS.glob("*.py"))
    assert paths, "the regression corpus is empty"
    for path in paths:
        case = _load(path)
        assert case.__doc__, f"{path.name}: say what failed and which constructs, in the docstring"
        assert case.INPUTS and all(isinstance(a, tuple) for a in case.INPUTS), path.name
        _program(case)  # parses, and the params match

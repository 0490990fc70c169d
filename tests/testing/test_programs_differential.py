"""Random whole programs: eager Python == autoflow.convert(f) == autoflow.jit(f).

Profiles:

- default (CI): ``PROGRAMS`` = 300 programs, ``INPUTS_PER_PROGRAM`` inputs each,
  and ``MODULES`` = 20 drawn ``rt.Module`` classes; every program is
  converted and compiled.
- thorough: ``AUTOFLOW_THOROUGH=1`` runs 20,000 programs (``AUTOFLOW_PROGRAMS=N``
  overrides the count in either profile, ``AUTOFLOW_MODULES=N`` the Modules'
  count) and 2,000 Modules. Run it before saying the transpiler is correct.

``SUPPORTED`` selects the construct families (all, by default); the thorough
profile also runs bigger programs (``LARGE``). Each shrunk failure becomes a
case in ``tests/testing/regressions/``.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, note, reject, settings
from hypothesis import strategies as st

from autoflow.testing import (
    IllConditioned,
    ModuleChecker,
    ProgramChecker,
    module_programs,
    programs,
)

THOROUGH = os.environ.get("AUTOFLOW_THOROUGH", "") not in ("", "0")
PROGRAMS = int(os.environ.get("AUTOFLOW_PROGRAMS", 20_000 if THOROUGH else 300))
INPUTS_PER_PROGRAM = 2
#: Drawn Modules (each compiled once per input, and called twice per way of running it).
MODULES = int(os.environ.get("AUTOFLOW_MODULES", 2_000 if THOROUGH else 20))

#: The construct families the CI profile draws. Switch a family off here only while a
#: known failure in it is being fixed, and keep that failure in regressions/.
SUPPORTED: dict[str, Any] = dict()

#: What module_programs() draws beyond SUPPORTED (everything, by default). Switch a family
#: off here only while a known failure in it is being fixed, as for SUPPORTED (say,
#: allow_value_and_item_writes=False while a regressions/variable_value_and_item_* case
#: is open).
MODULE_SUPPORTED: dict[str, Any] = dict()

#: The thorough profile also draws bigger programs.
LARGE: dict[str, Any] = dict(max_statements=20, max_depth=4, max_loop_depth=3)

_checker = ProgramChecker()
_module_checker = ModuleChecker()

_settings = settings(
    max_examples=PROGRAMS,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)


def _check(data: st.DataObject, **options: Any) -> None:
    program = data.draw(programs(**options), label="program")
    note(f"program:\n{program}")
    for feature in program.features:
        event(feature)
    for _ in range(INPUTS_PER_PROGRAM):
        args = data.draw(program.inputs(), label="args")
        try:
            for warning in _checker.check(program, args):
                event(f"autoflow warned: {warning.split(':')[0]}")
        except IllConditioned:
            event("ill-conditioned input (float32 != float64 eager), rejected")
            reject()


@_settings
@given(st.data())
def test_supported_constructs_match_eager(data: st.DataObject) -> None:
    _check(data, **SUPPORTED)


@pytest.mark.skipif(
    not THOROUGH, reason="bigger programs: thorough profile only (AUTOFLOW_THOROUGH=1)"
)
@_settings
@given(st.data())
def test_large_programs_match_eager(data: st.DataObject) -> None:
    _check(data, **SUPPORTED, **LARGE)


@settings(
    max_examples=MODULES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
@given(st.data())
def test_modules_match_eager(data: st.DataObject) -> None:
    """rt.Module classes: eager Python == convert(net) == jit(net), results and Variables."""
    program = data.draw(module_programs(**SUPPORTED, **MODULE_SUPPORTED), label="module")
    note(f"module:\n{program}")
    for feature in program.features:
        event(feature)
    args = data.draw(program.inputs(), label="args")
    try:
        for warning in _module_checker.check(program, args):
            event(f"autoflow warned: {warning.split(':')[0]}")
    except IllConditioned:
        event("ill-conditioned input (float32 != float64 eager), rejected")
        reject()

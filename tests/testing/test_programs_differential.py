"""Random whole programs: eager Python == autoflow.convert(f) == autoflow.jit(f).

Profiles:

- default (CI): ``PROGRAMS`` = 300 programs, ``INPUTS_PER_PROGRAM`` inputs each;
  every program is converted and compiled.
- thorough: ``AUTOFLOW_THOROUGH=1`` runs 20,000 programs (``AUTOFLOW_PROGRAMS=N``
  overrides the count in either profile). Run it before saying the
  transpiler is correct.

``SUPPORTED`` lists the construct families the transpiler handles today; the
families of issue 4 (break/continue, return inside if/loops, ternaries,
and/or/not, in-place array updates) are switched on there as they land.
Each shrunk failure becomes a case in ``tests/testing/regressions/``.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, note, reject, settings
from hypothesis import strategies as st

from autoflow.testing import IllConditioned, ProgramChecker, programs

THOROUGH = os.environ.get("AUTOFLOW_THOROUGH", "") not in ("", "0")
PROGRAMS = int(os.environ.get("AUTOFLOW_PROGRAMS", 20_000 if THOROUGH else 300))
INPUTS_PER_PROGRAM = 2

#: What the transpiler supports today (issue 3); widen as issue 4 lands.
SUPPORTED: dict[str, Any] = dict(
    allow_break=False,
    allow_continue=False,
    allow_early_return=False,
    allow_return_in_loop=False,
    allow_ternary=False,
    allow_boolops=False,
    allow_subscript_assign=False,
    # known failures, kept as xfail cases in regressions/ (unbound_*, *rebinds_branch_only_name):
    allow_maybe_unbound=False,
    allow_partial_loop_target=False,
)

_checker = ProgramChecker()

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


@pytest.mark.skipif(not THOROUGH, reason="issue 4 families: thorough profile only until they land")
@_settings
@given(st.data())
def test_all_constructs_match_eager(data: st.DataObject) -> None:
    _check(data)

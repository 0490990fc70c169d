"""Property-based testing for autoflow: random programs and the differential check.

``programs()`` draws whole small Python functions as source text
(``module_programs()``: ``rt.Module`` classes with Variable state, checked by
``ModuleChecker``);
``assert_equivalent(fn, *strategies)`` checks, with Hypothesis, that
``autoflow.convert(fn)`` and ``autoflow.jit(fn)`` compute what ``fn``
computes eagerly. See docs/testing.md. Needs ``hypothesis`` (the ``test``
extra).
"""

from autoflow.testing.equivalence import (
    CLEAR_ERRORS,
    DEFAULT_ATOL,
    DEFAULT_RTOL,
    EquivalenceError,
    IllConditioned,
    ModuleChecker,
    ProgramChecker,
    assert_equivalent,
    check_equivalent,
    check_program,
    compare,
    load_program,
    run_oracle,
)
from autoflow.testing.programs import (
    FAMILIES,
    Param,
    Program,
    inputs_for,
    module_programs,
    program_from_source,
    programs,
)

__all__ = [
    "CLEAR_ERRORS",
    "DEFAULT_ATOL",
    "DEFAULT_RTOL",
    "FAMILIES",
    "EquivalenceError",
    "IllConditioned",
    "ModuleChecker",
    "Param",
    "Program",
    "ProgramChecker",
    "assert_equivalent",
    "check_equivalent",
    "check_program",
    "compare",
    "inputs_for",
    "load_program",
    "module_programs",
    "program_from_source",
    "programs",
    "run_oracle",
]

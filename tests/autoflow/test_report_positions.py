"""Every report entry points at a real place in the user's source."""

from autoflow.transpile import transpile_module

SOURCE = """\
def f(x):
    i = 0
    while i < x:
        try:
            if i > 3:
                break
        finally:
            pass
        i += 1
    return i
"""


def test_kept_loop_with_break_in_try_is_reported_at_the_loop():
    report = transpile_module(SOURCE, "kept.py").report
    kept_loops = [e for e in report if e.construct == "while"]
    assert kept_loops, report
    assert all(e.outcome == "kept" for e in kept_loops)
    assert {(e.line, e.column) for e in kept_loops} == {(3, 5)}
    assert all(e.line >= 1 and e.column >= 1 for e in report)

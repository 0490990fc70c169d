def f(xs, a, b):
    assert len(xs) > 0, "empty input"
    assert a < b, f"need a < b"
    print("a, b =", a, b)
    return min(a, b), max(xs), abs(a), len(xs)
# --- expected ---
import runtime as rt

def f(xs, a, b):
    rt.assert_(len(xs) > 0, lambda: "empty input", 'builtins_print_assert.py:2')
    rt.assert_(a < b, lambda: f"need a < b", 'builtins_print_assert.py:3')
    rt.print("a, b =", a, b)
    return rt.min(a, b), rt.max(xs), abs(a), len(xs)

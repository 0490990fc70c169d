"""Cells of the benchmark rows (see run_all.py for the row format): times and ratios."""

from __future__ import annotations


def ratio(ours: float, base: float) -> str:
    """``ours / base`` with two decimals (two significant digits below 0.1)."""
    r = ours / base
    return f"{r:.2f}" if r >= 0.1 else f"{r:.2g}"


def fmt(seconds: float) -> str:
    """A time in s, ms or us."""
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.1f} us"

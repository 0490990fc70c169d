def f(x, opts):
    use = opts is not None and isinstance(opts, dict)
    assert x is not None
    return use
# --- expected ---

def f(d, v):
    d["key"] = v
    G[0] = v
    return d
# --- expected ---

def gen(xs):
    for x in xs:
        if x > 0:
            yield x
# --- expected ---

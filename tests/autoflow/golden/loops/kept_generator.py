def positives(xs):
    for x in xs:  # inside a generator: stays Python
        if x > 0:
            yield x
# --- expected ---

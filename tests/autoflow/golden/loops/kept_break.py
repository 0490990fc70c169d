def first_positive(xs):
    found = None
    for x in xs:
        if x > 0:
            found = x
            break
    return found
# --- expected ---

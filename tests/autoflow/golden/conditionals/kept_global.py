counter = 0


def bump(x):
    global counter
    if x > 0:  # assigns a global: stays Python
        counter += 1
    return x
# --- expected ---

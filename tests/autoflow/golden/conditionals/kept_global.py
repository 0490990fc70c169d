counter = 0


def f(x):
    global counter
    if x > 0:
        counter = counter + 1
    return x
# --- expected ---

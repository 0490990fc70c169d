import sys

if sys.version_info >= (3, 11):
    FAST = True
else:
    FAST = False

for name in ["a", "b"]:
    pass


class Config:
    if FAST:
        mode = 1
# --- expected ---

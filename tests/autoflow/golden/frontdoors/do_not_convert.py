import autoflow


@autoflow.do_not_convert
def log(x):
    if x is not None:  # stays Python
        print(x)


def clip(x):
    if x > 1.0:
        x = 1.0
    log(x)
    return x
# --- expected ---
import runtime as rt


# autoflow: do_not_convert
def log(x):
    if x is not None:  # stays Python
        print(x)


def clip(x):
    def _if_true_1(x):
        x = 1.0
        return (x,)
    def _if_false_1(x):
        return (x,)
    (x,) = rt.ifelse(x > 1.0, (_if_true_1, _if_false_1), (x,))
    log(x)
    return x

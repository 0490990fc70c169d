def drain(pending):
    done = []
    while pending:
        done.append(pending.pop())
    return done
# --- expected ---
import runtime as rt

def drain(pending):
    done = []
    def _loop_cond_1(pending, done):
        return pending
    def _loop_body_1(pending, done):
        done.append(pending.pop())
        return (pending, done)
    (pending, done) = rt.while_loop(_loop_body_1, _loop_cond_1, (pending, done))
    return done

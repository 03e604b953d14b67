"""The grader worker process: `python -m limo.grade.worker FD`, one task at a time over a socket.

Started by `limo.grade.pool` as a plain subprocess rather than through multiprocessing: `spawn` would
re-import the caller's `__main__` (breaking any script without an `if __name__` guard) and `fork` would
copy a caller that may hold threads, CUDA contexts or a vllm engine. A fresh interpreter has none of that.
"""

from __future__ import annotations

import sys
import traceback
from multiprocessing.connection import Connection
from typing import Any


def run_task(kind: str, args: tuple[Any, ...]) -> Any:
    """One task: a full `grade` of (response, gold[, grader]), or one Math-Verify comparison `mv` of
    (gold, answer)."""
    if kind == "grade":
        from limo.grade.judge import judge

        response, gold, *grader = args
        return judge(response, gold, grader=grader[0] if grader else "limo").to_dict()
    if kind == "mv":
        from limo.grade.equivalence import mv_verify

        return mv_verify(*args)
    raise ValueError(f"unknown task kind {kind!r}")


def serve(conn: Connection) -> None:
    """Say ready, then answer tasks until told to stop (None) or the parent goes. A task is
    (kind, args[, budget]): past `budget` seconds it is answered `timeout` here, before the parent's
    deadline, so this worker and its warm caches survive (`limo.grade.budget`). sympy and Math-Verify
    are imported at the first task that needs them, and the parent is told so it can pause the clock."""
    from limo.grade import budget

    import limo.grade.judge  # noqa: F401  (light: the exact fast paths need no sympy)

    budget.on_import = lambda phase: conn.send(("importing" if phase == "start" else "imported", None))
    budget.comparison_cpu = budget.COMPARISON_CPU_SECONDS
    conn.send(("ready", None))
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):  # the parent is gone
            return
        if msg is None:
            return
        kind, args, *limit = msg
        try:
            with budget.within(limit[0] if limit else None):
                result = run_task(kind, args)
            conn.send(("ok", result))
        except budget.OverBudget:
            conn.send(("timeout", None))
        except Exception:  # sent to the parent, which reports it and records an `error` verdict
            conn.send(("error", traceback.format_exc(limit=3)))


if __name__ == "__main__":
    import signal

    # Ctrl-C reaches the whole process group: the parent handles it (and stops this worker); a worker
    # printing its own KeyboardInterrupt traceback would only bury the parent's one-line message.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    serve(Connection(int(sys.argv[1])))

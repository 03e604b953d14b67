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
        from limo.grade.mathverify import mv_verify

        return mv_verify(*args)
    raise ValueError(f"unknown task kind {kind!r}")


class NeedsWorker(BaseException):
    """Raised by the Math-Verify stand-in of `try_here`: the pair needs sympy, so it goes to a worker.
    A BaseException, so that `judge`'s own `except Exception` does not turn it into an `error` verdict."""


def _refuse(gold: str, answer: str) -> bool:
    raise NeedsWorker


def try_here(kind: str, args: tuple[Any, ...], seconds: float) -> tuple[str, Any] | None:
    """Run a limo `grade` task in the calling process when no step of it needs Math-Verify: (status,
    value) as a worker would answer, or None when it needs a worker (Math-Verify, the paper grader, or a
    caller this process cannot bound: not the main thread, or a SIGALRM timer of the caller's running).

    Profiling `limo grade` on ordinary responses: most rows are settled by extraction and the exact fast
    paths in well under a millisecond, and shipping each to a worker process cost more than grading it
    (a socket round trip per row, and a worker started even when no row needed one). The `seconds`
    wall-clock budget still bounds the work here, as in a worker (regular expressions are interrupted
    by the signal too); only sympy, whose C-level work can ignore signals, needs a killable process."""
    import signal
    import threading

    from limo.grade import budget

    if kind != "grade" or len(args) != 3 or args[2] != "limo":
        return None
    if threading.current_thread() is not threading.main_thread() or signal.getitimer(signal.ITIMER_REAL)[0]:
        return None
    from limo.grade.judge import judge

    try:
        with budget.within(seconds):
            return "ok", judge(args[0], args[1], mv=_refuse).to_dict()
    except NeedsWorker:
        return None
    except budget.OverBudget:
        return "timeout", None


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


def _exit_now() -> None:
    """Leave without the interpreter's teardown: freeing sympy's and Math-Verify's module state took
    0.2-0.6 s of CPU at the end of every `limo grade` run, and this process holds nothing to save."""
    import os

    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    import signal

    # Ctrl-C reaches the whole process group: the parent handles it (and stops this worker); a worker
    # printing its own KeyboardInterrupt traceback would only bury the parent's one-line message.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    serve(Connection(int(sys.argv[1])))
    _exit_now()

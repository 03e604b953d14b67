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
    """Warm the heavy imports, say ready, then answer tasks until told to stop (None) or the parent goes."""
    import math_verify  # noqa: F401  (imported before the first deadline starts ticking)

    import limo.grade.judge  # noqa: F401

    conn.send(("ready", None))
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):  # the parent is gone
            return
        if msg is None:
            return
        kind, args = msg
        try:
            conn.send(("ok", run_task(kind, args)))
        except Exception:  # sent to the parent, which reports it and records an `error` verdict
            conn.send(("error", traceback.format_exc(limit=3)))


if __name__ == "__main__":
    import signal

    # Ctrl-C reaches the whole process group: the parent handles it (and stops this worker); a worker
    # printing its own KeyboardInterrupt traceback would only bury the parent's one-line message.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    serve(Connection(int(sys.argv[1])))

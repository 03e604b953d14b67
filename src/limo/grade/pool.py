"""A process pool with a hard per-item wall-clock limit: a stuck worker is killed and replaced.

Why not multiprocessing.Pool / concurrent.futures: neither can kill one task that hangs inside C code
(sympy big-int work ignores signals); a hung task keeps its worker forever. Here each worker owns a pipe,
runs one task at a time, and the parent SIGKILLs it when the task's deadline passes, answers that item
with a `timeout` verdict and starts a fresh worker. Results come back in input order, and only a bounded
window of items is in memory, so grading a huge file streams.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from limo.records import Verdict

_START_TIMEOUT = 120.0  # a worker's start, or its first sympy + math_verify import; generous on a loaded machine
_SRC = str(Path(__file__).resolve().parents[2])  # so the worker imports this very limo


class _Worker:
    """One `python -m limo.grade.worker` subprocess and the socket to it."""

    def __init__(self) -> None:
        ours, theirs = socket.socketpair()
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [_SRC, os.environ.get("PYTHONPATH")])))
        self.proc = subprocess.Popen([sys.executable, "-m", "limo.grade.worker", str(theirs.fileno())],
                                     pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, env=env)
        theirs.close()
        self.conn = Connection(ours.detach())
        self.ready = False
        self.importing = False  # loading sympy + Math-Verify for its item: that item's clock is paused
        self.task: int | None = None  # index of the item being worked on
        self.started = time.monotonic()

    def limit(self, timeout: float) -> float:
        """Seconds this worker may take from `started`: starting up and importing get the start limit."""
        return timeout if self.ready and not self.importing else _START_TIMEOUT

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(10)
        self.conn.close()


class GradePool:
    """`workers` killable processes; `run(tasks)` yields results in order, each within `timeout` s."""

    def __init__(self, workers: int = 1, timeout: float = 5.0, here_first: bool = False) -> None:
        """`here_first`: grade limo `grade` tasks in this process when they need no Math-Verify
        (`limo.grade.worker.try_here`), and start the workers only when a task does."""
        self.timeout = float(timeout)
        self.imports = 0  # how many times a worker had to load sympy + Math-Verify (for tests and profiling)
        self.here = 0  # tasks graded in this process (here_first)
        self._size, self._here_first = max(1, workers), here_first
        self._workers: list[_Worker] = [] if here_first else [_Worker() for _ in range(self._size)]

    def run(self, tasks: Iterable[tuple[str, tuple[Any, ...]]],
            window: int | None = None) -> Iterator[tuple[str, Any, float]]:
        """Yield (status, value, seconds) per task in input order; status is ok, error or timeout.
        At most `window` tasks (default 32 per worker) are held at once, so input can stream."""
        window = window or 32 * self._size
        it = iter(enumerate(tasks))
        pending: dict[int, tuple[str, tuple[Any, ...]]] = {}
        done: dict[int, tuple[str, Any, float]] = {}
        next_out, exhausted = 0, False
        while True:
            while not exhausted and len(pending) + len(done) < window:
                item = next(it, None)
                if item is None:
                    exhausted = True
                elif (here := self._try_here(item[1])) is not None:
                    done[item[0]] = here
                else:
                    pending[item[0]] = item[1]
            self._dispatch(pending)
            while next_out in done:
                yield done.pop(next_out)
                next_out += 1
            if not pending and not any(w.task is not None for w in self._workers):
                if exhausted:
                    return
                continue  # everything so far was graded here: nothing to wait for
            self._collect(pending, done)

    def _try_here(self, task: tuple[str, tuple[Any, ...]]) -> tuple[str, Any, float] | None:
        if not self._here_first:
            return None
        from limo.grade.worker import try_here

        start = time.monotonic()
        result = try_here(*task, self.budget())
        if result is None:
            return None
        self.here += 1
        return result[0], result[1], time.monotonic() - start

    def _dispatch(self, pending: dict[int, tuple[str, tuple[Any, ...]]]) -> None:
        if pending and not self._workers:  # here_first: the first task that needs a worker starts them
            self._workers = [_Worker() for _ in range(self._size)]
        queued = sorted(i for i in pending if all(w.task != i for w in self._workers))
        for w in self._workers:
            if w.ready and w.task is None and queued:
                idx = queued.pop(0)
                w.task, w.started = idx, time.monotonic()
                kind, args = pending[idx]
                w.conn.send((kind, args, self.budget()))

    def budget(self) -> float:
        """The worker's own limit per item: enough before the parent's deadline for it to answer
        `timeout` itself and live on (a kill costs a fresh worker its imports and warm caches)."""
        return max(0.05, self.timeout - max(0.25, 0.15 * self.timeout))

    def _collect(self, pending: dict[int, Any], done: dict[int, tuple[str, Any, float]]) -> None:
        now = time.monotonic()
        deadlines = [w.started + w.limit(self.timeout) for w in self._workers
                     if w.task is not None or not w.ready]
        wait_s = max(0.0, min(deadlines) - now) if deadlines else 0.05
        ready = wait([w.conn for w in self._workers], timeout=wait_s)
        for i, w in enumerate(self._workers):
            if w.conn in ready:
                try:
                    status, value = w.conn.recv()
                except (EOFError, OSError):  # the worker died (e.g. out of memory): replace it
                    self._replace(i, pending, done, "error", "worker process died")
                    continue
                if status == "ready":
                    w.ready = True
                elif status in ("importing", "imported"):  # the item's clock restarts after the import
                    w.importing, w.started = status == "importing", time.monotonic()
                    self.imports += status == "importing"
                elif w.task is not None:
                    done[w.task] = (status, value, time.monotonic() - w.started)
                    pending.pop(w.task, None)
                    w.task = None
            elif w.task is not None and time.monotonic() >= w.started + w.limit(self.timeout):
                self._replace(i, pending, done, "timeout", None)
            elif not w.ready and time.monotonic() >= w.started + _START_TIMEOUT:
                raise RuntimeError(f"grader worker did not start within {_START_TIMEOUT:.0f} s")

    def _replace(self, i: int, pending: dict[int, Any], done: dict[int, Any], status: str, value: Any) -> None:
        w = self._workers[i]
        if w.task is not None:
            done[w.task] = (status, value, time.monotonic() - w.started)
            pending.pop(w.task, None)
        w.kill()
        self._workers[i] = _Worker()

    def close(self) -> None:
        for w in self._workers:
            try:
                w.conn.send(None)
            except OSError:
                pass
        for w in self._workers:
            try:
                w.proc.wait(2)
            except subprocess.TimeoutExpired:
                pass
            w.kill()

    def __enter__(self) -> "GradePool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def verdict_from(status: str, value: Any, seconds: float) -> Verdict:
    """Turn a pool result for a `grade` task into a Verdict (timeouts and worker errors included)."""
    if status == "ok":
        v = Verdict.from_dict(value)
    elif status == "timeout":
        v = Verdict(correct=False, reason="timeout")
    else:
        print(f"limo grade: grader error (please report): {str(value).strip().splitlines()[-1]}",
              file=sys.stderr)
        v = Verdict(correct=False, reason="error")
    v.seconds = round(seconds, 4)
    return v


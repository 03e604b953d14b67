"""A quiet terminal for long multi-stage commands: library output goes to a log file, the command's own
lines (stages, progress bars, summaries) go to the terminal.

Why file descriptors and not `logging` levels: TRL prints per-step dicts, tqdm bars write to stderr,
vLLM's engine runs in a child process that inherits fds 1 and 2, and C++ extensions (Triton, NUMA
notices) write to them directly. Redirecting fds 1 and 2 catches all of these; the command keeps a
duplicate of the real terminal for what the user should see.

    with quiet(Path("out/logs/train.log")) as term:   # term: the real terminal
        print("goes to the log")                        # so do warnings, tqdm, subprocess output
        term.write("[3] training ...\\n")
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO


@contextmanager
def quiet(log_path: Path, verbose: bool = False) -> Iterator[TextIO]:
    """Redirect fds 1 and 2 into `log_path` (appended) for the block; yields a stream to the terminal.

    `verbose=True` redirects nothing (everything shows, nothing is logged) and yields sys.stdout.
    """
    if verbose:
        yield sys.stdout
        return
    log_path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved_out, saved_err = os.dup(1), os.dup(2)
    term = os.fdopen(os.dup(saved_out), "w", buffering=1)
    log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    # sys.stdout/err may not write to fds 1/2 (pytest, notebooks replace them): point them at the log too.
    old_streams = sys.stdout, sys.stderr
    logged = os.fdopen(os.dup(log_fd), "w", buffering=1)
    sys.stdout = sys.stderr = logged
    try:
        yield term
    finally:
        logged.flush()
        sys.stdout, sys.stderr = old_streams
        logged.close()
        os.dup2(saved_out, 1)
        os.dup2(saved_err, 2)
        for fd in (saved_out, saved_err, log_fd):
            os.close(fd)
        term.close()


def count_lines(paths: list[Path]) -> int:
    """Complete lines across files (a JSONL row being appended is not counted until its newline)."""
    total = 0
    for p in paths:
        try:
            with p.open("rb") as f:
                total += sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 16), b""))
        except OSError:
            continue
    return total


@contextmanager
def watch(count: Callable[[], int], update: Callable[[int], None], every: float = 0.5) -> Iterator[None]:
    """Call `update(count())` every `every` seconds in a thread while the block runs (and once at the end).

    Drives a progress bar from the files a stage appends to (samples.jsonl), so the stage needs no hook.
    """
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(every):
            update(count())

    t = threading.Thread(target=loop, daemon=True)
    t.start()
    try:
        yield
    finally:
        stop.set()
        t.join()
        update(count())

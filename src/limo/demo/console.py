"""The demo's terminal: numbered stages, at most one progress bar per long step, one summary line per stage.

Each stage runs inside `limo.logs.quiet`, so whatever the libraries print lands in
`<out>/logs/NN-<stage>.log`; a failing stage prints its error and that log's path before re-raising.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from limo.logs import quiet


class Stage:
    """What a running stage can show: a progress bar and its closing summary."""

    def __init__(self, term: TextIO, log: Path):
        self.term, self.log = term, log
        self.summary = ""

    @contextmanager
    def bar(self, total: int, desc: str, unit: str = "it") -> Iterator[Any]:
        from tqdm import tqdm

        # When the terminal is a file or pipe (CI), the bar goes to the stage's log, redrawn every 10 s:
        # \r-redrawn bars would fill a captured terminal with lines.
        tty = self.term.isatty()
        with tqdm(total=total, desc=f"    {desc}", unit=unit, file=self.term if tty else sys.stdout,
                  leave=not tty, mininterval=0.5 if tty else 10, dynamic_ncols=tty) as bar:
            yield bar

    def say(self, text: str) -> None:
        self.term.write(f"    {text}\n")


class Console:
    def __init__(self, out: Path, total: int, verbose: bool = False):
        self.log_dir = out / "logs"
        self.total, self.verbose = total, verbose
        self.n, self.t0 = 0, time.time()

    @contextmanager
    def stage(self, title: str) -> Iterator[Stage]:
        self.n += 1
        slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40]
        log = self.log_dir / f"{self.n:02d}-{slug}.log"
        t = time.time()
        with quiet(log, self.verbose) as term:
            term.write(f"[{self.n}/{self.total}] {title}\n")
            st = Stage(term, log)
            try:
                yield st
            except BaseException as e:
                term.write(f"    failed after {time.time() - t:.0f} s: {type(e).__name__}: {e}\n"
                           f"    full log: {log}\n")
                raise
            term.write(f"    {st.summary}  ({time.time() - t:.0f} s)\n")

    def print(self, text: str = "") -> None:
        print(text, flush=True)

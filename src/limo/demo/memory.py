"""Peak memory of the demo: this process and every process it started, summed, sampled in a thread.

The stages run in spawned processes, two at a time during SFT, so neither this process's peak nor its
largest child's says what the machine had to hold; the sum over the live process tree does.
"""

from __future__ import annotations

import threading
from types import TracebackType


class PeakMemory:
    """`with PeakMemory() as peak: ...; peak.mb` is the largest resident-set sum seen (sampled every
    `every` s, so a spike shorter than that can be missed: a lower bound, said so in the report)."""

    def __init__(self, every: float = 0.25):
        self.every, self.mb = every, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()

    def sample(self) -> float:
        """Resident memory of this process and its descendants now, in MB."""
        import psutil

        me = psutil.Process()
        total = 0
        for p in [me, *me.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except psutil.Error:  # the process ended between listing and reading: it holds nothing now
                continue
        self.mb = max(self.mb, total / 2**20)
        return self.mb

    def _loop(self) -> None:
        self.sample()
        while not self._stop.wait(self.every):
            self.sample()

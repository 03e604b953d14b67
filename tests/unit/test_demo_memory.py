"""The demo's peak memory counts the processes it starts, not only itself."""

import subprocess
import sys
import time

from limo.demo.memory import PeakMemory


def test_peak_memory_sums_the_children_it_sees():
    with PeakMemory(every=0.05) as peak:
        alone = peak.sample()
        # a child that holds ~200 MB for a second: only a sum over the process tree sees it
        child = subprocess.Popen([sys.executable, "-c", "b = bytearray(200 * 2**20); import time; time.sleep(1.0)"])
        deadline = time.time() + 30
        while peak.mb < alone + 150 and time.time() < deadline and child.poll() is None:
            time.sleep(0.05)
        child.wait()
    assert peak.mb >= alone + 150, (alone, peak.mb)
    assert peak.sample() >= peak.mb  # the peak never goes down

"""limo.runlock: one writer per output (a live holder refuses the next, a dead one's lock is taken over),
and pinned settings that two simultaneous starts cannot both create."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from limo.errors import LimoError
from limo.runlock import RunLock, diff_fields, pin_settings

HOLD = """
import sys, time
from limo.runlock import RunLock
with RunLock(sys.argv[1], "test"):
    print("locked", flush=True)
    time.sleep(60)
"""


def _hold(path):
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_a_live_holder_makes_the_next_run_refuse_naming_its_pid(tmp_path):
    proc = _hold(tmp_path / ".lock")
    try:
        with pytest.raises(LimoError, match=rf"in use by another x \(pid {proc.pid} "):
            RunLock(tmp_path / ".lock", "x").acquire()
    finally:
        proc.kill()
        proc.wait()


def test_a_lock_left_by_a_killed_process_is_taken_over(tmp_path):
    proc = _hold(tmp_path / ".lock")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert (tmp_path / ".lock").exists()  # stale file left behind
    with RunLock(tmp_path / ".lock"):
        assert json.loads((tmp_path / ".lock").read_text())["pid"] == os.getpid()
    assert not (tmp_path / ".lock").exists()  # released on exit


def test_the_same_process_cannot_take_a_held_lock_twice(tmp_path):
    with RunLock(tmp_path / ".lock"):
        with pytest.raises(LimoError):
            RunLock(tmp_path / ".lock").acquire()


PIN = """
import sys, time
from limo.errors import LimoError
from limo.runlock import pin_settings
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
try:
    pin_settings(sys.argv[1], {"temperature": float(sys.argv[3])}, "new dir")
    print("ok")
except LimoError:
    print("refused")
"""


def test_simultaneous_first_starts_with_different_settings_pin_only_one(tmp_path):
    start = time.time() + 1.5
    procs = [subprocess.Popen([sys.executable, "-c", PIN, str(tmp_path / "s.json"), str(start), str(t)],
                              stdout=subprocess.PIPE, text=True) for t in (0.0, 0.7, 1.0, 0.3)]
    outs = [p.communicate(timeout=60)[0].strip() for p in procs]
    assert outs.count("ok") == 1 and outs.count("refused") == 3, outs
    assert not [p for p in tmp_path.iterdir() if p.name != "s.json"]  # no temp files left


def test_mismatch_names_the_fields_and_how_to_start_fresh(tmp_path):
    pin_settings(tmp_path / "s.json", {"a": 1, "b": {"c": 2}}, "use a new dir")
    pin_settings(tmp_path / "s.json", {"a": 1, "b": {"c": 2}}, "use a new dir")  # equal: fine
    with pytest.raises(LimoError, match=r"b\.c: 2 -> 3.*use a new dir"):
        pin_settings(tmp_path / "s.json", {"a": 1, "b": {"c": 3}}, "use a new dir")
    assert diff_fields({"x": 1, "y": [1]}, {"x": 1.0, "y": [2], "z": None}) == ["y"]


def test_a_run_refused_while_the_owner_is_still_writing_its_pid_waits_to_name_it(tmp_path):
    # Two runs started together: the second can find the lock taken but its file still empty (seen in CI).
    import threading

    from limo.runlock import _read_owner

    path = tmp_path / ".lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    info = {"pid": 4242, "host": "h", "since": "now"}
    writer = threading.Timer(0.2, lambda: os.write(fd, (json.dumps(info) + "\n").encode()))
    writer.start()
    try:
        assert _read_owner(fd) == "pid 4242 on h since now"
    finally:
        writer.join()
        os.close(fd)
    empty = os.open(tmp_path / ".lock2", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        assert _read_owner(empty, wait=0.1) == "a process that is still starting"
    finally:
        os.close(empty)

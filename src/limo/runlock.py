"""Two guards every resumable output shares: one writer at a time, and never two settings in one output.

`RunLock(path)`: an exclusive lock file holding the owner's pid. It is an `flock` on the file, so the
kernel releases it when the owner exits or dies (even by SIGKILL): a lock file left by a dead process
is stale and the next run takes it over; one held by a live process makes the next run refuse at
once, naming that pid.

`pin_settings(path, settings, ...)`: the first run of an output writes the settings that decide its
contents to `path`, created exclusively (a temp file hard-linked into place: like O_EXCL the link fails
when the file exists, so two runs starting together cannot both "create" it, and no reader ever sees
half a file); every later run must present equal settings, else a LimoError names the differing fields
and how to start fresh.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from pathlib import Path
from typing import Any, Callable, Optional

from limo.errors import LimoError

Project = Optional[Callable[[dict[str, Any]], dict[str, Any]]]


class RunLock:
    """`with RunLock(RUN / ".lock", "limo eval"):` holds RUN for this process; raises LimoError if taken."""

    def __init__(self, path: str | Path, what: str = "limo"):
        self.path = Path(path)
        self.what = what
        self._fd = -1

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                owner = _read_owner(fd)
                os.close(fd)
                raise LimoError(f"{self.path.parent} is in use by another {self.what} ({owner}); wait for it to "
                                f"finish or stop it (a lock left by a dead process is taken over automatically)")
            # The previous owner may have unlinked the file between our open and flock: lock the live file.
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        info = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        os.write(fd, (json.dumps(info) + "\n").encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd < 0:
            return
        try:
            self.path.unlink()  # unlink while still holding the lock: no one can lock a file we then delete
        except FileNotFoundError:
            pass
        os.close(self._fd)
        self._fd = -1

    def __enter__(self) -> "RunLock":
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _read_owner(fd: int, wait: float = 1.0) -> str:
    """The owner's pid, host and start time. The owner writes them right after taking the lock, so a run
    refused in between (two runs started together) finds the file empty or half-written: it looks again
    for up to `wait` seconds before saying only that the owner is still starting."""
    deadline = time.monotonic() + wait
    while True:
        try:
            info = json.loads(os.pread(fd, 4096, 0) or b"{}")
            return f"pid {info['pid']} on {info['host']} since {info['since']}"
        except (ValueError, KeyError, OSError):
            if time.monotonic() >= deadline:
                return "a process that is still starting"
            time.sleep(0.05)


def diff_fields(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> list[str]:
    """Names of the fields whose values differ (nested dicts give dotted names), sorted."""
    out = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            out += diff_fields(a, b, f"{prefix}{key}.")
        elif _canonical(a) != _canonical(b):
            out.append(f"{prefix}{key}")
    return out


def _canonical(value: Any) -> Any:
    """The value as it reads back from JSON (tuples are lists; 1 equals 1.0)."""
    return json.loads(json.dumps(value, default=str))


def describe(fields: list[str], old: dict[str, Any], new: dict[str, Any], limit: int = 6) -> str:
    """`temperature: 0.7 -> 0.0, seed: 0 -> 1` for a refusal message (long values shortened)."""
    def get(d: dict[str, Any], dotted: str) -> Any:
        for part in dotted.split("."):
            d = d.get(part) if isinstance(d, dict) else None  # type: ignore[assignment]
        return d

    def short(v: Any) -> str:
        text = json.dumps(v, default=str, ensure_ascii=False)
        return text if len(text) <= 40 else text[:37] + "..."

    parts = [f"{f}: {short(get(old, f))} -> {short(get(new, f))}" for f in fields[:limit]]
    return ", ".join(parts) + (f" (+{len(fields) - limit} more)" if len(fields) > limit else "")


def read_settings(path: str | Path) -> dict[str, Any] | None:
    path = Path(path)
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise LimoError(f"{path}: unreadable ({e}); it records what this output was made with: restore it or "
                        f"start fresh") from None


def check_settings(path: str | Path, settings: dict[str, Any], fresh: str, project: Project = None) -> bool:
    """Compare with the settings pinned at `path`, without writing. True when pinned and equal, False when
    nothing is pinned yet; LimoError naming the differing fields (and `fresh`: how to start over) else.
    `project` picks the part of a record that must match (the rest, e.g. timeouts, may change)."""
    old = read_settings(path)
    if old is None:
        return False
    if project is not None:
        old, settings = project(old), project(settings)
    changed = diff_fields(old, settings)
    if changed:
        raise LimoError(f"{Path(path).parent} was made with other settings ({describe(changed, old, settings)}); "
                        f"rerun with the same ones to resume, or start fresh: {fresh}")
    return True


def pin_settings(path: str | Path, settings: dict[str, Any], fresh: str, project: Project = None) -> None:
    """Pin `settings` at `path` (created exclusively), or check them against the pinned ones."""
    path = Path(path)
    if check_settings(path, settings, fresh, project):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    data = (json.dumps(settings, indent=2, ensure_ascii=False, default=str) + "\n").encode()
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_bytes(data)
    try:
        os.link(tmp, path)  # atomic and exclusive: fails if another run pinned first; never a half file
    except FileExistsError:
        check_settings(path, settings, fresh, project)  # someone else won the race: theirs must equal ours
    finally:
        tmp.unlink(missing_ok=True)

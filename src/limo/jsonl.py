"""JSONL reading and writing: the only file format between stages.

Two promises:
- The reader names `file:line` for a malformed line and never skips it silently.
- Writers never leave a half-written line behind. `write_jsonl` writes a temp file and renames it;
  `JsonlAppender` writes each row with a single `os.write` of a complete line, and on open it cuts a
  torn tail (a last line without its newline, left by a crash mid-write) and says so on stderr.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from limo.errors import RecordError


def iter_jsonl(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield `(line_number, row)` for every non-blank line; raise RecordError naming file:line."""
    path = Path(path)
    if not path.exists():
        raise RecordError(f"{path}: no such file")
    with path.open("rb") as f:
        for lineno, raw in enumerate(f, start=1):
            if not raw.strip():
                continue
            try:
                row = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError) as e:
                torn = "" if raw.endswith(b"\n") else " (last line has no newline: a torn write?)"
                raise RecordError(f"{path}:{lineno}: invalid JSON: {e}{torn}") from None
            if not isinstance(row, dict):
                raise RecordError(f"{path}:{lineno}: expected a JSON object, got {type(row).__name__}")
            yield lineno, row


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """All rows of a JSONL file (see `iter_jsonl`)."""
    return [row for _, row in iter_jsonl(path)]


def dumps_line(row: dict[str, Any]) -> bytes:
    """One JSON object as one UTF-8 line. NaN/inf are refused: they are not JSON."""
    return (json.dumps(row, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


def write_jsonl(path: str | Path, rows: Iterable[dict[str, Any]]) -> int:
    """Write all rows atomically (temp file + rename). Returns the number of rows."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    n = 0
    try:
        with tmp.open("wb") as f:
            for row in rows:
                f.write(dumps_line(row))
                n += 1
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:  # Ctrl-C, a failing row source, an unwritable path: leave no hidden temp file
        tmp.unlink(missing_ok=True)
        raise
    return n


def check_output_path(output: str | Path, flag: str = "--output") -> Path:
    """Refuse an output that is a folder (or under a file) before any work is done, not after it."""
    output = Path(output)
    if output.is_dir():
        raise RecordError(f"{flag} {output} is a folder; give a file path (e.g. {output / 'out.jsonl'})")
    for parent in output.parents:
        if parent.exists() and not parent.is_dir():
            raise RecordError(f"{flag} {output}: {parent} is a file, not a folder")
    return output


def repair_torn_tail(path: Path) -> int:
    """Cut a trailing partial line (no final newline). Returns the number of bytes removed."""
    if not path.exists() or path.stat().st_size == 0:
        return 0
    with path.open("rb+") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        # Walk back to the last newline; everything after it is the torn line.
        pos, chunk = size, 4096
        while pos > 0:
            start = max(0, pos - chunk)
            f.seek(start)
            block = f.read(pos - start)
            idx = block.rfind(b"\n")
            if idx >= 0:
                keep = start + idx + 1
                break
            pos = start
        else:
            keep = 0
        if keep < size:
            f.truncate(keep)
        return size - keep


class JsonlAppender:
    """Append rows to a JSONL file, one complete line per `os.write`, durable on `close()`.

    Use as a context manager. A row is either fully in the file or not at all, even under SIGKILL.
    """

    def __init__(self, path: str | Path, fsync_every: int = 0):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        cut = repair_torn_tail(self.path)
        if cut:
            print(f"limo: {self.path}: removed a torn last line ({cut} bytes) left by an interrupted write",
                  file=sys.stderr)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._fsync_every = fsync_every
        self._since_sync = 0

    def append(self, row: dict[str, Any]) -> None:
        data = dumps_line(row)
        written = os.write(self._fd, data)
        if written != len(data):  # regular files do not short-write except on a full disk
            raise OSError(f"{self.path}: short write ({written} of {len(data)} bytes); disk full?")
        self._since_sync += 1
        if self._fsync_every and self._since_sync >= self._fsync_every:
            os.fsync(self._fd)
            self._since_sync = 0

    def close(self) -> None:
        if self._fd >= 0:
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> "JsonlAppender":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

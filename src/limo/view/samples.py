"""An in-memory index of the samples of one benchmark, kept current while a run appends to its files.

Samples files are append-only JSONL (limo.jsonl.JsonlAppender), so each file is read from where the
last read stopped, up to its last complete line: a torn line being written is left for the next
refresh, and a file that was rewritten (rescore, shard merge) is read again from the start. The index
keeps only what filters and sorting need (`Row`) plus each line's byte offset; a page re-reads its
few full lines and validates them as `limo.records.Sample`, so 100k samples cost a few tens of MB.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from limo.records import Sample


@dataclass(slots=True)
class Row:
    """What the viewer filters and sorts on, for one sample (the full text stays on disk)."""

    problem_id: str
    sample_index: int
    rule_correct: bool | None  # the rule grader's verdict; None: not graded yet
    reason: str | None
    extracted: str | None
    finish_reason: str | None
    tokens: int | None
    paper: bool | None  # meta["paper_verdict"]: LIMO's own grader, where recorded
    meta_judge: bool | None  # a judge verdict stored in the sample itself, where recorded
    path: Path
    offset: int
    length: int


JUDGE_OUTCOMES = {"correct": True, "wrong": False, "judge_error": None}  # limo.eval.judge.outcome


def _side_verdict(value: Any) -> bool | None:
    """A second grader's verdict as stored in Sample.meta: a bool, a judge outcome, or a Verdict-like dict."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return JUDGE_OUTCOMES.get(value)
    if isinstance(value, dict) and isinstance(value.get("correct"), bool):
        return value["correct"]
    return None


def row_from(data: dict[str, Any], path: Path, offset: int, length: int) -> Row:
    verdict = data.get("verdict") or {}
    meta = data.get("meta") or {}
    return Row(problem_id=str(data["problem_id"]), sample_index=int(data["sample_index"]),
               rule_correct=verdict.get("correct") if verdict else None, reason=verdict.get("reason"),
               extracted=verdict.get("extracted"), finish_reason=data.get("finish_reason"),
               tokens=data.get("completion_tokens"), paper=_side_verdict(meta.get("paper_verdict")),
               meta_judge=_side_verdict(meta.get("judge_verdict", meta.get("judge"))),
               path=path, offset=offset, length=length)


@dataclass
class TailFile:
    """One append-only JSONL file, read incrementally; yields (offset, length, row dict) for new lines."""

    path: Path
    pos: int = 0
    ident: tuple[int, int] | None = None  # (device, inode): a replaced file is read again

    def new_lines(self) -> tuple[bool, list[tuple[int, int, dict[str, Any]]]]:
        """(restarted, rows): restarted is True when the file was replaced and must be re-indexed."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return False, []
        ident = (st.st_dev, st.st_ino)
        restarted = self.ident is not None and (ident != self.ident or st.st_size < self.pos)
        if restarted or self.ident is None:
            self.pos, self.ident = 0, ident
        if st.st_size == self.pos:
            return restarted, []
        with self.path.open("rb") as f:
            f.seek(self.pos)
            chunk = f.read(st.st_size - self.pos)
        end = chunk.rfind(b"\n") + 1  # a torn last line waits for its newline
        out, start = [], 0
        while start < end:
            stop = chunk.index(b"\n", start) + 1
            line = chunk[start:stop]
            if line.strip():
                try:
                    out.append((self.pos + start, stop - start, json.loads(line)))
                except json.JSONDecodeError:
                    pass  # a malformed line is reported by limo's own readers; the viewer shows the rest
            start = stop
        self.pos += end
        return restarted, out


def read_line(path: Path, offset: int, length: int) -> dict[str, Any]:
    with path.open("rb") as f:
        f.seek(offset)
        return json.loads(f.read(length))


def load_sample(row: Row) -> Sample:
    """The full sample behind a row, validated by limo's record reader."""
    return Sample.from_dict(read_line(row.path, row.offset, row.length), f"{row.path}@{row.offset}")


FileList = Callable[[], list[Path]]


def _none() -> list[Path]:
    return []


@dataclass
class SampleIndex:
    """All samples of one benchmark over its files (shards included; first copy wins), and judge
    replies (keyed "problem_id#index") when the benchmark is judged. Which files: `sample_files()`
    and `judge_files()`, asked again on every refresh (shard files appear while a run goes)."""

    sample_files: FileList
    judge_files: FileList = _none
    judge_style: str = "limo"  # how judge replies are read (the run's protocol judge_settings.style)
    rows: dict[tuple[str, int], Row] = field(default_factory=dict)
    judge: dict[tuple[str, int], bool | None] = field(default_factory=dict)
    _files: dict[Path, TailFile] = field(default_factory=dict)
    _judge_files: dict[Path, TailFile] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    version: int = 0  # bumped whenever rows or judge verdicts change (caches key on it)

    def refresh(self) -> None:
        with self._lock:
            if self._refresh_samples() | self._refresh_judge():
                self.version += 1

    def _refresh_samples(self) -> bool:
        changed = False
        for path in self.sample_files():
            tail = self._files.setdefault(path, TailFile(path))
            restarted, lines = tail.new_lines()
            if restarted:  # rewritten in place (rescore): drop its rows, read it again
                self.rows = {k: r for k, r in self.rows.items() if r.path != path}
                changed = True
            for offset, length, data in lines:
                try:
                    row = row_from(data, path, offset, length)
                except (KeyError, TypeError, ValueError):
                    continue
                if (row.problem_id, row.sample_index) not in self.rows:
                    self.rows[(row.problem_id, row.sample_index)] = row
                    changed = True
        return changed

    def _refresh_judge(self) -> bool:
        """Judge replies read with limo's own `outcome` (as results.json does): a judge_error is None."""
        from limo.eval.judge import outcome

        changed = False
        for path in self.judge_files():
            tail = self._judge_files.setdefault(path, TailFile(path))
            for _, _, data in tail.new_lines()[1]:
                pid, _, idx = str(data.get("problem_id", "")).rpartition("#")
                if pid and idx.isdigit():
                    reply = Sample(problem_id=pid, sample_index=int(idx), response=str(data.get("response", "")),
                                   finish_reason=data.get("finish_reason"))
                    self.judge.setdefault((pid, int(idx)), JUDGE_OUTCOMES[outcome(reply, self.judge_style)])
                    changed = True
        return changed

    def files(self) -> list[Path]:
        return list(self._files) + list(self._judge_files)

    def judge_of(self, row: Row) -> tuple[bool, bool | None]:
        """(judged, verdict): a reply in judge.jsonl wins over one stored in the sample's meta."""
        key = (row.problem_id, row.sample_index)
        if key in self.judge:
            return True, self.judge[key]
        if row.meta_judge is not None:
            return True, row.meta_judge
        return False, None

    def correct(self, row: Row) -> bool | None:
        """The verdict the run's metrics count: the judge's where it judged (a judge error = wrong), else the rules'."""
        if not self.judge and row.meta_judge is None:  # the common case, kept cheap for 100k rows
            return row.rule_correct
        judged, verdict = self.judge_of(row)
        return bool(verdict) if judged else row.rule_correct

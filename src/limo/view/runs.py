"""What a path given to `limo view` is, and what the viewer reads from it.

- eval run: a folder with `config.json` (`limo eval --output-dir RUN`); one benchmark per protocol,
  each `RUN/<benchmark>/{problems,samples*,judge*}.jsonl`, plus results.json, report.md, plots/.
- generate output: a samples JSONL file (`limo generate --output FILE`); its problems come from the
  input named in `<file>.provenance.json` (limo.generate.outputs; older limo: `<stem>.provenance.json`)
  when that file is still there.
- curate run: a folder of `NN_<stage>/stage.json` (`limo curate run`), with DATACARD.md.

Everything is read as it is on disk at request time, so a run that is still writing can be viewed.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from limo.errors import LimoError
from limo.records import Problem
from limo.view.samples import SampleIndex

KINDS = ("eval", "generate", "curate")


@dataclass
class Bench:
    """One benchmark of a run: its problems (re-read when the file changes) and its samples.

    Problems are kept as raw rows (validating thousands of records on every change would cost
    seconds); the one a page shows is validated as `limo.records.Problem` by `problem()`.
    """

    name: str
    index: SampleIndex
    problems_path: Path | None
    _problems: dict[str, dict[str, Any]] = field(default_factory=dict)
    _stamp: tuple[float, int] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    cache: dict[Any, tuple[Any, Any]] = field(default_factory=dict)  # query/overview results, keyed by stamp()

    def problems(self) -> dict[str, dict[str, Any]]:
        """problem id -> raw row, in file order."""
        path = self.problems_path
        if path is None or not path.exists():
            return {}
        st = path.stat()
        with self._lock:
            if self._stamp != (st.st_mtime, st.st_size):
                from limo.jsonl import iter_jsonl

                self._problems = {str(row.get("id")): row for _, row in iter_jsonl(path)}
                self._stamp = (st.st_mtime, st.st_size)
            return self._problems

    def stamp(self) -> tuple[int, tuple[float, int] | None]:
        """Changes whenever the samples, judge replies or problems change (query caches key on it)."""
        self.problems()
        return self.index.version, self._stamp

    def problem(self, problem_id: str) -> Problem | None:
        row = self.problems().get(problem_id)
        if row is None:
            return None
        try:
            return Problem.from_dict(row, f"{self.problems_path} (id {problem_id})")
        except LimoError:  # e.g. a generate input with extra fields: show its text and answer anyway
            return Problem(id=problem_id, problem=str(row.get("problem", "")), answer=row.get("answer"))


@dataclass
class Run:
    path: Path
    kind: str
    label: str
    benches: dict[str, Bench] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)

    def bench(self, name: str) -> Bench:
        if name not in self.benches:
            raise LimoError(f"{self.label}: no benchmark {name!r}; it has {sorted(self.benches)}")
        return self.benches[name]

    def refresh(self) -> None:
        if self.kind == "eval":  # the layout is limo.eval.rundir's; benchmarks may be added while we watch
            from limo.eval.rundir import RunDir

            rd = RunDir(self.path)
            self.config = rd.read_config()
            for name, proto in self.config.get("protocols", {}).items():
                if name not in self.benches:
                    style = (proto.get("judge_settings") or {}).get("style", "limo")
                    index = SampleIndex(lambda n=name: rd.sample_files(n), lambda n=name: rd.sample_files(n, "judge"),
                                        judge_style=style)
                    self.benches[name] = Bench(name, index, rd.problems_path(name))
        for b in self.benches.values():
            b.index.refresh()

    def writer(self) -> str | None:
        """Who holds the run's lock (limo.runlock) right now, e.g. "pid 12 on host since ...", or None."""
        from limo.generate.outputs import sidecar

        lock = self.path / ".lock" if self.kind == "eval" else sidecar(self.path, "lock")
        try:
            info = json.loads(lock.read_text() or "{}")
        except (OSError, ValueError):
            return None
        pid, host = info.get("pid"), info.get("host")
        if not isinstance(pid, int) or host != socket.gethostname():
            return f"pid {pid} on {host}" if pid else None  # another machine: cannot tell, say who
        try:
            os.kill(pid, 0)  # signal 0: only asks whether the process exists
        except ProcessLookupError:
            return None  # a lock file left by a dead process
        except PermissionError:
            pass
        return f"pid {pid} since {info.get('since')}"

    def results(self) -> dict[str, Any] | None:
        """results.json when it is at least as new as every samples file (else it is stale)."""
        path = self.path / "results.json"
        if self.kind != "eval" or not path.exists():
            return None
        newest = max((f.stat().st_mtime for b in self.benches.values() for f in b.index.files() if f.exists()),
                     default=0.0)
        return _read_json(path) if path.stat().st_mtime >= newest else None


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise LimoError(f"{path}: cannot read ({e})") from None


def _generate_problems(samples: Path) -> Path | None:
    """The input problems of a `limo generate` output, from its provenance file (if still on disk)."""
    from limo.generate.outputs import sidecar

    prov = sidecar(samples, "provenance.json")
    if not prov.exists():
        prov = samples.with_name(f"{samples.stem}.provenance.json")  # written by limo before issue 10
    if not prov.exists():
        return None
    for name in _read_json(prov).get("inputs", {}):
        if Path(name).exists():
            return Path(name)
    return None


def open_run(path: str | Path, label: str | None = None) -> Run:
    """Recognise a run folder or samples file; an error says what each kind looks like."""
    p = Path(path)
    label = label or (f"{p.parent.name}/{p.name}" if p.is_file() else p.name) or str(p)
    if p.is_file() and p.suffix == ".jsonl":
        bench = Bench(p.stem, SampleIndex(lambda: [p]), _generate_problems(p))
        run = Run(p, "generate", label, {p.stem: bench})
    elif (p / "config.json").exists():
        run = Run(p, "eval", label)
    elif p.is_dir() and (any(p.glob("[0-9][0-9]_*/stage.json")) or (p / "DATACARD.md").exists()):
        run = Run(p, "curate", label)
    else:
        raise LimoError(f"{p}: not a run limo can show: expected an eval run (folder with config.json), a "
                        f"generate output (samples .jsonl file) or a curate run (folder of NN_stage/stage.json)")
    run.refresh()
    return run


def open_runs(paths: list[str]) -> list[Run]:
    """Runs with unique labels (two runs called `eval` become `a/eval` and `b/eval`)."""
    runs = [open_run(p) for p in paths]
    names = [r.label for r in runs]
    for r in runs:
        if names.count(r.label) > 1:
            r.label = os.path.join(r.path.parent.name, r.path.name)
    return runs

"""The one owner of an eval run folder's layout: runner, results, report (and anything that reads a RUN)
go through `RunDir`, never through hand-built paths.

RUN/
  .lock                                 held while a `limo eval` writes here (limo.runlock.RunLock);
  .lock.shard-I-of-N                    one per data-parallel shard process
  config.json                           {"config": EvalConfig, "protocols": {benchmark: protocol}, "grader"},
                                        created exclusively by the first start; every rerun must match its
                                        pinned part; `--rescore --grader X` rewrites only "grader"
  <benchmark>/problems.jsonl            the problems as evaluated (GPQA: with its option permutation)
  <benchmark>/samples[.shard-I-of-N].jsonl   one Sample + Verdict per (problem, index), appended as done
  <benchmark>/judge[.shard-I-of-N].jsonl     judge replies (judged benchmarks only), appended as done
  <benchmark>/judge_disagreements.jsonl, results.json, provenance.json, report.md, plots/, logs/

What a rerun must match (`pinned`): the benchmark list, preset, data source, GPQA seed, limit, and per
benchmark its protocol, which holds every field of `GenerateConfig.sampling()` (model, backend, dtype,
max_model_len, tokenizer, openai_mode, sampling and budget forcing) and its judge's settings; and the
`--grader` whose verdicts the samples hold (a resume grades only the new samples, so another grader
would mix verdicts of two graders in one results.json).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from limo.errors import LimoError
from limo.eval.sharding import samples_name
from limo.records import Problem, Sample, read_records
from limo.runlock import RunLock, check_settings, pin_settings, read_settings

FRESH = "use a new --output-dir (or delete the folder)"
_PINNED_CONFIG = ("benchmarks", "preset", "data_dir", "gpqa_seed", "limit")
# config.json written before the grader was recorded has none: read it as the default grader.
UNRECORDED_GRADER = "limo"
# Set in config.json while `--rescore` rewrites samples (the grader it rescores to); removed when it ends.
RESCORING = "rescoring_to"


def grader_of(record: dict[str, Any]) -> str:
    return record.get("grader") or UNRECORDED_GRADER


def pinned(record: dict[str, Any]) -> dict[str, Any]:
    """The part of a config record that decides the samples (what a rerun must match)."""
    return {"config": {k: record["config"].get(k) for k in _PINNED_CONFIG}, "protocols": record["protocols"],
            "grader": grader_of(record)}


class RunDir:
    def __init__(self, path: str | Path):
        self.path = Path(path)

    # --- who writes -------------------------------------------------------------------------------
    def lock(self, shard: tuple[int, int] | None = None) -> RunLock:
        name = ".lock" if shard is None else f".lock.shard-{shard[0]}-of-{shard[1]}"
        return RunLock(self.path / name, "limo eval" + (f" shard {shard[0]}/{shard[1]}" if shard else ""))

    # --- config.json ------------------------------------------------------------------------------
    @property
    def config_path(self) -> Path:
        return self.path / "config.json"

    def read_config(self) -> dict[str, Any]:
        record = read_settings(self.config_path)
        if record is None:
            raise LimoError(f"{self.path}: not a limo eval run (no config.json)")
        return record

    def check_config(self, record: dict[str, Any]) -> bool:
        """True when config.json exists and its pinned part equals `record`'s; False when none yet."""
        old = read_settings(self.config_path)
        if old is None:
            return False
        self._check_grader(old, record)
        return check_settings(self.config_path, record, FRESH, project=pinned)

    def pin_config(self, record: dict[str, Any]) -> None:
        """Create config.json exclusively (first start) or check it (every rerun, every shard)."""
        self.check_config(record)
        pin_settings(self.config_path, record, FRESH, project=pinned)

    def _check_grader(self, old: dict[str, Any], record: dict[str, Any]) -> None:
        """Its own message: unlike the other settings, a grader change has a fix short of starting fresh."""
        if old.get(RESCORING):
            raise LimoError(f"{self.path}: `limo eval --rescore {self.path} --grader {old[RESCORING]}` was "
                            f"interrupted, so its samples hold verdicts of two graders; rerun that command "
                            f"to finish it before resuming")
        was, now = grader_of(old), grader_of(record)
        if was != now:
            raise LimoError(f"{self.path} was graded with --grader {was}, not {now}: resuming would mix both "
                            f"graders' verdicts in one results.json. Rerun with --grader {was} to resume, or "
                            f"regrade every sample first with `limo eval --rescore {self.path} --grader {now}`, "
                            f"or start fresh: {FRESH}")

    def recorded_grader(self) -> str:
        """The grader a rescore uses when none is named: the one being rescored to, else the pinned one."""
        record = self.read_config()
        return record.get(RESCORING) or grader_of(record)

    def begin_rescore(self, grader: str) -> None:
        """Before a rescore rewrites any samples file: until `record_grader` runs, resumes are refused."""
        self._write_config({**self.read_config(), RESCORING: grader})

    def record_grader(self, grader: str) -> None:
        """After `--rescore --grader X` regraded every sample: pin X, so later resumes must use it too."""
        record = {k: v for k, v in self.read_config().items() if k != RESCORING}
        record["grader"] = grader
        if isinstance(record.get("config"), dict):  # the config's own key must not contradict the pin
            record["config"] = {**record["config"], "grader": grader}
        self._write_config(record)

    def _write_config(self, record: dict[str, Any]) -> None:
        tmp = self.config_path.with_name(f".{self.config_path.name}.tmp{os.getpid()}")
        tmp.write_text(json.dumps(record, indent=2, ensure_ascii=False, default=str) + "\n")
        os.replace(tmp, self.config_path)  # atomic: config.json is never half written

    def benchmarks(self) -> list[str]:
        return list(self.read_config()["protocols"])

    # --- problems.jsonl ---------------------------------------------------------------------------
    def problems_path(self, name: str) -> Path:
        return self.path / name / "problems.jsonl"

    def check_problems(self, name: str, problems: list[Problem]) -> bool:
        """True when problems.jsonl holds exactly `problems`; False when not frozen yet; else LimoError."""
        path = self.problems_path(name)
        if not path.exists():
            return False
        old = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        if old != json.loads(json.dumps([p.to_dict() for p in problems])):
            raise LimoError(f"{path}: the benchmark data differs from this run's first start "
                            f"(another --data-dir, --limit or data version?); {FRESH}")
        return True

    def freeze_problems(self, name: str, problems: list[Problem]) -> None:
        """Write problems.jsonl once; on a rerun the data must be the same (else samples would mix)."""
        from limo.jsonl import write_jsonl

        if not self.check_problems(name, problems):
            write_jsonl(self.problems_path(name), (p.to_dict() for p in problems))

    def read_problems(self, name: str) -> dict[str, Problem]:
        return {p.id: p for p in read_records(self.problems_path(name), Problem)}

    # --- samples / judge files --------------------------------------------------------------------
    def samples_path(self, name: str, shard: tuple[int, int] | None = None, stem: str = "samples") -> Path:
        return self.path / name / samples_name(shard, stem)

    def sample_files(self, name: str, stem: str = "samples") -> list[Path]:
        """Every file of this stem (unsharded and each shard's), in a fixed order."""
        return sorted((self.path / name).glob(f"{stem}.jsonl")) + sorted(
            (self.path / name).glob(f"{stem}.shard-*.jsonl"))

    def read_samples(self, name: str, stem: str = "samples") -> dict[tuple[str, int], Sample]:
        """Every sample of a benchmark over all its files, by key (first copy wins)."""
        from limo.generate.runner import read_done

        found: dict[tuple[str, int], Sample] = {}
        for path in self.sample_files(name, stem):
            for key, s in read_done(path).items():
                found.setdefault(key, s)
        return found

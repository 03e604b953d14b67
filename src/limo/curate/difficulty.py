"""Difficulty filtering: keep problems a model solves between `min_correct` and `max_correct` of k times.

LIMO v3 (paper §3.1.1) runs two such stages:
1. Qwen2.5-Math-7B-Instruct, k=4: drop anything it solves even once (`min_correct: 0, max_correct: 0`);
2. DeepSeek-R1-Distill-Qwen-32B, k=32: keep problems solved 1 to 3 times (`min_correct: 1, max_correct: 3`).

Every stage's per-problem pass counts are stored in `<workdir>/<stage>.pass_rates.jsonl` (and the graded
samples in `<stage>.<settings hash>.samples.jsonl`), so rerunning with other bands generates nothing; a
problem's counts are reused only when the stage's sampling settings (model, k, temperature, ...: the
hash of `GenerateConfig.sampling()`) match. Stages sharing engine settings share one started engine.
`<workdir>/.lock` keeps a second run out while one works there.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator

from limo.config import StrictModel
from limo.curate.model_stage import Engines, cache_path, graded_samples
from limo.curate.stage import StageResult, snippet
from limo.generate import GenerateConfig
from limo.jsonl import JsonlAppender, iter_jsonl
from limo.records import Problem
from limo.runlock import RunLock


class DifficultyStage(StrictModel):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    generate: GenerateConfig  # generate.n is k
    min_correct: int = Field(0, ge=0)
    max_correct: int = Field(0, ge=0)

    @model_validator(mode="after")
    def _band(self) -> "DifficultyStage":
        if self.min_correct > self.max_correct or self.max_correct > self.generate.n:
            raise ValueError(f"stage {self.name}: need min_correct <= max_correct <= generate.n "
                             f"({self.min_correct}, {self.max_correct}, {self.generate.n})")
        return self


class DifficultyConfig(StrictModel):
    stages: list[DifficultyStage] = Field(min_length=1)
    grade_timeout: float = Field(5.0, gt=0)


def _load_rates(path: Path) -> dict[str, dict]:
    return {row["id"]: row for _, row in iter_jsonl(path)} if path.exists() else {}


def pass_counts(problems: list[Problem], stage: DifficultyStage, workdir: Path, engines: Engines,
                grade_timeout: float) -> dict[str, dict]:
    """{problem id: {correct, errors, k, model, settings}} for every problem, generating only for those
    not stored under this stage's sampling settings."""
    rates_path = workdir / f"{stage.name}.pass_rates.jsonl"
    rates = _load_rates(rates_path)
    cfg = stage.generate
    settings = cfg.sampling_hash()
    todo = [p for p in problems if rates.get(p.id, {}).get("settings") != settings]
    if todo:
        samples = graded_samples(todo, cfg, cache_path(workdir, stage.name, cfg), engines,
                                 desc=f"difficulty:{stage.name}", grade_timeout=grade_timeout)
        correct: dict[str, int] = {p.id: 0 for p in todo}
        errors: dict[str, int] = {p.id: 0 for p in todo}
        for s in samples:
            correct[s.problem_id] += bool(s.verdict and s.verdict.correct)
            errors[s.problem_id] += bool(s.verdict and s.verdict.reason == "error")
        with JsonlAppender(rates_path) as out:
            for p in todo:
                row = {"id": p.id, "correct": correct[p.id], "errors": errors[p.id], "k": cfg.n,
                       "model": cfg.model, "settings": settings}
                out.append(row)
                rates[p.id] = row
    return rates


def difficulty(problems: list[Problem], cfg: DifficultyConfig, workdir: str | Path,
               engines: Engines | None = None) -> StageResult:
    """Apply every stage in order; each sees only the previous stage's survivors."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    own = engines is None
    engines = engines or Engines()
    removed: list[dict] = []
    stats: dict = {"in": len(problems), "stages": {}}
    lock = RunLock(workdir / ".lock", "limo curate difficulty")
    lock.acquire()
    try:
        for stage in cfg.stages:
            rates = pass_counts(problems, stage, workdir, engines, cfg.grade_timeout)
            keep: list[Problem] = []
            for p in problems:
                c = rates[p.id]["correct"]
                p.meta = {**p.meta, f"pass_{stage.name}": f"{c}/{stage.generate.n}"}
                if stage.min_correct <= c <= stage.max_correct:
                    keep.append(p)
                else:
                    why = "too_easy" if c > stage.max_correct else "too_hard"
                    removed.append({"id": p.id, "reason": f"{stage.name}:{why}", "correct": c,
                                    "k": stage.generate.n, "model": stage.generate.model,
                                    "problem": snippet(p.problem)})
            stats["stages"][stage.name] = {"in": len(problems), "kept": len(keep),
                                           "band": [stage.min_correct, stage.max_correct],
                                           "k": stage.generate.n, "model": stage.generate.model,
                                           "grader_errors": sum(rates[p.id].get("errors", 0) for p in problems)}
            problems = keep
    finally:
        lock.release()
        if own:
            engines.close()
    stats.update(kept=len(problems), removed=len(removed))
    return StageResult(problems, removed, stats)

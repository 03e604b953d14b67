"""Chains: reasoning chains from one or more teacher models, several per problem, kept only when the
final answer grades correct (paper §3.1.2: DeepSeek-R1, R1-Distill-Qwen-32B, QwQ-32B); or imported.

Output is `limo.records.Sample` JSONL (problem_id, response, model, verdict): `score` ranks these and
`select` turns the best into training Problems. Each teacher's samples live in
`<workdir>/teacher<i>.<settings hash>.samples.jsonl` (see limo.curate.model_stage.cache_path),
resumable per sample; a changed teacher samples anew instead of relabelling old chains.

Imports take either Samples (`problem_id` + `response`) or Problems whose `solution` is the chain.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from limo.config import StrictModel
from limo.curate.model_stage import Engines, cache_path, graded_samples
from limo.curate.stage import StageResult
from limo.generate import GenerateConfig
from limo.jsonl import iter_jsonl
from limo.records import Problem, Sample
from limo.runlock import RunLock


class ChainsConfig(StrictModel):
    teachers: list[GenerateConfig] = Field(default_factory=list)  # each teacher's n = chains per problem
    import_paths: list[str] = Field(default_factory=list)
    use_solutions: bool = False  # the problems' own `solution` fields are chains too (imported pools)
    require_correct: bool = True  # LIMO keeps correct chains only; s1 shows it can be relaxed
    grade_timeout: float = Field(5.0, gt=0)


def import_chains(path: str | Path) -> list[Sample]:
    """Chains from a Sample JSONL or a Problem JSONL (solution = chain)."""
    out: list[Sample] = []
    for lineno, row in iter_jsonl(path):
        where = f"{path}:{lineno}"
        if "problem_id" in row:
            s = Sample.from_dict(row, where)
        else:
            p = Problem.from_dict(row, where)
            if not p.solution:
                continue  # a Problem without a worked solution has no chain to import
            s = Sample(problem_id=p.id, sample_index=0, response=p.solution, model=f"import:{Path(path).name}")
        out.append(s)
    return out


def _id_resolver(problems: list[Problem]) -> dict[str, str]:
    """Raw id -> ingested id. Ingest names rows `<source>:<id>`, while imported chains usually carry the
    id of the file they were made from; a raw id that two sources share is ambiguous and not mapped."""
    counts: dict[str, int] = {}
    mapping: dict[str, str] = {}
    for p in problems:
        raw = p.id.split(":", 1)[1] if ":" in p.id else p.id
        base = raw.split("#", 1)[0]  # ingest's renamed repeats (`7#2`) make the raw id `7` ambiguous
        counts[base] = counts.get(base, 0) + 1
        counts[raw] = counts.get(raw, 0) + (raw != base)
        mapping[raw] = p.id
    return {raw: pid for raw, pid in mapping.items() if counts[raw] == 1}


def chains(problems: list[Problem], cfg: ChainsConfig, workdir: str | Path,
           engines: Engines | None = None) -> StageResult:
    """All chains for `problems` (generated and imported), split into kept (correct) and removed."""
    from limo.eval.grading import grade_problem

    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    by_id = {p.id: p for p in problems}
    samples: list[Sample] = []
    own = engines is None
    engines = engines or Engines()
    try:
        with RunLock(workdir / ".lock", "limo curate chains"):
            for i, teacher in enumerate(cfg.teachers):
                samples += graded_samples(problems, teacher, cache_path(workdir, f"teacher{i}", teacher), engines,
                                          desc=f"chains:{teacher.model}", grade_timeout=cfg.grade_timeout)
    finally:
        if own:
            engines.close()
    unknown = 0
    own_chains = [Sample(problem_id=p.id, sample_index=0, response=p.solution, model="solution")
                  for p in problems if cfg.use_solutions and p.solution]
    resolve = _id_resolver(problems)
    for s in own_chains + [s for path in cfg.import_paths for s in import_chains(path)]:
        s.problem_id = resolve.get(s.problem_id, s.problem_id)
        if s.problem_id not in by_id:
            unknown += 1
            continue
        if s.verdict is None and cfg.require_correct:
            s.verdict = grade_problem(by_id[s.problem_id], s.response, cfg.grade_timeout)
        samples.append(s)
    kept: list[Sample] = []
    removed: list[dict] = []
    for s in samples:
        if not cfg.require_correct or (s.verdict is not None and s.verdict.correct):
            kept.append(s)
        else:
            removed.append({"id": f"{s.problem_id}#{s.sample_index}", "problem_id": s.problem_id,
                            "reason": f"incorrect:{s.verdict.reason if s.verdict else 'ungraded'}",
                            "model": s.model, "extracted": s.verdict.extracted if s.verdict else None})
    with_chain = len({s.problem_id for s in kept})
    stats = {"in": len(samples), "kept": len(kept), "removed": len(removed), "problems": len(problems),
             "grader_errors": sum(bool(s.verdict and s.verdict.reason == "error") for s in samples),
             "problems_with_correct_chain": with_chain, "imported_unknown_problem": unknown}
    return StageResult(kept, removed, stats)

"""`limo eval`: generate, grade (and judge) every benchmark into RUN/, resumable per sample.

The RUN/ layout (config lock, frozen problems, sample files) is owned by limo.eval.rundir. Order of a
start: take RUN's lock (a second `limo eval` into RUN refuses), compare config.json and problems.jsonl
(a mismatch is refused before anything loads), start the engine if any sample is missing (a wrong
model fails here, before the run is pinned to it), then pin config.json and problems.jsonl.

Killing the process at any moment loses at most the samples in flight: rerunning the same command
skips every (problem, index) already in samples.jsonl, and since each sample's seed depends only on
(seed, problem id, index) the final samples and metrics equal those of an uninterrupted run.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from limo.errors import LimoError
from limo.eval.config import EvalConfig, protocol, resolve, uses_judge
from limo.eval.grading import PAPER_VERDICT, grade_pairs, grade_problem, golds, main_grader
from limo.eval.rundir import RunDir
from limo.eval.sharding import in_shard
from limo.jsonl import write_jsonl
from limo.records import Problem, Sample, Verdict, read_records


def grade_sample(problem: Problem, sample: Sample, timeout: float, grader: str = "limo") -> Sample:
    """Attach the rule grader's verdict (never raises: a grader failure is an `error` verdict); with
    grader `both`, the paper grader's verdict goes to meta["paper_verdict"]."""
    verdict = grade_problem(problem, sample.response, timeout, main_grader(grader))
    meta = {k: v for k, v in sample.meta.items() if k != PAPER_VERDICT}
    if grader == "both":
        meta[PAPER_VERDICT] = grade_problem(problem, sample.response, timeout, "paper").to_dict()
    for key in ("permutation", "shuffle_seed"):  # persisted with every sample (rescoring never reshuffles)
        if key in problem.meta:
            meta[key] = problem.meta[key]
    return dataclasses.replace(sample, verdict=verdict, meta=meta)


def load_problems_for(cfg: EvalConfig, name: str) -> list[Problem]:
    from limo.eval.benchmarks import load_benchmark

    problems = load_benchmark(name, cfg.data_dir, shuffle_seed=cfg.gpqa_seed)
    return problems[:cfg.limit] if cfg.limit else problems


def config_record(cfg: EvalConfig) -> dict[str, Any]:
    """What RUN/config.json holds: the config, each benchmark's resolved protocol (judge settings
    included) and the grader of the verdicts, with secrets redacted: a key must never be written."""
    from limo.redact import redact

    return redact({"config": cfg.model_dump(), "protocols": {b: protocol(cfg, b) for b in cfg.benchmark_names()},
                   "grader": cfg.grader})


def _missing(run: RunDir, cfg: EvalConfig, loaded: dict[str, list[Problem]],
             shard: tuple[int, int] | None) -> bool:
    """Is any sample of this (shard of the) run not yet in its samples file?"""
    from limo.generate.runner import read_done

    for name, problems in loaded.items():
        path = run.samples_path(name, shard)
        done = read_done(path) if path.exists() else {}
        n = resolve(cfg, name).n
        if any((p.id, k) not in done for p in problems for k in range(n) if in_shard(p.id, k, shard)):
            return True
    return False


def run_eval(cfg: EvalConfig, *, shard: tuple[int, int] | None = None, progress: bool = True) -> Path | None:
    """Generate + grade every benchmark, judge where the protocol says, then write the results.

    With `shard`, only that shard's samples are made and no results are written (merge later with
    `limo eval --rescore RUN`). Returns the results.json path (None for a shard).
    """
    from limo.generate import get_backend
    from limo.generate.runner import generate

    run = RunDir(cfg.output_dir)
    names = cfg.benchmark_names()
    record, grader = config_record(cfg), cfg.grader
    with run.lock(shard):
        run.check_config(record)
        loaded = {name: load_problems_for(cfg, name) for name in names}
        for name in names:
            run.check_problems(name, loaded[name])
        backend = None
        try:
            if _missing(run, cfg, loaded, shard):
                backend = get_backend(resolve(cfg, names[0]))  # one engine for every benchmark; checks the model
            run.pin_config(record)
            for name in names:
                run.freeze_problems(name, loaded[name])
            for name in names:
                by_id = {p.id: p for p in loaded[name]}
                generate(loaded[name], resolve(cfg, name), run.samples_path(name, shard), progress=progress,
                         backend=backend, on_sample=lambda p, s: grade_sample(by_id[p.id], s, cfg.grade_timeout, grader),
                         select=lambda pid, k: in_shard(pid, k, shard), desc=name, pinned=True)  # config.json
        finally:
            if backend is not None:
                backend.close()
        _judge_all(cfg, run, names, shard)
        if shard is not None:
            return None
        from limo.eval.results import write_results

        return write_results(run.path)


def _judge_all(cfg: EvalConfig, run: RunDir, names: list[str], shard: tuple[int, int] | None) -> None:
    """Judge the judged benchmarks, after the evaluated model's engine is closed (memory)."""
    judged = [n for n in names if uses_judge(cfg, n)]
    if not judged or cfg.judge is None:
        return
    from limo.eval.judge import run_judge
    from limo.generate import GenerateConfig, get_backend

    jcfg = GenerateConfig(model=cfg.judge.model, backend=cfg.judge.backend, base_url=cfg.judge.base_url,
                          **cfg.judge.engine)
    with get_backend(jcfg) as backend:
        for name in judged:
            problems = run.read_problems(name)
            samples = read_records(run.samples_path(name, shard), Sample)
            run_judge(problems, samples, cfg.judge, run.samples_path(name, shard, "judge"), backend,
                      desc=f"judge {name}")


def rescore(run_dir: str | Path, *, workers: int = 1, timeout: float = 5.0, progress: bool = True,
            grader: str | None = None) -> Path:
    """Re-grade every sample with `grader` (None: the run's recorded one; no model), rewrite samples, pin
    `grader` for later resumes, write results. Interrupted, it leaves some files regraded and config.json
    saying so, which refuses every resume until a rescore finishes."""
    from limo.eval.results import write_results

    run = RunDir(run_dir)
    with run.lock():
        grader = grader or run.recorded_grader()
        run.begin_rescore(grader)
        for name in run.benchmarks():
            problems = run.read_problems(name)
            for path in run.sample_files(name):
                _rescore_file(path, problems, workers, timeout, progress, grader)
        run.record_grader(grader)
        return write_results(run.path)


def _rescore_file(path: Path, problems: dict[str, Problem], workers: int, timeout: float, progress: bool,
                  grader: str = "limo") -> None:
    samples = read_records(path, Sample)
    unknown = [s for s in samples if s.problem_id not in problems]
    if unknown:
        raise LimoError(f"{path}: sample {unknown[0].key} belongs to no problem in "
                        f"{path.parent / 'problems.jsonl'} ({len(unknown)} such samples); was a samples "
                        f"file copied from another run?")
    pairs, owners = [], []
    for i, s in enumerate(samples):
        for g in golds(problems[s.problem_id]):
            pairs.append((s.response, g))
            owners.append(i)
    def best_of(which: str) -> dict[int, Verdict]:  # correct if any accepted gold matches
        best: dict[int, Verdict] = {}
        for i, v in zip(owners, grade_pairs(pairs, workers=workers, timeout=timeout, progress=progress,
                                            grader=which)):
            if i not in best or (v.correct and not best[i].correct):
                best[i] = v
        return best

    best, paper = best_of(main_grader(grader)), best_of("paper") if grader == "both" else {}

    def meta(i: int, s: Sample) -> dict[str, Any]:
        kept = {k: v for k, v in s.meta.items() if k != PAPER_VERDICT}
        return {**kept, PAPER_VERDICT: paper[i].to_dict()} if i in paper else kept

    write_jsonl(path, (dataclasses.replace(s, verdict=best[i], meta=meta(i, s)).to_dict()
                       for i, s in enumerate(samples)))

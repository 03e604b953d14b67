"""`limo eval`: generate, grade (and judge) every benchmark into RUN/, resumable per sample.

RUN/
  config.json                     the resolved run config; a rerun must match it (no mixed protocols)
  <benchmark>/problems.jsonl      the problems as evaluated (GPQA: with its option permutation)
  <benchmark>/samples.jsonl       one Sample per (problem, index) with its Verdict, appended as done
  <benchmark>/judge.jsonl         judge replies (judged benchmarks only), appended as done
  results.json, report.md, plots/ written when every benchmark is complete

Killing the process at any moment loses at most the samples in flight: rerunning the same command
skips every (problem, index) already in samples.jsonl, and since each sample's seed depends only on
(seed, problem id, index) the final samples and metrics equal those of an uninterrupted run.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from limo.errors import LimoError
from limo.eval.config import EvalConfig, protocol, resolve, uses_judge
from limo.eval.sharding import in_shard, samples_name
from limo.generate.runner import read_done
from limo.jsonl import write_jsonl
from limo.records import Problem, Sample, Verdict, read_records


def grade_sample(problem: Problem, sample: Sample, timeout: float) -> Sample:
    """Attach the rule grader's verdict; alternative golds (gaokao's letter) count too."""
    from limo.grade import grade

    golds = [problem.answer] + list(problem.meta.get("alt_answers", []))
    verdicts = [grade(sample.response, g, timeout=timeout) for g in golds]
    verdict = next((v for v in verdicts if v.correct), verdicts[0])
    meta = dict(sample.meta)
    for key in ("permutation", "shuffle_seed"):  # persisted with every sample (rescoring never reshuffles)
        if key in problem.meta:
            meta[key] = problem.meta[key]
    return dataclasses.replace(sample, verdict=verdict, meta=meta)


def load_problems_for(cfg: EvalConfig, name: str) -> list[Problem]:
    from limo.eval.benchmarks import load_benchmark

    problems = load_benchmark(name, cfg.data_dir, shuffle_seed=cfg.gpqa_seed)
    return problems[:cfg.limit] if cfg.limit else problems


def _freeze_problems(path: Path, problems: list[Problem]) -> None:
    """Write problems.jsonl once; on a rerun the data must be the same (else samples would mix)."""
    rows = [p.to_dict() for p in problems]
    if path.exists():
        old = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        if old != json.loads(json.dumps(rows)):
            raise LimoError(f"{path}: the benchmark data differs from this run's first start "
                            f"(another --data-dir, --limit or data version?); use a new --output-dir")
        return
    write_jsonl(path, rows)


def _lock_config(out: Path, cfg: EvalConfig) -> None:
    """RUN/config.json pins what a run samples; continuing it with other settings is an error."""
    from limo.redact import redact  # a key must never be written, not even by mistake

    record = redact({"config": cfg.model_dump(), "protocols": {b: protocol(cfg, b) for b in cfg.benchmark_names()}})
    path = out / "config.json"
    if path.exists():
        old = json.loads(path.read_text())
        keep = ("benchmarks", "preset", "data_dir", "gpqa_seed", "limit")
        changed = [k for k in keep if old["config"].get(k) != record["config"].get(k)]
        changed += [f"{b}.{k}" for b, p in record["protocols"].items() for k, v in p.items()
                    if b in old["protocols"] and old["protocols"][b].get(k) != v]
        for key in ("model", "backend", "dtype"):  # samples from another engine must not be mixed in
            if old["config"]["generation"].get(key) != cfg.generation.get(key):
                changed.append(key)
        if changed:
            raise LimoError(f"{out} was started with other settings ({', '.join(changed)}); "
                            f"rerun with the same ones to resume, or use a new --output-dir")
        return
    out.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")


def run_eval(cfg: EvalConfig, *, shard: tuple[int, int] | None = None, progress: bool = True) -> Path | None:
    """Generate + grade every benchmark, judge where the protocol says, then write the results.

    With `shard`, only that shard's samples are made and no results are written (merge later with
    `limo eval --rescore RUN`). Returns the results.json path (None for a shard).
    """
    from limo.generate import get_backend
    from limo.generate.runner import generate

    out = Path(cfg.output_dir)
    names = cfg.benchmark_names()
    _lock_config(out, cfg)
    loaded = {}
    for name in names:
        loaded[name] = load_problems_for(cfg, name)
        _freeze_problems(out / name / "problems.jsonl", loaded[name])
    backend = None
    try:
        for name in names:
            gen = resolve(cfg, name)
            if backend is None:
                backend = get_backend(gen)  # one engine for every benchmark
            by_id = {p.id: p for p in loaded[name]}
            generate(loaded[name], gen, out / name / samples_name(shard), progress=progress, backend=backend,
                     on_sample=lambda p, s: grade_sample(by_id[p.id], s, cfg.grade_timeout),
                     select=lambda pid, k: in_shard(pid, k, shard), desc=name)
    finally:
        if backend is not None:
            backend.close()
    _judge_all(cfg, out, names, shard, progress)
    if shard is not None:
        return None
    from limo.eval.results import write_results

    return write_results(out)


def _judge_all(cfg: EvalConfig, out: Path, names: list[str], shard: tuple[int, int] | None,
               progress: bool) -> None:
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
            problems = {p.id: p for p in read_records(out / name / "problems.jsonl", Problem)}
            samples = read_records(out / name / samples_name(shard), Sample)
            run_judge(problems, samples, cfg.judge, out / name / samples_name(shard, "judge"), backend,
                      desc=f"judge {name}")


def read_samples(bench_dir: Path, stem: str = "samples") -> dict[tuple[str, int], Sample]:
    """Every sample of a benchmark over all shard files, by key (first copy wins)."""
    found: dict[tuple[str, int], Sample] = {}
    for path in sorted(bench_dir.glob(f"{stem}*.jsonl")):
        for key, s in read_done(path).items():
            found.setdefault(key, s)
    return found


def rescore(run_dir: str | Path, *, workers: int = 1, timeout: float = 5.0, progress: bool = True) -> Path:
    """Re-grade every sample with the current grader (no model), rewrite samples, write results."""
    from limo.grade import grade_many

    from limo.eval.results import run_config, write_results

    out = Path(run_dir)
    for name in run_config(out)["protocols"]:
        problems = {p.id: p for p in read_records(out / name / "problems.jsonl", Problem)}
        for path in sorted((out / name).glob("samples*.jsonl")):
            samples = read_records(path, Sample)
            pairs, owners = [], []
            for i, s in enumerate(samples):
                p = problems[s.problem_id]
                for g in [p.answer] + list(p.meta.get("alt_answers", [])):
                    pairs.append((s.response, g))
                    owners.append(i)
            verdicts = grade_many(pairs, workers=workers, timeout=timeout, progress=progress)
            best: dict[int, Verdict] = {}
            for i, v in zip(owners, verdicts):
                if i not in best or (v.correct and not best[i].correct):
                    best[i] = v
            write_jsonl(path, (dataclasses.replace(s, verdict=best[i]).to_dict() for i, s in enumerate(samples)))
    return write_results(out)

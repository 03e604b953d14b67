"""`generate()`: n samples per problem through any backend, saved as they finish, resumable.

Resuming is per sample: with `output`, every finished Sample is appended to that JSONL at once (one
complete line per write, see limo.jsonl.JsonlAppender), and a rerun skips the (problem id, sample
index) pairs already there. Because each sample's seed depends only on (seed, problem id, index),
the samples a resumed run makes are the ones an uninterrupted run would have made.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from limo.errors import ConfigError
from limo.generate.backends import Backend, get_backend
from limo.generate.config import GenerateConfig
from limo.generate.jobs import Job
from limo.jsonl import JsonlAppender
from limo.records import Problem, Sample, read_records

OnSample = Callable[[Problem, Sample], Sample]


def read_done(path: Path) -> dict[tuple[str, int], Sample]:
    """Samples already in `path`, by key; a duplicate key keeps the first and says so."""
    done: dict[tuple[str, int], Sample] = {}
    if not path.exists():
        return done
    for s in read_records(path, Sample):
        if s.key in done:
            print(f"limo: {path}: duplicate sample {s.key}; keeping the first", file=sys.stderr)
            continue
        done[s.key] = s
    return done


def generate(problems: list[Problem], cfg: GenerateConfig, output: str | Path | None = None,
             progress: bool = True, *, backend: Backend | None = None, on_sample: OnSample | None = None,
             select: Callable[[str, int], bool] | None = None, desc: str = "generate",
             pinned: bool = False) -> list[Sample]:
    """`cfg.n` samples per problem, in problem order then sample index.

    `backend`: reuse a started engine (default: start one from `cfg`, closed on return).
    `on_sample`: transform each new sample before it is saved (eval attaches the grader's verdict).
    `select(problem_id, index)`: only these keys (data-parallel shards).
    `pinned`: the caller already holds `output`'s lock and checked its settings (limo generate, curate,
    eval's RUN/config.json). Otherwise generate() does both itself (limo.generate.outputs), so a library
    caller resuming `output` with other sampling settings is refused instead of mixing samples.
    """
    if output is not None and not pinned:
        from limo.generate.outputs import guarded_output, sidecar

        fresh = f"use another output (or delete {output} and {sidecar(output, 'settings.json').name})"
        with guarded_output(output, cfg, "limo.generate.generate()", fresh) as out:
            return generate(problems, cfg, out, progress, backend=backend, on_sample=on_sample, select=select,
                            desc=desc, pinned=True)
    ids = [p.id for p in problems]
    if len(set(ids)) != len(ids):
        raise ConfigError("generate: problem ids are not unique; samples are keyed by problem id")
    wanted = [(p, k) for p in problems for k in range(cfg.n) if select is None or select(p.id, k)]
    appender = JsonlAppender(output) if output is not None else None  # also repairs a torn last line
    try:
        done = read_done(Path(output)) if output is not None else {}
        todo = [(p, k) for p, k in wanted if (p.id, k) not in done]
        new: dict[tuple[str, int], Sample] = {}
        if todo:
            own = backend is None
            backend = backend or get_backend(cfg)
            try:
                _check_budget_support(cfg, backend)
                for problem, sample in _run(todo, cfg, backend, progress, desc):
                    if on_sample is not None:
                        sample = on_sample(problem, sample)
                    if appender is not None:
                        appender.append(sample.to_dict())
                    new[sample.key] = sample
            finally:
                if own:
                    backend.close()
    finally:
        if appender is not None:
            appender.close()
    merged = {**done, **new}
    return [merged[(p.id, k)] for p, k in wanted]


def _check_budget_support(cfg: GenerateConfig, backend: Backend) -> None:
    """Refuse settings the backend cannot honour, before any request is sent."""
    if backend.tokenizer is None and backend.name == "openai" and cfg.openai_mode == "completions":
        raise ConfigError("openai_mode=completions sends limo's rendered prompt: it needs a tokenizer "
                          "(set `tokenizer`, or use a local model folder)")
    forcing = cfg.min_thinking_tokens or cfg.max_thinking_tokens
    if forcing and (backend.tokenizer is None or (backend.name == "openai" and cfg.openai_mode == "chat")):
        raise ConfigError("budget forcing continues a partial response: it needs a tokenizer and, with the "
                          "openai backend, openai_mode=completions")


def _run(todo: list[tuple[Problem, int]], cfg: GenerateConfig, backend: Backend, progress: bool, desc: str):
    """Yield (problem, Sample) as each finishes; budget-forced jobs take extra rounds."""
    from tqdm import tqdm

    cache: dict = {}
    jobs = [Job.make(p, k, cfg, backend.tokenizer, backend.max_model_len, cache) for p, k in todo]
    bar = tqdm(total=len(jobs), desc=desc, unit="sample", disable=not progress, dynamic_ncols=True)
    try:
        active = jobs
        while active:
            requests, live = [], []
            for job in active:
                req = job.request(cfg, backend.tokenizer, backend.max_model_len)
                if req is None:  # prompt fills the context, or the budget is spent
                    bar.update(1)
                    yield job.problem, job.to_sample(backend.model, cfg)
                else:
                    requests.append(req)
                    live.append(job)
            active = []
            for i, completion in backend.complete(requests):
                job = live[i]
                if job.absorb(completion, cfg):
                    active.append(job)
                else:
                    bar.update(1)
                    yield job.problem, job.to_sample(backend.model, cfg)
    finally:
        bar.close()

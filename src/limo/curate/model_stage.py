"""What the two model-backed stages (difficulty, chains) share: graded, resumable generation on
engines that are started once, reused by consecutive stages with the same engine settings, and closed
before a different one starts.

Samples are graded as they finish (`on_sample`), so the resumable samples file already holds every
verdict: an interrupted run continues where it stopped and never regrades or regenerates. A samples
file is a cache keyed by the sampling settings (`cache_path`: its name holds
`GenerateConfig.sampling_hash()`, and `<file>.settings.json` records them), so switching a stage to
another model or temperature samples anew instead of relabelling the old model's samples; switching
back reuses them. A grader failure on one sample is an `error` verdict (limo.eval.grading).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from limo.generate import GenerateConfig
from limo.generate.config import REQUEST_FIELDS
from limo.records import Problem, Sample


def cache_path(workdir: Path, stem: str, cfg: GenerateConfig) -> Path:
    """`<workdir>/<stem>.<sampling hash>.samples.jsonl`: one cache file per model + sampling settings."""
    return workdir / f"{stem}.{cfg.sampling_hash()}.samples.jsonl"


def engine_key(cfg: GenerateConfig) -> str:
    """What identifies a started engine: every setting except the per-request ones."""
    return cfg.model_dump_json(exclude=set(REQUEST_FIELDS))


class Engines:
    """The started engines of a curate run: at most ONE local engine (vllm, hf) at a time.

    On a GPU node each vLLM engine takes its `gpu_memory_utilization` share (90% by default), so a second
    engine cannot start while the first still holds the GPUs. `get(cfg)` returns the open engine when
    its engine settings equal cfg's (stages differing only in sampling share it); otherwise it closes the
    open one first, then starts cfg's. Remote clients (openai) hold no device and do not evict it.
    `events` records every start, reuse and close, in order (the `--check` plan and tests read it).
    """

    def __init__(self, factory: Callable[[GenerateConfig], Any] | None = None) -> None:
        self._factory = factory
        self._local: tuple[str, Any] | None = None  # (engine key, backend)
        self._remote: dict[str, Any] = {}
        self.events: list[tuple[str, GenerateConfig]] = []  # ("start" | "reuse" | "close", cfg)

    def _start(self, cfg: GenerateConfig) -> Any:
        if self._factory is not None:
            return self._factory(cfg)
        from limo.generate import get_backend

        return get_backend(cfg)

    def get(self, cfg: GenerateConfig) -> Any:
        from limo.generate.backends import REMOTE_BACKENDS

        key = engine_key(cfg)
        if cfg.backend in REMOTE_BACKENDS:
            if key not in self._remote:
                self._remote[key] = self._start(cfg)
                self.events.append(("start", cfg))
            return self._remote[key]
        if self._local is not None and self._local[0] == key:
            self.events.append(("reuse", cfg))
            return self._local[1]
        self.close_local()  # before the next engine starts: it needs the memory
        backend = self._start(cfg)
        self._local = (key, backend)
        self.events.append(("start", cfg))
        return backend

    def close_local(self) -> None:
        if self._local is not None:
            _, backend = self._local
            self._local = None  # dropped even if close() raises: never reused half-closed
            self.events.append(("close", backend.cfg))
            backend.close()

    def close(self) -> None:
        self.close_local()
        remote, self._remote = list(self._remote.values()), {}
        for backend in remote:
            self.events.append(("close", backend.cfg))
            backend.close()

    def __enter__(self) -> "Engines":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def gpus_needed(cfg: GenerateConfig) -> int | None:
    """GPUs one engine of `cfg` holds: tensor_parallel_size for vllm (x replicas for a Ray pool; None when
    the pool takes every GPU of the cluster), 1 for hf, none for a server."""
    from limo.generate.backends import REMOTE_BACKENDS

    if cfg.backend in REMOTE_BACKENDS:
        return 0
    if cfg.backend != "vllm":
        return 1
    if cfg.ray:
        return cfg.replicas * cfg.tensor_parallel_size if cfg.replicas else None
    return cfg.tensor_parallel_size


class _Planned:
    """A backend that is never started: `engine_plan` runs Engines' own decisions on these."""

    def __init__(self, cfg: GenerateConfig) -> None:
        self.cfg = cfg

    def close(self) -> None:
        pass


def _describe(event: str, cfg: GenerateConfig) -> str:
    from limo.generate.backends import REMOTE_BACKENDS

    kind = "client" if cfg.backend in REMOTE_BACKENDS else "engine"
    what = f"{cfg.backend} {kind} {cfg.model}"
    if event == "close":
        return f"close {what}"
    n = gpus_needed(cfg)
    gpus = ("every GPU of the Ray cluster" if n is None else "no GPU" if n == 0
            else f"{n} GPU{'s' if n > 1 else ''}")
    return f"{'start' if event == 'start' else 'reuse (same engine settings)'} {what} ({gpus})"


def engine_plan(steps: list[tuple[str, GenerateConfig]]) -> list[str]:
    """One line per engine event of a run whose model-backed `steps` all generate, in order (what starts,
    is reused, is closed, and the GPUs it holds), then the most GPUs held at once. Made by the same
    `Engines` the run uses, so the plan cannot drift from what runs."""
    engines = Engines(factory=_Planned)
    lines: list[str] = []
    peak, whole_cluster = 0, False
    for name, cfg in steps:
        before = len(engines.events)
        engines.get(cfg)
        lines += [f"{name}: {_describe(e, c)}" for e, c in engines.events[before:]]
        peak = max(peak, gpus_needed(cfg) or 0)  # one local engine at a time: the largest one is the peak
        whole_cluster = whole_cluster or gpus_needed(cfg) is None
    before = len(engines.events)
    engines.close()
    lines += [f"end: {_describe(e, c)}" for e, c in engines.events[before:]]
    if steps:
        lines.append(f"GPUs needed: {peak} (one engine at a time)"
                     + ("; a Ray pool takes every GPU of its cluster" if whole_cluster else ""))
    return lines


def graded_samples(problems: list[Problem], cfg: GenerateConfig, output: Path, engines: Engines,
                   desc: str, grade_timeout: float = 5.0) -> list[Sample]:
    """`cfg.n` graded samples per problem, resumable through `output`; starts an engine only if needed."""
    from limo.eval.grading import grade_problem
    from limo.generate import generate
    from limo.generate.outputs import guarded_output
    from limo.generate.runner import read_done

    def attach(problem: Problem, sample: Sample) -> Sample:
        sample.verdict = grade_problem(problem, sample.response, grade_timeout)
        return sample

    fresh = f"delete {output} and its .settings.json to sample again"
    with guarded_output(output, cfg, "limo curate", fresh):
        done = read_done(output) if output.exists() else {}
        missing = any((p.id, k) not in done for p in problems for k in range(cfg.n))
        backend = engines.get(cfg) if missing else None
        samples = generate(problems, cfg, output, progress=True, backend=backend, on_sample=attach, desc=desc,
                           pinned=True)
    by_id = {p.id: p for p in problems}
    for s in samples:  # samples written by another tool arrive ungraded
        if s.verdict is None:
            s.verdict = grade_problem(by_id[s.problem_id], s.response, grade_timeout)
    return samples

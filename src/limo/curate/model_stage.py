"""What the two model-backed stages (difficulty, chains) share: graded, resumable generation on
engines that are started once and reused.

Samples are graded as they finish (`on_sample`), so the resumable samples file already holds every
verdict: an interrupted run continues where it stopped and never regrades or regenerates.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from limo.generate import GenerateConfig
from limo.records import Problem, Sample

# Fields that only change how sampling is done; two configs differing only in these share an engine.
_SAMPLING = {"n", "temperature", "top_p", "top_k", "max_tokens", "seed", "system_prompt",
             "min_thinking_tokens", "max_thinking_tokens", "wait_string", "max_waits",
             "final_answer_string", "answer_tokens"}


class Engines:
    """Started backends keyed by their engine settings; `close()` stops them all."""

    def __init__(self) -> None:
        self._open: dict[str, Any] = {}

    def get(self, cfg: GenerateConfig) -> Any:
        from limo.generate import get_backend

        key = cfg.model_copy().model_dump_json(exclude=_SAMPLING)
        if key not in self._open:
            self._open[key] = get_backend(cfg)
        return self._open[key]

    def close(self) -> None:
        for backend in self._open.values():
            backend.close()
        self._open.clear()

    def __enter__(self) -> "Engines":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def graded_samples(problems: list[Problem], cfg: GenerateConfig, output: Path, engines: Engines,
                   desc: str, grade_timeout: float = 5.0) -> list[Sample]:
    """`cfg.n` graded samples per problem, resumable through `output`; starts an engine only if needed."""
    from limo.generate import generate
    from limo.generate.runner import read_done
    from limo.grade import grade

    def attach(problem: Problem, sample: Sample) -> Sample:
        sample.verdict = grade(sample.response, problem.answer, timeout=grade_timeout)
        return sample

    done = read_done(output) if output.exists() else {}
    missing = any((p.id, k) not in done for p in problems for k in range(cfg.n))
    backend = engines.get(cfg) if missing else None
    samples = generate(problems, cfg, output, progress=True, backend=backend, on_sample=attach, desc=desc)
    gold = {p.id: p.answer for p in problems}
    for s in samples:  # samples written by another tool (or `limo generate`) arrive ungraded
        if s.verdict is None:
            s.verdict = grade(s.response, gold[s.problem_id], timeout=grade_timeout)
    return samples

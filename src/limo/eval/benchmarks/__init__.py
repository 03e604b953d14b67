"""Benchmark registry: one small declarative YAML file per benchmark in this folder.

Each file names where the data lives (LIMO's folder layout `<data_dir>/<limo_dir>/test.jsonl`, or a hub
dataset), which fields hold the problem/answer/id, the benchmark's `version` (bump it when the
loading or the gold changes, so old runs are not silently compared with new ones), the paper's
protocol for it (n, temperature, top_p, judge) and which metadata fields to break scores down by.

    from limo.eval.benchmarks import BENCHMARKS, load_benchmark
    problems = load_benchmark("aime24", "../shared/benchmarks")
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from limo.config import StrictModel, load_config

HERE = Path(__file__).resolve().parent

AnswerTransform = Literal["none", "gsm8k_hashes", "join_list", "gpqa_columns"]


class FieldMap(StrictModel):
    """Which raw fields become which Problem fields."""

    id: str | None = None  # None: the 0-based line index is the id
    problem: list[str]  # first present, non-empty field wins (AMC has both problem and question)
    answer: str
    solution: str | None = None
    meta: list[str] = Field(default_factory=list)  # copied into Problem.meta (slices, urls)
    alt_answers: list[str] = Field(default_factory=list)  # other accepted golds (gaokao choice letter)
    answer_transform: AnswerTransform = "none"


class HubSource(StrictModel):
    path: str
    config: str | None = None
    split: str = "test"
    revision: str | None = None  # commit sha; None loads the newest data, with a warning (scripts/pin_hub_revisions.py)
    filter: dict[str, str] | None = None  # {field, contains}: keep rows whose field contains the text
    fields: FieldMap


class Sampling(StrictModel):
    n: int = Field(ge=1)
    temperature: float = Field(ge=0)


class Protocol(StrictModel):
    """LIMO's protocol for this benchmark (the `--preset limo` values). Greedy n=1 unless stated."""

    n: int = 1
    temperature: float = 0.0
    top_p: float = 1.0
    judge: bool = False  # LIMO used an LLM judge (gradeschool, kaoyan)
    v3: Sampling | None = None  # where the later paper (arXiv v3 §5) samples otherwise: `--preset limo-v3`


class Benchmark(StrictModel):
    name: str
    version: int
    description: str
    limo_dir: str  # folder name in LIMO's layout (differs from `name`: aime/, amc/, math/, gpqa/ ...)
    expected_count: int | None = None
    kind: Literal["open", "multiple_choice"] = "open"
    shuffle_options: bool = False  # multiple choice: seeded per-question option permutation
    domain: str = "math"
    local: FieldMap
    hub: HubSource | None = None
    protocol: Protocol = Field(default_factory=Protocol)
    breakdown: list[str] = Field(default_factory=list)  # Problem.meta keys to slice metrics by


def _load_registry() -> dict[str, Benchmark]:
    out: dict[str, Benchmark] = {}
    for path in sorted(HERE.glob("*.yaml")):
        bench = load_config(Benchmark, path)
        if bench.name != path.stem:  # the file name is the lookup key people see
            from limo.errors import ConfigError
            raise ConfigError(f"{path}: name {bench.name!r} differs from the file name {path.stem!r}")
        out[bench.name] = bench
    return out


BENCHMARKS: dict[str, Benchmark] = _load_registry()

# LIMO's ten (paper Table 3), in the paper's column order.
LIMO_BENCHMARKS = ("aime24", "math500", "amc23", "olympiadbench", "cn_math_2024", "gaokao", "kaoyan",
                   "gradeschool", "minerva", "gpqa_diamond")


def get_benchmark(name: str) -> Benchmark:
    from limo.errors import unknown_name

    if name not in BENCHMARKS:
        raise unknown_name("benchmark", name, list(BENCHMARKS))
    return BENCHMARKS[name]


def load_benchmark(name: str, data_dir: str | Path | None = None, *, shuffle_seed: int = 0):
    """The benchmark's problems as `limo.records.Problem`s (id stable per item, source = name).

    `data_dir` in LIMO's layout reads `<data_dir>/<limo_dir>/test.jsonl`; None loads the hub dataset.
    Multiple-choice benchmarks with `shuffle_options` get a permutation derived from
    (shuffle_seed, problem id), stored in `Problem.meta["permutation"]`.
    """
    from limo.eval.benchmarks.loading import load_problems

    return load_problems(get_benchmark(name), data_dir, shuffle_seed=shuffle_seed)


__all__ = ["BENCHMARKS", "LIMO_BENCHMARKS", "Benchmark", "FieldMap", "get_benchmark", "load_benchmark"]

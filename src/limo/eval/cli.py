"""`limo eval --model M --benchmarks aime24,math500 --output-dir RUN [--preset limo] ...`

    limo eval --model M --output-dir RUN                      # LIMO's ten + GPQA as published, paper protocol
    limo eval --model M --benchmarks aime24 --n 4 --output-dir RUN --data-dir ../shared/benchmarks
    limo eval --rescore RUN                                   # re-grade offline, rewrite results
    limo eval ... --data-parallel 4 --tensor-parallel-size 2  # 4 engines x 2 GPUs, deterministic shards

Rerunning the same command resumes a killed run. Generation flags are GenerateConfig fields; the
sampling ones (--n, --temperature, --top-p, --max-tokens, ...) override the preset for every benchmark.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    from limo.generate.cli import add_config_flags
    from limo.generate.config import GenerateConfig

    from limo.eval.benchmarks import BENCHMARKS

    p.add_argument("--benchmarks", help="comma-separated names (default: the preset's list); known: "
                                        + ", ".join(BENCHMARKS))
    p.add_argument("--preset", choices=["limo", "none"], default="limo",
                   help="limo: the paper's protocol (default); none: greedy n=1, rule grading")
    p.add_argument("--data-dir", help="benchmarks in LIMO's layout <dir>/<name>/test.jsonl (default: hub)")
    p.add_argument("--output-dir", help="the run folder RUN (resumable)")
    p.add_argument("--rescore", metavar="RUN", help="re-grade an existing run without a model and rewrite results")
    p.add_argument("--gpqa-seed", type=int, default=0, help="seed of the per-question option permutation")
    p.add_argument("--limit", type=int, help="only the first N problems of each benchmark (smoke runs)")
    p.add_argument("--judge-model", help="LLM judge model (LIMO: Qwen2.5-32B-Instruct) for gradeschool/kaoyan")
    p.add_argument("--judge-backend", default="vllm", help="backend of the judge (vllm | hf | openai)")
    p.add_argument("--judge-base-url", default="http://127.0.0.1:8000/v1", help="judge server (openai backend)")
    p.add_argument("--judge-max-tokens", type=int, default=1024)
    p.add_argument("--grade-timeout", type=float, default=5.0, help="seconds per grading (hard limit)")
    p.add_argument("--grade-workers", type=int, default=1, help="grader processes for --rescore")
    p.add_argument("--bootstrap-iters", type=int, default=2000)
    p.add_argument("--shard", help="I/N: make only this data-parallel shard's samples (no results)")
    p.add_argument("--data-parallel", type=int, default=1,
                   help="run N engine processes over deterministic shards, then write the results")
    p.add_argument("--no-progress", action="store_true")
    add_config_flags(p, GenerateConfig, group="generation (GenerateConfig fields; sampling ones override "
                                              "the preset)")


def build_config(args: argparse.Namespace):
    from limo.config import validate
    from limo.eval.config import EvalConfig
    from limo.generate.cli import flag_values
    from limo.generate.config import GenerateConfig

    data = {
        "benchmarks": [b.strip() for b in args.benchmarks.split(",") if b.strip()] if args.benchmarks else [],
        "preset": args.preset, "data_dir": args.data_dir, "output_dir": args.output_dir,
        "generation": flag_values(args, GenerateConfig), "gpqa_seed": args.gpqa_seed, "limit": args.limit,
        "grade_timeout": args.grade_timeout, "bootstrap_iters": args.bootstrap_iters,
    }
    if args.judge_model:
        data["judge"] = {"model": args.judge_model, "backend": args.judge_backend,
                         "base_url": args.judge_base_url, "max_tokens": args.judge_max_tokens}
    return validate(EvalConfig, data, "limo eval flags")


def run(args: argparse.Namespace) -> int:
    from limo.errors import LimoError

    if args.rescore:
        from limo.eval.runner import rescore

        path = rescore(args.rescore, workers=args.grade_workers, timeout=args.grade_timeout,
                       progress=not args.no_progress)
        return _summary(path)
    if not args.output_dir:
        raise LimoError("--output-dir is required (or --rescore RUN)")
    cfg = build_config(args)
    from limo.eval.config import resolve

    for name in cfg.benchmark_names():
        resolve(cfg, name)  # every flag error now, before an engine starts
    if args.data_parallel > 1:
        return _data_parallel(args, cfg)
    from limo.eval.runner import run_eval
    from limo.eval.sharding import parse_shard

    shard = parse_shard(args.shard) if args.shard else None
    path = run_eval(cfg, shard=shard, progress=not args.no_progress)
    if path is None:
        print(f"shard {args.shard} done in {cfg.output_dir}; merge with `limo eval --rescore {cfg.output_dir}`")
        return 0
    return _summary(path)


def _data_parallel(args: argparse.Namespace, cfg) -> int:
    import sys

    from limo.eval.results import write_results
    from limo.eval.runner import _lock_config
    from limo.eval.sharding import launch

    argv = sys.argv[2:] if len(sys.argv) > 2 and sys.argv[1] == "eval" else []
    argv = _drop_flag(argv, "--data-parallel")
    _lock_config(Path(cfg.output_dir), cfg)
    launch(argv, args.data_parallel, int(cfg.generation.get("tensor_parallel_size", 1)),
           Path(cfg.output_dir) / "logs")
    return _summary(write_results(cfg.output_dir))


def _drop_flag(argv: list[str], flag: str) -> list[str]:
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
            continue
        if a == flag:
            skip = True
            continue
        if a.startswith(flag + "="):
            continue
        out.append(a)
    return out


def _summary(path: Path) -> int:
    results = json.loads(Path(path).read_text())
    for name, b in results["benchmarks"].items():
        m = b["metrics"]
        print(f"{name:<24} avg@{m['n']}: {100 * m['avg_at_n']:.1f}%  "
              f"(95% CI {100 * m['ci95'][0]:.1f}-{100 * m['ci95'][1]:.1f}, truncated "
              f"{100 * m['truncation_rate']:.0f}%, {m['n_problems']} problems)")
    print(f"{'average':<24} {100 * results['overall']['mean_avg_at_n']:.1f}%   -> {path}, "
          f"{Path(path).parent / 'report.md'}")
    return 0

"""`limo eval --model M --benchmarks aime24,math500 --output-dir RUN [--preset limo] ...`

    limo eval --model M --output-dir RUN --data-dir DIR --judge-model J   # LIMO's ten, paper protocol
    limo eval --config eval.yaml generation.n=4               # a recipe file + key=value overrides
    limo eval ... --check                                     # validate everything, print the plan
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
    from limo.check import add_check_arguments
    from limo.config import add_config_arguments
    from limo.eval.benchmarks import BENCHMARKS
    from limo.generate.cli import add_config_flags
    from limo.generate.config import GenerateConfig

    add_config_arguments(p, "an eval recipe YAML (EvalConfig fields; flags override it)",
                         "key=value overrides, e.g. generation.n=4 judge.model=Qwen/Qwen2.5-32B-Instruct")
    p.add_argument("--benchmarks", nargs="+", metavar="NAME",
                   help="names, comma- or space-separated (default: the preset's list); known: "
                        + ", ".join(BENCHMARKS))
    p.add_argument("--preset", choices=["limo", "limo-v3", "none"],
                   help="limo: the paper's protocol (default; v1's n=16, T=0.7 on aime24/amc23/cn_math_2024); "
                        "limo-v3: the same with the later paper's n=4, T=0.6 there; none: greedy n=1, rule grading")
    p.add_argument("--data-dir", metavar="DIR",
                   help="benchmarks in LIMO's layout <dir>/<name>/test.jsonl (default: hub)")
    p.add_argument("--output-dir", metavar="RUN", help="the run folder RUN (resumable)")
    p.add_argument("--rescore", metavar="RUN", help="re-grade an existing run without a model and rewrite results")
    p.add_argument("--gpqa-seed", type=int, metavar="INT", help="seed of the per-question option permutation (0)")
    p.add_argument("--limit", type=int, metavar="N", help="only the first N problems of each benchmark (smoke runs)")
    p.add_argument("--judge-model", metavar="MODEL",
                   help="LLM judge model (LIMO: Qwen2.5-32B-Instruct) for gradeschool/kaoyan")
    p.add_argument("--judge-backend", metavar="NAME", help="backend of the judge: vllm (default) | hf | openai")
    p.add_argument("--judge-base-url", metavar="URL", help="judge server (openai backend)")
    p.add_argument("--judge-max-tokens", type=int, metavar="N", help="judge reply budget (default 1024)")
    p.add_argument("--judge-style", choices=["limo", "paper"],
                   help="limo: hardened judge (default); paper: LIMO's prompt.txt, whole response, LIMO's parsing")
    p.add_argument("--judge-tail-chars", type=int, metavar="N",
                   help="characters of the response end the judge sees; 0 = all (default: limo 4000, paper all)")
    p.add_argument("--grade-timeout", type=float, metavar="SECONDS", help="seconds per grading, hard limit (5)")
    p.add_argument("--grade-workers", type=int, default=1, metavar="N", help="grader processes for --rescore")
    p.add_argument("--grader", choices=["limo", "paper", "both"],
                   help="limo: limo's strict grader (default); paper: LIMO's own evaluation rules; both: "
                        "limo's verdict plus the paper's per sample, both scores and their disagreements "
                        "(config key `grader`; with --rescore the default is the run's recorded grader)")
    p.add_argument("--bootstrap-iters", type=int, metavar="N", help="bootstrap resamples for CIs (2000)")
    p.add_argument("--shard", metavar="I/N", help="make only this data-parallel shard's samples (no results)")
    p.add_argument("--data-parallel", type=int, default=1, metavar="N",
                   help="run N engine processes over deterministic shards, then write the results")
    p.add_argument("--no-progress", action="store_true")
    add_check_arguments(p)
    add_config_flags(p, GenerateConfig, group="generation (GenerateConfig fields; sampling ones override "
                                              "the preset)")


# EvalConfig fields set by a flag of the same name (None = not given: keep the recipe's value).
_FLAGS = ("preset", "data_dir", "output_dir", "gpqa_seed", "limit", "grade_timeout", "bootstrap_iters", "grader")
_JUDGE_FLAGS = {"judge_model": "model", "judge_backend": "backend", "judge_base_url": "base_url",
                "judge_max_tokens": "max_tokens", "judge_style": "style", "judge_tail_chars": "tail_chars"}


def config_data(args: argparse.Namespace) -> tuple[dict, str]:
    """The EvalConfig as data: recipe file, then key=value overrides, then the flags given; and its source."""
    from limo.config import apply_overrides, config_source, load_yaml, split_names
    from limo.generate.cli import flag_values
    from limo.generate.config import GenerateConfig

    path, overrides = config_source(args)
    data = apply_overrides(load_yaml(path) if path else {}, overrides)
    data.update({k: getattr(args, k) for k in _FLAGS if getattr(args, k, None) is not None})
    if args.benchmarks:
        data["benchmarks"] = split_names(args.benchmarks)
    data["generation"] = {**(data.get("generation") or {}), **flag_values(args, GenerateConfig)}
    judge = {v: getattr(args, k) for k, v in _JUDGE_FLAGS.items() if getattr(args, k, None) is not None}
    if judge:
        data["judge"] = {**(data.get("judge") or {}), **judge}
    return data, str(path) if path else "limo eval flags"


def build_config(args: argparse.Namespace):
    from limo.config import validate
    from limo.eval.config import EvalConfig

    data, source = config_data(args)
    return validate(EvalConfig, data, source)


def check(args: argparse.Namespace) -> int:
    from limo.check import finish, new_report
    from limo.eval.check import check_eval
    from limo.eval.config import EvalConfig

    data, source = config_data(args)
    data.setdefault("output_dir", "RUN")  # where it would write does not change what is checked
    report = new_report(f"limo eval ({source})", args)
    cfg = report.validate(EvalConfig, data, source)
    if cfg is not None:
        check_eval(cfg, report, source)
    return finish(report)


def run(args: argparse.Namespace) -> int:
    from limo.errors import LimoError

    if args.check:
        return check(args)
    if args.rescore:
        from limo.eval.runner import rescore

        path = rescore(args.rescore, workers=args.grade_workers, timeout=args.grade_timeout or 5.0,
                       progress=not args.no_progress, grader=args.grader)  # None: the run's own
        return _summary(path)
    data, source = config_data(args)
    if not data.get("output_dir"):
        raise LimoError("--output-dir is required (or --rescore RUN)")
    from limo.config import validate
    from limo.eval.config import EvalConfig

    cfg = validate(EvalConfig, data, source)
    from limo.eval.config import resolve

    for name in cfg.benchmark_names():
        resolve(cfg, name)  # every flag error now, before an engine starts
    if args.data_parallel > 1:
        if cfg.generation.get("ray"):
            raise LimoError("--data-parallel starts engines on this machine; with --ray use --replicas N")
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
    """Hold RUN's lock, pin its config (after checking the model), run the shards, write the results."""
    import sys

    from limo.eval.config import resolve
    from limo.eval.results import write_results
    from limo.eval.rundir import RunDir
    from limo.eval.runner import config_record
    from limo.eval.sharding import launch
    from limo.generate import check_model

    argv = sys.argv[2:] if len(sys.argv) > 2 and sys.argv[1] == "eval" else []
    argv = _drop_flag(argv, "--data-parallel")
    run = RunDir(cfg.output_dir)
    with run.lock():
        record = config_record(cfg)
        run.check_config(record)
        check_model(resolve(cfg, cfg.benchmark_names()[0]))
        run.pin_config(record)
        launch(argv, args.data_parallel, int(cfg.generation.get("tensor_parallel_size", 1)), run.path / "logs")
        return _summary(write_results(run.path))


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
    from limo.eval.results import average_label

    mean = results["overall"]["mean_avg_at_n"]
    print(f"{average_label(results['overall'])}: {'–' if mean is None else f'{100 * mean:.1f}%'}   -> {path}, "
          f"{Path(path).parent / 'report.md'}")
    return 0

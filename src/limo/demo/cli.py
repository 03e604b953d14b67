"""`limo demo`: LIMO's claim in miniature on a tiny CPU model (no network, no ../shared)."""

from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--output-dir", default="demo_out", help="where everything is written (default: demo_out)")
    p.add_argument("--backend", choices=["vllm", "hf"],
                   help="generation backend (curate, eval); default: DemoConfig's (hf, batched greedy)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--verbose", action="store_true",
                   help="show the libraries' output (TRL, vLLM, warnings) instead of writing it to OUT/logs/")
    p.add_argument("overrides", nargs="*", help="DemoConfig key=value, e.g. top_n=200 epochs=4")


def run(args: argparse.Namespace) -> int:
    from limo.config import apply_overrides, validate
    from limo.demo.pipeline import DemoConfig, main

    given = {"output_dir": args.output_dir, "seed": args.seed}
    if args.backend:  # unset: DemoConfig's default stays the one source of truth
        given["backend"] = args.backend
    data = apply_overrides(given, args.overrides)
    main(validate(DemoConfig, data, "limo demo"), verbose=args.verbose)
    return 0

"""`limo demo`: the whole LIMO loop on a tiny CPU model (no network, no ../shared)."""

from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--output-dir", default="demo_out", help="where everything is written (default: demo_out)")
    p.add_argument("--compare-random", action="store_true",
                   help="also train on N random pool rows and report curated vs random honestly")
    p.add_argument("--backend", default="vllm", choices=["vllm", "hf"], help="generation backend for eval")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("overrides", nargs="*", help="DemoConfig key=value, e.g. top_n=300 epochs=20")


def run(args: argparse.Namespace) -> int:
    from limo.config import apply_overrides, validate
    from limo.demo.pipeline import DemoConfig, main

    data = apply_overrides({"output_dir": args.output_dir, "compare_random": args.compare_random,
                            "backend": args.backend, "seed": args.seed}, args.overrides)
    main(validate(DemoConfig, data, "limo demo"))
    return 0

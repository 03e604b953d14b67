"""`limo train RECIPE.yaml [key=value ...]`: run a training recipe.

Launch with `torchrun` or `accelerate launch --config_file recipes/accelerate/zero3.yaml -m limo train ...`
for several processes; the recipe is the same.
"""

from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("recipe", help="training recipe YAML (e.g. recipes/tiny-cpu.yaml)")
    p.add_argument("overrides", nargs="*", metavar="key=value",
                   help="override recipe fields, e.g. epochs=3 output_dir=runs/x data=my.jsonl")
    p.add_argument("--check", action="store_true",
                   help="validate the recipe and print it resolved, without training")


def run(args: argparse.Namespace) -> int:
    from limo.config import load_config
    from limo.train.config import TrainConfig

    cfg = load_config(TrainConfig, args.recipe, args.overrides)
    if args.check:
        import yaml

        print(yaml.safe_dump(cfg.model_dump(), sort_keys=False), end="")
        return 0
    from limo.train import main

    final = main(cfg)
    print(f"limo train: final model in {final}")
    return 0

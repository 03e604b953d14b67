"""`limo train RECIPE.yaml [key=value ...]` (or `--config RECIPE.yaml`): run a training recipe.

Launch with `torchrun` or `accelerate launch --config_file recipes/accelerate/zero3.yaml -m limo train ...`
for several processes; the recipe is the same. `--check` validates the recipe, resolves and tokenises
the data and prints the plan without loading the model.
"""

from __future__ import annotations

import argparse

from limo.check import add_check_arguments
from limo.config import add_config_arguments, config_source


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_config_arguments(p, "training recipe YAML (e.g. recipes/tiny-cpu.yaml)",
                         "override recipe fields, e.g. epochs=3 output_dir=runs/x data=my.jsonl")
    add_check_arguments(p)


def run(args: argparse.Namespace) -> int:
    from limo.config import load_config
    from limo.train.config import TrainConfig

    path, overrides = config_source(args, required=True)
    if args.check:
        from limo.check import finish, new_report
        from limo.config import apply_overrides, load_yaml
        from limo.train.check import check_train

        report = new_report(f"limo train {path}", args)
        cfg = report.validate(TrainConfig, apply_overrides(load_yaml(path), overrides), str(path))
        if cfg is not None:
            check_train(cfg, report, str(path))
        return finish(report)
    cfg = load_config(TrainConfig, path, overrides)
    from limo.train import main

    final = main(cfg)
    print(f"limo train: final model in {final}")
    return 0

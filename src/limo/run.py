"""`limo run RECIPE.yaml`: curate -> train -> eval in one config, each stage skipped when current.

    output_dir: runs/x
    curate: {...a curate recipe (limo curate run), output_dir omitted...}   # or a path to one
    train:  {...a train recipe (limo train), data/output_dir omitted...}    # or a path to one
    eval:   {benchmarks: [...], data_dir: ..., preset: limo, generation: {backend: vllm, ...}}
    eval_base: true      # also evaluate the base model, for a before/after comparison

Wiring: train reads curate's selected chains unless its recipe names `data`; eval evaluates train's
final model unless `generation.model` is set. Each stage writes under `<output_dir>/<stage>/`.
Skipping uses limo.freshness: a stage's key covers its resolved config and its input files. Model
weights are not hashed (tens of GB): a trained model is identified by its training stage's key.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pydantic import Field

from limo.config import StrictModel, apply_overrides, load_yaml, validate
from limo.freshness import is_current, mark_done, stage_key


class RunRecipe(StrictModel):
    output_dir: str
    curate: dict[str, Any] | str | None = None
    train: dict[str, Any] | str | None = None
    eval: dict[str, Any] | None = None
    eval_base: bool = False  # evaluate the untrained model too (same protocol)
    stages: list[str] = Field(default_factory=lambda: ["curate", "train", "eval"])  # which to run


def _section(value: dict[str, Any] | str) -> dict[str, Any]:
    return dict(load_yaml(value)) if isinstance(value, str) else dict(value)


def run_curate(recipe: RunRecipe, out: Path) -> Path:
    from limo.curate.pipeline import CurateRecipe, run_recipe

    data = {**_section(recipe.curate), "output_dir": str(out / "curate")}  # type: ignore[arg-type]
    return run_recipe(validate(CurateRecipe, data, "run recipe: curate"))


def run_train(recipe: RunRecipe, out: Path, data_path: Path | None) -> tuple[Path, str]:
    """Train unless current; returns (final model dir, stage key)."""
    from limo.train.config import TrainConfig

    data = _section(recipe.train)  # type: ignore[arg-type]
    if data_path is not None and "data" not in data:
        data["data"] = str(data_path)
    data["output_dir"] = str(out / "train")
    cfg = validate(TrainConfig, data, "run recipe: train")
    key = stage_key(cfg.model_dump(), cfg.data_paths)  # hub ids are not files: only the config keys them
    final = out / "train" / "final"
    if is_current(out, "train", key, [final]):
        print(f"limo run: train: up to date, skipped ({final})")
        return final, key
    from limo.train import main as train_main

    final = Path(train_main(cfg))
    mark_done(out, "train", key, model=str(final))
    return final, key


def run_eval(recipe: RunRecipe, out_dir: Path, model: str, model_key: str, name: str) -> Path:
    """Evaluate `model` into `out_dir` unless current; returns results.json."""
    from limo.eval.config import EvalConfig
    from limo.eval.runner import run_eval as eval_main

    data = dict(recipe.eval or {})
    data["generation"] = {"model": model, **data.get("generation", {})}
    data["output_dir"] = str(out_dir)
    cfg = validate(EvalConfig, data, "run recipe: eval")
    key = stage_key({"eval": cfg.model_dump(), "model_key": model_key}, [cfg.data_dir] if cfg.data_dir else [])
    results = out_dir / "results.json"
    if is_current(out_dir.parent, name, key, [results]):
        print(f"limo run: {name}: up to date, skipped ({results})")
        return results
    eval_main(cfg)
    mark_done(out_dir.parent, name, key, results=str(results))
    return results


def run_pipeline(recipe: RunRecipe) -> dict[str, Path]:
    """Run the recipe's stages in order; returns the paths each produced."""
    out = Path(recipe.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    produced: dict[str, Path] = {}
    if recipe.curate is not None and "curate" in recipe.stages:
        produced["curated"] = run_curate(recipe, out)
    model, model_key = None, ""
    if recipe.train is not None and "train" in recipe.stages:
        model_path, model_key = run_train(recipe, out, produced.get("curated"))
        produced["model"], model = model_path, str(model_path)
    if recipe.eval is not None and "eval" in recipe.stages:
        if recipe.eval_base and recipe.train is not None:
            base = str(_section(recipe.train).get("model", "tiny"))
            if base == "tiny":  # limo train built it into its output folder
                base = str(out / "train" / "base-model")
            produced["eval_base"] = run_eval(recipe, out / "eval-base", base, f"base:{base}", "eval-base")
        model = recipe.eval.get("generation", {}).get("model", model)
        if model is None:
            from limo.errors import ConfigError

            raise ConfigError("run recipe: eval has no model: add a train section or eval.generation.model")
        produced["eval"] = run_eval(recipe, out / "eval", model, model_key or f"model:{model}", "eval")
    return produced


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("recipe", help="a run recipe YAML (see recipes/tiny-run.yaml, recipes/limo/reproduce.yaml)")
    p.add_argument("overrides", nargs="*", help="key=value overrides, e.g. train.epochs=3")


def run(args: argparse.Namespace) -> int:
    data = apply_overrides(load_yaml(args.recipe), args.overrides)
    produced = run_pipeline(validate(RunRecipe, data, args.recipe))
    for name, path in produced.items():
        print(f"limo run: {name}: {path}")
    return 0

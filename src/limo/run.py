"""`limo run RECIPE.yaml`: curate -> train -> eval in one config, each stage skipped when current.

    output_dir: runs/x
    curate: {...a curate recipe (limo curate run), output_dir omitted...}   # or a path to one
    train:  {...a train recipe (limo train), data/output_dir omitted...}    # or a path to one
    eval:   {benchmarks: [...], data_dir: ..., preset: limo, generation: {backend: vllm, ...}}  # or a path
    eval_base: true      # also evaluate the base model, for a before/after comparison

Every section is typed (a typo anywhere fails before anything runs, naming the key and its file), and
`limo run` runs the same `--check` as `limo run --check` before starting a stage.

Wiring: with a curate section, train *always* reads curate's selection (`<output_dir>/curate/07_select/
selected.jsonl`), also when only `stages=[train]` runs; a `data` in the train recipe is replaced (the plan
says so). Without one, train reads its recipe's `data`. Eval evaluates train's final model unless
`generation.model` is set. Each stage writes under `<output_dir>/<stage>/`. Skipping uses
limo.freshness: a stage's key covers its resolved config and its input files. Model weights are not hashed
(tens of GB): a trained model is identified by its training stage's key.

Each GPU stage (train, eval, curate with a local model) runs in its own spawned process: a trainer's CUDA
memory and reference cycles, or a vLLM engine, die with it, so the next stage starts on free GPUs.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Callable, Literal, TypeVar

from pydantic import Field

from limo.config import StrictModel, apply_overrides, load_yaml
from limo.curate.pipeline import CurateRecipe
from limo.errors import ConfigError
from limo.eval.config import EvalConfig
from limo.freshness import is_current, mark_done, stage_key
from limo.train.config import TrainConfig

SECTIONS = ("curate", "train", "eval")
T = TypeVar("T")


class CurateSection(CurateRecipe):
    output_dir: str | None = None  # limo run sets <output_dir>/curate


class TrainSection(TrainConfig):
    data: str | list[str] | None = None  # limo run sets curate's selection when there is a curate section
    output_dir: str | None = None  # limo run sets <output_dir>/train


class EvalSection(EvalConfig):
    output_dir: str | None = None  # limo run sets <output_dir>/eval (and eval-base)
    generation: dict[str, Any] = Field(default_factory=dict)  # model: the trained one unless set


class RunRecipe(StrictModel):
    output_dir: str
    curate: CurateSection | None = None
    train: TrainSection | None = None
    eval: EvalSection | None = None
    eval_base: bool = False  # evaluate the untrained model too (same protocol)
    stages: list[Literal["curate", "train", "eval"]] = Field(default_factory=lambda: list(SECTIONS))


class LoadedRecipe:
    """A run recipe with, per section, the file it came from (for messages that name the right file)."""

    def __init__(self, recipe: RunRecipe, sources: dict[str, str], invalid: set[str] | None = None):
        self.recipe, self.sources = recipe, sources
        self.invalid = invalid or set()  # sections that failed validation (left out of `recipe`)


def load_run_recipe(path: str | Path, overrides: list[str], report=None) -> LoadedRecipe | None:
    """Load and validate every section against its own file. With a CheckReport, problems are recorded
    there and the valid sections are still returned (so --check goes on to find the others' problems;
    None when the top level itself is invalid); without one, a ConfigError lists them all."""
    from limo.check import CheckReport

    collect = report if report is not None else CheckReport(str(path))
    data = load_yaml(path)
    sources = {name: f"{path} [{name}]" for name in SECTIONS}
    for name in SECTIONS:
        if isinstance(data.get(name), str):  # a path to a stage recipe, relative to the CWD
            sources[name] = data[name]
            data[name] = load_yaml(data[name])
    data = apply_overrides(data, overrides)
    sections = {name: data.pop(name, None) for name in SECTIONS}
    kinds = {"curate": CurateSection, "train": TrainSection, "eval": EvalSection}
    typed = {name: collect.validate(kinds[name], value, sources[name])
             for name, value in sections.items() if value is not None}
    top = collect.validate(RunRecipe, data, str(path))
    if collect.problems and report is None:
        raise ConfigError(f"{len(collect.problems)} problem(s):\n" + "\n".join(f"  - {p}" for p in collect.problems))
    if top is None:
        return None
    for name, section in typed.items():
        if section is not None:
            setattr(top, name, section)
    return LoadedRecipe(top, sources, {name for name, section in typed.items() if section is None})


# --- the resolved stage configs (one source for running and for --check) --------------------------------

def curate_config(recipe: RunRecipe) -> CurateRecipe:
    out = Path(recipe.output_dir) / "curate"
    return CurateRecipe.model_validate({**recipe.curate.model_dump(), "output_dir": str(out)})  # type: ignore[union-attr]


def curated_path(recipe: RunRecipe) -> Path | None:
    """The selection training reads when the recipe has a curate section."""
    from limo.curate.check import selected_path

    return selected_path(Path(recipe.output_dir) / "curate") if recipe.curate is not None else None


def train_config(recipe: RunRecipe) -> TrainConfig:
    data = recipe.train.model_dump()  # type: ignore[union-attr]
    curated = curated_path(recipe)
    if curated is not None:
        data["data"] = str(curated)
    elif data.get("data") is None:
        raise ConfigError("run recipe: train has no data: add a curate section or set train.data")
    data["output_dir"] = str(Path(recipe.output_dir) / "train")
    return TrainConfig.model_validate(data)


def base_model(recipe: RunRecipe) -> str:
    """The model training starts from (the tiny model is built into the train folder)."""
    model = recipe.train.model if recipe.train is not None else "tiny"
    return str(Path(recipe.output_dir) / "train" / "base-model") if model == "tiny" else model


def eval_config(recipe: RunRecipe, out_dir: Path, model: str) -> EvalConfig:
    data = recipe.eval.model_dump()  # type: ignore[union-attr]
    data["generation"] = {**data["generation"], "model": model}
    data["output_dir"] = str(out_dir)
    return EvalConfig.model_validate(data)


def eval_model(recipe: RunRecipe) -> str:
    """The model `eval` evaluates: generation.model if set, else the trained one."""
    model = (recipe.eval.generation.get("model") if recipe.eval else None)
    if model is None and recipe.train is None:
        raise ConfigError("run recipe: eval has no model: add a train section or eval.generation.model")
    return str(model) if model is not None else str(Path(recipe.output_dir) / "train" / "final")


# --- running ------------------------------------------------------------------------------------------

def in_own_process(fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` in a fresh (spawned, not forked: CUDA cannot be forked) process; its return value or
    exception comes back. Everything the stage held on the device is released when the process exits."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


def run_curate(recipe: RunRecipe) -> Path:
    from limo.curate.pipeline import model_steps, run_recipe
    from limo.generate.backends import REMOTE_BACKENDS

    cfg = curate_config(recipe)
    if any(g.backend not in REMOTE_BACKENDS for _, g in model_steps(cfg)):  # starts local engines
        return in_own_process(run_recipe, cfg)
    return run_recipe(cfg)


def train_key(cfg: TrainConfig) -> str:
    return stage_key(cfg.model_dump(), cfg.data_paths)  # hub ids are not files: only the config keys them


def run_train(recipe: RunRecipe) -> tuple[Path, str]:
    """Train unless current; returns (final model dir, stage key)."""
    cfg = train_config(recipe)
    out, key = Path(recipe.output_dir), train_key(cfg)
    final = out / "train" / "final"
    if is_current(out, "train", key, [final]):
        print(f"limo run: train: up to date, skipped ({final})")
        return final, key
    from limo.train import main as train_main
    from limo.train.run import recipe_settings

    replace_if_changed(out / "train", recipe_settings(cfg))
    final = Path(in_own_process(train_main, cfg))
    mark_done(out, "train", key, model=str(final))
    return final, key


def replace_if_changed(folder: Path, identity: dict[str, Any]) -> None:
    """`limo run` owns its stage folders: when what a folder is made from changed (another train recipe,
    another model to evaluate), the stage must start fresh, not resume the other run's checkpoints or
    samples. The old folder is moved aside to `<folder>.replaced-N` (never deleted), and said so."""
    import json

    record = folder.parent / f".limo-{folder.name}.made-from.json"
    old = json.loads(record.read_text()) if record.exists() else None
    if old is not None and old != json.loads(json.dumps(identity, default=str)) and folder.exists():
        n = 1
        while folder.with_name(f"{folder.name}.replaced-{n}").exists():
            n += 1
        aside = folder.with_name(f"{folder.name}.replaced-{n}")
        folder.rename(aside)
        print(f"limo run: {folder.name}: made from other settings before; moved the old run to {aside}")
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps(identity, indent=2, default=str) + "\n")


def eval_key(cfg: EvalConfig, model_key: str) -> str:
    return stage_key({"eval": cfg.model_dump(), "model_key": model_key}, [cfg.data_dir] if cfg.data_dir else [])


def run_eval(recipe: RunRecipe, out_dir: Path, model: str, model_key: str, name: str) -> Path:
    """Evaluate `model` into `out_dir` unless current; returns results.json."""
    from limo.eval.runner import run_eval as eval_main

    cfg = eval_config(recipe, out_dir, model)
    key = eval_key(cfg, model_key)
    results = out_dir / "results.json"
    if is_current(out_dir.parent, name, key, [results]):
        print(f"limo run: {name}: up to date, skipped ({results})")
        return results
    replace_if_changed(out_dir, {"model": model, "model_key": model_key})  # same path, new weights: fresh
    in_own_process(eval_main, cfg)
    mark_done(out_dir.parent, name, key, results=str(results))
    return results


def model_key(recipe: RunRecipe) -> str:
    """What identifies the evaluated model: the train stage's key, or the model name."""
    model = recipe.eval.generation.get("model") if recipe.eval else None
    if model is not None or recipe.train is None:
        return f"model:{eval_model(recipe)}"
    return train_key(train_config(recipe))


def run_pipeline(recipe: RunRecipe) -> dict[str, Path]:
    """Run the recipe's stages in order; returns the paths each produced."""
    out = Path(recipe.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    produced: dict[str, Path] = {}
    if recipe.curate is not None and "curate" in recipe.stages:
        produced["curated"] = run_curate(recipe)
    if recipe.train is not None and "train" in recipe.stages:
        produced["model"], _ = run_train(recipe)
    if recipe.eval is not None and "eval" in recipe.stages:
        if recipe.eval_base and recipe.train is not None:
            base = base_model(recipe)
            produced["eval_base"] = run_eval(recipe, out / "eval-base", base, f"base:{base}", "eval-base")
        produced["eval"] = run_eval(recipe, out / "eval", eval_model(recipe), model_key(recipe), "eval")
    return produced


def add_arguments(p: argparse.ArgumentParser) -> None:
    from limo.check import add_check_arguments
    from limo.config import add_config_arguments

    add_config_arguments(p, "a run recipe YAML (see recipes/tiny-run.yaml, recipes/limo/reproduce.yaml)",
                         "key=value overrides, e.g. train.epochs=3 stages=[eval]")
    add_check_arguments(p)


def run(args: argparse.Namespace) -> int:
    from limo.check import finish, new_report
    from limo.config import config_source
    from limo.run_check import check_run

    path, overrides = config_source(args, required=True)
    report = new_report(f"limo run {path}", args)
    loaded = load_run_recipe(path, overrides, report)
    if loaded is not None:
        check_run(loaded, report)
    if args.check or not report.ok:
        if not args.check:
            print("limo run: the recipe has problems; nothing was started\n")
        return finish(report)
    import os

    if os.environ.get("RANK", "0") == "0":  # under a launcher, one process prints the plan
        print(report.render() + "\n")
    for name, produced in run_pipeline(loaded.recipe).items():
        print(f"limo run: {name}: {produced}")
    return 0

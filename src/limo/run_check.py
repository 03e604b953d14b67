"""`limo run RECIPE --check` (and the check `limo run` makes before it starts anything).

Runs each stage's own checker on the configs `limo run` would actually use (the same resolvers), so
the plan shows what training reads (curate's selection), which model eval evaluates, and which stages are
skipped as current. A stage is current only when every stage it depends on is current too.
"""

from __future__ import annotations

from pathlib import Path

from limo.check import CheckReport
from limo.errors import LimoError
from limo.freshness import is_current
from limo.run import (LoadedRecipe, RunRecipe, base_model, curate_config, curated_path, eval_config, eval_key,
                      eval_model, model_key, train_config, train_key)


def check_run(loaded: LoadedRecipe, report: CheckReport) -> None:
    recipe, sources = loaded.recipe, loaded.sources
    for name in loaded.invalid:  # its problems are listed; the stages that need it are not checked further
        report.stage(name).status = "not checked further (its config has problems)"
    upstream_current = True
    if recipe.curate is not None:
        upstream_current = _curate(recipe, report, sources["curate"])
    if {"curate", "train"} & loaded.invalid:
        return  # train's data and eval's model depend on them
    if recipe.train is not None:
        upstream_current = _train(recipe, report, sources["train"], upstream_current)
    if recipe.eval is not None:
        _eval(recipe, report, sources["eval"], upstream_current)


def _skipped(report: CheckReport, name: str) -> None:
    report.stage(name).status = "not run (not in stages)"


def _curate(recipe: RunRecipe, report: CheckReport, source: str) -> bool:
    from limo.curate.check import check_curate

    if "curate" not in recipe.stages:
        _skipped(report, "curate")
        return True
    plan = check_curate(curate_config(recipe), report, source)
    return plan.status.startswith("skipped")


def _train(recipe: RunRecipe, report: CheckReport, source: str, upstream_current: bool) -> bool:
    from limo.train.check import check_train

    try:
        cfg = train_config(recipe)
    except LimoError as e:
        report.problem(source, str(e))
        return False
    plan = report.stage("train")
    curated = curated_path(recipe)
    if curated is not None:
        notes = [f"{recipe.curate.select.top_n:,} rows expected" if not curated.exists() else "",  # type: ignore[union-attr]
                 f"replaces the train recipe's data: {recipe.train.data}" if recipe.train.data else ""]  # type: ignore[union-attr]
        notes = [n for n in notes if n]
        plan.line(f"data: curate's selection {curated}" + (f" ({'; '.join(notes)})" if notes else ""))
    if "train" not in recipe.stages:
        _skipped(report, "train")
        return True
    pending: dict[str, int] = {}
    if curated is not None and not (upstream_current and curated.exists()):
        if "curate" not in recipe.stages and not curated.exists():
            report.problem(source, f"train reads curate's selection {curated}, which does not exist yet: run "
                                   "stages=[curate] first")
        pending[str(curated)] = recipe.curate.select.top_n  # type: ignore[union-attr]
    check_train(cfg, report, source, pending=pending)
    out = Path(recipe.output_dir)
    current = upstream_current and is_current(out, "train", train_key(cfg), [out / "train" / "final"])
    if current:
        plan.status = "skipped (current)"
    return current


def _eval(recipe: RunRecipe, report: CheckReport, source: str, upstream_current: bool) -> None:
    from limo.eval.check import check_eval

    if "eval" not in recipe.stages:
        _skipped(report, "eval")
        return
    try:
        model, key = eval_model(recipe), model_key(recipe)
    except LimoError as e:
        report.problem(source, str(e))
        return
    trained = recipe.eval.generation.get("model") is None  # type: ignore[union-attr]
    base = base_model(recipe) if recipe.train is not None else None
    out = Path(recipe.output_dir)
    cfg = eval_config(recipe, out / "eval", model)
    plan = check_eval(cfg, report, source, files_from=base if trained else None)
    if trained:
        plan.line(f"evaluates the trained model {model}")
    if (not trained or upstream_current) and is_current(out, "eval", eval_key(cfg, key), [out / "eval/results.json"]):
        plan.status = "skipped (current)"
    if recipe.eval_base and base is not None:
        _eval_base(recipe, report, base, source)


def _eval_base(recipe: RunRecipe, report: CheckReport, base: str, source: str) -> None:
    """The base model under the same protocol: its plan only (its problems are eval's, already listed)."""
    from limo.eval.check import check_eval

    out = Path(recipe.output_dir)
    cfg = eval_config(recipe, out / "eval-base", base)
    scratch = CheckReport(report.title)
    plan = check_eval(cfg, scratch, source, stage="eval-base")
    plan.lines.append(f"the base model {base}, same protocol (eval_base: true)")
    if is_current(out, "eval-base", eval_key(cfg, f"base:{base}"), [out / "eval-base/results.json"]):
        plan.status = "skipped (current)"
    report.stages.append(plan)
    report.notes += [n for n in scratch.notes if n not in report.notes]

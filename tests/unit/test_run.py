"""`limo run` chains train -> eval and skips every current stage on a second call."""

from pathlib import Path

import pytest

from limo.config import validate
from limo.demo.problems import generate, to_problem
from limo.jsonl import write_jsonl
from limo.records import write_records
from limo.run import RunRecipe, run_pipeline


@pytest.fixture()
def recipe(tmp_path: Path, tiny_model: Path) -> dict:
    items = list(generate(40, seed=1))
    write_records(tmp_path / "train.jsonl", [to_problem(g, f"p{i}", "elaborated") for i, g in enumerate(items)])
    write_jsonl(tmp_path / "bench" / "demo_arith" / "test.jsonl",
                [{"id": f"t{i}", "problem": g.question, "answer": str(g.answer), "kind": g.kind, "level": g.level}
                 for i, g in enumerate(generate(6, seed=2))])
    return {
        "output_dir": str(tmp_path / "run"),
        "train": {"model": str(tiny_model), "data": str(tmp_path / "train.jsonl"), "max_length": 512,
                  "learning_rate": 1e-3, "epochs": 1, "global_batch_size": 8, "per_device_batch_size": 8,
                  "precision": "fp32", "gradient_checkpointing": False, "device": "cpu", "save_epochs": False},
        "eval": {"benchmarks": ["demo_arith"], "preset": "none", "data_dir": str(tmp_path / "bench"),
                 "generation": {"backend": "hf", "max_tokens": 8, "dtype": "float32"}, "bootstrap_iters": 10},
        "eval_base": True,
    }


def test_run_chains_stages_and_skips_current_ones(recipe, capsys):
    produced = run_pipeline(validate(RunRecipe, recipe))
    assert (produced["model"] / "config.json").exists()
    for key in ("eval", "eval_base"):
        assert produced[key].name == "results.json" and produced[key].exists()
    mtimes = {k: produced[k].stat().st_mtime_ns for k in ("eval", "eval_base")}
    capsys.readouterr()

    again = run_pipeline(validate(RunRecipe, recipe))
    out = capsys.readouterr().out
    assert out.count("up to date, skipped") == 3, out  # train, eval-base, eval
    assert {k: again[k].stat().st_mtime_ns for k in mtimes} == mtimes

    recipe["train"]["learning_rate"] = 2e-3  # a changed train stage reruns train and its eval only
    run_pipeline(validate(RunRecipe, recipe))
    out = capsys.readouterr().out
    assert "eval-base: up to date, skipped" in out and "train: up to date" not in out
    assert "limo run: eval: up to date" not in out


def test_eval_without_a_model_is_a_clear_error(tmp_path):
    from limo.errors import ConfigError

    bad = RunRecipe(output_dir=str(tmp_path), eval={"benchmarks": ["demo_arith"]})
    with pytest.raises(ConfigError, match="eval has no model"):
        run_pipeline(bad)


def test_shipped_run_recipes_load():
    root = Path(__file__).resolve().parents[2] / "recipes"
    from limo.config import load_config

    for name in ("tiny-run.yaml", "limo/reproduce.yaml"):
        cfg = load_config(RunRecipe, root / name)
        assert cfg.train is not None and cfg.eval is not None

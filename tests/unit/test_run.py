"""`limo run` chains train -> eval and skips every current stage on a second call."""

import subprocess
import sys
from pathlib import Path

import pytest

from limo.config import validate
from limo.demo.problems import generate, to_problem
from limo.jsonl import write_jsonl
from limo.records import write_records
from limo.run import RunRecipe, load_run_recipe, run_pipeline, train_config


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
    # Retrained from scratch (not resumed from the old recipe's checkpoint) and evaluated afresh: the old
    # train and eval folders were moved aside, not mixed into the new ones.
    run = Path(recipe["output_dir"])
    assert (run / "train.replaced-1" / "final").exists() and (run / "eval.replaced-1" / "results.json").exists()
    assert "resuming from" not in out


def test_eval_without_a_model_is_a_clear_error(tmp_path):
    from limo.errors import ConfigError

    bad = RunRecipe(output_dir=str(tmp_path), eval={"benchmarks": ["demo_arith"]})
    with pytest.raises(ConfigError, match="eval has no model"):
        run_pipeline(bad)


ROOT = Path(__file__).resolve().parents[2]


def test_shipped_run_recipes_load():
    for name in ("tiny-run.yaml", "limo/reproduce.yaml"):
        cfg = load_run_recipe(ROOT / "recipes" / name, []).recipe
        assert cfg.train is not None and cfg.eval is not None


def test_reproduce_trains_on_its_curated_selection(monkeypatch):
    """Issue 11 item 1: the train recipe's `data: GAIR/LIMO` must not win over the curated selection,
    also when only `stages=[train]` runs (the multi-node launch line in the recipe's header)."""
    monkeypatch.chdir(ROOT)
    for overrides in ([], ["stages=[train]"]):
        recipe = load_run_recipe("recipes/limo/reproduce.yaml", overrides).recipe
        assert recipe.train.data == "GAIR/LIMO"  # what the train recipe file says
        assert train_config(recipe).data == "runs/limo-reproduce/curate/07_select/selected.jsonl"


def test_reproduce_eval_is_runnable_as_configured(monkeypatch):
    """Issue 11 items 2-3: file-only benchmarks need data_dir, judged ones a judge, and max_model_len must
    fit Qwen2.5-32B-Instruct's 32,768 positions."""
    monkeypatch.chdir(ROOT)
    ev = load_run_recipe("recipes/limo/reproduce.yaml", []).recipe.eval
    assert ev.data_dir and ev.judge is not None and ev.judge.model == "Qwen/Qwen2.5-32B-Instruct"
    assert ev.generation["max_model_len"] <= 32768


@pytest.mark.parametrize("override,file,key", [
    ("eval.generation.tempurature=0.6", "recipes/limo/reproduce.yaml [eval]", "generation: tempurature"),
    ("train.learning_rat=1e-5", "recipes/limo/qwen2.5-32b-instruct.yaml", "learning_rat"),
    ("curate.select.top=5", "recipes/limo/curate.yaml", "select.top"),
    ("eval_bas=true", "recipes/limo/reproduce.yaml", "eval_bas"),
])
def test_run_check_names_a_typo_in_any_section_and_its_file(override, file, key, monkeypatch, capsys):
    from limo.cli import main

    monkeypatch.chdir(ROOT)
    assert main(["run", "recipes/limo/reproduce.yaml", override, "--check"]) == 1
    out = capsys.readouterr().out
    assert f"{file}: {key}" in out, out


def test_run_refuses_to_start_when_the_check_fails(recipe, tmp_path, capsys):
    """`limo run` checks before starting: a missing benchmark file stops it before training."""
    import yaml

    from limo.cli import main

    recipe["eval"]["data_dir"] = str(tmp_path / "nowhere")
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump(recipe))
    assert main(["run", str(path)]) == 1
    out = capsys.readouterr().out
    assert "nothing was started" in out and "nowhere/demo_arith/test.jsonl not found" in out
    assert not (tmp_path / "run" / "train").exists()


def test_reproduce_check_passes_on_cpu(shared_dir):
    """Acceptance: exit 0 on a CPU-only machine, the plan shows the curated selection feeding training,
    and GPU-only checks are marked as not checkable here."""
    out = subprocess.run([sys.executable, "-m", "limo.cli", "run", "recipes/limo/reproduce.yaml", "--check"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "data: curate's selection runs/limo-reproduce/curate/07_select/selected.jsonl" in out.stdout
    assert "not checkable here (no GPU visible)" in out.stdout and "check passed" in out.stdout


def test_in_own_process_runs_in_a_fresh_process_and_brings_errors_back():
    import os

    from limo.config import load_yaml
    from limo.errors import ConfigError
    from limo.run import in_own_process

    assert in_own_process(os.getpid) != os.getpid()
    with pytest.raises(ConfigError, match="no such file"):
        in_own_process(load_yaml, "/nonexistent.yaml")


def test_each_gpu_stage_runs_in_its_own_process(recipe, monkeypatch):
    """train, eval-base and eval each go through in_own_process (recorded here, run in-process)."""
    import limo.run

    ran: list[str] = []

    def record(fn, *args):  # noqa: ANN001, ANN202
        ran.append(fn.__name__)
        return fn(*args)

    monkeypatch.setattr(limo.run, "in_own_process", record)
    run_pipeline(validate(RunRecipe, recipe))
    assert ran == ["main", "run_eval", "run_eval"]  # train, eval-base, eval


def test_model_backed_curate_runs_in_its_own_process(tmp_path, monkeypatch):
    import limo.run

    ran: list[str] = []
    monkeypatch.setattr(limo.run, "in_own_process", lambda fn, *a: ran.append(fn.__name__) or tmp_path)
    curate = {"ingest": {"inputs": [{"path": "pool.jsonl"}]},
              "difficulty": {"stages": [{"name": "s", "generate": {"model": "m", "backend": "vllm"}}]}}
    limo.run.run_curate(validate(RunRecipe, {"output_dir": str(tmp_path), "curate": curate}))
    assert ran == ["run_recipe"]


def test_run_check_goes_on_past_an_invalid_section(tmp_path, capsys):
    """Every problem at once: a typo in eval does not hide train's missing data."""
    from limo.cli import main

    path = tmp_path / "r.yaml"
    path.write_text(f"output_dir: {tmp_path / 'out'}\ntrain: {{model: tiny, data: {tmp_path / 'nope.jsonl'}, "
                    "max_length: 1024}\neval: {benchmarks: [kaoyan], generation: {backend: hf, tempurature: 1}}\n")
    assert main(["run", str(path), "--check"]) == 1
    out = capsys.readouterr().out
    assert "tempurature" in out and "nope.jsonl: no such file" in out and "2 problem(s)" in out

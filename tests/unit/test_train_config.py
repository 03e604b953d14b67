"""Recipes and TrainConfig: every shipped recipe loads, the accelerate launch configs parse, the batch
geometry is derived from the global batch, and bad recipes report every problem at once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from limo.config import load_config
from limo.errors import ConfigError
from limo.train.config import TrainConfig, grad_accumulation

ROOT = Path(__file__).resolve().parents[2]
# Training recipes are the ones with a top-level `model` (pipeline recipes of other stages live alongside).
RECIPES = sorted(p for p in (ROOT / "recipes").rglob("*.yaml")
                 if "accelerate" not in p.parts and "model" in (yaml.safe_load(p.read_text()) or {}))
LAUNCH = sorted((ROOT / "recipes" / "accelerate").glob("*.yaml"))


def test_recipes_exist():
    names = {p.relative_to(ROOT / "recipes").as_posix() for p in RECIPES}
    assert {"tiny-cpu.yaml", "limo/qwen2.5-32b-instruct.yaml", "limo/qwen2.5-7b-instruct.yaml"} <= names
    assert {p.stem for p in LAUNCH} >= {"zero3", "fsdp2", "ddp"}


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda p: p.name)
def test_every_recipe_loads(recipe):
    cfg = load_config(TrainConfig, recipe)
    assert cfg.global_batch_size % cfg.per_device_batch_size == 0


def test_the_limo_recipe_is_the_paper():
    cfg = load_config(TrainConfig, ROOT / "recipes/limo/qwen2.5-32b-instruct.yaml")
    assert (cfg.model, cfg.learning_rate, cfg.lr_scheduler, cfg.warmup_ratio, cfg.epochs) == \
        ("Qwen/Qwen2.5-32B-Instruct", 5e-6, "cosine", 0.0, 15)
    assert (cfg.global_batch_size, cfg.per_device_batch_size, cfg.max_length) == (32, 1, 16384)
    assert cfg.precision == "bf16" and cfg.gradient_checkpointing and cfg.save_epochs
    assert cfg.loss_normalization == "sequence" and cfg.overflow == "error"
    assert grad_accumulation(cfg, processes=32) == 1 and grad_accumulation(cfg, processes=8) == 4


@pytest.mark.parametrize("launch", LAUNCH, ids=lambda p: p.name)
def test_accelerate_configs_parse(launch):
    data = yaml.safe_load(launch.read_text())
    assert data["distributed_type"] in {"DEEPSPEED", "FSDP", "MULTI_GPU"}
    assert data["num_machines"] >= 1 and data["num_processes"] >= 1
    if data["distributed_type"] == "DEEPSPEED":
        ds = data["deepspeed_config"]
        assert ds["zero_stage"] == 3 and ds["zero3_save_16bit_model"] is True
    if data["distributed_type"] == "FSDP":
        assert data["fsdp_config"]["fsdp_version"] == 2


def test_every_problem_reported_at_once(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("data: x.jsonl\noutput_dir: o\nlearnig_rate: 1e-5\nepochs: -1\noverflow: truncate\n")
    with pytest.raises(ConfigError) as e:
        load_config(TrainConfig, bad)
    msg = str(e.value)
    assert "3 problem(s)" in msg and "learnig_rate" in msg and "epochs" in msg and "overflow" in msg


def test_overrides_and_geometry(tmp_path):
    cfg = load_config(TrainConfig, ROOT / "recipes/tiny-cpu.yaml", ["global_batch_size=6", "output_dir=x"])
    assert cfg.output_dir == "x" and grad_accumulation(cfg, processes=2) == 3
    with pytest.raises(ConfigError, match="not divisible"):
        grad_accumulation(cfg, processes=4)
    with pytest.raises(ConfigError, match="not a multiple"):
        load_config(TrainConfig, ROOT / "recipes/tiny-cpu.yaml", ["per_device_batch_size=4", "global_batch_size=6"])


def test_cli_check_prints_the_plan_without_training():
    code = ("import sys; from limo.cli import main; rc = main(['train', 'recipes/tiny-cpu.yaml', 'epochs=2', "
            "'--check']); assert 'trl' not in sys.modules; raise SystemExit(rc)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "2 epochs" in out.stdout and "check passed" in out.stdout

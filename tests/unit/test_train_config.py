"""Recipes and TrainConfig: every shipped recipe loads, the accelerate launch configs parse, the batch
geometry is derived from the global batch, and bad recipes report every problem at once."""

from __future__ import annotations

import json
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
    # the later paper (v3 §4) states a batch of 64: the documented override keeps everything else
    v3 = load_config(TrainConfig, ROOT / "recipes/limo/qwen2.5-32b-instruct.yaml", ["global_batch_size=64"])
    assert v3.model_copy(update={"global_batch_size": 32}) == cfg
    assert grad_accumulation(v3, processes=32) == 2 and grad_accumulation(v3, processes=8) == 8


@pytest.mark.parametrize("launch", LAUNCH, ids=lambda p: p.name)
def test_accelerate_configs_parse(launch):
    data = yaml.safe_load(launch.read_text())
    assert data["distributed_type"] in {"DEEPSPEED", "FSDP", "MULTI_GPU"}
    assert data["num_machines"] >= 1 and data["num_processes"] >= 1
    if data["distributed_type"] == "DEEPSPEED":
        ds = data["deepspeed_config"]
        if "deepspeed_config_file" in ds:  # the JSON holds the ZeRO settings
            ds = json.loads((ROOT / ds["deepspeed_config_file"]).read_text())["zero_optimization"]
            assert ds["stage"] == 3 and ds["stage3_gather_16bit_weights_on_model_save"] is True
        else:
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


def _offload_plugin(monkeypatch):
    """zero3-offload.yaml read by accelerate's own loader, its DeepSpeed JSON by accelerate's DeepSpeedPlugin,
    with the fields check `accelerate launch` arms (ACCELERATE_CONFIG_DS_FIELDS) armed the same way."""
    from accelerate.commands.config.config_args import ClusterConfig
    from accelerate.utils import DeepSpeedPlugin

    monkeypatch.chdir(ROOT)  # the JSON path is relative to where one launches: the repository root
    launch = ClusterConfig.from_yaml_file("recipes/accelerate/zero3-offload.yaml")
    fields = list(launch.deepspeed_config) + (["mixed_precision"] if launch.mixed_precision is not None else [])
    monkeypatch.setenv("ACCELERATE_CONFIG_DS_FIELDS", ",".join(fields))
    return DeepSpeedPlugin(hf_ds_config=launch.deepspeed_config["deepspeed_config_file"],
                           zero3_init_flag=launch.deepspeed_config["zero3_init_flag"])


def test_zero3_offload_config_loads_with_deepspeeds_own_optimizer(monkeypatch):
    """The offload config accelerate accepts, with an optimizer section: transformers then hands DeepSpeed
    no torch optimizer (DeepSpeed refuses one with offload by default) but a DummyOptim, and DeepSpeed
    builds its own CPU AdamW."""
    plugin = _offload_plugin(monkeypatch)
    assert plugin.zero_stage == 3 and plugin.offload_optimizer_device == "cpu" and plugin.zero3_init_flag
    ds = plugin.deepspeed_config
    assert ds["optimizer"]["type"] == "AdamW" and "scheduler" not in ds  # the recipe's schedule is kept


def test_zero3_offload_config_is_filled_from_the_recipe_and_valid_for_deepspeed(monkeypatch, tmp_path):
    """transformers fills every "auto" from limo's SFTConfig (betas included), and DeepSpeed's own config
    parser accepts the result: CPU-offloaded AdamW. Needs the deepspeed package (CPU-only install works)."""
    pytest.importorskip("deepspeed")
    from deepspeed.runtime.config import DeepSpeedConfig
    from transformers.integrations.deepspeed import HfTrainerDeepSpeedConfig

    from limo.train.run import sft_config

    plugin = _offload_plugin(monkeypatch)
    cfg = load_config(TrainConfig, ROOT / "recipes/limo/qwen2.5-32b-instruct.yaml",
                      [f"output_dir={tmp_path}", "adam_beta2=0.95", "device=cpu"])  # cpu: no bf16 GPU here
    hf = HfTrainerDeepSpeedConfig(plugin.deepspeed_config)
    hf.trainer_config_process(sft_config(cfg, tmp_path))
    filled = hf.config
    assert filled["optimizer"]["params"] == {"lr": 5e-6, "betas": [0.9, 0.95], "eps": 1e-8, "weight_decay": 0.0}
    assert filled["bf16"]["enabled"] is True and filled["gradient_accumulation_steps"] == 32
    filled = {**filled, "zero_optimization": {k: v for k, v in filled["zero_optimization"].items()
                                              if v != "auto"}}  # model-size autos are filled at model load
    filled.pop("train_batch_size")  # derived from the world size at launch
    parsed = DeepSpeedConfig(filled)
    assert parsed.optimizer_name == "adamw" and parsed.zero_optimization_stage == 3
    assert parsed.zero_config.offload_optimizer.device == "cpu"


def test_attention_auto_is_flash_only_where_flash_attn_and_cuda_exist(monkeypatch):
    import importlib.util

    import torch

    from limo.train.config import resolve_attention

    cfg = TrainConfig(data="x.jsonl", output_dir="o")
    real_find_spec = importlib.util.find_spec
    for has_flash, cuda, expected in ((False, True, "sdpa"), (True, False, "sdpa"), (True, True, "flash_attention_2")):
        monkeypatch.setattr(importlib.util, "find_spec",
                            lambda name, *a, f=has_flash: object() if name == "flash_attn" and f else
                            (None if name == "flash_attn" else real_find_spec(name, *a)))
        monkeypatch.setattr(torch.cuda, "is_available", lambda c=cuda: c)
        assert resolve_attention(cfg) == expected
    assert resolve_attention(cfg.model_copy(update={"device": "cpu"})) == "sdpa"
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "flash_attn" else real_find_spec(name, *a))
    with pytest.raises(ConfigError, match="needs the flash-attn package"):
        resolve_attention(cfg.model_copy(update={"attn_implementation": "flash_attention_2"}))
    assert resolve_attention(cfg.model_copy(update={"attn_implementation": "eager"})) == "eager"


def test_shipped_recipes_do_not_require_flash_attn():
    for recipe in RECIPES:
        assert load_config(TrainConfig, recipe).attn_implementation in ("auto", "sdpa"), recipe


@pytest.mark.parametrize("env, refused", [
    ({"ACCELERATE_USE_FSDP": "true"}, "FSDP"),
    ({"ACCELERATE_USE_DEEPSPEED": "true", "ACCELERATE_DEEPSPEED_ZERO_STAGE": "3"}, "DeepSpeed ZeRO-3"),
    ({"ACCELERATE_USE_DEEPSPEED": "true"}, "DeepSpeed ZeRO-?"),  # a JSON config: stage unknown, refuse
    ({"ACCELERATE_USE_DEEPSPEED": "true", "ACCELERATE_DEEPSPEED_ZERO_STAGE": "2"}, None),  # full weights
    ({}, None)])
def test_lora_is_refused_under_a_sharding_launcher_before_anything_loads(monkeypatch, tmp_path, env, refused):
    from limo.train import main

    for name in ("ACCELERATE_USE_FSDP", "ACCELERATE_USE_DEEPSPEED", "ACCELERATE_DEEPSPEED_ZERO_STAGE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    from limo.train.config import check_launch, sharding_launcher

    assert sharding_launcher() == refused
    cfg = TrainConfig(data=str(tmp_path / "missing.jsonl"), output_dir=str(tmp_path / "o"), lora={"r": 4})
    if refused is None:
        check_launch(cfg)
        check_launch(cfg.model_copy(update={"lora": None}))
        return
    with pytest.raises(ConfigError, match=f"lora is not supported under {refused}"):
        main(cfg)  # refused before the (missing) data is read or a model is loaded
    check_launch(cfg.model_copy(update={"lora": None}))  # full fine-tuning is fine there

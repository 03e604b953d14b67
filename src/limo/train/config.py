"""`TrainConfig`: what one `limo train` run does, as a typed recipe.

The recipe says *what* (model, data, optimisation, checkpoints); how many processes and which sharding
(DeepSpeed ZeRO-3, FSDP2, DDP) come from the launcher (`accelerate launch --config_file ...` or
`torchrun`) and are never mixed in. The batch geometry is stated once as a *global* batch; gradient
accumulation is derived from the number of processes, so the same recipe gives the same optimisation on
1 CPU, 8 GPUs or 32 GPUs.
"""

from __future__ import annotations

import os
from typing import Any, Literal

from pydantic import Field, model_validator

from limo.config import StrictModel
from limo.errors import ConfigError
from limo.prompts import LIMO_SYSTEM_PROMPT

TINY_MODEL = "tiny"  # `model: tiny` builds limo.tiny's random Qwen2 into <output_dir>/base-model


class LoraSettings(StrictModel):
    """Optional LoRA (peft) for single-GPU users; the LIMO recipe itself is full-parameter."""

    r: int = Field(16, gt=0)
    alpha: int = Field(32, gt=0)
    dropout: float = Field(0.05, ge=0, lt=1)
    target_modules: list[str] | str = "all-linear"


class TrainConfig(StrictModel):
    """One SFT run. Field docs are the recipe documentation (docs/train.md lists them)."""

    # --- what to train on ---------------------------------------------------------------------------
    model: str = TINY_MODEL  # hub id, local path, or "tiny"
    data: str | list[str]  # JSONL/JSON file(s) or a hub dataset id; relative paths are from the CWD
    data_split: str = "train"  # split, for hub datasets
    data_format: Literal["auto", "problem", "question", "messages"] = "auto"
    prompt_field: str | None = None  # override the column holding the question
    response_field: str | None = None  # override the column holding the chain
    where: dict[str, Any] = Field(default_factory=dict)  # keep rows whose fields equal these values
    limit: int | None = Field(None, gt=0)  # first N rows after `where` (for demos and smoke runs)
    system_prompt: str | None = LIMO_SYSTEM_PROMPT
    stop_token: str | None = None  # end-of-turn token; default: the tokenizer's eos_token
    require_boxed: bool = True  # every chain must end its reasoning with a \boxed{} final answer
    max_length: int = Field(16384, gt=0)  # LIMO's cutoff_len
    overflow: Literal["error", "drop"] = "error"  # over-length samples: never truncated

    # --- optimisation (LIMO: lr 5e-6, cosine, no warmup, 15 epochs, global batch 32) ----------------
    learning_rate: float = Field(5e-6, gt=0)
    lr_scheduler: str = "cosine"
    warmup_ratio: float = Field(0.0, ge=0, lt=1)
    epochs: float = Field(15, gt=0)
    max_steps: int = -1  # > 0 overrides epochs (smoke runs)
    global_batch_size: int = Field(32, gt=0)
    per_device_batch_size: int = Field(1, gt=0)
    weight_decay: float = Field(0.0, ge=0)
    adam_beta1: float = 0.9
    adam_beta2: float = 0.999
    max_grad_norm: float = 1.0
    loss_normalization: Literal["sequence", "token"] = "sequence"  # sequence = every sample weighs the same
    seed: int = 42

    # --- precision, memory, kernels -----------------------------------------------------------------
    precision: Literal["bf16", "fp16", "fp32"] = "bf16"  # mixed precision over fp32 master weights
    gradient_checkpointing: bool = True
    padding_free: bool = False  # flatten a micro-batch into one row (pays off with flash-attention varlen)
    # auto: flash_attention_2 where the flash-attn package is installed and CUDA is present, else sdpa
    # (the GPU install does not bring flash-attn: it has no wheel for every torch/CUDA). Any name
    # transformers accepts also works: sdpa, eager, flash_attention_2, a kernels-hub id.
    attn_implementation: str = "auto"
    use_liger_kernel: bool = False
    lora: LoraSettings | None = None
    device: Literal["auto", "cpu"] = "auto"  # cpu forces CPU even where CUDA exists

    # --- outputs ------------------------------------------------------------------------------------
    output_dir: str
    save_epochs: bool = True  # weights-only snapshot per epoch (epoch-N/), for best-epoch selection
    save_steps: int | None = Field(None, gt=0)  # full-state checkpoint interval; None = once per epoch
    save_total_limit: int = Field(1, gt=0)  # full-state checkpoints kept (epoch snapshots are all kept)
    resume: bool = True  # continue from the last complete checkpoint in output_dir
    logging_steps: int = Field(1, gt=0)
    plot_every: int = Field(10, gt=0)  # redraw loss.png every N logged steps (and at the end)
    report_to: str | list[str] = "none"  # wandb, tensorboard, ...
    dataloader_num_workers: int = Field(0, ge=0)

    @model_validator(mode="after")
    def _check(self) -> "TrainConfig":
        problems = []
        if self.global_batch_size % self.per_device_batch_size:
            problems.append(f"global_batch_size {self.global_batch_size} is not a multiple of "
                            f"per_device_batch_size {self.per_device_batch_size}")
        if self.padding_free and self.precision == "fp16":
            problems.append("padding_free with fp16 is not supported; use bf16")
        if self.max_steps == 0 or self.max_steps < -1:
            problems.append("max_steps must be -1 (use epochs) or positive")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def data_paths(self) -> list[str]:
        return [self.data] if isinstance(self.data, str) else list(self.data)


def resolve_attention(cfg: TrainConfig) -> str:
    """The attention kernel to load the model with; flash_attention_2 without flash-attn is an error
    here, before any model is loaded, not a failure deep inside transformers."""
    import importlib.util

    has_flash = importlib.util.find_spec("flash_attn") is not None
    if cfg.attn_implementation == "auto":
        import torch

        return "flash_attention_2" if has_flash and torch.cuda.is_available() and cfg.device != "cpu" else "sdpa"
    if cfg.attn_implementation == "flash_attention_2" and not has_flash:
        raise ConfigError("attn_implementation: flash_attention_2 needs the flash-attn package, which is not "
                          "installed (pip install flash-attn --no-build-isolation); or use auto / sdpa")
    return cfg.attn_implementation


def sharding_launcher() -> str | None:
    """The parameter-sharding launcher this process runs under (FSDP, DeepSpeed ZeRO-3), as accelerate
    announces it in the environment; None for one process, DDP, or ZeRO-1/2 (full weights on each rank)."""
    env = os.environ
    if env.get("ACCELERATE_USE_FSDP", "false").lower() == "true":
        return "FSDP"
    if env.get("ACCELERATE_USE_DEEPSPEED", "false").lower() == "true":
        stage = env.get("ACCELERATE_DEEPSPEED_ZERO_STAGE", "")
        return None if stage in ("0", "1", "2") else f"DeepSpeed ZeRO-{stage or '?'}"
    return None


def check_launch(cfg: TrainConfig) -> None:
    """Refuse what the launcher makes wrong: merging LoRA into parameters each rank holds only a shard of
    would write a model built from shards (peft's merge_and_unload does not gather them)."""
    launcher = sharding_launcher()
    if cfg.lora is not None and launcher is not None:
        raise ConfigError(f"lora is not supported under {launcher} (the final merge would see sharded "
                          "weights); launch LoRA on one GPU or with recipes/accelerate/ddp.yaml")


def world_size() -> int:
    """Processes in this run, as torchrun/accelerate announce them (1 when launched plainly)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def grad_accumulation(cfg: TrainConfig, processes: int | None = None) -> int:
    """Gradient accumulation that keeps `global_batch_size` fixed whatever the number of processes."""
    processes = world_size() if processes is None else processes
    per_step = cfg.per_device_batch_size * processes
    if cfg.global_batch_size % per_step:
        raise ConfigError(f"global_batch_size {cfg.global_batch_size} is not divisible by per_device_batch_size "
                          f"{cfg.per_device_batch_size} x {processes} process(es); change one of them")
    return cfg.global_batch_size // per_step

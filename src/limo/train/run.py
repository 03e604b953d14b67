"""`main(cfg)`: one LIMO SFT run on TRL's SFTTrainer (open-r1 style: config in, trainer.train(), save).

Layout of `output_dir`:
    base-model/        the tiny model, when `model: tiny`
    checkpoint-N/      full-state checkpoints (optimizer, scheduler, RNG) for exact resume
    epoch-N/           weights-only snapshot after each epoch
    final/             the final model (returned), loadable by transformers and vLLM
    metrics.jsonl, loss.png, data_report.json, provenance.json
    recipe.settings.json  what decides the model (recipe + data sha256): a rerun must match it to resume
"""

from __future__ import annotations

import json
import math
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from limo.provenance import write_provenance
from limo.train.config import (TINY_MODEL, TrainConfig, check_launch, grad_accumulation, resolve_attention,
                               world_size)


def main(cfg: TrainConfig, callbacks: Sequence[Any] = ()) -> Path:
    """Train as the recipe says; returns the folder holding the final model. `callbacks` are extra
    transformers TrainerCallbacks (progress hooks, timers)."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from accelerate import PartialState
    from transformers import AutoTokenizer

    from limo.train.callbacks import EpochSnapshotCallback, MetricsCallback
    from limo.train.data import build_dataset, read_rows
    from limo.train.loss import LimoSFTTrainer

    out = Path(cfg.output_dir)
    check_launch(cfg)
    rows = read_rows(cfg)  # bad data fails before any model is loaded
    check_recipe(cfg, out)  # another recipe into a used output_dir fails before anything loads
    state = PartialState(cpu=cfg.device == "cpu")
    model_path = resolve_model(cfg, out, state)
    tokenizer = AutoTokenizer.from_pretrained(model_path)
    pin_recipe(cfg, out)  # only once the model loaded: a wrong model path never pins the folder
    dataset, report = build_dataset(cfg, tokenizer, rows)
    snapshots = EpochSnapshotCallback(out)
    trainer = LimoSFTTrainer(
        model=model_path, args=sft_config(cfg, out), train_dataset=dataset, processing_class=tokenizer,
        peft_config=lora_config(cfg), loss_normalization=cfg.loss_normalization,
        callbacks=[MetricsCallback(out, cfg.plot_every), *([snapshots] if cfg.save_epochs else []), *callbacks],
    )
    snapshots.trainer = trainer
    resume = last_complete_checkpoint(out, state.is_main_process) if cfg.resume else None
    if state.is_main_process:
        announce(cfg, report, resume)
        (out / "data_report.json").write_text(json.dumps(report.summary(), indent=2, ensure_ascii=False) + "\n")
    trainer.train(resume_from_checkpoint=resume)
    final = out / "final"
    save_final(trainer, final, merge_lora=cfg.lora is not None)
    if state.is_main_process:
        write_provenance(out, cfg.model_dump(), inputs=[p for p in cfg.data_paths if Path(p).exists()],
                         data=report.summary(), world_size=world_size(), resumed_from=resume)
    state.wait_for_everyone()
    return final


# Fields that do not change what is trained (where and how often it reports and saves).
_NOT_RECIPE = {"output_dir", "resume", "logging_steps", "plot_every", "report_to", "dataloader_num_workers",
               "save_epochs", "save_steps", "save_total_limit"}
RECIPE_FILE = "recipe.settings.json"
_FRESH = "use a new output_dir (or delete the folder) to train this recipe"


def recipe_settings(cfg: TrainConfig) -> dict[str, Any]:
    """What decides the trained model: the recipe (minus reporting/saving cadence) and the data's content
    (sha256 per data file; hub ids as given), stored as <output_dir>/recipe.settings.json."""
    from limo.provenance import file_sha256

    recipe = cfg.model_dump(exclude=_NOT_RECIPE)
    recipe["data"] = [file_sha256(p) if Path(p).is_file() else p for p in cfg.data_paths]
    return recipe


def check_recipe(cfg: TrainConfig, out: Path) -> None:
    """Refuse to continue (or overwrite) a run of another recipe in `out`, naming the differing fields."""
    from limo.errors import LimoError
    from limo.runlock import check_settings

    if check_settings(out / RECIPE_FILE, recipe_settings(cfg), _FRESH):
        return
    used = [p.name for p in (out / "final", *out.glob("checkpoint-*")) if p.exists()] if out.is_dir() else []
    if used:
        raise LimoError(f"{out} already holds a training run ({', '.join(sorted(used)[:3])}) with no "
                        f"{RECIPE_FILE} saying which recipe made it; {_FRESH}")


def pin_recipe(cfg: TrainConfig, out: Path) -> None:
    from limo.runlock import pin_settings

    pin_settings(out / RECIPE_FILE, recipe_settings(cfg), _FRESH)


def resolve_model(cfg: TrainConfig, out: Path, state: Any) -> str:
    """The model to load: `tiny` is built once (main process first) into <output_dir>/base-model."""
    if cfg.model != TINY_MODEL:
        return cfg.model
    base = out / "base-model"
    with state.main_process_first():
        if not (base / "config.json").exists():
            from limo.tiny import build_tiny_model

            build_tiny_model(base, seed=cfg.seed)
    return str(base)


def sft_config(cfg: TrainConfig, out: Path) -> Any:
    """TRL SFTConfig from the recipe. max_length=None: lengths were enforced by the data step, and TRL
    must never truncate (it would cut the answer and EOS)."""
    from trl import SFTConfig

    return SFTConfig(
        output_dir=str(out), per_device_train_batch_size=cfg.per_device_batch_size,
        gradient_accumulation_steps=grad_accumulation(cfg), learning_rate=cfg.learning_rate,
        lr_scheduler_type=cfg.lr_scheduler, warmup_steps=cfg.warmup_ratio, num_train_epochs=cfg.epochs,
        max_steps=cfg.max_steps, weight_decay=cfg.weight_decay, adam_beta1=cfg.adam_beta1,
        adam_beta2=cfg.adam_beta2, max_grad_norm=cfg.max_grad_norm, seed=cfg.seed,
        bf16=cfg.precision == "bf16", fp16=cfg.precision == "fp16",
        gradient_checkpointing=cfg.gradient_checkpointing,
        gradient_checkpointing_kwargs={"use_reentrant": False} if cfg.gradient_checkpointing else None,
        padding_free=cfg.padding_free, packing=False, max_length=None, use_liger_kernel=cfg.use_liger_kernel,
        model_init_kwargs={"dtype": "float32", "attn_implementation": resolve_attention(cfg)},
        save_strategy="steps" if cfg.save_steps else "epoch", save_steps=cfg.save_steps or 500,
        save_total_limit=cfg.save_total_limit, logging_steps=cfg.logging_steps, report_to=cfg.report_to,
        use_cpu=cfg.device == "cpu", dataloader_num_workers=cfg.dataloader_num_workers,
        average_tokens_across_devices=True, ddp_find_unused_parameters=False, disable_tqdm=False,
    )


def lora_config(cfg: TrainConfig) -> Any:
    if cfg.lora is None:
        return None
    from peft import LoraConfig

    return LoraConfig(r=cfg.lora.r, lora_alpha=cfg.lora.alpha, lora_dropout=cfg.lora.dropout,
                      target_modules=cfg.lora.target_modules, task_type="CAUSAL_LM")


def last_complete_checkpoint(out: Path, is_main: bool) -> str | None:
    """The newest checkpoint-N that finished saving. Trainer writes trainer_state.json last, so a folder
    without it was cut by a kill mid-save; the main process removes such folders so they are not rotated
    in place of good ones."""
    if not out.is_dir():
        return None
    ckpts = sorted((p for p in out.glob("checkpoint-*") if p.is_dir() and p.name.split("-")[-1].isdigit()),
                   key=lambda p: int(p.name.split("-")[-1]))
    complete = [p for p in ckpts if (p / "trainer_state.json").exists()]
    if is_main:
        for p in ckpts:
            if p not in complete:
                print(f"limo train: removing incomplete checkpoint {p} (interrupted while saving)")
                shutil.rmtree(p, ignore_errors=True)
    return str(complete[-1]) if complete else None


def save_final(trainer: Any, final: Path, merge_lora: bool) -> None:
    """Save the final model. LoRA adapters are merged so vLLM/transformers load it as a plain model."""
    if not merge_lora:
        trainer.save_model(str(final))
        return
    if trainer.accelerator.is_main_process:
        merged = trainer.accelerator.unwrap_model(trainer.model).merge_and_unload()
        merged.save_pretrained(str(final))
        trainer.processing_class.save_pretrained(str(final))


def announce(cfg: TrainConfig, report: Any, resume: str | None) -> None:
    """One paragraph a person reads before a long run: data, geometry, normalisation."""
    s = report.summary()
    ga = grad_accumulation(cfg)
    steps = math.ceil(s["kept"] / cfg.global_batch_size)
    print(f"limo train: {s['kept']}/{s['rows']} samples ({s['dropped_overlength']} dropped over "
          f"max_length={cfg.max_length}), {s['tokens_total']:,} tokens (max {s['tokens_max']}, "
          f"trained {s['trained_tokens_total']:,})")
    print(f"limo train: global batch {cfg.global_batch_size} = {cfg.per_device_batch_size}/device x "
          f"{world_size()} process(es) x GA {ga}; ~{steps} steps/epoch x {cfg.epochs:g} epochs; "
          f"loss normalisation: {cfg.loss_normalization}; attention: {resolve_attention(cfg)}"
          + (f"; resuming from {resume}" if resume else ""))

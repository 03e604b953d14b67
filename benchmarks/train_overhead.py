"""What `limo train` costs over a plain TRL SFTTrainer, per optimizer step, on the same tiny model and data.

    .venv/bin/python benchmarks/train_overhead.py [--repeats 3] [--steps 12] [--samples 96]

`limo train` adds a data audit, a per-sequence loss, a metrics JSONL, a loss plot and epoch snapshots.
The audit runs before training; this measures what remains inside the loop: the time between successive
`on_step_end` events (so logging, metrics rows and plotting count), median over steps, first steps
dropped as warm-up. Runs alternate (plain, limo-token, limo-sequence, plain, ...) so that load from
other processes on a shared machine hits all of them alike. Goal: ratio <= 1.05.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from transformers import AutoTokenizer, TrainerCallback  # noqa: E402
from trl import SFTConfig, SFTTrainer  # noqa: E402

from limo.tiny import build_tiny_model  # noqa: E402
from limo.train import TrainConfig, main  # noqa: E402
from limo.train.data import build_dataset  # noqa: E402
from limo.train.toy import write_toy_chains  # noqa: E402

WARMUP = 2


class StepTimer(TrainerCallback):
    """Wall and CPU (all threads of this process) time between consecutive optimizer steps. On a shared
    machine CPU time is the steadier measure of the work a step does; wall time is what a user waits."""

    def __init__(self) -> None:
        self.marks: list[tuple[float, float]] = []

    def on_step_end(self, args, state, control, **kwargs) -> None:
        self.marks.append((time.perf_counter(), time.process_time()))

    def step_times(self) -> list[tuple[float, float]]:
        gaps = [(b[0] - a[0], b[1] - a[1]) for a, b in zip(self.marks, self.marks[1:])]
        return gaps[WARMUP:]


def limo_cfg(model: Path, data: Path, out: Path, steps: int, norm: str) -> TrainConfig:
    return TrainConfig(model=str(model), data=str(data), output_dir=str(out), max_length=1024,
                       learning_rate=1e-3, global_batch_size=8, per_device_batch_size=1, max_steps=steps,
                       precision="fp32", gradient_checkpointing=False, device="cpu", loss_normalization=norm,
                       save_epochs=True, resume=False, logging_steps=1, plot_every=10)


def run_limo(cfg: TrainConfig) -> list[float]:
    timer = StepTimer()
    main(cfg, callbacks=[timer])
    return timer.step_times()


def run_plain(cfg: TrainConfig, model: Path) -> list[float]:
    """TRL as a user would call it directly, on the same tokenized samples and the same geometry."""
    tokenizer = AutoTokenizer.from_pretrained(model)
    dataset, _ = build_dataset(cfg, tokenizer)
    timer = StepTimer()
    args = SFTConfig(output_dir=cfg.output_dir, per_device_train_batch_size=1, gradient_accumulation_steps=8,
                     learning_rate=cfg.learning_rate, lr_scheduler_type="cosine", max_steps=cfg.max_steps,
                     max_length=None, gradient_checkpointing=False, use_cpu=True, bf16=False, logging_steps=1,
                     save_strategy="no", report_to="none", seed=cfg.seed, model_init_kwargs={"dtype": "float32"})
    trainer = SFTTrainer(model=str(model), args=args, train_dataset=dataset, processing_class=tokenizer,
                         callbacks=[timer])
    trainer.train()
    return timer.step_times()


def main_bench() -> None:
    ap = argparse.ArgumentParser(allow_abbrev=False, description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--steps", type=int, default=12)
    ap.add_argument("--samples", type=int, default=96)
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="limo-train-bench-"))
    model = build_tiny_model(work / "model")
    data = write_toy_chains(work / "chains.jsonl", a.samples, seed=7)
    times: dict[str, list[tuple[float, float]]] = {"plain TRL": [], "limo token": [], "limo sequence": []}
    for r in range(a.repeats):
        times["plain TRL"] += run_plain(limo_cfg(model, data, work / f"plain{r}", a.steps, "token"), model)
        times["limo token"] += run_limo(limo_cfg(model, data, work / f"tok{r}", a.steps, "token"))
        times["limo sequence"] += run_limo(limo_cfg(model, data, work / f"seq{r}", a.steps, "sequence"))
    med = {name: [statistics.median(t[i] for t in ts) for i in (0, 1)] for name, ts in times.items()}
    mean = {name: statistics.mean(t[0] for t in ts) for name, ts in times.items()}
    base = med["plain TRL"]
    print(f"\n{a.repeats} x {a.steps} steps (first {WARMUP} dropped), global batch 8 = 1 x GA 8, tiny Qwen2, CPU")
    print(f"{'':16}{'wall median':>12}{'ratio':>8}{'cpu median':>12}{'ratio':>8}{'wall mean':>11}{'ratio':>8}  s/step")
    for name, (wall, cpu) in med.items():
        print(f"{name:16}{wall:12.4f}{wall / base[0]:8.3f}{cpu:12.4f}{cpu / base[1]:8.3f}"
              f"{mean[name]:11.4f}{mean[name] / mean['plain TRL']:8.3f}")
    for i, kind in enumerate(("wall", "cpu")):
        worst = max(m[i] for name, m in med.items() if name != "plain TRL") / base[i]
        print(f"limo train / plain TRL, median {kind} time per step: {worst:.3f}x  (goal <= 1.05x)")
    print(f"[{work}]")

if __name__ == "__main__":
    main_bench()

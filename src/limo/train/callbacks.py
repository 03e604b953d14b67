"""What a run writes as it trains: metrics JSONL, a loss-curve PNG, weights-only epoch snapshots.

- `metrics.jsonl`: one row per logged step (crash-safe appends). On resume the rows past the checkpoint
  (written by the killed run and about to be redone) are cut, so the file reads as one clean run.
- `loss.png`: redrawn every `plot_every` logged steps and at the end.
- `epoch-N/`: model + tokenizer after each epoch, loadable by transformers and vLLM. LIMO saved all 15
  epochs and released the best by evaluation (epoch 9); `limo eval` picks among these.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from limo.jsonl import JsonlAppender, read_jsonl, write_jsonl

METRICS = "metrics.jsonl"
PLOT = "loss.png"


class MetricsCallback(TrainerCallback):
    """Appends every log row to metrics.jsonl and keeps loss.png current (main process only)."""

    def __init__(self, out_dir: Path, plot_every: int = 10):
        self.path = Path(out_dir) / METRICS
        self.plot_path = Path(out_dir) / PLOT
        self.plot_every = plot_every
        self._logged = 0
        self._appender: JsonlAppender | None = None

    def on_train_begin(self, args, state, control, **kwargs: Any) -> None:
        if not state.is_world_process_zero:
            return
        if self.path.exists():  # resumed (or restarted): keep only rows up to where training continues
            rows = [r for r in read_jsonl(self.path) if r.get("step", 0) <= state.global_step]
            write_jsonl(self.path, rows)
        self._appender = JsonlAppender(self.path)

    def on_log(self, args, state, control, logs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        if not state.is_world_process_zero or self._appender is None or not logs:
            return
        self._appender.append({"step": state.global_step, "epoch": state.epoch, **logs})
        self._logged += 1
        if self._logged % self.plot_every == 0:
            plot_losses(self.path, self.plot_path)

    def on_train_end(self, args, state, control, **kwargs: Any) -> None:
        if self._appender is not None:
            self._appender.close()
            self._appender = None
            plot_losses(self.path, self.plot_path)


class EpochSnapshotCallback(TrainerCallback):
    """Saves weights only (no optimizer state) to epoch-N/ at the end of every epoch.

    Goes through `trainer.save_model`, which gathers ZeRO-3 / FSDP shards, so every rank must call it.
    """

    def __init__(self, out_dir: Path):
        self.out_dir = Path(out_dir)
        self.trainer: Any = None  # set once the trainer exists

    def on_epoch_end(self, args, state, control, **kwargs: Any) -> None:
        epoch = round(state.epoch or 0)
        whole = abs((state.epoch or 0) - epoch) < 1e-4  # not when max_steps stopped mid-epoch
        if self.trainer is not None and epoch > 0 and whole:
            self.trainer.save_model(str(self.out_dir / f"epoch-{epoch}"))


def plot_losses(metrics_path: Path, png_path: Path) -> None:
    """Training loss (and learning rate) against step, from metrics.jsonl."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in read_jsonl(metrics_path) if "loss" in r]
    if not rows:
        return
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot([r["step"] for r in rows], [r["loss"] for r in rows], color="tab:blue", label="train loss")
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("loss")
    ax.grid(alpha=0.3)
    if any("learning_rate" in r for r in rows):
        lr = ax.twinx()
        lr.plot([r["step"] for r in rows], [r.get("learning_rate", 0) for r in rows], color="tab:orange",
                alpha=0.6, label="learning rate")
        lr.set_ylabel("learning rate")
    ax.set_title(f"{png_path.parent.name}: loss {rows[0]['loss']:.3f} -> {rows[-1]['loss']:.3f}")
    fig.tight_layout()
    tmp = png_path.with_name(f".{png_path.name}.tmp.png")
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    tmp.replace(png_path)

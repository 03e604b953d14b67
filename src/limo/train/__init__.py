"""`limo train`: LIMO's SFT recipe on TRL's SFTTrainer, from one CPU to many GPU nodes.

    from limo.train import TrainConfig, main as train_main
    final_model_dir = train_main(TrainConfig(model="tiny", data="chains.jsonl", output_dir="runs/x"))

`main` is imported lazily so importing the config stays light (no torch).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from limo.train.config import TrainConfig


def main(cfg: TrainConfig, callbacks: Sequence[Any] = ()) -> Path:
    """Run one training recipe; returns the final model's folder. See limo.train.run.main."""
    from limo.train.run import main as _main

    return _main(cfg, callbacks)


__all__ = ["TrainConfig", "main"]

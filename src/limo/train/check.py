"""`limo train RECIPE --check`: everything about a training run that can be known without a GPU.

Checks that each data source resolves (a file here, or a hub id), that the model's positions cover
`max_length` and that it has a chat template (when its files are local or cached), and, for data on
disk with a local tokenizer, renders and tokenises every row exactly as training will, counting the
rows over `max_length` and the tokens to train. Adds a "train" stage to the plan.
"""

from __future__ import annotations

import math
from pathlib import Path

from limo.check import CheckReport, StagePlan
from limo.errors import LimoError
from limo.model_files import is_local_path, read_model_files
from limo.train.config import TINY_MODEL, TrainConfig

DATA_SUFFIXES = (".jsonl", ".json")
TINY_POSITIONS = 4096  # limo.tiny.build_tiny_model's max_position_embeddings


def check_train(cfg: TrainConfig, report: CheckReport, source: str, *,
                pending: dict[str, int] | None = None, stage: str = "train") -> StagePlan:
    """Check `cfg` (from `source`) into `report`; `pending` maps data files that an earlier stage will
    write to their expected row count (e.g. curate's selection: top_n)."""
    plan = report.stage(stage)
    pending = pending or {}
    local, missing_rows = _check_data(cfg, report, source, plan, pending)
    tokenizer = _check_model(cfg, report, source, plan)
    rows, tokens = None, None
    if local and not missing_rows and tokenizer is not None:
        rows, tokens = _tokenise(cfg, report, source, plan, tokenizer)
    elif local and not missing_rows:
        report.note(source, f"training data not tokenised: no local tokenizer for {cfg.model}")
    if rows is None:
        rows = sum(pending.get(p, 0) for p in cfg.data_paths) or None
    _plan(cfg, plan, rows, tokens)
    return plan


def _check_data(cfg: TrainConfig, report: CheckReport, source: str, plan: StagePlan,
                pending: dict[str, int]) -> tuple[bool, bool]:
    """(all sources are local files, some come from an earlier stage)."""
    all_local, from_earlier = True, False
    for path in cfg.data_paths:
        if path in pending:  # the caller (limo run) says where it comes from
            from_earlier = True
        elif Path(path).exists():
            plan.line(f"data: {path}")
        elif Path(path).suffix in DATA_SUFFIXES or is_local_path(path):
            report.problem(source, f"data: {path}: no such file")
            all_local = False
        else:
            plan.line(f"data: {path} (hub dataset)")
            report.note(source, f"data {path}: a hub dataset, not checked: not local")
            all_local = False
    return all_local, from_earlier


def _check_model(cfg: TrainConfig, report: CheckReport, source: str, plan: StagePlan):
    """Check positions and chat template; returns a tokenizer when one is available without download."""
    if cfg.model == TINY_MODEL:
        if cfg.max_length > TINY_POSITIONS:
            report.problem(source, f"max_length: {cfg.max_length} exceeds the tiny model's {TINY_POSITIONS} "
                                   "positions")
        from limo.tiny import build_tokenizer

        return build_tokenizer()
    files = read_model_files(cfg.model)
    if files is None:
        if is_local_path(cfg.model):
            report.problem(source, f"model: {cfg.model}: no such folder (or no config.json in it)")
        else:
            report.note(source, f"model {cfg.model}: positions and chat template not checked: not local")
        return None
    if files.positions is not None and cfg.max_length > files.positions:
        report.problem(source, f"max_length: {cfg.max_length} exceeds {cfg.model}'s {files.positions} positions "
                               f"(max_position_embeddings in {files.where}/config.json)")
    if not files.chat_template:
        report.problem(source, f"model: {cfg.model} has no chat template (training renders every row through it)")
        return None
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(files.where)


def _tokenise(cfg: TrainConfig, report: CheckReport, source: str, plan: StagePlan,
              tokenizer) -> tuple[int | None, int | None]:
    """Render and tokenise every row as training will; (rows kept, tokens per epoch)."""
    from limo.train.data import build_dataset

    counting = cfg.model_copy(update={"overflow": "drop"})  # count over-length rows instead of stopping
    try:
        _, data = build_dataset(counting, tokenizer)
    except LimoError as e:
        report.problem(source, f"training data: {e}")
        return None, None
    over = len(data.dropped_overlength)
    plan.line(f"rows: {data.rows:,}, over max_length={cfg.max_length}: {over:,}"
              + (f" (dropped: overflow=drop), trained: {data.kept:,}" if over and cfg.overflow == "drop" else ""))
    if over and cfg.overflow == "error":
        shown = "; ".join(data.dropped_overlength[:3])
        report.problem(source, f"{over} row(s) longer than max_length={cfg.max_length} with overflow=error "
                               f"(e.g. {shown}); raise max_length or set overflow=drop")
    return data.kept, sum(data.tokens)


def _plan(cfg: TrainConfig, plan: StagePlan, rows: int | None, tokens: int | None) -> None:
    plan.line(f"model: {cfg.model}; lr {cfg.learning_rate:g} {cfg.lr_scheduler}, {cfg.epochs:g} epochs, "
              f"global batch {cfg.global_batch_size}, max_length {cfg.max_length}")
    if rows is None:
        plan.line("steps: unknown until the data is local")
        return
    steps = math.ceil(rows / cfg.global_batch_size)
    total = steps * math.ceil(cfg.epochs) if cfg.max_steps < 0 else cfg.max_steps
    plan.line(f"steps: {steps} per epoch, {total} in all")
    if tokens is None:  # rows known (an earlier stage's output), their lengths not: bound by max_length
        tokens = rows * cfg.max_length
        plan.estimate_exact = False
    plan.train_tokens += int(tokens * cfg.epochs)

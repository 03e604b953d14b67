"""Per-sequence loss normalisation on top of TRL's SFTTrainer (train.md §7.4).

TRL/transformers normalise the loss per *token* over the whole optimizer step (every rank, every
accumulation micro-batch): a 16k-token chain then weighs 16x a 1k-token one. LIMO trained under
LLaMA-Factory with micro-batch 1, GA 1 and transformers <=4.48, where each rank took its sample's token
mean and DDP averaged the ranks: the *mean of per-sample means*, every sample weighing the same.

`loss_normalization="sequence"` reproduces that for any layout. `num_items_in_batch` (which Trainer
computes once per optimizer step over all micro-batches, and all ranks) becomes the number of *sequences*
instead of tokens, and each micro-batch contributes sum(per-sequence mean) / num_sequences. One batch of 4,
4 accumulated batches of 1, a padding-free row of 4, or 2 ranks x 2 give the same gradient.
`"token"` leaves TRL's own loss untouched.
"""

from __future__ import annotations

from typing import Any

import torch
from trl import SFTTrainer


def sequence_ids(batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """An id per (row, sequence) for every position: padding-free rows hold several sequences, each
    starting where position_ids restart at 0; a padded row holds one."""
    labels = batch["labels"]
    rows = torch.arange(labels.size(0), device=labels.device).unsqueeze(1) * (labels.size(1) + 1)
    if "position_ids" in batch and "attention_mask" not in batch:
        return rows + (batch["position_ids"] == 0).cumsum(-1)
    return rows.expand_as(labels)


def count_sequences(batch: dict[str, torch.Tensor]) -> int:
    """Sequences in a collated batch that have at least one trained (next-token) label."""
    seg = sequence_ids(batch)[:, 1:]
    return int(seg[batch["labels"][:, 1:] != -100].unique().numel())


def per_sequence_sum(per_token: torch.Tensor, mask: torch.Tensor, seg: torch.Tensor) -> torch.Tensor:
    """Sum over sequences of each sequence's mean per-token loss (`per_token` is zero where masked)."""
    _, index = seg.reshape(-1).unique(return_inverse=True)
    k = int(index.max()) + 1
    sums = per_token.new_zeros(k).index_add(0, index, per_token.reshape(-1))
    counts = per_token.new_zeros(k).index_add(0, index, mask.reshape(-1).to(per_token.dtype))
    has = counts > 0
    return (sums[has] / counts[has]).sum()


class LimoSFTTrainer(SFTTrainer):
    """SFTTrainer with a choice of loss normalisation: "token" (TRL's) or "sequence" (LIMO's)."""

    def __init__(self, *args: Any, loss_normalization: str = "sequence", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.loss_normalization = loss_normalization
        if loss_normalization == "sequence":
            # compute_loss divides by the step's sequence count, so Trainer must not divide by GA again
            # (it would for models whose forward takes no loss kwargs, e.g. some PEFT wrappers).
            self.loss_is_scaled_for_ga = True

    def _get_num_items_in_batch(self, batch_samples: list, device: torch.device) -> Any:
        if self.loss_normalization == "token" or not batch_samples or "labels" not in batch_samples[0]:
            return super()._get_num_items_in_batch(batch_samples, device)
        n = torch.tensor(sum(count_sequences(b) for b in batch_samples), device=device)
        if self.args.average_tokens_across_devices and self.args.world_size > 1:
            n = self.accelerator.gather(n).sum()
        return n

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        if self.loss_normalization == "token" or return_outputs:  # (return_outputs: eval with logits only)
            return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        inputs["use_cache"] = False  # packed rows are only detected without a cache (train.md §7.3)
        outputs = model(**inputs, fused_lm_head=True)
        seg = sequence_ids(inputs)[:, 1:]
        total = per_sequence_sum(-outputs.log_probs, outputs.label_mask, seg)
        if num_items_in_batch is None:  # evaluation: this batch alone
            num_items_in_batch = count_sequences(inputs)
        loss = total / torch.as_tensor(num_items_in_batch).clamp(min=1)
        if self.args.average_tokens_across_devices and self.args.world_size > 1:
            loss = loss * self.accelerator.num_processes  # DDP averages gradients over ranks
        self._record_metrics(inputs, outputs)
        return loss

    def _record_metrics(self, inputs: dict[str, torch.Tensor], outputs: Any) -> None:
        """The metrics TRL's compute_loss logs (token accuracy, entropy, tokens seen), kept for parity."""
        mode = "train" if self.model.training else "eval"
        gather = self.accelerator.gather_for_metrics
        valid = gather(outputs.label_mask.sum()).sum()
        if outputs.is_top1 is not None:
            acc = gather(outputs.is_top1.sum()).sum() / valid.clamp(min=1)
            self._metrics[mode]["mean_token_accuracy"].append(acc.item())
        if outputs.entropy is not None:
            ent = gather(outputs.entropy.detach().sum()).sum() / valid.clamp(min=1)
            self._metrics[mode]["entropy"].append(ent.item())
        if mode == "train":
            local = inputs["attention_mask"].sum() if "attention_mask" in inputs else \
                torch.tensor(inputs["position_ids"].size(1), device=inputs["position_ids"].device)
            self._total_train_tokens += gather(local).sum().item()
        self._metrics[mode]["num_tokens"] = [self._total_train_tokens]

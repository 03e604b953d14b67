"""transformers `generate`: greedy requests in batches of equal-length prompts, sampled ones one per call.

Sampled requests run one per call (no padding, no batch): every sample is then a pure function of its
seed and prompt, so resumed runs reproduce uninterrupted ones exactly.

Greedy requests (temperature 0) are batched, `GREEDY_BATCH` at a time, grouped by prompt length and
token budget, so a batch needs no padding and every row sees exactly the positions and attention it
would alone. What holds: the same requests give the same completions (the batches are a function of
the request list). What may not: a greedy row's logits can differ from a one-at-a-time run's in the last
float bits (CPU matmuls block by batch size), so a resumed run, which batches the remaining requests
differently, can differ from an uninterrupted one where two tokens tie to within rounding. Measured on
the demo's 1 M-parameter model (2026-12-02, 1 thread, load 5.7): 100 greedy answers of up to 160 tokens
in 5.0 s batched against 69.9 s one at a time, all 100 texts identical.

This backend is for CPU tests, tiny models and debugging. Use `vllm` for real evaluations.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from limo.generate.backends import Backend, Completion, Request

GREEDY_BATCH = 64  # rows per greedy generate call: large enough to amortise a tiny model's per-step overhead


class HFBackend(Backend):
    name = "hf"

    def __init__(self, cfg: Any):
        super().__init__(cfg)
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        dtype = "auto" if cfg.dtype == "auto" else getattr(torch, cfg.dtype)
        self.tokenizer = AutoTokenizer.from_pretrained(cfg.tokenizer or cfg.model,
                                                       trust_remote_code=cfg.trust_remote_code)
        self.lm = AutoModelForCausalLM.from_pretrained(cfg.model, dtype=dtype,
                                                       trust_remote_code=cfg.trust_remote_code)
        self.lm.eval()
        if self.max_model_len is None:
            self.max_model_len = getattr(self.lm.config, "max_position_embeddings", None)
        eos = self.lm.generation_config.eos_token_id
        eos = eos if eos is not None else self.tokenizer.eos_token_id
        self.eos_ids = set(eos if isinstance(eos, list) else [eos]) - {None}

    def complete(self, requests: list[Request]) -> Iterator[tuple[int, Completion]]:
        ids = [self._ids(r) for r in requests]
        groups: dict[tuple[int, int], list[int]] = {}
        for i, r in enumerate(requests):
            if r.temperature == 0:
                groups.setdefault((len(ids[i]), r.max_tokens), []).append(i)
        for (_, max_tokens), members in sorted(groups.items()):
            for start in range(0, len(members), GREEDY_BATCH):
                batch = members[start:start + GREEDY_BATCH]
                rows = self._generate([ids[i] for i in batch], max_tokens, {"do_sample": False})
                yield from ((i, self._completion(new, len(ids[i]))) for i, new in zip(batch, rows))
        for i, r in enumerate(requests):
            if r.temperature > 0:
                yield i, self._sample(r, ids[i])

    def _ids(self, r: Request) -> list[int]:
        if r.prompt_token_ids is not None:
            return list(r.prompt_token_ids)
        return self.tokenizer(r.prompt, add_special_tokens=False)["input_ids"]

    def _sample(self, r: Request, ids: list[int]) -> Completion:
        import torch

        torch.manual_seed(r.seed)
        kwargs = dict(do_sample=True, temperature=r.temperature, top_p=r.top_p, top_k=r.top_k if r.top_k > 0 else 0)
        return self._completion(self._generate([ids], r.max_tokens, kwargs)[0], len(ids))

    def _generate(self, rows: list[list[int]], max_tokens: int, kwargs: dict[str, Any]) -> list[list[int]]:
        """New tokens per row (equal-length rows: no padding). A row that stopped early is padded after its
        stop token by `generate`; `_completion` cuts there."""
        import torch

        with torch.inference_mode():
            out = self.lm.generate(torch.tensor(rows), attention_mask=torch.ones(len(rows), len(rows[0]),
                                                                                 dtype=torch.long),
                                   max_new_tokens=max_tokens, eos_token_id=sorted(self.eos_ids) or None,
                                   pad_token_id=self.tokenizer.pad_token_id or next(iter(self.eos_ids), 0),
                                   **kwargs)
        return [row[len(rows[0]):] for row in out.tolist()]

    def _completion(self, new: list[int], prompt_tokens: int) -> Completion:
        stop = next((j for j, t in enumerate(new) if t in self.eos_ids), None)
        if stop is not None:
            new = new[:stop + 1]
        text_ids = new[:-1] if stop is not None else new  # like vLLM: the stop token is counted, not shown
        return Completion(text=self.tokenizer.decode(text_ids, skip_special_tokens=True),
                          finish_reason="stop" if stop is not None else "length",
                          completion_tokens=len(new), prompt_tokens=prompt_tokens)

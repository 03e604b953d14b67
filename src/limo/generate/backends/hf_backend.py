"""transformers `generate`, one sample per call.

One sample per call (no padding, no batch) keeps every sample a pure function of its seed and
prompt, so resumed runs reproduce uninterrupted ones exactly. That is slow for big models; this
backend is for CPU tests, tiny models and debugging. Use `vllm` for real evaluations.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from limo.generate.backends import Backend, Completion, Request


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
        import torch

        for i, r in enumerate(requests):
            ids = r.prompt_token_ids
            if ids is None:
                ids = self.tokenizer(r.prompt, add_special_tokens=False)["input_ids"]
            torch.manual_seed(r.seed)
            sample = r.temperature > 0
            kwargs: dict[str, Any] = dict(max_new_tokens=r.max_tokens, do_sample=sample,
                                          pad_token_id=self.tokenizer.pad_token_id or next(iter(self.eos_ids), 0),
                                          eos_token_id=sorted(self.eos_ids) or None)
            if sample:
                kwargs.update(temperature=r.temperature, top_p=r.top_p, top_k=r.top_k if r.top_k > 0 else 0)
            with torch.inference_mode():
                out = self.lm.generate(torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                                       **kwargs)
            new = out[0, len(ids):].tolist()
            stopped = bool(new) and new[-1] in self.eos_ids
            text_ids = new[:-1] if stopped else new  # like vLLM: the stop token is counted, not shown
            yield i, Completion(text=self.tokenizer.decode(text_ids, skip_special_tokens=True),
                                finish_reason="stop" if stopped else "length",
                                completion_tokens=len(new), prompt_tokens=len(ids))

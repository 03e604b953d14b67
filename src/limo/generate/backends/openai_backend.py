"""Any OpenAI-compatible server: `vllm serve`, SGLang, hosted APIs.

At most `concurrency` requests are in flight; failed requests (connection errors, timeouts, 429, 5xx)
are retried up to `max_retries` times with exponential backoff and jitter. Client errors (400: bad
parameters, context too long) are not retried: they would fail again.

`openai_mode=chat` sends the chat messages and lets the server apply the template;
`openai_mode=completions` sends the prompt limo rendered (needed for budget forcing, which continues a
partial response). With a tokenizer (`tokenizer`, or `model` when it is a local folder) prompts are
counted and `max_tokens` capped to the context left, like the other backends.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from limo.errors import LimoError
from limo.generate.backends import Backend, Completion, Request


class OpenAIBackend(Backend):
    name = "openai"
    backoff_base = 0.5  # seconds before the first retry; doubles each time (max 60 s), with jitter

    def __init__(self, cfg: Any, http_client: Any = None):
        super().__init__(cfg)
        import openai

        self._openai = openai
        self.client = openai.OpenAI(base_url=cfg.base_url, api_key=os.environ.get(cfg.api_key_env) or "EMPTY",
                                    max_retries=0, timeout=cfg.request_timeout, http_client=http_client)
        tok = cfg.tokenizer or (cfg.model if Path(cfg.model).is_dir() else None)
        if tok is not None:
            from transformers import AutoTokenizer

            self.tokenizer = AutoTokenizer.from_pretrained(tok, trust_remote_code=cfg.trust_remote_code)
        if self.max_model_len is None:
            self.max_model_len = self._served_max_model_len()

    def _served_max_model_len(self) -> int | None:
        """vLLM and SGLang report `max_model_len` in /v1/models; hosted APIs do not."""
        models = self._with_retries(lambda: self.client.models.list())
        for m in models.data:
            if m.id == self.model:
                value = (m.model_extra or {}).get("max_model_len")
                return int(value) if value else None
        return None

    def _with_retries(self, call: Any) -> Any:
        oa = self._openai
        retryable = (oa.APIConnectionError, oa.APITimeoutError, oa.RateLimitError, oa.InternalServerError)
        for attempt in range(self.cfg.max_retries + 1):
            try:
                return call()
            except retryable as e:
                if attempt == self.cfg.max_retries:
                    raise LimoError(f"openai backend: {self.cfg.base_url}: giving up after "
                                    f"{attempt + 1} attempts: {e}") from None
                time.sleep(min(60.0, self.backoff_base * 2 ** attempt) * (0.5 + random.random()))
            except oa.APIStatusError as e:
                raise LimoError(f"openai backend: {self.cfg.base_url}: {e}") from None
        raise AssertionError("unreachable")

    def _one(self, r: Request) -> Completion:
        common: dict[str, Any] = dict(model=self.model, max_tokens=r.max_tokens, temperature=r.temperature,
                                      top_p=r.top_p if r.temperature > 0 else 1.0, seed=r.seed, n=1)
        if r.top_k > 0:
            common["extra_body"] = {"top_k": r.top_k}
        if self.cfg.openai_mode == "chat" and r.messages is not None:
            resp = self._with_retries(lambda: self.client.chat.completions.create(messages=r.messages, **common))
            choice = resp.choices[0]
            text = choice.message.content or ""
        else:
            resp = self._with_retries(lambda: self.client.completions.create(prompt=r.prompt, **common))
            choice = resp.choices[0]
            text = choice.text or ""
        usage = resp.usage
        return Completion(text=text, finish_reason=choice.finish_reason,
                          completion_tokens=usage.completion_tokens if usage else None,
                          prompt_tokens=usage.prompt_tokens if usage else None)

    def complete(self, requests: list[Request]) -> Iterator[tuple[int, Completion]]:
        with ThreadPoolExecutor(max_workers=self.cfg.concurrency) as pool:
            futures = {pool.submit(self._one, r): i for i, r in enumerate(requests)}
            try:
                for fut in as_completed(futures):
                    yield futures[fut], fut.result()
            finally:  # stop early: drop what has not started
                for fut in futures:
                    fut.cancel()

    def close(self) -> None:
        self.client.close()

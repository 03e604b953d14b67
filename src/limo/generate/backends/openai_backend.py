"""Any OpenAI-compatible server: `vllm serve`, SGLang, hosted APIs (DeepSeek, OpenAI, ...).

- **Streaming, stall detection.** Every request is streamed, so a server that stops sending is noticed
  after `stall_timeout` seconds without a byte, however long a healthy 32k-token answer takes.
- **Retries are the openai client's own** (`max_retries`): connection errors, timeouts before the reply
  starts, 408/409/429 and 5xx, with its backoff and the server's `Retry-After`. Other 4xx (bad
  parameters, context too long) are not retried. A reply that stalls or breaks off mid-stream, or is
  malformed (no choices, not a completion), is requested again up to `max_retries` more times.
- **Nothing paid for is lost.** When a request finally fails, no new request starts, the ones in flight
  finish and their samples are handed back (saved), then a clean error naming the server is raised;
  rerunning the command resumes.
- **Reasoning models** (DeepSeek API `reasoning_content`, vLLM's reasoning parser `reasoning`): the
  chain is kept, as `<think>\\n{reasoning}\\n</think>\\n\\n{answer}`.

`openai_mode=chat` sends the chat messages and lets the server apply the template;
`openai_mode=completions` sends the prompt limo rendered (needed for budget forcing, which continues a
partial response). With a tokenizer (`tokenizer`, or `model` when it is a local folder) prompts are
counted and `max_tokens` capped to the context left, like the other backends.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from limo.errors import LimoError
from limo.generate.backends import Backend, Completion, Request

CONNECT_TIMEOUT = 30.0  # seconds to open a connection (a server that is up accepts at once)


class ReplyError(Exception):
    """A reply that cannot be used (stalled, cut off, malformed): worth asking again."""


class OpenAIBackend(Backend):
    name = "openai"

    def __init__(self, cfg: Any, http_client: Any = None):
        super().__init__(cfg)
        import httpx
        import openai

        self._openai = openai
        key = os.environ.get(cfg.api_key_env)
        if not key:
            print(f"limo: warning: ${cfg.api_key_env} is not set; sending no API key ('EMPTY'), which only "
                  f"a server without authentication ({cfg.base_url}?) accepts", file=sys.stderr)
        timeout = httpx.Timeout(cfg.stall_timeout, connect=CONNECT_TIMEOUT)  # read = the stall limit
        self.client = openai.OpenAI(base_url=cfg.base_url, api_key=key or "EMPTY", max_retries=cfg.max_retries,
                                    timeout=timeout, http_client=http_client)
        tok = cfg.tokenizer or (cfg.model if Path(cfg.model).is_dir() else None)
        if tok is not None:
            from transformers import AutoTokenizer

            self.tokenizer = AutoTokenizer.from_pretrained(tok, trust_remote_code=cfg.trust_remote_code)
        if self.max_model_len is None:
            self.max_model_len = self._served_max_model_len()

    def _fail(self, what: str) -> LimoError:
        return LimoError(f"openai backend: {self.cfg.base_url}: {what}")

    def _served_max_model_len(self) -> int | None:
        """vLLM and SGLang report `max_model_len` in /v1/models; hosted APIs do not."""
        try:
            models = self.client.models.list()
        except self._openai.APIError as e:
            raise self._fail(f"cannot list models: {e}") from None
        for m in getattr(models, "data", None) or []:
            if getattr(m, "id", None) == self.model:
                value = (m.model_extra or {}).get("max_model_len")
                return int(value) if value else None
        return None

    def _one(self, r: Request) -> Completion:
        """One request; a reply that stalls, breaks off or is malformed is asked for again."""
        oa = self._openai
        for _ in range(self.cfg.max_retries + 1):
            try:
                return self._stream(r)
            except ReplyError as e:
                problem = str(e)
            except oa.APIStatusError as e:  # the client has retried what is worth retrying
                retried = e.status_code in (408, 409, 429) or e.status_code >= 500
                tries = f" after {self.cfg.max_retries + 1} attempts" if retried else ""
                raise self._fail(f"HTTP {e.status_code}{tries}: {e.message}") from None
            except oa.APIError as e:  # connection refused / no reply, after the client's retries
                raise self._fail(f"{e} (after {self.cfg.max_retries + 1} attempts; stall_timeout "
                                 f"{self.cfg.stall_timeout:g} s)") from None
        raise self._fail(f"giving up after {self.cfg.max_retries + 1} attempts: {problem}")

    def _stream(self, r: Request) -> Completion:
        common: dict[str, Any] = dict(model=self.model, max_tokens=r.max_tokens, temperature=r.temperature,
                                      top_p=r.top_p if r.temperature > 0 else 1.0, seed=r.seed, n=1, stream=True,
                                      stream_options={"include_usage": True})
        if r.top_k > 0:
            common["extra_body"] = {"top_k": r.top_k}
        if self.cfg.openai_mode == "chat" and r.messages is not None:
            chunks = self.client.chat.completions.create(messages=r.messages, **common)
        else:
            chunks = self.client.completions.create(prompt=r.prompt, **common)
        reply = _Reply()
        try:  # errors while the reply streams in: the client does not retry these, _one does
            for chunk in chunks:
                reply.add(chunk.to_dict(warnings=False) if hasattr(chunk, "to_dict") else chunk)
        except self._openai.APITimeoutError:
            raise ReplyError(f"no data for {self.cfg.stall_timeout:g} s (stall_timeout): the server stalled")
        except (self._openai.APIError, ValueError) as e:
            raise ReplyError(f"the reply broke off: {e}") from None
        finally:
            chunks.close()
        return reply.completion()

    def complete(self, requests: list[Request]) -> Iterator[tuple[int, Completion]]:
        """Yield completions as they finish; after a failure, finish (and yield) what is in flight."""
        pool = ThreadPoolExecutor(max_workers=self.cfg.concurrency)
        futures: dict[Future, int] = {pool.submit(self._one, r): i for i, r in enumerate(requests)}
        failure: BaseException | None = None
        try:
            for fut in as_completed(futures):
                if fut.cancelled():
                    continue
                if fut.exception() is not None:
                    if failure is None:  # stop starting requests; those running still finish
                        failure = fut.exception()
                        for other in futures:
                            other.cancel()
                    continue
                yield futures[fut], fut.result()
        finally:  # on an early stop (Ctrl-C, the caller's error) do not wait for a slow server
            pool.shutdown(wait=failure is not None, cancel_futures=True)
        if failure is not None:
            if isinstance(failure, LimoError):
                raise LimoError(f"{failure}; the samples that finished were saved: rerun to resume") from None
            raise failure

    def close(self) -> None:
        self.client.close()


class _Reply:
    """A streamed completion put back together from its chunks (plain dicts, checked as they come)."""

    def __init__(self) -> None:
        self.content: list[str] = []
        self.reasoning: list[str] = []
        self.finish: str | None = None
        self.usage: dict | None = None
        self.choices = 0

    def add(self, chunk: Any) -> None:
        if not isinstance(chunk, dict) or not isinstance(chunk.get("choices", []), list):
            raise ReplyError(f"malformed reply chunk: {str(chunk)[:200]}")
        if isinstance(chunk.get("usage"), dict):
            self.usage = chunk["usage"]
        for choice in chunk.get("choices") or []:
            if not isinstance(choice, dict):
                raise ReplyError(f"malformed choice: {str(choice)[:200]}")
            self.choices += 1
            delta = choice.get("delta")
            if isinstance(delta, dict):  # chat; vLLM calls the chain `reasoning`, DeepSeek `reasoning_content`
                self.content.append(delta.get("content") or "")
                self.reasoning.append(delta.get("reasoning_content") or delta.get("reasoning") or "")
            else:  # completions
                self.content.append(choice.get("text") or "")
            self.finish = choice.get("finish_reason") or self.finish

    def completion(self) -> Completion:
        if not self.choices:
            raise ReplyError("the reply has no choices (not an OpenAI-compatible completion?)")
        if self.finish is None:
            raise ReplyError("the reply ended without a finish_reason (cut off)")
        text, reasoning = "".join(self.content), "".join(self.reasoning).strip("\n")
        if reasoning:
            text = f"<think>\n{reasoning}\n</think>\n\n{text.lstrip()}"
        usage = self.usage or {}
        return Completion(text=text, finish_reason=self.finish, completion_tokens=usage.get("completion_tokens"),
                          prompt_tokens=usage.get("prompt_tokens"))

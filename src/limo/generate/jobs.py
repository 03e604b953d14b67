"""One sample in the making: prompt rendering, the context cap, per-sample seeds, budget forcing.

A `Job` becomes one `Sample`. Without budget forcing it takes one backend call. With it (s1-style
test-time scaling) it may take several rounds, each continuing the prompt + the response so far:
- `min_thinking_tokens`: the model stopped before this many tokens -> append `wait_string` and go on
  (at most `max_waits` times);
- `max_thinking_tokens`: thinking hit this many tokens -> append `final_answer_string` (which opens
  `\\boxed{`) and give the model `answer_tokens` more tokens to finish the answer.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from limo.errors import LimoError
from limo.generate.backends import Completion, Request
from limo.records import Problem, Sample


def sample_seed(base: int, problem_id: str, index: int) -> int:
    """A 31-bit seed that depends only on (run seed, problem, sample index): batch- and resume-proof."""
    digest = hashlib.sha256(f"limo-sample\0{base}\0{problem_id}\0{index}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def build_messages(problem: str, system_prompt: str | None) -> list[dict[str, str]]:
    messages = [{"role": "system", "content": system_prompt}] if system_prompt else []
    return messages + [{"role": "user", "content": problem}]


def render(tokenizer: Any, messages: list[dict[str, str]]) -> tuple[str, list[int]]:
    """The model's own chat template with a generation prompt; never hand-written ChatML."""
    if not getattr(tokenizer, "chat_template", None):
        raise LimoError("the model's tokenizer has no chat template; limo renders prompts only through one "
                        "(set `tokenizer` to a tokenizer folder that has a chat_template)")
    text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    return text, encode(tokenizer, text)


def encode(tokenizer: Any, text: str) -> list[int]:
    return list(tokenizer(text, add_special_tokens=False)["input_ids"])


@dataclass
class Job:
    problem: Problem
    index: int
    seed: int
    messages: list[dict[str, str]]
    prompt: str
    prompt_ids: list[int] | None
    cap: int  # most new tokens this sample may have (asked max_tokens capped to the context left)
    capped: bool
    text: str = ""
    tokens: int = 0
    finish: str | None = None
    rounds: int = 0
    waits: int = 0
    forced: bool = False
    prompt_tokens: int | None = None
    suffix: str = ""  # the budget-forcing text appended last, taken back if no room is left to continue

    @classmethod
    def make(cls, problem: Problem, index: int, cfg: Any, tokenizer: Any, max_model_len: int | None,
             cache: dict | None = None) -> "Job":
        """`cache` (problem id -> rendered prompt) renders each problem once for its n samples."""
        messages = build_messages(problem.problem, cfg.system_prompt)
        if cache is not None and problem.id in cache:
            prompt, ids = cache[problem.id]
        else:
            prompt, ids = render(tokenizer, messages) if tokenizer is not None else ("", None)
            if cache is not None:
                cache[problem.id] = (prompt, ids)
        cap, capped = cfg.max_tokens, False
        if ids is not None and max_model_len is not None and len(ids) + cap > max_model_len:
            cap, capped = max_model_len - len(ids), True  # never truncate the prompt: shorten the answer
        return cls(problem, index, sample_seed(cfg.seed, problem.id, index), messages, prompt, ids,
                   max(cap, 0), capped, prompt_tokens=len(ids) if ids is not None else None)

    def request(self, cfg: Any, tokenizer: Any, max_model_len: int | None) -> Request | None:
        """The next backend call, or None when there is no room left to generate."""
        ids = self.prompt_ids
        if self.rounds and tokenizer is not None:
            ids = encode(tokenizer, self.prompt + self.text)
        if self.forced:
            limit = cfg.answer_tokens
        else:
            limit = self.cap - self.tokens
            if cfg.max_thinking_tokens:
                limit = min(limit, cfg.max_thinking_tokens - self.tokens)
        if ids is not None and max_model_len is not None:
            limit = min(limit, max_model_len - len(ids))
        if limit < 1:
            if self.suffix:  # no room to continue after "Wait"/final-answer text: do not leave it dangling
                self.text = self.text[:-len(self.suffix)]
                if self.forced:
                    self.forced = False
                else:
                    self.waits -= 1
                self.suffix = ""
            return None
        return Request(prompt=self.prompt + self.text, prompt_token_ids=ids,
                       messages=self.messages if not self.rounds else None, max_tokens=limit,
                       temperature=cfg.temperature, top_p=cfg.top_p, top_k=cfg.top_k,
                       seed=(self.seed + self.rounds) & 0x7FFFFFFF)

    def absorb(self, c: Completion, cfg: Any) -> bool:
        """Take one completion; True when the job needs another round (budget forcing)."""
        if self.prompt_tokens is None:  # no local tokenizer (openai chat): the server's count
            self.prompt_tokens = c.prompt_tokens
        self.text += c.text
        self.tokens += c.completion_tokens or 0
        self.finish = c.finish_reason
        self.rounds += 1
        self.suffix = ""
        if self.forced:
            return False
        if (cfg.min_thinking_tokens and c.finish_reason == "stop" and self.tokens < cfg.min_thinking_tokens
                and self.waits < cfg.max_waits):
            sep = "" if not self.text or self.text[-1].isspace() else "\n"
            self.suffix = sep + cfg.wait_string
            self.text += self.suffix
            self.waits += 1
            return True
        if cfg.max_thinking_tokens and c.finish_reason == "length" and self.tokens >= min(
                cfg.max_thinking_tokens, self.cap):
            self.suffix = cfg.final_answer_string
            self.text += self.suffix
            self.forced = True
            return True
        return False

    def to_sample(self, model: str, cfg: Any) -> Sample:
        meta: dict[str, Any] = {"temperature": cfg.temperature, "top_p": cfg.top_p}
        if self.prompt:
            meta["prompt_sha256"] = hashlib.sha256(self.prompt.encode()).hexdigest()[:16]
        if self.capped:
            meta["max_tokens_capped"] = True
        if cfg.min_thinking_tokens or cfg.max_thinking_tokens:
            meta["budget"] = {"waits": self.waits, "forced_answer": self.forced, "rounds": self.rounds}
        finish = self.finish if self.rounds else ("prompt_too_long" if self.cap < 1 else "length")
        return Sample(problem_id=self.problem.id, sample_index=self.index, response=self.text, model=model,
                      finish_reason=finish, prompt_tokens=self.prompt_tokens,
                      completion_tokens=self.tokens, max_tokens=self.cap, seed=self.seed,
                      meta=meta)

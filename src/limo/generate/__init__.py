"""Generation: n samples per problem from vLLM, transformers or an OpenAI-compatible server.

    from limo.generate import GenerateConfig, generate, get_backend
    cfg = GenerateConfig(model="path/or/hub-id", backend="vllm", n=4, temperature=0.7)
    with get_backend(cfg) as backend:            # start the engine once, reuse it
        samples = generate(problems, cfg, "samples.jsonl", backend=backend)

Prompts go through the model's chat template with the LIMO system prompt; each sample has its own
seed; `max_tokens` is capped to the context left (the prompt is never truncated); finish_reason and
token counts are recorded; `output` makes the run resumable per sample.
"""

from limo.generate.backends import BACKENDS, Backend, check_model, get_backend
from limo.generate.config import GenerateConfig
from limo.generate.runner import generate

__all__ = ["BACKENDS", "Backend", "GenerateConfig", "check_model", "generate", "get_backend"]

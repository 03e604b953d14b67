"""Checks of one generation engine's settings, shared by eval's and curate's `--check`.

Reads only the model's config.json / tokenizer config (local folder or HF cache): positions against
`max_model_len`, a chat template for chat rendering, and tensor-parallel size against visible GPUs.
"""

from __future__ import annotations

from limo.check import CheckReport, StagePlan, check_gpus
from limo.generate.config import GenerateConfig
from limo.model_files import is_local_path, read_model_files


def check_engine(gen: GenerateConfig, report: CheckReport, where: str, plan: StagePlan,
                 files_from: str | None = None, what: str = "model") -> None:
    """Check the engine `gen` describes. `files_from`: read the model files from this model instead
    (e.g. the base model of a model that a training stage has not written yet; same positions)."""
    if gen.backend == "openai":
        report.note(where, f"{what} {gen.model}: served at {gen.base_url}; the server is not contacted")
        return
    model = files_from or gen.model
    files = read_model_files(model)
    if files is None:
        if is_local_path(model) and files_from is None:
            report.problem(where, f"{what}: {model}: no such model folder (or no config.json in it)")
        else:
            report.note(where, f"{what} {model}: max_model_len and chat template not checked: not local")
    else:
        _check_context(gen, files.positions, report, where, plan, model, files.where)
        if gen.system_prompt is not None or gen.backend in ("vllm", "hf"):
            if not files.chat_template:
                report.problem(where, f"{what}: {model} has no chat template; prompts are rendered through it")
    if gen.backend == "vllm":
        check_gpus(report, where, gen.tensor_parallel_size, f"{what} {gen.model} (tensor_parallel_size)")


def _check_context(gen: GenerateConfig, positions: int | None, report: CheckReport, where: str,
                   plan: StagePlan, model: str, folder: str) -> None:
    if positions is None:
        return
    if gen.max_model_len is not None and gen.max_model_len > positions:
        report.problem(where, f"max_model_len: {gen.max_model_len} exceeds {model}'s {positions} positions "
                              f"({folder}/config.json); vLLM refuses it unless rope scaling is configured "
                              f"(set max_model_len <= {positions}, or add rope_scaling to the model config)")
        return
    context = gen.max_model_len or positions
    if gen.max_tokens >= context:
        plan.line(f"note: max_tokens {gen.max_tokens} + prompt exceeds the {context}-token context of {model}; "
                  f"each prompt's max_tokens is capped to the context left (recorded per sample)")

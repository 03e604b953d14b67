"""`limo curate run RECIPE --check`: the curation recipe resolved and costed before anything runs.

Checks every input (file present, or a hub id noted), every decontamination benchmark's data, and each
model-backed stage's engine (model files when local, tensor parallel vs visible GPUs). The plan says per
pipeline stage whether it is current (skipped) or runs, and bounds the generations of the difficulty
and chains stages by the pool size (their real inputs are only known once earlier stages have run). The
`engine:` lines show the engines in the order the run opens them, one at a time, and the GPUs each holds.
"""

from __future__ import annotations

from pathlib import Path

from limo.check import CheckReport, StagePlan
from limo.curate.pipeline import CurateRecipe, _input_files, engine_lines, stage_dir
from limo.freshness import is_current, read_stamp, stage_key
from limo.generate.check import check_engine

ROW_SUFFIXES = (".jsonl", ".json", ".parquet")


def check_curate(recipe: CurateRecipe, report: CheckReport, source: str, stage: str = "curate") -> StagePlan:
    plan = report.stage(stage)
    pool = _check_inputs(recipe, report, source, plan)
    _check_decontam(recipe, report, source)
    bound = pool if pool is not None else None
    if recipe.difficulty is not None:
        for st in recipe.difficulty.stages:
            _model_stage(f"difficulty {st.name}", st.generate, bound, report, source, plan)
    for i, teacher in enumerate(recipe.chains.teachers):
        _model_stage(f"chains teacher {i} ", teacher, bound, report, source, plan)
    for line in engine_lines(recipe):  # one engine at a time: what starts, is reused, is closed, and its GPUs
        plan.line(f"engine: {line}")
    for path in recipe.chains.import_paths:
        if not Path(path).exists():
            report.problem(source, f"chains.import_paths: {path}: no such file")
    plan.line(f"select: top {recipe.select.top_n} -> {selected_path(recipe.output_dir)}")
    _freshness(recipe, plan)
    return plan


def selected_path(output_dir: str | Path) -> Path:
    """The file `limo curate run` writes its selection to (what training reads)."""
    return stage_dir(output_dir, 7, "select") / "selected.jsonl"


def _count_rows(path: Path) -> int:
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    with open(path, "rb") as f:
        return sum(1 for line in f if line.strip())


def _check_inputs(recipe: CurateRecipe, report: CheckReport, source: str, plan: StagePlan) -> int | None:
    """Rows in the pool (None when some input is a hub dataset)."""
    total: int | None = 0
    for spec in recipe.ingest.inputs:
        if spec.path.startswith("hf:"):
            report.note(source, f"ingest: {spec.path}: a hub dataset, not checked: not local")
            total = None
            continue
        path = Path(spec.path)
        if not path.exists():
            report.problem(source, f"ingest.inputs: {spec.path}: no such file or folder")
            continue
        files = [f for f in _input_files([spec.path]) if f.suffix in ROW_SUFFIXES]
        rows = sum(_count_rows(f) for f in files)
        rows = min(rows, spec.limit) if spec.limit else rows
        if total is not None:
            total += rows
    plan.line(f"pool: {total:,} rows" if total is not None else "pool: size unknown (hub inputs)")
    return total


def _check_decontam(recipe: CurateRecipe, report: CheckReport, source: str) -> None:
    from limo.errors import LimoError
    from limo.eval.benchmarks import get_benchmark
    from limo.eval.benchmarks.loading import local_path

    cfg = recipe.decontaminate
    if cfg is None or cfg.benchmarks == ["all"]:
        return
    for name in cfg.benchmarks:
        try:
            bench = get_benchmark(name)
        except LimoError as e:
            report.problem(source, f"decontaminate.benchmarks: {e}")
            continue
        if cfg.data_dir is not None and not local_path(bench, cfg.data_dir).exists():
            report.problem(source, f"decontaminate: {name}: {local_path(bench, cfg.data_dir)} not found")
        elif cfg.data_dir is None and bench.hub is None:
            report.problem(source, f"decontaminate: {name} exists only as a file in LIMO's layout: set data_dir")
        elif cfg.data_dir is None:
            report.note(source, f"decontaminate: {name}: hub dataset {bench.hub.path}, not checked: not local")


def _model_stage(what: str, gen, pool: int | None, report: CheckReport, source: str, plan: StagePlan) -> None:
    check_engine(gen, report, source, plan, what=what.strip())
    if pool is None:
        plan.line(f"{what.strip()}: {gen.model} x{gen.n}, generations unknown (pool size unknown)")
        plan.estimate_exact = False
        return
    if gen.backend == "openai":  # a server or a paid API: its tokens cost money, not these GPU-hours
        plan.line(f"{what.strip()}: {gen.model} (openai server), at most {pool * gen.n:,} generations x "
                  f"max_tokens {gen.max_tokens}; not counted in GPU-hours")
        return
    plan.add_generation(pool * gen.n, gen.max_tokens, gen.tensor_parallel_size)
    plan.estimate_exact = False  # later stages see only the survivors of earlier ones: pool x n bounds them
    plan.line(f"{what.strip()}: {gen.model} ({gen.backend}, {gen.tensor_parallel_size} GPU(s)), at most "
              f"{pool:,} problems x n={gen.n}, max_tokens {gen.max_tokens}")


def _freshness(recipe: CurateRecipe, plan: StagePlan) -> None:
    """Which pipeline stages a run would skip: the same stage.json comparison the Runner makes."""
    out = Path(recipe.output_dir)
    raw = [s.path for s in recipe.ingest.inputs if not s.path.startswith("hf:")]
    steps = [(1, "ingest", recipe.ingest, "out.jsonl"), (2, "dedup", recipe.dedup, "out.jsonl"),
             (3, "decontaminate", recipe.decontaminate, "out.jsonl"),
             (4, "difficulty", recipe.difficulty, "out.jsonl"), (5, "chains", recipe.chains, "chains.jsonl"),
             (6, "score", recipe.score, "scored.jsonl"), (7, "select", recipe.select, "selected.jsonl")]
    current, status = True, []
    for n, name, cfg, out_name in steps:
        if cfg is None:
            continue
        d = stage_dir(out, n, name)
        info = read_stamp(d / "stage.json") if current else None
        if info is not None:
            inputs = _input_files(raw) if name == "ingest" else [Path(p) for p in info.get("inputs", [])]
            current = is_current(d, name, stage_key(cfg.model_dump(), inputs), [d / out_name], stamp=d / "stage.json")
        else:
            current = False
        status.append(f"{name} {'current' if current else 'runs'}")
    plan.line("stages: " + ", ".join(status))
    if current:
        plan.status = "skipped (current)"

"""`limo eval ... --check`: resolve every benchmark's data and protocol, the judge and the engine.

Problems: a benchmark with neither a file under `data_dir` nor a hub dataset, generation settings that
do not validate, a protocol that judges with no judge configured, a model context shorter than
`max_model_len`. The plan counts generations (problems x n) and tokens to generate (x max_tokens, an
upper bound) per benchmark.
"""

from __future__ import annotations

from limo.check import CheckReport, StagePlan
from limo.errors import LimoError
from limo.eval.config import LIMO_PRESETS, EvalConfig, resolve, uses_judge
from limo.generate.check import check_engine


def check_eval(cfg: EvalConfig, report: CheckReport, source: str, *, stage: str = "eval",
               files_from: str | None = None) -> StagePlan:
    """Check `cfg` (from `source`) into `report` as stage `stage`. `files_from`: see check_engine."""
    from limo.eval.benchmarks import get_benchmark

    plan = report.stage(stage)
    try:
        names = cfg.benchmark_names()
    except LimoError as e:
        report.problem(source, f"benchmarks: {e}")
        return plan
    engine = None
    for name in names:
        bench = get_benchmark(name)
        count = _problem_count(bench, cfg, report, source)
        try:
            gen = resolve(cfg, name)
        except LimoError as e:
            report.problem(source, str(e))
            continue
        engine = engine or gen
        judged = bench.protocol.judge and cfg.preset in LIMO_PRESETS
        if judged and cfg.judge is None:
            report.problem(source, f"judge: preset {cfg.preset} grades {name} with an LLM judge, and no judge is "
                                   "configured (set judge.model / --judge-model, e.g. Qwen/Qwen2.5-32B-Instruct)")
        if count is None:
            plan.line(f"{name}: problem count unknown (n={gen.n})")
            plan.estimate_exact = False
            continue
        if cfg.limit:
            count = min(count, cfg.limit)
        plan.add_generation(count * gen.n, gen.max_tokens, gen.tensor_parallel_size)
        plan.line(f"{name}: {count} problems x n={gen.n} (T={gen.temperature:g}, top_p={gen.top_p:g}, "
                  f"max_tokens {gen.max_tokens}){', LLM judge' if uses_judge(cfg, name) else ''}")
    if engine is not None:
        plan.lines.insert(0, f"model: {engine.model} ({engine.backend}, tensor_parallel_size "
                             f"{engine.tensor_parallel_size})")
        check_engine(engine, report, source, plan, files_from=files_from)
    if cfg.judge is not None:
        _check_judge(cfg, report, source, plan)
    return plan


def _problem_count(bench, cfg: EvalConfig, report: CheckReport, source: str) -> int | None:
    """Problems in the benchmark's data; a problem recorded when its data cannot be found."""
    from limo.eval.benchmarks.loading import count_note, local_path

    if cfg.data_dir is not None:
        path = local_path(bench, cfg.data_dir)
        if not path.exists():
            report.problem(source, f"data_dir: {bench.name}: {path} not found (LIMO layout "
                                   f"<data_dir>/{bench.limo_dir}/test.jsonl)")
            return None
        with open(path, "rb") as f:
            n = sum(1 for line in f if line.strip())
        note = count_note(bench, n, from_hub=False)
        if note:
            report.note(source, note)
        return n
    if bench.hub is None:
        report.problem(source, f"data_dir: {bench.name} exists only as a file in LIMO's eval/data layout (no hub "
                               "dataset): set data_dir (--data-dir)")
        return None
    pin = f"revision {bench.hub.revision}" if bench.hub.revision else "revision not pinned (newest data)"
    report.note(source, f"{bench.name}: hub dataset {bench.hub.path}, {pin}; not checked: not local")
    return bench.expected_count


def _check_judge(cfg: EvalConfig, report: CheckReport, source: str, plan: StagePlan) -> None:
    from limo.generate.config import GenerateConfig

    judge = cfg.judge
    if judge is None:
        return
    gen = report.validate(GenerateConfig, {**judge.engine, "model": judge.model, "backend": judge.backend,
                                           "base_url": judge.base_url, "max_tokens": judge.max_tokens},
                          f"{source} [judge]")
    if gen is not None:
        plan.line(f"judge: {judge.model} ({judge.backend})")
        check_engine(gen, report, source, plan, what="judge")

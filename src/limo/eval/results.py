"""RUN/results.json from what is on disk (samples, verdicts, judge replies): no model needed.

results.json = {"benchmarks": {name: {protocol, metrics, judge, audit, data}}, "overall": {...},
"config", "model", "versions"}. The overall score is the unweighted mean of per-benchmark avg@n, as
in the LIMO paper's "Avg." column. Numbers depend only on the saved samples and the grader, so a
resumed run and `--rescore` give the same metrics as an uninterrupted run.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from limo.errors import LimoError
from limo.eval.judge import outcome as judge_outcome
from limo.eval.metrics import Outcome, summarize
from limo.eval.report import write_report
from limo.eval.rundir import RunDir
from limo.jsonl import write_jsonl
from limo.provenance import file_sha256, package_versions, write_provenance
from limo.redact import redact, redact_argv


def _judged(run: RunDir, name: str, style: str) -> dict[tuple[str, int], tuple[str, str]]:
    """(problem id, index) -> (judge outcome, raw reply), from every judge file (parsed again here, so
    results follow the current parser, like --rescore follows the current grader)."""
    out = {}
    for (jid, _), s in run.read_samples(name, "judge").items():
        pid, _, idx = jid.rpartition("#")
        out[(pid, int(idx))] = (judge_outcome(s, style), s.response)
    return out


def benchmark_result(run: RunDir, name: str, proto: dict[str, Any], iters: int) -> dict[str, Any]:
    from limo.eval.benchmarks import get_benchmark

    bench_dir = run.path / name
    problems = list(run.read_problems(name).values())
    samples = run.read_samples(name)
    n = proto["n"]
    missing = [(p.id, k) for p in problems for k in range(n) if (p.id, k) not in samples]
    if missing:
        raise LimoError(f"{bench_dir}: {len(missing)} of {len(problems) * n} samples missing "
                        f"(e.g. {missing[0]}); rerun the eval command to finish them")
    style = (proto.get("judge_settings") or {}).get("style", "limo")
    judged = _judged(run, name, style) if proto["judge"] else {}
    outcomes, disagreements, errors = [], [], 0
    for p in problems:
        rows = [samples[(p.id, k)] for k in range(n)]
        correct = []
        for s in rows:
            rule = bool(s.verdict and s.verdict.correct)
            if proto["judge"] and s.key in judged:
                verdict, raw = judged[s.key]  # a judge_error is never correct
                errors += verdict == "judge_error"
                if (verdict == "correct") != rule:
                    disagreements.append({"problem_id": p.id, "sample_index": s.sample_index, "rule": rule,
                                          "judge": verdict, "extracted": s.verdict.extracted if s.verdict else None,
                                          "gold": p.answer, "judge_reply": raw})
                correct.append(verdict == "correct")
            else:
                correct.append(rule)
        outcomes.append(Outcome(p.id, correct, [s.verdict.extracted if s.verdict else None for s in rows],
                                [s.finish_reason for s in rows], [s.completion_tokens for s in rows], p.meta))
    bench = get_benchmark(name)
    result: dict[str, Any] = {
        "protocol": proto,
        "metrics": summarize(outcomes, breakdown=bench.breakdown, bootstrap_iters=iters),
        "data": {"problems_sha256": file_sha256(run.problems_path(name)), "n_problems": len(problems),
                 "expected_count": bench.expected_count},
        "grader_reasons": _reason_counts(samples.values()),
    }
    if proto["judge"]:
        write_jsonl(bench_dir / "judge_disagreements.jsonl", disagreements)
        result["judge"] = {"style": style, "judged": len(judged), "judge_error": errors,
                           "disagreements": len(disagreements)}
    paper = _paper_opinion(problems, samples, n)
    if paper is not None:  # `--grader both`: the paper grader's score beside limo's, and where they differ
        write_jsonl(bench_dir / "grader_disagreements.jsonl", paper.pop("disagreements"))
        result["paper_grader"] = paper
    if bench.kind == "multiple_choice":
        from limo.eval.mc import gold_letter_histogram

        result["audit"] = {"gold_letters": gold_letter_histogram(problems)}
    return result


def _paper_opinion(problems: list[Any], samples: dict[Any, Any], n: int) -> dict[str, Any] | None:
    """avg@n under the paper grader (from each sample's meta["paper_verdict"], written by
    `--grader both`) and the samples where it and limo's rule verdict disagree; None without them."""
    from limo.eval.grading import PAPER_VERDICT

    rows = [(p, samples[(p.id, k)]) for p in problems for k in range(n)]
    if not rows or any(PAPER_VERDICT not in s.meta for _, s in rows):
        return None
    disagreements = []
    for p, s in rows:
        limo_ok, paper = bool(s.verdict and s.verdict.correct), s.meta[PAPER_VERDICT]
        if limo_ok != bool(paper.get("correct")):
            disagreements.append({"problem_id": p.id, "sample_index": s.sample_index, "gold": p.answer,
                                  "limo": limo_ok, "limo_extracted": s.verdict.extracted if s.verdict else None,
                                  "paper": bool(paper.get("correct")), "paper_extracted": paper.get("extracted")})
    return {"avg_at_n": sum(bool(s.meta[PAPER_VERDICT].get("correct")) for _, s in rows) / len(rows),
            "disagreements": disagreements, "n_disagreements": len(disagreements),
            "problems_disagreeing": sorted({d["problem_id"] for d in disagreements})}


def _reason_counts(samples: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for s in samples:
        reason = s.verdict.reason if s.verdict else "ungraded"
        counts[reason] = counts.get(reason, 0) + 1
    return dict(sorted(counts.items()))


def overall(scores: dict[str, float | None]) -> dict[str, Any]:
    """The unweighted mean of avg@n, counting GPQA once: `gpqa_diamond_published` (LIMO's file, gold
    always "A") is reported beside `gpqa_diamond` (options shuffled) but left out of the mean when both
    ran. `limo_ten` says whether the mean is over exactly LIMO's ten benchmarks (the paper's "Avg.")."""
    from limo.eval.benchmarks import LIMO_BENCHMARKS

    names = [n for n, v in scores.items() if v is not None]
    if "gpqa_diamond" in names and "gpqa_diamond_published" in names:
        names.remove("gpqa_diamond_published")
    gpqa = next((n for n in ("gpqa_diamond", "gpqa_diamond_published") if n in names), None)
    return {"mean_avg_at_n": sum(scores[n] for n in names) / len(names) if names else None,  # type: ignore[misc]
            "averaged": names, "n_benchmarks": len(names), "limo_ten": sorted(names) == sorted(LIMO_BENCHMARKS),
            "gpqa_variant": {"gpqa_diamond": "gpqa_diamond (options shuffled per question)",
                             "gpqa_diamond_published": "gpqa_diamond_published (LIMO's file, gold always A)",
                             None: None}[gpqa]}


def average_label(o: dict[str, Any]) -> str:
    """How reports name the overall mean: LIMO's ten (and its GPQA) or just how many benchmarks."""
    if o.get("limo_ten"):
        return f"average of LIMO's ten (GPQA: {o['gpqa_variant']})"
    return f"average of {o.get('n_benchmarks', 0)} benchmark(s)"


def write_results(out: str | Path, *, plots: bool = True) -> Path:
    """Write RUN/results.json and RUN/report.md (+ plots) from the samples on disk."""
    run = RunDir(out)
    out = run.path
    rc = run.read_config()
    iters = rc["config"].get("bootstrap_iters", 2000)
    benches = {name: benchmark_result(run, name, proto, iters) for name, proto in rc["protocols"].items()}
    results = {
        "model": rc["config"]["generation"].get("model"),
        "benchmarks": benches,
        "overall": {**overall({n: b["metrics"]["avg_at_n"] for n, b in benches.items()}),
                    "n_samples": sum(b["metrics"]["n_samples"] for b in benches.values())},
        **({"overall_paper_grader": overall({n: b["paper_grader"]["avg_at_n"] for n, b in benches.items()})}
           if benches and all("paper_grader" in b for b in benches.values()) else {}),
        "config": rc["config"],
        "versions": package_versions(),
        "data_sources": _source_hashes(rc["config"], list(benches)),
        "command": redact_argv(sys.argv),
    }
    results = redact(results)
    path = out / "results.json"
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n")
    write_provenance(out, rc["config"], [run.problems_path(name) for name in benches],
                     protocols=rc["protocols"])
    write_report(run, results, plots=plots)
    return path


def _source_hashes(config: dict[str, Any], names: list[str]) -> dict[str, str]:
    """sha256 of each benchmark's source file when it came from --data-dir (hub: the dataset id)."""
    from limo.eval.benchmarks import get_benchmark

    out = {}
    for name in names:
        b = get_benchmark(name)
        if config.get("data_dir"):
            f = Path(config["data_dir"]) / b.limo_dir / "test.jsonl"
            out[name] = file_sha256(f) if f.exists() else "missing"
        elif b.hub is not None:
            out[name] = f"hub:{b.hub.path}@{b.hub.revision or 'latest'}"
    return out

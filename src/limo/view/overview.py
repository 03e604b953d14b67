"""The Overview tab: per-benchmark metrics with CIs, truncation and no-answer rates, protocol, plots.

A finished eval run has results.json; its numbers are shown as written. While a run is still going
(or for a generate output) the same `limo.eval.metrics.summarize` runs over the problems whose samples
are all there, with a short bootstrap and exact-string majority votes (Math-Verify over 100k answers
would not be interactive), and the page says these figures are live and partial.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from limo.view.runs import Bench, Run

LIVE_BOOTSTRAP = 300
PLOT_SUFFIXES = (".png", ".svg")


def _live(bench: Bench, n_expected: int | None) -> dict[str, Any]:
    """Live metrics, computed again only when the benchmark's files changed."""
    stamp = bench.stamp()
    hit = bench.cache.get("live")
    if hit is None or hit[0] != stamp:
        hit = (stamp, _summarize_live(bench, n_expected))
        bench.cache["live"] = hit
    return dict(hit[1])


def _summarize_live(bench: Bench, n_expected: int | None) -> dict[str, Any]:
    from limo.eval.metrics import Outcome, summarize

    by_problem: dict[str, list] = {}
    for r in bench.index.rows.values():
        by_problem.setdefault(r.problem_id, []).append(r)
    problems = bench.problems()
    n = n_expected or max((len(v) for v in by_problem.values()), default=0)
    outcomes = []
    for pid, rows in by_problem.items():
        if len(rows) < n:
            continue  # partial problems would bias avg@n towards the samples made first
        rows.sort(key=lambda r: r.sample_index)
        meta = problems[pid].get("meta") or {} if pid in problems else {}
        outcomes.append(Outcome(pid, [bool(bench.index.correct(r)) for r in rows], [r.extracted for r in rows],
                                [r.finish_reason for r in rows], [r.tokens for r in rows], meta))
    # ks=[n]: pass@n and one majority vote per problem (maj@k over k-subsets is the slow part at 100k)
    metrics = summarize(outcomes, equivalent=lambda x, y: x.strip() == y.strip(), ks=[n] if n else None,
                        bootstrap_iters=LIVE_BOOTSTRAP)
    if not any(r.rule_correct is not None for r in bench.index.rows.values()) and not bench.index.judge:
        # a generate output nobody graded yet: no accuracy to show, only lengths and truncation
        metrics.update(avg_at_n=None, ci95=[None, None], pass_at_k={}, maj_at_k={}, no_answer_rate=None)
    return {"metrics": metrics, "live": True, "samples_done": len(bench.index.rows),
            "samples_expected": (len(problems) * n) if problems and n else None}


def _reasons(bench: Bench) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in bench.index.rows.values():
        counts[r.reason or "ungraded"] = counts.get(r.reason or "ungraded", 0) + 1
    return dict(sorted(counts.items()))


def overview(run: Run) -> dict[str, Any]:
    results = run.results()
    protocols = run.config.get("protocols", {})
    benches = {}
    for name, bench in run.benches.items():
        if results and name in results.get("benchmarks", {}):
            b = dict(results["benchmarks"][name], live=False)
        else:
            b = _live(bench, protocols.get(name, {}).get("n"))
            b["protocol"] = protocols.get(name)
        b["grader_reasons"] = _reasons(bench)
        b["judge_disagreements"] = sum(1 for r in bench.index.rows.values()
                                       if bench.index.judge_of(r)[0]
                                       and bool(bench.index.judge_of(r)[1]) != bool(r.rule_correct))
        b["paper_disagreements"] = sum(1 for r in bench.index.rows.values()
                                       if r.paper is not None and r.paper != bool(r.rule_correct))
        benches[name] = b
    return {
        "label": run.label, "kind": run.kind, "path": str(run.path),
        "model": (results or {}).get("model") or run.config.get("config", {}).get("generation", {}).get("model"),
        "overall": (results or {}).get("overall"),
        "finished": results is not None,
        "writer": run.writer(),
        "benchmarks": benches,
        "plots": plots(run),
        "config": run.config.get("config"),
    }


def plots(run: Run) -> list[str]:
    """Image files of the run (eval: plots/*.png; curate: the datacard's PNGs), relative to the run."""
    if run.kind == "generate":  # a samples file's folder may hold anyone's images
        return []
    root = run.path
    found = sorted(p for d in (root / "plots", root) if d.is_dir() for p in d.iterdir()
                   if p.suffix in PLOT_SUFFIXES)
    return [str(p.relative_to(root)) for p in found]


def run_file(run: Run, rel: str) -> Path | None:
    """An image of the run by relative path, never outside the run folder."""
    root = (run.path if run.path.is_dir() else run.path.parent).resolve()
    path = (root / rel).resolve()
    if root not in path.parents or path.suffix not in PLOT_SUFFIXES or not path.is_file():
        return None
    return path

"""RUN/report.md: a results table a person can read, and PNG plots to look at.

plots/accuracy.png    avg@n per benchmark with its 95% bootstrap CI
plots/lengths.png     response length histogram, correct vs incorrect samples
plots/truncation.png  share of samples that hit the token cap, per benchmark
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from limo.eval.rundir import RunDir


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f}"


def _table(results: dict[str, Any]) -> list[str]:
    lines = ["| benchmark | n | problems | avg@n (%) | 95% CI | pass@k (%) | maj@k (%) | truncated (%) "
             "| no answer (%) | mean tokens |",
             "|---|---:|---:|---:|---|---|---|---:|---:|---:|"]
    for name, b in results["benchmarks"].items():
        m = b["metrics"]
        lo, hi = m.get("ci95", [None, None])
        ks = list(m.get("pass_at_k", {}))
        top = ks[-1] if ks else None
        pk = f"@{top}: {_pct(m['pass_at_k'][top])}" if top else "–"
        mk = f"@{top}: {_pct(m['maj_at_k'][top])}" if top else "–"
        mean_tokens = m.get("length", {}).get("mean")
        lines.append(f"| {name} | {m.get('n', '–')} | {m['n_problems']} | {_pct(m['avg_at_n'])} | "
                     f"[{_pct(lo)}, {_pct(hi)}] | {pk} | {mk} | {_pct(m.get('truncation_rate'))} | "
                     f"{_pct(m.get('no_answer_rate'))} | {'–' if mean_tokens is None else f'{mean_tokens:.0f}'} |")
    from limo.eval.results import average_label

    o = results["overall"]
    lines.append(f"| **{average_label(o)}** | | | **{_pct(o['mean_avg_at_n'])}** | | | | | | |")
    return lines


def _grader_comparison(results: dict[str, Any]) -> list[str]:
    """`--grader both`: limo's and the paper grader's avg@n side by side, and the problems they disagree on."""
    benches = {n: b for n, b in results["benchmarks"].items() if "paper_grader" in b}
    if not benches:
        return []
    lines = ["## limo's grader vs the paper's grader", "",
             "| benchmark | limo avg@n (%) | paper avg@n (%) | samples disagreeing | problems disagreeing |",
             "|---|---:|---:|---:|---|"]
    for name, b in benches.items():
        pg = b["paper_grader"]
        ids = pg["problems_disagreeing"]
        shown = ", ".join(map(str, ids[:20])) + (f" (+{len(ids) - 20} more)" if len(ids) > 20 else "")
        lines.append(f"| {name} | {_pct(b['metrics']['avg_at_n'])} | {_pct(pg['avg_at_n'])} | "
                     f"{pg['n_disagreements']} | {shown or '–'} |")
    if "overall_paper_grader" in results:
        lines.append(f"| **average** | **{_pct(results['overall']['mean_avg_at_n'])}** | "
                     f"**{_pct(results['overall_paper_grader']['mean_avg_at_n'])}** | | |")
    return lines + ["", "Each disagreement (gold, both extracted answers) is in <benchmark>/grader_disagreements.jsonl.",
                    ""]


def _details(results: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for name, b in results["benchmarks"].items():
        p = b["protocol"]
        extra = [f"n={p['n']}, T={p['temperature']}, top_p={p['top_p']}, max_tokens={p['max_tokens']}, "
                 f"seed={p['seed']}, version {p['benchmark_version']}"]
        if "judge" in b:
            j = b["judge"]
            extra.append(f"LLM judge ({j.get('style', 'limo')} style): {j['judged']} judged, {j['judge_error']} "
                         f"judge errors (unparsable or cut off: counted wrong), "
                         f"{j['disagreements']} rule/judge disagreements (judge_disagreements.jsonl)")
        elif p.get("judge_wanted_by_preset"):
            extra.append("LIMO judged this set with an LLM; no --judge-model was given, so rules graded it")
        errors = b.get("grader_reasons", {}).get("error", 0)
        if errors or b["metrics"].get("vote_errors"):
            extra.append(f"grader errors: {errors} samples graded `error` (counted wrong), "
                         f"{b['metrics'].get('vote_errors', 0)} failed maj@k comparisons")
        if "audit" in b:
            extra.append(f"gold letters: {b['audit']['gold_letters']}")
        for key, groups in b["metrics"].get("breakdown", {}).items():
            extra.append(f"by {key}: " + ", ".join(f"{g} {_pct(v['avg_at_n'])}% ({v['n_problems']})"
                                                   for g, v in groups.items()))
        out.append(f"- **{name}**: " + "; ".join(extra))
    return out


def write_report(run: RunDir, results: dict[str, Any], *, plots: bool = True) -> Path:
    lines = [f"# limo eval: {results['model']}", "", *_table(results), ""]
    if "gpqa_diamond" in results["benchmarks"] and "gpqa_diamond_published" in results["benchmarks"]:
        d = results["benchmarks"]["gpqa_diamond"]["metrics"]["avg_at_n"]
        pub = results["benchmarks"]["gpqa_diamond_published"]["metrics"]["avg_at_n"]
        lines += [f"GPQA Diamond: de-biased (shuffled options) {_pct(d)}%, as published (gold always A) "
                  f"{_pct(pub)}%.", ""]
    lines += _grader_comparison(results)
    lines += ["## Protocol and details", "", *_details(results), ""]
    if plots:
        made = write_plots(run, results)
        lines += ["## Plots", ""] + [f"![{p.stem}](plots/{p.name})" for p in made] + [""]
    path = run.path / "report.md"
    path.write_text("\n".join(lines))
    return path


def write_plots(run: RunDir, results: dict[str, Any]) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plot_dir = run.path / "plots"
    plot_dir.mkdir(parents=True, exist_ok=True)
    names = list(results["benchmarks"])
    ms = [results["benchmarks"][n]["metrics"] for n in names]
    made = []

    fig, ax = plt.subplots(figsize=(max(5, 0.9 * len(names)), 3.5))
    acc = [100 * (m["avg_at_n"] or 0) for m in ms]
    err = [[a - 100 * m["ci95"][0] for a, m in zip(acc, ms)], [100 * m["ci95"][1] - a for a, m in zip(acc, ms)]]
    ax.bar(names, acc, yerr=err, capsize=4, color="#4c72b0")
    ax.set_ylabel("avg@n (%) with 95% CI")
    ax.set_ylim(0, 100)
    ax.tick_params(axis="x", rotation=30)
    made.append(_save(fig, plot_dir / "accuracy.png"))

    right, wrong = [], []
    for n in names:
        for s in run.read_samples(n).values():
            if s.completion_tokens is not None:
                (right if s.verdict and s.verdict.correct else wrong).append(s.completion_tokens)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.hist([right, wrong], bins=30, label=["correct", "incorrect"], color=["#55a868", "#c44e52"], stacked=True)
    ax.set_xlabel("response tokens")
    ax.set_ylabel("samples")
    ax.legend()
    made.append(_save(fig, plot_dir / "lengths.png"))

    fig, ax = plt.subplots(figsize=(max(5, 0.9 * len(names)), 3.5))
    ax.bar(names, [100 * (m.get("truncation_rate") or 0) for m in ms], color="#dd8452")
    ax.set_ylabel("hit the token cap (%)")
    ax.set_ylim(0, 100)
    ax.tick_params(axis="x", rotation=30)
    made.append(_save(fig, plot_dir / "truncation.png"))
    return made


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path

"""The demo's outputs: REPORT.md (tables, plots, funnel, examples) and results.json (the outcome, for tools).

Numbers are read from what the stages wrote (curate's stage.json files, train's metrics.jsonl, eval's
results.json and samples), never recomputed here, so the report says exactly what the stages measured.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from limo.demo.data import SPLITS
from limo.jsonl import read_jsonl

MODELS = ("base", "curated", "random")
COLORS = {"base": "#999999", "random": "#d08a2a", "curated": "#2a7ab0"}
SPLIT_NAMES = {"in_dist": "in-distribution", "ood": "out-of-distribution (more digits)"}


def split_metrics(results_path: Path) -> dict[str, dict[str, Any]]:
    """{split: {accuracy, ci95, n}} from one `limo eval` results.json (the schema of results.json)."""
    benches = json.loads(Path(results_path).read_text())["benchmarks"]
    out = {}
    for split, bench in SPLITS.items():
        m = benches[bench]["metrics"]
        out[split] = {"accuracy": m["avg_at_n"] or 0.0, "ci95": [float(x) for x in m["ci95"]],
                      "n": m["n_problems"], "no_answer_rate": m.get("no_answer_rate") or 0.0,
                      "truncation_rate": m.get("truncation_rate") or 0.0}
    return out


def write_outputs(out: Path, cfg: Any, results: dict[str, dict[str, Path]], knowledge: dict[str, Any],
                  seconds: float, peak_mb: float) -> Path:
    """Write results.json, accuracy.png, loss.png and REPORT.md; returns the report path."""
    metrics = {m: split_metrics(results[m]["results"]) for m in MODELS}
    from limo.curate.check import selected_path

    n_train = _count(selected_path(out / "curated" / "curate"))
    keys = ("accuracy", "ci95", "n")
    (out / "results.json").write_text(json.dumps(
        {"models": {m: {s: {k: metrics[m][s][k] for k in keys} for s in SPLITS} for m in MODELS},
         "n_train": n_train, "seconds": round(seconds, 1)}, indent=2) + "\n")
    _plot_accuracy(metrics, out / "accuracy.png")
    curves = {m: [r for r in _rows(out / m / "train" / "metrics.jsonl") if "loss" in r] for m in ("curated", "random")}
    _plot_losses(curves, out / "loss.png")
    lines = _intro(cfg, knowledge, n_train, seconds, peak_mb) + _accuracy_section(metrics, knowledge)
    lines += _funnel_section(out, cfg) + _training_section(curves, knowledge) + _examples_section(out, results)
    path = out / "REPORT.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def _intro(cfg: Any, knowledge: dict[str, Any], n_train: int, seconds: float, peak_mb: float) -> list[str]:
    return [
        "# limo demo report", "",
        f"LIMO's claim in miniature, on CPU in {seconds:.0f} s (peak memory {peak_mb:,.0f} MB: this process "
        f"and the ones it started, summed, sampled every 0.25 s). A tiny Qwen2 ({knowledge['params']:,} parameters) is pre-trained on "
        f"{knowledge['texts']:,} worked additions (the *knowledge stage*: {100 * cfg.knowledge_chat_share:.0f}% "
        f"chat answers that work the columns and state the sum with no `\\boxed{{}}`, the rest plain text); "
        f"that is the **base** model. From the "
        f"same base, `limo train` fine-tunes one copy on the **{n_train} curated** chains the curate stages "
        f"chose from the pool, and one on **{n_train} random** pool rows with a random chain style. All three are evaluated greedily with "
        f"`limo eval` (backend `{cfg.backend}`) on two held-out splits: in-distribution "
        f"(larger operand of {_digits(cfg.levels)} digits, like the pool) and out-of-distribution "
        f"({_digits(cfg.ood_levels)} digits: more columns than any training problem; the knowledge corpus "
        f"covers them). Seed {cfg.seed}.", ""]


def _digits(levels: list[int]) -> str:
    return " or ".join(str(n) for n in levels)


def _accuracy_section(metrics: dict[str, dict[str, Any]], knowledge: dict[str, Any]) -> list[str]:
    ks = knowledge["knowledge"]
    lines = ["## Accuracy on the held-out splits (95% bootstrap CI)", "", "![accuracy](accuracy.png)", ""]
    for split in SPLITS:
        lines += [f"**{SPLIT_NAMES[split]}**", "",
                  "| model | accuracy | 95% CI | problems | no answer | truncated |", "|---|---|---|---|---|---|"]
        for m in MODELS:
            r = metrics[m][split]
            lines.append(f"| {m} | {100 * r['accuracy']:.1f}% | {100 * r['ci95'][0]:.1f}–{100 * r['ci95'][1]:.1f}% | "
                         f"{r['n']} | {100 * r['no_answer_rate']:.0f}% | {100 * r['truncation_rate']:.0f}% |")
        lines.append("")
    fmt = ks["in_dist"].get("format", "text")
    how = {"chat": "the question as `limo eval` asks it, read on the answer's own unboxed `Sum: c` line",
           "text": "the first line of a worked addition, completed"}[fmt]
    lines += [f"**Does the base already know?** The same held-out problems, asked in the base model's own "
              f"format ({how}; greedy):", "",
              "| split | base, own format | base, question + `\\boxed{}` format |", "|---|---|---|"]
    for split in SPLITS:
        lines.append(f"| {SPLIT_NAMES[split]} | {100 * ks[split]['accuracy']:.1f}% (n={ks[split]['n']}) | "
                     f"{100 * metrics['base'][split]['accuracy']:.1f}% |")
    ex = ks["in_dist"]["examples"][0]
    lines += ["", f"Own-format example: `{ex['prompt'].strip()}`, completion:", "", "```",
              ex["completion"].strip(), "```", ""]
    return lines


def _funnel_section(out: Path, cfg: Any) -> list[str]:
    from limo.curate.pipeline import stage_dir

    curate = out / "curated" / "curate"
    dedup, decontam = stage_dir(curate, 2, "dedup"), stage_dir(curate, 3, "decontaminate")
    lines = ["## Curation funnel", "", "| stage | in | kept |", "|---|---|---|"]
    lines += [f"| {stage} | {n_in:,} | {kept:,} |" for stage, n_in, kept in stage_counts(out)]
    leaks_left = _planted(decontam / "out.jsonl", "leak-")
    lines += ["", f"Planted in the pool: {cfg.planted_dups} surface-changed copies of pool rows (`dup-*`) and "
              f"{cfg.planted_leaks} surface-changed held-out problems (`leak-*`). Dedup removed "
              f"{_planted(dedup / 'removed.jsonl', 'dup-')} `dup-*` rows (where a copy came first, "
              f"the original is removed instead); decontamination removed "
              f"{_planted(decontam / 'removed.jsonl', 'leak-')} `leak-*` rows; "
              f"**{leaks_left} leaked held-out problems reached training**. The difficulty filter drops the "
              f"problems the base model already solves in the evaluated format (k={cfg.difficulty_k}). "
              f"Datacard: [DATACARD.md](curated/curate/DATACARD.md).", ""]
    return lines


def _training_section(curves: dict[str, list[dict[str, Any]]], knowledge: dict[str, Any]) -> list[str]:
    lines = ["## Training", "",
             f"Knowledge stage: {knowledge['steps']} steps, loss {knowledge['losses'][0]:.3f} -> "
             f"{knowledge['loss']:.3f} ({knowledge['seconds']:.0f} s).", "",
             "LIMO SFT from the base (both runs, same recipe):", "", "![SFT loss](loss.png)", ""]
    for m, rows in curves.items():
        if rows:
            lines.append(f"- {m}: {len(rows)} logged steps, loss {rows[0]['loss']:.3f} -> {rows[-1]['loss']:.3f}")
    return lines + [""]


def _examples_section(out: Path, results: dict[str, dict[str, Path]]) -> list[str]:
    lines = ["## Example responses", ""]
    for m in MODELS:
        lines += [f"### {m}", ""]
        run = Path(results[m]["results"]).parent
        for ex in _examples({split: run / bench for split, bench in SPLITS.items()}):
            mark = "right" if ex["correct"] else "wrong"
            lines += [f"**{ex['problem']}** ({SPLIT_NAMES[ex['split']]}; gold {ex['answer']}, extracted "
                      f"{ex['extracted']}: {mark})", "", "```", ex["response"].strip()[:800] or "(empty)", "```", ""]
    return lines


def _examples(bench_dirs: dict[str, Path], k: int = 3) -> list[dict[str, Any]]:
    """Up to k responses mixing right and wrong ones: a wrong one and a right one (in-distribution first,
    else the other split: a model right on every in-distribution problem shows where it fails), then the
    next in-distribution ones."""
    rows = []
    for split, bench_dir in bench_dirs.items():
        problems = {r["id"]: r for r in _rows(bench_dir / "problems.jsonl")}
        samples = sorted((r for f in sorted(bench_dir.glob("samples*.jsonl")) for r in _rows(f)),
                         key=lambda r: r["problem_id"])
        rows += [{"problem": problems.get(r["problem_id"], {}).get("problem", r["problem_id"]),
                  "answer": problems.get(r["problem_id"], {}).get("answer"), "response": r.get("response", ""),
                  "correct": bool((r.get("verdict") or {}).get("correct")), "split": split,
                  "extracted": (r.get("verdict") or {}).get("extracted")} for r in samples]
    pick = [r for r in rows if not r["correct"]][:1] + [r for r in rows if r["correct"]][:1]
    pick += [r for r in rows if r not in pick][: k - len(pick)]
    return pick


def _plot_accuracy(metrics: dict[str, dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.8))
    order, width = ("base", "random", "curated"), 0.26
    for i, m in enumerate(order):
        for j, split in enumerate(SPLITS):
            r = metrics[m][split]
            acc = 100 * r["accuracy"]
            x = j + (i - 1) * width
            ax.bar(x, acc, width, color=COLORS[m], label=m if j == 0 else None,
                   yerr=[[acc - 100 * r["ci95"][0]], [100 * r["ci95"][1] - acc]], capsize=4)
            ax.text(x, 100 * r["ci95"][1] + 1, f"{acc:.0f}%", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(SPLITS)), [SPLIT_NAMES[s] for s in SPLITS])
    ax.set_ylabel("accuracy (%)")
    ax.set_ylim(0, 110)
    ax.set_title("limo demo: base vs random vs curated SFT (95% CI)")
    ax.legend(loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _plot_losses(curves: dict[str, list[dict[str, Any]]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.8))
    for m, rows in curves.items():
        if rows:
            ax.plot([r["step"] for r in rows], [r["loss"] for r in rows], color=COLORS[m], label=f"{m} SFT")
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("training loss")
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title("LIMO SFT from the same base: curated vs random chains")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _planted(path: Path, prefix: str) -> int:
    """Planted rows (ids `dup-*`/`leak-*`, prefixed `<source>:` by ingest) in a stage's file."""
    return sum(str(r.get("id", "")).split(":", 1)[-1].startswith(prefix) for r in _rows(path))


def _rows(path: Path) -> list[dict[str, Any]]:
    return list(read_jsonl(path)) if path.exists() else []


def _count(path: Path) -> int:
    return len(_rows(path))


def stage_counts(out: Path) -> list[tuple[str, int, int]]:
    """(stage, in, kept) for each curate stage, from its stage.json."""
    import json

    rows = []
    for marker in sorted((out / "curated" / "curate").glob("[0-9][0-9]_*/stage.json")):
        info = json.loads(marker.read_text())
        stats = info.get("stats", {})
        rows.append((info["stage"], stats.get("in", 0), stats.get("kept", 0)))
    return rows

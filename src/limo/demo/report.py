"""The demo's REPORT.md: what curation kept and removed, how training went, and accuracy before vs after.

Numbers are read from the stage outputs (curate's stage.json files, train's metrics, eval's
results.json), never recomputed here, so the report says exactly what the stages measured.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from limo.jsonl import read_jsonl


def _stage_counts(curate_dir: Path) -> list[tuple[str, int, int]]:
    rows = []
    for marker in sorted(curate_dir.glob("[0-9][0-9]_*/stage.json")):
        info = json.loads(marker.read_text())
        stats = info.get("stats", {})
        rows.append((info["stage"], stats.get("in", 0), stats.get("kept", 0)))
    return rows


def _planted(curate_dir: Path, stage_dir: str, name: str, prefix: str) -> int:
    """Planted rows (ids `dup-*`/`leak-*`, prefixed `<source>:` by ingest) in a stage's file `name`."""
    path = curate_dir / stage_dir / name
    rows = read_jsonl(path) if path.exists() else []
    return sum(str(r.get("id", "")).split(":", 1)[-1].startswith(prefix) for r in rows)


def _accuracy(results_path: Path) -> dict[str, Any]:
    bench = json.loads(results_path.read_text())["benchmarks"]["demo_arith"]
    return bench["metrics"]


def _plot_accuracy(rows: list[tuple[str, dict[str, Any]]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [n for n, _ in rows]
    acc = [100 * (m["avg_at_n"] or 0) for _, m in rows]
    lo = [a - 100 * m["ci95"][0] for a, (_, m) in zip(acc, rows)]
    hi = [100 * m["ci95"][1] - a for a, (_, m) in zip(acc, rows)]
    fig, ax = plt.subplots(figsize=(6, 3.6))
    ax.bar(names, acc, yerr=[lo, hi], capsize=6, color=["#999999", "#2a7ab0", "#d08a2a"][: len(rows)])
    for i, a in enumerate(acc):
        ax.text(i + 0.42, a, f"{a:.1f}%", ha="right", va="bottom")  # beside the error bar, not on it
    ax.set_ylabel("accuracy on held-out problems (%)")
    ax.set_title("limo demo: tiny model before vs after LIMO-style SFT (95% CI)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _rel(path: Path, base: Path) -> str:
    return os.path.relpath(path, base)


def write_report(out: Path, config: dict[str, Any], runs: dict[str, dict[str, Path]], elapsed: float) -> Path:
    """Write <out>/REPORT.md and <out>/accuracy.png; returns the report path."""
    cur = runs["curated"]
    curate_dir = out / "curated" / "curate"
    n_train = sum(1 for _ in read_jsonl(cur["curated"]))
    rows = [("untrained", _accuracy(cur["eval_base"])), (f"curated {n_train}", _accuracy(cur["eval"]))]
    if "random" in runs:
        rows.append((f"random {n_train}", _accuracy(runs["random"]["eval"])))
    _plot_accuracy(rows, out / "accuracy.png")
    n_test = rows[0][1]["n_problems"]
    lines = [
        "# limo demo report", "",
        f"The whole LIMO loop on a tiny random Qwen2 ({_params(out)} parameters) on CPU, in {elapsed:.0f} s: "
        f"a generated pool of {config['pool_size']} problems (+ planted duplicates and leaked test problems) "
        f"is curated to the {n_train} best-scored chains (at most {config['top_n']}), the model is fine-tuned on them with "
        f"`limo train`, and evaluated greedily on {n_test} held-out problems with `limo eval` "
        f"(backend `{config['backend']}`).", "",
        "## Accuracy on the held-out problems", "",
        "![accuracy](accuracy.png)", "",
        "| model | accuracy | 95% CI | problems | no answer | truncated |", "|---|---|---|---|---|---|",
    ]
    for name, m in rows:
        lines.append(f"| {name} | {100 * (m['avg_at_n'] or 0):.1f}% | {100 * m['ci95'][0]:.1f}–"
                     f"{100 * m['ci95'][1]:.1f}% | {m['n_problems']} | {100 * (m['no_answer_rate'] or 0):.0f}% | "
                     f"{100 * (m['truncation_rate'] or 0):.0f}% |")
    by_kind = rows[1][1].get("breakdown", {}).get("kind", {})
    if by_kind:
        base_kind = rows[0][1].get("breakdown", {}).get("kind", {})
        lines += ["", "By kind of problem (after training; before in brackets):", "",
                  "| kind | problems | accuracy |", "|---|---|---|"]
        for kind, v in by_kind.items():
            before = base_kind.get(kind, {}).get("avg_at_n") or 0
            lines.append(f"| {kind} | {v['n_problems']} | {100 * (v['avg_at_n'] or 0):.1f}% "
                         f"({100 * before:.1f}%) |")
    lines += ["", "## Curation", "", "| stage | in | kept |", "|---|---|---|"]
    lines += [f"| {stage} | {n_in} | {kept} |" for stage, n_in, kept in _stage_counts(curate_dir)]
    leaks_left = _planted(curate_dir, "03_decontaminate", "out.jsonl", "leak-")
    lines += ["", f"Planted in the pool (`data/pool.jsonl`): {config['planted_dups']} surface-changed copies of pool "
              f"rows (ids `dup-*`) and {config['planted_leaks']} surface-changed test problems (ids `leak-*`). "
              f"Dedup removed {_planted(curate_dir, '02_dedup', 'removed.jsonl', 'dup-')} `dup-*` rows (where a copy "
              f"came first, the first seen is kept and its original removed instead); decontamination removed "
              f"{_planted(curate_dir, '03_decontaminate', 'removed.jsonl', 'leak-')} `leak-*` rows, and "
              f"**{leaks_left} leaked test problems reached training**.",
              f"Full datacard with score and length distributions: [DATACARD.md]({_rel(curate_dir / 'DATACARD.md', out)}).",
              "", "## Training", "", _loss_line(out / "curated" / "train"), "",
              "## Responses", "",
              f"Length histograms and per-benchmark plots: [before]({_rel(cur['eval_base'].parent / 'report.md', out)}), "
              f"[after]({_rel(cur['eval'].parent / 'report.md', out)}).", "",
              "Re-run: `limo demo` again (current stages are skipped) or `limo run "
              f"{_rel(out / 'recipe.yaml', Path.cwd()) if out.is_absolute() else out / 'recipe.yaml'}`.", ""]
    path = out / "REPORT.md"
    path.write_text("\n".join(lines))
    return path


def _params(out: Path) -> str:
    info = out / "base-model" / "limo_tiny.json"
    return f"{json.loads(info.read_text())['params']:,}" if info.exists() else "?"


def _loss_line(train_dir: Path) -> str:
    png = train_dir / "loss.png"
    if png.exists():
        return f"![loss]({_rel(png, train_dir.parent.parent)})"
    return "(no loss curve: the run was too short to log a step; see `curated/train/metrics.jsonl`)"

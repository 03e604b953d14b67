"""DATACARD.md for a curate run: counts in/out of every stage, what was removed and why, score and
length distributions (PNG), the resolved recipe and input hashes. Written by `limo curate run`."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from limo.jsonl import iter_jsonl
from limo.records import Problem, Sample, read_records


def _reasons(stage_dir: Path) -> Counter:
    path = stage_dir / "removed.jsonl"
    return Counter(row.get("reason", "?") for _, row in iter_jsonl(path)) if path.exists() else Counter()


def plot_distributions(scored: list[Sample], selected: list[Problem], out: Path) -> list[str]:
    """score.png and length.png: all correct chains vs the selected ones."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    files = []
    sel = {(p.id, p.meta.get("chain_index"), p.meta.get("chain_model")) for p in selected}
    for name, get, xlabel in (("score", lambda s: s.meta["score"], "chain quality score"),
                              ("length", lambda s: s.meta["features"]["elaborated"], "chain length (words)")):
        allv = [get(s) for s in scored]
        chosen = [get(s) for s in scored if (s.problem_id, s.sample_index, s.model) in sel]
        fig, ax = plt.subplots(figsize=(6, 3.5))
        if allv:
            import numpy as np

            bins = np.histogram_bin_edges(allv, bins=40)  # one set of bins, so the two are comparable
            ax.hist(allv, bins=bins, alpha=0.6, label=f"all correct chains ({len(allv)})")
            ax.hist(chosen, bins=bins, alpha=0.8, label=f"selected ({len(chosen)})")
            ax.legend()
        ax.set_xlabel(xlabel)
        ax.set_ylabel("chains")
        fig.tight_layout()
        fig.savefig(out / f"{name}.png", dpi=110)
        plt.close(fig)
        files.append(f"{name}.png")
    return files


def _derived_answers(log: list[dict]) -> list[str]:
    """A note on answers ingest took from solutions (inputs without an answer field, e.g. NuminaMath-CoT)."""
    stats = next((i["stats"] for i in log if i["stage"] == "ingest"), {})
    per_input = {k: v["answer_derived"] for k, v in stats.get("per_input", {}).items() if v.get("answer_derived")}
    if not per_input:
        return []
    where = ", ".join(f"`{k}` {v}" for k, v in per_input.items())
    return ["", f"Answers derived from the last `\\boxed{{}}` of the solution (no answer field in the input; "
                f"`meta.answer_derived` on each row): {sum(per_input.values())} rows ({where})."]


def write_datacard(out: Path, recipe: Any, log: list[dict], scored: Path, final: Path) -> Path:
    lines = ["# DATACARD", "", f"Output: `{final}`", "", "## Stages", "",
             "| stage | in | kept | removed | skipped (up to date) |", "| --- | ---: | ---: | ---: | --- |"]
    for info in log:
        s = info["stats"]
        lines.append(f"| {info['stage']} | {s.get('in', '')} | {s.get('kept', '')} | {s.get('removed', '')} "
                     f"| {'yes' if info.get('skipped') else 'no'} |")
    lines += _derived_answers(log)
    lines += ["", "## Removed, by reason", ""]
    for d in sorted(p for p in out.iterdir() if p.is_dir()):
        reasons = _reasons(d)
        if reasons:
            lines.append(f"- **{d.name}**: " + ", ".join(f"{k} {v}" for k, v in reasons.most_common()))
    lines += ["", "Each stage folder holds `removed.jsonl` with every removed row and its evidence "
              "(duplicate_of, benchmark + item, pass counts, grader verdict).", ""]
    scored_rows = read_records(scored, Sample)
    selected = read_records(final, Problem)
    pngs = plot_distributions(scored_rows, selected, out)
    lines += ["## Distributions", ""] + [f"![{p}]({p})" for p in pngs] + [""]
    lines += ["## Stage details", "", "```json", json.dumps({i["stage"]: i["stats"] for i in log}, indent=2,
                                                            default=str), "```", ""]
    lines += ["## Resolved recipe", "", "```yaml", yaml.safe_dump(recipe.model_dump(), sort_keys=False), "```", ""]
    from limo.provenance import input_hashes

    pool_files = next((i["inputs"] for i in log if i["stage"] == "ingest"), [])
    lines += ["## Input hashes (sha256)", ""]
    for path, digest in input_hashes(pool_files).items():
        lines.append(f"- `{path}`: `{digest}`")
    path = out / "DATACARD.md"
    path.write_text("\n".join(lines) + "\n")
    return path

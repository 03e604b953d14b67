"""The Curate tab: the funnel (rows in/kept/removed per stage, from each `NN_stage/stage.json`), the
DATACARD.md, and each stage's `removed.jsonl` with the reason and, where the row records what it
matched, the two texts side by side (dedup: the kept duplicate; decontaminate: the benchmark item).

A removed row stores only snippets of both texts; the full text of pool rows is looked up by id in
the stage's input file (read once per file version).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from limo.errors import LimoError
from limo.jsonl import iter_jsonl
from limo.view.query import page_of
from limo.view.runs import Run

_texts: dict[tuple[Path, float], dict[str, str]] = {}


def _stage_dirs(run: Run) -> list[Path]:
    return sorted(d for d in run.path.glob("[0-9][0-9]_*") if d.is_dir())


def funnel(run: Run) -> dict[str, Any]:
    stages = []
    for d in _stage_dirs(run):
        marker = d / "stage.json"
        info = json.loads(marker.read_text()) if marker.exists() else {"stage": d.name[3:], "stats": {}}
        stats = info.get("stats", {})
        removed = d / "removed.jsonl"
        reasons: dict[str, int] = {}
        if removed.exists():
            for _, row in iter_jsonl(removed):
                reasons[str(row.get("reason", "?"))] = reasons.get(str(row.get("reason", "?")), 0) + 1
        stages.append({"dir": d.name, "stage": info.get("stage", d.name[3:]), "in": stats.get("in"),
                       "kept": stats.get("kept"), "removed": stats.get("removed"), "reasons": reasons,
                       "done": marker.exists()})
    from limo.view.overview import plots

    card = run.path / "DATACARD.md"
    return {"stages": stages, "datacard": card.read_text() if card.exists() else None, "plots": plots(run)}


def _full_texts(stage_dir: Path) -> dict[str, str]:
    """id -> problem text of the rows that went into a stage (its input file, from stage.json)."""
    marker = stage_dir / "stage.json"
    inputs = json.loads(marker.read_text()).get("inputs", []) if marker.exists() else []
    path = Path(inputs[0]) if inputs else None
    if path is None or not path.exists() or path.suffix != ".jsonl":
        return {}
    key = (path, path.stat().st_mtime)
    if key not in _texts:
        _texts.clear()  # one input file at a time: a large pool stays in memory once
        _texts[key] = {str(row.get("id")): str(row.get("problem", "")) for _, row in iter_jsonl(path)}
    return _texts[key]


def removed(run: Run, stage: str, reason: str = "", page: int = 0, size: int = 50) -> dict[str, Any]:
    dirs = {d.name: d for d in _stage_dirs(run)}
    if stage not in dirs:
        raise LimoError(f"{run.label}: no curate stage {stage!r}; stages are {sorted(dirs)}")
    path = dirs[stage] / "removed.jsonl"
    rows = [row for _, row in iter_jsonl(path)] if path.exists() else []
    if reason:
        rows = [r for r in rows if str(r.get("reason")) == reason]
    shown, pages, page = page_of(rows, page, size)
    texts = _full_texts(dirs[stage]) if shown else {}
    out = []
    for r in shown:
        item = {"row": r, "left": texts.get(str(r.get("id")), r.get("problem")), "right": None, "right_label": None}
        if r.get("duplicate_of") is not None:
            item["right"] = texts.get(str(r["duplicate_of"]), r.get("kept_problem"))
            item["right_label"] = f"kept duplicate {r['duplicate_of']}"
        elif r.get("item_problem") is not None:
            item["right"] = r["item_problem"]
            item["right_label"] = f"{r.get('benchmark')} item {r.get('item')}"
        out.append(item)
    return {"stage": stage, "total": len(rows), "page": page, "pages": pages, "rows": out}

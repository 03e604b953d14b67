"""What every curate stage returns and writes: kept rows, removed rows with the reason, and counts.

Stages are pure functions over `limo.records.Problem` lists; this module is the one place that turns
their result into files (`OUT.jsonl`, `--removed REMOVED.jsonl`, `stats.json`), so the CLI subcommands
and `limo curate run` write the same thing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from limo.jsonl import write_jsonl
from limo import records
from limo.records import Problem, write_records


@dataclass
class StageResult:
    kept: list[Any]  # Problems (chains stage: Samples)
    removed: list[dict[str, Any]] = field(default_factory=list)  # each has id, reason, and evidence
    stats: dict[str, Any] = field(default_factory=dict)

    def summary(self, stage: str) -> str:
        reasons: dict[str, int] = {}
        for r in self.removed:
            reasons[r["reason"]] = reasons.get(r["reason"], 0) + 1
        why = ", ".join(f"{k} {v}" for k, v in sorted(reasons.items())) or "none"
        return f"{stage}: {len(self.kept) + len(self.removed)} in, {len(self.kept)} kept, removed: {why}"


def read_problems(path: str | Path) -> list[Problem]:
    """Problem JSONL with unique ids (a duplicate is an error naming both lines)."""
    return records.read_problems(path)


def write_result(result: StageResult, out: str | Path, removed: str | Path | None = None,
                 stats: str | Path | None = None) -> None:
    """Write kept Problems to `out`, removed rows to `removed`, counts to `stats` (when given)."""
    write_records(out, result.kept)
    if removed is not None:
        write_jsonl(removed, result.removed)
    if stats is not None:
        Path(stats).write_text(json.dumps(result.stats, indent=2, ensure_ascii=False, default=str) + "\n")


def snippet(text: str, n: int = 160) -> str:
    """The start of a problem, for removed-row records a person skims."""
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n] + "..."

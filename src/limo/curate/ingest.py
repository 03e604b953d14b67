"""Ingest: JSONL, JSON, Parquet or a hub dataset id into `limo.records.Problem`s, by a field mapping.

Pools name their fields differently (`problem`/`question`/`prompt`, `answer`/`final_answer`/`label`), so
each field of Problem has a list of candidate source fields, the first present and non-empty one wins;
dotted names reach into nested objects (`other.solution`). Rows without a usable problem or answer are
counted and written to the removed file with the reason, never silently dropped. A row with no answer
field whose solution has a `\boxed{}` (NuminaMath-CoT: source, problem, solution, messages) takes the
last box as its answer, marked `meta.answer_derived` and counted per input (`answer_derived`).

Ids are `<source>:<row id>` (or `<source>:<line>` when the row has none; for a hub dataset the 0-based
row index), so ids from different sources never collide. The default source is the file stem, or the
hub dataset's name (`NuminaMath-CoT`). A repeated id is an error naming both rows (stages, pass rates
and chains are keyed by id: a duplicate pairs one problem with another's chain), unless the input says
`duplicate_ids: rename` (for pools known to reuse ids): then repeats become `<id>#2`, `#3`, and chains
imported by the raw id are matched to none of them (limo.curate.chains treats such ids as ambiguous).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from limo.config import StrictModel
from limo.curate.stage import StageResult, snippet
from limo.errors import LimoError
from limo.jsonl import iter_jsonl
from limo.records import Problem


class FieldMapping(StrictModel):
    """Candidate source fields for each Problem field, tried in order."""

    id: list[str] = Field(default_factory=lambda: ["id", "unique_id", "idx", "problem_id"])
    problem: list[str] = Field(default_factory=lambda: ["problem", "question", "prompt", "instruction"])
    # final_answer before answer: GSM8K's `answer` is the worked solution ending in `#### 72`.
    answer: list[str] = Field(default_factory=lambda: ["final_answer", "answer", "gt_answer",
                                                       "expected_answer", "gt", "label"])
    solution: list[str] = Field(default_factory=lambda: ["solution", "other.solution", "analysis"])
    source: list[str] = Field(default_factory=lambda: ["source"])
    domain: list[str] = Field(default_factory=lambda: ["domain", "type", "subject"])
    difficulty: list[str] = Field(default_factory=lambda: ["difficulty", "level"])


class InputSpec(StrictModel):
    path: str  # file (.jsonl/.json/.parquet), folder of such files, or `hf:<dataset id>`
    source: str | None = None  # tag for every row; default: the row's own source field, else the file stem
    fields: FieldMapping = Field(default_factory=FieldMapping)
    split: str = "train"  # hub datasets only
    config: str | None = None  # hub datasets only
    revision: str | None = None  # hub datasets only: a commit sha pins the data (default: newest)
    limit: int | None = Field(None, ge=1)
    duplicate_ids: Literal["error", "rename"] = "error"  # a repeated id: refuse, or append #2, #3, ...


class IngestConfig(StrictModel):
    inputs: list[InputSpec] = Field(min_length=1)


def _get(row: dict[str, Any], name: str) -> Any:
    node: Any = row
    for part in name.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _first(row: dict[str, Any], names: list[str]) -> Any:
    for name in names:
        value = _get(row, name)
        if _usable(value):
            return value
    return None


def _usable(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip()) and value.strip().lower() not in ("none", "null", "nan")
    if isinstance(value, (list, dict)):
        return bool(value)
    return not (isinstance(value, float) and value != value)  # NaN


def iter_rows(spec: InputSpec) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, row) for every row of the input; `where` names file:line for messages and ids."""
    if spec.path.startswith("hf:"):
        from datasets import load_dataset

        name = spec.path[3:]
        ds = load_dataset(name, spec.config, split=spec.split, revision=spec.revision)
        for i, row in enumerate(ds):
            yield f"{name.rsplit('/', 1)[-1]}:{i}", dict(row)  # the dataset's name, as a file's stem
        return
    path = Path(spec.path)
    if path.is_dir():
        files = sorted(f for f in path.rglob("*") if f.suffix in (".jsonl", ".json", ".parquet"))
        for f in files:
            yield from iter_rows(spec.model_copy(update={"path": str(f)}))
        return
    if not path.exists():
        raise LimoError(f"{path}: no such file")
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        for i, row in enumerate(pq.read_table(path).to_pylist(), start=1):
            yield f"{path.stem}:{i}", row
    elif path.suffix == ".json":
        data = json.loads(path.read_text())
        if not isinstance(data, list):
            raise LimoError(f"{path}: expected a JSON list of objects")
        for i, row in enumerate(data, start=1):
            yield f"{path.stem}:{i}", row
    else:
        for lineno, row in iter_jsonl(path):
            yield f"{path.stem}:{lineno}", row


def to_problem(row: dict[str, Any], where: str, spec: InputSpec) -> Problem | str:
    """The row as a Problem, or the reason it cannot be one."""
    f = spec.fields
    text = _first(row, f.problem)
    if not isinstance(text, str):
        return "no_problem"
    answer = _first(row, f.answer)
    solution = _first(row, f.solution)
    derived = answer is None and isinstance(solution, str)
    if derived:
        answer = boxed_answer(solution)
    if answer is None:
        return "no_answer"
    source = spec.source or _first(row, f.source) or where.rsplit(":", 1)[0]
    raw_id = _first(row, f.id)
    domain = _first(row, f.domain)
    if isinstance(domain, list):
        domain = str(domain[0])
    difficulty = _first(row, f.difficulty)
    if not isinstance(difficulty, (int, float, str)) or isinstance(difficulty, bool):
        difficulty = None
    return Problem(
        id=f"{source}:{raw_id if raw_id is not None else where.rsplit(':', 1)[-1]}",
        problem=text.strip(), answer=answer, solution=solution if isinstance(solution, str) else None,
        source=str(source), domain=None if domain is None else str(domain),
        difficulty=float(difficulty) if isinstance(difficulty, int) else difficulty,
        meta={"ingested_from": where, **({"answer_derived": "last_boxed_in_solution"} if derived else {})})


def boxed_answer(solution: str) -> str | None:
    """The last `\boxed{}` of a worked solution (the grader's own extraction), or None without one."""
    from limo.grade import extract_answer

    answer, rule = extract_answer(solution)
    return answer if rule in ("boxed", "boxed_multi") else None


def ingest(cfg: IngestConfig) -> StageResult:
    kept: list[Problem] = []
    removed: list[dict] = []
    first: dict[str, tuple[str, int]] = {}  # id -> (where it was first seen, how many so far)
    per_input: dict[str, dict[str, int]] = {}
    for spec in cfg.inputs:
        counts = per_input.setdefault(spec.path, {"rows": 0, "kept": 0})
        for n, (where, row) in enumerate(iter_rows(spec)):
            if spec.limit is not None and n >= spec.limit:
                break
            counts["rows"] += 1
            p = to_problem(row, where, spec)
            if isinstance(p, str):
                text = _first(row, spec.fields.problem)
                removed.append({"id": where, "reason": p, "input": spec.path,
                                "problem": snippet(text) if isinstance(text, str) else None})
                counts[p] = counts.get(p, 0) + 1
                continue
            p.id = _unique_id(p.id, f"{spec.path} ({where})", spec, first)
            kept.append(p)
            counts["kept"] += 1
            if "answer_derived" in p.meta:
                counts["answer_derived"] = counts.get("answer_derived", 0) + 1
    stats = {"in": sum(c["rows"] for c in per_input.values()), "kept": len(kept), "removed": len(removed),
             "answer_derived": sum(c.get("answer_derived", 0) for c in per_input.values()),
             "per_input": per_input}
    return StageResult(kept, removed, stats)


def _unique_id(pid: str, where: str, spec: InputSpec, first: dict[str, tuple[str, int]]) -> str:
    if pid not in first:
        first[pid] = (where, 1)
        return pid
    if spec.duplicate_ids == "error":
        raise LimoError(f"{where}: duplicate problem id {pid!r} (first at {first[pid][0]}); make ids unique, "
                        f"or set `duplicate_ids: rename` on this input to number the repeats")
    seen_at, count = first[pid]
    first[pid] = (seen_at, count + 1)
    return f"{pid}#{count + 1}"

"""Turn a benchmark's raw rows (LIMO's JSONL files or a hub dataset) into `Problem` records."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from limo.errors import LimoError, RecordError
from limo.jsonl import iter_jsonl
from limo.records import Problem

GPQA_INSTRUCTION = ("Please reason step-by-step and put your choice letter without any other text with "
                    "\\boxed{} in the end.")


def load_problems(bench: Any, data_dir: str | Path | None, *, shuffle_seed: int = 0) -> list[Problem]:
    """Load, map fields, transform golds, and (multiple choice) permute options."""
    if data_dir is not None:
        path = local_path(bench, data_dir)
        if not path.exists():
            raise LimoError(f"benchmark {bench.name}: {path} not found (LIMO layout is "
                            f"<data-dir>/{bench.limo_dir}/test.jsonl)")
        rows = ((f"{path}:{lineno}", row) for lineno, row in iter_jsonl(path))
        fields = bench.local
    else:
        if bench.hub is None:
            raise LimoError(f"benchmark {bench.name} has no hub dataset (LIMO ships it only as a file); "
                            f"pass --data-dir pointing at LIMO's eval/data layout")
        if bench.hub.revision is None:
            _warn(f"benchmark {bench.name}: hub dataset {bench.hub.path} has no pinned revision; loading its "
                  "newest data, which may change under you (scripts/pin_hub_revisions.py pins it)")
        rows = _hub_rows(bench.hub)
        fields = bench.hub.fields
    problems = [_to_problem(bench, fields, i, where, row) for i, (where, row) in enumerate(rows)]
    note = count_note(bench, len(problems), from_hub=data_dir is None)
    if note:
        _warn(note)
    ids = [p.id for p in problems]
    if len(set(ids)) != len(ids):
        raise LimoError(f"benchmark {bench.name}: duplicate problem ids in its data")
    if bench.kind == "multiple_choice" and bench.shuffle_options:
        from limo.eval.mc import shuffle_problem

        problems = [shuffle_problem(p, shuffle_seed) for p in problems]
    return problems


def local_path(bench: Any, data_dir: str | Path) -> Path:
    """Where LIMO's layout keeps this benchmark: `<data_dir>/<limo_dir>/test.jsonl`."""
    return Path(data_dir) / bench.limo_dir / "test.jsonl"


def count_note(bench: Any, n: int, *, from_hub: bool) -> str | None:
    """A line when a benchmark does not have the problems its YAML expects (a subset, another copy), so a
    score is never silently compared with one over other data; results.json records both numbers."""
    if bench.expected_count is None or n == bench.expected_count:
        return None
    where = f"hub dataset {bench.hub.path}" if from_hub else "the data directory"
    return (f"benchmark {bench.name}: {n} problems from {where}, LIMO's set has {bench.expected_count}; "
            "scores are not comparable with runs over LIMO's set")


def _warn(message: str) -> None:
    print(f"limo: warning: {message}", file=sys.stderr)


def _hub_rows(hub: Any) -> Iterable[tuple[str, dict]]:
    import datasets

    ds = datasets.load_dataset(hub.path, hub.config, split=hub.split, revision=hub.revision)
    for i, row in enumerate(ds):
        if hub.filter and hub.filter["contains"] not in str(row.get(hub.filter["field"], "")):
            continue
        yield f"{hub.path}[{hub.split}][{i}]", dict(row)


def _to_problem(bench: Any, fields: Any, index: int, where: str, row: dict) -> Problem:
    text = next((row[f] for f in fields.problem if isinstance(row.get(f), str) and row[f].strip()), None)
    if text is None:
        raise RecordError(f"{where}: no problem text in field(s) {fields.problem}")
    if fields.answer not in row:
        raise RecordError(f"{where}: missing answer field {fields.answer!r}")
    answer = row[fields.answer]
    if fields.answer_transform == "gsm8k_hashes":
        answer = _after_hashes(answer, where)
    elif fields.answer_transform == "join_list":
        answer = ", ".join(str(a).strip().strip("$") for a in answer) if isinstance(answer, list) else answer
    elif fields.answer_transform == "gpqa_columns":
        text, answer = _gpqa_from_columns(row, where)
    pid = str(row[fields.id]) if fields.id is not None and fields.id in row else str(index)
    meta = {k: row[k] for k in fields.meta if k in row}
    alts = [row[k] for k in fields.alt_answers if row.get(k) not in (None, "")]
    if alts:
        meta["alt_answers"] = alts
    solution = row.get(fields.solution) if fields.solution else None
    return Problem(id=pid, problem=text, answer=answer, solution=solution or None, source=bench.name,
                   domain=bench.domain, meta=meta)


def _after_hashes(answer: Any, where: str) -> str:
    """GSM8K golds end with `#### 42` after the worked solution."""
    if not isinstance(answer, str) or "####" not in answer:
        raise RecordError(f"{where}: GSM8K answer has no '####' marker")
    return answer.rsplit("####", 1)[1].strip().replace(",", "")


def _gpqa_from_columns(row: dict, where: str) -> tuple[str, str]:
    """Build the question in LIMO's layout (correct option first, as published) from GPQA's columns."""
    try:
        options = [row["Correct Answer"]] + [row[f"Incorrect Answer {i}"] for i in (1, 2, 3)]
    except KeyError as e:
        raise RecordError(f"{where}: GPQA row lacks column {e}") from None
    cleaned = [re.sub(r"\s+", " ", str(o)).strip() for o in options]
    lines = "\n".join(f"{letter}. {o}" for letter, o in zip("ABCD", cleaned))
    return f"{row['Question'].strip()}\n\n{lines}\n\n{GPQA_INSTRUCTION}", "A"

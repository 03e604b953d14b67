"""`limo grade IN.jsonl -o OUT.jsonl`: add `correct`, `extracted`, `reason`, `rule` to every row.

Rows are written back in input order. The input is read twice (a cheap first pass checks that every row
has the two fields and counts rows for the progress bar), then streamed through the worker pool, so a
huge file never sits in memory and a bad row is reported before any grading time is spent.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter, deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from limo.errors import LimoError
from limo.jsonl import check_output_path, iter_jsonl, write_jsonl
from limo.grade.judge import GRADERS
from limo.records import VERDICT_REASONS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", help="JSONL with one response and one gold answer per row")
    parser.add_argument("-o", "--output", required=True, help="JSONL to write (the rows plus the verdict)")
    parser.add_argument("--response-field", default="response", help="field holding the model response")
    parser.add_argument("--gold-field", default="gold", help="field holding the gold answer")
    parser.add_argument("--workers", type=int, default=1, help="grader processes (default 1)")
    parser.add_argument("--timeout", type=float, default=5.0, help="wall-clock seconds per row (default 5)")
    parser.add_argument("--grader", choices=GRADERS, default="limo",
                        help="limo (default, strict) or paper (LIMO's own evaluation rules, for comparing "
                             "with published numbers; see docs/grade.md)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def _check_rows(path: Path, response_field: str, gold_field: str) -> int:
    """Count rows, failing on the first one without the needed fields (names file:line)."""
    n = 0
    for lineno, row in iter_jsonl(path):
        for field in (response_field, gold_field):
            if field not in row:
                raise LimoError(f"{path}:{lineno}: row has no field {field!r} (fields: {sorted(row)[:12]}); "
                                f"choose the field with --{'response' if field == response_field else 'gold'}-field")
        if not isinstance(row[response_field], (str, type(None))):
            raise LimoError(f"{path}:{lineno}: {response_field!r} should be a string, "
                            f"got {type(row[response_field]).__name__}")
        n += 1
    return n


def _graded_rows(args: argparse.Namespace, total: int, counts: Counter[str]) -> Iterator[dict[str, Any]]:
    from limo.grade.extract import extract_answer
    from limo.grade.pool import GradePool, verdict_from

    rows: deque[dict[str, Any]] = deque()

    def tasks() -> Iterator[tuple[str, tuple[Any, ...]]]:
        for _, row in iter_jsonl(args.input):
            rows.append(row)
            yield "grade", (row[args.response_field], row[args.gold_field], args.grader)

    with GradePool(workers=args.workers, timeout=args.timeout, here_first=True) as pool:
        results: Any = pool.run(tasks())
        if not args.no_progress:
            from tqdm import tqdm

            results = tqdm(results, total=total, desc="limo grade", unit="row", mininterval=0.5)
        for result in results:
            verdict = verdict_from(*result)
            counts[verdict.reason] += 1
            row = rows.popleft()
            if verdict.reason == "timeout":  # say what was being compared when the clock ran out
                verdict.extracted, verdict.rule = extract_answer(row[args.response_field])
            row.update(correct=verdict.correct, extracted=verdict.extracted, reason=verdict.reason,
                       rule=verdict.rule)
            yield row


def run(args: argparse.Namespace) -> int:
    from limo.provenance import write_provenance

    if args.workers < 1 or args.timeout <= 0:
        raise LimoError("--workers must be >= 1 and --timeout > 0")
    src, out = Path(args.input), check_output_path(args.output, "-o")  # before any grading time is spent
    if src.resolve() == out.resolve():
        raise LimoError(f"{out}: output must differ from the input (it is read while writing)")
    start = time.monotonic()
    total = _check_rows(src, args.response_field, args.gold_field)
    counts: Counter[str] = Counter()
    n = write_jsonl(out, _graded_rows(args, total, counts))
    elapsed = time.monotonic() - start
    write_provenance(out.parent, vars(args), [src], name=f"{out.name}.provenance.json",
                     counts=dict(counts), seconds=round(elapsed, 2))
    acc = counts["equal"] / n if n else 0.0
    parts = ", ".join(f"{r} {counts[r]}" for r in VERDICT_REASONS if counts[r])
    print(f"limo grade: {n} rows, accuracy {acc:.4f} ({counts['equal']}/{n}); {parts or 'nothing graded'}; "
          f"{elapsed:.1f} s ({n / elapsed if elapsed else 0:.0f} rows/s) -> {out}")
    return 0

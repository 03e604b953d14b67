"""limo's grader: did a model response reach the gold answer?

    from limo.grade import grade, grade_many, extract_answer, answers_equivalent

- `extract_answer(response)` finds the LAST final answer (after `</think>` when present) and names the
  rule that found it (`boxed`, `answer_is`, ...; see `limo.grade.extract`).
- `answers_equivalent(a, b)` / `grade(response, gold)` compare with exact fast paths first and
  Math-Verify only for what they cannot settle (see `limo.grade.equivalence`).
- `grade_many(pairs, workers=N)` grades in killable worker processes: every item gets a verdict within
  its timeout, whatever the input (see `limo.grade.pool`).
- `grader="paper"` (on grade/grade_many) is the paper-compatible second opinion (`limo.grade.paper`);
  `GRADERS` lists the choices. The default is limo's own strict grader.

Math-Verify only ever runs in a worker process that can be killed, so no call here can hang.
"""

from __future__ import annotations

import atexit
import pickle
import sys
import threading
import time
from collections.abc import Iterable
from typing import Any

from limo.grade.extract import extract_answer
from limo.grade.judge import GRADERS, GradeTimeout
from limo.records import Verdict

__all__ = ["grade", "grade_many", "extract_answer", "answers_equivalent", "GRADERS"]

_shared: Any = None  # one lazily started worker that runs Math-Verify for grade()/answers_equivalent()
_shared_lock = threading.Lock()  # one task at a time on it, whichever thread asks


def _shared_pool(timeout: float) -> Any:
    global _shared
    from limo.grade.pool import GradePool

    if _shared is None:
        _shared = GradePool(workers=1, timeout=timeout)
        atexit.register(_shared.close)
    _shared.timeout = timeout
    return _shared


def _in_worker(task: tuple[str, tuple[Any, ...]], deadline: float) -> Any:
    """Run one task in the shared killable worker with what is left of the budget."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise GradeTimeout
    with _shared_lock:
        status, value, _ = next(_shared_pool(left).run([task]))
    if status == "timeout":
        raise GradeTimeout
    if status == "error":
        raise RuntimeError(value)
    return value


def _mv_in_worker(deadline: float) -> Any:
    """A Math-Verify callable that runs in the shared killable worker with what is left of the budget."""

    def mv(gold: str, answer: str) -> bool:
        return bool(_in_worker(("mv", (gold, answer)), deadline))

    mv.memo_tag = "math-verify"  # type: ignore[attr-defined]  # mv_verify in the worker: decisions may be remembered
    return mv


def grade(response: str, gold: Any, *, timeout: float = 5.0, grader: str = "limo") -> Verdict:
    """Grade one response. limo's grader runs here and ships only its Math-Verify step to a killable
    worker; other graders (`paper`, whose sympy calls can hang anywhere) run whole in that worker.
    Never raises on any response or gold: an internal failure is the verdict `error`."""
    from limo.grade.judge import check_grader, judge

    check_grader(grader)
    start = time.monotonic()
    try:
        if grader == "limo":
            verdict = judge(response, gold, mv=_mv_in_worker(start + timeout))
        else:
            verdict = Verdict.from_dict(_in_worker(("grade", _sendable((response, gold)) + (grader,)),
                                                   start + timeout))
    except GradeTimeout:
        answer, rule = _safe_extract(response)
        verdict = Verdict(correct=False, reason="timeout", extracted=answer, rule=rule)
    except Exception:  # judge catches its own failures; this is the worker pool failing to start
        verdict = Verdict(correct=False, reason="error")
    verdict.seconds = round(time.monotonic() - start, 4)
    return verdict


def _safe_extract(response: Any) -> tuple[str | None, str | None]:
    try:
        return extract_answer(response)
    except Exception:
        return None, None


def _sendable(pair: Any) -> tuple[Any, Any]:
    """A (response, gold) pair that can be pickled to a worker: anything else becomes ("", None), which
    the worker answers with `invalid_gold` instead of the pool failing on it."""
    try:
        response, gold = pair
        pickle.dumps(gold)
    except Exception:
        return "", None
    return (response if isinstance(response, str) else ""), gold


def grade_many(pairs: Iterable[tuple[str, Any]], *, workers: int = 1, timeout: float = 5.0,
               progress: bool = False, grader: str = "limo") -> list[Verdict]:
    """Grade (response, gold) pairs in `workers` processes; verdicts in input order. Never raises on
    any response or gold; if the worker pool itself fails, the items not yet graded get `error`."""
    from limo.grade.judge import check_grader
    from limo.grade.pool import GradePool, verdict_from

    check_grader(grader)
    items = [_sendable(pair) for pair in pairs]
    verdicts: list[Verdict] = []
    try:
        with GradePool(workers=workers, timeout=timeout, here_first=True) as pool:
            results = pool.run(("grade", item + (grader,)) for item in items)
            if progress:
                from tqdm import tqdm

                results = tqdm(results, total=len(items), desc="grade", unit="item")
            for r in results:
                verdicts.append(verdict_from(*r))
    except Exception as e:  # e.g. a worker that could not start: say so once, grade nothing more
        print(f"limo grade: grader pool failed ({e}); {len(items) - len(verdicts)} items get 'error'",
              file=sys.stderr)
        verdicts += [Verdict(correct=False, reason="error") for _ in range(len(items) - len(verdicts))]
    for verdict, (response, _) in zip(verdicts, items):
        if verdict.reason == "timeout":  # say what was being compared when the clock ran out
            verdict.extracted, verdict.rule = _safe_extract(response)
    return verdicts


def answers_equivalent(a: str, b: str, *, timeout: float = 5.0) -> bool:
    """True when two extracted answers mean the same (for majority voting); False on timeout or on
    any internal failure (never raises)."""
    from limo.grade.gold import normalize_gold
    from limo.grade.judge import decide

    try:
        gold = normalize_gold(a)
        if gold is None or not isinstance(b, str) or not b.strip():
            return False
        return decide(gold, b, _mv_in_worker(time.monotonic() + timeout))
    except Exception:  # GradeTimeout included
        return False

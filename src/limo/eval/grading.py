"""Grading that model text can never stop: every caller that grades samples (eval, --rescore, maj@k
voting, curate difficulty and chains) goes through here.

The grader is meant never to raise, but a sample is model output and a grader bug on one odd answer
must not end a run that greedy decoding would reproduce on every rerun. An exception on one sample
becomes that sample's `error` verdict (saved, counted in grader_reasons, reported); an exception while
comparing two answers for maj@k counts as "not equivalent" and is counted in the metrics.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from limo.records import Problem, Verdict


def error_verdict(exc: BaseException) -> Verdict:
    return Verdict(correct=False, reason="error", extracted=None, rule=f"{type(exc).__name__}: {exc}"[:200])


def safe_grade(response: str, gold: Any, timeout: float, grader: str = "limo") -> Verdict:
    """`limo.grade.grade`, with any exception turned into an `error` verdict."""
    from limo.grade import grade

    try:
        return grade(response, gold, timeout=timeout, grader=grader)
    except Exception as e:  # noqa: BLE001 - deliberately all: one sample must not stop a run
        print(f"limo: grader error ({type(e).__name__}: {e}); counted as an `error` verdict", file=sys.stderr)
        return error_verdict(e)


def golds(problem: Problem) -> list[Any]:
    """The gold and its accepted alternatives (gaokao: the option letter)."""
    return [problem.answer] + list(problem.meta.get("alt_answers", []))


def grade_problem(problem: Problem, response: str, timeout: float, grader: str = "limo") -> Verdict:
    """Correct if any accepted gold matches; otherwise the verdict against the main gold."""
    verdicts = [safe_grade(response, g, timeout, grader) for g in golds(problem)]
    return next((v for v in verdicts if v.correct), verdicts[0])


def grade_pairs(pairs: list[tuple[str, Any]], *, workers: int, timeout: float, progress: bool,
                grader: str = "limo") -> list[Verdict]:
    """`grade_many`; if it fails as a whole, each pair is graded alone so only the culprit gets `error`."""
    from limo.grade import grade_many

    try:
        return grade_many(pairs, workers=workers, timeout=timeout, progress=progress, grader=grader)
    except Exception as e:  # noqa: BLE001
        print(f"limo: batch grading failed ({type(e).__name__}: {e}); grading one by one", file=sys.stderr)
        return [safe_grade(r, g, timeout, grader) for r, g in pairs]


# `--grader both`: Sample.verdict is limo's verdict and the paper grader's goes here (a Verdict dict).
PAPER_VERDICT = "paper_verdict"
EVAL_GRADERS = ("limo", "paper", "both")


def main_grader(grader: str) -> str:
    """The grader whose verdict is Sample.verdict: `paper` for paper, limo's for limo and both."""
    return "paper" if grader == "paper" else "limo"


class SafeEquivalence:
    """An answer-equivalence test for maj@k that never raises (default: `answers_equivalent`); `errors`
    counts the comparisons that raised (they count as "not equivalent")."""

    def __init__(self, inner: Callable[[str, str], bool] | None = None):
        self.inner = inner
        self.errors = 0

    def __call__(self, a: str, b: str) -> bool:
        inner = self.inner
        if inner is None:
            from limo.grade import answers_equivalent as inner
        try:
            return bool(inner(a, b))
        except Exception as e:  # noqa: BLE001
            self.errors += 1
            print(f"limo: answer comparison error ({type(e).__name__}: {e}); counted as not equivalent",
                  file=sys.stderr)
            return False

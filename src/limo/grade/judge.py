"""One response against one gold: extraction, then equivalence, as a Verdict.

`judge` takes the Math-Verify call as a parameter so the same logic runs in two places: inside pool
workers (calling math_verify directly, the worker is killed on timeout) and in the caller's process for
`grade()` (where only the Math-Verify step is shipped to a killable worker).

`judge` never raises (except `GradeTimeout`, which its caller turns into a `timeout` verdict): any
internal failure on some odd input becomes the verdict `error`, so one answer cannot stop an evaluation.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from typing import Any

from limo.grade.equivalence import MvFn, equivalent
from limo.grade.mathverify import mv_verify
from limo.grade.extract import extract_answer
from limo.errors import LimoError
from limo.grade.gold import Gold, normalize_gold
from limo.grade.memo import DECISIONS
from limo.records import Verdict


class GradeTimeout(Exception):
    """Raised by a Math-Verify callable whose time budget ran out; the caller records `timeout`."""


def _judge(response: Any, gold: Any, mv: MvFn) -> Verdict:
    parsed_gold = normalize_gold(gold)
    if parsed_gold is None:
        return Verdict(correct=False, reason="invalid_gold")
    answer, rule = extract_answer(response if isinstance(response, str) else "")
    if answer is None:
        return Verdict(correct=False, reason="no_answer")
    ok = decide(parsed_gold, answer, mv)
    return Verdict(correct=ok, reason="equal" if ok else "not_equal", extracted=answer, rule=rule)


def decide(gold: Gold, answer: str, mv: MvFn) -> bool:
    """`equivalent`, remembered within the process (`limo.grade.memo`) when `mv` is the real Math-Verify
    step (it carries a `memo_tag`); any other callable (a test's stand-in) is called every time."""
    tag = getattr(mv, "memo_tag", None)
    if tag is None:
        return equivalent(gold, answer, mv)
    return DECISIONS.decide(("limo", tag, gold, answer), lambda: equivalent(gold, answer, mv))


def _paper(response: Any, gold: Any, mv: MvFn) -> Verdict:
    from limo.grade.paper import paper_judge

    return paper_judge(response, gold)


# The graders `limo grade --grader` offers: limo's strict grader (default) and the paper-compatible
# second opinion (`limo.grade.paper`). Each takes (response, gold, Math-Verify callable).
_GRADERS: dict[str, Callable[[Any, Any, MvFn], Verdict]] = {"limo": _judge, "paper": _paper}
GRADERS = tuple(_GRADERS)


def check_grader(name: str) -> str:
    """`name` if it is a known grader; a LimoError naming the choices otherwise."""
    if name not in _GRADERS:
        raise LimoError(f"unknown grader {name!r}; choose one of: {', '.join(GRADERS)}")
    return name


def judge(response: Any, gold: Any, mv: MvFn = mv_verify, grader: str = "limo") -> Verdict:
    """The verdict for one (response, gold) pair; `seconds` is left for the caller to fill."""
    fn = _GRADERS[check_grader(grader)]
    try:
        return fn(response, gold, mv)
    except GradeTimeout:
        raise
    except Exception:  # a grader bug on this input: report it, keep the evaluation going
        print(f"limo grade: grader error (please report): {traceback.format_exc(limit=2).strip().splitlines()[-1]}",
              file=sys.stderr)
        return Verdict(correct=False, reason="error")

"""Every number `limo eval` reports, in one audited module (unit-tested with hand-computed cases).

Definitions (per benchmark; a problem has n samples, c of them correct):
- avg@n: mean over problems of c/n (the pass@1 estimate; LIMO's n=16 sets report this). The 95% CI
  is a percentile bootstrap over problems (problems are the unit that varies between test sets).
- pass@k: Chen et al.'s unbiased estimator 1 - C(n-c, k)/C(n, k), averaged over problems. Not
  "any correct among the first k" (s1 cov@k) and not LIMO's printed "Acc" (= pass@n).
- maj@k: the most common *equivalent* answer among k samples is right. Answers are grouped into
  classes with `answers_equivalent` (so "1/2", "0.5" and "\\frac{1}{2}" vote together), samples with no
  answer do not vote, ties go to the class seen first (lowest sample index). For k < n it is the
  mean over k-subsets: all of them when there are at most `max_subsets`, else a seeded random draw.
- truncation rate: share of samples with finish_reason "length" (they hit the token cap).
- no-answer rate: share of samples from which no final answer could be extracted.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

Equivalent = Callable[[str, str], bool]


@dataclass
class Outcome:
    """One problem's graded samples, in sample-index order."""

    problem_id: str
    correct: list[bool]
    answers: list[str | None] = field(default_factory=list)  # extracted final answers (None: none)
    finish: list[str | None] = field(default_factory=list)
    tokens: list[int | None] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)  # for breakdowns (level, subject, ...)


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k for one problem, product form (no huge binomials)."""
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"pass_at_k needs 0 <= c <= n and 1 <= k <= n, got n={n} c={c} k={k}")
    if n - c < k:
        return 1.0
    prod = 1.0
    for i in range(n - c + 1, n + 1):
        prod *= 1.0 - k / i
    return 1.0 - prod


def bootstrap_ci(values: Sequence[float], iters: int = 2000, seed: int = 0,
                 level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap CI of the mean; resamples the given units (problems) with replacement."""
    if not values:
        return (float("nan"), float("nan"))
    import numpy as np

    arr = np.asarray(values, dtype=float)
    rng = np.random.default_rng(seed)
    means = arr[rng.integers(0, len(arr), size=(iters, len(arr)))].mean(axis=1)
    lo, hi = np.quantile(means, [(1 - level) / 2, 1 - (1 - level) / 2])
    return (float(lo), float(hi))


def answer_classes(answers: Sequence[str | None], equivalent: Equivalent) -> list[int | None]:
    """Class id per answer (None for no answer); equal strings share a class without a comparison."""
    reps: list[str] = []
    by_text: dict[str, int] = {}
    out: list[int | None] = []
    for a in answers:
        if a is None or not a.strip():
            out.append(None)
            continue
        key = a.strip()
        if key not in by_text:
            by_text[key] = next((i for i, r in enumerate(reps) if equivalent(r, key)), len(reps))
            if by_text[key] == len(reps):
                reps.append(key)
        out.append(by_text[key])
    return out


def majority_correct(classes: Sequence[int | None], correct: Sequence[bool], subset: Sequence[int]) -> bool:
    """Is the winning class among `subset` (sample indices, ascending) correct?"""
    votes: dict[int, int] = {}
    first: dict[int, int] = {}
    for i in subset:
        c = classes[i]
        if c is None:
            continue
        votes[c] = votes.get(c, 0) + 1
        first.setdefault(c, i)
    if not votes:
        return False
    winner = max(votes, key=lambda c: (votes[c], -first[c]))
    return bool(correct[first[winner]])


def maj_at_k(classes: Sequence[int | None], correct: Sequence[bool], k: int, *, seed: int = 0,
             max_subsets: int = 64) -> float:
    """maj@k for one problem: exact mean over all k-subsets when few, else over a seeded sample."""
    n = len(classes)
    if not 1 <= k <= n:
        raise ValueError(f"maj_at_k needs 1 <= k <= n, got k={k} n={n}")
    if math.comb(n, k) <= max_subsets:
        subsets: list[Sequence[int]] = list(itertools.combinations(range(n), k))
    else:
        rng = random.Random(seed)
        subsets = [sorted(rng.sample(range(n), k)) for _ in range(max_subsets)]
    return sum(majority_correct(classes, correct, s) for s in subsets) / len(subsets)


def default_ks(n: int) -> list[int]:
    """1, 2, 4, ... up to n, and n itself."""
    ks = [2 ** i for i in range(n.bit_length()) if 2 ** i <= n]
    return ks + ([n] if n not in ks else [])


def _mean(xs: Sequence[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


def length_stats(outcomes: Sequence[Outcome]) -> dict[str, float | None]:
    """Response tokens: mean/median/p90/max overall and means for correct vs incorrect samples."""
    pairs = [(t, ok) for o in outcomes for t, ok in zip(o.tokens, o.correct) if t is not None]
    toks = sorted(t for t, _ in pairs)
    if not toks:
        return {"mean": None, "median": None, "p90": None, "max": None,
                "mean_correct": None, "mean_incorrect": None}
    return {"mean": _mean(toks), "median": float(toks[len(toks) // 2]) if len(toks) % 2 else
            (toks[len(toks) // 2 - 1] + toks[len(toks) // 2]) / 2,
            "p90": float(toks[min(len(toks) - 1, math.ceil(0.9 * len(toks)) - 1)]), "max": float(toks[-1]),
            "mean_correct": _mean([t for t, ok in pairs if ok]),
            "mean_incorrect": _mean([t for t, ok in pairs if not ok])}


def summarize(outcomes: Sequence[Outcome], *, equivalent: Equivalent | None = None,
              breakdown: Sequence[str] = (), ks: Sequence[int] | None = None, seed: int = 0,
              bootstrap_iters: int = 2000) -> dict[str, Any]:
    """All metrics for one benchmark. `equivalent` (default limo.grade.answers_equivalent) drives maj@k;
    a comparison that raises counts as "not equivalent" and in `vote_errors` (model text never stops it)."""
    from limo.eval.grading import SafeEquivalence

    safe = SafeEquivalence(equivalent)
    outcomes = [o for o in outcomes if o.correct]
    if not outcomes:
        return {"n_problems": 0, "n_samples": 0, "avg_at_n": None}
    n = min(len(o.correct) for o in outcomes)
    per_problem = [sum(o.correct) / len(o.correct) for o in outcomes]
    ks = [k for k in (ks or default_ks(n)) if 1 <= k <= n]
    classes = [answer_classes(o.answers, safe) if o.answers else [None] * len(o.correct)
               for o in outcomes]
    samples = [(f, ok) for o in outcomes for f, ok in itertools.zip_longest(o.finish, o.correct)]
    no_answer = [a is None or not str(a).strip() for o in outcomes for a in (o.answers or [None] * len(o.correct))]
    return {
        "n_problems": len(outcomes),
        "n_samples": sum(len(o.correct) for o in outcomes),
        "n": n,
        "avg_at_n": _mean(per_problem),
        "ci95": list(bootstrap_ci(per_problem, iters=bootstrap_iters, seed=seed)),
        "pass_at_k": {str(k): _mean([pass_at_k(len(o.correct), sum(o.correct), k) for o in outcomes])
                      for k in ks},
        "maj_at_k": {str(k): _mean([maj_at_k(c, o.correct, k, seed=seed) for c, o in zip(classes, outcomes)])
                     for k in ks},
        "truncation_rate": _mean([f == "length" for f, _ in samples]),
        "no_answer_rate": _mean(no_answer),
        "length": length_stats(outcomes),
        "breakdown": {key: _breakdown(outcomes, per_problem, key) for key in breakdown},
        "vote_errors": safe.errors,
    }


def _breakdown(outcomes: Sequence[Outcome], per_problem: Sequence[float], key: str) -> dict[str, Any]:
    groups: dict[str, list[float]] = {}
    for o, acc in zip(outcomes, per_problem):
        groups.setdefault(str(o.meta.get(key, "?")), []).append(acc)
    return {g: {"n_problems": len(v), "avg_at_n": _mean(v)} for g, v in sorted(groups.items())}

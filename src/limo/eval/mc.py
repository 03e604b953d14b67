"""Multiple-choice option shuffling (GPQA) with a seeded, persisted, per-question permutation.

LIMO's GPQA file puts the right option at "A" for all 198 items, which rewards a model with an "A"
prior. We permute the options per question with a permutation derived from sha256(seed, problem id) —
not from one shared RNG, so it does not depend on load order, and not from `Random(42)` created per
question, which gives every question the same permutation (evalchemy#155). The permutation and the
original gold are stored in `Problem.meta` and eval copies them into every sample, so rescoring
never re-shuffles against cached generations (evalscope#1579).
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
import re
from collections import Counter

from limo.errors import RecordError
from limo.records import Problem

LETTERS = "ABCD"
_LAYOUT = re.compile(r"(?s)^(.*)\n\nA\. (.*)\nB\. (.*)\nC\. (.*)\nD\. (.*?)(\n\n.*)?$")


def permutation_for(problem_id: str, seed: int, size: int = 4) -> list[int]:
    """perm[new_position] = old_position; deterministic in (seed, problem id)."""
    digest = hashlib.sha256(f"limo-mc\0{seed}\0{problem_id}".encode()).digest()
    rng = random.Random(int.from_bytes(digest[:8], "big"))
    perm = list(range(size))
    rng.shuffle(perm)
    return perm


def split_options(question: str) -> tuple[str, list[str], str]:
    """(stem, [A, B, C, D] option texts, trailing instruction) from LIMO's GPQA layout."""
    m = _LAYOUT.match(question)
    if not m:
        raise RecordError("multiple-choice question does not have the 'A. ..\\nB. ..\\nC. ..\\nD. ..' layout")
    return m.group(1), [m.group(i) for i in range(2, 6)], m.group(6) or ""


def shuffle_problem(problem: Problem, seed: int) -> Problem:
    """A copy of `problem` with its options permuted and the gold letter moved with them."""
    stem, options, tail = split_options(problem.problem)
    gold = str(problem.answer).strip().upper()
    if gold not in LETTERS:
        raise RecordError(f"problem {problem.id}: multiple-choice gold {problem.answer!r} is not A-D")
    perm = permutation_for(problem.id, seed)
    new_options = [options[old] for old in perm]
    new_gold = LETTERS[perm.index(LETTERS.index(gold))]
    body = "\n".join(f"{letter}. {text}" for letter, text in zip(LETTERS, new_options))
    meta = {**problem.meta, "permutation": perm, "shuffle_seed": seed, "published_answer": gold}
    return dataclasses.replace(problem, problem=f"{stem}\n\n{body}{tail}", answer=new_gold, meta=meta)


def gold_letter_histogram(problems: list[Problem]) -> dict[str, int]:
    """Audit: how often each letter is the gold (LIMO's published file: all A)."""
    counts = Counter(str(p.answer).strip().upper() for p in problems)
    return {letter: counts.get(letter, 0) for letter in LETTERS}

"""Surface perturbations of problem text, for measuring dedup and decontamination recall.

A planted copy of a problem gets 1-3 of these changes, the kinds a scraped pool shows: whitespace, case,
LaTeX spacing, `\\dfrac` vs `\\frac`, `$` signs, number formatting, a small word change or a swapped
word pair, swapped sentences, truncation, and a prefix such as "Problem 3:". Seeded and deterministic.
Used by tests/integration/test_curate_recall.py and benchmarks/curate_scale.py.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

_WORD_SWAPS = {"find": "determine", "compute": "calculate", "what": "which", "number": "count",
               "the": "a", "is": "equals", "how": "how", "value": "amount", "let": "suppose"}
_PREFIXES = ["Problem 3: ", "Solve the following problem. ", "Q: ", "Question 12. ",
             "Answer the question below.\n", "Exercise: "]


def _whitespace(t: str, r: random.Random) -> str:
    return re.sub(r" ", lambda m: r.choice([" ", "  ", "\n", " \t "]), t)


def _case(t: str, r: random.Random) -> str:
    return r.choice([t.upper(), t.lower(), t.title()])


def _latex_spacing(t: str, r: random.Random) -> str:
    t = t.replace("(", "\\left(").replace(")", "\\right)") if r.random() < 0.5 else t
    return re.sub(r"(?<=[=+\-]) ", lambda m: r.choice(["\\, ", "\\; ", "\\! ", "\\quad "]), t)


def _fracs(t: str, r: random.Random) -> str:
    return t.replace("\\dfrac", "\\frac") if "\\dfrac" in t else t.replace("\\frac", "\\dfrac")


def _dollars(t: str, r: random.Random) -> str:
    return t.replace("$", "") if r.random() < 0.5 else re.sub(r"\$([^$]+)\$", r"\\(\1\\)", t)


def _numbers(t: str, r: random.Random) -> str:
    sep = r.choice([",", "{,}", "\\,"])
    return re.sub(r"(?<![\d.])(\d{1,3})(\d{3})(?![\d.])", lambda m: m[1] + sep + m[2], t)


def _word_change(t: str, r: random.Random) -> str:
    words = t.split(" ")
    if len(words) < 6:
        return t
    i = r.randrange(len(words) - 1)
    kind = r.random()
    if kind < 0.4 and words[i].lower() in _WORD_SWAPS:
        words[i] = _WORD_SWAPS[words[i].lower()]
    elif kind < 0.7:
        words[i], words[i + 1] = words[i + 1], words[i]
    elif not any(c.isdigit() for c in words[i]):
        del words[i]
    return " ".join(words)


def _reorder(t: str, r: random.Random) -> str:
    parts = re.split(r"(?<=[.?!])\s+", t)
    if len(parts) < 3:
        return _word_change(t, r)
    i = r.randrange(len(parts) - 2)  # keep the question (last sentence) in place
    parts[i], parts[i + 1] = parts[i + 1], parts[i]
    return " ".join(parts)


def _truncate(t: str, r: random.Random) -> str:
    words = t.split(" ")
    if len(words) < 12:
        return t
    return " ".join(words[: max(8, int(len(words) * r.uniform(0.7, 0.9)))])


def _prefix(t: str, r: random.Random) -> str:
    return r.choice(_PREFIXES) + t


PERTURBATIONS: dict[str, Callable[[str, random.Random], str]] = {
    "whitespace": _whitespace, "case": _case, "latex_spacing": _latex_spacing, "frac": _fracs,
    "dollars": _dollars, "numbers": _numbers, "word_change": _word_change, "reorder": _reorder,
    "truncate": _truncate, "prefix": _prefix,
}


def perturb(text: str, rng: random.Random, k: tuple[int, int] = (1, 3)) -> tuple[str, list[str]]:
    """`text` with k random perturbations applied; returns (new text, names applied)."""
    names = rng.sample(sorted(PERTURBATIONS), rng.randint(*k))
    for name in names:
        text = PERTURBATIONS[name](text, rng)
    return text, names

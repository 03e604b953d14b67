"""Is an extracted answer equivalent to the gold? Fast paths first, then Math-Verify.

`mv_verify` is the one place in limo that calls math_verify. It disables math_verify's own
signal-based timeouts (they only work in a main thread and do not stop every hang): callers run it in a
worker process that the parent kills at the deadline (see `limo.grade.pool`).

`equivalent` decides in this order, stopping at the first answer:
1. identical after canonical cleaning (spaces, `\\left`, `\\dfrac`, degrees, `$`) -> equal;
2. option letters, when the gold names one (`C` vs `(C)`; `C. {x|...}` also accepts its content);
3. prose golds (Chinese, words): compared as text, never sent to sympy;
4. both plain numbers (ints, decimals, fractions, mixed numbers, e-notation, percent): exact compare;
5. inputs that could only hang sympy (power towers, very long answers) -> not equal;
6. Math-Verify on the two strings (intervals, sets, tuples, matrices, equations, expressions).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from limo.grade.fastpath import (choice_letter, clean, is_text, numbers_equal, parse_number, strip_assignment,
                                 text_key)
from limo.grade.gold import Gold, enotation_to_latex

MvFn = Callable[[str, str], bool]
_MAX_MV_CHARS = 600  # longer answers are not what a benchmark gold looks like; sympy could take forever
# a^{b^{c...}} with a numeric base: three nested exponents, or two whose value is astronomically large.
_TOWER = re.compile(r"\^\s*\{[^{}]*\^\s*\{?[^{}]*\^")
_NUM_TOWER = re.compile(r"(\d+)\s*\^\s*\{?\s*\(?\s*(\d+)\s*\^\s*\{?\s*\(?\s*(\d+)")


def _mixed_to_sum(s: str) -> str:
    """`7\\frac{3}{11}` -> `7+\\frac{3}{11}`: Math-Verify would read a mixed number as a product."""
    return re.sub(r"(?<![\d.^_{])(\d+)\s*\\[dt]?frac", r"\1+\\frac", s)


def mv_input(s: str) -> str:
    """A string as Math-Verify should see it: `$...$`-wrapped, e-notation and mixed numbers rewritten."""
    return f"${_mixed_to_sum(enotation_to_latex(s))}$"


def mv_verify(gold: str, answer: str) -> bool:
    """THE math_verify wrapper: parse both (LaTeX then plain expressions) and verify(gold, answer)."""
    from math_verify import ExprExtractionConfig, LatexExtractionConfig, parse, verify

    logging.getLogger("math_verify").setLevel(logging.ERROR)
    configs = [LatexExtractionConfig(boxed_match_priority=0), ExprExtractionConfig()]
    parsed_gold = parse(mv_input(gold), configs, parsing_timeout=None)  # type: ignore[arg-type]
    parsed_answer = parse(mv_input(answer), configs, parsing_timeout=None)  # type: ignore[arg-type]
    if not parsed_gold or not parsed_answer:
        return False
    return bool(verify(parsed_gold, parsed_answer, timeout_seconds=None))


def too_costly(s: str) -> bool:
    """Cheap pre-check for inputs that make sympy compute for minutes: huge exponent towers, long text."""
    if len(s) > _MAX_MV_CHARS or _TOWER.search(s):
        return True
    for m in _NUM_TOWER.finditer(s):
        base, e1, e2 = (int(x[:6]) for x in m.groups())
        if base > 1 and e1 > 1 and e2 * len(str(e1)) > 6:  # e1**e2 has more than ~6 digits
            return True
    return False


def _choice_decision(gold: Gold, answer: str) -> bool | None:
    letter = choice_letter(answer)
    if gold.choice is None:
        return None
    if letter is not None:
        return letter == gold.choice
    return False if gold.text == gold.choice else None  # bare-letter gold: only a letter can match


def fast_decision(gold: Gold, answer: str) -> bool | None:
    """Steps 1-5 of the module docstring; None when only Math-Verify can decide."""
    g, a = clean(gold.text), clean(answer)
    if g == a or (gold.choice and clean(answer) == clean(f"{gold.choice}.{gold.text}")):
        return True
    decided = _choice_decision(gold, answer)
    if decided is not None:
        return decided
    if is_text(gold.text):
        return text_key(gold.text) == text_key(answer)
    gold_num = parse_number(g)
    if gold_num is not None:
        answer_num = parse_number(strip_assignment(a))
        if answer_num is not None:
            return numbers_equal(gold_num, answer_num)
    if too_costly(a) or too_costly(g):
        return False
    return None


def equivalent(gold: Gold, answer: str, mv: MvFn = mv_verify) -> bool:
    """True when `answer` is a correct final answer for `gold` (see module docstring)."""
    decided = fast_decision(gold, answer)
    if decided is not None:
        return decided
    return mv(gold.text, answer)
